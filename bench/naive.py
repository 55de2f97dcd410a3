"""The naive pipeline: what a first script would do with pandas and openpyxl.

pandas.read_excel (openpyxl engine) or pandas.read_csv; a Python loop over the rows (iterrows)
computing simple versions of ftscore's four scores and its recommendation; an openpyxl
workbook in normal mode, cell by cell, with a styled header and a number format on the number
columns, saved.

    python bench/naive.py INPUT OUTPUT '{"Summary": [30, [28, 26, 15]], ...}'

It writes the job ftscore does: the same sheets as ftscore's workbook, each with the same number
of rows and of filled cells in every column (SHAPES, as for floor.py). The cells hold the input's
columns followed by the computed ones: column j of a sheet takes column j mod (their number),
its blanks left out and its values repeated as often as needed, from the top down.

Reads the sample's headers (samples/make_samples.py). Prints the seconds spent reading,
scoring and writing, and the cells written, as JSON.
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


def write(frame: pd.DataFrame, scores: list[list], output: str, shapes: dict[str, list]) -> int:
    headers = [*frame.columns, *COMPUTED]
    columns = [[v for v in frame[name].tolist() if not pd.isna(v)] for name in frame.columns]
    columns += [[row[k] for row in scores if row[k] is not None] for k in range(len(COMPUTED))]
    wb = Workbook()
    wb.remove(wb.active)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    for name, (rows, filled) in shapes.items():
        ws = wb.create_sheet(name)
        source = [j % len(headers) for j in range(len(filled))]
        ws.append([headers[k] if filled[j] else None for j, k in enumerate(source)])
        for j in range(len(source)):
            cell = ws.cell(row=1, column=j + 1)
            cell.font, cell.fill = bold, fill
        for r in range(1, rows):
            values = []
            for j, k in enumerate(source):
                column = columns[k]
                values.append(column[(r - 1) % len(column)] if r < filled[j] and column else None)
            ws.append(values)
            for j, value in enumerate(values):
                if isinstance(value, float):
                    ws.cell(row=r + 1, column=j + 1).number_format = "#,##0.00"
    wb.save(output)
    return sum(sum(filled) for _, filled in shapes.values())


def main() -> None:
    source, output, shapes = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    t0 = time.perf_counter()
    frame = pd.read_csv(source) if source.lower().endswith(".csv") else pd.read_excel(source, engine="openpyxl")
    t1 = time.perf_counter()
    scores = [score_row(row) for _, row in frame.iterrows()]
    t2 = time.perf_counter()
    cells = write(frame, scores, output, shapes)
    t3 = time.perf_counter()
    print(json.dumps({"timings": {"read": round(t1 - t0, 3), "score": round(t2 - t1, 3),
                                  "write": round(t3 - t2, 3)}, "cells": cells}))


if __name__ == "__main__":
    main()
