"""Issue 13's Changes sheet and Summary's "Since the last run" block, read back with openpyxl.

The run's Result is the sample scored; its changes are two snapshots compared (the history
that records them is H5's part of the issue), given to the writer as the run will give them.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest

from conftest import SAMPLES, run_cli, write_xlsx
from helpers_history import history_target  # noqa: F401  (a fixture: SQLite, and the PostgreSQL .ci/run starts)
from helpers_snapshots import WHEN, RunInfo, snapshot
from pipeline import changes, config, workbook
from pipeline.run import score_file

CFG = config.load()
LINK = '=HYPERLINK("http://evil.example","click")'
BEFORE = [
    {"use_case_id": "00123", "use_case": LINK, "business_unit": "=1+1", "rank": 1},
    {"use_case_id": "B", "use_case": "<r>Old bot</r>", "business_unit": "Claims", "recommendation": "Fine-tune",
     "rank": 2},
    {"use_case_id": "C", "use_case": "Call summaries", "business_unit": "Service", "rank": 3,
     "monthly_api_cost": 10_000.0},
]
AFTER = [
    {"use_case_id": "00123", "use_case": LINK, "business_unit": "=1+1", "recommendation": "Fine-tune", "rank": 1},
    {"use_case_id": "D", "use_case": "@SUM(A1)", "business_unit": "+44", "recommendation": "Self-host", "rank": 2},
    {"use_case_id": "C", "use_case": "Call summaries", "business_unit": "Service", "rank": 3,
     "monthly_api_cost": 25_000.0},
]
# What the sheet must list, by kind then use case id (from the rules, written out by hand).
EXPECTED = [
    ("added", "D", "@SUM(A1)", "+44", None, "Self-host", "new since the last run, at rank 2"),
    ("removed", "B", "<r>Old bot</r>", "Claims", "Fine-tune", None, "not in this run (rank 2 in the last)"),
    ("recommendation", "00123", LINK, "=1+1", "Keep prompting", "Fine-tune",
     "none of its inputs changed (the config, prices or other rows did)"),
    ("money", "C", "Call summaries", "Service", "$10,000", "$25,000", "monthly API spend +$15,000 (+150 %)"),
]
HEADERS = ("Change", "Use case ID", "Use case", "Business unit", "Before", "After", "What moved")


@pytest.fixture(scope="module")
def scored():
    return score_file(SAMPLES / "portfolio.xlsx", CFG)


def written(result, tmp: Path, previous, reason=None, **options) -> openpyxl.Workbook:
    frame, facts = changes.for_run(previous, snapshot(AFTER, portfolio="emea"), CFG, reason)
    out = workbook.write(replace(result, changes=frame, changes_facts=facts), tmp / "scored.xlsx", **options)
    return openpyxl.load_workbook(out)


def summary_block(wb: openpyxl.Workbook) -> list[tuple]:
    """Summary's "Since the last run" block (beside the facts): its title, then each label with its count
    (the label in the title's column, across two columns, the count right of it), to the first row
    without a label."""
    rows = [list(r) + [None] * 3 for r in wb["Summary"].iter_rows(values_only=True)]
    at = [(i, j) for i, r in enumerate(rows) for j, v in enumerate(r)
          if isinstance(v, str) and v.startswith("Since the last run")]
    if not at:
        return []
    i, j = at[0]
    found = [(rows[i][j], None)]
    for r in rows[i + 1:]:
        if r[j] is None:
            break
        found.append((r[j], r[j + 2]))
    return found


@pytest.mark.parametrize("streaming", [False, True])
def test_the_changes_sheet_lists_exactly_the_changes(scored, tmp_path, streaming):
    wb = written(scored, tmp_path, (RunInfo(41, WHEN), snapshot(BEFORE, portfolio="emea")), streaming=streaming)
    assert wb.sheetnames[:3] == ["Summary", "Changes", "Ranking"]
    ws = wb["Changes"]
    assert ws["A1"].value == "Since the last run of emea on 2026-11-29 02:00 UTC (run 41)"
    values = list(ws.iter_rows(values_only=True))
    assert values[1] == HEADERS
    assert values[2:] == EXPECTED
    assert ws.freeze_panes == "A3"
    assert ws.auto_filter.ref == f"A2:G{2 + len(EXPECTED)}"
    # the user's text is text, never a formula or a number
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            assert cell.value is None or cell.data_type == "s", (cell.coordinate, cell.value)


def test_summary_counts_the_changes_since_the_last_run(scored, tmp_path):
    wb = written(scored, tmp_path, (RunInfo(41, WHEN), snapshot(BEFORE, portfolio="emea")))
    kinds = [row[0] for row in EXPECTED]
    assert summary_block(wb) == [
        ("Since the last run (2026-11-29 02:00 UTC)", None),
        ("Use cases added", kinds.count("added")),
        ("Use cases removed", kinds.count("removed")),
        ("Recommendations changed", kinds.count("recommendation")),
        ("Rank moves of 5 places or more", kinds.count("rank")),
        ("Spend or net savings moved 25 % or more", kinds.count("money")),
    ]


def test_the_first_run_of_a_portfolio_has_nothing_to_compare_yet(scored, tmp_path):
    wb = written(scored, tmp_path, None)
    values = list(wb["Changes"].iter_rows(values_only=True))
    said = "First run of portfolio emea: nothing to compare yet"
    assert values[0][0] == said and values[1] == HEADERS
    assert not [r for r in values[2:] if any(v is not None for v in r)]
    assert summary_block(wb) == [("Since the last run", None), (said, None)]


def test_a_history_problem_is_why_the_sheet_is_empty(scored, tmp_path):
    problem = "history /srv/scored/ftscore-history.sqlite is from a newer ftscore (schema 9); not read"
    wb = written(scored, tmp_path, (RunInfo(41, WHEN), snapshot(BEFORE)), problem)
    assert wb["Changes"]["A1"].value == f"Nothing to compare: {problem}"
    assert wb["Changes"].max_row <= 2
    assert summary_block(wb)[1] == (f"Nothing to compare: {problem}", None)


def test_a_run_says_why_its_changes_sheet_is_empty_and_json_says_the_same(tmp_path):
    out = tmp_path / "scored.xlsx"
    run = run_cli("score", SAMPLES / "portfolio.xlsx", "-o", out, "--json")
    assert run.code == 1, run.stderr
    facts = json.loads(run.stdout)["jobs"][0]["changes"]
    assert set(facts) == {"since", "run_id", "portfolio", "reason", *changes.CHANGES}
    assert facts["since"] is None and facts["reason"]  # no previous run to compare with here
    a1 = openpyxl.load_workbook(out)["Changes"]["A1"].value
    assert a1 == facts["reason"][:1].upper() + facts["reason"][1:]


# ------------------------------------------------------------------ two real runs through the CLI
HEAD = ["Use Case ID", "Use Case", "Business Unit", "Monthly Calls", "Input Tokens", "Output Tokens",
        "Input Price per 1K", "Output Price per 1K", "Current Accuracy", "Target Accuracy", "Latency Class"]
PER_CALL = [1000, 200, 0.0025, 0.01]  # $0.0045 a call
NIGHT_1 = [["A", "Claims triage", "Claims", 444_444, *PER_CALL, 0.95, 0.9, "quick"],
           ["B", "HR policy bot", "HR", 111_111, *PER_CALL, 0.95, 0.9, "quick"],
           ["C", "Call summaries", "Service", 2_222_222, *PER_CALL, 0.95, 0.9, "quick"]]
# Night 2: B removed, D added, C's volume grows 30 % (2,222,222 -> 2,888,889 calls: $10,000 -> $13,000 a
# month, past history.money_change_pct, 25 %); A unchanged (not listed).
NIGHT_2 = [NIGHT_1[0],
           ["C", "Call summaries", "Service", 2_888_889, *PER_CALL, 0.95, 0.9, "quick"],
           ["D", "Invoice coding", "Finance", 177_778, *PER_CALL, 0.95, 0.9, "quick"]]


def test_two_nightly_runs_list_exactly_what_changed(tmp_path, history_target):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    night = inbox / "emea.xlsx"
    out = tmp_path / "scored.xlsx"
    write_xlsx(night, HEAD, NIGHT_1)
    first = run_cli("score", night, "-o", out, "--history", history_target, "--json")
    assert first.code == 0, first.stderr
    assert json.loads(first.stdout)["jobs"][0]["changes"]["reason"] == "first run of portfolio emea: nothing to compare yet"
    write_xlsx(night, HEAD, NIGHT_2)
    second = run_cli("score", night, "-o", out, "--history", history_target, "--json")
    assert second.code == 0, second.stderr
    job = json.loads(second.stdout)["jobs"][0]
    assert (job["history"], job["portfolio"]) == ("ok", "emea")
    got = [r for r in openpyxl.load_workbook(out)["Changes"].iter_rows(min_row=3, values_only=True)
           if any(v is not None for v in r)]
    kinds = [(r[0], r[1]) for r in got]
    assert kinds[:3] == [("added", "D"), ("removed", "B"), ("money", "C")], kinds
    assert set(kinds[3:]) <= {("money", "C")}  # and at most C's net savings, moved by the same calls
    spend = got[2]
    assert (spend[4], spend[5]) == ("$10,000", "$13,000") and spend[6].startswith("monthly API spend +$3,000 (+30 %)")
    assert "monthly_calls 2,222,222 -> 2,888,889" in spend[6]  # the input that moved it
    assert all("monthly_calls 2,222,222 -> 2,888,889" in r[6] for r in got[2:])
    assert {k: job["changes"][k] for k in changes.CHANGES} == {"added": 1, "removed": 1, "recommendation": 0,
                                                             "rank": 0, "money": len(kinds) - 2}
