"""Real-world files through the CLI, the workbook read back and compared with the file itself.

The files are in tests/data/corpus (sources and licences in SOURCES.md there). What each file
exercises is described in the shared corpus MANIFEST.md. Expected values are read from the
input files here with openpyxl or the csv module, never copied from ftscore's output.

Most spreadsheets in the corpus are generic tables without a "use case name" column, so each
test maps one of their headers to ``use_case`` with a small ``[columns.aliases]`` config, just as
a user maps their own headers.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
import time
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import DATA, ROOT, run_cli, sheet_rows

CORPUS = DATA / "corpus"
FEDERAL_CONFIG = ROOT / "samples" / "us-federal-2024.toml"
FEDERAL_CSV = "us_federal_2024_consolidated_ai_inventory_raw_v2.csv"
FEDERAL_TWINS = [
    "us_federal_2024_consolidated_ai_inventory_raw_v2__libreoffice7.4.xlsx",
    "us_federal_2024_consolidated_ai_inventory_raw_v2__libreoffice7.4.ods",
    "us_federal_2024_consolidated_ai_inventory_raw_v2.xls",
]
IMPACT_HEADER = "Is the AI use case rights-impacting, safety-impacting, both, or neither?"
FEDERAL_2025_CONFIG = ROOT / "samples" / "us-federal-2025.toml"
HIGH_IMPACT_2025 = "Is the AI use case high-impact?"
PII_2025 = "Does this AI use case involve personally identifiable information (PII) that is maintained by the agency?"


# ----------------------------------------------------------------------------- helpers
def corpus(name: str) -> Path:
    path = CORPUS / name
    assert path.is_file(), f"missing test file {path}"
    return path


def alias_config(tmp: Path, use_case: str | list[str], name: str = "aliases.toml", **aliases: str | list[str]) -> Path:
    """A user's config mapping their own headers: [columns.aliases] use_case = [...]."""
    lines = ["[columns.aliases]"]
    for key, value in {"use_case": use_case, **aliases}.items():
        values = [value] if isinstance(value, str) else value
        lines.append(f"{key} = [{', '.join(json.dumps(v) for v in values)}]")
    path = tmp / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


FIRST_LINE = re.compile(
    r"^(?P<file>.+): (?:sheet '(?P<sheet>.*)'|encoding (?P<encoding>.+?)), "
    r"header row (?P<header_row>\d+), (?P<rows>\d+) data rows$"
)
COLUMN_LINE = re.compile(r"^\s*(?P<letter>[A-Z]{1,3})  (?P<header>.*?)\s*  -> (?P<how>.*)$")


@dataclass
class Listing:
    """What `ftscore columns` printed."""

    sheet: str | None
    encoding: str | None
    header_row: int
    rows: int
    headers: dict[str, str]  # letter -> header as printed
    how: dict[str, str]  # letter -> how it was matched
    notes: list[str] = field(default_factory=list)

    @property
    def letters(self) -> list[str]:
        return list(self.headers)


def list_columns(path: Path, *args: Any) -> Listing:
    run = run_cli("columns", path, *args)
    assert run.code == 0, f"ftscore columns exited {run.code}: {run.stderr}"
    lines = run.stdout.splitlines()
    first = FIRST_LINE.match(lines[0])
    assert first, f"unexpected first line of 'columns': {lines[0]!r}"
    headers, how, notes = {}, {}, []
    for line in lines[1:]:
        if line.startswith("note: "):
            notes.append(line[len("note: "):])
        elif (m := COLUMN_LINE.match(line)) is not None:
            headers[m["letter"]] = m["header"]
            how[m["letter"]] = m["how"]
    return Listing(first["sheet"], first["encoding"], int(first["header_row"]), int(first["rows"]), headers, how, notes)


SUMMARY = re.compile(r"^scored (\d+) of (\d+) use cases, (\d+) with errors -> (.+?)(?: \((.*)\))?$")


@dataclass
class Scored:
    code: int
    stderr: str
    out: Path
    scored: int
    rows: int
    errors: int
    facts: str | None
    portfolio: list[dict[str, Any]]
    issues: list[dict[str, Any]]

    def error_rows(self) -> set[int]:
        return {i["Row"] for i in self.issues if i["Severity"] == "error" and i["Row"] is not None}

    def by_row(self) -> dict[int, dict[str, Any]]:
        return {r["Source row"]: r for r in self.portfolio}


def score(tmp: Path, path: Path, *args: Any, out_name: str = "scored.xlsx") -> Scored:
    out = tmp / out_name
    run = run_cli("score", path, "-o", out, *args)
    assert run.code in (0, 1), f"ftscore score exited {run.code}: {run.stderr}"
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one summary line on stderr, got {lines!r}"
    m = SUMMARY.match(lines[0])
    assert m, f"unexpected summary line {lines[0]!r}"
    assert Path(m[4]) == out
    return Scored(run.code, run.stderr, out, int(m[1]), int(m[2]), int(m[3]), m[5],
                  sheet_rows(out, "Portfolio"), sheet_rows(out, "Issues"))


def assert_accounted(result: Scored, expected_rows: list[int]) -> None:
    """Every input row on Portfolio in input order, scored or with an error (never both); counts add up."""
    assert [r["Source row"] for r in result.portfolio] == expected_rows
    errors = result.error_rows()
    for r in result.portfolio:
        scored = r["Recommendation"] is not None
        assert scored != (r["Source row"] in errors), (
            f"row {r['Source row']}: scored={scored}, error rows {sorted(errors)[:20]}")
    assert result.rows == len(expected_rows)
    assert result.scored + result.errors == result.rows
    assert result.errors == len(errors)
    assert result.code == (1 if errors else 0)


def assert_refused(tmp: Path, path: Path, *args: Any) -> str:
    """Exit 3, one line on stderr naming the file, nothing written. Returns the line."""
    out = tmp / "refused.xlsx"
    run = run_cli("score", path, "-o", out, *args)
    assert run.code == 3, f"exit {run.code}: {run.stderr}"
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("ftscore: error: ") and str(path) in lines[0]
    assert not out.exists()
    assert list(tmp.glob("*.xlsx*")) == []
    return lines[0]


def xlsx_cells(path: Path, sheet: str | None = None) -> dict[int, dict[str, Any]]:
    """Non-empty cells as Excel shows them: {row: {letter: value}}, cached values for formulas."""
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    ws.reset_dimensions()  # some writers declare the whole sheet (A1:XFD1048576)
    out: dict[int, dict[str, Any]] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                out.setdefault(cell.row, {})[cell.column_letter] = cell.value
    wb.close()
    return out


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def data_rows(cells: dict[int, dict[str, Any]], header_row: int) -> list[int]:
    """Rows below the header with at least one non-blank cell."""
    return sorted(r for r, vals in cells.items() if r > header_row and any(not blank(v) for v in vals.values()))


def same(got: Any, want: Any) -> bool:
    """Equal, or the same number written differently (1 vs 1.0 vs '1')."""
    if got == want:
        return True
    try:
        return float(got) == float(want)
    except (TypeError, ValueError):
        return False


def letters_between(first: str, last: str) -> list[str]:
    from openpyxl.utils import column_index_from_string, get_column_letter

    return [get_column_letter(i) for i in range(column_index_from_string(first), column_index_from_string(last) + 1)]


def decode_like_excel(raw: bytes) -> tuple[str, str]:
    """(text, encoding as ftscore should name it): UTF-8 with/without BOM, else Windows-1252."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8"), "utf-8 (with BOM)"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252"), "windows-1252"


def csv_records(path: Path, delimiter: str = ",") -> tuple[list[list[str]], str]:
    """The records of a CSV file (record n is row n as Excel shows it) and its encoding."""
    text, encoding = decode_like_excel(path.read_bytes())
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)), encoding


# ----------------------------------------------------------------------------- 1. fixtures: spreadsheets
def test_table_starting_at_h10(tmp: Path) -> None:
    path = corpus("fastexcel__sheet-and-table-with-offset.xlsx")
    cfg = alias_config(tmp, ["Column at H10", "Column at D5"])
    cells = xlsx_cells(path, "without-table")
    header_row = min(cells)
    assert header_row == 10 and min(cells[10]) == "H"  # the file: data starts at H10, J empty
    expected_rows = data_rows(cells, header_row)

    listing = list_columns(path, "--config", cfg)
    assert listing.sheet == "without-table"
    assert listing.header_row == header_row
    assert listing.rows == len(expected_rows) == 3
    assert listing.letters == sorted(cells[header_row]) == ["H", "I", "K"]
    assert listing.headers == cells[header_row]
    assert listing.how["H"] == "use_case (alias)"

    result = score(tmp, path, "--config", cfg)
    assert_accounted(result, expected_rows)
    # the second sheet holds use cases too: the summary names it (issue 10 point 3)
    assert result.facts == "sheet 'without-table'; sheet 'with-table' also holds use cases, not read: --sheet NAME"
    for row in expected_rows:
        got = result.by_row()[row]
        for letter, header in cells[header_row].items():
            assert same(got[header], cells[row][letter]), (row, header)

    # The second sheet holds an Excel table at D5.
    cells2 = xlsx_cells(path, "with-table")
    listing2 = list_columns(path, "--config", cfg, "--sheet", "with-table")
    assert listing2.header_row == min(cells2) == 5
    assert listing2.letters == sorted(cells2[5]) == ["D", "E"]
    assert listing2.rows == len(data_rows(cells2, 5)) == 4


def test_title_block_and_header_on_row_11_from_column_b(tmp: Path) -> None:
    """A report export: title block with merged key/value cells in rows 2-9, header on row 11 from B,
    dates, percentages and [h]:mm:ss durations in the data."""
    path = corpus("fastexcel__single-sheet-skip-rows-durations.xlsx")
    cells = xlsx_cells(path)
    header_row = next(r for r, v in sorted(cells.items()) if v.get("B") == "User" and "Program Name" in v.values())
    assert header_row == 11
    expected_rows = data_rows(cells, header_row)
    cfg = alias_config(tmp, "User", business_unit="Program Name")

    listing = list_columns(path, "--config", cfg)
    assert listing.header_row == header_row
    assert listing.rows == len(expected_rows) == 2
    assert listing.letters == letters_between("B", max(cells[header_row], key=lambda s: (len(s), s)))
    assert listing.letters[0] == "B"
    assert listing.how["B"] == "use_case (alias)"

    result = score(tmp, path, "--config", cfg)
    assert_accounted(result, expected_rows)
    for row in expected_rows:
        got = result.by_row()[row]
        assert got["User"] == cells[row]["B"]
        assert got["Day"] == cells[row]["C"]  # a real date
        assert same(got["Utilization (%)"], cells[row]["I"])
        assert got["Tot. Active Hours"] is not None  # a duration cell is carried, not lost


def test_google_sheets_whitespace_rows(tmp: Path) -> None:
    """Header on row 3; blank, formula-empty and whitespace-only rows are skipped; Source row is the Excel row."""
    path = corpus("fastexcel__sheet-and-table-with-whitespace.xlsx")
    cells = xlsx_cells(path, "Without Table")
    header_row = min(cells)
    expected_rows = data_rows(cells, header_row)
    assert header_row == 3 and expected_rows == [4, 5, 6, 7, 8, 9]  # 10-13 blank, "" formula or " "
    names = cells[header_row]
    cfg = alias_config(tmp, "Column Two")

    listing = list_columns(path, "--config", cfg)
    assert listing.sheet == "Without Table"
    assert (listing.header_row, listing.rows) == (header_row, len(expected_rows))
    assert listing.headers == names

    result = score(tmp, path, "--config", cfg)
    assert_accounted(result, expected_rows)
    nameless = [r for r in expected_rows if blank(cells[r].get("B"))]
    assert nameless == [6, 9]
    assert result.error_rows() == set(nameless)
    for issue in (i for i in result.issues if i["Severity"] == "error"):
        assert issue["Cell"] == f"B{issue['Row']}" and issue["Column"] == "Column Two"
    for row in expected_rows:
        assert result.by_row()[row]["Column Two"] == cells[row].get("B")


def test_numbers_in_a_carried_column_stay_numbers(tmp: Path) -> None:
    """Column One holds numbers (1.0, 2.0, ...); its only text is ' ' in the skipped row 13."""
    path = corpus("fastexcel__sheet-and-table-with-whitespace.xlsx")
    cells = xlsx_cells(path, "Without Table")
    result = score(tmp, path, "--config", alias_config(tmp, "Column Two"))
    for row, got in result.by_row().items():
        want = cells[row].get("A")
        if want is not None:
            assert isinstance(want, float)
            assert isinstance(got["Column One"], (int, float)) and got["Column One"] == want, (
                f"A{row} is the number {want!r} in the input; Portfolio has {got['Column One']!r}")


def test_dates_stay_dates_on_rows_with_errors(tmp: Path) -> None:
    """Rows 6 and 9 have no use case name (errors); their dates in Column Three must still be dates."""
    path = corpus("fastexcel__sheet-and-table-with-whitespace.xlsx")
    cells = xlsx_cells(path, "Without Table")
    result = score(tmp, path, "--config", alias_config(tmp, "Column Two"))
    for row, got in result.by_row().items():
        want = cells[row].get("C")
        if want is not None:
            assert isinstance(want, datetime)
            assert got["Column Three"] == want, (
                f"C{row} is the date {want} in the input; Portfolio has {got['Column Three']!r} "
                f"(row {'with' if row in result.error_rows() else 'without'} errors)")


def test_multi_row_header_with_title_rows(tmp: Path) -> None:
    """IPC report: title rows 7-9, a 3-row header (rows 10-12, merged bands), data from row 13."""
    path = corpus("frictionless__issue-1024.xlsx")
    cells = xlsx_cells(path)
    header_row = next(r for r, v in sorted(cells.items()) if v.get("C") == "Area")
    assert header_row == 12
    expected_rows = data_rows(cells, header_row)
    assert expected_rows[0] == 13 and len(expected_rows) == 48  # 13-58, then two footer lines (62, 64)
    cfg = alias_config(tmp, "Area")

    listing = list_columns(path, "--config", cfg)
    assert listing.sheet == "IPC"
    assert (listing.header_row, listing.rows) == (header_row, len(expected_rows))
    assert listing.how["C"] == "use_case (alias)"
    header_cells = cells[header_row]
    for letter in "ABCDE":
        assert listing.headers[letter] == header_cells[letter]
    with_data = {k for r in expected_rows for k, v in cells[r].items() if v is not None}
    named = {k for k, v in header_cells.items() if not blank(v)}
    assert set(listing.letters) == named | with_data

    result = score(tmp, path, "--config", cfg)
    assert_accounted(result, expected_rows)
    nameless = {r for r in expected_rows if blank(cells[r].get("C"))}
    assert nameless == {13, 62, 64}
    assert result.error_rows() == nameless
    for row in expected_rows:
        assert same(result.by_row()[row]["Area"], cells[row].get("C")), row
    assert any(i["Severity"] == "note" and "above the header row 12" in i["Problem"] for i in result.issues)


def test_two_row_merged_header(tmp: Path) -> None:
    """Header cells merged over rows 1-2 (A1:A2, C1:D2, ...); data on rows 3-4."""
    path = corpus("calamine__merged_range.xlsx")
    cells = xlsx_cells(path, "Sheet1")
    assert 2 not in cells  # the lower half of the merged header
    expected_rows = data_rows(cells, 2)
    assert expected_rows == [3, 4]
    cfg = alias_config(tmp, "A1")

    listing = list_columns(path, "--config", cfg)
    assert listing.header_row == 1
    assert listing.rows == len(expected_rows)
    assert listing.letters == sorted(cells[1]) == ["A", "B", "C", "E", "F", "G", "H"]

    result = score(tmp, path, "--config", cfg)
    assert_accounted(result, expected_rows)
    assert result.code == 0
    for row in expected_rows:
        got = result.by_row()[row]
        for letter, header in cells[1].items():
            assert got[header] == cells[row][letter]
    assert all(i["Row"] != 2 for i in result.issues)


def test_gnumeric_whole_sheet_dimension_reads_fast(tmp: Path) -> None:
    """Declares A1:XFD1048576 and styles ~49k empty cells, but holds a header and one data row."""
    path = corpus("calamine__issue_174.xlsx")
    cells = xlsx_cells(path)
    assert sorted(cells) == [1, 2]
    cfg = alias_config(tmp, "Contact Name")

    started = time.perf_counter()
    listing = list_columns(path, "--config", cfg)
    result = score(tmp, path, "--config", cfg)
    elapsed = time.perf_counter() - started
    assert elapsed < 10, f"columns + score took {elapsed:.1f} s on a 2-row sheet"

    assert (listing.header_row, listing.rows) == (1, 1)
    assert listing.letters == sorted(cells[1]) == letters_between("A", "K")
    assert [listing.headers[k] for k in listing.letters] == [cells[1][k].strip() for k in listing.letters]
    assert_accounted(result, [2])
    got = result.by_row()[2]
    for letter, header in cells[1].items():
        assert same(got[header.strip()], cells[2][letter]), header


def test_rows_stored_out_of_order(tmp: Path) -> None:
    """SpreadsheetGear writes <row r="7">, <row r="10">, then rows without numbers, 53, 66: Source rows
    must still be the rows Excel shows."""
    path = corpus("calamine__issue_261.xlsx")
    cells = xlsx_cells(path)
    header_row = min(r for r, v in cells.items() if v.get("B") == "String Value 30")
    assert header_row == 10
    expected_rows = data_rows(cells, header_row)
    assert len(expected_rows) == 51 and expected_rows[-1] == 66
    header = cells[header_row]
    cfg = alias_config(tmp, header["B"])

    listing = list_columns(path, "--config", cfg)
    assert (listing.header_row, listing.rows) == (header_row, len(expected_rows))
    assert listing.headers == header

    result = score(tmp, path, "--config", cfg)
    assert_accounted(result, expected_rows)
    assert result.error_rows() == {r for r in expected_rows if blank(cells[r].get("B"))}
    for row in expected_rows:
        got = result.by_row()[row]
        for letter in ("B", "C", "D", "E", "F", "G"):
            want = cells[row].get(letter)
            if not blank(want):
                assert same(got[header[letter]], want), f"{letter}{row}: {got[header[letter]]!r} != {want!r}"


def test_div0_in_a_used_column_is_an_error(tmp: Path) -> None:
    path = corpus("fastexcel__div0.xlsx")
    cells = xlsx_cells(path)
    bad = [(f"{k}{r}", v) for r, vals in cells.items() for k, v in vals.items()
           if isinstance(v, str) and v.startswith("#")]
    assert bad == [("C2", "#DIV/0!")]
    result = score(tmp, path, "--config", alias_config(tmp, "dividend", monthly_api_cost="quotient"))
    assert_accounted(result, data_rows(cells, 1))
    errors = [i for i in result.issues if i["Severity"] == "error"]
    assert [(i["Row"], i["Cell"], i["Column"], i["Value"]) for i in errors] == [(2, "C2", cells[1]["C"], "#DIV/0!")]
    assert "#DIV/0!" in errors[0]["Problem"]
    assert result.code == 1 and result.errors == 1


def test_div0_in_a_carried_column_is_a_warning(tmp: Path) -> None:
    path = corpus("fastexcel__div0.xlsx")
    cells = xlsx_cells(path)
    result = score(tmp, path, "--config", alias_config(tmp, "dividend"))
    assert_accounted(result, data_rows(cells, 1))
    assert result.code == 0 and result.scored == 4
    cell_issues = [i for i in result.issues if i["Cell"] is not None]
    assert [(i["Severity"], i["Row"], i["Cell"], i["Value"]) for i in cell_issues] == [("warning", 2, "C2", "#DIV/0!")]


def test_errors_workbook_without_header_is_refused(tmp: Path) -> None:
    """Seven cached formula errors in A1:A7 and no header anywhere."""
    message = assert_refused(tmp, corpus("calamine__errors.xlsx"))
    assert "no header row" in message


def test_errors_workbook_every_cached_error_is_reported(tmp: Path) -> None:
    """With --header-row 1 and the name column mapped, every cached error below is an error on its
    own row naming the cell and the error value, and the workbook is written."""
    path = corpus("calamine__errors.xlsx")
    cells = xlsx_cells(path, "Feuil1")
    expected = {r: v["A"] for r, v in cells.items() if r > 1}
    assert sorted(expected) == [2, 3, 4, 5, 6, 7] and all(v.startswith("#") for v in expected.values())
    cfg = alias_config(tmp, ["Column A", cells[1]["A"]])  # A1 holds an error, so the header is blank
    result = score(tmp, path, "--header-row", 1, "--config", cfg)
    assert_accounted(result, sorted(expected))
    assert result.code == 1 and result.scored == 0
    errors = [i for i in result.issues if i["Severity"] == "error"]
    for row, value in expected.items():
        assert any(i["Row"] == row and i["Cell"] == f"A{row}" and i["Value"] == value for i in errors), (row, value)


def test_date_1904_without_header_is_refused(tmp: Path) -> None:
    message = assert_refused(tmp, corpus("calamine__date_1904.xlsx"))
    assert "no header row" in message


def test_date_1904_dates_with_header_row(tmp: Path) -> None:
    """date1904 workbook (serials count from 1904); A3 holds a duration. With --header-row 1 the
    dates must come out as Excel shows them."""
    path = corpus("calamine__date_1904.xlsx")
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.epoch.year == 1904
    wb.close()
    cells = xlsx_cells(path)
    assert isinstance(cells[2]["A"], datetime)
    cfg = alias_config(tmp, str(cells[1]["B"]))  # "15": the number in B1 is the header
    result = score(tmp, path, "--header-row", 1, "--config", cfg)
    assert_accounted(result, [2, 3])
    out = openpyxl.load_workbook(result.out, read_only=True)
    portfolio = list(out["Portfolio"].iter_rows(values_only=True))
    out.close()
    want = cells[2]["A"]
    # openpyxl applies the 1904 epoch (the 1900 one would give a date 1,462 days earlier)
    assert want == datetime(2021, 1, 2)
    got = portfolio[1][0]
    assert got == want or str(got).startswith(want.date().isoformat()), f"A2 is {want} in Excel; Portfolio has {got!r}"
    assert [same(r[1], cells[i]["B"]) for i, r in zip((2, 3), portfolio[1:3])] == [True, True]


def test_hidden_veryhidden_and_chart_sheets_are_skipped(tmp: Path) -> None:
    path = corpus("calamine__any_sheets.xlsx")
    wb = openpyxl.load_workbook(path)
    visible = [ws.title for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert visible == ["Visible"] and [c.title for c in wb.chartsheets] == ["Chart"]
    wb.close()
    cells = xlsx_cells(path, "Visible")
    expected_rows = data_rows(cells, 1)
    cfg = alias_config(tmp, str(cells[1]["B"]))

    listing = list_columns(path, "--config", cfg)
    assert listing.sheet == "Visible"
    assert (listing.header_row, listing.rows) == (1, len(expected_rows))
    result = score(tmp, path, "--config", cfg)
    assert_accounted(result, expected_rows)
    assert {i["Sheet"] for i in result.issues} == {"Visible"}


def test_no_header_in_any_visible_sheet_is_one_clear_line(tmp: Path) -> None:
    """Without a mapping there is no header row: exit 3 with one line, as a cron log sees it (the
    chart sheet must not add noise of its own to stderr)."""
    path = corpus("calamine__any_sheets.xlsx")
    message = assert_refused(tmp, path)
    assert "visible sheet" in message
    out = tmp / "any.xlsx"
    proc = subprocess.run([sys.executable, "-m", "pipeline", "score", str(path), "-o", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3
    assert proc.stderr.strip().splitlines() == [message], proc.stderr
    assert not out.exists()


def test_empty_workbook_is_refused(tmp: Path) -> None:
    path = corpus("fastexcel__empty.xlsx")
    assert xlsx_cells(path) == {}
    assert_refused(tmp, path)
    run = run_cli("columns", path)
    assert run.code == 3 and len(run.stderr.strip().splitlines()) == 1


def _sheet_strings(path: Path, member: str) -> dict[str, str]:
    """Inline strings of a sheet as Excel reads them: text without xml:space="preserve" is trimmed."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    space = "{http://www.w3.org/XML/1998/namespace}space"
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read(member))
    out = {}
    for c in root.iter(f"{{{ns['m']}}}c"):
        t = c.find("m:is/m:t", ns)
        if t is not None:
            out[c.get("r")] = (t.text or "") if t.get(space) == "preserve" else (t.text or "").strip()
    return out


def test_whitespace_in_inline_strings(tmp: Path) -> None:
    path = corpus("calamine__whitespace_trim.xlsx")
    cells = _sheet_strings(path, "xl/worksheets/sheet1.xml")
    header = {"A": cells["A1"], "B": " ".join(cells["B1"].split())}
    assert header == {"A": "trimmed value", "B": "value with tabs"} and not cells["C1"].strip()
    cfg = alias_config(tmp, header["A"])

    listing = list_columns(path, "--config", cfg)
    assert listing.sheet == "inlineStr"
    assert (listing.header_row, listing.rows) == (1, 2)
    assert listing.letters == ["A", "B", "D"]  # C1 is whitespace only over an empty column
    assert [listing.headers["A"], listing.headers["B"], listing.headers["D"]] == [header["A"], header["B"], cells["D1"]]

    result = score(tmp, path, "--config", cfg)
    assert_accounted(result, [2, 3])
    rows = result.by_row()
    assert rows[2][header["A"]] == cells["A2"]
    assert rows[2][header["B"]] == cells["B2"]  # xml:space="preserve": spaces kept
    assert rows[3][header["A"]] == cells["A3"] == "日期 时间"


def test_blank_header_cell_and_typed_values(tmp: Path) -> None:
    path = corpus("fastexcel__fixture-single-sheet-with-types.xlsx")
    cells = xlsx_cells(path)
    assert "A" not in cells[1] and cells[1] == {"B": "bools", "C": "dates", "D": "floats"}
    cfg = alias_config(tmp, "floats")

    listing = list_columns(path, "--config", cfg)
    assert listing.headers == {"A": "Column A", **cells[1]}
    assert (listing.header_row, listing.rows) == (1, 3)

    result = score(tmp, path, "--config", cfg)
    assert_accounted(result, [2, 3, 4])
    for row, got in result.by_row().items():
        assert same(got["Column A"], cells[row]["A"])
        assert got["bools"] is cells[row]["B"]
        assert got["dates"] == cells[row]["C"]
        assert same(got["floats"], cells[row]["D"])


def test_table_floating_at_b4(tmp: Path) -> None:
    path = corpus("calamine__temperature-in-middle.xlsx")
    cells = xlsx_cells(path)
    header_row = min(cells)
    assert header_row == 4 and cells[4] == {"B": "label", "C": "value"}
    cfg = alias_config(tmp, "label")

    listing = list_columns(path, "--config", cfg)
    assert (listing.header_row, listing.rows) == (4, 2)
    assert listing.headers == cells[4]

    result = score(tmp, path, "--config", cfg)
    assert_accounted(result, data_rows(cells, 4))
    for row, got in result.by_row().items():
        assert got["label"] == cells[row]["B"]
        assert same(got["value"], cells[row]["C"])


# ----------------------------------------------------------------------------- 1. fixtures: CSV
def test_csv_utf8_bom(tmp: Path) -> None:
    path = corpus("frictionless__bom.csv")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    records, encoding = csv_records(path)
    assert records[0] == ["id", "name"]

    listing = list_columns(path)
    assert listing.encoding == encoding == "utf-8 (with BOM)"
    assert listing.headers == {"A": "id", "B": "name"}
    assert listing.how["A"] == "use_case_id (alias)"

    result = score(tmp, path)
    assert result.facts == "encoding utf-8 (with BOM)"
    assert_accounted(result, [2, 3])
    assert "id" in result.portfolio[0] and "\ufeffid" not in result.portfolio[0]
    for row, got in result.by_row().items():
        assert same(got["id"], records[row - 1][0]) and got["name"] == records[row - 1][1]


def test_csv_windows_1252(tmp: Path) -> None:
    path = corpus("frictionless__latin1.csv")
    raw = path.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    records = list(csv.reader(io.StringIO(raw.decode("cp1252"))))
    assert records[2][1] == "\u00a9"  # byte 0xA9 is the copyright sign in Windows-1252

    listing = list_columns(path)
    assert listing.encoding == "windows-1252"
    assert (listing.header_row, listing.rows) == (1, 2)
    result = score(tmp, path)
    assert result.facts == "encoding windows-1252"
    assert_accounted(result, [2, 3])
    assert result.by_row()[3]["name"] == records[2][1]


def test_csv_semicolon_delimiter(tmp: Path) -> None:
    path = corpus("frictionless__accent_semicolon.csv")
    records, encoding = csv_records(path, delimiter=";")
    header = records[0]
    assert len(header) == 17 and "accessibilité" in header
    cfg = alias_config(tmp, "n_station")

    listing = list_columns(path, "--config", cfg)
    assert listing.encoding == encoding == "utf-8"
    assert listing.letters == letters_between("A", "Q")
    assert [listing.headers[k] for k in listing.letters] == header
    assert (listing.header_row, listing.rows) == (1, len(records) - 1)

    result = score(tmp, path, "--config", cfg)
    assert_accounted(result, [2, 3])
    for row, got in result.by_row().items():
        for i, name in enumerate(header):
            assert same(got[name], records[row - 1][i]), (row, name)
    assert result.by_row()[2]["acces_recharge"] == "Payant (badge, appli et QR code)"  # commas inside a field


@pytest.mark.parametrize(
    ("name", "delimiter", "column", "config"),
    [
        ("frictionless__accent_semicolon.csv", ";", "code_insee", "n_station"),  # INSEE code "06090"
        ("frictionless__duplicate-headers.csv", ",", 4, None),  # fifth column, ids "001101"
    ],
)
def test_csv_codes_with_leading_zeros_are_kept(tmp: Path, name: str, delimiter: str, column: str | int,
                                               config: str | None) -> None:
    path = corpus(name)
    records, _ = csv_records(path, delimiter=delimiter)
    index = column if isinstance(column, int) else records[0].index(column)
    wants = [r[index] for r in records[1:]]
    assert all(w.startswith("0") for w in wants)
    args = ["--config", alias_config(tmp, config)] if config else []
    result = score(tmp, path, *args)
    wb = openpyxl.load_workbook(result.out, read_only=True)
    got = [r[index] for r in list(wb["Portfolio"].iter_rows(values_only=True))[1:]]
    wb.close()
    assert got == wants, f"column {records[0][index]!r}: input {wants}, Portfolio {got}"


def test_csv_duplicate_headers(tmp: Path) -> None:
    path = corpus("frictionless__duplicate-headers.csv")
    records, _ = csv_records(path)
    header = records[0]
    assert header == ["id", "name", "id", "age", "id"]

    listing = list_columns(path)
    assert [listing.headers[k] for k in "ABCDE"] == header
    assert listing.how["A"] == "use_case_id (alias)"
    assert listing.how["C"].startswith("not used") and listing.how["E"].startswith("not used")
    assert any("'id (2)'" in n and "column C" in n for n in listing.notes)

    result = score(tmp, path)
    assert_accounted(result, [2, 3])
    notes = [i["Problem"] for i in result.issues if i["Severity"] == "note"]
    assert any("'id (2)'" in n for n in notes) and any("'id (3)'" in n for n in notes)
    wb = openpyxl.load_workbook(result.out, read_only=True)
    portfolio = list(wb["Portfolio"].iter_rows(values_only=True))
    wb.close()
    for row in (2, 3):
        got = portfolio[row - 1][:5]
        assert all(same(g, w) for g, w in zip(got, records[row - 1])), (got, records[row - 1])


def test_csv_comment_line_above_header(tmp: Path) -> None:
    path = corpus("frictionless__skip-rows-before-headers.csv")
    records, _ = csv_records(path)
    assert records[0][0].startswith("#") and records[1] == ["id", "name"]

    listing = list_columns(path)
    assert (listing.header_row, listing.rows) == (2, 2)
    result = score(tmp, path)
    assert_accounted(result, [3, 4])
    for row, got in result.by_row().items():
        assert got["name"] == records[row - 1][1]


# ----------------------------------------------------------------------------- 2. federal inventory 2024
@pytest.fixture(scope="module")
def federal_records() -> list[list[str]]:
    raw = corpus(FEDERAL_CSV).read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    return list(csv.reader(io.StringIO(raw.decode("cp1252"), newline="")))


@pytest.fixture(scope="module")
def federal_scored(tmp_path_factory: pytest.TempPathFactory) -> Scored:
    tmp = tmp_path_factory.mktemp("federal")
    return score(tmp, corpus(FEDERAL_CSV), "--config", FEDERAL_CONFIG)


def _unknown_impact_rows(records: list[list[str]]) -> dict[int, str]:
    """Rows (as Excel shows them) whose impact answer is not one the sample config maps."""
    from pipeline.columns import normalise  # the documented comparison: case, spaces, punctuation ignored

    known = {normalise(a) for a in ("Rights-Impacting", "Both", "Safety-impacting", "Neither")}
    k = records[0].index(IMPACT_HEADER)
    return {n: r[k].strip() for n, r in enumerate(records[1:], start=2)
            if r[k].strip() and normalise(r[k]) not in known}


def test_federal_columns(federal_records: list[list[str]]) -> None:
    header = federal_records[0]
    assert len(header) == 62
    listing = list_columns(corpus(FEDERAL_CSV), "--config", FEDERAL_CONFIG)
    assert listing.encoding == "windows-1252"
    assert (listing.header_row, listing.rows) == (1, len(federal_records) - 1) == (1, 2133)
    assert listing.letters == letters_between("A", "BJ")
    assert listing.how["A"] == "use_case (alias)" and header[0] == "Use Case Name"
    k = header.index(IMPACT_HEADER)
    assert listing.how[listing.letters[k]] == "data_sensitivity (alias)"
    repeats = sum(1 for i, h in enumerate(header) if h in header[:i])
    assert len([n for n in listing.notes if "appears again" in n]) == repeats == 8


def test_federal_csv_every_row_accounted(federal_scored: Scored, federal_records: list[list[str]]) -> None:
    records = federal_records[1:]
    assert len(records) == 2133 and all(len(r) == 62 for r in records)
    result = federal_scored
    assert result.code == 1
    assert result.facts == "encoding windows-1252"
    assert_accounted(result, list(range(2, 2135)))
    assert result.rows == 2133 and result.scored + result.errors == 2133

    unknown = _unknown_impact_rows(federal_records)
    assert len(unknown) == 21
    assert result.error_rows() == set(unknown)
    letter = "K"  # the impact question is the 11th column
    assert federal_records[0][10] == IMPACT_HEADER
    for issue in (i for i in result.issues if i["Severity"] == "error"):
        assert issue["Cell"] == f"{letter}{issue['Row']}"
        assert issue["Value"].strip() == unknown[issue["Row"]]
    names = {n: r[0] for n, r in enumerate(records, start=2)}
    for row in result.portfolio:
        name = names[row["Source row"]]
        assert row["Use Case Name"] == name.strip() or same(row["Use Case Name"], name)

    ranking = sheet_rows(result.out, "Ranking")
    assert len(ranking) == result.scored


@pytest.mark.parametrize("twin", FEDERAL_TWINS)
def test_federal_twins_match_the_csv(tmp: Path, twin: str, federal_scored: Scored) -> None:
    result = score(tmp, corpus(twin), "--config", FEDERAL_CONFIG)
    assert result.code == federal_scored.code
    counts = (federal_scored.rows, federal_scored.scored, federal_scored.errors)
    assert (result.rows, result.scored, result.errors) == counts
    assert_accounted(result, list(range(2, 2135)))
    assert result.error_rows() == federal_scored.error_rows()

    def top10(path: Path) -> list[tuple[Any, Any]]:
        return [(r["Use case ID"], r["Use case"]) for r in sheet_rows(path, "Ranking")[:10]]

    assert top10(result.out) == top10(federal_scored.out)


# ----------------------------------------------------------------------------- 3. federal agency files 2025
RAW_2025 = [
    # Excel Online, OMB template: SECTION band row 1, header row 2 with line breaks, 4 hidden sheets
    "department-of-education__ai-inventory-2025-113183.xlsx",
    # Excel 16, OMB template, hidden helper sheets, one row without a name
    "department-of-homeland-security__2025_0128_ocio-dhs-ai-use-case-inventory.xlsx",
    # CSV, UTF-8 with BOM, SECTION band as record 1
    "department-of-the-treasury__Treasury-AI-Use-Case-Inventory.csv",
    # CSV, Windows-1252, SECTION band record 1 with a line break, multi-line quoted cells
    "federal-deposit-insurance-corporation__fdic-2025-individual-ai-use-case-inventory-csv-version.csv",
    # Title in A1 with merged B1:G1, header row 2
    "national-science-foundation__NSF-EO13960-AI-Use-Case-Inventory.xlsx",
]


def _expected_2025(path: Path) -> dict[str, Any]:
    """Header row, data rows, rows without a name, ids and where to find them, from the file itself."""
    if path.suffix == ".csv":
        records, encoding = csv_records(path)
        header_row = next(n for n, r in enumerate(records, start=1) if "Use Case Name" in r)
        header = records[header_row - 1]
        name_at, id_at = header.index("Use Case Name"), 0
        rows = {n: r for n, r in enumerate(records, start=1) if n > header_row and any(v.strip() for v in r)}

        def get(record: list[str], i: int) -> str | None:
            return record[i] if i < len(record) else None

        return {"sheet": None, "encoding": encoding, "header_row": header_row, "header_first": header[id_at],
                "rows": sorted(rows), "nameless": {n for n, r in rows.items() if blank(get(r, name_at))},
                "ids": {n: get(r, id_at) for n, r in rows.items()}}
    wb = openpyxl.load_workbook(path, read_only=True)
    sheet = next(ws.title for ws in wb.worksheets if ws.sheet_state == "visible")
    wb.close()
    cells = xlsx_cells(path, sheet)
    header_row = next(r for r, v in sorted(cells.items()) if "Use Case Name" in v.values())
    name_letter = next(k for k, v in cells[header_row].items() if v == "Use Case Name")
    rows = data_rows(cells, header_row)
    return {"sheet": sheet, "encoding": None, "header_row": header_row, "header_first": cells[header_row]["A"],
            "rows": rows, "nameless": {r for r in rows if blank(cells[r].get(name_letter))},
            "ids": {r: cells[r].get("A") for r in rows}}


@pytest.mark.parametrize("name", RAW_2025)
def test_federal_agency_files_2025(tmp: Path, name: str) -> None:
    path = corpus(name)
    want = _expected_2025(path)
    assert want["header_row"] == 2  # every one of these has a band or title above the header

    listing = list_columns(path)
    assert (listing.sheet, listing.encoding) == (want["sheet"], want["encoding"])
    assert listing.header_row == want["header_row"]
    assert listing.rows == len(want["rows"])
    assert listing.how["B"] == "use_case (alias)"
    assert listing.how["A"].startswith("use_case_id")
    printed, header_a = listing.headers["A"], want["header_first"].strip().replace("\n", " ")
    assert printed == header_a or (printed.endswith("…") and header_a.startswith(printed[:-1]))

    result = score(tmp, path)
    assert_accounted(result, want["rows"])
    assert want["nameless"] <= result.error_rows()
    # The ids on Ranking are the file's own ids of the scored rows (trimmed).
    scored_rows = [r["Source row"] for r in result.portfolio if r["Recommendation"] is not None]
    want_ids = sorted(str(want["ids"][n]).strip() if not blank(want["ids"][n]) else f"row {n}" for n in scored_rows)
    ranking = sheet_rows(result.out, "Ranking")
    got_ids = sorted(str(r["Use case ID"]).strip() for r in ranking)
    assert got_ids == want_ids, f"Ranking 'Use case ID' {got_ids[:5]}... but the file's ids are {want_ids[:5]}..."


# The agency files on the OMB template, read with samples/us-federal-2025.toml: the 2025 inventory asks
# "Is the AI use case high-impact?" where 2024 asked about rights/safety impact.
RAW_2025_TEMPLATE = [n for n in RAW_2025 if not n.startswith("national-science-foundation")]


def _template_columns_2025(path: Path) -> tuple[dict[str, int], dict[str, dict[int, str]]]:
    """From the file itself: the column (1-based) of the high-impact and PII questions, and
    their non-blank answers by row as Excel shows it. Headers compared like ftscore compares
    them (case, spaces and punctuation ignored; the first line of a header with instructions)."""
    from pipeline.columns import normalise

    def key(header: Any) -> str:
        return normalise(str(header).strip().splitlines()[0]) if header is not None else ""

    wanted = {"data_sensitivity": normalise(HIGH_IMPACT_2025), "contains_pii": normalise(PII_2025)}
    if path.suffix == ".csv":
        records, _ = csv_records(path)
        table = {n: dict(enumerate(r, start=1)) for n, r in enumerate(records, start=1)}
    else:
        from openpyxl.utils import column_index_from_string

        table = {n: {column_index_from_string(k): v for k, v in row.items()}
                 for n, row in xlsx_cells(path, _expected_2025(path)["sheet"]).items()}
    header_row = next(n for n, r in sorted(table.items()) if "Use Case Name" in r.values())
    columns = {field: next(c for c, h in table[header_row].items() if key(h) == k) for field, k in wanted.items()}
    answers = {field: {n: str(r[c]).strip() for n, r in table.items()
                       if n > header_row and not blank(r.get(c))} for field, c in columns.items()}
    return columns, answers


@pytest.mark.parametrize("name", RAW_2025_TEMPLATE)
def test_federal_2025_config_maps_high_impact_and_pii(tmp: Path, name: str) -> None:
    from openpyxl.utils import get_column_letter

    from pipeline.columns import answer_key

    path = corpus(name)
    columns, answers = _template_columns_2025(path)
    letters = {field: get_column_letter(c) for field, c in columns.items()}

    listing = list_columns(path, "--config", FEDERAL_2025_CONFIG)
    for field, letter in letters.items():
        assert listing.how[letter].startswith(f"{field} ("), (letter, listing.how[letter])
        assert "alias" in listing.how[letter]

    # Every high-impact answer in the file is one the sample config names (option prefix "a) " ignored).
    levels = tomllib.loads(FEDERAL_2025_CONFIG.read_text(encoding="utf-8"))["values"]["data_sensitivity"]
    known = {answer_key(a): level for level, said in levels.items() for a in said}
    seen = {answer_key(a) for a in answers["data_sensitivity"].values()}
    assert seen and seen <= set(known), f"answers the config does not map: {seen - set(known)}"

    result = score(tmp, path, "--config", FEDERAL_2025_CONFIG)
    assert_accounted(result, _expected_2025(path)["rows"])
    on_columns = [i for i in result.issues
                  if i["Cell"] and re.match(rf"({'|'.join(letters.values())})\d+$", str(i["Cell"]))]
    assert on_columns == [], on_columns  # no "unknown value" for data_sensitivity, no bad yes/no for PII
    privacy = {r["Source row"]: r["Privacy score"] for r in result.portfolio if r["Recommendation"] is not None}
    sensitivity = {"none": 0, "confidential": 5, "regulated": 10}
    for row, answer in answers["data_sensitivity"].items():
        if row in privacy:
            assert privacy[row] >= sensitivity[known[answer_key(answer)]], (row, answer, privacy[row])
    for row, answer in answers["contains_pii"].items():
        if row in privacy and answer_key(answer) == "yes":
            assert privacy[row] >= 8, (row, answer, privacy[row])


def test_federal_2025_config_covers_every_answer_seen() -> None:
    """Between them the agency files answer all three options of the high-impact question."""
    from pipeline.columns import answer_key

    seen = set()
    for name in RAW_2025_TEMPLATE:
        seen |= {answer_key(a) for a in _template_columns_2025(corpus(name))[1]["data_sensitivity"].values()}
    assert seen == {answer_key(a) for a in
                    ("High-impact", "Presumed high-impact, but determined not high-impact", "Not high-impact")}
