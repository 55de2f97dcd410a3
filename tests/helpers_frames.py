"""Build canonical frames for the unit tests of score, money and rank.

The scoring functions take a polars frame with every canonical column of
``pipeline.fields.FIELDS`` (typed) plus ``__row``. ``canonical_frame`` builds
one from a list of dicts; columns a dict does not name are nulls of the right
dtype. ``score_all`` runs the stages in pipeline order.
"""

from __future__ import annotations

import copy

import polars as pl

from pipeline import config
from pipeline.fields import FIELDS
from pipeline.money import money
from pipeline.rank import decide, rank
from pipeline.score import factor_scores

ROW = "__row"


def dtype_of(kind: str) -> pl.DataType:
    if kind in ("text", "category"):
        return pl.String
    if kind == "flag":
        return pl.Boolean
    return pl.Float64


SCHEMA: dict[str, pl.DataType] = {name: dtype_of(f.kind) for name, f in FIELDS.items()}


def canonical_frame(rows: list[dict]) -> pl.DataFrame:
    """A frame with all canonical columns; ``__row`` defaults to 2, 3, ... (first data row under a header)."""
    for r in rows:
        unknown = set(r) - set(SCHEMA) - {ROW}
        assert not unknown, f"test bug: unknown columns {unknown}"
    data = {name: [r.get(name) for r in rows] for name in SCHEMA}
    data[ROW] = [r.get(ROW, i + 2) for i, r in enumerate(rows)]
    schema = {**SCHEMA, ROW: pl.Int64}
    return pl.DataFrame(data, schema=schema)


def cfg_default() -> dict:
    return config.load()


def cfg_with(**changes) -> dict:
    """The default config with changes: ``section__key=value`` (e.g. money__horizon_months=36)
    or ``section={key: value, ...}`` (the keys given are changed, the rest kept)."""
    cfg = copy.deepcopy(config.load())
    for dotted, value in changes.items():
        if "__" in dotted:
            section, key = dotted.split("__", 1)
            cfg[section][key] = value
        else:
            cfg[dotted].update(value)
    config.validate(cfg)
    return cfg


def scores(rows: list[dict], cfg: dict | None = None) -> pl.DataFrame:
    return factor_scores(canonical_frame(rows), cfg or cfg_default())


def with_money(rows: list[dict], cfg: dict | None = None) -> pl.DataFrame:
    cfg = cfg or cfg_default()
    return money(factor_scores(canonical_frame(rows), cfg), cfg)


def score_all(rows: list[dict], cfg: dict | None = None, key: str = "use_case_id") -> pl.DataFrame:
    """factor_scores -> money -> decide -> rank; the frame comes back sorted by rank."""
    cfg = cfg or cfg_default()
    frame = factor_scores(canonical_frame(rows), cfg)
    frame = money(frame, cfg)
    frame = decide(frame, cfg)
    return rank(frame, cfg, key)


def decided(rows: list[dict], cfg: dict | None = None) -> pl.DataFrame:
    """factor_scores -> money -> decide, in input order."""
    cfg = cfg or cfg_default()
    frame = factor_scores(canonical_frame(rows), cfg)
    return decide(money(frame, cfg), cfg)


def one(frame: pl.DataFrame, column: str):
    """The single value of ``column`` in a one-row frame."""
    assert frame.height == 1
    return frame.get_column(column)[0]


def by_id(frame: pl.DataFrame, column: str) -> dict:
    """use_case_id -> value of ``column``."""
    return dict(zip(frame.get_column("use_case_id").to_list(), frame.get_column(column).to_list()))


# The columns of the small decision workbooks the CLI tests write (test_decision_cli, test_summary).
HEADERS = ["Use case ID", "Use case", "Monthly API cost", "Fine-tune setup cost", "Fine-tune monthly cost",
           "Privacy score", "Cost score", "Accuracy score", "Speed score", "Latency class", "Max latency (s)",
           "Monthly calls", "Input tokens", "Output tokens", "Input price per 1K", "Output price per 1K",
           "Knowledge bound", "Golden set size", "Regulations", "Model", "Deployment allowed"]


def case(uid: str, **values) -> list:
    """One input row of HEADERS: the values by keyword (the header lower case, spaces as _; missing: empty)."""
    keys = {h.lower().replace(" ", "_").replace("(s)", "s").replace("-", ""): h for h in HEADERS}
    unknown = set(values) - set(keys)
    assert not unknown, f"test bug: {unknown}"
    by_header = {keys[k]: v for k, v in values.items()}
    return [uid, f"case {uid}", *[by_header.get(h) for h in HEADERS[2:]]]
