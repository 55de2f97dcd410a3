"""ftscore's own outputs as inputs (issue 10 point 4): read back given directly, skipped in folders
and batch runs, so a nightly --out-dir equal to the inbox does not rescore them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import openpyxl
import pytest

from conftest import run_cli, sheet_rows, write_xlsx

HEADERS = ["Use Case", "Business Unit", "Monthly API Cost", "Monthly Calls", "Notes", "rank"]
ROWS = [
    ["Invoice triage", "Finance", 12000, 400000, "keep", "a"],
    ["Contract review", "Legal", 30000, 90000, None, "b"],
    ["Chat assistant", "HR", 800, 5000, "pilot", "c"],
]


def _input(folder: Path, name: str = "portfolio.xlsx") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_xlsx(folder / name, HEADERS, ROWS)


def _user_view(path: Path) -> list[dict]:
    return [{h: r[h] for h in HEADERS} for r in sheet_rows(path, "Portfolio")]


def test_a_scored_workbook_given_directly_reads_its_portfolio_user_columns(tmp_path: Path) -> None:
    src = _input(tmp_path)
    first = tmp_path / "scored.xlsx"
    assert run_cli("score", src, "-o", first).code == 0
    again = tmp_path / "again.xlsx"
    run = run_cli("score", first, "-o", again)
    assert run.code == 0, run.stderr
    assert _user_view(again) == _user_view(first) == [dict(zip(HEADERS, r)) for r in ROWS]
    wb = openpyxl.load_workbook(again, read_only=True)
    header = next(wb["Portfolio"].iter_rows(max_row=1, values_only=True))
    wb.close()
    # the user's columns once, then ftscore's own once: none of the first run's annotations came back
    assert list(header[:len(HEADERS)]) == HEADERS
    assert header.count("Fit score") == 1 and header.count("Rank") == 1 and header.count("Source row") == 1
    notes = [i["Problem"] for i in sheet_rows(again, "Issues") if i["Severity"] == "note"]
    assert any("is an ftscore workbook" in n and "Portfolio" in n for n in notes), notes
    # not the Summary sheet scored as a portfolio
    assert {r["Use case"] for r in sheet_rows(again, "Ranking")} == {r[0] for r in ROWS}


def test_the_marker_survives_a_resave(tmp_path: Path) -> None:
    src = _input(tmp_path)
    first = tmp_path / "scored.xlsx"
    assert run_cli("score", src, "-o", first).code == 0
    wb = openpyxl.load_workbook(first)  # what a user's "open and save" does to it, roughly
    resaved = tmp_path / "resaved.xlsx"
    wb.save(resaved)
    again = tmp_path / "again.xlsx"
    assert run_cli("score", resaved, "-o", again).code == 0
    assert _user_view(again) == _user_view(first)


def test_nightly_out_dir_equal_to_the_inbox_does_not_rescore_outputs(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    _input(inbox)
    first = run_cli("score", inbox, "--out-dir", inbox, "--json")
    assert first.code == 0, first.stderr
    assert (inbox / "portfolio-scored.xlsx").exists()
    second = run_cli("score", inbox, "--out-dir", inbox, "--json", "--force")
    assert second.code == 0, second.stderr
    assert sorted(p.name for p in inbox.glob("*.xlsx")) == ["portfolio-scored.xlsx", "portfolio.xlsx"]
    payload = json.loads(second.stdout)
    assert [j["inputs"] for j in payload["jobs"]] == [[str(inbox / "portfolio.xlsx")]]
    assert [s["file"] for s in payload["skipped_inputs"]] == [str(inbox / "portfolio-scored.xlsx")]
    assert "ftscore workbook" in payload["skipped_inputs"][0]["reason"]
    notes = [line for line in second.stderr.splitlines() if line.startswith("ftscore: note: skipped")]
    assert len(notes) == 1 and "portfolio-scored.xlsx" in notes[0]


@pytest.mark.parametrize("kind", ["csv"])
def test_table_outputs_in_a_folder_are_skipped(tmp_path: Path, kind: str) -> None:
    inbox = tmp_path / "inbox"
    _input(inbox)
    assert run_cli("score", inbox / "portfolio.xlsx", "-o", inbox / f"nightly.{kind}").code == 0
    assert (inbox / f"nightly-issues.{kind}").exists()
    run = run_cli("score", inbox, "-o", tmp_path / "merged.xlsx", "--json")
    assert run.code == 0, run.stderr
    skipped = sorted(Path(s["file"]).name for s in json.loads(run.stdout)["skipped_inputs"])
    assert skipped == ["nightly-issues.csv", "nightly-options.csv", "nightly.csv"]
    assert _user_view(tmp_path / "merged.xlsx") == [dict(zip(HEADERS, r)) for r in ROWS]


def test_a_scored_csv_given_directly_reads_the_user_columns(tmp_path: Path) -> None:
    src = _input(tmp_path)
    table = tmp_path / "scored.csv"
    assert run_cli("score", src, "-o", table).code == 0
    with open(table, newline="", encoding="utf-8") as fh:
        assert "fit_score" in next(csv.reader(fh))
    again = tmp_path / "again.xlsx"
    run = run_cli("score", table, "-o", again)
    assert run.code == 0, run.stderr
    assert [r["Use Case"] for r in sheet_rows(again, "Portfolio")] == [r[0] for r in ROWS]
    wb = openpyxl.load_workbook(again, read_only=True)
    header = next(wb["Portfolio"].iter_rows(max_row=1, values_only=True))
    wb.close()
    assert list(header[:len(HEADERS)]) == HEADERS and "fit_score" not in header
    issues_file = tmp_path / "scored-issues.csv"
    refused = run_cli("score", issues_file, "-o", tmp_path / "x.xlsx")
    assert refused.code == 3 and "ftscore issues file" in refused.stderr
