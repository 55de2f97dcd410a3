"""Header matching and cell parsing (SPEC §1, pipeline/fields.py kinds).

Tables are built in memory: one Column per header, a frame of cell values (as
text, as a reader would give them) plus ``__row``, the row as Excel shows it.
"""

from __future__ import annotations

import copy
import csv
import json

import openpyxl
import polars as pl
import pytest
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from conftest import run_cli, sheet_rows, write_csv, write_xlsx
from pipeline import config
from pipeline.columns import map_columns, parse
from pipeline.fields import FIELDS
from pipeline.read import ROW, Column, Table


def make_table(headers: list[str], rows: list[list], *, header_row: int = 1, dtypes: dict | None = None) -> Table:
    """A table whose header is on ``header_row``; data rows follow it."""
    columns = [Column(h, h, xl_col_to_name(i)) for i, h in enumerate(headers)]
    dtypes = dtypes or {}
    data = {h: pl.Series(h, [r[i] for r in rows], dtype=dtypes.get(h, pl.String)) for i, h in enumerate(headers)}
    frame = pl.DataFrame(data).with_columns(
        pl.Series(ROW, list(range(header_row + 1, header_row + 1 + len(rows))), dtype=pl.Int64)
    )
    return Table("input.xlsx", "Sheet1", header_row, columns, frame)


@pytest.fixture(scope="module")
def cfg() -> dict:
    return config.load()


def parse_table(table: Table, cfg: dict):
    return parse(table, map_columns(table, cfg), cfg)


def mapped(headers: list[str], cfg: dict) -> dict[str, str]:
    """canonical field -> the header it was found under."""
    table = make_table(headers, [["x"] * len(headers)])
    return {name: col.header for name, col in map_columns(table, cfg).fields.items()}


# ------------------------------------------------------------------ headers
def test_headers_match_canonical_names_case_and_punctuation_insensitively(cfg):
    fields = mapped(["Use Case", "Monthly API Cost ($)", "Usage Growth %", "USE_CASE_ID", "max-latency (s)"], cfg)
    assert fields == {
        "use_case": "Use Case",
        "monthly_api_cost": "Monthly API Cost ($)",
        "usage_growth_pct": "Usage Growth %",
        "use_case_id": "USE_CASE_ID",
        "max_latency_s": "max-latency (s)",
    }


def test_headers_match_shipped_aliases(cfg):
    fields = mapped(["Use Case Name", "BU", "API cost per month", "Prompt tokens", "Sensitivity", "Latency"], cfg)
    assert fields == {
        "use_case": "Use Case Name",
        "business_unit": "BU",
        "monthly_api_cost": "API cost per month",
        "input_tokens": "Prompt tokens",
        "data_sensitivity": "Sensitivity",
        "latency_class": "Latency",
    }


def test_numbered_questionnaire_headers_match_after_their_number(cfg):
    # as in the 2024 federal inventory's first release: "2_use_case_name", "3_agency"
    fields = mapped(["2_use_case_name", "3_agency", "16. Data Sensitivity", "4) Monthly Calls", "2024 budget",
                     "1.5x", "10_commercial_ai"], cfg)
    assert fields == {"use_case": "2_use_case_name", "business_unit": "3_agency",
                      "data_sensitivity": "16. Data Sensitivity", "monthly_calls": "4) Monthly Calls"}


def test_a_plain_header_wins_over_a_numbered_one(cfg):
    assert mapped(["1_name", "Use Case"], cfg) == {"use_case": "Use Case"}


def test_unknown_columns_are_carried_through(cfg):
    table = make_table(["Use Case", "Notes", "Monthly API Cost ($)", "Budget holder"], [["a", "n", "1", "b"]])
    mapping = map_columns(table, cfg)
    assert set(mapping.fields) == {"use_case", "monthly_api_cost"}
    carried = [c.header for c in table.columns if mapping.how[c.name] == "carried through (no matching column)"]
    assert carried == ["Notes", "Budget holder"]


def test_user_alias_from_config_maps_a_header(cfg):
    user = copy.deepcopy(cfg)
    user["columns"]["aliases"]["monthly_api_cost"].append("Spend USD per month")
    fields = mapped(["Use Case", "Spend (USD) per month"], user)
    assert fields == {"use_case": "Use Case", "monthly_api_cost": "Spend (USD) per month"}
    # without the alias the header is carried, not mapped
    assert mapped(["Use Case", "Spend (USD) per month"], cfg) == {"use_case": "Use Case"}


def test_user_alias_from_config_file_extends_shipped_aliases(tmp_path):
    path = tmp_path / "ftscore.toml"
    path.write_text('[columns.aliases]\nmonthly_api_cost = ["Spend USD per month"]\n', encoding="utf-8")
    user = config.load(path)
    assert mapped(["Use Case", "Spend USD per month"], user)["monthly_api_cost"] == "Spend USD per month"
    assert mapped(["Use Case", "API cost per month"], user)["monthly_api_cost"] == "API cost per month"


# ------------------------------------------------------------------- values
def test_money_cells(cfg):
    table = make_table(["Use Case", "Monthly API Cost ($)"],
                       [["a", "$12,500"], ["b", "12500"], ["c", "12.5k"], ["d", " $ 12,500.00 "]])
    parsed, problems = parse_table(table, cfg)
    assert parsed["monthly_api_cost"].to_list() == pytest.approx([12_500.0] * 4)
    assert parsed["monthly_api_cost"].dtype == pl.Float64
    assert problems.height == 0


def test_count_cells(cfg):
    table = make_table(["Use Case", "Monthly Calls"], [["a", "100,000"], ["b", "100k"], ["c", "100000"]])
    parsed, problems = parse_table(table, cfg)
    assert parsed["monthly_calls"].to_list() == pytest.approx([100_000.0] * 3)
    assert problems.height == 0


def test_rate_cells(cfg):
    table = make_table(["Use Case", "Current Accuracy", "Critical Error Rate"],
                       [["a", "85%", "2%"], ["b", "0.85", "0.02"], ["c", "85", "2"]])
    parsed, problems = parse_table(table, cfg)
    assert parsed["current_accuracy"].to_list() == pytest.approx([0.85] * 3)
    assert parsed["critical_error_rate"].to_list() == pytest.approx([0.02] * 3)
    assert problems.height == 0


def test_yearly_change_cells(cfg):
    table = make_table(["Use Case", "Usage Growth %", "API Price Change %"],
                       [["a", "12%", "-20%"], ["b", "0.12", "-0.2"]])
    parsed, problems = parse_table(table, cfg)
    assert parsed["usage_growth_pct"].to_list() == pytest.approx([0.12, 0.12])
    assert parsed["api_price_change_pct"].to_list() == pytest.approx([-0.2, -0.2])
    assert problems.height == 0


def test_numeric_cells_as_a_reader_types_them(cfg):
    # a CSV column of plain numbers arrives as numbers, not text
    table = make_table(["Use Case", "Monthly API Cost", "Current Accuracy"],
                       [["a", 12_500, 0.85], ["b", 3_000, 0.9]],
                       dtypes={"Monthly API Cost": pl.Int64, "Current Accuracy": pl.Float64})
    parsed, problems = parse_table(table, cfg)
    assert parsed["monthly_api_cost"].to_list() == pytest.approx([12_500.0, 3_000.0])
    assert parsed["current_accuracy"].to_list() == pytest.approx([0.85, 0.9])
    assert problems.height == 0


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("yes", True), ("no", False), ("true", True), ("false", False),
        ("y", True), ("n", False), ("1", True), ("0", False),
        ("Yes", True), ("NO", False), ("TRUE", True), (" n ", False),
    ],
)
def test_flag_cells(cfg, text, expected):
    table = make_table(["Use Case", "Contains PII"], [["a", text]])
    parsed, problems = parse_table(table, cfg)
    assert parsed["contains_pii"].to_list() == [expected]
    assert parsed["contains_pii"].dtype == pl.Boolean
    assert problems.height == 0


@pytest.mark.parametrize("text", ["", "   ", "n/a", "N/A", "-", None])
def test_blank_and_not_applicable_cells_are_missing_not_errors(cfg, text):
    headers = ["Use Case", "Monthly API Cost ($)", "Current Accuracy", "Contains PII", "Max Latency s", "Monthly Calls"]
    table = make_table(headers, [["a", text, text, text, text, text]])
    parsed, problems = parse_table(table, cfg)
    for name in ("monthly_api_cost", "current_accuracy", "contains_pii", "max_latency_s", "monthly_calls"):
        assert parsed[name].to_list() == [None], name
    assert problems.height == 0


def test_bad_cell_is_null_with_one_issue_naming_row_and_cell(cfg):
    # header on row 1 -> data rows 2, 3, 4; "lots" is in column B, row 3
    table = make_table(["Use Case", "Monthly API Cost ($)"], [["a", "$1,000"], ["b", "lots"], ["c", "2k"]])
    parsed, problems = parse_table(table, cfg)
    assert parsed["monthly_api_cost"].to_list() == [pytest.approx(1_000.0), None, pytest.approx(2_000.0)]
    assert parsed[ROW].to_list() == [2, 3, 4]
    assert problems.height == 1
    issue = problems.row(0, named=True)
    assert issue["row"] == 3
    assert issue["cell"] == "B3"
    assert issue["column"] == "Monthly API Cost ($)"
    assert issue["value"] == "lots"
    assert issue["severity"] == "error"
    assert issue["file"] == "input.xlsx"
    assert issue["sheet"] == "Sheet1"


def test_bad_cells_in_several_columns_give_one_issue_each(cfg):
    # header on row 4 -> data rows 5, 6
    table = make_table(["Use Case", "Current Accuracy", "Contains PII"],
                       [["a", "lots", "yes"], ["b", "0.9", "maybe"]], header_row=4)
    parsed, problems = parse_table(table, cfg)
    assert parsed["current_accuracy"].to_list() == [None, pytest.approx(0.9)]
    assert parsed["contains_pii"].to_list() == [True, None]
    got = sorted((r["row"], r["cell"], r["value"]) for r in problems.iter_rows(named=True))
    assert got == [(5, "B5", "lots"), (6, "C6", "maybe")]
    assert set(problems["severity"].to_list()) == {"error"}


def test_prices_per_1m_become_per_1k(cfg):
    table = make_table(["Use Case", "Input price per 1M tokens", "Output price per 1M tokens"],
                       [["a", "2.5", "$10"], ["b", "0.15", "0.6"]])
    parsed, problems = parse_table(table, cfg)
    assert parsed["input_price_per_1k"].to_list() == pytest.approx([0.0025, 0.00015])
    assert parsed["output_price_per_1k"].to_list() == pytest.approx([0.01, 0.0006])
    assert problems.height == 0


def test_prices_per_1k_kept_as_given(cfg):
    table = make_table(["Use Case", "Input Price per 1K", "Output Price per 1K"], [["a", "0.0025", "0.01"]])
    parsed, _ = parse_table(table, cfg)
    assert parsed["input_price_per_1k"].to_list() == pytest.approx([0.0025])
    assert parsed["output_price_per_1k"].to_list() == pytest.approx([0.01])


def test_parsed_frame_has_every_canonical_column_typed(cfg):
    table = make_table(["Use Case", "Monthly API Cost ($)"], [["a", "1000"]])
    parsed, _ = parse_table(table, cfg)
    expected = {"text": pl.String, "category": pl.String, "flag": pl.Boolean}
    for name, spec in FIELDS.items():
        assert name in parsed.columns, name
        assert parsed.schema[name] == expected.get(spec.kind, pl.Float64), name
    assert parsed[ROW].to_list() == [2]
    assert parsed["use_case"].to_list() == ["a"]
    assert parsed["contains_pii"].to_list() == [None]  # absent column -> null


def test_category_answers_map_to_levels(cfg):
    table = make_table(["Use Case", "Latency Class", "Data Sensitivity"],
                       [["a", "Real-time", "Confidential"], ["b", "realtime", "PHI"], ["c", "Overnight", "public"]])
    parsed, problems = parse_table(table, cfg)
    assert parsed["latency_class"].to_list() == ["real-time", "real-time", "batch"]
    assert parsed["data_sensitivity"].to_list() == ["confidential", "regulated", "none"]
    assert problems.height == 0


# ------------------------------------------------- headers that look like ftscore's own names
# (issue 10 point 2: `__error` and `ftscore:rank` ended in exit 4; `__row`, `__src`, `__file`,
# `__sheet` were overwritten by ftscore's own columns)
INTERNAL_HEADERS = ["__row", "__src", "__error", "__file", "__sheet", "ftscore:rank", "ftscore:rationale", "__key"]


def _portfolio_values(path, header):
    return [r[header] for r in sheet_rows(path, "Portfolio")]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize("header", INTERNAL_HEADERS)
def test_a_header_named_like_an_internal_column_keeps_its_values(tmp_path, kind, header):
    headers = ["Use Case", "Monthly API Cost", header]
    rows = [["alpha", 1200, f"{header} one"], ["beta", 40000, f"{header} two"], ["gamma", 9000, None]]
    src = tmp_path / f"in.{kind}"
    (write_csv if kind == "csv" else write_xlsx)(src, headers, rows)
    out = tmp_path / "out.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code in (0, 1), run.stderr
    assert _portfolio_values(out, header) == [f"{header} one", f"{header} two", None]
    assert _portfolio_values(out, "Use Case") == ["alpha", "beta", "gamma"]
    assert [r["Source row"] for r in sheet_rows(out, "Portfolio")] == [2, 3, 4]
    # the CSV table shows the user's column under the user's header too
    table = tmp_path / "out.csv"
    assert run_cli("score", src, "-o", table).code in (0, 1)
    with open(table, newline="", encoding="utf-8") as fh:
        records = list(csv.DictReader(fh))
    assert [r[header] for r in records] == [f"{header} one", f"{header} two", ""]


# ------------------------------------------------- a second, richer header further down
# (issue 10 point 1: the rows above it were dropped as "title rows" with only a note)
FIRST_HEADER = ["Use Case", "Business Unit", "Monthly API Cost"]
RICHER_HEADER = ["Use Case", "Business Unit", "Monthly API Cost", "Monthly Calls", "Owner", "Model"]
FIRST_ROWS = [[f"case {i}", "Ops", 1000 * i] for i in range(1, 9)]
LATER_ROWS = [["later 1", "HR", 2500, 10000, "Ann", "gpt-4o"], ["later 2", "IT", 30000, 900000, "Bo", "gpt-4o"]]


def _second_header_input(tmp_path, kind):
    rows = FIRST_ROWS + [RICHER_HEADER] + LATER_ROWS
    src = tmp_path / f"two-headers.{kind}"
    return (write_csv if kind == "csv" else write_xlsx)(src, FIRST_HEADER, rows)


def _issues(path):
    return sheet_rows(path, "Issues")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_use_cases_above_a_richer_header_are_not_title_rows(tmp_path, kind):
    src = _second_header_input(tmp_path, kind)
    out = tmp_path / "out.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 1, run.stderr
    portfolio = sheet_rows(out, "Portfolio")
    names = [r["Use Case"] for r in portfolio]
    assert names[:8] == [f"case {i}" for i in range(1, 9)]
    assert names[8:] == ["Use Case", "later 1", "later 2"]
    assert [r["Source row"] for r in portfolio] == list(range(2, 13))
    errors = [i for i in _issues(out) if i["Severity"] == "error"]
    assert {i["Row"] for i in errors} == {10}
    assert [i["Cell"] for i in errors if "second header row" in i["Problem"]] == ["A10"]
    assert not any("ignored" in (i["Problem"] or "") for i in _issues(out))


def test_forced_header_row_below_use_cases_warns_naming_them(tmp_path):
    src = _second_header_input(tmp_path, "xlsx")
    out = tmp_path / "out.xlsx"
    run = run_cli("score", src, "-o", out, "--header-row", 10)
    assert run.code in (0, 1), run.stderr
    assert [r["Use Case"] for r in sheet_rows(out, "Portfolio")] == ["later 1", "later 2"]
    warnings = [i["Problem"] for i in _issues(out) if i["Severity"] == "warning" and i["Row"] is None]
    assert any("rows 2-9" in w and "look like use cases" in w for w in warnings), warnings


def test_title_rows_above_the_header_are_still_skipped_with_a_note(tmp_path):
    src = write_xlsx(tmp_path / "titled.xlsx", RICHER_HEADER, LATER_ROWS, top=3,
                     above=[["AI portfolio 2025"], ["Prepared by the PMO"], []])
    out = tmp_path / "out.xlsx"
    assert run_cli("score", src, "-o", out).code in (0, 1)
    assert [r["Use Case"] for r in sheet_rows(out, "Portfolio")] == ["later 1", "later 2"]
    issues = _issues(out)
    assert any("rows 1-3 above the header row 4 were ignored" in i["Problem"] for i in issues)
    assert not any(i["Severity"] == "warning" and "look like use cases" in i["Problem"] for i in issues)


# ------------------------------------------------- a second sheet of use cases (issue 10 point 3)

def test_other_sheets_with_use_cases_are_named_in_a_note(tmp_path):
    src = tmp_path / "regions.xlsx"
    wb = xlsxwriter.Workbook(src)
    for sheet, names in (("Read me", None), ("EMEA", ["e1", "e2"]), ("Notes", None), ("Americas", ["a1"]),
                         ("APAC", ["p1", "p2", "p3"])):
        ws = wb.add_worksheet(sheet)
        if names is None:
            ws.write_row(0, 0, ["This workbook lists our use cases by region."])
            continue
        ws.write_row(0, 0, ["Use Case", "Monthly API Cost"])
        for i, n in enumerate(names, start=1):
            ws.write_row(i, 0, [n, 1000 * i])
    wb.close()
    out = tmp_path / "out.xlsx"
    run = run_cli("score", src, "-o", out, "--json")
    assert run.code == 0, run.stderr
    assert [r["Use Case"] for r in sheet_rows(out, "Portfolio")] == ["e1", "e2"]
    notes = [i["Problem"] for i in sheet_rows(out, "Issues") if i["Severity"] == "note"]
    found = [n for n in notes if "'Americas', 'APAC'" in n]
    assert len(found) == 1 and "--sheet" in found[0] and "Notes" not in found[0], notes
    assert "'Americas', 'APAC'" in run.stderr
    wb = openpyxl.load_workbook(out, read_only=True)
    summary = [r for r in wb["Summary"].iter_rows(values_only=True) if r and r[0] == "Note"]
    wb.close()
    assert any("'Americas', 'APAC' also hold use cases" in (r[1] or "") for r in summary), summary
    source = json.loads(run.stdout)["jobs"][0]["sources"][0]
    assert source["other_sheets"] == ["Americas", "APAC"]
    # a sheet chosen with --sheet: no note
    out2 = tmp_path / "out2.xlsx"
    assert run_cli("score", src, "-o", out2, "--sheet", "APAC").code == 0
    assert not any("also" in (i["Problem"] or "") for i in sheet_rows(out2, "Issues"))


def test_a_header_pasted_inside_the_data_is_an_error_row(tmp_path):
    # two exports concatenated: the second one's header sits in the middle of the data
    rows = FIRST_ROWS[:3] + [["use case", "business unit", "monthly api cost"]] + FIRST_ROWS[3:5]
    src = write_csv(tmp_path / "joined.csv", FIRST_HEADER, rows)
    out = tmp_path / "out.xlsx"
    assert run_cli("score", src, "-o", out).code == 1
    assert [r["Source row"] for r in sheet_rows(out, "Portfolio")] == list(range(2, 8))
    errors = [i for i in _issues(out) if i["Severity"] == "error"]
    assert {i["Row"] for i in errors} == {5}
    assert any("second header row" in i["Problem"] for i in errors)
