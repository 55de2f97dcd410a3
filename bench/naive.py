"""The naive pipeline: what a first script would do with pandas and openpyxl.

pandas.read_excel (openpyxl engine) or pandas.read_csv; a Python loop over the rows (iterrows)
computing simple versions of ftscore's four scores and its recommendation; an openpyxl
workbook in normal mode holding the input columns and the computed ones, with a styled header
and a money number format on the money columns, saved.

    python bench/naive.py INPUT OUTPUT

Reads the sample's headers (samples/make_samples.py). Prints the seconds spent reading,
scoring and writing, as JSON.
"""

from __future__ import annotations

import json
import math
import re
import sys
import time

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

SENSITIVITY = {"none": 0, "internal": 2, "confidential": 5, "personal": 8, "regulated": 10}
LATENCY = {"none": 0, "batch": 0, "quick": 5, "real-time": 10}
TARGETS = {"legal": 0.95, "healthcare": 0.99, "finance": 0.99}
COST_ANCHORS = [(1000, 0), (5000, 5), (15000, 5), (30000, 10)]
MISSING = {"", "n/a", "na", "-", "nan", "none"}
COMPUTED = ["Monthly spend", "Privacy score", "Cost score", "Accuracy score", "Speed score", "Fit score",
            "Recommendation"]
MONEY = {"Monthly API Cost ($)", "Fine-tune Setup Cost ($)", "Fine-tune Monthly Cost ($)", "Monthly spend"}


def number(value) -> float | None:
    """12500, "$12,500", "12.5k", "88%" (-> 0.88); None for blanks and text that is no number."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip().lower().replace("$", "").replace(",", "")
    if text in MISSING:
        return None
    match = re.fullmatch(r"(-?[\d.]+)\s*(%|k)?", text)
    if not match:
        return None
    amount = float(match.group(1))
    return amount / 100 if match.group(2) == "%" else amount * 1000 if match.group(2) == "k" else amount


def rate(value) -> float | None:
    share = number(value)
    return share / 100 if share is not None and share > 1 else share


def text(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip().lower()


def piecewise(x: float, anchors: list[tuple[float, float]]) -> float:
    if x <= anchors[0][0]:
        return anchors[0][1]
    for (x0, y0), (x1, y1) in zip(anchors, anchors[1:]):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return anchors[-1][1]


def score_row(row: pd.Series) -> list:
    privacy = SENSITIVITY.get(text(row["Data Sensitivity"]), 0)
    if text(row["Contains PII"]) in ("yes", "y", "true"):
        privacy = max(privacy, 8)
    if text(row["Regulations"]) not in MISSING:
        privacy = 10

    spend = number(row["Monthly API Cost ($)"])
    if spend is None:
        calls, tokens_in, tokens_out = (number(row[c]) for c in ("Monthly Calls", "Input Tokens", "Output Tokens"))
        price_in, price_out = number(row["Input Price per 1K ($)"]), number(row["Output Price per 1K ($)"])
        if None not in (calls, tokens_in, tokens_out, price_in, price_out):
            spend = calls * (tokens_in * price_in + tokens_out * price_out) / 1000
    cost = piecewise(spend, COST_ANCHORS) if spend is not None else 0

    current = rate(row["Current Accuracy"])
    target = rate(row["Target Accuracy"]) or TARGETS.get(text(row["Industry"]), 0.85)
    gap = target - current if current is not None else 0
    accuracy = 0 if gap <= 0 else min(10, 5 + 5 * gap / 0.05)

    speed = LATENCY.get(text(row["Latency Class"]), 0)

    fit = (privacy + cost + accuracy + speed) / 4
    if fit >= 6 or privacy >= 9:
        recommendation = "Fine-tune"
    elif fit >= 4 or (spend or 0) >= 5000:
        recommendation = "Evaluate"
    else:
        recommendation = "Keep prompting"
    return [spend, privacy, round(cost, 2), round(accuracy, 2), speed, round(fit, 2), recommendation]


def main() -> None:
    source, output = sys.argv[1], sys.argv[2]
    t0 = time.perf_counter()
    frame = pd.read_csv(source) if source.lower().endswith(".csv") else pd.read_excel(source, engine="openpyxl")
    t1 = time.perf_counter()
    scores = [score_row(row) for _, row in frame.iterrows()]
    t2 = time.perf_counter()

    wb = Workbook()
    ws = wb.active
    ws.title = "Scored"
    headers = [*frame.columns, *COMPUTED]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    money = [i + 1 for i, name in enumerate(headers) if name in MONEY]
    for r, (values, computed) in enumerate(zip(frame.itertuples(index=False), scores), start=2):
        ws.append([None if pd.isna(v) else v for v in values] + computed)
        for c in money:
            ws.cell(row=r, column=c).number_format = '"$"#,##0.00'
    wb.save(output)
    t3 = time.perf_counter()
    print(json.dumps({"timings": {"read": round(t1 - t0, 3), "score": round(t2 - t1, 3),
                                  "write": round(t3 - t2, 3)}}))


if __name__ == "__main__":
    main()
