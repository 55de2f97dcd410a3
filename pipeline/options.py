"""Every way a use case can run (SPEC v2 section 3), priced month by month with section 5's money.

Month m = 1..H (money.horizon_months). Today's API costs A x r^(m-1), where
r = ((1 + usage growth) x (1 + API price change))^(1/12); volume alone grows by
g = (1 + usage growth)^(1/12) a month. Every option's own monthly cost is one shape,

    flat + per_r x r^(m-1) + per_g x g^(m-1) + gpu x max(1, ceil(load x g^(m-1)))

(the optimised API and the provider's fine-tune follow the API's price; batch hosting grows with
volume in GPU-hours; always-on hosting keeps whole GPUs on), so its cost in any month is a
closed-form expression over the whole frame. While an option is built (its build months) today's
API is paid; the fine-tuned options are retrained in months build+6, build+12, ... The month loop
(over months, never over rows) carries each option's cumulative net savings and finds the
break-even inside its month, to money.break_even_search_months; it stops once no row can still
break even.

``options(frame, cfg)`` adds, for each option key o of OPTIONS: ``{o}__offered``, ``{o}__why_not``,
``{o}__one_off``, ``{o}__build_months``, ``{o}__monthly_first``, ``{o}__monthly_horizon``,
``{o}__total``, ``{o}__net_12``, ``{o}__net_h``, ``{o}__break_even``, ``{o}__roi_pct``; and
``api_optimised__ratio`` / ``api_optimised__via``, and ``{o}__cost_basis``, ``{o}__gpus``,
``{o}__gpu_hours`` for the self-hosted options.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from dataclasses import dataclass
from functools import reduce
from typing import NamedTuple

import polars as pl

from pipeline.config import SHORT_HORIZON_MONTHS, batch_latency_s, horizon_column
from pipeline import slices

# SPEC v2 section 3's table, in its order (ties go to the earlier).
OPTIONS = ("api", "api_optimised", "provider_finetune", "self_host_open", "self_host_finetune")
FINE_TUNED = ("provider_finetune", "self_host_finetune")
SELF_HOSTED = ("self_host_open", "self_host_finetune")
# Inputs options() reads that the frame may not carry yet (added by later stages or optional).
OPTIONAL_INPUTS = {
    "max_latency_effective_s": pl.Float64, "batch_eligible": pl.Boolean, "batch_price_ratio": pl.Float64,
    "alt_model_used": pl.String, "alt_cost_per_call": pl.Float64, "ft_cost_per_call": pl.Float64,
    "api_cost_per_call": pl.Float64, "gpus": pl.Float64,
}
ZERO = pl.lit(0.0)
# The columns options() adds for each option key o, as {o}__<name>, in this order (the last three for
# the self-hosted options only); then api_optimised__ratio and api_optimised__via.
COLUMNS = ("offered", "why_not", "one_off", "build_months", "monthly_first", "monthly_horizon", "total", "net_12",
           "net_h", "break_even", "roi_pct", "cost_basis", "gpus", "gpu_hours")


# ------------------------------------------------------------------ growth (shared with money.py)
def usage_change(cfg: dict) -> pl.Expr:
    """The row's yearly usage change, else money.usage_growth_pct."""
    return pl.col("usage_growth_pct").fill_null(float(cfg["money"]["usage_growth_pct"]))


def price_change(cfg: dict) -> pl.Expr:
    """The row's yearly API price change, else money.api_price_change_pct."""
    return pl.col("api_price_change_pct").fill_null(float(cfg["money"]["api_price_change_pct"]))


def volume_growth(cfg: dict) -> pl.Expr:
    """g: the monthly factor of volume (usage growth alone; GPU prices do not change)."""
    return (1 + usage_change(cfg)) ** (1 / 12)


def api_growth(cfg: dict) -> pl.Expr:
    """r: the monthly factor of today's API cost (usage growth and API price change)."""
    return ((1 + usage_change(cfg)) * (1 + price_change(cfg))) ** (1 / 12)


# ------------------------------------------------------------------ each option's monthly cost
@dataclass(frozen=True)
class Shape:
    """An option's own monthly cost: flat + per_r r^(m-1) + per_g g^(m-1) + gpu max(1, ceil(load g^(m-1)))."""

    flat: pl.Expr = ZERO
    per_r: pl.Expr = ZERO
    per_g: pl.Expr = ZERO
    gpu: pl.Expr = ZERO
    load: pl.Expr = ZERO


def _batch_work(cfg: dict) -> pl.Expr:
    """Whether the max latency is a day or more (config.batch_latency_s); false where unknown."""
    return (pl.col("max_latency_effective_s") >= batch_latency_s(cfg)).fill_null(False)


def _hosting_facts(cfg: dict) -> dict[str, pl.Expr]:
    """Tokens in month 1, usable tokens per second per GPU, USD per GPU-hour and the fixed monthly part."""
    h = cfg["hosting"]
    team = pl.col("team_size").fill_null(float(h["team_size"])) * pl.col("team_monthly_cost").fill_null(
        float(h["team_monthly_cost"]))
    return {
        "tokens": pl.col("monthly_calls") * (pl.col("input_tokens") + pl.col("output_tokens")),
        "usable": pl.col("throughput_tokens_per_s").fill_null(float(h["throughput_tokens_per_s"]))
        * pl.col("gpu_utilisation").fill_null(float(h["gpu_utilisation"])),
        "hourly": pl.col("gpu_hourly_cost").fill_null(float(h["gpu_hourly_cost"])) * (1 + h["maintenance_share"]),
        "fixed": h["monitoring_monthly_cost"] + team,
    }


def kept_gpus(cfg: dict) -> pl.Expr:
    """GPUs kept on all month whatever the load: the row's ``gpus`` where given (whole GPUs: 1.5 is 2),
    else (no calls or tokens to size it) hosting.assumed_gpus; null for batch work (paid by the
    GPU-hour), where the GPUs are sized from the load, and where finetune_monthly_cost is given."""
    sized = _hosting_facts(cfg)["tokens"].is_not_null()
    kept = pl.coalesce(pl.col("gpus").ceil(), pl.when(sized.not_()).then(pl.lit(float(cfg["hosting"]["assumed_gpus"]))))
    return pl.when(pl.col("finetune_monthly_cost").is_null() & (sized & _batch_work(cfg)).not_()).then(kept)


def hosting_shape(cfg: dict) -> Shape:
    """Own GPUs: finetune_monthly_cost where given (flat); else batch work in GPU-hours; else the GPUs
    of kept_gpus (the row's, or hosting.assumed_gpus without calls or tokens) kept on all month; else
    always-on GPUs sized at peak from calls and tokens; plus maintenance, monitoring and the team."""
    h, f = cfg["hosting"], _hosting_facts(cfg)
    given = pl.col("finetune_monthly_cost")
    kept = kept_gpus(cfg)
    mine = given.is_null()
    batch = mine & f["tokens"].is_not_null() & _batch_work(cfg)
    sized = mine & batch.not_() & kept.is_null()  # always on, as many GPUs as the peak load needs
    month_of_gpu = f["hourly"] * h["hours_per_month"]
    return Shape(
        flat=pl.when(mine.not_()).then(given).otherwise(f["fixed"] + kept.fill_null(0.0) * month_of_gpu),
        per_g=pl.when(batch).then(f["tokens"] / f["usable"] / 3600 * f["hourly"]).otherwise(ZERO),
        gpu=pl.when(sized).then(month_of_gpu).otherwise(ZERO),
        load=pl.when(sized).then(
            f["tokens"] / (h["hours_per_month"] * 3600) * h["peak_factor"] / f["usable"]).otherwise(ZERO),
    )


def cost_basis(cfg: dict) -> pl.Expr:
    """given (the row's finetune_monthly_cost, or its gpus kept on), estimated (hosting sized from calls
    and tokens) or assumed (hosting.assumed_gpus)."""
    sized = _hosting_facts(cfg)["tokens"].is_not_null()
    return (pl.when(pl.col("finetune_monthly_cost").is_not_null()).then(pl.lit("given"))
            .when(kept_gpus(cfg).is_not_null() & pl.col("gpus").is_not_null()).then(pl.lit("given"))
            .when(sized).then(pl.lit("estimated")).otherwise(pl.lit("assumed")))


def batch_ok(cfg: dict) -> pl.Expr:
    """The provider's batch price applies: batch_eligible where given, else a max latency of a day or
    more; never with a max latency under a day."""
    day = batch_latency_s(cfg)
    lat = pl.col("max_latency_effective_s")
    return pl.coalesce(pl.col("batch_eligible"), lat >= day).fill_null(False) & (lat < day).fill_null(False).not_()


def _alt_ratio() -> pl.Expr:
    """The alternative model's cost per call / today's, where it is cheaper; else null."""
    ratio = pl.when(pl.col("api_cost_per_call") > 0).then(pl.col("alt_cost_per_call") / pl.col("api_cost_per_call"))
    return pl.when(ratio < 1).then(ratio)


def optimised_ratio(cfg: dict) -> tuple[pl.Expr, pl.Expr]:
    """The cheapest ratio to today's API (batch, cheaper model, or both multiplied) and which it is."""
    default = float(cfg["options"]["batch_price_ratio"])
    batch = pl.when(batch_ok(cfg)).then(pl.col("batch_price_ratio").fill_null(default))
    alt = _alt_ratio()
    both = batch * alt
    ratio = pl.min_horizontal(batch, alt, both)
    via = (pl.when(both.is_not_null() & (both <= pl.min_horizontal(batch, alt))).then(pl.lit("batch + alt model"))
           .when(batch.is_not_null() & (batch <= alt.fill_null(batch))).then(pl.lit("batch"))
           .when(alt.is_not_null()).then(pl.lit("alt model")))
    return ratio, via


def _optimised_why_not(cfg: dict) -> pl.Expr:
    day = batch_latency_s(cfg)
    lat = pl.col("max_latency_effective_s")
    batch = (pl.when(lat < day).then(pl.lit("the max latency is under a day"))
             .when(pl.col("batch_eligible").not_()).then(pl.lit("not batch eligible"))
             .otherwise(pl.lit("nothing says the work can wait a day")))
    alt = (pl.when(pl.col("alt_model_used").is_null()).then(pl.lit("no alternative model"))
           .when(pl.col("alt_cost_per_call").is_null() | pl.col("api_cost_per_call").is_null())
           .then(pl.lit("no price per call for ") + pl.col("alt_model_used") + pl.lit(" or today's model"))
           .otherwise(pl.col("alt_model_used") + pl.lit(" is not cheaper per call")))
    return pl.lit("no batch price (") + batch + pl.lit(") and no cheaper model (") + alt + pl.lit(")")


def _provider_monthly() -> pl.Expr:
    """Month 1's calls at the fine-tuned price: monthly_calls, else today's cost / cost per call."""
    per_call = pl.col("api_cost_per_call")
    calls = pl.coalesce(pl.col("monthly_calls"), pl.when(per_call > 0).then(pl.col("monthly_api_cost") / per_call))
    return calls * pl.col("ft_cost_per_call")


def _provider_why_not() -> pl.Expr:
    return (pl.when(pl.col("ft_cost_per_call").is_null())
            .then(pl.lit("no fine-tuned price for the model or its alternative (catalog or [prices.models])"))
            .otherwise(pl.lit("monthly calls unknown")))


@dataclass(frozen=True)
class Option:
    """One option for every row: whether offered (and why not), one-off cost, build months, cost shape."""

    key: str
    offered: pl.Expr
    why_not: pl.Expr | None
    one_off: pl.Expr
    build: int
    shape: Shape


def catalogue(cfg: dict) -> list[Option]:
    """The five options of SPEC v2 section 3, in its order."""
    o, api = cfg["options"], pl.col("monthly_api_cost")
    ratio, _ = optimised_ratio(cfg)
    provider = _provider_monthly()
    hosting = hosting_shape(cfg)
    setup = pl.col("finetune_setup_cost").fill_null(float(cfg["money"]["finetune_setup_cost"]))
    yes = pl.lit(True)

    def cost(key: str) -> pl.Expr:
        return pl.lit(float(o[key]["one_off_cost"]))

    return [
        Option("api", yes, None, ZERO, 0, Shape(per_r=api)),
        Option("api_optimised", ratio.is_not_null(), _optimised_why_not(cfg), cost("api_optimised"),
               o["api_optimised"]["build_months"], Shape(per_r=ratio * api)),
        Option("provider_finetune", provider.is_not_null(), _provider_why_not(), cost("provider_finetune"),
               o["provider_finetune"]["build_months"], Shape(per_r=provider)),
        Option("self_host_open", yes, None, cost("self_host_open"), o["self_host_open"]["build_months"], hosting),
        Option("self_host_finetune", yes, None, setup, o["self_host_finetune"]["build_months"], hosting),
    ]


# ------------------------------------------------------------------ month by month
def _parts(key: str) -> dict[str, str]:
    return {p: f"__{key}_{p}" for p in ("flat", "per_r", "per_g", "gpu", "load", "one_off", "own", "net", "be",
                                        "total")}


def _terms(opt: Option) -> dict[str, pl.Expr]:
    """The non-zero terms of the option's shape, by state column."""
    c, s = _parts(opt.key), opt.shape
    return {c[p]: getattr(s, p) for p in ("flat", "per_r", "per_g", "gpu", "load") if getattr(s, p) is not ZERO}


def own_cost(opt: Option, pr: pl.Expr, pg: pl.Expr) -> pl.Expr:
    """The option's own monthly cost where r^(m-1) = pr and g^(m-1) = pg, from its state columns."""
    c, have = _parts(opt.key), _terms(opt)
    parts = [pl.col(c["flat"])] if c["flat"] in have else []
    parts += [pl.col(c[p]) * pr for p in ("per_r",) if c[p] in have]
    parts += [pl.col(c[p]) * pg for p in ("per_g",) if c[p] in have]
    if c["gpu"] in have:
        parts.append(pl.col(c["gpu"]) * (pl.col(c["load"]) * pg).ceil().clip(lower_bound=1))
    return reduce(operator.add, parts) if parts else ZERO


def retrains(cfg: dict, key: str, build: int, month: int) -> bool:
    """Whether a fine-tuned option is retrained in this month (build+6, build+12, ...)."""
    every = cfg["options"]["retrain_every_months"]
    return key in FINE_TUNED and month > build and (month - build) % every == 0


def _state(frame: pl.DataFrame, cfg: dict, options: list[Option]) -> pl.DataFrame:
    """The columns the month loop needs: A, r, g, each option's shape terms, one-off and running net."""
    exprs = [pl.int_range(pl.len()).alias("__row"), pl.col("monthly_api_cost").alias("__api"),
             api_growth(cfg).alias("__r"), volume_growth(cfg).alias("__g"), pl.lit(1.0).alias("__pr"),
             pl.lit(1.0).alias("__pg")]
    for opt in options:
        exprs += [e.alias(name) for name, e in _terms(opt).items()] + [opt.one_off.alias(_parts(opt.key)["one_off"])]
    state = frame.select(exprs)
    return state.with_columns(
        *[(-pl.col(_parts(o.key)["one_off"])).alias(_parts(o.key)["net"]) for o in options],
        *[pl.lit(None, pl.Float64).alias(_parts(o.key)["be"]) for o in options],
        *[pl.col(_parts(o.key)["one_off"]).alias(_parts(o.key)["total"]) for o in options],
    )


def _month(state: pl.DataFrame, cfg: dict, options: list[Option], m: int) -> pl.DataFrame:
    """One month: each live option's cost, savings, running net, total to the horizon and break-even
    (the first month whose saving makes the net reach 0, interpolated inside it)."""
    live = {o.key for o in options if m > o.build}
    state = state.with_columns((pl.col("__api") * pl.col("__pr")).alias("__api_m"),
                               *[own_cost(o, pl.col("__pr"), pl.col("__pg")).alias(_parts(o.key)["own"])
                                 for o in options if o.key in live])
    exprs = []
    for opt in options:
        c = _parts(opt.key)
        share = cfg["options"]["retrain_share"] if retrains(cfg, opt.key, opt.build, m) else 0.0
        spent = pl.col(c["own"]) + share * pl.col(c["one_off"]) if opt.key in live else pl.col("__api_m")
        if m <= cfg["money"]["horizon_months"]:
            exprs.append((pl.col(c["total"]) + spent).alias(c["total"]))
        if opt.key not in live:
            continue  # the API is paid: no saving, the net stands
        saving = pl.col("__api_m") - spent
        hit = pl.col(c["be"]).is_null() & (saving > 0) & (pl.col(c["net"]) + saving >= 0)
        exprs += [(pl.col(c["net"]) + saving).alias(c["net"]),
                  pl.when(hit).then(m - 1 + (-pl.col(c["net"]) / saving).clip(0, 1)).otherwise(pl.col(c["be"]))
                  .alias(c["be"])]
    return state.with_columns(*exprs, pl.col("__pr") * pl.col("__r"), pl.col("__pg") * pl.col("__g"))


def _open(options: list[Option], m: int) -> pl.Expr:
    """Rows where some option may still break even after month m. Closed for good: found, today's
    cost unknown, or its own cost already eats the API's and can only grow relative to it (its
    per-call price at or above today's, or API cost not rising while volume does not fall)."""
    flat_api = (pl.col("__r") <= 1) & (pl.col("__g") >= 1)
    still = []
    for opt in options:
        c = _parts(opt.key)
        searching = pl.col(c["be"]).is_null() & pl.col("__api").is_not_null()
        if m > opt.build:
            per_r = pl.col(c["per_r"]) if c["per_r"] in _terms(opt) else ZERO
            dead = (pl.col("__api_m") <= pl.col(c["own"])) & ((pl.col("__api") <= per_r) | flat_api)
            searching = searching & dead.fill_null(True).not_()
        still.append(searching)
    return pl.any_horizontal(still)


# The slack _reachable leaves its bound (a share of it and of the net): the loop's sums of at most
# break_even_search_months savings round at ~1e-16 of each, far inside it.
REACH_SLACK = 1e-6


def _reachable(opt: Option, m: int, search: int) -> pl.Expr:
    """Rows where the option's net (after month m) may still reach 0 by month ``search``: false only where
    even the largest saving any month to come could have (today's API at its largest over those months,
    less each part of the option's own cost at its smallest; retraining left out) cannot repay the net
    in the months left. Every part is monotone in the month, so its extremes are at the first and the
    last month to come. True where anything is null or NaN, before the option's first live month, and
    for a negative one-off (retraining would then save)."""
    left = search - m
    if m <= opt.build or left <= 0:
        return pl.lit(True)
    c, have = _parts(opt.key), _terms(opt)
    pr, pg = pl.col("__pr"), pl.col("__pg")  # r^m and g^m: month m+1's
    pr_end, pg_end = pr * pl.col("__r") ** (left - 1), pg * pl.col("__g") ** (left - 1)  # month search's
    api = pl.max_horizontal(pl.col("__api") * pr, pl.col("__api") * pr_end)
    own = [pl.col(c["flat"])] if c["flat"] in have else []
    own += [pl.min_horizontal(pl.col(c["per_r"]) * pr, pl.col(c["per_r"]) * pr_end)] if c["per_r"] in have else []
    own += [pl.min_horizontal(pl.col(c["per_g"]) * pg, pl.col(c["per_g"]) * pg_end)] if c["per_g"] in have else []
    if c["gpu"] in have:
        own += [pl.min_horizontal(*(pl.col(c["gpu"]) * (pl.col(c["load"]) * f).ceil().clip(lower_bound=1)
                                    for f in (pg, pg_end)))]
    saving = api - reduce(operator.add, own) if own else api
    net = pl.col(c["net"])
    reach = net + left * saving.clip(lower_bound=0) * (1 + REACH_SLACK) + REACH_SLACK * (net.abs() + 1)
    return (reach >= 0).fill_null(True) | (pl.col(c["one_off"]) < 0).fill_null(True)  # NaN >= 0 in polars


# Past the horizon each option searches on its own narrow frame, only the rows where it may still break
# even (_open of that option), dropping those settled once a year. At 1,000,000 rows (the bench
# portfolio, 250,000 a slice) 60 % of the rows were still open at month 24 and 49 % at month 120, but
# open for one or two options: searching all five options on every open row (the old loop) took
# 1.2 s of the 2.1 s of run_months per slice, CPU time.
def _search(state: pl.DataFrame, cfg: dict, opt: Option, horizon: int, search: int) -> pl.DataFrame:
    """__row and the option's break-even for the rows where it may still break even after the horizon."""
    c, found = _parts(opt.key), _parts(opt.key)["be"]
    own = [c["own"]] if c["own"] in state.columns else []  # none before the option's first live month
    rest = state.select("__row", "__api", "__r", "__g", "__pr", "__pg", "__api_m", *_terms(opt), c["one_off"],
                        *own, c["net"], found).filter(_open([opt], horizon) & _reachable(opt, horizon, search))
    m, settled = horizon, []
    while rest.height and m < search:
        m += 1
        rest = _month(rest, cfg, [opt], m)
        if (m - horizon) % SHORT_HORIZON_MONTHS == 0:
            still = rest.select(_open([opt], m) & _reachable(opt, m, search)).to_series()  # never null
            settled.append(rest.filter(still.not_()).select("__row", found))
            rest = rest.filter(still)
    return pl.concat([*settled, rest.select("__row", found)])


def run_months(frame: pl.DataFrame, cfg: dict, options: list[Option]) -> pl.DataFrame:
    """__{o}_net_12, __{o}_net_h, __{o}_total (to the horizon) and __{o}_be for every option, in row order.

    Every row runs to the horizon; past it each option goes on for the rows where it may still break
    even (_search), to money.break_even_search_months."""
    horizon, search = cfg["money"]["horizon_months"], cfg["money"]["break_even_search_months"]
    state, kept = _state(frame, cfg, options), {}
    for m in range(1, horizon + 1):
        state = _month(state, cfg, options, m)
        for when, name in ((SHORT_HORIZON_MONTHS, "net_12"), (horizon, "net_h")):
            if m == when:
                kept |= {f"__{o.key}_{name}": state.get_column(_parts(o.key)["net"]) for o in options}
    found = {}
    for opt in options:
        be = state.get_column(_parts(opt.key)["be"])
        later = _search(state, cfg, opt, horizon, search)
        found[be.name] = be.scatter(later.get_column("__row"), later.get_column(be.name)) if later.height else be
    done = state.select(*[_parts(o.key)["total"] for o in options]).with_columns(**found, **kept)
    return done.hstack(_first_and_last(state, cfg, options))


# ------------------------------------------------------------------ the columns
def _with_inputs(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every optional input present (null where the frame has none yet)."""
    missing = {n: t for n, t in OPTIONAL_INPUTS.items() if n not in frame.columns}
    return frame.with_columns(pl.lit(None, t).alias(n) for n, t in missing.items())


def _facts(cfg: dict, catalog: list[Option]) -> list[pl.Expr]:
    """What does not need the months: offered, why not, one-off, build months; the optimised API's
    ratio and route; the self-hosted options' cost basis."""
    ratio, via = optimised_ratio(cfg)
    out = [ratio.round(4).alias("api_optimised__ratio"), via.alias("api_optimised__via")]
    for opt in catalog:
        o = opt.key
        why = pl.lit(None, pl.String) if opt.why_not is None else pl.when(opt.offered.not_()).then(opt.why_not)
        out += [opt.offered.alias(f"{o}__offered"), why.alias(f"{o}__why_not"),
                pl.when(opt.offered).then(opt.one_off).round(2).alias(f"{o}__one_off"),
                pl.lit(opt.build, pl.Int64).alias(f"{o}__build_months")]
        if o in SELF_HOSTED:
            out += [cost_basis(cfg).alias(f"{o}__cost_basis"), *_gpus(cfg, opt)]
    return out


def _first_and_last(state: pl.DataFrame, cfg: dict, catalog: list[Option]) -> pl.DataFrame:
    """Each option's own monthly cost in its first live month and in month H."""
    horizon, r, g = cfg["money"]["horizon_months"], pl.col("__r"), pl.col("__g")
    return state.select(e for opt in catalog for e in (
        own_cost(opt, r ** opt.build, g ** opt.build).alias(f"__{opt.key}_first"),
        own_cost(opt, r ** (horizon - 1), g ** (horizon - 1)).alias(f"__{opt.key}_last")))


def _gpus(cfg: dict, opt: Option) -> list[pl.Expr]:
    """A self-hosted option's GPUs kept on (given, assumed or sized at peak) or GPU-hours (batch work)
    in its first live month."""
    s, grown, hourly = opt.shape, volume_growth(cfg) ** opt.build, _hosting_facts(cfg)["hourly"]
    sized = pl.when(s.gpu > 0).then((s.load * grown).ceil().clip(lower_bound=1))
    return [pl.coalesce(kept_gpus(cfg), sized).cast(pl.Int64).alias(f"{opt.key}__gpus"),
            pl.when(s.per_g > 0).then(s.per_g * grown / hourly).round(1).alias(f"{opt.key}__gpu_hours")]


def _money(cfg: dict, opt: Option) -> list[pl.Expr]:
    """The option's money columns from the month loop's, empty where it is not offered."""
    o = opt.key

    def shown(name: str) -> pl.Expr:
        return pl.when(pl.col(f"{o}__offered")).then(pl.col(name)).round(2)

    roi = pl.when(pl.col(f"{o}__one_off") >= cfg["options"]["roi_min_one_off"]).then(
        pl.col(f"__{o}_net_h") / pl.col(f"{o}__one_off") * 100)
    return [shown(f"__{o}_first").alias(f"{o}__monthly_first"), shown(f"__{o}_last").alias(f"{o}__monthly_horizon"),
            shown(f"__{o}_total").alias(f"{o}__total"), shown(f"__{o}_net_12").alias(f"{o}__net_12"),
            shown(f"__{o}_net_h").alias(f"{o}__net_h"), shown(f"__{o}_be").alias(f"{o}__break_even"),
            roi.round(1).alias(f"{o}__roi_pct")]


def options(frame: pl.DataFrame, cfg: dict) -> pl.DataFrame:
    """Add every option's columns (module docstring) to a frame with monthly_api_cost (today's) and
    the inputs; net savings are against today's API, null where its cost is unknown."""
    data = _with_inputs(frame)
    catalog = catalogue(cfg)
    facts = data.select(_facts(cfg, catalog))
    months = run_months(data, cfg, catalog)
    work = pl.concat([facts, months], how="horizontal")
    work = work.hstack(work.select(e for opt in catalog for e in _money(cfg, opt)))
    order = [f"{o.key}__{p}" for o in catalog for p in COLUMNS if f"{o.key}__{p}" in work.columns]
    return frame.hstack(work.select(*order, "api_optimised__ratio", "api_optimised__via"))


# ------------------------------------------------------------------ one row per use case and option
class LongColumn(NamedTuple):
    """A column of the Options sheet and the -options export after the use case's keys."""

    part: str | None  # the {o}__ column it comes from (None: made here)
    label: str  # the header; normalises to the column's name
    meaning: str  # the header's comment
    unit: str | None = None  # usd, months, pct or s: the number format


# SPEC section 7's Options sheet: an option's readable name, then each column. {h} is the horizon in
# months (money.horizon_months); "{horizon}" the net savings column over it (config.horizon_column).
OPTION_LABELS = {"api": "Today's API", "api_optimised": "API done cheaper", "provider_finetune": "Provider fine-tune",
                 "self_host_open": "Open model, own GPUs", "self_host_finetune": "Fine-tuned model, own GPUs"}
LONG_KEYS = ("use_case_id", "use_case", "business_unit", "source_file", "source_row")  # those present
LONG_COLUMNS = {
    "option": LongColumn(None, "Option", "One way the use case could run (SPEC section 3)"),
    "option_key": LongColumn(None, "Option key", "The option's key in the config and in ftscore's columns"),
    "offered": LongColumn("offered", "Offered", "yes: the option can be priced for this use case; no: see Why not "
                                                "offered"),
    "why_not_offered": LongColumn("why_not", "Why not offered", "What is missing to price the option"),
    "allowed": LongColumn("allowed", "Allowed", "yes: no rule of the decision rules the option out (where it may "
                                                "run, an accuracy need, the max latency); no: see Why not allowed"),
    "why_not_allowed": LongColumn("why_not_allowed", "Why not allowed", "The rule that rules the option out"),
    "latency_s": LongColumn("latency_s", "Latency (s)", "How long the option takes to start answering, seconds", "s"),
    "one_off_cost": LongColumn("one_off", "One-off cost", "Setting the option up (build, fine-tuning), USD", "usd"),
    "monthly_cost_first_month": LongColumn(
        "monthly_first", "Monthly cost first month",
        "The option's own cost in its first live month (after its build months), USD", "usd"),
    "monthly_cost_month_{h}": LongColumn("monthly_horizon", "Monthly cost month {h}",
                                         "The option's own cost in month {h}, the horizon, USD", "usd"),
    "total_cost_{h}m": LongColumn("total", "Total cost {h}m", "Everything the option costs over {h} months: one-off, "
                                  "today's API while it is built, its running cost and retraining, USD", "usd"),
    "net_savings_12m": LongColumn("net_12", "Net savings 12m", "Savings against today's API over 12 months less the "
                                                               "one-off cost, USD", "usd"),
    "{horizon}": LongColumn("net_h", "Net savings {h}m", "Savings against today's API over {h} months less the "
                                                         "one-off cost, USD", "usd"),
    "break_even_months": LongColumn("break_even", "Break-even months", "Months until the savings against today's "
                                    "API repay the one-off cost and retraining (empty: never)", "months"),
    "roi_pct": LongColumn("roi_pct", "ROI %", "Net savings over {h} months / one-off cost, % (empty under "
                                              "options.roi_min_one_off)", "pct"),
    "chosen": LongColumn("chosen", "Chosen", "yes: the option the recommendation is about (best_option)"),
}


def long_columns(cfg: dict) -> dict[str, LongColumn]:
    """LONG_COLUMNS for this config: the horizon filled in (one net savings column when it is 12 months)."""
    h = cfg["money"]["horizon_months"]
    out: dict[str, LongColumn] = {}
    for name, col in LONG_COLUMNS.items():
        name = name.format(horizon=horizon_column(cfg), h=h)
        out.setdefault(name, col._replace(label=col.label.format(h=h), meaning=col.meaning.format(h=h)))
    return out


def long_inputs() -> list[str]:
    """The columns long_frame reads besides the keys (a run that keeps only the columns its outputs
    show keeps these for the Options sheet)."""
    parts = [col.part for col in LONG_COLUMNS.values() if col.part not in (None, "chosen")]
    return [f"{o}__{p}" for o in OPTIONS for p in parts] + ["best_option"]


def has_options(frame: pl.DataFrame) -> bool:
    """Whether the frame carries the option columns (options.options has run on it)."""
    return all(f"{o}__offered" in frame.columns for o in OPTIONS)


def _yes_no(flag: pl.Expr) -> pl.Expr:
    return pl.when(flag).then(pl.lit("yes")).when(flag.not_()).then(pl.lit("no"))


def _option_columns(frame: pl.DataFrame, cfg: dict, key: str) -> list[pl.Expr]:
    """One option's row of the long frame, for every use case (columns from long_columns)."""
    fields = []
    for name, part in ((name, col.part) for name, col in long_columns(cfg).items()):
        if name == "option":
            e = pl.lit(OPTION_LABELS[key], pl.String)
        elif name == "option_key":
            e = pl.lit(key, pl.String)
        elif name == "chosen":
            e = _yes_no((pl.col("best_option") == key).fill_null(False)) if "best_option" in frame.columns else \
                pl.lit(None, pl.String)
        else:
            col, flag, text = f"{key}__{part}", name in ("offered", "allowed"), "why" in part
            e = pl.col(col) if col in frame.columns else pl.lit(None, pl.Boolean if flag else pl.String)
            e = _yes_no(e) if flag else e.cast(pl.String) if text else e.cast(pl.Float64)
        fields.append(e.alias(name))
    return fields


LONG_AT_ONCE = 10_000  # use cases per part of long_parts (a million use cases' long frame at once: ~2 GB)


def long_parts(scored: pl.DataFrame, cfg: dict, *, row: str = "source_row", rows: int | None = None
               ) -> Iterator[pl.DataFrame]:
    """long_frame(scored), LONG_AT_ONCE use cases a part, stopping after ``rows`` rows in all: what a
    writer holds is one part, not the whole table. An empty frame gives one empty part (its columns)."""
    left = rows
    for use_cases in slices.parts(scored, LONG_AT_ONCE):
        if left is not None and left <= 0:
            return
        part = long_frame(use_cases, cfg, row=row)
        if left is not None:
            part = part.head(left)
            left -= part.height
        yield part


def long_frame(scored: pl.DataFrame, cfg: dict, *, row: str = "source_row") -> pl.DataFrame:
    """One row per scored use case and option (SPEC section 7's Options sheet): the use case's keys
    (LONG_KEYS present; ``row`` is read as source_row), then long_columns(cfg), in the frame's row
    order and each use case's options in OPTIONS order. Columns decide adds (allowed, latency,
    best_option) are empty where the frame lacks them; the frame must have options.options' columns.

    One frame per option, stacked and interleaved by a sort on (row, option): a list of structs
    exploded costs several times the result's memory (100,000 use cases: +520 MB against +90 MB)."""
    frame = scored.rename({row: "source_row"}) if row != "source_row" and row in scored.columns else scored
    keys = [k for k in LONG_KEYS if k in frame.columns]
    order = pl.int_range(pl.len(), dtype=pl.Int64) * len(OPTIONS)
    parts = [frame.select(*keys, *_option_columns(frame, cfg, o), (order + i).alias("__order"))
             for i, o in enumerate(OPTIONS)]
    return pl.concat(parts, how="vertical").sort("__order").drop("__order")
