"""The decision (SPEC §3) and the ranking (SPEC §5).

Most rows give the four factor scores directly (SPEC §2: a given score wins), so
fit_score is known by hand: the weighted mean with the default weights 0.25.
"""

from __future__ import annotations

import pytest

from helpers_frames import by_id, cfg_with, decided, one, score_all

SEP = " · "


def row(uid: str, p: float, c: float, a: float, s: float, **extra) -> dict:
    return {"use_case_id": uid, "use_case": f"case {uid}", "privacy_score": p, "cost_score": c,
            "accuracy_score": a, "speed_score": s, **extra}


# ---------------------------------------------------------------- fit score
def test_fit_score_is_weighted_mean_and_total_is_sum():
    frame = decided([row("a", 8, 5, 2, 1)])
    assert one(frame, "fit_score") == pytest.approx((8 + 5 + 2 + 1) / 4)  # 4.0
    assert one(frame, "total_4p") == pytest.approx(16.0)


def test_fit_score_uses_configured_weights():
    cfg = cfg_with(weights={"privacy": 0.4, "cost": 0.4, "accuracy": 0.1, "speed": 0.1})
    frame = decided([row("a", 10, 5, 0, 0, monthly_api_cost=1_000.0)], cfg)
    assert one(frame, "fit_score") == pytest.approx(0.4 * 10 + 0.4 * 5)  # 6.0
    assert one(frame, "total_4p") == pytest.approx(15.0)
    assert one(frame, "recommendation") == "Fine-tune"


# ----------------------------------------------------------------- decision
@pytest.mark.parametrize(
    ("scores", "monthly", "expected"),
    [
        ((6, 6, 6, 6), 1_000.0, "Fine-tune"),  # fit exactly 6
        ((8, 8, 4, 4), 1_000.0, "Fine-tune"),  # fit 6
        ((10, 10, 10, 10), 1_000.0, "Fine-tune"),
        ((6, 6, 6, 5.96), 1_000.0, "Evaluate"),  # fit 5.99: below 6, at least 4
        ((9, 0, 0, 0), 1_000.0, "Fine-tune"),  # privacy exactly 9 with fit 2.25
        ((10, 0, 0, 0), None, "Fine-tune"),  # privacy 10, no API cost at all
        ((8.99, 0, 0, 0), 1_000.0, "Keep prompting"),  # privacy just below 9, fit 2.25
        ((8, 0, 0, 0), 10_000.0, "Evaluate"),  # privacy 8: API cost >= 5,000 still -> Evaluate
        ((4, 4, 4, 4), 1_000.0, "Evaluate"),  # fit exactly 4
        ((0, 8, 8, 0), 1_000.0, "Evaluate"),  # fit 4
        ((3.96, 4, 4, 4), 1_000.0, "Keep prompting"),  # fit 3.99
        ((0, 0, 0, 0), 5_000.0, "Evaluate"),  # API cost exactly 5,000
        ((0, 0, 0, 0), 4_999.99, "Keep prompting"),  # just below 5,000
        ((3, 3, 3, 3), 5_000.0, "Evaluate"),
        ((3, 3, 3, 3), 100_000.0, "Evaluate"),  # big spend, weak fit: pilot, not fine-tune
        ((0, 0, 0, 0), None, "Keep prompting"),  # nothing at all
    ],
)
def test_recommendation_rules_and_boundaries(scores, monthly, expected):
    extra = {} if monthly is None else {"monthly_api_cost": monthly}
    frame = decided([row("a", *scores, **extra)])
    assert one(frame, "recommendation") == expected


def test_privacy_rule_uses_derived_privacy_score():
    # HIPAA -> privacy 10; nothing else: fit 2.5 yet Fine-tune
    frame = decided([{"use_case_id": "a", "use_case": "x", "regulations": "HIPAA"}])
    assert one(frame, "privacy_score") == pytest.approx(10.0)
    assert one(frame, "fit_score") == pytest.approx(2.5)
    assert one(frame, "recommendation") == "Fine-tune"


def test_api_cost_rule_uses_cost_computed_from_calls():
    # SPEC §6 ex.1: $13,000 a month from calls and tokens -> cost 5, fit 1.25, but >= 5,000 -> Evaluate
    frame = decided([{
        "use_case_id": "a", "use_case": "x", "monthly_calls": 100_000.0, "input_tokens": 50_000.0,
        "output_tokens": 500.0, "input_price_per_1k": 0.0025, "output_price_per_1k": 0.01,
    }])
    assert one(frame, "fit_score") == pytest.approx(1.25)
    assert one(frame, "recommendation") == "Evaluate"


def test_decision_thresholds_come_from_config():
    cfg = cfg_with(decision={"finetune_fit_score": 7, "finetune_privacy_score": 9.5,
                             "evaluate_fit_score": 5, "evaluate_monthly_api_cost": 20_000})
    frame = decided([
        row("a", 6, 6, 6, 6, monthly_api_cost=1_000.0),  # fit 6 < 7, >= 5 -> Evaluate
        row("b", 9, 0, 0, 0, monthly_api_cost=1_000.0),  # privacy 9 < 9.5 -> Keep prompting
        row("c", 4, 4, 4, 4, monthly_api_cost=10_000.0),  # fit 4 < 5, 10,000 < 20,000 -> Keep prompting
        row("d", 7, 7, 7, 7, monthly_api_cost=1_000.0),  # fit 7 -> Fine-tune
    ], cfg)
    assert by_id(frame, "recommendation") == {
        "a": "Evaluate", "b": "Keep prompting", "c": "Keep prompting", "d": "Fine-tune",
    }


# ------------------------------------------------------------------ ranking
def test_rank_by_fit_score_descending():
    frame = score_all([
        row("a", 5, 5, 5, 5, monthly_api_cost=1_000.0),
        row("b", 7, 7, 7, 7, monthly_api_cost=1_000.0),
        row("c", 3, 3, 3, 3, monthly_api_cost=1_000.0),
    ])
    assert frame["use_case_id"].to_list() == ["b", "a", "c"]
    assert frame["rank"].to_list() == [1, 2, 3]


def test_equal_fit_higher_net_savings_first():
    # same fit 5; a: 8,000 a month -> net 24 m 172,000; b: 18,000 a month -> 412,000
    frame = score_all([
        row("a", 5, 5, 5, 5, monthly_api_cost=10_000.0, finetune_setup_cost=20_000.0, finetune_monthly_cost=2_000.0),
        row("b", 5, 5, 5, 5, monthly_api_cost=20_000.0, finetune_setup_cost=20_000.0, finetune_monthly_cost=2_000.0),
    ])
    assert by_id(frame, "net_savings_24m") == pytest.approx({"a": 172_000.0, "b": 412_000.0})
    assert by_id(frame, "rank") == {"b": 1, "a": 2}


def test_equal_fit_and_net_savings_sooner_break_even_first():
    # z: 8,000 a month, setup 20,000 -> net 24 m 172,000, break-even 2.5
    # a: 9,000 a month, setup 44,000 -> net 24 m 216,000 - 44,000 = 172,000, break-even 4.89
    frame = score_all([
        row("a", 5, 5, 5, 5, monthly_api_cost=11_000.0, finetune_setup_cost=44_000.0, finetune_monthly_cost=2_000.0),
        row("z", 5, 5, 5, 5, monthly_api_cost=10_000.0, finetune_setup_cost=20_000.0, finetune_monthly_cost=2_000.0),
    ])
    assert by_id(frame, "net_savings_24m") == pytest.approx({"a": 172_000.0, "z": 172_000.0})
    assert by_id(frame, "break_even_months") == pytest.approx({"a": 44_000 / 9_000, "z": 2.5}, abs=0.0051)
    assert by_id(frame, "rank") == {"z": 1, "a": 2}


def test_never_breaking_even_ranks_after_a_finite_break_even():
    # a: 1,000 a month, setup 30,000 -> net 24 m -6,000, break-even 30 months
    # 0: 50 a month, setup 7,200 -> net 24 m 1,200 - 7,200 = -6,000, never (6,000 after 120 months)
    frame = score_all([
        row("0", 5, 5, 5, 5, monthly_api_cost=2_050.0, finetune_setup_cost=7_200.0, finetune_monthly_cost=2_000.0),
        row("a", 5, 5, 5, 5, monthly_api_cost=3_000.0, finetune_setup_cost=30_000.0, finetune_monthly_cost=2_000.0),
    ])
    assert by_id(frame, "net_savings_24m") == pytest.approx({"0": -6_000.0, "a": -6_000.0})
    assert by_id(frame, "break_even_months")["0"] is None
    assert by_id(frame, "rank") == {"a": 1, "0": 2}


def test_all_else_equal_ranked_by_key():
    frame = score_all([
        row("c", 5, 5, 5, 5, monthly_api_cost=10_000.0),
        row("a", 5, 5, 5, 5, monthly_api_cost=10_000.0),
        row("b", 5, 5, 5, 5, monthly_api_cost=10_000.0),
    ])
    assert frame["use_case_id"].to_list() == ["a", "b", "c"]
    assert frame["rank"].to_list() == [1, 2, 3]


def test_fit_score_outranks_net_savings():
    # b saves far more, but a has the higher fit
    frame = score_all([
        row("b", 5, 5, 5, 5, monthly_api_cost=50_000.0),
        row("a", 6, 6, 6, 6, monthly_api_cost=3_000.0),
    ])
    assert by_id(frame, "rank") == {"a": 1, "b": 2}


def test_rank_in_unit_within_business_unit():
    frame = score_all([
        row("s1", 1, 1, 1, 1, business_unit="Sales"),
        row("o8", 8, 8, 8, 8, business_unit="Ops"),
        row("s9", 9, 9, 9, 9, business_unit="Sales"),
        row("o2", 2, 2, 2, 2, business_unit="Ops"),
        row("s5", 5, 5, 5, 5, business_unit="Sales"),
    ])
    assert by_id(frame, "rank") == {"s9": 1, "o8": 2, "s5": 3, "o2": 4, "s1": 5}
    assert by_id(frame, "rank_in_unit") == {"s9": 1, "s5": 2, "s1": 3, "o8": 1, "o2": 2}


# ---------------------------------------------------------------- rationale
def spec_example_row() -> dict:
    # privacy 10 from HIPAA; cost 5 from $12,000 a month; accuracy 0 (0.90 >= 0.85); speed 0 (batch);
    # savings 12,000 - 4,000 = 8,000 a month, setup 20,000 -> 2.5 months
    return {
        "use_case_id": "a", "use_case": "claims triage", "regulations": "HIPAA", "monthly_api_cost": 12_000.0,
        "finetune_setup_cost": 20_000.0, "finetune_monthly_cost": 4_000.0, "industry": "general",
        "current_accuracy": 0.90, "latency_class": "batch",
    }


def test_rationale_names_drivers_spec_example():
    text = one(decided([spec_example_row()]), "rationale")
    assert "privacy 10 (HIPAA)" in text
    assert "cost 5 ($12,000/mo)" in text
    assert "breaks even in 2.5 months" in text


def test_rationale_spec_example_exact_line():
    text = one(decided([spec_example_row()]), "rationale")
    assert text == "privacy 10 (HIPAA) · cost 5 ($12,000/mo) · breaks even in 2.5 months"


def test_rationale_never_breaks_even():
    # 100 a month saved, setup 20,000: never within 120 months
    frame = decided([{
        "use_case_id": "a", "use_case": "x", "monthly_api_cost": 2_100.0,
        "finetune_setup_cost": 20_000.0, "finetune_monthly_cost": 2_000.0,
    }])
    assert one(frame, "break_even_months") is None
    assert "never breaks even" in one(frame, "rationale")
    assert "breaks even in" not in one(frame, "rationale")


def test_rationale_cost_amount_and_break_even_between_anchors():
    # $22,500 a month -> cost 7.5; 20,500 a month saved, setup 30,750 -> 1.5 months
    frame = decided([{"use_case_id": "a", "use_case": "x", "monthly_api_cost": 22_500.0,
                      "finetune_setup_cost": 30_750.0, "finetune_monthly_cost": 2_000.0}])
    text = one(frame, "rationale")
    assert "cost 7.5 ($22,500/mo)" in text
    assert "breaks even in 1.5 months" in text


def test_rationale_does_not_name_weak_factors():
    # privacy 2 (internal) is below the driver threshold (output.driver_min_score = 5)
    frame = decided([{"use_case_id": "a", "use_case": "x", "data_sensitivity": "internal",
                      "monthly_api_cost": 10_000.0}])
    text = one(frame, "rationale")
    assert "privacy" not in text.split("no data")[0]
    assert "cost 5 ($10,000/mo)" in text
    assert "breaks even in 2.5 months" in text
