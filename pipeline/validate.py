"""The parsed input against its pandera contract -> Issues rows.

Values are checked on an eager frame with ``lazy=True`` so every failing cell
is reported, not only the first. Each failure is carried back to the user's
Excel row and column letter.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandera.polars as pa
import polars as pl

from pipeline import issues
from pipeline.config import max_value
from pipeline.fields import CATEGORY_VOCAB, FIELDS
from pipeline.core import ROW, SRC, Mapping, Table
from schemas import PortfolioInput


from pipeline.errors import ContractBroken  # noqa: E402,F401  (re-exported)


def input_schema(cfg: dict) -> pa.DataFrameSchema:
    """PortfolioInput with the category vocabularies and the largest values (input.max_value) of this config."""
    schema = PortfolioInput
    updates = {}
    for name, (section, key) in CATEGORY_VOCAB.items():
        updates[name] = {"checks": [pa.Check.isin(sorted(cfg[section][key]))]}
    for name, column in schema.columns.items():
        most = max_value(cfg, name) if name in FIELDS else None
        if most is not None:
            updates[name] = {"checks": [*column.checks, pa.Check.le(most)]}
    return schema.update_columns(updates)


def _amount(x: float) -> str:
    """1e12 -> '1,000,000,000,000'; 31536000.0 -> '31,536,000'."""
    return f"{x:,.0f}" if x == int(x) else f"{x:,g}"


def _problem(column: str, check: str, cfg: dict) -> str:
    kind = FIELDS[column].kind if column in FIELDS else ""
    if check == "not_nullable":
        return "use case name is missing" if column == "use_case" else "value is missing"
    if check.startswith("isin") and column in CATEGORY_VOCAB:
        section, key = CATEGORY_VOCAB[column]
        return f"unknown value; expected one of: {', '.join(cfg[section][key])}"
    if check.startswith("str_length"):
        return "use case name is empty"
    if check.startswith("less_than_or_equal_to(") and kind in ("money", "count", "seconds"):
        most = max_value(cfg, column)
        unit = {"money": " USD", "seconds": " seconds"}.get(kind, "")
        return f"too large: at most {_amount(most)}{unit} (input.max_value in the config)"
    if kind == "score":
        return "out of range: a score must be from 0 to 10"
    if kind == "rate":
        return "out of range: a rate must be from 0 to 1 (0% to 100%)"
    if kind == "change":
        return "out of range: a yearly change must be above -100% and at most 1000%"
    if kind in ("money", "count"):
        return "must be above 0" if check.startswith("greater_than(") else "must not be negative"
    if kind == "seconds":
        return "must be above 0 seconds"
    return f"fails the check {re.sub(r'_', ' ', check)}"


def check(table: Table, mapping: Mapping, parsed: pl.DataFrame, cfg: dict) -> pl.DataFrame:
    """Issues for values outside their contract (repeated ids: see repeated_ids)."""
    found: list[pl.DataFrame] = []
    try:
        input_schema(cfg).validate(parsed, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        frame_level = cases.filter(pl.col("index").is_null())
        if frame_level.height:
            raise ContractBroken(f"parsed input breaks its schema: {frame_level.to_dicts()}") from None
        cases = cases.with_columns(pl.col("index").cast(pl.Int64))
        rows = parsed.get_column(ROW)
        for (column, check_name), group in cases.group_by(["column", "check"], maintain_order=True):
            user_col = mapping.fields.get(column)
            if user_col is None:  # a required field with no column at all
                raise ContractBroken(f"no column for {column}")
            picked = pl.DataFrame({ROW: rows.gather(group.get_column("index"))}).join(
                table.frame.select(ROW, user_col.name), on=ROW, how="left"
            )
            found.append(issues.for_cells(table, picked, user_col, _problem(column, check_name, cfg)))
    return issues.combine(found)


def repeated_ids(sources: list, parsed: pl.DataFrame) -> pl.DataFrame:
    """A use case id seen before (in this input or an earlier one): an error naming the first."""
    ids = parsed.select(SRC, ROW, "use_case_id").filter(pl.col("use_case_id").is_not_null())
    repeats = ids.with_columns(
        pl.col(SRC).first().over("use_case_id").alias("__first_src"),
        pl.col(ROW).first().over("use_case_id").alias("__first"),
    ).filter((pl.col(SRC) != pl.col("__first_src")) | (pl.col(ROW) != pl.col("__first")))
    names = {i: Path(s.table.file).name for i, s in enumerate(sources)}
    where = pl.when(pl.col("__first_src") == pl.col(SRC)).then(pl.lit("")).otherwise(
        pl.lit(" of ") + pl.col("__first_src").replace_strict(names, return_dtype=pl.String)
    )
    problem = pl.format("use case id repeats row {}{}; only the first is scored", pl.col("__first"), where)
    return issues.combine(issues.for_inputs(sources, repeats, "use_case_id", problem))
