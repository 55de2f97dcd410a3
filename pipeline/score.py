"""The four factor scores (0-10) as polars expressions.

No I/O and no numbers of its own: every anchor point, threshold and default
comes from the config. Each factor also yields a short reason (what drove
it) and whether the row had any data for it.
"""

from __future__ import annotations

import math

import polars as pl

from pipeline.fields import FIELDS, factor_fields

FACTORS = ("privacy", "cost", "accuracy", "speed")


def piecewise(x: pl.Expr, points: list[list[float]]) -> pl.Expr:
    """Linear between anchor points (sorted by x), clamped at both ends; null stays null."""
    pts = sorted((float(a), float(b)) for a, b in points)
    expr = pl.when(x.is_null()).then(pl.lit(None, pl.Float64)).when(x <= pts[0][0]).then(pl.lit(pts[0][1]))
    for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
        expr = expr.when(x <= x1).then(pl.lit(y0) + (x - x0) * ((y1 - y0) / (x1 - x0)))
    return expr.otherwise(pl.lit(pts[-1][1]))


def number_text(x: pl.Expr, decimals: int = 1) -> pl.Expr:
    """7.0 -> '7', 2.46 -> '2.5'."""
    return x.round(decimals).cast(pl.String).str.replace(r"\.0+$", "")


def thousands_text(x: pl.Expr) -> pl.Expr:
    """|x| as a whole number with thousands separators: 1234567.4 -> '1,234,567'; past whole-number
    range as polars writes floats ('2e31'), never an error (the overflow check reports such rows)."""
    whole = x.abs().round(0).cast(pl.Int64, strict=False)
    digits = (
        whole.cast(pl.String)
        .str.reverse().str.replace_all(r"(\d{3})", "$1,").str.strip_suffix(",").str.reverse()
    )
    return pl.when(whole.is_not_null()).then(digits).otherwise(x.abs().cast(pl.String))


def usd_text(x: pl.Expr) -> pl.Expr:
    """12000.4 -> '$12,000'; -500 -> '-$500'; -0.4 -> '$0' (the sign of what is shown)."""
    return pl.when(x.round(0) < 0).then(pl.lit("-$")).otherwise(pl.lit("$")) + thousands_text(x)


def pct_text(x: pl.Expr) -> pl.Expr:
    return number_text(x * 100, 1) + pl.lit("%")


def _first_reason(score: pl.Expr, candidates: list[tuple[pl.Expr, pl.Expr]]) -> pl.Expr:
    """The label of the first candidate whose score equals the factor's score."""
    expr = pl.when(pl.lit(False)).then(pl.lit(None, pl.String))
    for cand_score, label in candidates:
        expr = expr.when(cand_score == score).then(label)
    return expr.otherwise(pl.lit(None, pl.String))


def _flag_score(flag: str, value: float) -> pl.Expr:
    return pl.when(pl.col(flag)).then(pl.lit(float(value))).when(pl.col(flag).not_()).then(pl.lit(0.0))


def privacy(cfg: dict) -> dict[str, pl.Expr]:
    p = cfg["privacy"]
    regs = pl.col("regulations").str.strip_chars()
    named = regs.is_not_null() & regs.str.to_lowercase().is_in([v.lower() for v in p["no_regulation"]]).not_()
    parts = {
        "regulation": (
            pl.when(named).then(pl.lit(float(p["named_regulation"])))
            .when(regs.is_not_null()).then(pl.lit(0.0)),
            regs,
        ),
        "sensitivity": (
            pl.col("data_sensitivity").replace_strict(
                {k: float(v) for k, v in p["sensitivity"].items()}, default=None, return_dtype=pl.Float64
            ),
            pl.col("data_sensitivity") + pl.lit(" data"),
        ),
        "pii": (_flag_score("contains_pii", p["contains_pii"]), pl.lit("PII")),
        "residency": (_flag_score("data_residency", p["data_residency"]), pl.lit("data residency")),
        "trade": (_flag_score("trade_secrets", p["trade_secrets"]), pl.lit("trade secrets")),
    }
    derived = pl.max_horizontal([s for s, _ in parts.values()])
    return _combine("privacy", derived, list(parts.values()), cfg)


def api_cost_per_call(rates: tuple[pl.Expr, pl.Expr, pl.Expr] | None = None,
                      tokens: tuple[pl.Expr, pl.Expr, pl.Expr] | None = None) -> pl.Expr:
    """Input tokens (cached ones at the cached rate, else the input rate) and output tokens, per 1K.

    ``rates`` are (input, cached input, output) USD per 1K, ``tokens`` (input, cached input, output)
    per call: the row's own columns unless given (prices.option_prices prices other models with it).
    """
    if rates is None:
        given = pl.col("input_price_per_1k")
        rates = (given, pl.coalesce(pl.col("cached_input_price_per_1k"), given), pl.col("output_price_per_1k"))
    prompt, cached, output = tokens or (pl.col("input_tokens"), pl.col("cached_input_tokens"), pl.col("output_tokens"))
    input_rate, cached_rate, output_rate = rates
    cached = cached.fill_null(0.0)
    fresh = (prompt - cached).clip(lower_bound=0)
    return (
        fresh * input_rate / 1000
        + pl.min_horizontal(cached, prompt) * cached_rate / 1000
        + output * output_rate / 1000
    )


def monthly_api_cost() -> pl.Expr:
    """The given monthly cost wins over the one computed from calls and tokens."""
    return pl.coalesce(pl.col("monthly_api_cost"), pl.col("monthly_calls") * api_cost_per_call())


def cost(cfg: dict) -> dict[str, pl.Expr]:
    monthly = monthly_api_cost()
    derived = piecewise(monthly, cfg["cost"]["anchors"])
    return _combine("cost", derived, [(derived, usd_text(monthly) + pl.lit("/mo"))], cfg)


def _breach(amount_over: pl.Expr, full: float, a: dict) -> pl.Expr:
    """breach_score just past the threshold, rising linearly to max_score at `full` past it."""
    share = (amount_over / full).clip(0, 1)
    return pl.lit(float(a["breach_score"])) + share * (a["max_score"] - a["breach_score"])


def target_accuracy(cfg: dict) -> pl.Expr:
    a = cfg["accuracy"]
    by_industry = pl.col("industry").replace_strict(
        {k.lower(): float(v) for k, v in a["targets"].items()}, default=float(a["default_target"]),
        return_dtype=pl.Float64,
    )
    return pl.coalesce(pl.col("target_accuracy"), by_industry)


def accuracy(cfg: dict) -> dict[str, pl.Expr]:
    a = cfg["accuracy"]
    current, target = pl.col("current_accuracy"), target_accuracy(cfg)
    crit, edge = pl.col("critical_error_rate"), pl.col("edge_case_error_rate")
    gap = (
        pl.when(current < target).then(_breach(target - current, a["accuracy_gap_full"], a))
        .when(current.is_not_null()).then(pl.lit(0.0))
    )
    crit_lo, crit_hi = a["critical_error_threshold"], a["critical_error_full"]
    edge_lo, edge_hi = a["edge_case_error_threshold"], a["edge_case_error_full"]
    crit_score = (
        pl.when(crit > crit_lo).then(_breach(crit - crit_lo, crit_hi - crit_lo, a))
        .when(crit.is_not_null()).then(pl.lit(0.0))
    )
    edge_score = (
        pl.when(edge > edge_lo).then(_breach(edge - edge_lo, edge_hi - edge_lo, a))
        .when(edge.is_not_null()).then(pl.lit(0.0))
    )
    parts = [
        (gap, pct_text(current) + pl.lit(" vs ") + pct_text(target) + pl.lit(" target")),
        (crit_score, pct_text(crit) + pl.lit(" critical errors")),
        (edge_score, pct_text(edge) + pl.lit(" edge-case errors")),
    ]
    derived = pl.max_horizontal([s for s, _ in parts])
    return _combine("accuracy", derived, parts, cfg)


def speed(cfg: dict) -> dict[str, pl.Expr]:
    s = cfg["speed"]
    by_class = pl.col("latency_class").replace_strict(
        {k: float(v) for k, v in s["latency_class"].items()}, default=None, return_dtype=pl.Float64
    )
    log_points = [[math.log10(x), y] for x, y in s["latency_anchors"]]
    by_time = piecewise(pl.col("max_latency_s").log(10), log_points)
    parts = [(by_class, pl.col("latency_class")), (by_time, number_text(pl.col("max_latency_s"), 2) + pl.lit(" s"))]
    derived = pl.max_horizontal(by_class, by_time)
    return _combine("speed", derived, parts, cfg)


def _combine(factor: str, derived: pl.Expr, parts: list[tuple[pl.Expr, pl.Expr]], cfg: dict) -> dict[str, pl.Expr]:
    """A score given directly wins; no data at all scores the default and is flagged."""
    given = pl.col(f"{factor}_score")
    decimals = cfg["output"]["score_decimals"]
    score = pl.coalesce(given, derived, pl.lit(float(cfg[factor]["default"]))).round(decimals)
    why = pl.when(given.is_not_null()).then(pl.lit("given")).otherwise(_first_reason(derived, parts))
    return {
        f"{factor}_score": score,
        f"__{factor}_known": given.is_not_null() | derived.is_not_null(),
        f"__{factor}_why": why,
    }


def factor_scores(frame: pl.DataFrame, cfg: dict) -> pl.DataFrame:
    """Add the four scores, their reasons, data_completeness and the API cost columns."""
    exprs: dict[str, pl.Expr] = {}
    for rule in (privacy, cost, accuracy, speed):
        exprs.update(rule(cfg))
    known = [pl.col(f"__{f}_known").cast(pl.Int8) for f in FACTORS]
    return (
        frame.with_columns(
            api_cost_per_call().alias("api_cost_per_call"),
            **{k: v for k, v in exprs.items()},
        )
        .with_columns(
            monthly_api_cost().alias("monthly_api_cost"),
            (pl.sum_horizontal(known).cast(pl.String) + pl.lit(f"/{len(FACTORS)}")).alias("data_completeness"),
        )
    )


# Which input columns feed each factor (named in the missing-data warnings): each column's
# ``factor`` in pipeline.fields.FIELDS.
FACTOR_FIELDS = {factor: factor_fields(factor) for factor in FACTORS}


def factor_inputs(factor: str) -> str:
    """The inputs that give a factor data, by their headers in FIELDS: the columns that feed it, the
    token prices (or a model the catalog prices) as one, and its score given directly."""
    names = FACTOR_FIELDS[factor]
    plain = [FIELDS[n].label for n in names if FIELDS[n].group not in ("prices", "scores")]
    scores = [FIELDS[n].label for n in names if FIELDS[n].group == "scores"]
    text = ", ".join(plain)
    if any(FIELDS[n].group == "prices" for n in names):
        text += f" (with token prices, or a {FIELDS['model'].label} the price catalog knows)"
    return " or ".join([text, *scores]) if text else " or ".join(scores)


# What the missing-data warnings, next_step and Summary name as the inputs of each factor.
FACTOR_INPUTS = {factor: factor_inputs(factor) for factor in FACTORS}
