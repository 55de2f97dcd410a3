"""Limits: numbers too large for their column, computed money that overflows, bounded options and
config keys, wide inputs and Excel's 16,384 columns (issue 10, points 6, 7 and 10).

Every test writes a real file, runs the command line and reads what it wrote.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from conftest import SAMPLES, run_cli, sheet_rows, write_csv

HEADERS = ["Use Case ID", "Use Case", "Monthly API Cost", "Monthly Calls", "Input Tokens", "Output Tokens",
           "Input Price per 1K", "Output Price per 1K"]
GOOD = ["UC-1", "Fine row", "5000", "", "", "", "", ""]


def issues(path: Path) -> list[dict]:
    return sheet_rows(path, "Issues")


def portfolio_header(path: Path) -> list:
    wb = openpyxl.load_workbook(path, read_only=True)
    header = next(wb["Portfolio"].iter_rows(min_row=1, max_row=1, values_only=True))
    wb.close()
    return list(header)


def cell_texts(path: Path, sheet: str) -> list[str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    texts = [v for row in wb[sheet].iter_rows(values_only=True) for v in row if isinstance(v, str)]
    wb.close()
    return texts


def wide_csv(path: Path, columns: int, rows: int) -> Path:
    """use_case_id, use_case, monthly_api_cost, then carried columns up to `columns` in all."""
    head = ["use_case_id", "use_case", "monthly_api_cost"] + [f"extra {i}" for i in range(4, columns + 1)]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        for r in range(rows):
            w.writerow([f"UC-{r}", f"case {r}", str(1000 * (r + 1))] + [str(i % 97) for i in range(4, columns + 1)])
    return path


# ------------------------------------------------------------------ point 7: Excel's last column
def test_columns_past_excels_last_column_are_not_dropped_silently(tmp):
    """16,380 columns + the annotation columns do not fit in 16,384: the annotations stay on Portfolio,
    the user's columns that do not fit are in the Parquet file beside it, and Issues and Summary say so."""
    src = wide_csv(tmp / "wide.csv", 16_380, 2)
    out = tmp / "wide-scored.xlsx"
    r = run_cli("score", src, "-o", out)
    assert r.code == 0, r.stderr
    header = portfolio_header(out)
    assert len(header) <= 16_384
    assert "Fit score" in header and "Recommendation" in header and "Rank" in header
    assert header[-1] == "Rank in unit"
    kept_user = header.index("Source row")
    assert header[:3] == ["use_case_id", "use_case", "monthly_api_cost"]
    assert kept_user == 16_384 - (len(header) - kept_user)
    # every column is in the companion Parquet file
    companion = out.with_suffix(".parquet")
    assert companion.exists()
    every = pl.read_parquet(companion)
    assert [c for c in every.columns if c.startswith("extra ")][-1] == "extra 16380"
    assert every.height == 2 and every.get_column("extra 16380").to_list() == [16380 % 97] * 2
    left_out = 16_380 - kept_user
    warned = [i for i in issues(out) if i["Severity"] == "warning" and "columns" in (i["Problem"] or "")]
    assert len(warned) == 1, issues(out)
    problem = warned[0]["Problem"]
    assert f"{left_out:,}" in problem and companion.name in problem and "extra 16380" in problem
    summary = cell_texts(out, "Summary")
    assert any(companion.name in v and f"{left_out:,}" in v for v in summary), summary


def test_a_portfolio_that_fits_gets_no_companion_and_no_column_warning(tmp):
    src = wide_csv(tmp / "fits.csv", 300, 2)
    out = tmp / "fits-scored.xlsx"
    r = run_cli("score", src, "-o", out)
    assert r.code == 0, r.stderr
    header = portfolio_header(out)
    assert header[:3] == ["use_case_id", "use_case", "monthly_api_cost"] and "extra 300" in header
    assert not out.with_suffix(".parquet").exists()
    assert not [i for i in issues(out) if "columns" in (i["Problem"] or "")]
