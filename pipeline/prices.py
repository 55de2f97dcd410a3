"""API prices for a named model, from the genai-prices catalog (offline) or the config.

Prices are looked up once per distinct model, at the price date (a catalog
entry can change on a date), and then applied to every row as polars
expressions. The catalog's bundled snapshot is used as shipped: its network
update is never turned on. Tiered prices (a higher rate for every token once a
prompt passes a threshold) are kept as tiers and applied per row.
"""

from __future__ import annotations

import difflib
from datetime import date, datetime, time, timezone
from decimal import Decimal
from functools import lru_cache
from importlib.metadata import PackageNotFoundError, version

import polars as pl

MAX_TIERS = 3
PARTS = ("input", "output", "cache")  # per-1M rates: input tokens, output tokens, cached input tokens
ATTR = {"input": "input_mtok", "output": "output_mtok", "cache": "cache_read_mtok"}


def catalog_version() -> str:
    try:
        return f"genai-prices {version('genai-prices')}"
    except PackageNotFoundError:
        return "genai-prices (not installed)"


@lru_cache(maxsize=1)
def known_models() -> tuple[str, ...]:
    from genai_prices.data_snapshot import get_snapshot

    return tuple(sorted({m.id for p in get_snapshot().providers for m in p.models}))


def _split_tiers(value) -> tuple[float | None, list[tuple[int, float]]]:
    if value is None:
        return None, []
    if isinstance(value, Decimal):
        return float(value), []
    base = getattr(value, "base", None)
    tiers = [(int(t.start), float(t.price)) for t in getattr(value, "tiers", [])]
    return (float(base) if base is not None else None), tiers


def _resolve(model_ref: str, at: datetime):
    """(provider id, model id, ModelPrice) or raise LookupError."""
    from genai_prices import Usage, calc_price

    attempts = [(model_ref, None)]
    if "/" in model_ref:
        provider, _, name = model_ref.partition("/")
        attempts.append((name, provider.lower()))
    last: Exception | None = None
    for ref, provider in attempts:
        try:
            calc = calc_price(Usage(input_tokens=1, output_tokens=1), model_ref=ref, provider_id=provider,
                              genai_request_timestamp=at)
            return calc.provider.id, calc.model.id, calc.model_price
        except LookupError as exc:
            last = exc
    raise LookupError(str(last))


def _schema() -> dict[str, pl.DataType]:
    schema: dict[str, pl.DataType] = {"model": pl.String, "price_model": pl.String, "price_provider": pl.String,
                                      "price_error": pl.String}
    for part in PARTS:
        schema[f"__{part}_base"] = pl.Float64
        for k in range(1, MAX_TIERS + 1):
            schema[f"__{part}_t{k}_start"] = pl.Float64
            schema[f"__{part}_t{k}_price"] = pl.Float64
    return schema


def lookup(models: list[str], at: date, cfg: dict) -> pl.DataFrame:
    """One row per distinct model name: per-1M rates (with tiers), the match, or the reason it failed."""
    when = datetime.combine(at, time(12), tzinfo=timezone.utc)
    own = {k.lower(): v for k, v in cfg["prices"]["models"].items()}
    rows = []
    for name in sorted(set(models)):
        row: dict = {"model": name}
        if name.lower() in own:
            entry = own[name.lower()]
            row.update(price_model=name, price_provider="config",
                       __input_base=entry["input_per_1m"], __output_base=entry["output_per_1m"],
                       __cache_base=entry.get("cached_input_per_1m"))
            rows.append(row)
            continue
        try:
            provider, model_id, price = _resolve(name, when)
        except LookupError:
            close = difflib.get_close_matches(name.lower(), known_models(), n=3, cutoff=0.6)
            hint = f"; closest known: {', '.join(close)}" if close else ""
            row["price_error"] = f"unknown model '{name}' in the price catalog ({catalog_version()}){hint}"
            rows.append(row)
            continue
        row.update(price_model=model_id, price_provider=provider)
        for part in PARTS:
            base, tiers = _split_tiers(getattr(price, ATTR[part], None))
            row[f"__{part}_base"] = base
            for k, (start, rate) in enumerate(tiers[:MAX_TIERS], start=1):
                row[f"__{part}_t{k}_start"] = float(start)
                row[f"__{part}_t{k}_price"] = rate
        if row.get("__input_base") is None or row.get("__output_base") is None:
            row["price_error"] = f"the price catalog has no token prices for '{name}' ({model_id}, {provider})"
        rows.append(row)
    return pl.DataFrame(rows, schema=_schema())


def _rate(part: str, tokens: pl.Expr) -> pl.Expr:
    """Per-1M rate for a row: the highest tier whose threshold the prompt reaches, else the base."""
    tiers = [
        pl.when(tokens >= pl.col(f"__{part}_t{k}_start")).then(pl.col(f"__{part}_t{k}_price"))
        for k in range(MAX_TIERS, 0, -1)
    ]
    return pl.coalesce(*tiers, pl.col(f"__{part}_base"))


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
    cat_in = _rate("input", prompt) / 1000
    cat_out = _rate("output", prompt) / 1000
    cat_cache = pl.coalesce(_rate("cache", prompt), _rate("input", prompt)) / 1000
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
