"""Each rule written once (issue 11): the decision rule, the rows with errors, per-input issues."""

from __future__ import annotations

import polars as pl
import pytest

from pipeline import config, decide, explain, rank

# ------------------------------------------------------------------ the decision rule
# Version 1's threshold rule (rank.RULE, recommend, branch) is gone; the v2 rules are data in
# pipeline.decide (EXCLUSIONS, RECOMMENDATION, DECIDED_BY) and tests/test_decide.py checks the
# expression against decide.branch row by row.
def test_every_recommendation_is_reached_and_ranked():
    reached = set(decide.RECOMMENDATION.values()) | {decide.PREPARE, decide.RETRIEVAL, decide.INSUFFICIENT}
    assert reached == set(rank.RECOMMENDATIONS) == set(config.defaults()["ranking"]["order"])


@pytest.mark.parametrize("key", list(decide.DECIDED_BY))
def test_explain_words_every_way_a_row_is_decided(key):
    lines = explain._rule({"decided_by": key, "best_option": "api", "deployment": "api"})
    assert lines[0] == f"Rule: {decide.DECIDED_BY[key]}"


def test_explain_lists_the_options_ruled_out_with_why():
    row = {"decided_by": "latency", "best_option": "self_host_open", "deployment": "api",
           "api__offered": True, "api__allowed": False,
           "api__why_not_allowed": "starts in 0.5 s (assumed), over the max latency of 0.3 s",
           "provider_finetune__offered": False, "provider_finetune__why_not": "no fine-tuned price",
           "self_host_open__offered": True, "self_host_open__allowed": True}
    lines = explain._ruled_out(row)
    assert "  api: not allowed: starts in 0.5 s (assumed), over the max latency of 0.3 s" in lines
    assert "  provider_finetune: not offered: no fine-tuned price" in lines
    assert not any(line.startswith("  self_host_open") for line in lines)


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
