"""Today's API money (pipeline/money.py), the overflow check over every computed amount, and ROI as
SPEC §5 defines it on the Ranking and Options sheets.

Expected values come from SPEC §5 and §6a worked by hand, or are computed here from the SPEC's
formula; the options' own month-by-month money is tested against a loop in test_options.py.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from conftest import SAMPLES, run_cli, sheet_rows, write_xlsx
from helpers_frames import canonical_frame, cfg_default, one, with_money
from pipeline import money as money_mod
from pipeline.money import COMPUTED, computed_checks, money, overflow
from pipeline.options import OPTIONS, options
from pipeline.score import factor_scores

# Version 1's columns that money() made and the recommended option's (rank.best_money) replaced.
VERSION_1 = ("break_even_months", "net_savings_12m", "net_savings_24m", "roi_pct", "cost_basis", "hosting_estimate",
             "gpus_needed", "__setup", "__running", "__cum12", "__latency_unmet")


def money_row(**row) -> dict:
    return {"use_case": "x", **row}


# ------------------------------------------------------------------ today's API
def test_spec_example_1_annual_cost_from_calls():
    # $0.13 a call x 100,000 calls = $13,000 a month, $156,000 a year
    frame = with_money([money_row(
        monthly_calls=100_000.0, input_tokens=50_000.0, output_tokens=500.0,
        input_price_per_1k=0.0025, output_price_per_1k=0.01,
    )])
    assert one(frame, "api_cost_per_call") == pytest.approx(0.13)
    assert one(frame, "monthly_api_cost") == pytest.approx(13_000.0)
    assert one(frame, "annual_api_cost") == pytest.approx(156_000.0)


def test_today_is_rounded_to_cents_and_the_year_from_the_unrounded_month():
    # 1,234.5678 a month: shown 1,234.57; the year is 12 x 1,234.5678 = 14,814.8136 -> 14,814.81
    frame = with_money([money_row(monthly_api_cost=1_234.5678, usage_growth_pct=0.5, api_price_change_pct=0.2)])
    assert one(frame, "monthly_api_cost") == 1_234.57
    assert one(frame, "annual_api_cost") == 14_814.81  # today's volume and price: no growth in it


def test_team_cost_is_the_rows_team_size_times_its_monthly_cost():
    frame = with_money([money_row(monthly_api_cost=10.0, team_size=2.0, team_monthly_cost=12_000.0),
                        money_row(monthly_api_cost=10.0, team_size=2.0)])
    assert frame["team_monthly_cost_total"].to_list() == [24_000.0, None]


def test_money_makes_no_version_1_column():
    # The options (options.py) and the recommended option's columns (rank.best_money) make those.
    frame = with_money([money_row(monthly_api_cost=10_000.0, finetune_setup_cost=20_000.0,
                                  finetune_monthly_cost=2_000.0, monthly_calls=1_000.0, input_tokens=10.0,
                                  output_tokens=10.0, throughput_tokens_per_s=1.0, max_latency_s=0.1)])
    assert not set(VERSION_1) & set(frame.columns)
    assert not hasattr(money_mod, "schedule") and not hasattr(money_mod, "break_even_months")


def test_missing_monthly_cost_gives_null_money():
    frame = with_money([money_row(data_sensitivity="internal")])
    assert one(frame, "monthly_api_cost") is None and one(frame, "annual_api_cost") is None


# ------------------------------------------------------------------ overflow: every computed amount
def test_every_option_money_column_is_checked():
    money_parts = ("one_off", "monthly_first", "monthly_horizon", "total", "net_12", "net_h", "roi_pct")
    for o in OPTIONS:
        for part in money_parts:
            assert f"{o}__{part}" in COMPUTED, (o, part)
    labels = computed_checks(cfg_default())
    assert labels["api__total"][0] == "total cost over 24 months of the option 'Today's API'"
    assert labels["self_host_finetune__one_off"][1] == ("finetune_setup_cost",)


def _through_options(rows: list[dict]):
    cfg = cfg_default()
    frame = money(factor_scores(canonical_frame(rows), cfg), cfg)
    return cfg, frame, options(frame, cfg)


def test_overflow_names_rows_whose_computed_money_cannot_be_reported():
    cfg, today, priced = _through_options([
        {"use_case": "fine", "monthly_api_cost": 5000.0},
        {"use_case": "per call", "monthly_calls": 1e13, "input_tokens": 1e9, "output_tokens": 1e9,
         "input_price_per_1k": 1e12, "output_price_per_1k": 1e12},
        {"use_case": "runaway", "monthly_api_cost": 1e12, "usage_growth_pct": 10.0, "api_price_change_pct": 10.0},
        {"use_case": "no data"},
        {"use_case": "enormous hosting", "monthly_api_cost": 5000.0, "monthly_calls": 1e13, "input_tokens": 1e9,
         "output_tokens": 1e9},
    ])
    # Before the options: only today's cost per call.
    bad = overflow(today, cfg)
    assert dict(zip(bad["__row"].to_list(), bad["__what"].to_list())) == {3: "api_cost_per_call"}
    # With them: today's API grown over 24 months (121 ** (23 / 12) x 1e12 ~ 9.8e15) and own GPUs.
    bad = overflow(priced, cfg)
    assert dict(zip(bad["__row"].to_list(), bad["__what"].to_list())) == {
        3: "api_cost_per_call", 4: "api__monthly_horizon", 6: "self_host_open__monthly_first"}
    assert bad.filter(bad["__row"] == 4)["__amount"].item() == pytest.approx(1e12 * 121 ** (23 / 12), rel=1e-9)
    assert (bad["__amount"].abs() > cfg["money"]["max_amount"]).all()


def test_a_roi_only_has_to_be_finite():
    cfg, _, priced = _through_options([{"use_case": "fine", "monthly_api_cost": 5000.0}])
    huge = priced.with_columns(pl.lit(1e20).alias("api_optimised__roi_pct"))
    assert overflow(huge, cfg).height == 0
    assert overflow(huge.with_columns(pl.lit(float("inf")).alias("api_optimised__roi_pct")), cfg).height == 1


# ------------------------------------------------------------------ ROI on Ranking and Options (SPEC §5)
HEADERS = ["Use case ID", "Use case", "Monthly API cost", "Fine-tune setup cost", "Fine-tune monthly cost",
           "Monthly calls", "Input tokens", "Output tokens", "Input price per 1K", "Output price per 1K",
           "Latency class", "Privacy score", "Accuracy score"]


def _roi_rows() -> list[list]:
    return [
        # SPEC 6a example 6: accuracy gap, fit under 6 -> Fine-tune on own GPUs, net 133,000 / 20,000
        ["E6", "Example 6", 10_000, 20_000, 2_000, None, None, None, None, None, None, 0, 8],
        # SPEC 6a example 12: 100,000 calls of 50,000 + 500 tokens at $0.0025 / $0.01 per 1K, batch:
        # the API at half price saves 6,500 a month -> 24 x 6,500 - one-off
        ["E12", "Example 12", None, None, None, 100_000, 50_000, 500, 0.0025, 0.01, "batch", 0, 0],
    ]


def _run(tmp: Path, one_off: int) -> tuple[dict, list[dict]]:
    cfg = tmp / f"roi{one_off}.toml"
    cfg.write_text(f"[options.api_optimised]\none_off_cost = {one_off}\n")
    src = write_xlsx(tmp / "roi.xlsx", HEADERS, _roi_rows())
    out = tmp / f"roi{one_off}-scored.xlsx"
    run = run_cli("score", src, "-o", out, "--config", cfg)
    assert run.code == 0, run.stderr + run.stdout
    return {r["Use case ID"]: r for r in sheet_rows(out, "Ranking")}, sheet_rows(out, "Options")


def _chosen(options_rows: list[dict], uid: str) -> dict:
    [row] = [o for o in options_rows if o["Use case ID"] == uid and o["Chosen"] == "yes"]
    return row


@pytest.mark.parametrize("one_off, roi", [
    (5_000, (24 * 6_500 - 5_000) / 5_000 * 100),  # 3,020 %
    (1_000, (24 * 6_500 - 1_000) / 1_000 * 100),  # at the threshold: shown
    (999, None),  # under $1,000: a ratio on almost nothing says nothing
])
def test_roi_is_net_savings_over_the_horizon_on_the_one_off_cost(tmp_path: Path, one_off: int, roi) -> None:
    ranking, opts = _run(tmp_path, one_off)
    assert ranking["E6"]["Recommendation"] == "Fine-tune" and ranking["E6"]["ROI %"] == pytest.approx(665)
    assert _chosen(opts, "E6")["ROI %"] == pytest.approx(665)
    e12 = ranking["E12"]
    assert e12["Recommendation"] == "Optimise the API"
    assert e12["Net savings 24m"] == pytest.approx(24 * 6_500 - one_off)
    chosen = _chosen(opts, "E12")
    assert chosen["Option key"] == "api_optimised" and chosen["One-off cost"] == one_off
    if roi is None:
        assert e12["ROI %"] is None and chosen["ROI %"] is None
    else:
        assert e12["ROI %"] == pytest.approx(roi, abs=0.05) and chosen["ROI %"] == pytest.approx(roi, abs=0.05)


def test_every_options_roi_on_the_sample_follows_spec_5(tmp_path: Path) -> None:
    out = tmp_path / "sample.xlsx"
    assert run_cli("score", SAMPLES / "portfolio.xlsx", "-o", out).code == 1  # the sample has bad rows
    seen, chosen = 0, {}
    for o in sheet_rows(out, "Options"):
        if o["Chosen"] == "yes":
            chosen[o["Use case ID"]] = o
        if o["Offered"] != "yes" or o["One-off cost"] < 1_000 or o["Net savings 24m"] is None:  # None: API cost unknown
            assert o["ROI %"] is None, o
        else:
            assert o["ROI %"] == pytest.approx(o["Net savings 24m"] / o["One-off cost"] * 100, abs=0.051), o
            seen += 1
    assert seen >= 40
    shown = [r for r in sheet_rows(out, "Ranking") if r["ROI %"] is not None]
    assert shown
    for r in shown:  # the recommended option's: its net savings over the horizon on its one-off cost
        assert r["ROI %"] == pytest.approx(r["Net savings 24m"] / chosen[r["Use case ID"]]["One-off cost"] * 100,
                                           abs=0.051)
        assert r["ROI %"] == chosen[r["Use case ID"]]["ROI %"]
