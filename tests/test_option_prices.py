"""The prices the options of SPEC §3 need (issue 12), from the real genai-prices catalog: batch
prices, the cheaper model (the row's alt_model or the shipped step-down map), the provider's
fine-tuned price, the deprecated flag, and where each price came from.

Expected costs are worked out by hand from the catalog's per-1M rates, quoted beside each test.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from conftest import SAMPLES, run_cli
from pipeline import config, prices
from pipeline.config import ConfigError

AT = date(2026, 11, 30)  # catalog batch variants start on 2026-10-14
BEFORE_BATCH = date(2026, 6, 1)
CATALOG = f"catalog {prices.catalog_version()}"


def frame(rows: list[dict]) -> pl.DataFrame:
    """A parsed-like frame: model, alt_model and tokens per call (missing keys are null)."""
    schema = {"model": pl.String, "alt_model": pl.String, "input_tokens": pl.Float64,
              "cached_input_tokens": pl.Float64, "output_tokens": pl.Float64}
    return pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema)


def call(model: str | None, output_tokens: int, **more) -> dict:
    """A row of 1,000 input tokens and ``output_tokens`` per call to ``model`` (``more``: alt_model...)."""
    return {"model": model, "input_tokens": 1000, "output_tokens": output_tokens, **more}


def load(tmp: Path, text: str = "") -> dict:
    path = tmp / "c.toml"
    path.write_text(text, encoding="utf-8")
    return config.load(path)


def one(rows: list[dict], cfg: dict | None = None, at: date = AT) -> list[dict]:
    out = prices.option_prices(frame(rows), cfg or config.load(), at)
    return out.select(prices.OPTION_COLUMNS).to_dicts()


# ------------------------------------------------------------------------------------------- batch
def test_batch_ratio_from_the_catalogs_batch_variant():
    # gpt-4o: $2.50 / $10 per 1M; its batch variant (from 2026-10-14) $1.25 / $5: half on both
    row, = one([call("gpt-4o", 200)])
    assert row["batch_price_ratio"] == pytest.approx(0.5)
    assert row["batch_price_source"] == CATALOG


def test_batch_ratio_keeps_the_standard_cached_rate_where_the_batch_list_has_none():
    # gpt-4o, 50,000 input tokens of which 40,000 cached, 500 output. Standard: 10,000 x 2.5e-6 +
    # 40,000 x 1.25e-6 + 500 x 10e-6 = 0.08. Batch (no cached batch rate: cached stays $1.25):
    # 10,000 x 1.25e-6 + 40,000 x 1.25e-6 + 500 x 5e-6 = 0.065
    row, = one([{"model": "gpt-4o", "input_tokens": 50000, "cached_input_tokens": 40000, "output_tokens": 500}])
    assert row["batch_price_ratio"] == pytest.approx(0.065 / 0.08)


def test_batch_ratio_follows_the_tier_of_the_prompt():
    # claude-sonnet-4-5: $3 / $15, from 200,000 prompt tokens $6 / $22.50; batch $1.50 / $7.50 and
    # $3 / $11.25: half on every tier
    low, high = one([call("claude-sonnet-4-5", 100),
                     {"model": "claude-sonnet-4-5", "input_tokens": 250000, "output_tokens": 100}])
    assert low["batch_price_ratio"] == pytest.approx(0.5) and high["batch_price_ratio"] == pytest.approx(0.5)


def test_no_batch_ratio_without_a_batch_price():
    # claude-3-5-sonnet has no batch variant; before 2026-10-14 gpt-4o has none either; an unknown
    # model, a config-priced one and no model have none
    cfg = config.load()
    cfg["prices"]["models"]["our-llama"] = {"input_per_1m": 0.5, "output_per_1m": 1.5}
    rows = [call(m, 100)
            for m in ("claude-3-5-sonnet", "gpt-4oo", "our-llama", None)]
    for row in one(rows, cfg):
        assert (row["batch_price_ratio"], row["batch_price_source"]) == (None, None)
    early, = one([call("gpt-4o", 100)], at=BEFORE_BATCH)
    assert (early["batch_price_ratio"], early["batch_price_source"]) == (None, None)


def test_batch_ratio_without_tokens_compares_the_rates():
    # no tokens: a one-input, one-output-token call: (1.25 + 5) / (2.5 + 10) = 0.5
    row, = one([{"model": "gpt-4o"}])
    assert row["batch_price_ratio"] == pytest.approx(0.5)
    assert row["alt_cost_per_call"] is None and row["ft_cost_per_call"] is None  # money needs the tokens


# ------------------------------------------------------------------------------------ the alt model
def test_step_down_prices_the_cheaper_model_with_the_rows_tokens():
    # gpt-4o -> gpt-4o-mini ($0.15 / $0.60): 1,000 x 0.15e-6 + 200 x 0.6e-6 = 0.00027
    row, = one([call("gpt-4o", 200)])
    assert (row["alt_model_used"], row["alt_price_source"]) == ("gpt-4o-mini", CATALOG)
    assert row["alt_cost_per_call"] == pytest.approx(0.00027)


def test_step_down_matches_the_catalogs_name_of_a_dated_model():
    # "gpt-4o-2024-08-06" is the catalog's gpt-4o; "GPT-4o" matches the key whatever its case
    a, b = one([call("gpt-4o-2024-08-06", 200),
                call("GPT-4o", 200)])
    assert a["alt_model_used"] == b["alt_model_used"] == "gpt-4o-mini"


def test_alt_cost_uses_the_alt_models_cached_rate_and_tiers():
    # claude-sonnet-4-6 -> claude-haiku-4-5: $1 input, $0.10 cached, $5 output per 1M.
    # 300,000 input (100,000 cached), 1,000 output: 200,000 x 1e-6 + 100,000 x 0.1e-6 + 1,000 x 5e-6
    row, = one([{"model": "claude-sonnet-4-6", "input_tokens": 300000, "cached_input_tokens": 100000,
                 "output_tokens": 1000}])
    assert row["alt_model_used"] == "claude-haiku-4-5"
    assert row["alt_cost_per_call"] == pytest.approx(0.2 + 0.01 + 0.005)
    # claude-haiku-5-5 from claude-sonnet-5-5: $0.10 / $0.50, from 100,000 prompt tokens $0.50 / $2.50
    row, = one([{"model": "claude-sonnet-5-5", "input_tokens": 150000, "output_tokens": 1000}])
    assert row["alt_cost_per_call"] == pytest.approx(150000 * 0.5e-6 + 1000 * 2.5e-6)


def test_the_rows_alt_model_wins_over_the_step_down_map():
    rows = [call("gpt-4o", 200, alt_model="gpt-4.1-nano"),
            call("gpt-4o", 200, alt_model="  "),
            call(None, 200, alt_model="gpt-4o-mini")]
    given, blank, no_model = one(rows)
    # gpt-4.1-nano: $0.10 / $0.40 -> 1,000 x 0.1e-6 + 200 x 0.4e-6 = 0.00018
    assert given["alt_model_used"] == "gpt-4.1-nano" and given["alt_cost_per_call"] == pytest.approx(0.00018)
    assert blank["alt_model_used"] == "gpt-4o-mini"
    assert no_model["alt_model_used"] == "gpt-4o-mini" and no_model["alt_cost_per_call"] == pytest.approx(0.00027)


def test_an_unknown_alt_model_has_no_price_and_says_why():
    row, = one([call("gpt-4o", 200, alt_model="gpt-4o-mimi")])
    assert row["alt_model_used"] == "gpt-4o-mimi"
    assert (row["alt_cost_per_call"], row["alt_price_source"]) == (None, None)
    assert "unknown model 'gpt-4o-mimi'" in row["alt_price_error"]
    assert "gpt-4o-mini" in row["alt_price_error"].split("closest known:")[1]


def test_no_alt_model_where_neither_the_row_nor_the_map_names_one():
    row, = one([call("claude-3-haiku", 200)])
    assert [row[k] for k in ("alt_model_used", "alt_cost_per_call", "alt_price_source", "alt_price_error")] == [None] * 4


def test_a_frame_without_an_alt_model_column_uses_the_map():
    out = prices.option_prices(frame([{"model": "gpt-4o", "input_tokens": 10, "output_tokens": 1}]).drop("alt_model"),
                               config.load(), AT)
    assert out.get_column("alt_model_used").to_list() == ["gpt-4o-mini"]


def test_config_priced_alt_model_and_a_users_step_down_entry(tmp: Path):
    cfg = load(tmp, '[prices.models]\n"our-small" = { input_per_1m = 0.2, output_per_1m = 0.4 }\n'
                    '[prices.step_down]\n"our-big" = "our-small"\n"gpt-4o" = "gpt-4.1-nano"\n"gpt-5" = ""\n')
    big, four_o, five = one([call("our-big", 100), call("gpt-4o", 100), call("gpt-5", 100)], cfg)
    assert (big["alt_model_used"], big["alt_price_source"]) == ("our-small", "config")
    assert big["alt_cost_per_call"] == pytest.approx(1000 * 0.2e-6 + 100 * 0.4e-6)
    assert four_o["alt_model_used"] == "gpt-4.1-nano"  # the user's entry overrides the shipped one
    assert five["alt_model_used"] is None  # "" turns the shipped entry off
    assert cfg["prices"]["step_down"]["claude-opus-5"] == "claude-sonnet-5"  # the others stay


# ---------------------------------------------------------------------------------- the fine-tuned
def test_fine_tuned_price_is_the_cheaper_of_the_model_and_its_alt_model():
    # gpt-4o: ft:gpt-4o $3.75 / $15; its step-down gpt-4o-mini: ft:gpt-4o-mini $0.30 / $1.20
    # 1,000 input + 200 output: 0.00675 against 0.00054 -> the alt model's
    row, = one([call("gpt-4o", 200)])
    assert (row["ft_model"], row["ft_price_source"]) == ("ft:gpt-4o-mini", CATALOG)
    assert row["ft_cost_per_call"] == pytest.approx(1000 * 0.3e-6 + 200 * 1.2e-6)


def test_fine_tuned_price_of_the_model_itself(tmp: Path):
    cfg = load(tmp, '[prices.step_down]\n"gpt-4o" = ""\n')
    row, = one([call("gpt-4o", 200)], cfg)
    assert row["ft_model"] == "ft:gpt-4o" and row["ft_cost_per_call"] == pytest.approx(1000 * 3.75e-6 + 200 * 15e-6)
    # the model's own where the alt model has none (gpt-4.1-nano has no ft: price)
    row, = one([call("gpt-4o-mini", 200, alt_model="gpt-4.1-nano")])
    assert row["ft_model"] == "ft:gpt-4o-mini"


def test_no_fine_tuned_price_where_the_catalog_has_none():
    for row in one([call(m, 200)
                    for m in ("claude-sonnet-4-6", "gemini-2.5-pro", "gpt-4oo", None)]):
        assert [row[k] for k in ("ft_model", "ft_cost_per_call", "ft_price_source")] == [None] * 3


def test_fine_tuned_price_from_the_config(tmp: Path):
    cfg = load(tmp, '[prices.models]\n"our-llama" = { input_per_1m = 0.5, output_per_1m = 1.5 }\n'
                    '"ft:our-llama" = { input_per_1m = 0.9, output_per_1m = 2.0 }\n'
                    '"FT:gpt-4o-mini" = { input_per_1m = 0.25, output_per_1m = 1.0 }\n'
                    '"ft:claude-haiku-4-5" = { input_per_1m = 1.5, output_per_1m = 7.5 }\n')
    llama, mini, sonnet = one([call("Our-Llama", 100),
                               call("gpt-4o-mini-2024-07-18", 100),
                               call("claude-sonnet-4-6", 100)], cfg)
    assert (llama["ft_model"], llama["ft_price_source"]) == ("ft:our-llama", "config")
    assert llama["ft_cost_per_call"] == pytest.approx(1000 * 0.9e-6 + 100 * 2.0e-6)
    # an entry for the catalog's name of the model wins over the catalog's ft:gpt-4o-mini
    assert (mini["ft_model"], mini["ft_price_source"]) == ("FT:gpt-4o-mini", "config")
    assert mini["ft_cost_per_call"] == pytest.approx(1000 * 0.25e-6 + 100 * 1.0e-6)
    # the alt model's (the step-down's) fine-tuned price from the config
    assert (sonnet["ft_model"], sonnet["ft_price_source"]) == ("ft:claude-haiku-4-5", "config")


# ---------------------------------------------------------------------------------- deprecated
def test_deprecated_is_the_catalogs_flag():
    rows = one([{"model": m} for m in ("gemini-2.0-flash", "gpt-4o", "gpt-4oo", None)])
    assert [r["model_deprecated"] for r in rows] == [True, False, None, None]


# ---------------------------------------------------------------------------------- the look-ups
def test_each_distinct_model_is_looked_up_once(monkeypatch):
    seen: list[str] = []
    real = prices._price_row

    def counted(name, when, own):
        seen.append(name)
        return real(name, when, own)

    monkeypatch.setattr(prices, "_price_row", counted)
    rows = [{"model": m, "alt_model": a, "input_tokens": 100, "output_tokens": 10}
            for m, a in [("gpt-4o", None), ("gpt-4o-mini", "gpt-4o"), ("claude-sonnet-4-6", None)] * 500]
    out = prices.option_prices(frame(rows), config.load(), AT)
    assert out.height == 1500 and out.columns[:5] == list(frame(rows).columns)
    assert sorted(seen) == ["claude-haiku-4-5", "claude-sonnet-4-6", "gpt-4o", "gpt-4o-mini"]


# ---------------------------------------------------------------------------------- the shipped map
def test_every_shipped_step_down_entry_is_a_cheaper_priced_model_of_the_same_provider():
    steps = config.defaults()["prices"]["step_down"]
    assert len(steps) >= 10
    table = prices.lookup(list(steps) + list(steps.values()), date.today(), config.load())
    found = {r["model"]: r for r in table.to_dicts()}
    for key, target in steps.items():
        assert found[key]["price_error"] is None and found[key]["price_model"] == key, key  # keys are catalog ids
        assert found[target]["price_error"] is None, target
        assert found[key]["price_provider"] == found[target]["price_provider"], key
        assert found[target]["__input_base"] < found[key]["__input_base"], key
        assert found[target]["__output_base"] < found[key]["__output_base"], key
    deprecated = one([{"model": t} for t in steps.values()], at=date.today())
    assert not any(r["model_deprecated"] for r in deprecated)


# ---------------------------------------------------------------------------------- config errors
@pytest.mark.parametrize("text, message", [
    ('[prices.step_down]\n"gpt-4o" = "gpt-4o-mimi"\n',
     "config key 'prices.step_down.gpt-4o' names 'gpt-4o-mimi', a model neither prices.models nor the price "
     f"catalog ({prices.catalog_version()}) knows; closest known: gpt-4o-mini"),
    ('[prices.step_down]\n"our-big" = "our-small"\n', "config key 'prices.step_down.our-big' names 'our-small'"),
    ('[prices.step_down]\n"gpt-4o" = 3\n', "config key 'prices.step_down.gpt-4o' must be a text, got number 3"),
    ('[prices.step_down]\n"our-big" = 3\n', "config key 'prices.step_down.our-big' must be a text, got number"),
])
def test_step_down_config_errors(tmp: Path, text: str, message: str):
    with pytest.raises(ConfigError) as err:
        load(tmp, text)
    assert str(err.value).startswith(message)


def test_a_step_down_entry_the_config_prices_is_accepted(tmp: Path):
    cfg = load(tmp, '[prices.models]\n"Our-Small" = { input_per_1m = 0.2, output_per_1m = 0.4 }\n'
                    '[prices.step_down]\n"our-big" = "our-small"\n')
    assert cfg["prices"]["step_down"]["our-big"] == "our-small"


def test_an_unknown_step_down_model_is_exit_2_on_the_command_line(tmp: Path):
    path = tmp / "c.toml"
    path.write_text('[prices.step_down]\n"claude-opus-5" = "claude-sonet-5"\n', encoding="utf-8")
    run = run_cli("score", SAMPLES / "portfolio.xlsx", "-o", tmp / "o.xlsx", "--config", path)
    assert run.code == 2 and "prices.step_down.claude-opus-5" in run.stderr and "claude-sonnet-5" in run.stderr


def test_a_failed_look_up_keeps_no_frame_alive():
    """A model the catalog does not know keeps no exception: a kept traceback holds the frames of
    every caller and their frames (at 100,000 rows, hundreds of MB) until the cycle collector runs."""
    import gc
    import weakref

    gc.disable()
    try:
        given = frame([call("no-such-model", 200, alt_model="gpt-4o-mimi"), call("acme/other-model", 100)])
        out = prices.option_prices(given, config.load(), AT)
        assert out.get_column("alt_price_error")[0] is not None  # the look-up failed
        refs = [weakref.ref(given), weakref.ref(out)]
        del given, out
        assert [r() for r in refs] == [None, None]
    finally:
        gc.enable()


def test_priced_a_few_rows_at_a_time_the_prices_are_the_same(monkeypatch):
    """Big portfolios are joined to the price tables PRICED_AT_ONCE rows at a time: the same columns,
    values and row order as all rows at once."""
    rows = [call("gpt-4o", 200), call("gpt-4o", 50, alt_model="gpt-4o-mini"), call("no-such-model", 10),
            call(None, 10), call("gpt-4o-mini", 900, alt_model="gpt-4o-mimi"), {"model": "gpt-4o"}]
    whole = prices.option_prices(frame(rows), config.load(), AT)
    monkeypatch.setattr(prices, "PRICED_AT_ONCE", 2)
    chunked = prices.option_prices(frame(rows), config.load(), AT)
    assert chunked.equals(whole) and whole.height == len(rows)
    assert whole.columns[len(frame(rows).columns):] == ["alt_model_used", *[c for c in prices.OPTION_COLUMNS
                                                                            if c != "alt_model_used"]]
    assert whole.get_column("batch_price_ratio").drop_nulls().len() >= 1  # some rows are priced


# ------------------------------------------------------------------ the option prices as they were (issue 12)
# _priced_options before the shared costs were made once a slice: every column inlined the costs per
# call it compares. Copied here as the reference the faster one must match exactly.
def _old_batch_and_alt() -> list[pl.Expr]:
    standard, batch = prices._cost_or_nominal("m:__"), prices._cost_or_nominal("m:__batch_")
    ratio = pl.when(pl.col("m:price_error").is_null() & (standard > 0)).then(batch / standard)
    alt_named = pl.col("alt_model_used").is_not_null()
    alt_priced = alt_named & pl.col("a:price_provider").is_not_null() & pl.col("a:price_error").is_null()
    return [
        ratio.alias("batch_price_ratio"),
        pl.when(ratio.is_not_null()).then(pl.lit(prices.catalog_source())).alias("batch_price_source"),
        pl.when(alt_priced).then(prices._cost("a:__")).alias("alt_cost_per_call"),
        pl.when(alt_priced).then(prices._source("a:price_provider")).alias("alt_price_source"),
        pl.when(alt_named & pl.col("a:price_error").is_not_null()).then(pl.col("a:price_error"))
        .alias("alt_price_error"),
    ]


def _old_fine_tuned() -> list[pl.Expr]:
    own, alt = pl.col("m:ft_model").is_not_null(), pl.col("a:ft_model").is_not_null()
    use_own = own & (~alt | (prices._cost_or_nominal("m:__ft_") <= prices._cost_or_nominal("a:__ft_")))

    def pick(mine: pl.Expr, theirs: pl.Expr) -> pl.Expr:
        return pl.when(use_own).then(mine).when(alt).then(theirs)

    return [
        pick(pl.col("m:ft_model"), pl.col("a:ft_model")).alias("ft_model"),
        pick(prices._cost("m:__ft_"), prices._cost("a:__ft_")).alias("ft_cost_per_call"),
        pick(pl.col("m:ft_source"), pl.col("a:ft_source")).alias("ft_price_source"),
    ]


def _old_priced_options(rows: pl.DataFrame, model_side: pl.DataFrame, alt_side: pl.DataFrame) -> pl.DataFrame:
    out = rows.join(model_side, left_on="model", right_on="m:model", how="left", maintain_order="left").join(
        alt_side, left_on="alt_model_used", right_on="a:model", how="left", maintain_order="left")
    return out.select("alt_model_used", *_old_batch_and_alt(), *_old_fine_tuned(),
                      pl.col("m:deprecated").alias("model_deprecated"))


def test_option_prices_are_the_old_ones_value_for_value(tmp_path, monkeypatch):
    import random

    cfg = load(tmp_path, '[prices.models]\n"ft:gpt-4.1" = { input_per_1m = 3.1, output_per_1m = 11.9 }\n'
                         '"our-llama" = { input_per_1m = 0.6, output_per_1m = 0.8 }\n'
                         '"ft:our-llama" = { input_per_1m = 0.9, output_per_1m = 1.2 }\n')
    models = ["gpt-4o", "gpt-4o-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-5", "claude-haiku-4-5", "claude-sonnet-4-5",
              "gemini-2.5-pro", "our-llama", "gpt-4o-mimi", None]
    rng = random.Random(12)
    rows = [{"model": rng.choice(models), "alt_model": rng.choice([None, None, "", *models]),
             "input_tokens": rng.choice([None, rng.uniform(10, 300_000)]),
             "cached_input_tokens": rng.choice([None, 0.0, rng.uniform(0, 200_000)]),
             "output_tokens": rng.choice([None, rng.uniform(1, 5_000)])} for _ in range(600)]
    got = prices.option_prices(frame(rows), cfg, AT)
    monkeypatch.setattr(prices, "_priced_options",
                        lambda model_side, alt_side: lambda part: _old_priced_options(part, model_side, alt_side))
    monkeypatch.setattr(prices, "PRICED_AT_ONCE", 7)  # and sliced differently
    want = prices.option_prices(frame(rows), cfg, AT)
    assert got.equals(want)
    seen = want.select(pl.col("batch_price_ratio").is_not_null().sum(), pl.col("alt_cost_per_call").is_not_null()
                       .sum(), pl.col("ft_cost_per_call").is_not_null().sum(), pl.col("ft_price_source").n_unique())
    assert all(v > 1 for v in seen.row(0)), seen  # batch ratios, alt prices, fine-tuned prices of both kinds
