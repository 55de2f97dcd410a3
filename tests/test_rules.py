"""Each rule written once (issue 11): the decision rule, the rows with errors, per-input issues."""

from __future__ import annotations

import itertools

import polars as pl
import pytest

from pipeline import config, explain, rank

D = config.defaults()["decision"]
SMALL = {"finetune_fit_score": 7, "finetune_privacy_score": 9, "evaluate_fit_score": 5, "evaluate_monthly_api_cost": 5000}


# ------------------------------------------------------------------ the decision rule
def _grid() -> pl.DataFrame:
    d = D
    fits = [0.0, d["evaluate_fit_score"] - 0.01, d["evaluate_fit_score"], d["finetune_fit_score"] - 0.01,
            d["finetune_fit_score"], 10.0]
    privacies = [0.0, d["finetune_privacy_score"] - 0.01, d["finetune_privacy_score"], 10.0]
    spends = [None, 0.0, d["evaluate_monthly_api_cost"] - 0.01, d["evaluate_monthly_api_cost"], 1e9]
    return pl.DataFrame(list(itertools.product(fits, privacies, spends)), orient="row",
                        schema={"fit": pl.Float64, "privacy": pl.Float64, "spend": pl.Float64})


def test_the_expression_and_the_plain_rule_agree_at_every_threshold():
    grid = _grid()
    got = grid.select(rank.recommend(pl.col("fit"), pl.col("privacy"), pl.col("spend"), D)).to_series().to_list()
    for (fit, privacy, spend), rec in zip(grid.iter_rows(), got):
        assert rank.branch({rank.FIT: fit, rank.PRIVACY: privacy, rank.SPEND: spend}, D)[0] == rec


def test_the_rule_as_the_spec_words_it():
    # Fine-tune: fit >= finetune_fit_score or privacy >= finetune_privacy_score;
    # Evaluate: fit >= evaluate_fit_score or monthly API spend >= evaluate_monthly_api_cost; else Keep prompting.
    frame = pl.DataFrame({"fit": [7.0, 1.0, 5.0, 1.0, 4.99], "privacy": [0.0, 9.0, 0.0, 0.0, 8.99],
                          "spend": [None, None, 0.0, 5000.0, 4999.99]})
    got = frame.select(rank.recommend(pl.col("fit"), pl.col("privacy"), pl.col("spend"), SMALL)).to_series().to_list()
    assert got == ["Fine-tune", "Fine-tune", "Evaluate", "Evaluate", "Keep prompting"]


def test_value_gives_each_branch_its_own_expression():
    frame = pl.DataFrame({"fit": [9.0, 6.0, 0.0]})
    codes = {"Fine-tune": 0, "Evaluate": 1, "Keep prompting": 2}
    got = frame.select(rank.recommend(pl.col("fit"), pl.lit(0.0), pl.lit(None, pl.Float64), SMALL,
                                      value=lambda rec: pl.lit(codes[rec], pl.Int8))).to_series()
    assert got.dtype == pl.Int8 and got.to_list() == [0, 1, 2]


def test_every_recommendation_is_a_branch_of_the_rule():
    assert [rec for rec, _ in rank.RULE] + [rank.OTHERWISE] == list(rank.RECOMMENDATIONS)


def test_explain_words_every_test_of_the_rule():
    tests = {(rec, name) for rec, branch in rank.RULE for name, _ in branch}
    assert set(explain._RULE_LINES) == tests


@pytest.mark.parametrize(("fit", "privacy", "spend", "line"), [
    (7.5, 0, 10.0, "fit score 7.5 >= 7 -> Fine-tune"),
    (2, 9.5, 10.0, "privacy 9.5 >= 9 -> Fine-tune whatever the fit"),
    (5.25, 0, 10.0, "fit score 5.25 >= 5 (below 7) -> Evaluate"),
    (4, 0, 6000.0, "API spend $6,000/mo >= $5,000 (fit 4 below 5) -> Evaluate"),
    (4, 0, None, "fit score 4 < 5 and API spend unknown/mo < $5,000 -> Keep prompting"),
])
def test_explain_rule_line(fit, privacy, spend, line):
    cfg = {"decision": SMALL}
    assert explain._rule({"fit_score": fit, "privacy_score": privacy, "monthly_api_cost": spend}, cfg) == line


def test_schemas_take_the_names_from_the_rule():
    from schemas import ScoredPortfolio

    check = ScoredPortfolio.to_schema().columns["recommendation"].checks[0]
    assert set(check.statistics["allowed_values"]) == set(rank.RECOMMENDATIONS)


# ------------------------------------------------------------------ rows with errors, per-input issues
from pipeline import issues  # noqa: E402
from pipeline.core import ROW, SRC, Column, Mapping, Source, Table  # noqa: E402


def _found(rows: list[tuple]) -> pl.DataFrame:
    """Issues (severity, SRC, row) with the other fields blank."""
    frame = pl.DataFrame(rows, schema={"severity": pl.String, SRC: pl.Int64, "row": pl.Int64}, orient="row")
    return frame.with_columns(pl.lit(None, pl.String).alias(c) for c in ("file", "problem"))


def test_error_rows_are_rows_with_an_error_once_each():
    found = _found([("error", 0, 2), ("error", 0, 2), ("warning", 0, 3), ("error", 1, 2), ("error", 0, None),
                    ("note", 1, None), ("error", 1, 5)])
    got = issues.error_rows(found).sort(SRC, ROW).rows()
    assert got == [(0, 2), (1, 2), (1, 5)]
    assert found.filter(issues.row_error()).height == 4


def _source(name: str, headers: dict[str, str], values: dict[str, list]) -> Source:
    """A table whose columns (canonical field -> header) hold values, rows 2.. as Excel shows them."""
    columns = [Column(h, h, chr(ord("A") + j)) for j, h in enumerate(headers.values())]
    n = len(next(iter(values.values())))
    frame = pl.DataFrame({ROW: list(range(2, n + 2)), **{headers[f]: v for f, v in values.items()}})
    table = Table(name, None, 1, columns, frame)
    return Source(table, Mapping({f: c for f, c in zip(headers, columns)}), "")


def test_for_inputs_puts_each_row_at_its_input_cell():
    a = _source("a.csv", {"use_case": "Name", "model": "Model"}, {"use_case": ["x", "y"], "model": ["m1", "m2"]})
    b = _source("b.csv", {"model": "LLM", "use_case": "Use case"}, {"model": ["m3"], "use_case": ["z"]})
    c = _source("c.csv", {"use_case": "Name"}, {"use_case": ["w"]})  # no model column
    rows = pl.DataFrame({SRC: [1, 0, 2], ROW: [2, 3, 2], "why": ["bad", "worse", "lost"]})
    severity = pl.when(pl.col("why") == "bad").then(pl.lit("error")).otherwise(pl.lit("warning"))
    got = issues.combine(issues.for_inputs([a, b, c], rows, "model", pl.col("why"), severity=severity))
    assert got.select("file", "row", "column", "cell", "value", "problem", "severity").rows() == [
        ("a.csv", 3, "Model", "B3", "m2", "worse", "warning"),
        ("b.csv", 2, "LLM", "A2", "m3", "bad", "error"),
    ]
    on_rows = issues.combine(issues.for_inputs([a, b, c], rows, "model", pl.col("why"), value=pl.col("why"),
                                               unmapped=True))
    assert on_rows.filter(pl.col("file") == "c.csv").select("row", "cell", "value").rows() == [(2, None, "lost")]


def test_by_input_skips_inputs_without_rows():
    a = _source("a.csv", {"use_case": "Name"}, {"use_case": ["x"]})
    b = _source("b.csv", {"use_case": "Name"}, {"use_case": ["y"]})
    got = [(s.table.file, mine.height) for s, mine in issues.by_input([a, b], pl.DataFrame({SRC: [1, 1], ROW: [2, 3]}))]
    assert got == [("b.csv", 2)]
