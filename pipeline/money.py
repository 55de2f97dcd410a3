"""API cost today, break-even, net savings and ROI, as polars expressions.

Month m (1..) costs today's monthly API cost x r^(m-1), where
r = ((1 + usage growth) x (1 + API price change))^(1/12); fine-tuning costs
its monthly running cost. The cumulative sums have a closed form, so the
search for the break-even month is one expression per month over the whole
frame, never a loop over rows.
"""

from __future__ import annotations

import polars as pl

from pipeline.config import SHORT_HORIZON_MONTHS, horizon_column  # noqa: F401 (money.horizon_column)
from pipeline.options import api_growth


def _cum_api(monthly: pl.Expr, r: pl.Expr, months: int) -> pl.Expr:
    """API cost of months 1..months: monthly x (1 + r + ... + r^(months-1))."""
    if months == 0:
        return pl.lit(0.0)
    geometric = pl.when((r - 1).abs() < 1e-12).then(pl.lit(float(months))).otherwise((r**months - 1) / (r - 1))
    return monthly * geometric


def gpus_needed(cfg: dict) -> pl.Expr:
    """GPUs given, or ceil(tokens per second at peak / (throughput x utilisation))."""
    h = cfg["hosting"]
    seconds = h["hours_per_month"] * 3600
    peak_tps = (
        pl.col("monthly_calls") * (pl.col("input_tokens") + pl.col("output_tokens")) / seconds * h["peak_factor"]
    )
    usable = pl.col("throughput_tokens_per_s") * pl.col("gpu_utilisation").fill_null(float(h["gpu_utilisation"]))
    estimate = (peak_tps / usable).ceil().clip(lower_bound=1)
    return pl.coalesce(pl.col("gpus"), estimate)


def hosting_estimate(cfg: dict) -> pl.Expr:
    """Monthly cost of serving the fine-tuned model from GPU facts; null without them."""
    h = cfg["hosting"]
    gpu_cost = gpus_needed(cfg) * pl.col("gpu_hourly_cost") * h["hours_per_month"]
    return gpu_cost * (1 + h["maintenance_share"]) + h["monitoring_monthly_cost"]


def latency_unmet() -> pl.Expr:
    """Seconds one call takes to generate its output at one GPU's throughput, where over max_latency_s."""
    seconds = pl.col("output_tokens") / pl.col("throughput_tokens_per_s")
    return pl.when(seconds > pl.col("max_latency_s")).then(seconds)


def _running(cfg: dict, estimate: pl.Expr) -> pl.Expr:
    """The monthly running cost of fine-tuning: the row's, else the hosting estimate, else the
    default; plus the team's cost where given."""
    team = pl.col("team_size") * pl.col("team_monthly_cost")
    given = pl.coalesce(pl.col("finetune_monthly_cost"), estimate, pl.lit(float(cfg["money"]["finetune_monthly_cost"])))
    return given + team.fill_null(0.0)


def _cost_basis(estimate: pl.Expr) -> pl.Expr:
    """'given', 'estimated' (from GPU facts) or 'assumed' (a default used)."""
    return (
        pl.when(pl.col("finetune_setup_cost").is_null()).then(pl.lit("assumed"))
        .when(pl.col("finetune_monthly_cost").is_not_null()).then(pl.lit("given"))
        .when(estimate.is_not_null()).then(pl.lit("estimated"))
        .otherwise(pl.lit("assumed"))
    )


def money(frame: pl.DataFrame, cfg: dict) -> pl.DataFrame:
    """Add annual_api_cost, break_even_months, net savings, roi_pct and cost_basis.

    Needs monthly_api_cost (today's, effective) on the frame. The running cost
    of fine-tuning is the row's finetune_monthly_cost, else a hosting estimate
    from its GPU facts, else the default; plus the team's cost where given.
    """
    m = cfg["money"]
    horizon = m["horizon_months"]
    setup = pl.col("finetune_setup_cost").fill_null(float(m["finetune_setup_cost"]))
    estimate = hosting_estimate(cfg)
    running = _running(cfg, estimate)
    monthly = pl.col("monthly_api_cost")

    def cum_savings(months: int) -> pl.Expr:
        return _cum_api(monthly, pl.col("__r"), months) - running * months

    net_h = cum_savings(horizon) - setup
    spend_h = setup + running * horizon
    # With a 12-month horizon the two savings columns are one.
    nets = {"net_savings_12m": cum_savings(SHORT_HORIZON_MONTHS) - setup, horizon_column(cfg): net_h}
    out = frame.with_columns(api_growth(cfg).alias("__r")).with_columns(
        (monthly * 12).alias("annual_api_cost"),
        *[e.alias(n) for n, e in nets.items()],
        pl.when(spend_h > 0).then(net_h / spend_h * 100).alias("roi_pct"),
        _cost_basis(estimate).alias("cost_basis"),
        pl.when(pl.col("finetune_monthly_cost").is_null()).then(estimate).alias("hosting_estimate"),
        pl.when(pl.col("finetune_monthly_cost").is_null() & estimate.is_not_null()).then(gpus_needed(cfg)).alias("gpus_needed"),
        (pl.col("team_size") * pl.col("team_monthly_cost")).alias("team_monthly_cost_total"),
        latency_unmet().alias("__latency_unmet"),
        cum_savings(SHORT_HORIZON_MONTHS).alias("__cum12"),
        setup.alias("__setup"),
        running.alias("__running"),
    )
    out = out.with_columns(
        break_even_months(out.get_column("monthly_api_cost"), out.get_column("__r"), out.get_column("__setup"),
                          out.get_column("__running"), m["break_even_search_months"])
    )
    return out.drop("__r").with_columns(
        pl.col("api_cost_per_call").round(6),
        pl.col("monthly_api_cost", "annual_api_cost", *nets).round(2),
        pl.col("break_even_months").round(2),
        pl.col("roi_pct").round(1),
    )


def break_even_months(monthly: pl.Series, r: pl.Series, setup: pl.Series, running: pl.Series,
                      search: int) -> pl.Series:
    """When cumulative savings first cover the setup cost, interpolated inside the month
    (m - 1 + what is still uncovered / savings of month m); null when not within `search` months.

    One pass over the months with whole-column arithmetic (never a loop over rows); it stops
    as soon as no row is still searching. A row whose savings are not positive and cannot
    grow (no growth, falling prices) stops searching at once.
    """
    f = pl.DataFrame({"api": monthly, "r": r, "setup": setup, "running": running}).with_columns(
        pl.lit(0.0).alias("cum"),
        pl.when(pl.col("api").is_null()).then(pl.lit(None, pl.Float64))
        .when(pl.col("setup") <= 0).then(pl.lit(0.0)).alias("found"),
        (pl.col("api").is_not_null() & (pl.col("setup") > 0)).alias("open"),
    )
    for m in range(1, search + 1):
        saving = pl.col("api") - pl.col("running")
        hit = pl.col("open") & (pl.col("cum") + saving >= pl.col("setup"))
        f = f.with_columns(
            pl.when(hit).then(m - 1 + ((pl.col("setup") - pl.col("cum")) / saving).clip(0, 1))
            .otherwise(pl.col("found")).alias("found"),
            (pl.col("open") & hit.not_() & ((saving > 0) | (pl.col("r") > 1))).alias("open"),
            (pl.col("cum") + saving).alias("cum"),
            (pl.col("api") * pl.col("r")).alias("api"),
        )
        if not f.get_column("open").any():
            break
    return f.get_column("found").alias("break_even_months")


def schedule(scored: pl.DataFrame, cfg: dict, months: list[int]) -> pl.DataFrame:
    """Month by month for scored rows (needs __setup and __running from money()): API cost,
    fine-tuned running cost, savings and cumulative net (after the setup cost) for each month."""
    frame = scored.with_columns(api_growth(cfg).alias("__r"))
    monthly, r, running, setup = pl.col("monthly_api_cost"), pl.col("__r"), pl.col("__running"), pl.col("__setup")
    parts = []
    for m in months:
        parts.append(frame.select(
            pl.lit(m).alias("month"),
            (monthly * r ** (m - 1)).alias("api_cost"),
            running.alias("finetuned_cost"),
            (monthly * r ** (m - 1) - running).alias("savings"),
            (_cum_api(monthly, r, m) - running * m - setup).alias("cumulative_net"),
        ))
    return pl.concat(parts)


# Computed columns checked for overflow, in the order they are computed: what each is called
# in the problem, and the input columns it comes from (the first one a file has is named).
COMPUTED = {
    "api_cost_per_call": ("API cost per call", ("input_tokens", "output_tokens", "cached_input_tokens",
                                                "input_price_per_1k", "output_price_per_1k")),
    "monthly_api_cost": ("monthly API cost", ("monthly_calls", "input_tokens", "output_tokens",
                                              "input_price_per_1k", "output_price_per_1k", "monthly_api_cost")),
    "annual_api_cost": ("annual API cost", ("monthly_api_cost", "monthly_calls")),
    "gpus_needed": ("number of GPUs needed", ("monthly_calls", "throughput_tokens_per_s", "gpu_utilisation", "gpus")),
    "hosting_estimate": ("hosting estimate", ("gpus", "gpu_hourly_cost", "monthly_calls", "throughput_tokens_per_s")),
    "team_monthly_cost_total": ("team cost", ("team_size", "team_monthly_cost")),
    "__running": ("monthly running cost", ("finetune_monthly_cost", "gpu_hourly_cost", "team_monthly_cost")),
    "__setup": ("setup cost", ("finetune_setup_cost",)),
    "net_savings_12m": (f"net savings over {SHORT_HORIZON_MONTHS} months", ("usage_growth_pct", "api_price_change_pct",
                                                       "monthly_api_cost", "monthly_calls")),
    "{horizon}": ("net savings over {months} months", ("usage_growth_pct", "api_price_change_pct",
                                                      "monthly_api_cost", "monthly_calls")),
    "roi_pct": ("ROI", ("usage_growth_pct", "api_price_change_pct", "monthly_api_cost", "monthly_calls")),
}


def computed_checks(cfg: dict) -> dict[str, tuple[str, tuple[str, ...]]]:
    """COMPUTED with this config's horizon column."""
    months = cfg["money"]["horizon_months"]
    out = {}
    for name, (label, inputs) in COMPUTED.items():
        out[name.format(horizon=horizon_column(cfg))] = (label.format(months=months), inputs)
    return out


def overflow(frame: pl.DataFrame, cfg: dict) -> pl.DataFrame:
    """Rows of money()'s frame whose computed amounts are not finite or past money.max_amount:
    __src/__row as given, __what (the first such column) and __amount (its value).

    Such a row cannot be reported (nor ranked); the caller makes it an error on its row.
    A percentage (roi_pct) only has to be finite.
    """
    most = float(cfg["money"]["max_amount"])
    checks = [c for c in computed_checks(cfg) if c in frame.columns]
    keys = [c for c in ("__src", "__row") if c in frame.columns]

    def bad(c: str) -> pl.Expr:
        x = pl.col(c).cast(pl.Float64)
        out = x.is_finite().not_() if c == "roi_pct" else x.is_finite().not_() | (x.abs() > most)
        return out.fill_null(False)

    what = pl.when(pl.lit(False)).then(pl.lit(None, pl.String))
    amount = pl.when(pl.lit(False)).then(pl.lit(None, pl.Float64))
    for c in checks:
        what = what.when(bad(c)).then(pl.lit(c))
        amount = amount.when(bad(c)).then(pl.col(c).cast(pl.Float64))
    return frame.select(*keys, what.alias("__what"), amount.alias("__amount")).filter(pl.col("__what").is_not_null())
