"""The options of SPEC v2 section 3 with section 5's money (pipeline/options.py).

Values come from the SPEC's worked examples (6a: 2, 6, 7, 9, 10, 12) and from an independent
month-by-month loop written below in plain Python with the SPEC's default numbers.
"""

from __future__ import annotations

import copy
import math
import random

import polars as pl
import pytest

from pipeline import config
from pipeline.config import ConfigError
from pipeline import options as opt_mod
from pipeline.options import OPTIONS, options

DAY = 86_400
NUMBERS = ("monthly_api_cost", "monthly_calls", "input_tokens", "output_tokens", "usage_growth_pct",
           "api_price_change_pct", "finetune_setup_cost", "finetune_monthly_cost", "gpu_hourly_cost",
           "throughput_tokens_per_s", "gpu_utilisation", "team_size", "team_monthly_cost", "max_latency_effective_s",
           "api_cost_per_call", "alt_cost_per_call", "ft_cost_per_call", "batch_price_ratio", "gpus")
SCHEMA = {**{n: pl.Float64 for n in NUMBERS}, "batch_eligible": pl.Boolean, "alt_model_used": pl.String}


@pytest.fixture(scope="module")
def cfg() -> dict:
    return config.load()


def frame(*rows: dict) -> pl.DataFrame:
    return pl.DataFrame([{n: row.get(n) for n in SCHEMA} for row in rows], schema=SCHEMA)


def one(cfg: dict, **row) -> dict:
    return options(frame(row), cfg).row(0, named=True)


# ------------------------------------------------------------------ SPEC 6a worked examples
EXAMPLE_2 = dict(monthly_api_cost=10_000, finetune_setup_cost=20_000, finetune_monthly_cost=2_000)


def test_example_2_no_build_months_no_retraining(cfg):
    plain = copy.deepcopy(cfg)
    plain["options"]["self_host_finetune"]["build_months"] = 0
    plain["options"]["retrain_share"] = 0.0
    got = one(config.validate(plain), **EXAMPLE_2)
    assert got["self_host_finetune__break_even"] == 2.5
    assert got["self_host_finetune__net_12"] == 76_000


def test_example_6_defaults_build_three_months_and_retrain(cfg):
    got = one(cfg, **EXAMPLE_2)
    assert got["self_host_finetune__break_even"] == 5.5
    assert got["self_host_finetune__net_12"] == 47_000
    assert got["self_host_finetune__net_h"] == 133_000
    assert got["self_host_finetune__roi_pct"] == 665
    assert got["self_host_finetune__build_months"] == 3 and got["self_host_finetune__one_off"] == 20_000
    assert got["self_host_finetune__cost_basis"] == "given"


EXAMPLE_7 = dict(monthly_api_cost=13_000, monthly_calls=1_000_000, input_tokens=1_000, output_tokens=200)


def test_example_7_batch_hosting_in_gpu_hours(cfg):
    got = one(cfg, **EXAMPLE_7, max_latency_effective_s=DAY)
    assert got["self_host_open__monthly_first"] == 5_013.89
    assert got["self_host_open__gpu_hours"] == 277.8 and got["self_host_open__gpus"] is None
    assert got["self_host_open__cost_basis"] == "estimated"


def test_example_7_always_on_hosting_in_whole_gpus(cfg):
    got = one(cfg, **EXAMPLE_7, max_latency_effective_s=5)
    assert got["self_host_open__monthly_first"] == 8_265
    assert got["self_host_open__gpus"] == 2 and got["self_host_open__gpu_hours"] is None
    # A max latency not known is always-on too.
    assert one(cfg, **EXAMPLE_7)["self_host_open__monthly_first"] == 8_265


def test_example_9_self_host_open_on_one_gpu(cfg):
    got = one(cfg, monthly_api_cost=2_000, monthly_calls=1_000_000, input_tokens=500, output_tokens=60,
              max_latency_effective_s=0.3)
    assert got["self_host_open__gpus"] == 1 and got["self_host_open__monthly_first"] == 6_257.5
    assert round(got["self_host_open__net_h"]) == -103_665
    assert got["self_host_open__break_even"] is None


def test_example_10_self_host_finetune_batch(cfg):
    got = one(cfg, monthly_api_cost=6_000, monthly_calls=200_000, input_tokens=8_000, output_tokens=600,
              max_latency_effective_s=DAY)
    assert round(got["self_host_finetune__net_h"]) == -21_243
    assert not got["provider_finetune__offered"]  # no fine-tuned price
    assert "fine-tuned price" in got["provider_finetune__why_not"]


def test_example_12_batch_api_with_the_default_discount(cfg):
    got = one(cfg, monthly_api_cost=13_000, monthly_calls=100_000, input_tokens=50_000, output_tokens=500,
              api_cost_per_call=0.13, max_latency_effective_s=DAY)
    assert got["api_optimised__offered"] and got["api_optimised__via"] == "batch"
    assert got["api_optimised__ratio"] == 0.5
    assert got["api_optimised__net_h"] == 151_000
    assert got["api_optimised__break_even"] == 0.77


# ------------------------------------------------------------------ the rules, one by one
def test_api_is_today_and_saves_nothing(cfg):
    got = one(cfg, monthly_api_cost=1_000, usage_growth_pct=0.1)
    assert got["api__offered"] and got["api__one_off"] == 0 and got["api__build_months"] == 0
    assert got["api__net_12"] == 0 and got["api__net_h"] == 0 and got["api__break_even"] is None
    assert got["api__monthly_first"] == 1_000 and got["api__monthly_horizon"] == round(1_000 * 1.1 ** (23 / 12), 2)
    assert got["api__total"] == round(sum(1_000 * 1.1 ** ((m - 1) / 12) for m in range(1, 25)), 2)
    assert got["api__roi_pct"] is None


def test_batch_needs_a_day_and_no_shorter_max_latency(cfg):
    base = dict(monthly_api_cost=10_000, api_cost_per_call=0.01)
    assert one(cfg, **base, batch_eligible=True)["api_optimised__via"] == "batch"
    assert not one(cfg, **base, batch_eligible=True, max_latency_effective_s=3_600)["api_optimised__offered"]
    assert not one(cfg, **base, batch_eligible=False, max_latency_effective_s=2 * DAY)["api_optimised__offered"]
    assert one(cfg, **base, max_latency_effective_s=2 * DAY)["api_optimised__offered"]
    got = one(cfg, **base, max_latency_effective_s=5)
    assert not got["api_optimised__offered"] and got["api_optimised__net_h"] is None
    assert got["api_optimised__why_not"] == ("no batch price (the max latency is under a day) "
                                             "and no cheaper model (no alternative model)")
    assert "can wait a day" in one(cfg, **base)["api_optimised__why_not"]


def test_a_day_is_the_batch_boundary(cfg):
    for latency, batch in ((DAY, True), (DAY - 1, False)):
        got = one(cfg, **EXAMPLE_7, max_latency_effective_s=latency)
        assert got["api_optimised__offered"] is batch and (got["self_host_open__gpu_hours"] is not None) is batch


def test_the_new_inputs_are_one_entry_each_in_fields():
    from pipeline.fields import FIELDS

    assert FIELDS["batch_eligible"].kind == "flag" and FIELDS["alt_model"].kind == "text"


def test_the_cheapest_of_batch_alt_model_or_both(cfg):
    base = dict(monthly_api_cost=10_000, api_cost_per_call=0.01, alt_model_used="small")
    got = one(cfg, **base, alt_cost_per_call=0.002, max_latency_effective_s=5)
    assert (got["api_optimised__via"], got["api_optimised__ratio"]) == ("alt model", 0.2)
    assert got["api_optimised__monthly_first"] == 2_000
    got = one(cfg, **base, alt_cost_per_call=0.002, batch_eligible=True, batch_price_ratio=0.6)
    assert (got["api_optimised__via"], got["api_optimised__ratio"]) == ("batch + alt model", 0.12)
    got = one(cfg, **base, alt_cost_per_call=0.02, max_latency_effective_s=5)  # dearer: not a saving route
    assert not got["api_optimised__offered"] and "small is not cheaper per call" in got["api_optimised__why_not"]
    got = one(cfg, **base, alt_cost_per_call=0.02, batch_eligible=True)
    assert (got["api_optimised__via"], got["api_optimised__ratio"]) == ("batch", 0.5)


def test_provider_finetune_follows_volume_and_price(cfg):
    got = one(cfg, monthly_api_cost=10_000, monthly_calls=100_000, ft_cost_per_call=0.03,
              usage_growth_pct=0.2, api_price_change_pct=-0.1)
    assert got["provider_finetune__offered"] and got["provider_finetune__one_off"] == 8_000
    r = (1.2 * 0.9) ** (1 / 12)
    assert got["provider_finetune__monthly_first"] == round(3_000 * r ** 2, 2)  # first live month: 3
    assert got["provider_finetune__monthly_horizon"] == round(3_000 * r ** 23, 2)
    # Without monthly calls, today's cost / cost per call gives them.
    got = one(cfg, monthly_api_cost=10_000, api_cost_per_call=0.1, ft_cost_per_call=0.03)
    assert got["provider_finetune__monthly_first"] == 3_000
    got = one(cfg, monthly_api_cost=10_000, ft_cost_per_call=0.03)
    assert not got["provider_finetune__offered"] and got["provider_finetune__why_not"] == "monthly calls unknown"


def test_hosting_without_calls_and_tokens_is_one_assumed_gpu(cfg):
    got = one(cfg, monthly_api_cost=10_000)
    assert got["self_host_open__monthly_first"] == 6_257.5 and got["self_host_open__cost_basis"] == "assumed"
    assert got["self_host_finetune__one_off"] == cfg["money"]["finetune_setup_cost"]
    got = one(cfg, monthly_api_cost=10_000, finetune_monthly_cost=3_000)
    assert got["self_host_open__monthly_first"] == 3_000 and got["self_host_open__cost_basis"] == "given"


def test_given_gpus_are_kept_on_instead_of_the_computed_count(cfg):
    # Example 7 always on needs 2 GPUs; a row that says it runs on 5 pays for 5 all month, flat:
    # 5 x $2.50 x 730 h x 1.1 + $500 + 0.25 x $15,000.
    five = 5 * 2.5 * 730 * 1.1 + 500 + 3_750
    got = one(cfg, **EXAMPLE_7, max_latency_effective_s=5, gpus=5, usage_growth_pct=1.0)
    for o in ("self_host_open", "self_host_finetune"):
        assert got[f"{o}__gpus"] == 5 and got[f"{o}__cost_basis"] == "given" and got[f"{o}__gpu_hours"] is None
        assert got[f"{o}__monthly_first"] == got[f"{o}__monthly_horizon"] == pytest.approx(five, abs=0.006)
    # Fewer than the load needs is the row's statement too (1 GPU, not 2); GPUs are paid whole.
    assert one(cfg, **EXAMPLE_7, gpus=1)["self_host_open__monthly_first"] == 6_257.5
    got = one(cfg, **EXAMPLE_7, gpus=1.5)
    assert (got["self_host_open__gpus"], got["self_host_open__monthly_first"]) == (2, 8_265)
    # Without calls and tokens they replace the assumed GPU.
    got = one(cfg, monthly_api_cost=10_000, gpus=3)
    assert got["self_host_open__monthly_first"] == pytest.approx(3 * 2_007.5 + 4_250, abs=0.006)
    assert (got["self_host_open__gpus"], got["self_host_open__cost_basis"]) == (3, "given")
    # Batch work is paid by the GPU-hour, however many GPUs run it; finetune_monthly_cost still wins.
    got = one(cfg, **EXAMPLE_7, max_latency_effective_s=DAY, gpus=5)
    assert got["self_host_open__monthly_first"] == 5_013.89 and got["self_host_open__cost_basis"] == "estimated"
    got = one(cfg, **EXAMPLE_7, gpus=5, finetune_monthly_cost=3_000)
    assert got["self_host_open__monthly_first"] == 3_000 and got["self_host_open__gpus"] is None


def test_given_gpus_against_the_monthly_loop(cfg):
    rows = [dict(EXAMPLE_7, gpus=g, usage_growth_pct=0.8, max_latency_effective_s=lat, monthly_calls=calls)
            for g in (0.0, 1.0, 2.2, 4.0) for lat in (None, 0.5, DAY) for calls in (None, 3e6)]
    for row, got in zip(rows, options(frame(*rows), cfg).to_dicts(), strict=True):
        for key in ("self_host_open", "self_host_finetune"):
            want = reference(row, key)
            for name in ("monthly_first", "monthly_horizon", "total", "net_12", "net_h"):
                assert got[f"{key}__{name}"] == pytest.approx(want[name], abs=0.006), (key, name, row)


def test_the_batch_class_limit_is_the_one_day(cfg):
    # latency.class_limit_s.batch is where batch work starts, for the options and for the decision's
    # max latency alike; options.batch_latency_s is gone.
    from pipeline.decide import max_latency

    shorter = copy.deepcopy(cfg)
    shorter["latency"]["class_limit_s"]["batch"] = 3_600
    config.validate(shorter)
    got = one(shorter, **EXAMPLE_7, max_latency_effective_s=3_600)
    assert got["api_optimised__via"] == "batch" and got["self_host_open__gpu_hours"] is not None
    assert not one(cfg, **EXAMPLE_7, max_latency_effective_s=3_600)["api_optimised__offered"]
    limit = pl.DataFrame({"latency_class": ["batch"], "max_latency_s": [None]},
                         schema={"latency_class": pl.String, "max_latency_s": pl.Float64}).select(max_latency(shorter))
    assert limit.item() == 3_600
    assert "batch_latency_s" not in cfg["options"]
    del shorter["latency"]["class_limit_s"]["batch"]
    with pytest.raises(ConfigError, match="latency.class_limit_s"):
        config.validate(shorter)


def test_hosting_grows_with_volume_not_with_api_prices(cfg):
    got = one(cfg, **EXAMPLE_7, max_latency_effective_s=DAY, usage_growth_pct=0.5, api_price_change_pct=-0.5)
    g = 1.5 ** (1 / 12)
    gpu = 1.2e9 * g ** 23 / 1_200 / 3_600 * 2.5
    assert got["self_host_open__monthly_horizon"] == pytest.approx(gpu * 1.1 + 500 + 3_750, abs=0.01)


def test_unknown_api_cost_leaves_the_money_empty(cfg):
    got = one(cfg, monthly_calls=1_000, input_tokens=100, output_tokens=10)
    for o in OPTIONS:
        assert got[f"{o}__net_h"] is None and got[f"{o}__break_even"] is None and got[f"{o}__total"] is None, o
    assert got["self_host_open__monthly_first"] == 6_257.5


def test_break_even_zero_without_one_off_where_month_1_saves(cfg):
    free = copy.deepcopy(cfg)
    free["options"]["api_optimised"]["one_off_cost"] = 0
    got = one(free, monthly_api_cost=10_000, batch_eligible=True)
    assert got["api_optimised__break_even"] == 0 and got["api_optimised__roi_pct"] is None


def test_break_even_past_the_horizon_and_never(cfg):
    # Saves 1,000 a month from month 3 on: 10,000 one-off covered in month 12 (net_12 0) ...
    got = one(cfg, monthly_api_cost=3_000, finetune_monthly_cost=2_000)
    assert got["self_host_open__break_even"] == 12 and got["self_host_open__net_12"] == 0
    # ... and 40,000 of setup only in month 43: found past the horizon.
    got = one(cfg, monthly_api_cost=3_000, finetune_monthly_cost=1_000, finetune_setup_cost=40_000)
    assert got["self_host_finetune__net_h"] < 0
    assert got["self_host_finetune__break_even"] == pytest.approx(reference(
        dict(monthly_api_cost=3_000, finetune_monthly_cost=1_000, finetune_setup_cost=40_000),
        "self_host_finetune")["break_even"], abs=0.006)
    assert got["self_host_finetune__break_even"] > 24
    assert one(cfg, monthly_api_cost=1_000)["self_host_open__break_even"] is None


def test_options_run_on_a_frame_without_the_later_stages_columns(cfg):
    bare = pl.DataFrame({n: [1_000.0] for n in NUMBERS[:14]})
    out = options(bare, cfg)
    assert out.height == 1 and not out["api_optimised__offered"][0] and not out["provider_finetune__offered"][0]
    assert out.columns[:14] == bare.columns


def test_no_rows(cfg):
    assert options(frame(), cfg).height == 0


def test_option_defaults_are_config_and_checked(cfg, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[options.provider_finetune]\nbuild_months = -1\n")
    with pytest.raises(ConfigError, match="options.provider_finetune.build_months"):
        config.load(path)
    path.write_text("[options]\nbatch_price_ratio = 0\n")
    with pytest.raises(ConfigError, match="options.batch_price_ratio"):
        config.load(path)
    path.write_text("[hosting]\nteam_size = 0\n[options.self_host_open]\none_off_cost = 1000\n")
    got = one(config.load(path), **EXAMPLE_7, max_latency_effective_s=DAY)
    assert got["self_host_open__monthly_first"] == 1_263.89 and got["self_host_open__one_off"] == 1_000


# ------------------------------------------------------------------ an independent month-by-month loop
# The SPEC's numbers, written here on purpose rather than read from the config.
ONE_OFF = {"api": 0, "api_optimised": 5_000, "provider_finetune": 8_000, "self_host_open": 10_000}
BUILD = {"api": 0, "api_optimised": 0, "provider_finetune": 2, "self_host_open": 2, "self_host_finetune": 3}


def _hosting(row: dict, month: int) -> float:
    if row.get("finetune_monthly_cost") is not None:
        return row["finetune_monthly_cost"]
    team = (row.get("team_size") if row.get("team_size") is not None else 0.25) * (
        row.get("team_monthly_cost") if row.get("team_monthly_cost") is not None else 15_000)
    hourly = row.get("gpu_hourly_cost") if row.get("gpu_hourly_cost") is not None else 2.5
    gpus = row.get("gpus")  # given: whole GPUs kept on all month whatever the load, unless the work is batch
    gpus = None if gpus is None else math.ceil(gpus)
    if None in (row.get("monthly_calls"), row.get("input_tokens"), row.get("output_tokens")):
        return (1 if gpus is None else gpus) * hourly * 730 * 1.1 + 500 + team
    growth = (1 + (row.get("usage_growth_pct") or 0)) ** ((month - 1) / 12)
    tokens = row["monthly_calls"] * growth * (row["input_tokens"] + row["output_tokens"])
    usable = (row.get("throughput_tokens_per_s") or 2_000) * (row.get("gpu_utilisation") or 0.6)
    latency = row.get("max_latency_effective_s")
    if latency is not None and latency >= DAY:
        gpu = tokens / usable / 3_600 * hourly
    elif gpus is not None:
        gpu = gpus * hourly * 730
    else:
        gpu = max(1, math.ceil(tokens / (730 * 3_600) * 3 / usable)) * hourly * 730
    return gpu * 1.1 + 500 + team


def _ratio(row: dict) -> float | None:
    latency = row.get("max_latency_effective_s")
    eligible = row.get("batch_eligible") if row.get("batch_eligible") is not None else (
        latency is not None and latency >= DAY)
    batch = (row.get("batch_price_ratio") or 0.5) if eligible and not (latency is not None and latency < DAY) else None
    alt = None
    if row.get("alt_cost_per_call") is not None and row.get("api_cost_per_call"):
        alt = row["alt_cost_per_call"] / row["api_cost_per_call"]
        alt = alt if alt < 1 else None
    choices = [x for x in (batch, alt, batch * alt if batch is not None and alt is not None else None) if x is not None]
    return min(choices) if choices else None


def _own(row: dict, key: str, month: int, api: float) -> float:
    if key == "api":
        return api
    if key == "api_optimised":
        return _ratio(row) * api
    if key == "provider_finetune":
        r = ((1 + (row.get("usage_growth_pct") or 0)) * (1 + (row.get("api_price_change_pct") or 0))) ** (1 / 12)
        return row["monthly_calls"] * row["ft_cost_per_call"] * r ** (month - 1)
    return _hosting(row, month)


def reference(row: dict, key: str, horizon: int = 24, search: int = 120) -> dict:
    """Month by month: API during the build months, own cost after, retraining every 6 months at 25 %."""
    one_off = ONE_OFF.get(key, row.get("finetune_setup_cost") or 20_000)
    build = BUILD[key]
    yearly = (1 + (row.get("usage_growth_pct") or 0)) * (1 + (row.get("api_price_change_pct") or 0))
    net, total, out = -one_off, one_off, {"break_even": None}
    for month in range(1, search + 1):
        api = row["monthly_api_cost"] * yearly ** ((month - 1) / 12)
        cost = api if month <= build else _own(row, key, month, api)
        if month == build + 1:
            out["monthly_first"] = cost
        if month == horizon:
            out["monthly_horizon"] = _own(row, key, month, api)
        if key in ("provider_finetune", "self_host_finetune") and month > build and (month - build) % 6 == 0:
            cost += 0.25 * one_off
        saving, before = api - cost, net
        net += saving
        total += cost if month <= horizon else 0
        if out["break_even"] is None and saving > 0 and net >= 0:
            out["break_even"] = month - 1 + min(1.0, max(0.0, -before / saving))
        out |= {"net_12": net} if month == 12 else {}
        out |= {"net_h": net, "total": total} if month == horizon else {}
    return out


def _random_row(rng: random.Random) -> dict:
    calls = rng.choice([None, rng.uniform(1e3, 5e6)])
    return {
        "monthly_api_cost": rng.uniform(500, 60_000), "monthly_calls": calls,
        "input_tokens": rng.uniform(100, 8_000), "output_tokens": rng.uniform(10, 900),
        "usage_growth_pct": rng.uniform(-0.3, 1.5), "api_price_change_pct": rng.uniform(-0.5, 0.3),
        "finetune_setup_cost": rng.choice([None, rng.uniform(5_000, 60_000)]),
        "finetune_monthly_cost": rng.choice([None, None, rng.uniform(300, 9_000)]),
        "gpu_hourly_cost": rng.choice([None, rng.uniform(0.5, 6)]),
        "throughput_tokens_per_s": rng.choice([None, rng.uniform(300, 6_000)]),
        "gpu_utilisation": rng.choice([None, rng.uniform(0.2, 1)]),
        "team_size": rng.choice([None, rng.uniform(0, 2)]), "team_monthly_cost": rng.choice([None, 9_000.0]),
        "gpus": rng.choice([None, None, float(rng.randint(0, 6)), rng.uniform(0.1, 4)]),
        "max_latency_effective_s": rng.choice([None, 0.5, 5.0, float(DAY), 3.0 * DAY]),
        "batch_eligible": rng.choice([None, True, False]), "batch_price_ratio": rng.choice([None, 0.45]),
        "api_cost_per_call": 0.01, "alt_cost_per_call": rng.choice([None, 0.003, 0.012]), "alt_model_used": "alt",
        "ft_cost_per_call": rng.choice([None, rng.uniform(0.0005, 0.05)]) if calls else None,
    }


def test_every_option_against_an_independent_monthly_loop(cfg):
    rows = [_random_row(random.Random(seed)) for seed in range(80)]
    out = options(frame(*rows), cfg).to_dicts()
    checked = 0
    for row, got in zip(rows, out, strict=True):
        for key in OPTIONS:
            if not got[f"{key}__offered"]:
                continue
            want = reference(row, key)
            for name in ("monthly_first", "monthly_horizon", "total", "net_12", "net_h"):
                assert got[f"{key}__{name}"] == pytest.approx(want[name], abs=0.006, rel=1e-9), (key, name, row)
            if want["break_even"] is None:
                assert got[f"{key}__break_even"] is None, (key, row)
            else:
                assert got[f"{key}__break_even"] == pytest.approx(want["break_even"], abs=0.006), (key, row)
            checked += 1
    assert checked >= 250
    offered = {key: sum(r[f"{key}__offered"] for r in out) for key in OPTIONS}
    assert all(offered.values()), offered  # every option priced for some of the rows
    found = sum(r["self_host_finetune__break_even"] is not None for r in out)
    assert 0 < found < len(out)


# ------------------------------------------------------------------ the month loop as it was (issue 12)
# run_months before each option searched past the horizon on its own rows: every open row ran every
# option's month (options._month, unchanged) until no option of the row could break even
# (options._open over all of them). Kept here as the reference the faster search must match exactly,
# value for value.
def _old_run_months(frame: pl.DataFrame, cfg: dict, catalog: list) -> pl.DataFrame:
    horizon, search = cfg["money"]["horizon_months"], cfg["money"]["break_even_search_months"]
    state, kept = opt_mod._state(frame, cfg, catalog), {}
    for m in range(1, horizon + 1):
        state = opt_mod._month(state, cfg, catalog, m)
        for when, name in ((12, "net_12"), (horizon, "net_h")):
            if m == when:
                kept |= {f"__{o.key}_{name}": state.get_column(opt_mod._parts(o.key)["net"]) for o in catalog}
    found = [opt_mod._parts(o.key)["be"] for o in catalog]
    done = state.select("__row", *[opt_mod._parts(o.key)["total"] for o in catalog], *found).with_columns(**kept)
    done = done.hstack(opt_mod._first_and_last(state, cfg, catalog))
    rest, m = state.filter(opt_mod._open(catalog, horizon)), horizon
    while rest.height and m < search:
        m += 1
        rest = opt_mod._month(rest, cfg, catalog, m)
        if (m - horizon) % 12 == 0:
            done = done.update(rest.select("__row", *found), on="__row")
            rest = rest.filter(opt_mod._open(catalog, m))
    done = done.update(rest.select("__row", *found), on="__row")
    return done.drop("__row")


def _edge_rows() -> list[dict]:
    """Rows where the search could differ: break-even long past the horizon, GPUs stepping up with
    growth, falling API prices, unknown API cost, no tokens (assumed GPUs), retraining near the break-even."""
    rows = [dict(monthly_api_cost=3_000, finetune_monthly_cost=1_000, finetune_setup_cost=40_000),
            dict(monthly_api_cost=3_000, finetune_monthly_cost=2_900, finetune_setup_cost=60_000),
            dict(monthly_api_cost=None, finetune_monthly_cost=1_000),
            dict(monthly_api_cost=2_000, usage_growth_pct=0.4, api_price_change_pct=-0.2),
            dict(monthly_api_cost=9_000, api_price_change_pct=-0.3, finetune_monthly_cost=4_000),
            dict(monthly_api_cost=0.0, monthly_calls=1e6, input_tokens=500, output_tokens=100)]
    # self_host_open (10,000 one-off, live from month 3) saving 10,000 / months: even in the search's last
    # months, or just past them (the search's bound on what can still be repaid must not cut these)
    rows += [dict(monthly_api_cost=3_000, finetune_monthly_cost=3_000 - 10_000 / months)
             for months in (100.5, 115.5, 117.9, 118.0, 118.2, 119.0, 130.0)]
    for calls in (2e6, 2e7, 8e7, 3e8):  # sized GPUs: the ceil steps up as volume grows
        for growth in (0.0, 0.5, 1.5, -0.4):
            rows.append(dict(monthly_api_cost=calls * 0.004, monthly_calls=calls, input_tokens=1_500.0,
                             output_tokens=300.0, usage_growth_pct=growth, api_cost_per_call=0.004,
                             ft_cost_per_call=0.0035, alt_cost_per_call=0.0039, alt_model_used="alt",
                             max_latency_effective_s=2.0))
    return rows


@pytest.mark.parametrize("changes", [{}, {"money": {"horizon_months": 12, "break_even_search_months": 60}},
                                     {"options": {"retrain_every_months": 1, "retrain_share": 0.05}},
                                     {"options": {"self_host_finetune": {"build_months": 30}}},
                                     {"money": {"usage_growth_pct": 0.3, "api_price_change_pct": -0.25}}])
def test_run_months_is_the_old_loop_value_for_value(cfg, changes):
    changed = copy.deepcopy(cfg)
    for section, values in changes.items():
        for key, value in values.items():
            if isinstance(value, dict):
                changed[section][key] |= value
            else:
                changed[section][key] = value
    changed = config.validate(changed)
    rows = [_random_row(random.Random(1_000 + seed)) for seed in range(300)] + _edge_rows()
    data = opt_mod._with_inputs(frame(*rows))
    catalog = opt_mod.catalogue(changed)
    got, want = opt_mod.run_months(data, changed, catalog), _old_run_months(data, changed, catalog)
    assert got.equals(want)  # the same columns, order, nulls and floats, to the last bit
    past = want.filter(pl.any_horizontal(pl.col(f"__{o}_be") > changed["money"]["horizon_months"] for o in OPTIONS))
    assert past.height >= 5  # break-evens found in the search past the horizon
    assert opt_mod.run_months(data.head(0), changed, catalog).equals(_old_run_months(data.head(0), changed, catalog))
