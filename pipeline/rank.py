"""The decision wired into the run (SPEC version 2, §3-§6) and the ranking.

``decide`` takes the scored frame (factor scores, today's API cost, money's helper columns) and adds,
in order: ``fit_score`` and ``total_4p``, ``{factor}_has_data``, ``max_latency_effective_s``, the
option prices (``prices.option_prices``), every option's money (``options.options``), the decision
(``decide.decide``) and the money columns of the recommended option (``best_money``). ``rank`` orders
the rows by SPEC §6.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from pipeline import decide as decision, options, prices
from pipeline.config import RECOMMENDATIONS, horizon_column
from pipeline.decide import INSUFFICIENT, KEEP, RETRIEVAL
from pipeline.score import FACTORS

# The recommendations whose money columns stay empty (SPEC §5): nothing is built or changed.
NO_MONEY = (KEEP, RETRIEVAL, INSUFFICIENT)


def fit(cfg: dict) -> list[pl.Expr]:
    """fit_score (the weighted mean of the rounded factor scores) and total_4p, both rounded."""
    w, decimals = cfg["weights"], cfg["output"]["score_decimals"]
    return [pl.sum_horizontal([pl.col(f"{f}_score") * w[f] for f in FACTORS]).round(decimals).alias("fit_score"),
            pl.sum_horizontal([pl.col(f"{f}_score") for f in FACTORS]).round(decimals).alias("total_4p")]


def has_data() -> list[pl.Expr]:
    """``{factor}_has_data``: the score is given or an input that feeds it is present (SPEC §4 step 1;
    score.factor_scores' ``__{factor}_known``, which data_completeness counts)."""
    return [pl.col(f"__{f}_known").alias(f"{f}_has_data") for f in FACTORS]


def _of_best(suffix: str, among: tuple[str, ...] = options.OPTIONS) -> pl.Expr:
    """The best option's ``{o}__{suffix}`` column (null where the best option is not in ``among``)."""
    expr = pl.when(pl.lit(False)).then(pl.lit(None))
    for o in among:
        expr = expr.when(pl.col("best_option") == o).then(pl.col(f"{o}__{suffix}"))
    return expr


def best_money(cfg: dict) -> list[pl.Expr]:
    """The money columns of Ranking and Portfolio: the recommended option against today's API, empty
    for Keep prompting, Add retrieval and Insufficient data (SPEC §5) and where today's API cost is
    unknown (§4 step 1); ``__one_off`` for --budget."""
    shown = ~pl.col("recommendation").is_in(NO_MONEY) & pl.col("monthly_api_cost").is_not_null()
    own = options.SELF_HOSTED
    columns = {"break_even_months": _of_best("break_even"), "net_savings_12m": _of_best("net_12"),
               horizon_column(cfg): _of_best("net_h"), "roi_pct": _of_best("roi_pct"),
               "cost_basis": _of_best("cost_basis", own), "gpus_needed": _of_best("gpus", own),
               "hosting_estimate": pl.when(pl.col("finetune_monthly_cost").is_null()).then(_of_best("monthly_first", own)),
               "__one_off": _of_best("one_off")}
    return [pl.when(shown).then(e).alias(name) for name, e in columns.items()]


def decide(frame: pl.DataFrame, cfg: dict, at: date | None = None) -> pl.DataFrame:
    """SPEC §3-§5 over the whole frame (see the module's docstring). The option prices
    (``prices.option_prices`` at the date ``at``, today by default) are added unless the frame has
    them already (the run adds them to the parsed rows, so that --stability's draws reuse them)."""
    if "alt_cost_per_call" not in frame.columns:
        frame = prices.option_prices(frame, cfg, at or date.today())
    return decide_priced(frame.with_columns(fit(cfg)), cfg)


def decide_priced(frame: pl.DataFrame, cfg: dict, *, with_words: bool = True) -> pl.DataFrame:
    """decide on a frame that has the option prices and fit_score (--stability's draws: their own
    weights, ``with_words=False``)."""
    frame = frame.with_columns(*has_data(), decision.max_latency(cfg).alias("max_latency_effective_s"))
    frame = decision.decide(options.options(frame, cfg), cfg, with_words=with_words)
    return frame.with_columns(best_money(cfg)).with_columns(
        pl.col("break_even_months", "net_savings_12m", horizon_column(cfg)).round(2), pl.col("roi_pct").round(1))


def order_keys(cfg: dict) -> tuple[list[pl.Expr], list[bool]]:
    """SPEC §6's sort keys and directions: the recommendation in ``[ranking] order``, net savings over
    the horizon (high first), fit_score (high first); the caller adds its tie-break key."""
    place = {rec: i for i, rec in enumerate(cfg["ranking"]["order"])}
    by_rec = pl.col("recommendation").replace_strict(place, default=len(place), return_dtype=pl.Int64)
    return [by_rec, pl.col(horizon_column(cfg)), pl.col("fit_score")], [False, True, True]


def rank(frame: pl.DataFrame | list[pl.DataFrame], cfg: dict, key: str) -> pl.DataFrame:
    """Add rank and rank_in_unit; the frame comes back sorted by rank (SPEC §6: order_keys, then
    ``key``, the use case id or row). A one-frame list is emptied: the frame is handed over, so each
    unsorted column is let go once its sorted copy exists (a caller holding the frame keeps both)."""
    if isinstance(frame, list):
        frame = frame.pop()
    keys, descending = order_keys(cfg)
    order = frame.select(pl.arg_sort_by(
        [*keys, pl.col(key)], descending=[*descending, False], nulls_last=True, maintain_order=True,
    )).to_series()
    # Sorted column by column, each unsorted column let go as soon as its sorted copy exists:
    # a whole-frame sort holds two copies of a wide frame (~700 MB more at 1M rows).
    columns = frame.get_columns()
    del frame
    for i, column in enumerate(columns):  # one chunk first: a gather across chunks is 3 times slower
        columns[i] = column.rechunk().gather(order)
        del column
    ordered = pl.DataFrame(columns)
    del columns
    return ordered.with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("rank")).with_columns(
        pl.col("rank").rank("ordinal").over(pl.col("business_unit").fill_null("")).cast(pl.Int64).alias("rank_in_unit")
    )
