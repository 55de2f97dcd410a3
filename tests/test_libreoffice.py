"""The scored sample workbook opens in headless LibreOffice: it prints to PDF and its values survive.

A second spreadsheet program reading the workbook catches what openpyxl forgives (a malformed
table, a chart or style part that only Excel-like readers choke on). LibreOffice converts the
workbook to PDF (every sheet) and the Ranking sheet to CSV; the CSV must hold the same values
openpyxl reads from the same file.

Needs `soffice` (Debian: libreoffice-calc-nogui). In CI (CI set) a missing soffice is a failure,
since .ci/run installs it; on a developer machine the tests are skipped with the install command.
"""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import SAMPLES, run_cli
from helpers_office import convert, require_soffice
from helpers_pdf import pages as pdf_pages

RANKING_SHEET = 3  # 1-based position of Ranking in the workbook (Summary, Changes, Ranking, ...)
# Text CSV export: comma, double quote, UTF-8 (76), from line 1, default cell formats, default
# language, quote text only when needed, -, raw values (not "as shown"), values not formulas,
# keep spaces, then the 1-based sheet to export (LibreOffice >= 7.2; older ones write sheet 1).
CSV_FILTER = f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,{RANKING_SHEET}"

@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The sample scored once, then converted to PDF and to a CSV of Ranking (None without soffice)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        return {"soffice": None}
    tmp = tmp_path_factory.mktemp("libreoffice")
    xlsx = tmp / "portfolio-scored.xlsx"
    run = run_cli("score", SAMPLES / "portfolio.xlsx", "-o", xlsx)
    assert run.code == 1, run.stderr  # the sample has deliberate errors: workbook written, exit 1
    convert(soffice, "pdf", xlsx, tmp)
    convert(soffice, CSV_FILTER, xlsx, tmp)
    return {"soffice": soffice, "xlsx": xlsx, "pdf": tmp / "portfolio-scored.pdf",
            "csv": tmp / "portfolio-scored-Ranking.csv", "dir": tmp}


def test_libreoffice_prints_the_workbook_to_pdf(converted: dict[str, Any]) -> None:
    require_soffice(converted["soffice"])
    pdf = converted["pdf"]
    assert pdf.is_file(), f"no PDF written; {converted['dir']} holds {sorted(p.name for p in converted['dir'].iterdir())}"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF-") and len(data) > 20_000, f"PDF looks empty: {len(data)} bytes"
    assert pdf_pages(pdf) >= 6  # Summary, Changes, Ranking, Portfolio, Issues, Assumptions: a page or more each


def _same(lo: str, xl: Any) -> bool:
    """A CSV field from LibreOffice against the value openpyxl reads from the same cell."""
    if xl is None:
        return lo == ""
    if isinstance(xl, bool):
        return lo.upper() == str(xl).upper()
    if isinstance(xl, (int, float)):
        try:
            return float(lo) == pytest.approx(xl, rel=1e-12, abs=1e-9)
        except ValueError:
            return False
    return lo == str(xl)


def test_ranking_values_survive_libreoffice(converted: dict[str, Any]) -> None:
    require_soffice(converted["soffice"])
    path = converted["csv"]
    assert path.is_file(), (
        f"no {path.name}: this LibreOffice may ignore the sheet number in the CSV filter options (needs >= 7.2); "
        f"{converted['dir']} holds {sorted(p.name for p in converted['dir'].iterdir())}")
    with open(path, newline="", encoding="utf-8") as fh:
        lo_rows = [r for r in csv.reader(fh) if any(r)]

    wb = openpyxl.load_workbook(converted["xlsx"], read_only=True)
    assert wb.sheetnames[RANKING_SHEET - 1] == "Ranking"
    xl_rows = [r for r in wb["Ranking"].iter_rows(values_only=True) if any(v is not None for v in r)]
    wb.close()

    header = list(xl_rows[0])
    assert lo_rows[0] == header
    lo = [dict(zip(header, r)) for r in lo_rows[1:]]
    xl = [dict(zip(header, r)) for r in xl_rows[1:]]

    assert [r["Rank"] for r in lo] == [str(n) for n in range(1, 23)]
    uc01 = next(r for r in lo if r["Use case ID"] == "UC-01")
    assert float(uc01["Monthly API cost"]) == 13000
    assert float(lo[0]["Fit score"]) == pytest.approx(xl[0]["Fit score"])
    assert lo[0]["Use case ID"] == xl[0]["Use case ID"]

    # Every cell, not just the samples above: LibreOffice reads what openpyxl reads.
    assert len(lo) == len(xl)
    diffs = [(i + 2, col, lo_row.get(col), xl_row[col])
             for i, (lo_row, xl_row) in enumerate(zip(lo, xl)) for col in header
             if not _same(lo_row.get(col, ""), xl_row[col])]
    assert not diffs, f"(row, column, LibreOffice, openpyxl) differ: {diffs[:10]}"


def test_libreoffice_reads_the_summary_charts_from_the_table(converted: dict[str, Any], tmp_path: Path) -> None:
    """LibreOffice opens Summary's two charts of the recommendations table (use cases; net savings) and
    plots them from the table's ranges."""
    import zipfile

    soffice = require_soffice(converted["soffice"])
    rows = [r[:4] for r in openpyxl.load_workbook(converted["xlsx"])["Summary"].iter_rows(values_only=True)]
    first = next(i for i, r in enumerate(rows, start=1) if r[:2] == ("Recommendation", "Use cases")) + 1
    last = next(i for i, r in enumerate(rows, start=1) if i > first and r[0] == "Total") - 1
    convert(soffice, "ods", converted["xlsx"], tmp_path)
    with zipfile.ZipFile(tmp_path / "portfolio-scored.ods") as z:
        charts = " ".join(z.read(n).decode() for n in z.namelist() if n.startswith("Object") and n.endswith("content.xml"))
    ranges = set(re.findall(r'table:cell-range-address="([^"]+)"', charts))
    assert f"Summary.A{first}:Summary.B{last}" in ranges  # the use cases per recommendation
    assert f"Summary.A{first}:Summary.A{last} Summary.D{first}:Summary.D{last}" in ranges  # the net savings
