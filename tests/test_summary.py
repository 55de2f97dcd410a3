"""Summary's table per recommendation, its savings chart and its Insufficient data line; the same facts
in --json; the deprecated-model warning on Issues. Real .xlsx files in and out (openpyxl),
every expectation worked out from the Ranking sheet of the same workbook or from the input rows here.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import polars as pl
import pytest

from conftest import SAMPLES, run_cli, sheet_rows, write_xlsx
from helpers_frames import HEADERS, case
from pipeline import config, summary
from pipeline.fields import FIELDS
from pipeline import score
from pipeline.score import FACTOR_FIELDS

DASH = "\u2013"
SEVEN = config.defaults()["ranking"]["order"]
NO_MONEY = {"Keep prompting", "Add retrieval", "Insufficient data"}  # SPEC §5: their money columns are empty


# SPEC §6a's use cases, one or two per recommendation (test_decision_cli.py checks their money).
FINE_TUNE = dict(finetune_setup_cost=20_000, finetune_monthly_cost=2_000, privacy_score=0, accuracy_score=8)
NEED = dict(privacy_score=10, cost_score=5, accuracy_score=10, speed_score=0, monthly_api_cost=6_000,
            monthly_calls=200_000, input_tokens=8_000, output_tokens=600, input_price_per_1k=0.003,
            output_price_per_1k=0.01, latency_class="batch")
ROWS = [
    case("FT1", monthly_api_cost=10_000, **FINE_TUNE),
    case("FT2", monthly_api_cost=12_000, **FINE_TUNE),
    case("PR", golden_set_size=50, **NEED),
    case("AR", accuracy_score=9, knowledge_bound="yes", monthly_api_cost=10_000),
    case("OP", monthly_calls=100_000, input_tokens=50_000, output_tokens=500, input_price_per_1k=0.0025,
         output_price_per_1k=0.01, accuracy_score=0, latency_class="batch"),
    case("SH", max_latency_s=0.3, accuracy_score=0, monthly_api_cost=2_000, monthly_calls=1_000_000,
         input_tokens=500, output_tokens=60),
    case("K1", monthly_api_cost=50, accuracy_score=0),
    case("K2", monthly_api_cost=70.25, accuracy_score=0),
    case("I1", regulations="HIPAA"),
    case("I2", monthly_api_cost=500),
]
EXPECTED = {"FT1": "Fine-tune", "FT2": "Fine-tune", "PR": "Prepare to fine-tune", "AR": "Add retrieval",
            "OP": "Optimise the API", "SH": "Self-host", "K1": "Keep prompting", "K2": "Keep prompting",
            "I1": "Insufficient data", "I2": "Insufficient data"}


def summary_table(path: Path) -> tuple[int, list[tuple]]:
    """(Excel row of the table's header, the table's rows up to and with its Total row) from Summary."""
    import openpyxl

    ws = openpyxl.load_workbook(path)["Summary"]
    rows = list(ws.iter_rows(min_col=1, max_col=4, values_only=True))
    top = rows.index(("Recommendation", "Use cases", "Monthly API cost", "Net savings 24m"))
    end = next(i for i in range(top, len(rows)) if rows[i][0] == "Total")
    return top + 1, rows[top + 1:end + 1]


def expected_table(ranking: list[dict], order: list[str]) -> list[tuple]:
    """The table worked out from the Ranking sheet: per recommendation its rows, the sum of their monthly
    API cost and of their net savings ("-" where the money columns are empty)."""
    out = []
    for rec in order:
        mine = [r for r in ranking if r["Recommendation"] == rec]
        spend = sum(r["Monthly API cost"] for r in mine if r["Monthly API cost"] is not None)
        known = [r["Net savings 24m"] for r in mine if r["Net savings 24m"] is not None]
        savings = DASH if rec in NO_MONEY or (mine and not known) else sum(known)
        out.append((rec, len(mine), spend if not mine or any(r["Monthly API cost"] is not None for r in mine) else DASH,
                    savings))
    money = [r["Net savings 24m"] for r in ranking if r["Net savings 24m"] is not None]
    out.append(("Total", len(ranking), sum(r["Monthly API cost"] or 0 for r in ranking), sum(money)))
    return out


def assert_same_table(got: list[tuple], want: list[tuple]) -> None:
    assert [g[:2] for g in got] == [w[:2] for w in want]
    for g, w in zip(got, want):
        for a, b in zip(g[2:], w[2:]):
            assert a == (b if b == DASH else pytest.approx(b, abs=0.006)), (g, w)


@pytest.fixture(scope="module")
def seven(tmp_path_factory) -> dict:
    """The rows above scored with the recommendations in an order of the config's own (reversed)."""
    tmp = tmp_path_factory.mktemp("seven")
    cfg = tmp / "order.toml"
    order = list(reversed(SEVEN))
    cfg.write_text("[ranking]\norder = [" + ", ".join(f'"{r}"' for r in order) + "]\n")
    src = write_xlsx(tmp / "in.xlsx", HEADERS, ROWS)
    out = tmp / "out.xlsx"
    run = run_cli("score", src, "-o", out, "--config", cfg, "--json")
    assert run.code == 0, run.stderr + run.stdout
    return {"out": out, "order": order, "json": json.loads(run.stdout)["jobs"][0], "stderr": run.stderr}


def test_the_rows_get_the_recommendations_the_table_needs(seven: dict) -> None:
    assert {r["Use case ID"]: r["Recommendation"] for r in sheet_rows(seven["out"], "Ranking")} == EXPECTED


def test_summary_counts_spend_and_savings_per_recommendation_follow_the_ranking_sheet(seven: dict) -> None:
    ranking = sheet_rows(seven["out"], "Ranking")
    _, got = summary_table(seven["out"])
    assert [g[0] for g in got[:-1]] == seven["order"]  # all seven, in [ranking] order
    assert_same_table(got, expected_table(ranking, seven["order"]))
    by_rec = {g[0]: g for g in got}
    # worked out from the inputs: two Fine-tune rows of $10,000 and $12,000; the Insufficient data rows
    # spend $500 (I2) and unknown (I1); Keep prompting saves nothing to show, not $0
    assert by_rec["Fine-tune"][1:3] == (2, 22_000)
    assert by_rec["Insufficient data"][1:] == (2, 500, DASH)
    assert by_rec["Keep prompting"][1:] == (2, pytest.approx(120.25), DASH)
    assert by_rec["Add retrieval"][3] == DASH


def test_summary_table_of_the_sample_follows_its_ranking_sheet(tmp_path: Path) -> None:
    out = tmp_path / "sample.xlsx"
    assert run_cli("score", SAMPLES / "portfolio.xlsx", "-o", out).code == 1  # the sample's deliberate errors
    _, got = summary_table(out)
    assert_same_table(got, expected_table(sheet_rows(out, "Ranking"), SEVEN))


def test_savings_chart_plots_the_savings_column_of_the_table(seven: dict) -> None:
    header, got = summary_table(seven["out"])
    first, last = header + 1, header + len(SEVEN)  # Excel rows of the seven recommendations
    with zipfile.ZipFile(seven["out"]) as z:
        charts = {n: z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")}
        drawing = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/drawings/_rels/"))
    savings = [x for x in charts.values() if "Net savings over 24 months" in x]
    assert len(savings) == 1
    refs = re.findall(r"<c:f>([^<]+)</c:f>", savings[0])
    assert f"Summary!$A${first}:$A${last}" in refs and f"Summary!$D${first}:$D${last}" in refs
    counts = [x for x in charts.values() if f"Summary!$B${first}:$B${last}" in x]
    assert len(counts) == 1 and "Recommendations" in counts[0]  # the counts chart reads the same table
    assert all(n.split("/")[-1] in drawing for n in charts)  # every chart is placed on a drawing


def test_insufficient_data_line_counts_the_missing_factors(tmp_path: Path) -> None:
    # Four rows with fewer than two factors: privacy only, cost only, speed only, nothing; one with two.
    rows = [case("P", regulations="GDPR"), case("C", monthly_api_cost=900), case("S", latency_class="quick"),
            case("N"), case("OK", monthly_api_cost=900, accuracy_score=0)]
    src = write_xlsx(tmp_path / "in.xlsx", HEADERS, rows)
    out = tmp_path / "out.xlsx"
    run = run_cli("score", src, "-o", out, "--json")
    assert run.code == 0, run.stderr
    ranking = {r["Use case ID"]: r["Recommendation"] for r in sheet_rows(out, "Ranking")}
    assert ranking == {"P": "Insufficient data", "C": "Insufficient data", "S": "Insufficient data",
                       "N": "Insufficient data", "OK": "Keep prompting"}
    # lacking: accuracy P C S N = 4; privacy C S N = 3; cost P S N = 3; speed P C N = 3 (most first,
    # ties in the order privacy, cost, accuracy, speed)
    want = {"accuracy": 4, "privacy": 3, "cost": 3, "speed": 3}
    import openpyxl

    facts = {r[0]: r[1] for r in openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True) if r[0]}
    line = facts["Inputs missing (Insufficient data)"]
    assert line.startswith("4 rows are Insufficient data: 4 lack accuracy (give Current accuracy, ")
    assert [(f, int(n)) for n, f in re.findall(r"(\d+) lacks? (\w+) \(give", line)] == list(want.items())
    assert "3 lack cost (give Monthly API cost, Monthly calls, Input tokens, Output tokens" in line
    assert "3 lack speed (give Latency class, Max latency (s) or Speed score)" in line
    job = json.loads(run.stdout)["jobs"][0]
    assert job["insufficient_data"] == {"rows": 4, "lacking": want, "line": line}
    assert "Insufficient data" not in run.stderr  # the one summary line on stderr stays one line


def test_no_insufficient_data_line_without_such_rows(tmp_path: Path) -> None:
    src = write_xlsx(tmp_path / "in.xlsx", HEADERS, [case("OK", monthly_api_cost=900, accuracy_score=0)])
    out = tmp_path / "out.xlsx"
    run = run_cli("score", src, "-o", out, "--json")
    assert run.code == 0
    import openpyxl

    cells = [v for r in openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True) for v in r]
    assert "Inputs missing (Insufficient data)" not in cells
    assert not [v for v in cells if isinstance(v, str) and "are Insufficient data" in v]
    assert json.loads(run.stdout)["jobs"][0]["insufficient_data"] == {"rows": 0, "lacking": {}, "line": None}


def test_json_has_the_summary_table(seven: dict) -> None:
    _, got = summary_table(seven["out"])
    table = seven["json"]["by_recommendation"]
    assert [(t["recommendation"], t["use_cases"]) for t in table] == [g[:2] for g in got[:-1]]
    for t, g in zip(table, got):
        assert t["monthly_api_cost"] == (None if g[2] == DASH else pytest.approx(g[2]))
        assert t["net_savings_24m"] == (None if g[3] == DASH else pytest.approx(g[3]))


def test_factor_inputs_name_every_column_that_feeds_the_factor() -> None:
    for factor, names in FACTOR_FIELDS.items():
        text = score.factor_inputs(factor)
        for name in names:
            if FIELDS[name].group != "prices":  # the token prices are named together
                assert FIELDS[name].label in text, (factor, name)
    assert "token prices" in score.FACTOR_INPUTS["cost"]


def test_by_recommendation_keeps_unknown_sums_apart_from_zero() -> None:
    cfg = config.load()
    ranking = pl.DataFrame({
        "recommendation": ["Fine-tune", "Fine-tune", "Optimise the API", "Keep prompting"],
        "monthly_api_cost": [100.0, None, None, 40.0],
        "net_savings_24m": [10.0, None, None, None],
    })
    got = {r["recommendation"]: r for r in summary.by_recommendation(ranking, cfg).to_dicts()}
    assert list(got) == SEVEN
    assert (got["Fine-tune"]["use_cases"], got["Fine-tune"]["monthly_api_cost"], got["Fine-tune"]["net_savings"]) == (
        2, 100.0, 10.0)
    # one row, nothing known: unknown, not $0; no row at all: 0 use cases, $0
    assert (got["Optimise the API"]["monthly_api_cost"], got["Optimise the API"]["net_savings"]) == (None, None)
    assert (got["Self-host"]["use_cases"], got["Self-host"]["monthly_api_cost"], got["Self-host"]["net_savings"]) == (
        0, 0.0, 0.0)
    # a recommendation that changes nothing shows no savings, rows or not
    assert got["Keep prompting"]["net_savings"] is None and got["Add retrieval"]["net_savings"] is None


DEPRECATED = "gemini-2.0-flash"  # the shipped catalog (genai-prices) marks it deprecated


def test_a_deprecated_model_is_a_warning_at_its_cell(tmp_path: Path) -> None:
    rows = [case("D", monthly_calls=10_000, input_tokens=1_000, output_tokens=100, accuracy_score=0,
                 model=DEPRECATED),
            case("C", monthly_calls=10_000, input_tokens=1_000, output_tokens=100, accuracy_score=0, model="gpt-4o")]
    src = write_xlsx(tmp_path / "in.xlsx", HEADERS, rows)
    out = tmp_path / "out.xlsx"
    assert run_cli("score", src, "-o", out).code == 0
    warned = [i for i in sheet_rows(out, "Issues") if "deprecated" in i["Problem"]]
    model_col = chr(ord("A") + HEADERS.index("Model"))
    assert [(i["Severity"], i["Row"], i["Column"], i["Cell"], i["Value"], i["Problem"]) for i in warned] == [
        ("warning", 2, "Model", f"{model_col}2", DEPRECATED, f"{DEPRECATED} is deprecated by its provider: plan a migration")]
    # still scored and priced from the catalog
    assert {r["Use case ID"] for r in sheet_rows(out, "Ranking")} == {"D", "C"}
