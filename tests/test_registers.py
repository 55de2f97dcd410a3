"""Public AI registers laid out unlike the US federal inventory (issue 10 point 5).

The files in tests/data/registers/ are synthetic (see its README.md): the column names of each
register as published, a handful of made-up use cases.
"""

from __future__ import annotations

import csv
from pathlib import Path

import openpyxl
import pytest

from conftest import DATA, run_cli, sheet_rows, write_csv

REGISTERS = DATA / "registers"


def _csv_names(path: Path, column: str) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [r[column] for r in csv.DictReader(fh)]


def _xlsx_rows(path: Path) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = [tuple(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    wb.close()
    return rows


# file, header of the name column, the names (from the file itself), first data row (Excel)
CASES = {
    "canada-ai-register.csv": ("name_ai_system_en",
                               _csv_names(REGISTERS / "canada-ai-register.csv", "name_ai_system_en"), 2),
    "nyc-algorithmic-tools.csv": ("Tool Name", _csv_names(REGISTERS / "nyc-algorithmic-tools.csv", "Tool Name"), 2),
    "uk-atrs-records.csv": ("tool_name", _csv_names(REGISTERS / "uk-atrs-records.csv", "tool_name"), 2),
    "netherlands-algoritmeregister.xlsx": ("name", [r[0] for r in _xlsx_rows(
        REGISTERS / "netherlands-algoritmeregister.xlsx")[4:]], 5),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_register_is_read_with_every_use_case(tmp_path: Path, name: str) -> None:
    header, names, first = CASES[name]
    assert 5 <= len(names) <= 10
    out = tmp_path / "out.xlsx"
    run = run_cli("score", REGISTERS / name, "-o", out)
    assert run.code in (0, 1), run.stderr
    portfolio = sheet_rows(out, "Portfolio")
    assert [r[header] for r in portfolio] == names
    assert [r["Source row"] for r in portfolio] == list(range(first, first + len(names)))
    ranking = sheet_rows(out, "Ranking")
    assert sorted(r["Use case"] for r in ranking) == sorted(names)


def test_canada_register_reads_the_english_name_and_notes_the_french_one(tmp_path: Path) -> None:
    run = run_cli("columns", REGISTERS / "canada-ai-register.csv")
    assert run.code == 0, run.stderr
    lines = {line.split()[0]: line for line in run.stdout.splitlines()[1:] if line.startswith("  ")}
    assert "use_case" in lines["B"] and "not used" not in lines["B"]
    assert "not used: use_case is already column B" in lines["C"]
    assert "business_unit" in lines["D"] and "description" in lines["F"]


def test_dutch_register_rows_under_the_header_are_skipped_once_with_a_note(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    assert run_cli("score", REGISTERS / "netherlands-algoritmeregister.xlsx", "-o", out).code in (0, 1)
    notes = [i["Problem"] for i in sheet_rows(out, "Issues") if "rows 2-4 under the header" in (i["Problem"] or "")]
    assert len(notes) == 1 and "--data-row" in notes[0], notes
    assert "verplicht" in notes[0]


def test_data_row_overrides_the_rows_under_the_header(tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    run = run_cli("score", REGISTERS / "netherlands-algoritmeregister.xlsx", "-o", out, "--data-row", 4)
    assert run.code in (0, 1), run.stderr  # row 4 (the help texts) is read as a use case, as asked
    portfolio = sheet_rows(out, "Portfolio")
    assert [r["Source row"] for r in portfolio] == list(range(4, 11))
    out2 = tmp_path / "out2.xlsx"
    run = run_cli("score", REGISTERS / "netherlands-algoritmeregister.xlsx", "-o", out2, "--data-row", 7)
    assert [r["Source row"] for r in sheet_rows(out2, "Portfolio")] == list(range(7, 11))
    assert any("rows 2-6 under the header" in i["Problem"] for i in sheet_rows(out2, "Issues"))


def test_data_row_above_the_header_is_refused(tmp_path: Path) -> None:
    run = run_cli("score", REGISTERS / "netherlands-algoritmeregister.xlsx", "-o", tmp_path / "o.xlsx",
                  "--data-row", 1)
    assert run.code == 3
    assert "--data-row" in run.stderr and not (tmp_path / "o.xlsx").exists()


def test_flag_rows_under_a_csv_header_are_skipped(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "reg.csv", ["Tool name", "Organisation", "Description", "Monthly API cost"], [
        ["required", "required", "optional", "optional"],
        ["text", "text", "text", "number"],
        ["Triage bot", "Health", "Sorts referrals.", "1200"],
        ["Form reader", "Tax", "Reads forms.", "40000"],
    ])
    out = tmp_path / "out.xlsx"
    assert run_cli("score", src, "-o", out).code == 0
    assert [r["Tool name"] for r in sheet_rows(out, "Portfolio")] == ["Triage bot", "Form reader"]


def test_refusal_names_the_closest_headers_and_a_ready_alias_line(tmp_path: Path) -> None:
    src = write_csv(tmp_path / "odd.csv", ["Ref", "Initiative label", "Agency", "Notes"],
                    [["1", "Triage bot", "Health", "x"], ["2", "Form reader", "Tax", "y"]])
    run = run_cli("score", src, "-o", tmp_path / "o.xlsx")
    assert run.code == 3
    assert "no header row with a use case name column" in run.stderr
    assert "'Initiative label'" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    line = run.stderr.strip().split("--config: ")[-1]
    assert line == 'columns.aliases.use_case = ["Initiative label"]'
    # the line works as printed
    cfg = tmp_path / "alias.toml"
    cfg.write_text(line + "\n", encoding="utf-8")
    assert run_cli("score", src, "-o", tmp_path / "o.xlsx", "--config", cfg).code == 0


def test_data_row_from_the_environment_and_on_columns(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pipeline.cli import cli

    src = REGISTERS / "netherlands-algoritmeregister.xlsx"
    out = tmp_path / "env.xlsx"
    result = CliRunner().invoke(cli, ["score", str(src), "-o", str(out)], env={"FTSCORE_SCORE_DATA_ROW": "7"},
                                catch_exceptions=False)
    assert result.exit_code in (0, 1), result.stderr
    assert [r["Source row"] for r in sheet_rows(out, "Portfolio")] == list(range(7, 11))
    listing = run_cli("columns", src, "--data-row", 6)
    assert listing.code == 0 and "header row 1, 5 data rows" in listing.stdout.splitlines()[0]
    checked = run_cli("validate", src, "--data-row", 6, "--json")
    assert checked.code in (0, 1)
