"""How stable is each recommendation and top-10 place under uncertain inputs?

A Monte Carlo over the whole portfolio at once. In each of N draws:

* the four weights are each multiplied by U(1 - w, 1 + w) and renormalised to
  sum to 1 (one set of weights per draw, shared by every row);
* each uncertain input is perturbed per draw and per row: the columns under
  ``stability.relative`` are multiplied by U(1 - r, 1 + r); those under
  ``stability.absolute`` (rates, 0-1) get U(-a, +a) added and are clipped to
  [0, 1]. A null stays null.

The rows x draws frame is built with one cross join (per chunk of draws) and decided as the run
decides (``decided``), with the per-draw weights: ``pipeline.score.factor_scores`` on the perturbed
inputs, the option prices again (``pipeline.prices.option_prices``) where a perturbed input feeds
them (the tokens), and ``pipeline.rank.decide_priced``: every option's money month by month
(``pipeline.options.options``) and the decision (``pipeline.decide.decide``) of SPEC §3-§5. Each
row-draw is priced afresh from its own calls, tokens, prices and cost; only what no rule reads
(names, descriptions, price provenance), the text columns and the break-even search past the horizon
(the decision reads net savings and totals) are left out. Within a draw the rows are ranked by SPEC §6
(``pipeline.rank.order_keys``), ties by the baseline rank.

Randomness: counter-based, not a generator with state. Every uniform number is
SplitMix64 (Steele, Lea & Flood 2014; the finaliser of java.util.SplittableRandom)
applied to a counter made from (seed, stream, draw, row), computed with
polars UInt64 arithmetic (wrapping, as in Rust) and mapped to [0, 1) by its
top 53 bits. ``stream`` is the first 8 bytes of SHA-256 of the column or
weight name; ``row`` is (__src, __row), the row's identity, not its position.
So the random numbers are bit for bit the same on every platform and polars
version, whatever the row order or the chunking of draws (``uniform`` is the
pure-Python reference the tests compare the polars path against); what is
built on them is plain IEEE float arithmetic, the same as the baseline's. (``pl.Expr.hash`` is not
used: polars documents it as unstable across versions.)

Pure: polars only, no I/O, no printing.
"""

from __future__ import annotations

import hashlib
from datetime import date

import polars as pl
import polars.selectors as cs

from pipeline import config, prices
from pipeline.rank import RECOMMENDATIONS, decide_priced, order_keys
from pipeline.core import ROW, SRC
from pipeline.score import FACTORS, factor_scores

KEY = [SRC, ROW]
TOP = 10  # p_top10: share of draws in which the row ranks 1..TOP
CHUNK_ROWS = 100_000  # rows x draws decided at once (10,000 rows x 100 draws: the draws add ~75 MB at the peak)

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15
_MUL1 = 0xBF58476D1CE4E5B9
_MUL2 = 0x94D049BB133111EB
_CODES = {rec: code for code, rec in enumerate(RECOMMENDATIONS)}  # decisions compared as Int8


# ------------------------------------------------------------------ randomness
def mix64(x: int) -> int:
    """SplitMix64 of a 64-bit integer (pure Python; the reference for ``_with_mixed``)."""
    z = (x + _GOLDEN) & _MASK
    z = ((z ^ (z >> 30)) * _MUL1) & _MASK
    z = ((z ^ (z >> 27)) * _MUL2) & _MASK
    return z ^ (z >> 31)


def _shr(e: pl.Expr, bits: int) -> pl.Expr:
    return e // pl.lit(1 << bits, pl.UInt64)


def _with_mixed(frame, inputs: dict[str, pl.Expr]):
    """Add a column per (name -> UInt64 expression): SplitMix64 of it (polars integer arithmetic
    wraps, as ``mix64``'s masking does), one step per with_columns so no step repeats the one before."""
    if not inputs:
        return frame
    frame = frame.with_columns(*[(e + pl.lit(_GOLDEN, pl.UInt64)).alias(n) for n, e in inputs.items()])
    frame = frame.with_columns(*[((pl.col(n) ^ _shr(pl.col(n), 30)) * pl.lit(_MUL1, pl.UInt64)).alias(n) for n in inputs])
    frame = frame.with_columns(*[((pl.col(n) ^ _shr(pl.col(n), 27)) * pl.lit(_MUL2, pl.UInt64)).alias(n) for n in inputs])
    return frame.with_columns(*[(pl.col(n) ^ _shr(pl.col(n), 31)).alias(n) for n in inputs])


def _unit(h: pl.Expr) -> pl.Expr:
    """Top 53 bits of a UInt64 -> float in [0, 1), exactly."""
    return (h // pl.lit(1 << 11, pl.UInt64)).cast(pl.Float64) * (2.0**-53)


def stream_id(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "little")


def _stream_key(seed: int, name: str) -> int:
    return mix64((seed & _MASK) ^ stream_id(name))


def _row_id(src: int, row: int) -> int:
    return mix64(((src & 0xFFFFFFFF) << 32 | (row & 0xFFFFFFFF)) & _MASK)


def uniform(seed: int, name: str, draw: int, src: int | None = None, row: int | None = None) -> float:
    """The uniform number in [0, 1) used for ``name`` in ``draw`` (and row (src, row)), in pure Python.

    Weight streams are per draw (src and row None); input streams per draw and row.
    """
    h = mix64((_stream_key(seed, name) + draw) & _MASK)
    if src is not None:
        h = mix64(h ^ _row_id(src, row))
    return (h >> 11) * 2.0**-53


def _weight_stream(factor: str) -> str:
    return f"weight:{factor}"


# ---------------------------------------------------------------------- config
def settings(cfg: dict) -> dict:
    """The [stability] settings: the config's, key by key over the shipped ones; validated by
    config.Stability (ValueError naming the key)."""
    try:
        return config.section(cfg, "stability")
    except config.ConfigError as exc:
        raise ValueError(str(exc)) from None


# -------------------------------------------------------------------- the draws
def _streams(s: dict) -> list[str]:
    return [name for name, r in (*s["relative"].items(), *s["absolute"].items()) if r > 0]


def _draw_frame(start: int, stop: int, seed: int, cfg: dict, s: dict) -> pl.DataFrame:
    """One row per draw: __draw, the per-draw weights __w_<factor>, and per-input draw hashes __h_<input>."""
    w = s["weight_range"]
    frame = pl.DataFrame({"__draw": pl.int_range(start, stop, dtype=pl.UInt64, eager=True)})
    hashes = {f"__h_{name}": pl.lit(_stream_key(seed, name), pl.UInt64) + pl.col("__draw") for name in _streams(s)}
    if w > 0:
        hashes.update({
            f"__h_{_weight_stream(f)}": pl.lit(_stream_key(seed, _weight_stream(f)), pl.UInt64) + pl.col("__draw")
            for f in FACTORS
        })
    frame = _with_mixed(frame, hashes)
    if w == 0:
        # The config's weights as they are: fit_score is then exactly decide()'s.
        weights = {f: pl.lit(float(cfg["weights"][f])) for f in FACTORS}
    else:
        raw = {
            f: float(cfg["weights"][f]) * (1 - w + 2 * w * _unit(pl.col(f"__h_{_weight_stream(f)}")))
            for f in FACTORS
        }
        total = pl.sum_horizontal(list(raw.values()))
        weights = {f: e / total for f, e in raw.items()}
    return frame.with_columns(*[e.alias(f"__w_{f}") for f, e in weights.items()]).select(
        "__draw", *[f"__w_{f}" for f in FACTORS], *[f"__h_{name}" for name in _streams(s)]
    )


def _perturb(frame: pl.LazyFrame, s: dict) -> pl.LazyFrame:
    """Multiply (relative) or shift (absolute, clipped to 0-1) each uncertain input by its draw."""
    streams = _streams(s)
    if not streams:
        return frame
    frame = _with_mixed(frame, {f"__u_{n}": pl.col(f"__h_{n}") ^ pl.col("__rowid") for n in streams})
    out = []
    for name, r in s["relative"].items():
        if r > 0:
            out.append((pl.col(name) * (1 - r + 2 * r * _unit(pl.col(f"__u_{name}")))).alias(name))
    for name, a in s["absolute"].items():
        if a > 0:
            out.append((pl.col(name) + (2 * _unit(pl.col(f"__u_{name}")) - 1) * a).clip(0.0, 1.0).alias(name))
    return frame.with_columns(out)


# What a draw reads of a row is its facts: the words that name or describe it and where its prices
# came from are left out of the rows x draws frame (the zero-range test checks nothing it needs is).
DESCRIBES = ("use_case_id", "use_case", "business_unit", "owner", "description", "stage", "__key", "price_model",
             "price_provider", "price_error", "price_source", "price_catalog", "batch_price_source",
             "alt_price_source", "alt_price_error", "ft_price_source", "model_deprecated")
# What option_prices reads of a row besides the model names: perturbing one of these reprices the options.
PRICED_BY = tuple(e.meta.output_name() for e in prices.TOKENS)


def _draw_config(cfg: dict) -> dict:
    """The config the draws decide with: the decision reads each option's net savings and total over the
    horizon, never its break-even, so the options' month loop stops at the horizon (the same numbers)."""
    money = cfg["money"]
    return {**cfg, "money": {**money, "break_even_search_months": money["horizon_months"]}}


def _scored(frame: pl.LazyFrame, cfg: dict) -> pl.DataFrame:
    """factor_scores and fit_score (the draw's weights) on the perturbed rows, without the text columns
    (the reasons and data_completeness are never computed: the frame is lazy until collected)."""
    decimals = cfg["output"]["score_decimals"]
    fit = pl.sum_horizontal([pl.col(f"{f}_score") * pl.col(f"__w_{f}") for f in FACTORS]).round(decimals)
    texts = [f"__{f}_why" for f in FACTORS] + ["data_completeness"]
    # The run's decision reads monthly_api_cost and api_cost_per_call as money() rounds them (cents; 6
    # decimals): money() itself is not run in the draws (its other columns are not read; a third of a draw).
    rounded = [pl.col("monthly_api_cost").round(2), pl.col("api_cost_per_call").round(6)]
    return (factor_scores(frame, cfg).with_columns(fit.alias("fit_score"), *rounded)
            .drop(*texts, cs.starts_with("__h_", "__u_", "__w_"), "__rowid").collect())


def decided(rows: pl.DataFrame, draws: pl.DataFrame, cfg: dict, s: dict, at: date) -> pl.DataFrame:
    """Each row of ``rows`` (stability's, with __rowid) in each draw of ``draws`` (``_draw_frame``'s),
    decided as the run decides on its perturbed inputs: the factor scores, the option prices where a
    perturbed input feeds them (prices.option_prices at the price date ``at``; else the row's own are
    what it would give), every option's money (options.options) and the decision (decide.decide), by
    rank.decide_priced without the words. One row per row and draw, __draw and the run's columns.
    (Today's price per token is the row's, perturbed: a catalog price with tiers is not looked up again
    for perturbed tokens.)"""
    frame = _scored(_perturb(rows.drop(DESCRIBES, strict=False).lazy().join(draws.lazy(), how="cross"), s), cfg)
    if any(name in _streams(s) for name in PRICED_BY):
        frame = prices.option_prices(frame, cfg, at)
    return decide_priced(frame, _draw_config(cfg), with_words=False)


def _chunk_counts(rows: pl.DataFrame, draws: pl.DataFrame, cfg: dict, s: dict, at: date) -> pl.DataFrame:
    """Per row (__i): in how many of these draws it ranks <= TOP and keeps its decision. Each draw is
    decided as the run decides (``decided``) and ranked by SPEC §6 (rank.order_keys), ties by the
    baseline rank."""
    keys, descending = order_keys(cfg)
    return (
        decided(rows, draws, cfg, s, at)
        .select("__i", "__draw", "__base_code", "__base_rank", *[k.alias(f"__k{i}") for i, k in enumerate(keys)],
                pl.col("recommendation").replace_strict(_CODES, return_dtype=pl.Int8).alias("__code"))
        .sort(["__draw", *[f"__k{i}" for i in range(len(keys))], "__base_rank"],
              descending=[False, *descending, False], nulls_last=True)
        .with_columns(pl.int_range(1, pl.len() + 1).over("__draw").alias("__rank"))
        .group_by("__i")
        .agg(
            (pl.col("__rank") <= TOP).sum().cast(pl.Int64).alias("__top"),
            (pl.col("__code") == pl.col("__base_code")).sum().cast(pl.Int64).alias("__same"),
            pl.len().cast(pl.Int64).alias("__n"),
        )
    )


def _rows(valid: pl.DataFrame, baseline: pl.DataFrame) -> pl.DataFrame:
    """valid with its baseline rank and decision code, a position __i and a row identity __rowid."""
    for name, frame, cols in (("valid", valid, KEY), ("baseline", baseline, [*KEY, "recommendation", "rank"])):
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ValueError(f"stability: {name} lacks column(s) {', '.join(missing)}")
    base = baseline.select(
        *KEY,
        pl.col("rank").cast(pl.Int64).alias("__base_rank"),
        pl.col("recommendation").replace_strict(_CODES, return_dtype=pl.Int8).alias("__base_code"),
    )
    rows = valid.with_row_index("__i").join(base, on=KEY, how="left", maintain_order="left")
    if (rows.height != valid.height or base.height != valid.height or rows.get_column("__base_rank").null_count()
            or valid.select(KEY).is_duplicated().any()):
        raise ValueError("stability: baseline must hold exactly the rows of valid (same __src, __row)")
    src, row = pl.col(SRC).cast(pl.UInt64), pl.col(ROW).cast(pl.UInt64)
    ident = (src % (1 << 32)) * pl.lit(1 << 32, pl.UInt64) + row % (1 << 32)
    return _with_mixed(rows, {"__rowid": ident})


def stability(valid: pl.DataFrame, baseline: pl.DataFrame, cfg: dict, draws: int, seed: int | None = None,
              *, chunk_rows: int = CHUNK_ROWS, at: date | None = None) -> pl.DataFrame:
    """One row per use case of ``valid``, in its order: __src, __row, p_top10, p_same_decision.

    valid: the rows as passed to factor_scores (canonical columns, __src, __row);
    baseline: the scored and ranked frame of the same rows (recommendation, rank).
    p_top10: share of the draws in which the row ranks 1..10; p_same_decision:
    share in which its recommendation is the baseline's. seed: the config's stability.seed
    unless given. Same seed, same
    numbers; the result does not depend on ``chunk_rows`` (draws are scored
    about chunk_rows rows x draws at a time) nor on the order of the rows. at: the price date of the
    option prices where a perturbed input reprices them (the run's; today by default).
    """
    if not isinstance(draws, int) or isinstance(draws, bool) or draws < 1:
        raise ValueError(f"stability: draws must be a whole number of at least 1, got {draws!r}")
    s = settings(cfg)
    seed = s["seed"] if seed is None else seed
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError(f"stability: seed must be a whole number, got {seed!r}")
    rows = _rows(valid, baseline)
    out_schema = {SRC: valid.schema[SRC], ROW: valid.schema[ROW], "p_top10": pl.Float64, "p_same_decision": pl.Float64}
    if rows.height == 0:
        return pl.DataFrame(schema=out_schema)
    per_chunk = max(1, chunk_rows // rows.height)
    at = at or date.today()
    counts = [
        _chunk_counts(rows, _draw_frame(start, min(start + per_chunk, draws), seed, cfg, s), cfg, s, at)
        for start in range(0, draws, per_chunk)
    ]
    total = pl.concat(counts).group_by("__i").agg(pl.col("__top", "__same", "__n").sum())
    # Each share is __top / __n with __n (the draws counted for the row) a real column: polars
    # turns division by a literal into multiplication by its reciprocal (479 / 1000 -> 0.47900000000000004).
    shares = rows.select("__i", *KEY).join(total, on="__i", how="left", maintain_order="left")
    if shares.get_column("__n").null_count() or (shares.get_column("__n") != draws).any():
        raise AssertionError("stability: a row was not scored in every draw")  # our bug
    return shares.select(
        *KEY,
        (pl.col("__top").cast(pl.Float64) / pl.col("__n").cast(pl.Float64)).alias("p_top10"),
        (pl.col("__same").cast(pl.Float64) / pl.col("__n").cast(pl.Float64)).alias("p_same_decision"),
    )


# ------------------------------------------------------------------ fragility
def fragile(result_frame: pl.DataFrame, baseline: pl.DataFrame, k: int = 5) -> pl.DataFrame:
    """The k use cases whose decision flips most easily: lowest p_same_decision first, ties by rank.

    Only rows whose decision flipped in at least one draw (p_same_decision < 1)
    are listed, so the frame may hold fewer than k rows (none: every decision held).
    Columns: __src, __row, use_case_id and use_case when the baseline has them,
    recommendation, rank, p_same_decision, p_top10.
    """
    context = [c for c in ("use_case_id", "use_case", "recommendation", "rank") if c in baseline.columns]
    return (
        result_frame.join(baseline.select(*KEY, *context), on=KEY, how="left", maintain_order="left")
        .filter(pl.col("p_same_decision") < 1)
        .sort(["p_same_decision", *(["rank"] if "rank" in context else []), *KEY], nulls_last=True, maintain_order=True)
        .head(k)
        .select(*KEY, *context, "p_same_decision", "p_top10")
    )


def fragile_line(frame: pl.DataFrame, draws: int | None = None) -> str:
    """One line for the Summary sheet from ``fragile``'s frame."""
    if frame.height == 0:
        return "No decision changed in any draw" + (f" ({draws:,} draws)." if draws else ".")
    name = "use_case" if "use_case" in frame.columns else ("use_case_id" if "use_case_id" in frame.columns else None)
    parts = []
    for r in frame.iter_rows(named=True):
        label = r[name] if name and r[name] is not None else f"row {r[ROW]}"
        rec = f"{r['recommendation']}, " if r.get("recommendation") else ""
        parts.append(f"{label} ({rec}holds in {r['p_same_decision']:.0%} of draws)")
    suffix = f" over {draws:,} draws" if draws else ""
    return f"Decisions that flip most easily{suffix}: " + "; ".join(parts)
