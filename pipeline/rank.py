"""The decision (fit score, recommendation, rationale) and the ranking."""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from operator import or_

import polars as pl

from pipeline.config import SHORT_HORIZON_MONTHS
from pipeline.money import horizon_column
from pipeline.score import FACTORS, number_text

FINE_TUNE, EVALUATE, KEEP = "Fine-tune", "Evaluate", "Keep prompting"
RECOMMENDATIONS = (FINE_TUNE, EVALUATE, KEEP)
SEPARATOR = " · "

# The decision rule, the one place it is written: the first branch one of whose tests holds gives
# the recommendation, and none gives OTHERWISE. A test is (what it reads, the [decision] key of its
# threshold) and holds when that value is at or above the threshold (a missing value: never).
# decide, stability and explain all read it; what_would_change inverts it.
FIT, PRIVACY, SPEND = "fit", "privacy", "spend"  # fit score, privacy score, monthly API spend
RULE: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (FINE_TUNE, ((FIT, "finetune_fit_score"), (PRIVACY, "finetune_privacy_score"))),
    (EVALUATE, ((FIT, "evaluate_fit_score"), (SPEND, "evaluate_monthly_api_cost"))),
)
OTHERWISE = KEEP


def threshold(decision: dict, recommendation: str, reads: str) -> float:
    """The threshold of the test of ``recommendation``'s branch that reads ``reads``.

    >>> threshold({"evaluate_fit_score": 5, "evaluate_monthly_api_cost": 5000}, EVALUATE, SPEND)
    5000
    """
    return decision[dict(dict(RULE)[recommendation])[reads]]


def recommend(fit: pl.Expr, privacy: pl.Expr, spend: pl.Expr, decision: dict,
              value: Callable[[str], pl.Expr] = pl.lit) -> pl.Expr:
    """The recommendation by RULE as an expression over the three inputs, ``value(recommendation)``
    in each branch (the name by default; stability passes a small integer code)."""
    reads = {FIT: fit, PRIVACY: privacy, SPEND: spend}
    chain = pl  # pl.when for the first branch, then .when on the chain
    for recommendation, tests in RULE:
        holds = reduce(or_, [reads[name] >= decision[key] for name, key in tests])
        chain = chain.when(holds).then(value(recommendation))
    return chain.otherwise(value(OTHERWISE))


def branch(values: dict, decision: dict) -> tuple[str, tuple[str, str] | None]:
    """(recommendation, the test that gave it: (what it reads, threshold key), None for OTHERWISE)
    by RULE for plain values (``{FIT: .., PRIVACY: .., SPEND: ..}``; None is missing).

    >>> d = {"finetune_fit_score": 7, "finetune_privacy_score": 9,
    ...      "evaluate_fit_score": 5, "evaluate_monthly_api_cost": 5000}
    >>> branch({FIT: 7.5, PRIVACY: 2, SPEND: 100.0}, d)
    ('Fine-tune', ('fit', 'finetune_fit_score'))
    >>> branch({FIT: 3, PRIVACY: 9, SPEND: None}, d)
    ('Fine-tune', ('privacy', 'finetune_privacy_score'))
    >>> branch({FIT: 3, PRIVACY: 2, SPEND: 5000.0}, d)
    ('Evaluate', ('spend', 'evaluate_monthly_api_cost'))
    >>> branch({FIT: 4.99, PRIVACY: 8.99, SPEND: None}, d)
    ('Keep prompting', None)
    """
    for recommendation, tests in RULE:
        for name, key in tests:
            if values[name] is not None and values[name] >= decision[key]:
                return recommendation, (name, key)
    return OTHERWISE, None


def decide(frame: pl.DataFrame, cfg: dict) -> pl.DataFrame:
    """Add fit_score, total_4p, recommendation and rationale."""
    w, d = cfg["weights"], cfg["decision"]
    decimals = cfg["output"]["score_decimals"]
    fit = pl.sum_horizontal([pl.col(f"{f}_score") * w[f] for f in FACTORS]).round(decimals)
    total = pl.sum_horizontal([pl.col(f"{f}_score") for f in FACTORS]).round(decimals)
    recommendation = recommend(pl.col("fit_score"), pl.col("privacy_score"), pl.col("monthly_api_cost"), d)
    return frame.with_columns(fit.alias("fit_score"), total.alias("total_4p")).with_columns(
        recommendation.alias("recommendation"), rationale(cfg).alias("rationale")
    ).with_columns(what_would_change(cfg).alias("what_would_change"))


def min_spend_for_cost_score(target: pl.Expr, anchors: list[list[float]]) -> pl.Expr:
    """The least monthly API spend whose cost score reaches ``target`` (null when none does).

    The inverse of the cost curve, which rises (or stays flat) between anchor points.
    """
    pts = sorted((float(a), float(b)) for a, b in anchors)
    expr = pl.when(target.is_null() | (target > max(y for _, y in pts) + 1e-9)).then(pl.lit(None, pl.Float64))
    expr = expr.when(target <= pts[0][1]).then(pl.lit(0.0))
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        if y1 > y0:
            expr = expr.when(target <= y1).then(pl.lit(x0) + (target - y0) / (y1 - y0) * (x1 - x0))
    return expr.otherwise(pl.lit(None, pl.Float64))


def _round_up(x: pl.Expr) -> pl.Expr:
    """Up to three significant digits: 60,412 -> 60,500; 1,234 -> 1,240."""
    step = pl.lit(10.0) ** (x.abs().log10().floor() - 2).clip(lower_bound=0)
    return (x / step).ceil() * step


def what_would_change(cfg: dict) -> pl.Expr:
    """One line: the smallest change in volume (or spend) that flips the decision, and the setup
    cost under which fine-tuning breaks even within SHORT_HORIZON_MONTHS (12) months."""
    from pipeline.score import usd_text

    w, d = cfg["weights"], cfg["decision"]
    anchors = cfg["cost"]["anchors"]
    fit, cost_score = pl.col("fit_score"), pl.col("cost_score")
    others = fit - w["cost"] * cost_score
    per_call = pl.col("api_cost_per_call")

    def needed(score_needed: pl.Expr) -> pl.Expr:
        return min_spend_for_cost_score(score_needed, anchors) if w["cost"] > 0 else pl.lit(None, pl.Float64)

    spend_ft = needed((threshold(d, FINE_TUNE, FIT) - others) / w["cost"] if w["cost"] > 0 else pl.lit(None))
    spend_ev = pl.min_horizontal(
        needed((threshold(d, EVALUATE, FIT) - others) / w["cost"] if w["cost"] > 0 else pl.lit(None)),
        pl.lit(float(threshold(d, EVALUATE, SPEND))),
    )

    def volume(spend: pl.Expr, verb: str) -> pl.Expr:
        calls = _round_up(spend / per_call)
        by_calls = pl.lit(f"if monthly calls {verb} ") + usd_text(calls).str.strip_prefix("$")
        by_spend = pl.lit(f"if monthly API spend {verb} ") + usd_text(_round_up(spend))
        return pl.when(per_call > 0).then(by_calls).otherwise(by_spend)

    rec = pl.col("recommendation")
    privacy_rule = pl.col("privacy_score") >= threshold(d, FINE_TUNE, PRIVACY)
    change = (
        pl.when((rec == FINE_TUNE) & privacy_rule)
        .then(pl.lit(f"Fine-tune at any volume while privacy is {threshold(d, FINE_TUNE, PRIVACY):g} or more"))
        .when((rec == FINE_TUNE) & spend_ft.is_not_null() & (spend_ft > 0))
        .then(pl.lit("Evaluate instead ") + volume(spend_ft, "fall below"))
        .when(rec == FINE_TUNE)
        .then(pl.lit("Fine-tune at any volume: the other factors carry the fit score"))
        .when((rec != FINE_TUNE) & spend_ft.is_not_null())
        .then(pl.lit("Fine-tune ") + volume(spend_ft, "reach"))
        .when((rec == KEEP) & spend_ev.is_not_null())
        .then(pl.lit("Evaluate ") + volume(spend_ev, "reach"))
        .when(rec != FINE_TUNE)
        .then(pl.lit(f"Fine-tune only if privacy reaches {threshold(d, FINE_TUNE, PRIVACY):g}"))
    )
    payback = pl.when(pl.col("__cum12") > 0).then(
        pl.lit(f"breaks even within {SHORT_HORIZON_MONTHS} months at a setup cost under ") + usd_text(pl.col("__cum12"))
    ).when(pl.col("monthly_api_cost").is_not_null()).then(
        pl.lit(f"no setup cost breaks even within {SHORT_HORIZON_MONTHS} months"))
    return pl.concat_str([change, payback], separator=SEPARATOR, ignore_nulls=True)


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
    order = frame.select(pl.arg_sort_by(
        ["fit_score", horizon_column(cfg), "break_even_months", key],
        descending=[True, True, False, False],
        nulls_last=True,
        maintain_order=True,
    )).to_series()
    # Sorted column by column, each unsorted column let go as soon as its sorted copy exists:
    # a whole-frame sort holds two copies of a wide frame (~700 MB more at 1M rows).
    columns = frame.get_columns()
    del frame
    for i, column in enumerate(columns):
        columns[i] = column.gather(order)
        del column
    ordered = pl.DataFrame(columns)
    del columns
    return ordered.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("rank")).with_columns(
        pl.col("rank").rank("ordinal").over(pl.col("business_unit").fill_null("")).cast(pl.Int64).alias("rank_in_unit")
    )
