"""Pandera schemas (polars backend) for the portfolio.

``PortfolioInput`` checks the values of the parsed input: ranges, required
name, categories (their vocabularies come from the config and are set by
``pipeline.validate``, like the largest values of ``input.max_value``). It is
built from the input contract, ``pipeline.fields.FIELDS``: one column per input
column, typed by its kind, with its fixed bounds. ``ScoredPortfolio`` checks
what the tool computed before it is written, so a bug cannot reach a workbook.
"""

import pandera.polars as pa
import polars as pl

from pipeline.fields import FIELDS, Field

from pipeline.config import DEPLOYMENTS
from pipeline.decide import OPTIONS
from pipeline.rank import RECOMMENDATIONS

SCORE = {"ge": 0, "le": 10}
DTYPES = {"text": pl.String, "category": pl.String, "flag": pl.Boolean}  # any other kind: a number
BOUND_CHECKS = {"ge": pa.Check.ge, "gt": pa.Check.gt, "le": pa.Check.le}


def input_column(spec: Field) -> pa.Column:
    """One input column's contract: its type, whether it may be empty, its fixed bounds."""
    checks = [BOUND_CHECKS[op](value) for op, value in spec.checks.items()]
    if spec.required:
        checks.append(pa.Check.str_length(min_value=1))
    return pa.Column(DTYPES.get(spec.kind, pl.Float64), checks=checks, nullable=not spec.required)


PortfolioInput = pa.DataFrameSchema(
    {name: input_column(spec) for name, spec in FIELDS.items()},
    strict=False,
    coerce=False,
    name="PortfolioInput",
)


class ScoredPortfolio(pa.DataFrameModel):
    privacy_score: float = pa.Field(**SCORE)
    cost_score: float = pa.Field(**SCORE)
    accuracy_score: float = pa.Field(**SCORE)
    speed_score: float = pa.Field(**SCORE)
    fit_score: float = pa.Field(**SCORE)
    total_4p: float = pa.Field(ge=0, le=40)
    recommendation: str = pa.Field(isin=list(RECOMMENDATIONS))
    best_option: str = pa.Field(nullable=True, isin=list(OPTIONS))
    deployment: str = pa.Field(isin=list(DEPLOYMENTS))
    next_step: str = pa.Field(nullable=True)
    rationale: str = pa.Field(nullable=True)
    rank: int = pa.Field(ge=1, unique=True)
    rank_in_unit: int = pa.Field(ge=1)
    break_even_months: float = pa.Field(nullable=True, ge=0)

    class Config:
        strict = False
        coerce = True
