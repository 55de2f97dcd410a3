"""Today's API money, and the check that every computed amount can be reported.

``money(frame, cfg)`` adds ``annual_api_cost`` (today's monthly API cost x 12) and rounds today's
cost per call and per month: the baseline every option is compared with. The options' money
(month by month, with growth: options.py, which also holds ``api_growth``) and the recommended
option's columns (rank.best_money) come after the factor scores; each computed amount is made in
one of these three places.

``COMPUTED`` lists every computed amount and the inputs it comes from; ``overflow`` finds the rows
whose amounts are not finite or pass money.max_amount, which the run makes errors on their rows.
"""

from __future__ import annotations

import polars as pl

from pipeline.config import SHORT_HORIZON_MONTHS
from pipeline.options import OPTION_LABELS, OPTIONS


def money(frame: pl.DataFrame, cfg: dict) -> pl.DataFrame:
    """Add annual_api_cost and team_monthly_cost_total; today's API cost per call and per month rounded
    (to 6 decimals and to cents). Needs monthly_api_cost (today's, effective) on the frame."""
    return frame.with_columns(
        pl.col("api_cost_per_call").round(6),
        pl.col("monthly_api_cost").round(2),
        (pl.col("monthly_api_cost") * 12).round(2).alias("annual_api_cost"),
        (pl.col("team_size") * pl.col("team_monthly_cost")).alias("team_monthly_cost_total"),
    )


# Where an option's money comes from, for the cell an overflow error points at (the first one the
# file has): today's API and its growth, or the option's own facts first.
_API_INPUTS = ("usage_growth_pct", "api_price_change_pct", "monthly_api_cost", "monthly_calls")
_HOSTING_INPUTS = ("monthly_calls", "input_tokens", "output_tokens", "gpus", "finetune_monthly_cost", "gpu_hourly_cost",
                   "throughput_tokens_per_s", "gpu_utilisation", "team_size", "team_monthly_cost", "usage_growth_pct")
OPTION_INPUTS = {
    "api": _API_INPUTS,
    "api_optimised": (*_API_INPUTS, "alt_model", "model"),
    "provider_finetune": ("monthly_calls", "input_tokens", "output_tokens", "model", *_API_INPUTS),
    "self_host_open": _HOSTING_INPUTS,
    "self_host_finetune": _HOSTING_INPUTS,
}
# Each option's computed money (options.options' {o}__ columns) and what it is called in a problem.
OPTION_MONEY = {"one_off": "one-off cost", "monthly_first": "first month's cost",
                "monthly_horizon": "cost in month {months}", "total": "total cost over {months} months",
                "net_12": f"net savings over {SHORT_HORIZON_MONTHS} months",
                "net_h": "net savings over {months} months", "roi_pct": "ROI"}


def _option_checks() -> dict[str, tuple[str, tuple[str, ...]]]:
    out = {}
    for o in OPTIONS:
        for part, label in OPTION_MONEY.items():
            inputs = ("finetune_setup_cost",) if (o, part) == ("self_host_finetune", "one_off") else OPTION_INPUTS[o]
            out[f"{o}__{part}"] = (f"{label} of the option '{OPTION_LABELS[o]}'", inputs)
    return out


# Computed columns checked for overflow, in the order they are computed: what each is called in the
# problem, and the input columns it comes from (the first one a file has is named). The money columns
# of Ranking and Portfolio are the recommended option's (rank.best_money), so checked with its columns.
COMPUTED = {
    "api_cost_per_call": ("API cost per call", ("input_tokens", "output_tokens", "cached_input_tokens",
                                                "input_price_per_1k", "output_price_per_1k")),
    "monthly_api_cost": ("monthly API cost", ("monthly_calls", "input_tokens", "output_tokens",
                                              "input_price_per_1k", "output_price_per_1k", "monthly_api_cost")),
    "annual_api_cost": ("annual API cost", ("monthly_api_cost", "monthly_calls")),
    "team_monthly_cost_total": ("team cost", ("team_size", "team_monthly_cost")),
    **_option_checks(),
}


def computed_checks(cfg: dict) -> dict[str, tuple[str, tuple[str, ...]]]:
    """COMPUTED with this config's horizon in the labels."""
    months = cfg["money"]["horizon_months"]
    return {name: (label.format(months=months), inputs) for name, (label, inputs) in COMPUTED.items()}


def _percentage(column: str) -> bool:
    return column.endswith("roi_pct")


def overflow(frame: pl.DataFrame, cfg: dict) -> pl.DataFrame:
    """Rows whose computed amounts (COMPUTED, those on the frame) are not finite or past
    money.max_amount: __src/__row as given, __what (the first such column) and __amount (its value).

    Such a row cannot be reported (nor ranked); the caller makes it an error on its row.
    A percentage (ROI) only has to be finite.
    """
    most = float(cfg["money"]["max_amount"])
    checks = [c for c in computed_checks(cfg) if c in frame.columns]
    keys = [c for c in ("__src", "__row") if c in frame.columns]

    def bad(c: str) -> pl.Expr:
        x = pl.col(c).cast(pl.Float64)
        out = x.is_finite().not_() if _percentage(c) else x.is_finite().not_() | (x.abs() > most)
        return out.fill_null(False)

    what = pl.when(pl.lit(False)).then(pl.lit(None, pl.String))
    amount = pl.when(pl.lit(False)).then(pl.lit(None, pl.Float64))
    for c in checks:
        what = what.when(bad(c)).then(pl.lit(c))
        amount = amount.when(bad(c)).then(pl.col(c).cast(pl.Float64))
    # the few bad rows first (one pass over the columns), then which column and amount, on them only
    rows = frame.select(*keys, *checks).filter(pl.any_horizontal([bad(c) for c in checks])) if checks else frame.clear()
    return rows.select(*keys, what.alias("__what"), amount.alias("__amount"))
