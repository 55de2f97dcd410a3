"""API cost today, break-even, net savings and ROI, as polars expressions.

Month m (1..) costs today's monthly API cost x r^(m-1), where
r = ((1 + usage growth) x (1 + API price change))^(1/12); fine-tuning costs
its monthly running cost. The cumulative sums have a closed form, so the
search for the break-even month is one expression per month over the whole
frame, never a loop over rows.
"""

from __future__ import annotations

import polars as pl


def horizon_column(cfg: dict) -> str:
    return f"net_savings_{cfg['money']['horizon_months']}m"


def _growth_factor(cfg: dict) -> pl.Expr:
    m = cfg["money"]
    usage = pl.col("usage_growth_pct").fill_null(float(m["usage_growth_pct"]))
    price = pl.col("api_price_change_pct").fill_null(float(m["api_price_change_pct"]))
    return ((1 + usage) * (1 + price)) ** (1 / 12)


def _cum_api(monthly: pl.Expr, r: pl.Expr, months: int) -> pl.Expr:
    """API cost of months 1..months: monthly x (1 + r + ... + r^(months-1))."""
    if months == 0:
        return pl.lit(0.0)
    geometric = pl.when((r - 1).abs() < 1e-12).then(pl.lit(float(months))).otherwise((r**months - 1) / (r - 1))
    return monthly * geometric


def money(frame: pl.DataFrame, cfg: dict) -> pl.DataFrame:
    """Add annual_api_cost, break_even_months, net savings, roi_pct and cost_basis.

    Needs monthly_api_cost (today's, effective) on the frame.
    """
    m = cfg["money"]
    horizon, search = m["horizon_months"], m["break_even_search_months"]
    setup = pl.col("finetune_setup_cost").fill_null(float(m["finetune_setup_cost"]))
    running = pl.col("finetune_monthly_cost").fill_null(float(m["finetune_monthly_cost"]))
    monthly = pl.col("monthly_api_cost")
    r = pl.col("__r")

    def cum_savings(months: int) -> pl.Expr:
        return _cum_api(monthly, r, months) - running * months

    crossings = []
    for month in range(1, search + 1):
        saving = monthly * r ** (month - 1) - running
        inside = ((setup - cum_savings(month - 1)) / saving).clip(0, 1)
        crossings.append(pl.when(cum_savings(month) >= setup).then(month - 1 + inside))
    break_even = (
        pl.when(monthly.is_null()).then(pl.lit(None, pl.Float64))
        .when(setup <= 0).then(pl.lit(0.0))
        .otherwise(pl.coalesce(crossings))
    )

    net_12 = cum_savings(12) - setup
    net_h = cum_savings(horizon) - setup
    spend_h = setup + running * horizon
    # With a 12-month horizon the two savings columns are one.
    nets = {"net_savings_12m": net_12, horizon_column(cfg): net_h}
    out = frame.with_columns(_growth_factor(cfg).alias("__r")).with_columns(
        (monthly * 12).alias("annual_api_cost"),
        break_even.alias("break_even_months"),
        *[e.alias(n) for n, e in nets.items()],
        pl.when(spend_h > 0).then(net_h / spend_h * 100).alias("roi_pct"),
        pl.when(pl.col("finetune_setup_cost").is_not_null() & pl.col("finetune_monthly_cost").is_not_null())
        .then(pl.lit("given"))
        .otherwise(pl.lit("assumed"))
        .alias("cost_basis"),
        setup.alias("__setup"),
        running.alias("__running"),
    )
    return out.drop("__r").with_columns(
        pl.col("api_cost_per_call").round(6),
        pl.col("monthly_api_cost", "annual_api_cost", *nets).round(2),
        pl.col("break_even_months").round(2),
        pl.col("roi_pct").round(1),
    )
