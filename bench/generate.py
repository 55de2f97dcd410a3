"""Seeded synthetic portfolios for the benchmark, written as .csv and .xlsx.

Every row is one AI use case with the sample's 25 columns (samples/make_samples.py) and values
drawn from the same vocabularies: business units with their industry, sensitivity and PII that go
together, models with their list prices, volumes on a log scale, accuracies written as "88%" or
"0.88", amounts sometimes as "$18,500". Then 1 % of the cells of every column are made messy the
way people type: "n/a", "lots", "120%", "$12,500", "500ms", unknown categories, blank names,
duplicate ids. The same rows count and seed give the same files (Python's `random`, whose
sequences are stable across Python versions).

Files are cached in bench/data/ by rows, seed and VERSION; bump VERSION whenever the content
changes.

    python bench/generate.py 10000 100000 --seed 42 --formats csv xlsx
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from pathlib import Path

import polars as pl
import xlsxwriter

VERSION = 1
DATA = Path(__file__).parent / "data"
MESSY_SHARE = 0.01
FORMATS = ("csv", "xlsx")

# The sample's own headers: the synthetic portfolios look like samples/portfolio.xlsx.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "samples"))
from make_samples import HEADERS  # noqa: E402
sys.path.pop(0)

UNITS = {  # business unit -> industry
    "Customer Service": "general", "Legal": "legal", "Claims": "finance", "Engineering": "general",
    "Clinical Operations": "healthcare", "Marketing": "general", "Risk": "finance", "IT": "general",
    "Finance": "finance", "Operations": "general", "HR": "general", "Sales": "general",
    "E-commerce": "general", "Procurement": "general",
}
SENSITIVITY = {  # industry -> (sensitivities, weights)
    "general": (["none", "internal", "confidential", "personal"], [2, 4, 2, 2]),
    "legal": (["confidential", "regulated", "personal"], [5, 3, 2]),
    "finance": (["confidential", "personal", "regulated"], [4, 4, 2]),
    "healthcare": (["regulated", "personal"], [8, 2]),
}
REGULATIONS = {  # industry -> choices for rows with personal or regulated data (None: not named)
    "general": ["GDPR", "CCPA", "GDPR; CCPA", None],
    "legal": ["SEC rules", "GDPR", None],
    "finance": ["SOX", "GLBA; SOX", "PCI DSS", None],
    "healthcare": ["HIPAA", "HIPAA; GDPR"],
}
MODELS = [  # name, USD per 1K input tokens, per 1K output tokens
    ("gpt-4o", "0.0025", "0.01"), ("gpt-4o-mini", "0.00015", "0.0006"),
    ("claude-3-5-sonnet", "0.003", "0.015"), ("claude-3-5-haiku", "0.0008", "0.004"),
    ("gemini-1.5-pro", "0.00125", "0.005"),
]
SUBJECTS = [
    "Call transcript", "Agent reply", "Contract clause", "Claims", "Code review", "Discharge summary",
    "Marketing copy", "Fraud alert", "IT helpdesk", "Invoice field", "Meeting notes", "HR policy",
    "Radiology report", "Sales email", "Regulatory filing", "Product search", "Knowledge base",
    "Underwriting memo", "Voice intent", "Support article", "Test case", "Supplier risk",
    "Patient message", "Expense report",
]
TASKS = [
    "summarisation", "drafting", "triage", "extraction", "classification", "translation", "Q&A",
    "routing", "tagging", "anomaly notes", "review", "rewriting",
]
FIRST = ["Dana", "Priya", "Tom", "Lee", "Amal", "Sofia", "Omar", "Kim", "Marta", "Ivan", "Grace",
         "Noah", "Ava", "Jonas", "Lena", "Raj", "Chloe", "Mateo", "Yuki", "Samir"]
LAST = ["Ruiz", "Nair", "Becker", "Park", "Haddad", "Lind", "Said", "Osei", "Gomez", "Petrov", "Kim",
        "Brown", "Chen", "Weber", "Novak", "Singh", "Dubois", "Rossi", "Tanaka", "Haddad-Lee"]
NOTES = [
    "Automotive support calls, the 4P price example", "Clause library of 14,000 precedents",
    "Trade secrets in the codebase", "Accuracy not measured yet", "Pilot with three teams since Q2",
    "Vendor contract renews in March; legal review pending", "Name still to be agreed",
    '=HYPERLINK("http://example.com")',
    "Volumes from the last full month; expected to double after the EMEA roll-out, see the "
    "steering committee minutes of 14 May for the assumptions behind the growth figure",
]
# What people type instead of a clean value, per column (ids and names are handled apart).
MESS = {
    "Business Unit": ["n/a", "tbd", "Shared services"],
    "Owner": ["n/a", "tbd", "?"],
    "Industry": ["n/a", "other", "Retail"],
    "Data Sensitivity": ["n/a", "tbd", "top secret"],
    "Contains PII": ["maybe", "Y", "n/a"],
    "Regulations": ["n/a", "none", "EU AI Act"],
    "Model": ["n/a", "in-house", "gpt-5-preview"],
    "Monthly Calls": ["lots", "n/a", "12.5k", "-"],
    "Input Tokens": ["lots", "n/a", "2k"],
    "Output Tokens": ["lots", "n/a", "500 tokens"],
    "Input Price per 1K ($)": ["$0.0025", "n/a", "tbd"],
    "Output Price per 1K ($)": ["$0.01", "n/a", "tbd"],
    "Monthly API Cost ($)": ["$12,500", "12.5k", "n/a", "tbd"],
    "Current Accuracy": ["120%", "n/a", "85", "high"],
    "Target Accuracy": ["120%", "n/a", "95"],
    "Critical Error Rate": ["120%", "n/a", "low"],
    "Edge Case Error Rate": ["120%", "n/a", "5"],
    "Latency Class": ["n/a", "asap", "Real time"],
    "Max Latency (s)": ["500ms", "2 min", "n/a", "fast"],
    "Fine-tune Setup Cost ($)": ["$12,500", "n/a", "lots", "40k"],
    "Fine-tune Monthly Cost ($)": ["$2,500", "n/a", "tbd"],
    "Usage Growth %": ["lots", "n/a", "10 %"],
    "Notes": ['=SUM(A1:A3)', "see e-mail", "n/a"],
}


def path_for(rows: int, seed: int, fmt: str) -> Path:
    return DATA / f"portfolio-{rows}-s{seed}-v{VERSION}.{fmt}"


def ensure(rows: int, seed: int, formats: tuple[str, ...] = FORMATS) -> dict[str, Path]:
    """The cached input files for rows and seed, generated first where missing."""
    paths = {fmt: path_for(rows, seed, fmt) for fmt in formats}
    missing = [fmt for fmt, path in paths.items() if not path.exists()]
    if missing:
        frame = generate(rows, seed)
        DATA.mkdir(parents=True, exist_ok=True)
        for fmt in missing:
            _write_atomically(frame, paths[fmt], write_csv if fmt == "csv" else write_xlsx)
    return paths


def wide_path_for(columns: int, rows: int, seed: int) -> Path:
    return DATA / f"portfolio-wide-{columns}x{rows}-s{seed}-v{VERSION}.csv"


def ensure_wide(columns: int, rows: int, seed: int) -> Path:
    """A wide input (cached): the sample's columns, then carried columns up to `columns` in all,
    a third each of numbers, short text and blanks with a few values (a survey or ERP export)."""
    path = wide_path_for(columns, rows, seed)
    if not path.exists():
        frame = generate(rows, seed)
        rng = random.Random(seed + 1)
        extra = []
        for j in range(max(columns - frame.width, 0)):
            if j % 3 == 0:
                values = [str(rng.randint(0, 99_999)) for _ in range(rows)]
            elif j % 3 == 1:
                values = [rng.choice(TASKS) for _ in range(rows)]
            else:
                values = [rng.choice(TASKS) if rng.random() < 0.05 else None for _ in range(rows)]
            extra.append(pl.Series(f"Field {j + 1}", values, dtype=pl.String))
        DATA.mkdir(parents=True, exist_ok=True)
        _write_atomically(frame.hstack(extra), path, write_csv)
    return path


def generate(rows: int, seed: int) -> pl.DataFrame:
    """rows use cases as typed into a spreadsheet: every column text (None = blank cell)."""
    rng = random.Random(seed)
    columns = _clean(rng, rows)
    _make_messy(rng, columns)
    return pl.DataFrame([pl.Series(name, columns[name], dtype=pl.String) for name in HEADERS])


def _clean(rng: random.Random, n: int) -> dict[str, list]:
    def pick(values, weights=None):
        return rng.choices(values, weights, k=n)

    def maybe(share: float, make) -> list:
        """make() in share of the rows, else a blank cell."""
        return [make() if rng.random() < share else None for _ in range(n)]

    def log_uniform(lo: float, hi: float) -> float:
        return lo * (hi / lo) ** rng.random()

    def percent(lo: float, hi: float) -> str:
        return f"{round(rng.uniform(lo, hi) * 100, 1):g}%"

    def rate(lo: float, hi: float) -> str:  # people write accuracies both ways
        value = rng.uniform(lo, hi)
        return f"{round(value * 100, 1):g}%" if rng.random() < 0.6 else f"{value:.3f}"

    units = pick(list(UNITS))
    industries = [UNITS[u] for u in units]
    sensitivity = [rng.choices(*SENSITIVITY[i])[0] for i in industries]
    personal = [s in ("personal", "regulated") for s in sensitivity]
    models = pick([m for m, _, _ in MODELS] + [None], [6, 8, 4, 2, 2, 5])  # None: spend given instead
    prices = {m: (p_in, p_out) for m, p_in, p_out in MODELS}
    with_prices = [m is not None and rng.random() < 0.7 for m in models]  # else from the catalog
    latency = pick(["none", "batch", "quick", "real-time"], [1, 4.5, 3, 1.5])

    def latency_limit(cls: str) -> str | None:
        if cls == "quick" and rng.random() < 0.7:
            return f"{rng.uniform(2, 10):.1f}"
        if cls == "real-time" and rng.random() < 0.7:
            return f"{rng.uniform(0.2, 2):.1f}"
        return None

    def spend() -> str:
        amount = round(log_uniform(500, 60000), -2)
        return f"${amount:,.0f}" if rng.random() < 0.3 else f"{amount:.0f}"

    return {
        "Use Case ID": [f"UC-{i:07d}" for i in range(1, n + 1)],
        "Use Case": [f"{s} {t}" for s, t in zip(pick(SUBJECTS), pick(TASKS))],
        "Business Unit": units,
        "Owner": [f"{first} {last}" for first, last in zip(pick(FIRST), pick(LAST))],
        "Industry": industries,
        "Data Sensitivity": sensitivity,
        "Contains PII": [("yes" if rng.random() < 0.85 else "no") if p else ("no" if rng.random() < 0.95 else "yes")
                         for p in personal],
        "Regulations": [rng.choice(REGULATIONS[i]) if p else None for i, p in zip(industries, personal)],
        "Model": models,
        "Monthly Calls": [str(int(round(log_uniform(1000, 3_000_000), -2))) if m else None for m in models],
        "Input Tokens": [str(round(log_uniform(200, 50000))) if m else None for m in models],
        "Output Tokens": [str(round(log_uniform(30, 3000))) if m else None for m in models],
        "Input Price per 1K ($)": [prices[m][0] if w else None for m, w in zip(models, with_prices)],
        "Output Price per 1K ($)": [prices[m][1] if w else None for m, w in zip(models, with_prices)],
        "Monthly API Cost ($)": [None if m else spend() for m in models],
        "Current Accuracy": maybe(0.9, lambda: rate(0.8, 0.995)),
        "Target Accuracy": maybe(0.2, lambda: rate(0.85, 0.99)),
        "Critical Error Rate": maybe(0.9, lambda: percent(0, 0.04)),
        "Edge Case Error Rate": maybe(0.9, lambda: percent(0.01, 0.1)),
        "Latency Class": latency,
        "Max Latency (s)": [latency_limit(c) for c in latency],
        "Fine-tune Setup Cost ($)": maybe(0.6, lambda: str(rng.randrange(10, 81) * 1000)),
        "Fine-tune Monthly Cost ($)": maybe(0.6, lambda: str(rng.randrange(10, 61) * 100)),
        "Usage Growth %": maybe(0.6, lambda: f"{rng.choice([5, 10, 15, 20, 25, 30, 40])}%"),
        "Notes": maybe(0.2, lambda: rng.choice(NOTES)),
    }


def _make_messy(rng: random.Random, columns: dict[str, list]) -> None:
    """MESSY_SHARE of the cells of every column, at random rows: blank names, ids repeating
    another row's, and MESS for the rest."""
    n = len(columns["Use Case ID"])
    count = round(n * MESSY_SHARE)
    ids = columns["Use Case ID"]
    for name, cells in columns.items():
        for i in rng.sample(range(n), count):
            if name == "Use Case":
                cells[i] = None
            elif name == "Use Case ID":
                cells[i] = ids[(i + 1 + rng.randrange(n - 1)) % n]
            else:
                cells[i] = rng.choice(MESS[name])


def write_csv(frame: pl.DataFrame, path: Path) -> None:
    frame.write_csv(path)


def write_xlsx(frame: pl.DataFrame, path: Path) -> None:
    """One sheet like the sample's. Text that reads as a number is written as a number (as a
    person's spreadsheet has it); "88%", "$18,500" and formula-like text stay text."""
    options = {"constant_memory": True, "strings_to_numbers": True, "strings_to_formulas": False,
               "strings_to_urls": False}
    with xlsxwriter.Workbook(path, options) as wb:
        ws = wb.add_worksheet("Portfolio")
        ws.set_column(0, frame.width - 1, 16)
        ws.write_row(0, 0, frame.columns, wb.add_format({"bold": True, "bg_color": "#DDEBF7"}))
        for r, row in enumerate(frame.iter_rows(), start=1):
            ws.write_row(r, 0, row)


def _write_atomically(frame: pl.DataFrame, path: Path, writer) -> None:
    """Write beside path and rename, so an interrupted run never leaves a half file in the cache."""
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        writer(frame, tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", type=int, nargs="+", help="use cases per portfolio")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--formats", nargs="+", choices=FORMATS, default=list(FORMATS))
    args = parser.parse_args()
    for rows in args.rows:
        for path in ensure(rows, args.seed, tuple(args.formats)).values():
            print(path)


if __name__ == "__main__":
    main()
