"""Money (SPEC §4) and the worked examples of SPEC §6.

Expected values come from SPEC §4 worked by hand, or from ``spec_money`` below:
a plain month-by-month loop written straight from the SPEC text, independent
of the closed-form expressions in pipeline/money.py. Money columns are rounded
(amounts to cents, break-even to 0.01 month, ROI to 0.1 %), hence the tolerances.
"""

from __future__ import annotations

import pytest

from helpers_frames import cfg_with, one, with_money

MONTHS = 0.0051  # break_even_months rounded to 2 decimals
CENTS = 0.0051  # amounts rounded to 2 decimals
PCT = 0.051  # roi_pct rounded to 1 decimal


def spec_money(monthly, setup, running, growth=0.0, price_change=0.0, horizon=24, search=120):
    """SPEC §4, month by month: (break_even_months or None, net_12, net_horizon, roi_pct)."""
    cumulative = 0.0
    break_even = 0.0 if setup <= 0 else None
    net = {}
    for m in range(1, search + 1):
        api_m = monthly * (1 + growth) ** ((m - 1) / 12) * (1 + price_change) ** ((m - 1) / 12)
        savings_m = api_m - running
        if break_even is None and cumulative + savings_m >= setup:
            uncovered = setup - cumulative
            break_even = m - 1 + uncovered / savings_m
        cumulative += savings_m
        if m in (12, horizon):
            net[m] = cumulative - setup
    roi = net[horizon] / (setup + running * horizon) * 100
    return break_even, net[12], net[horizon], roi


def money_row(**row) -> dict:
    return {"use_case": "x", **row}


# ------------------------------------------------------------ SPEC §6 ex.2
def test_spec_example_2_break_even_net_savings_and_roi():
    # savings 10,000 - 2,000 = 8,000 a month; 20,000 covered after 2 months + 4,000/8,000 -> 2.5
    frame = with_money([money_row(monthly_api_cost=10_000.0, finetune_setup_cost=20_000.0, finetune_monthly_cost=2_000.0)])
    assert one(frame, "break_even_months") == pytest.approx(2.5, abs=MONTHS)
    assert one(frame, "net_savings_12m") == pytest.approx(12 * 8_000 - 20_000, abs=CENTS)  # 76,000
    assert one(frame, "net_savings_24m") == pytest.approx(24 * 8_000 - 20_000, abs=CENTS)  # 172,000
    assert one(frame, "roi_pct") == pytest.approx(172_000 / (20_000 + 2_000 * 24) * 100, abs=PCT)  # 252.9
    assert one(frame, "monthly_api_cost") == pytest.approx(10_000.0)
    assert one(frame, "annual_api_cost") == pytest.approx(120_000.0)
    assert one(frame, "cost_basis") == "given"


def test_spec_example_1_annual_cost_from_calls():
    # $0.13 a call x 100,000 calls = $13,000 a month, $156,000 a year
    frame = with_money([money_row(
        monthly_calls=100_000.0, input_tokens=50_000.0, output_tokens=500.0,
        input_price_per_1k=0.0025, output_price_per_1k=0.01,
    )])
    assert one(frame, "api_cost_per_call") == pytest.approx(0.13)
    assert one(frame, "monthly_api_cost") == pytest.approx(13_000.0)
    assert one(frame, "annual_api_cost") == pytest.approx(156_000.0)
    # defaults 20,000 / 2,000: 11,000 a month saved -> 20,000/11,000 = 1.82 months
    assert one(frame, "break_even_months") == pytest.approx(20_000 / 11_000, abs=MONTHS)
    assert one(frame, "net_savings_12m") == pytest.approx(12 * 11_000 - 20_000, abs=CENTS)


def test_break_even_exactly_at_a_month_end():
    # 12,000 - 2,000 = 10,000 a month: 20,000 covered exactly at the end of month 2
    frame = with_money([money_row(monthly_api_cost=12_000.0, finetune_setup_cost=20_000.0, finetune_monthly_cost=2_000.0)])
    assert one(frame, "break_even_months") == pytest.approx(2.0, abs=MONTHS)


def test_break_even_inside_first_month():
    # 42,000 - 2,000 = 40,000 a month: 20,000 is half the first month's savings -> 0.5
    frame = with_money([money_row(monthly_api_cost=42_000.0, finetune_setup_cost=20_000.0, finetune_monthly_cost=2_000.0)])
    assert one(frame, "break_even_months") == pytest.approx(0.5, abs=MONTHS)


# ------------------------------------------------------------------ growth
@pytest.mark.parametrize(
    ("monthly", "setup", "running", "growth", "price_change"),
    [
        (3_000.0, 20_000.0, 2_000.0, 0.12, 0.0),  # 12 % a year more usage; breaks even after a year
        (10_000.0, 20_000.0, 2_000.0, 0.12, 0.0),
        (10_000.0, 20_000.0, 2_000.0, 0.12, -0.20),  # cheaper API prices shrink the savings
        (2_500.0, 30_000.0, 2_000.0, 0.50, 0.0),  # fast growth: breaks even in the second year
        (6_000.0, 50_000.0, 3_000.0, -0.10, 0.05),
    ],
)
def test_growth_matches_month_by_month_loop(monthly, setup, running, growth, price_change):
    expected_be, expected_12, expected_24, expected_roi = spec_money(monthly, setup, running, growth, price_change)
    assert expected_be is not None
    frame = with_money([money_row(
        monthly_api_cost=monthly, finetune_setup_cost=setup, finetune_monthly_cost=running,
        usage_growth_pct=growth, api_price_change_pct=price_change,
    )])
    assert one(frame, "break_even_months") == pytest.approx(expected_be, abs=MONTHS)
    assert one(frame, "net_savings_12m") == pytest.approx(expected_12, abs=CENTS)
    assert one(frame, "net_savings_24m") == pytest.approx(expected_24, abs=CENTS)
    assert one(frame, "roi_pct") == pytest.approx(expected_roi, abs=PCT)
    # annual_api_cost is at today's volume and price
    assert one(frame, "annual_api_cost") == pytest.approx(monthly * 12)


def test_growth_12pct_breaks_even_sooner_than_without_growth():
    # Sanity on the loop itself: with 12 % growth, month 13 costs exactly 1.12 x month 1.
    be_flat, *_ = spec_money(3_000.0, 20_000.0, 2_000.0)
    be_growth, *_ = spec_money(3_000.0, 20_000.0, 2_000.0, growth=0.12)
    assert be_flat == pytest.approx(20.0)  # 1,000 a month
    assert be_growth < be_flat
    frame = with_money([
        money_row(monthly_api_cost=3_000.0, finetune_setup_cost=20_000.0, finetune_monthly_cost=2_000.0),
        money_row(monthly_api_cost=3_000.0, finetune_setup_cost=20_000.0, finetune_monthly_cost=2_000.0,
                  usage_growth_pct=0.12),
    ])
    assert frame["break_even_months"].to_list() == pytest.approx([be_flat, be_growth], abs=MONTHS)


# ------------------------------------------------------------------- never
@pytest.mark.parametrize(
    ("monthly", "setup", "running", "growth"),
    [
        (2_100.0, 20_000.0, 2_000.0, 0.0),  # 100 a month: 12,000 after 120 months < 20,000
        (1_500.0, 20_000.0, 2_000.0, 0.0),  # the API is cheaper than running the model
        (2_000.0, 20_000.0, 2_000.0, 0.0),  # no savings at all
        (2_100.0, 12_050.0, 2_000.0, 0.0),  # would need 120.5 months: beyond the 120-month search
        (3_000.0, 20_000.0, 2_000.0, -0.50),  # shrinking usage: savings turn negative first
    ],
)
def test_never_breaks_even_within_120_months_is_null(monthly, setup, running, growth):
    assert spec_money(monthly, setup, running, growth)[0] is None
    frame = with_money([money_row(
        monthly_api_cost=monthly, finetune_setup_cost=setup, finetune_monthly_cost=running, usage_growth_pct=growth,
    )])
    assert one(frame, "break_even_months") is None


def test_break_even_at_the_last_searched_month_is_found():
    # 100 a month, setup 12,000: covered exactly at the end of month 120 (the search limit)
    frame = with_money([money_row(monthly_api_cost=2_100.0, finetune_setup_cost=12_000.0, finetune_monthly_cost=2_000.0)])
    assert one(frame, "break_even_months") == pytest.approx(120.0, abs=MONTHS)
    # ... and 11,950 -> 119 months + 50/100 = 119.5
    frame = with_money([money_row(monthly_api_cost=2_100.0, finetune_setup_cost=11_950.0, finetune_monthly_cost=2_000.0)])
    assert one(frame, "break_even_months") == pytest.approx(119.5, abs=MONTHS)


def test_never_still_reports_negative_net_savings():
    # 100 a month, setup 20,000: net 12 m = 1,200 - 20,000; net 24 m = 2,400 - 20,000
    frame = with_money([money_row(monthly_api_cost=2_100.0, finetune_setup_cost=20_000.0, finetune_monthly_cost=2_000.0)])
    assert one(frame, "net_savings_12m") == pytest.approx(-18_800.0, abs=CENTS)
    assert one(frame, "net_savings_24m") == pytest.approx(-17_600.0, abs=CENTS)
    assert one(frame, "roi_pct") == pytest.approx(-17_600 / (20_000 + 48_000) * 100, abs=PCT)


# ----------------------------------------------------------------- setup 0
def test_zero_setup_breaks_even_at_once():
    frame = with_money([money_row(monthly_api_cost=10_000.0, finetune_setup_cost=0.0, finetune_monthly_cost=2_000.0)])
    assert one(frame, "break_even_months") == pytest.approx(0.0)
    assert one(frame, "net_savings_12m") == pytest.approx(96_000.0, abs=CENTS)
    assert one(frame, "net_savings_24m") == pytest.approx(192_000.0, abs=CENTS)
    assert one(frame, "roi_pct") == pytest.approx(192_000 / 48_000 * 100, abs=PCT)  # 400
    assert one(frame, "cost_basis") == "given"


# ------------------------------------------------------ defaults and basis
def test_defaults_apply_when_fine_tuning_costs_missing():
    # SPEC §4 defaults: setup 20,000, running 2,000 -> same as example 2
    frame = with_money([money_row(monthly_api_cost=10_000.0)])
    assert one(frame, "cost_basis") == "assumed"
    assert one(frame, "break_even_months") == pytest.approx(2.5, abs=MONTHS)
    assert one(frame, "net_savings_12m") == pytest.approx(76_000.0, abs=CENTS)
    assert one(frame, "net_savings_24m") == pytest.approx(172_000.0, abs=CENTS)


def test_only_setup_given_uses_default_running_cost_and_is_assumed():
    # setup 40,000 given, running defaults to 2,000: 8,000 a month -> 5 months
    frame = with_money([money_row(monthly_api_cost=10_000.0, finetune_setup_cost=40_000.0)])
    assert one(frame, "cost_basis") == "assumed"
    assert one(frame, "break_even_months") == pytest.approx(5.0, abs=MONTHS)
    assert one(frame, "net_savings_12m") == pytest.approx(96_000 - 40_000, abs=CENTS)


def test_only_running_given_uses_default_setup_and_is_assumed():
    # running 4,000 given, setup defaults to 20,000: 6,000 a month -> 3.33 months
    frame = with_money([money_row(monthly_api_cost=10_000.0, finetune_monthly_cost=4_000.0)])
    assert one(frame, "cost_basis") == "assumed"
    assert one(frame, "break_even_months") == pytest.approx(20_000 / 6_000, abs=MONTHS)
    assert one(frame, "net_savings_24m") == pytest.approx(24 * 6_000 - 20_000, abs=CENTS)


def test_both_given_is_given():
    frame = with_money([money_row(monthly_api_cost=10_000.0, finetune_setup_cost=5_000.0, finetune_monthly_cost=1_000.0)])
    assert one(frame, "cost_basis") == "given"
    assert one(frame, "break_even_months") == pytest.approx(5_000 / 9_000, abs=MONTHS)


def test_configured_defaults_are_used():
    cfg = cfg_with(money__finetune_setup_cost=30_000, money__finetune_monthly_cost=4_000)
    frame = with_money([money_row(monthly_api_cost=10_000.0)], cfg)
    # 6,000 a month -> 5 months; net 12 m = 72,000 - 30,000
    assert one(frame, "break_even_months") == pytest.approx(5.0, abs=MONTHS)
    assert one(frame, "net_savings_12m") == pytest.approx(42_000.0, abs=CENTS)
    assert one(frame, "cost_basis") == "assumed"


def test_configured_default_growth_applies_where_row_gives_none():
    cfg = cfg_with(money__usage_growth_pct=0.12)
    frame = with_money([
        money_row(monthly_api_cost=3_000.0, finetune_setup_cost=20_000.0, finetune_monthly_cost=2_000.0),
        money_row(monthly_api_cost=3_000.0, finetune_setup_cost=20_000.0, finetune_monthly_cost=2_000.0,
                  usage_growth_pct=0.0),
    ], cfg)
    be_growth, *_ = spec_money(3_000.0, 20_000.0, 2_000.0, growth=0.12)
    assert frame["break_even_months"].to_list() == pytest.approx([be_growth, 20.0], abs=MONTHS)


# ----------------------------------------------------------------- horizon
def test_horizon_36_gives_net_savings_36m():
    cfg = cfg_with(money__horizon_months=36)
    frame = with_money([money_row(monthly_api_cost=10_000.0, finetune_setup_cost=20_000.0, finetune_monthly_cost=2_000.0)], cfg)
    assert "net_savings_36m" in frame.columns
    assert "net_savings_24m" not in frame.columns  # the second column follows the horizon
    assert one(frame, "net_savings_12m") == pytest.approx(76_000.0, abs=CENTS)
    assert one(frame, "net_savings_36m") == pytest.approx(36 * 8_000 - 20_000, abs=CENTS)  # 268,000
    # ROI over the horizon: 268,000 / (20,000 + 36 x 2,000) = 291.3 %
    assert one(frame, "roi_pct") == pytest.approx(268_000 / 92_000 * 100, abs=PCT)


def test_horizon_36_with_growth_matches_loop():
    cfg = cfg_with(money__horizon_months=36)
    _, net12, net36, roi = spec_money(4_000.0, 25_000.0, 1_500.0, growth=0.2, horizon=36)
    frame = with_money([money_row(
        monthly_api_cost=4_000.0, finetune_setup_cost=25_000.0, finetune_monthly_cost=1_500.0, usage_growth_pct=0.2,
    )], cfg)
    assert one(frame, "net_savings_12m") == pytest.approx(net12, abs=CENTS)
    assert one(frame, "net_savings_36m") == pytest.approx(net36, abs=CENTS)
    assert one(frame, "roi_pct") == pytest.approx(roi, abs=PCT)


def test_horizon_12_roi_over_12_months():
    cfg = cfg_with(money__horizon_months=12)
    frame = with_money([money_row(monthly_api_cost=10_000.0, finetune_setup_cost=20_000.0, finetune_monthly_cost=2_000.0)], cfg)
    assert one(frame, "net_savings_12m") == pytest.approx(76_000.0, abs=CENTS)
    assert one(frame, "roi_pct") == pytest.approx(76_000 / (20_000 + 12 * 2_000) * 100, abs=PCT)  # 172.7


# ----------------------------------------------------------- missing cost
def test_missing_monthly_cost_gives_null_money():
    frame = with_money([money_row(finetune_setup_cost=20_000.0, finetune_monthly_cost=2_000.0, data_sensitivity="internal")])
    for column in ("monthly_api_cost", "annual_api_cost", "break_even_months", "net_savings_12m",
                   "net_savings_24m", "roi_pct"):
        assert one(frame, column) is None, column


def test_missing_monthly_cost_does_not_affect_other_rows():
    frame = with_money([
        money_row(use_case_id="a"),
        money_row(use_case_id="b", monthly_api_cost=10_000.0),
    ])
    assert frame["break_even_months"].to_list()[0] is None
    assert frame["net_savings_12m"].to_list()[0] is None
    assert frame["break_even_months"].to_list()[1] == pytest.approx(2.5, abs=MONTHS)
    assert frame["net_savings_12m"].to_list()[1] == pytest.approx(76_000.0, abs=CENTS)


def test_overflow_names_rows_whose_computed_money_cannot_be_reported():
    from helpers_frames import canonical_frame, cfg_default
    from pipeline.money import money, overflow
    from pipeline.score import factor_scores

    cfg = cfg_default()
    rows = [
        {"use_case": "fine", "monthly_api_cost": 5000.0},
        {"use_case": "per call", "monthly_calls": 1e13, "input_tokens": 1e9, "output_tokens": 1e9,
         "input_price_per_1k": 1e12, "output_price_per_1k": 1e12},
        {"use_case": "runaway", "monthly_api_cost": 1e12, "usage_growth_pct": 10.0, "api_price_change_pct": 10.0},
        {"use_case": "no data"},
    ]
    frame = money(factor_scores(canonical_frame(rows), cfg), cfg)
    bad = overflow(frame, cfg)
    assert dict(zip(bad["__row"].to_list(), bad["__what"].to_list())) == {3: "api_cost_per_call", 4: "net_savings_24m"}
    assert (bad["__amount"].abs() > cfg["money"]["max_amount"]).all()
