"""API prices for a named model, from the genai-prices catalog (offline) or the config.

Prices are looked up once per distinct model, at the price date (a catalog
entry can change on a date), and then applied to every row as polars
expressions. The catalog's bundled snapshot is used as shipped: its network
update is never turned on. Tiered prices (a higher rate for every token once a
prompt passes a threshold) are kept as tiers and applied per row.

option_prices adds what the options of SPEC §3 need from the same catalog: its batch
price variants, a cheaper model's price (the row's alt_model or prices.step_down), the
provider's fine-tuned ("ft:") prices and its deprecated flag.
"""

from __future__ import annotations

import difflib
import importlib
import sys
import types
from datetime import date, datetime, time, timezone
from decimal import Decimal
from functools import lru_cache
from typing import Callable
from importlib.metadata import PackageNotFoundError, version

import polars as pl

from pipeline.slices import in_slices

MAX_TIERS = 3
PARTS = ("input", "output", "cache")  # per-1M rates: input tokens, output tokens, cached input tokens
ATTR = {"input": "input_mtok", "output": "output_mtok", "cache": "cache_read_mtok"}


UPDATER = "genai_prices.update_prices"


def _genai():
    """The genai_prices package. Imported here first, it comes without its network updater (httpx and
    asyncio: ~40 ms of every run), which ftscore never starts: the package's names for it call the real
    updater, imported on first use. If that does not work with this version, a plain import."""
    if "genai_prices" in sys.modules or UPDATER in sys.modules:
        return importlib.import_module("genai_prices")

    def deferred(name: str):
        if name.startswith("__"):
            raise AttributeError(name)

        def call(*args, **kwargs):
            if sys.modules.get(UPDATER) is stub:
                del sys.modules[UPDATER]
            return getattr(importlib.import_module(UPDATER), name)(*args, **kwargs)
        return call

    stub = types.ModuleType(UPDATER)
    stub.__getattr__ = deferred
    sys.modules[UPDATER] = stub
    try:
        return importlib.import_module("genai_prices")
    except Exception:  # noqa: BLE001  (another version's package: import it as it is)
        for name in [n for n in sys.modules if n == "genai_prices" or n.startswith("genai_prices.")]:
            del sys.modules[name]
        return importlib.import_module("genai_prices")
    finally:
        if sys.modules.get(UPDATER) is stub:
            del sys.modules[UPDATER]


def catalog_version() -> str:
    try:
        return f"genai-prices {version('genai-prices')}"
    except PackageNotFoundError:
        return "genai-prices (not installed)"


@lru_cache(maxsize=1)
def known_models() -> tuple[str, ...]:
    return tuple(sorted({m.id for p in _genai().data_snapshot.get_snapshot().providers for m in p.models}))


def _split_tiers(value) -> tuple[float | None, list[tuple[int, float]]]:
    if value is None:
        return None, []
    if isinstance(value, Decimal):
        return float(value), []
    base = getattr(value, "base", None)
    tiers = [(int(t.start), float(t.price)) for t in getattr(value, "tiers", [])]
    return (float(base) if base is not None else None), tiers


def _rates(price, prefix: str = "__") -> dict:
    """A catalog ModelPrice as the rate columns of one look-up row: base and tiers per part."""
    row: dict = {}
    for part in PARTS:
        base, tiers = _split_tiers(getattr(price, ATTR[part], None))
        row[f"{prefix}{part}_base"] = base
        for k, (start, rate) in enumerate(tiers[:MAX_TIERS], start=1):
            row[f"{prefix}{part}_t{k}_start"] = float(start)
            row[f"{prefix}{part}_t{k}_price"] = rate
    return row


def _own_rates(entry: dict, prefix: str = "__") -> dict:
    """A [prices.models] entry as the rate columns of one look-up row (no tiers)."""
    return {f"{prefix}input_base": entry["input_per_1m"], f"{prefix}output_base": entry["output_per_1m"],
            f"{prefix}cache_base": entry.get("cached_input_per_1m")}


def closest_known(name: str) -> str:
    """'; closest known: a, b' naming catalog models close to ``name``, or ''."""
    close = difflib.get_close_matches(name.lower(), known_models(), n=3, cutoff=0.6)
    return f"; closest known: {', '.join(close)}" if close else ""


def _calc(model_ref: str, at: datetime):
    """The catalog's PriceCalculation for a model name (a "provider/" prefix tried too), or raise LookupError."""
    genai = _genai()
    attempts = [(model_ref, None)]
    if "/" in model_ref:
        provider, _, name = model_ref.partition("/")
        attempts.append((name, provider.lower()))
    why = ""
    for ref, provider in attempts:
        try:
            return genai.calc_price(genai.Usage(input_tokens=1, output_tokens=1), model_ref=ref,
                                    provider_id=provider, genai_request_timestamp=at)
        except LookupError as exc:
            # its words only: a kept exception holds its traceback, whose frames hold the callers' frames
            # and their frames (the whole portfolio) until Python's cycle collector happens to run
            why = str(exc)
    raise LookupError(why)


@lru_cache(maxsize=256)
def catalog_knows(name: str) -> bool:
    """Whether the catalog matches this model name at all (at today's date; any date finds the same models)."""
    try:
        _calc(name, datetime.now(timezone.utc))
    except LookupError:
        return False
    return True


def unknown_model(name: str) -> str:
    """Why a model name has no price: the words of price_error, with the closest catalog names."""
    return f"unknown model '{name}' in the price catalog ({catalog_version()}){closest_known(name)}"


def _rate_schema(prefix: str = "__") -> dict[str, pl.DataType]:
    schema: dict[str, pl.DataType] = {}
    for part in PARTS:
        schema[f"{prefix}{part}_base"] = pl.Float64
        for k in range(1, MAX_TIERS + 1):
            schema[f"{prefix}{part}_t{k}_start"] = pl.Float64
            schema[f"{prefix}{part}_t{k}_price"] = pl.Float64
    return schema


def _schema() -> dict[str, pl.DataType]:
    return {"model": pl.String, "price_model": pl.String, "price_provider": pl.String, "price_error": pl.String,
            **_rate_schema()}


def _price_row(name: str, when: datetime, own: dict):
    """One look-up row for a model name (config first, then the catalog) and the catalog's match or None."""
    row: dict = {"model": name}
    if name.lower() in own:
        row.update(price_model=name, price_provider="config", **_own_rates(own[name.lower()]))
        return row, None
    try:
        calc = _calc(name, when)
    except LookupError:
        row["price_error"] = unknown_model(name)
        return row, None
    row.update(price_model=calc.model.id, price_provider=calc.provider.id, **_rates(calc.model_price))
    if row.get("__input_base") is None or row.get("__output_base") is None:
        row["price_error"] = (f"the price catalog has no token prices for '{name}' ({calc.model.id}, "
                              f"{calc.provider.id})")
    return row, calc


def _when(at: date) -> datetime:
    return datetime.combine(at, time(12), tzinfo=timezone.utc)


def lookup(models: list[str], at: date, cfg: dict) -> pl.DataFrame:
    """One row per distinct model name: per-1M rates (with tiers), the match, or the reason it failed."""
    own = {k.lower(): v for k, v in cfg["prices"]["models"].items()}
    rows = [_price_row(name, _when(at), own)[0] for name in sorted(set(models))]
    return pl.DataFrame(rows, schema=_schema())


def _rate(part: str, tokens: pl.Expr, prefix: str = "__") -> pl.Expr:
    """Per-1M rate for a row: the highest tier whose threshold the prompt reaches, else the base."""
    tiers = [
        pl.when(tokens >= pl.col(f"{prefix}{part}_t{k}_start")).then(pl.col(f"{prefix}{part}_t{k}_price"))
        for k in range(MAX_TIERS, 0, -1)
    ]
    return pl.coalesce(*tiers, pl.col(f"{prefix}{part}_base"))


def _per_1k(prompt: pl.Expr, prefix: str = "__") -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """(input, cached input, output) USD per 1K tokens from looked-up rates: the cached rate falls
    back to the input rate where the price list has none."""
    return (_rate("input", prompt, prefix) / 1000,
            pl.coalesce(_rate("cache", prompt, prefix), _rate("input", prompt, prefix)) / 1000,
            _rate("output", prompt, prefix) / 1000)


def apply(parsed: pl.DataFrame, cfg: dict, at: date) -> pl.DataFrame:
    """Fill per-1K prices from the catalog or config where a row names a model and gives no price.

    Adds price_source (row / catalog / config), price_model, price_provider,
    price_catalog and price_error (why a needed price could not be found).
    """
    needs = parsed.filter(
        pl.col("model").is_not_null()
        & (pl.col("input_price_per_1k").is_null() | pl.col("output_price_per_1k").is_null())
    )
    models = needs.get_column("model").unique().drop_nulls().to_list()
    table = lookup(models, at, cfg)
    out = parsed.join(table, on="model", how="left", maintain_order="left")
    prompt = pl.col("input_tokens")
    from_list = pl.col("price_provider").is_not_null() & pl.col("price_error").is_null()
    cat_in, cat_cache, cat_out = _per_1k(prompt)
    row_in, row_out = pl.col("input_price_per_1k"), pl.col("output_price_per_1k")
    used_list = from_list & (row_in.is_null() | row_out.is_null())
    source = (
        pl.when(row_in.is_not_null() & row_out.is_not_null()).then(pl.lit("row"))
        .when(used_list & (pl.col("price_provider") == "config")).then(pl.lit("config"))
        .when(used_list).then(pl.lit("catalog"))
    )
    filled = out.with_columns(
        pl.when(used_list).then(pl.coalesce(row_in, cat_in)).otherwise(row_in).alias("input_price_per_1k"),
        pl.when(used_list).then(pl.coalesce(row_out, cat_out)).otherwise(row_out).alias("output_price_per_1k"),
        pl.when(used_list).then(pl.coalesce(pl.col("cached_input_price_per_1k"), cat_cache))
        .otherwise(pl.col("cached_input_price_per_1k")).alias("cached_input_price_per_1k"),
        source.alias("price_source"),
        pl.when(used_list & (pl.col("price_provider") == "config")).then(pl.lit("config file"))
        .when(used_list).then(pl.lit(catalog_version())).alias("price_catalog"),
        pl.when(row_in.is_null() | row_out.is_null()).then(pl.col("price_error")).alias("price_error"),
    ).with_columns(
        pl.when(pl.col("price_source").is_in(["catalog", "config"])).then(pl.col("price_model")).alias("price_model"),
        pl.when(pl.col("price_source").is_in(["catalog", "config"])).then(pl.col("price_provider")).alias("price_provider"),
    )
    helper = [c for c in table.columns if c.startswith("__")]
    return filled.drop(helper)


# ---------------------------------------------------------------- prices of the options (SPEC §3)
BATCH = {"processing": "batch"}  # the catalog's request context for its batch prices (price_variants)
FT_PREFIX = "ft:"  # catalog ids of provider fine-tuned models ("ft:gpt-4o-mini"); [prices.models] keys alike
TOKENS = (pl.col("input_tokens"), pl.col("cached_input_tokens"), pl.col("output_tokens"))
NOMINAL = (pl.lit(1.0), pl.lit(0.0), pl.lit(1.0))  # a call of one input and one output token
OPTION_COLUMNS = ("batch_price_ratio", "batch_price_source", "alt_model_used", "alt_cost_per_call",
                  "alt_price_source", "alt_price_error", "ft_model", "ft_cost_per_call", "ft_price_source",
                  "model_deprecated")


def catalog_source() -> str:
    """The provenance text of a catalog price: "catalog genai-prices X.Y"."""
    return f"catalog {catalog_version()}"


def _batch_rates(calc, when: datetime) -> dict:
    """The catalog's batch prices of the model at the date, where a batch variant changes a price; else {}."""
    batch = calc.model.calc_price(_genai().Usage(input_tokens=1, output_tokens=1), calc.provider,
                                  genai_request_timestamp=when, price_context=BATCH).model_price
    if all(getattr(batch, ATTR[p], None) == getattr(calc.model_price, ATTR[p], None) for p in PARTS):
        return {}
    return _rates(batch, "__batch_")


def _catalog_ft(calc, when: datetime) -> dict:
    """The provider's fine-tuned price of the model: its catalog entry "ft:<id>" (or "ft:<id>-"), or the
    model itself when it is a fine-tuned one; {} where the provider lists none with token prices."""
    model = calc.model
    if model.id.startswith(FT_PREFIX) or ".ft-" in model.id:
        tuned = model
    else:
        wanted = {f"{FT_PREFIX}{model.id}", f"{FT_PREFIX}{model.id}-"}
        tuned = next((m for m in calc.provider.models if m.id in wanted), None)
    if tuned is None:
        return {}
    price = tuned.get_prices(when)
    if price.input_mtok is None or price.output_mtok is None:
        return {}
    return {"ft_model": tuned.id, "ft_source": catalog_source(), **_rates(price, "__ft_")}


def _own_ft(names: list[str], own: dict, spelled: dict) -> dict:
    """A [prices.models] entry "ft:<model>" for the model as written or as the catalog names it; else {}."""
    for name in names:
        key = f"{FT_PREFIX}{name.lower()}"
        if key in own:
            return {"ft_model": spelled[key], "ft_source": "config", **_own_rates(own[key], "__ft_")}
    return {}


# The columns option_prices reads (alt_model where the input has it)
OPTION_INPUTS = ("model", "alt_model", "input_tokens", "cached_input_tokens", "output_tokens")


def _option_schema() -> dict[str, pl.DataType]:
    return {**_schema(), **_rate_schema("__batch_"), **_rate_schema("__ft_"), "deprecated": pl.Boolean,
            "ft_model": pl.String, "ft_source": pl.String}


def _option_table(names: list[str], at: date, cfg: dict) -> pl.DataFrame:
    """Per distinct model name: its standard, batch and fine-tuned rates, and the catalog's deprecated flag."""
    when = _when(at)
    spelled = {k.lower(): k for k in cfg["prices"]["models"]}
    own = {k.lower(): v for k, v in cfg["prices"]["models"].items()}
    rows = []
    for name in sorted(set(names)):
        row, calc = _price_row(name, when, own)
        if calc is not None:
            row.update(deprecated=bool(calc.model.deprecated), **_batch_rates(calc, when), **_catalog_ft(calc, when))
        row.update(_own_ft([name, row.get("price_model") or name], own, spelled))  # the config wins
        rows.append(row)
    return pl.DataFrame(rows, schema=_option_schema())


def _side(table: pl.DataFrame, side: str) -> pl.DataFrame:
    return table.rename({c: f"{side}{c}" for c in table.columns})


def _cost(prefix: str, tokens: tuple[pl.Expr, pl.Expr, pl.Expr] = TOKENS) -> pl.Expr:
    """USD per call at looked-up rates (tiers and cached tokens as for today's price)."""
    from pipeline.score import api_cost_per_call

    return api_cost_per_call(_per_1k(tokens[0], prefix), tokens)


def _cost_or_nominal(prefix: str) -> pl.Expr:
    """The cost per call of the row's tokens, or of a nominal call where its tokens are unknown: for comparing
    two price lists (a ratio, the cheaper of two), not for money."""
    known = pl.col("input_tokens").is_not_null() & pl.col("output_tokens").is_not_null()
    return pl.when(known).then(_cost(prefix)).otherwise(_cost(prefix, NOMINAL))


def _source(provider: str) -> pl.Expr:
    return pl.when(pl.col(provider) == "config").then(pl.lit("config")).otherwise(pl.lit(catalog_source()))


def _alt_model(frame: pl.DataFrame, cfg: dict) -> pl.Expr:
    """The row's alt_model, else the step-down map's entry for the model as written or as the catalog names it."""
    given = (pl.col("alt_model").cast(pl.String).str.strip_chars() if "alt_model" in frame.columns
             else pl.lit(None, pl.String))
    steps = {k.lower(): v.strip() for k, v in cfg["prices"]["step_down"].items() if v.strip()}

    def step(column: str) -> pl.Expr:
        if not steps:
            return pl.lit(None, pl.String)
        return pl.col(column).str.to_lowercase().replace_strict(steps, default=None, return_dtype=pl.String)

    return pl.coalesce(pl.when(given != "").then(given), step("model"), step("m:price_model"))


# What several of OPTION_COLUMNS read, made once a slice as columns: one select makes each expression it
# is given whole, so the cost per call inlined in every column that compares it was made up to twelve
# times (at 1,000,000 rows option_prices took 2.8 s CPU, 1.6 of it in these selects).
def _shared() -> tuple[dict[str, pl.Expr], dict[str, pl.Expr]]:
    """The costs per call that the ratio and the choice of fine-tuned price compare, then the ratio and
    the choice."""
    costs = {"__standard": _cost_or_nominal("m:__"), "__batch": _cost_or_nominal("m:__batch_"),
             "__own_ft": _cost_or_nominal("m:__ft_"), "__alt_ft": _cost_or_nominal("a:__ft_")}
    own, alt = pl.col("m:ft_model").is_not_null(), pl.col("a:ft_model").is_not_null()
    choices = {"__ratio": pl.when(pl.col("m:price_error").is_null() & (pl.col("__standard") > 0))
               .then(pl.col("__batch") / pl.col("__standard")),
               "__use_own": own & (~alt | (pl.col("__own_ft") <= pl.col("__alt_ft")))}
    return costs, choices


def _batch_and_alt() -> list[pl.Expr]:
    ratio = pl.col("__ratio")
    alt_named = pl.col("alt_model_used").is_not_null()
    alt_priced = alt_named & pl.col("a:price_provider").is_not_null() & pl.col("a:price_error").is_null()
    return [
        ratio.alias("batch_price_ratio"),
        pl.when(ratio.is_not_null()).then(pl.lit(catalog_source())).alias("batch_price_source"),
        pl.when(alt_priced).then(_cost("a:__")).alias("alt_cost_per_call"),
        pl.when(alt_priced).then(_source("a:price_provider")).alias("alt_price_source"),
        pl.when(alt_named & pl.col("a:price_error").is_not_null()).then(pl.col("a:price_error"))
        .alias("alt_price_error"),
    ]


def _fine_tuned() -> list[pl.Expr]:
    """The model's or the alt model's fine-tuned price, the cheaper per call where both are priced."""
    use_own, alt = pl.col("__use_own"), pl.col("a:ft_model").is_not_null()

    def pick(mine: pl.Expr, theirs: pl.Expr) -> pl.Expr:
        return pl.when(use_own).then(mine).when(alt).then(theirs)

    return [
        pick(pl.col("m:ft_model"), pl.col("a:ft_model")).alias("ft_model"),
        pick(_cost("m:__ft_"), _cost("a:__ft_")).alias("ft_cost_per_call"),
        pick(pl.col("m:ft_source"), pl.col("a:ft_source")).alias("ft_price_source"),
    ]


PRICED_AT_ONCE = 20_000  # rows joined to the price tables at once (all 100,000 at once: +110 MB)


def _priced_options(model_side: pl.DataFrame, alt_side: pl.DataFrame) -> Callable[[pl.DataFrame], pl.DataFrame]:
    """OPTION_COLUMNS' values of some rows (OPTION_INPUTS and alt_model_used) from the two price tables:
    the expressions made once for every slice, and only the price columns they read joined."""
    costs, choices = _shared()
    exprs = ["alt_model_used", *_batch_and_alt(), *_fine_tuned(), pl.col("m:deprecated").alias("model_deprecated")]
    read = {name for e in [*costs.values(), *choices.values(), *exprs[1:]] for name in e.meta.root_names()}
    model_side = model_side.select(c for c in model_side.columns if c == "m:model" or c in read)
    alt_side = alt_side.select(c for c in alt_side.columns if c == "a:model" or c in read)

    def priced(rows: pl.DataFrame) -> pl.DataFrame:
        out = rows.join(model_side, left_on="model", right_on="m:model", how="left", maintain_order="left").join(
            alt_side, left_on="alt_model_used", right_on="a:model", how="left", maintain_order="left")
        return out.with_columns(**costs).with_columns(**choices).select(exprs)
    return priced


def option_prices(frame: pl.DataFrame, cfg: dict, at: date) -> pl.DataFrame:
    """The prices the options of SPEC §3 need, per row, at the price date ``at``.

    Adds batch_price_ratio (batch / standard cost per call where the catalog has a batch price for the
    model at the date; null elsewhere), alt_model_used (the row's alt_model, else prices.step_down's),
    alt_cost_per_call, ft_model and ft_cost_per_call (the provider's fine-tuned price of the model or
    the alt model, the cheaper per call), model_deprecated (the catalog's flag; null where the catalog
    does not price the model), the provenance of each price (batch_price_source, alt_price_source,
    ft_price_source: "catalog genai-prices X.Y" or "config") and alt_price_error (why a named alt model
    has no price). Every model is looked up once; costs per call use the row's tokens and today's rules
    for tiers and cached tokens (a ratio or a choice between two price lists uses a one-token call where
    the tokens are unknown).
    """
    models = frame.get_column("model").drop_nulls().unique().to_list()
    table = _option_table(models, at, cfg)
    # priced on the columns they read, then set beside the rest; a join copies every column of its
    # frame, and the two price tables add some sixty columns: joined and priced a chunk of rows at a time
    narrow = frame.select(c for c in OPTION_INPUTS if c in frame.columns)
    narrow = narrow.join(_side(table.select("model", "price_model"), "m:"), left_on="model", right_on="m:model",
                         how="left", maintain_order="left")
    narrow = narrow.with_columns(_alt_model(narrow, cfg).alias("alt_model_used")).drop("m:price_model")
    alts = narrow.get_column("alt_model_used").drop_nulls().unique().to_list()
    fresh = _option_table(sorted(set(alts) - set(models)), at, cfg)
    sides = _side(table, "m:"), _side(pl.concat([table.filter(pl.col("model").is_in(alts)), fresh]), "a:")
    out = in_slices(narrow, PRICED_AT_ONCE, _priced_options(*sides))
    if out.height != frame.height:
        raise AssertionError(f"option prices for {out.height} rows, the frame has {frame.height}")
    return frame.with_columns(out.get_columns())
