"""What Summary, the --json summary and the run's closing line say about the whole portfolio.

Pure functions over the ranked frame (no file I/O, no workbook):
- ``by_recommendation``: per recommendation, in ``[ranking] order``, the use cases, today's monthly API
  spend and the recommended option's net savings over the horizon (SPEC §5, §7);
- ``lacking`` / ``insufficient_line``: how many rows are Insufficient data, how many of them lack
  each factor and which inputs would give it (SPEC §4 step 1), the inputs named from
  ``fields.FIELDS`` (``score.FACTOR_INPUTS``).
"""

from __future__ import annotations

import polars as pl

from pipeline.config import horizon_column
from pipeline.rank import INSUFFICIENT, NO_MONEY
from pipeline.score import FACTOR_INPUTS, FACTORS

SPEND, SAVINGS = "monthly_api_cost", "net_savings"


def inputs() -> tuple[str, ...]:
    """The ranked frame's columns this module reads beyond the shown ones (run.shown_columns keeps them)."""
    return tuple(f"{f}_has_data" for f in FACTORS)


def _known_sum(column: str) -> pl.Expr:
    """The sum of a column over a group; null where none of its rows has a value (an unknown sum is not
    $0; a recommendation without rows gets its 0 from by_recommendation's join)."""
    return pl.when(pl.col(column).is_not_null().any()).then(pl.col(column).sum())


def by_recommendation(ranking: pl.DataFrame, cfg: dict) -> pl.DataFrame:
    """One row per recommendation, in ``[ranking] order``, those without use cases too: recommendation,
    use_cases, monthly_api_cost (today's spend) and net_savings (the recommended option's over the
    horizon; null for the recommendations that change nothing, whose money columns are empty)."""
    horizon = horizon_column(cfg)
    order = pl.DataFrame({"recommendation": cfg["ranking"]["order"]})
    grouped = ranking.lazy().group_by("recommendation").agg(
        pl.len().alias("use_cases"), _known_sum(SPEND).alias(SPEND), _known_sum(horizon).alias(SAVINGS))
    none = pl.col("use_cases").is_null()  # a recommendation no row has: 0 use cases, $0
    money = ~pl.col("recommendation").is_in(NO_MONEY)
    return (order.lazy().join(grouped, on="recommendation", how="left", maintain_order="left")
            .select("recommendation", pl.col("use_cases").fill_null(0).cast(pl.Int64),
                    pl.when(none).then(0.0).otherwise(pl.col(SPEND)).cast(pl.Float64).alias(SPEND),
                    pl.when(money).then(pl.when(none).then(0.0).otherwise(pl.col(SAVINGS)))
                    .cast(pl.Float64).alias(SAVINGS))
            .with_columns(pl.col(SPEND, SAVINGS).round(2))  # sums of cents, without a float's tail
            .collect())


def totals(table: pl.DataFrame) -> dict:
    """The whole portfolio's use cases, monthly API spend and net savings (of the changes recommended)."""
    return {"use_cases": int(table["use_cases"].sum()), SPEND: round(float(table[SPEND].sum() or 0), 2),
            SAVINGS: round(float(table[SAVINGS].sum() or 0), 2)}


def lacking(ranking: pl.DataFrame) -> dict:
    """{"rows": Insufficient data rows, "lacking": {factor: those rows without its data}}, the factors
    most lacking first (ties: FACTORS order), those no row lacks left out."""
    counts = ranking.lazy().filter(pl.col("recommendation") == INSUFFICIENT).select(
        pl.len().alias("rows"), *[(~pl.col(f"{f}_has_data").fill_null(False)).sum().alias(f) for f in FACTORS],
    ).collect().row(0, named=True)
    ordered = sorted(FACTORS, key=lambda f: (-counts[f], FACTORS.index(f)))
    return {"rows": counts["rows"], "lacking": {f: counts[f] for f in ordered if counts[f]}}


def insufficient_line(facts: dict) -> str | None:
    """'447 rows are Insufficient data: 447 lack cost (give ...); 440 lack accuracy (give ...)'; None
    where no row is."""
    n = facts["rows"]
    if not n:
        return None
    parts = [f"{k:,} lack{'s' if k == 1 else ''} {f} (give {FACTOR_INPUTS[f]})" for f, k in facts["lacking"].items()]
    return f"{n:,} {'row is' if n == 1 else 'rows are'} {INSUFFICIENT}: " + "; ".join(parts)
