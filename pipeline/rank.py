"""The decision (fit score, recommendation, rationale) and the ranking."""

from __future__ import annotations

import polars as pl

from pipeline.money import horizon_column
from pipeline.score import FACTORS, number_text

FINE_TUNE, EVALUATE, KEEP = "Fine-tune", "Evaluate", "Keep prompting"
RECOMMENDATIONS = (FINE_TUNE, EVALUATE, KEEP)
SEPARATOR = " · "


def decide(frame: pl.DataFrame, cfg: dict) -> pl.DataFrame:
    """Add fit_score, total_4p, recommendation and rationale."""
    w, d = cfg["weights"], cfg["decision"]
    decimals = cfg["output"]["score_decimals"]
    fit = pl.sum_horizontal([pl.col(f"{f}_score") * w[f] for f in FACTORS]).round(decimals)
    total = pl.sum_horizontal([pl.col(f"{f}_score") for f in FACTORS]).round(decimals)
    recommendation = (
        pl.when((pl.col("fit_score") >= d["finetune_fit_score"]) | (pl.col("privacy_score") >= d["finetune_privacy_score"]))
        .then(pl.lit(FINE_TUNE))
        .when((pl.col("fit_score") >= d["evaluate_fit_score"]) | (pl.col("monthly_api_cost") >= d["evaluate_monthly_api_cost"]))
        .then(pl.lit(EVALUATE))
        .otherwise(pl.lit(KEEP))
    )
    return frame.with_columns(fit.alias("fit_score"), total.alias("total_4p")).with_columns(
        recommendation.alias("recommendation"), rationale(cfg).alias("rationale")
    )


def rationale(cfg: dict) -> pl.Expr:
    """'privacy 10 (HIPAA) · cost 5 ($12,000/mo) · breaks even in 2.5 months'."""
    floor = cfg["output"]["driver_min_score"]
    drivers = []
    for f in FACTORS:
        score, why = pl.col(f"{f}_score"), pl.col(f"__{f}_why")
        text = pl.lit(f"{f} ") + number_text(score) + pl.when(why.is_not_null()).then(
            pl.lit(" (") + why + pl.lit(")")
        ).otherwise(pl.lit(""))
        drivers.append(pl.when(score >= floor).then(text))
    no_driver = pl.when(pl.all_horizontal([pl.col(f"{f}_score") < floor for f in FACTORS])).then(
        pl.lit("no strong driver")
    )
    payback = (
        pl.when(pl.col("monthly_api_cost").is_null()).then(pl.lit("API cost unknown"))
        .when(pl.col("break_even_months").is_null()).then(pl.lit("never breaks even"))
        .otherwise(pl.lit("breaks even in ") + number_text(pl.col("break_even_months")) + pl.lit(" months"))
    )
    missing = [pl.when(pl.col(f"__{f}_known").not_()).then(pl.lit(f)) for f in FACTORS]
    no_data = pl.when(pl.any_horizontal([pl.col(f"__{f}_known").not_() for f in FACTORS])).then(
        pl.lit("no data: ") + pl.concat_str(missing, separator=", ", ignore_nulls=True)
    )
    return pl.concat_str([*drivers, no_driver, payback, no_data], separator=SEPARATOR, ignore_nulls=True)


def rank(frame: pl.DataFrame, cfg: dict, key: str) -> pl.DataFrame:
    """Add rank and rank_in_unit; the frame comes back sorted by rank.

    Order: fit_score (high first), net savings over the horizon (high first),
    break_even_months (soon first), then the key (use case id or row).
    """
    ordered = frame.sort(
        ["fit_score", horizon_column(cfg), "break_even_months", key],
        descending=[True, True, False, False],
        nulls_last=True,
        maintain_order=True,
    )
    return ordered.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("rank")).with_columns(
        pl.col("rank").rank("ordinal").over(pl.col("business_unit").fill_null("")).cast(pl.Int64).alias("rank_in_unit")
    )
