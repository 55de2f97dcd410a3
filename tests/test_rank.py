"""The decision as the run wires it (SPEC v2 §4-§5) and the ranking (SPEC §6).

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
    # v1 fine-tuned at fit 6; v2: no accuracy gap and no option saves the threshold on $1,000 a month.
    assert one(frame, "recommendation") == "Keep prompting"


# ----------------------------------------------------------------- decision
# No model on these rows: api_optimised (no batch, no alt model) and provider_finetune (no fine-tuned
# price) are not offered unless said. Without calls and tokens the self-hosted options cost one
# always-on GPU: $6,257.50 a month (SPEC §3), or finetune_monthly_cost where given.
@pytest.mark.parametrize(
    ("scores", "monthly", "expected", "best"),
    [
        # accuracy 6 is a breach; fit 6 is the need: only the fine-tuned options, even at a loss
        ((6, 6, 6, 6), 1_000.0, "Fine-tune", "self_host_finetune"),
        ((10, 10, 10, 10), 1_000.0, "Fine-tune", "self_host_finetune"),
        # fit 5.99: a breach without the need; no option but the API saves on $1,000 a month
        ((6, 6, 6, 5.96), 1_000.0, "Keep prompting", "api"),
        # privacy alone never fine-tunes (v1: privacy >= 9 -> Fine-tune)
        ((9, 0, 0, 0), 1_000.0, "Keep prompting", "api"),
        ((10, 0, 0, 0), None, "Keep prompting", "api"),
        # v1's $5,000 rule (Evaluate) is gone
        ((0, 0, 0, 0), 5_000.0, "Keep prompting", "api"),
        # $100,000 a month: an open model on one GPU saves 22 x 93,742.50 - 10,000 = 2,052,335 over
        # 24 months; the fine-tuned one 21 x 93,742.50 - 20,000 - 3 x 5,000 = 1,933,592.50
        ((3, 3, 3, 3), 100_000.0, "Self-host", "self_host_open"),
    ],
)
def test_recommendation_rules(scores, monthly, expected, best):
    extra = {} if monthly is None else {"monthly_api_cost": monthly}
    frame = decided([row("a", *scores, **extra)])
    assert (one(frame, "recommendation"), one(frame, "best_option")) == (expected, best)


def test_self_host_money_columns_are_the_open_models():
    frame = decided([row("a", 3, 3, 3, 3, monthly_api_cost=100_000.0)])
    assert one(frame, "net_savings_24m") == pytest.approx(2_052_335.0)
    assert one(frame, "net_savings_12m") == pytest.approx(10 * 93_742.5 - 10_000)
    assert one(frame, "cost_basis") == "assumed"


def test_privacy_decides_where_it_runs():
    frame = decided([row("a", 4.99, 0, 0, 0, monthly_api_cost=1_000.0), row("b", 5, 0, 0, 0, monthly_api_cost=1_000.0)])
    assert by_id(frame, "deployment") == {"a": "api", "b": "enterprise_api"}


def test_regulated_data_alone_is_insufficient_data():
    # HIPAA -> privacy 10 and nothing else: one factor with data (v1: Fine-tune by privacy)
    frame = decided([{"use_case_id": "a", "use_case": "x", "regulations": "HIPAA"}])
    assert one(frame, "privacy_score") == pytest.approx(10.0)
    assert one(frame, "fit_score") == pytest.approx(2.5)
    assert one(frame, "recommendation") == "Insufficient data"
    assert one(frame, "net_savings_24m") is None


def test_api_cost_computed_from_calls_feeds_the_options():
    # SPEC §6a ex. 12: $13,000 a month from calls and tokens, batch: the batch price (default ratio
    # 0.5) saves 24 x 6,500 - 5,000 = 151,000 (v1: Evaluate by the $5,000 rule)
    frame = decided([{
        "use_case_id": "a", "use_case": "x", "monthly_calls": 100_000.0, "input_tokens": 50_000.0,
        "output_tokens": 500.0, "input_price_per_1k": 0.0025, "output_price_per_1k": 0.01,
        "latency_class": "batch", "accuracy_score": 0.0,
    }])
    assert one(frame, "monthly_api_cost") == pytest.approx(13_000.0)
    assert one(frame, "recommendation") == "Optimise the API"
    assert one(frame, "net_savings_24m") == pytest.approx(151_000.0)


def test_decision_thresholds_come_from_config():
    batch = {"monthly_calls": 100_000.0, "input_tokens": 50_000.0, "output_tokens": 500.0,
             "input_price_per_1k": 0.0025, "output_price_per_1k": 0.01, "latency_class": "batch"}
    rows = [row("a", 6, 6, 6, 6, monthly_api_cost=1_000.0), {**row("b", 0, 5, 0, 0), **batch}]
    assert by_id(decided(rows), "recommendation") == {"a": "Fine-tune", "b": "Optimise the API"}
    # fit 6 is no longer a strong need; a saving of 151,000 is under a 200,000 threshold
    cfg = cfg_with(decision={"fit_need": 7, "materiality_min": 200_000})
    assert by_id(decided(rows, cfg), "recommendation") == {"a": "Keep prompting", "b": "Keep prompting"}


# ------------------------------------------------------------------ ranking
def keep(uid: str, fit: float, **extra) -> dict:
    """A Keep prompting row (no accuracy gap, $1,000 a month) of the given fit score."""
    return row(uid, fit, fit, 0, 2 * fit, monthly_api_cost=1_000.0, **extra)


def test_recommendation_order_comes_first():
    frame = score_all([
        keep("k", 4),                                               # Keep prompting, fit 4
        row("f", 6, 6, 6, 6, monthly_api_cost=1_000.0),             # Fine-tune at a loss, fit 6
        {"use_case_id": "i", "use_case": "x", "regulations": "HIPAA"},  # Insufficient data
        row("s", 3, 3, 3, 3, monthly_api_cost=100_000.0),           # Self-host, 2 million saved
    ])
    assert frame["use_case_id"].to_list() == ["f", "s", "k", "i"]
    assert frame["rank"].to_list() == [1, 2, 3, 4]


def test_the_order_of_recommendations_is_config():
    order = ["Keep prompting", "Self-host", "Fine-tune", "Prepare to fine-tune", "Add retrieval",
             "Optimise the API", "Insufficient data"]
    frame = score_all([keep("k", 4), row("f", 6, 6, 6, 6, monthly_api_cost=1_000.0),
                       row("s", 3, 3, 3, 3, monthly_api_cost=100_000.0)], cfg_with(ranking={"order": order}))
    assert frame["use_case_id"].to_list() == ["k", "s", "f"]


def test_same_recommendation_higher_net_savings_first():
    # Self-host with finetune_monthly_cost 2,000 given: 22 x (api - 2,000) - 10,000
    frame = score_all([
        row("a", 5, 5, 5, 5, monthly_api_cost=10_000.0, finetune_monthly_cost=2_000.0),
        row("b", 1, 1, 1, 1, monthly_api_cost=20_000.0, finetune_monthly_cost=2_000.0),
    ])
    assert by_id(frame, "recommendation") == {"a": "Self-host", "b": "Self-host"}
    assert by_id(frame, "net_savings_24m") == pytest.approx({"a": 166_000.0, "b": 386_000.0})
    assert by_id(frame, "rank") == {"b": 1, "a": 2}  # more savings before the higher fit


def test_same_recommendation_and_savings_higher_fit_first():
    frame = score_all([keep("a", 1), keep("b", 3), keep("c", 2)])
    assert frame["use_case_id"].to_list() == ["b", "c", "a"]


def test_all_else_equal_ranked_by_key():
    frame = score_all([keep("c", 2), keep("a", 2), keep("b", 2)])
    assert frame["use_case_id"].to_list() == ["a", "b", "c"]
    assert frame["rank"].to_list() == [1, 2, 3]


def test_rank_in_unit_within_business_unit():
    frame = score_all([
        keep("s1", 1, business_unit="Sales"),
        keep("o4", 4, business_unit="Ops"),
        keep("s5", 5, business_unit="Sales"),
        keep("o2", 2, business_unit="Ops"),
        keep("s3", 3, business_unit="Sales"),
    ])
    assert by_id(frame, "rank") == {"s5": 1, "o4": 2, "s3": 3, "o2": 4, "s1": 5}
    assert by_id(frame, "rank_in_unit") == {"s5": 1, "s3": 2, "s1": 3, "o4": 1, "o2": 2}


# ---------------------------------------------------------------- money columns and rationale
def spec_example_row() -> dict:
    # privacy 10 from HIPAA; $12,000 a month; accuracy 0 (0.90 >= 0.85); batch; running $4,000 given.
    # api_optimised (batch, ratio 0.5): 24 x 6,000 - 5,000 = 139,000; self_host_open: 22 x 8,000
    # - 10,000 = 166,000; self_host_finetune: 21 x 8,000 - 20,000 - 3 x 5,000 = 133,000.
    # The threshold: max(10,000, 10 % of 288,000) = 28,800.
    return {
        "use_case_id": "a", "use_case": "claims triage", "regulations": "HIPAA", "monthly_api_cost": 12_000.0,
        "finetune_setup_cost": 20_000.0, "finetune_monthly_cost": 4_000.0, "industry": "general",
        "current_accuracy": 0.90, "latency_class": "batch",
    }


def test_money_columns_describe_the_recommended_option():
    frame = decided([spec_example_row()])
    assert (one(frame, "recommendation"), one(frame, "best_option")) == ("Self-host", "self_host_open")
    assert one(frame, "net_savings_24m") == pytest.approx(166_000.0)
    # build months 1-2 save nothing; $10,000 back after 1.25 more months of $8,000
    assert one(frame, "break_even_months") == pytest.approx(3.25)
    assert one(frame, "net_savings_12m") == pytest.approx(10 * 8_000 - 10_000)
    assert one(frame, "roi_pct") == pytest.approx(1_660.0)
    assert one(frame, "cost_basis") == "given"


def test_rationale_names_the_option_and_the_saving():
    text = one(decided([spec_example_row()]), "rationale")
    assert text == "an open model on own GPUs · saves $166,000 over 24 months (at least $28,800 needed)"


def test_keep_prompting_has_no_money_columns():
    frame = decided([keep("a", 2)])
    assert one(frame, "recommendation") == "Keep prompting"
    for column in ("break_even_months", "net_savings_12m", "net_savings_24m", "roi_pct", "cost_basis"):
        assert one(frame, column) is None, column


def test_unknown_api_cost_leaves_the_money_columns_empty():
    # SPEC §4 step 1: two factors known, the API cost unknown: it counts as 0, so on own GPUs only the
    # open model (the smaller loss: one-off $10,000, no retraining) wins, but no money is shown.
    frame = decided([{"use_case_id": "a", "use_case": "x", "privacy_score": 3.0, "accuracy_score": 0.0,
                      "deployment_allowed": "self_hosted"}])
    assert (one(frame, "recommendation"), one(frame, "best_option")) == ("Self-host", "self_host_open")
    for column in ("break_even_months", "net_savings_12m", "net_savings_24m", "roi_pct", "cost_basis",
                   "hosting_estimate", "gpus_needed"):
        assert one(frame, column) is None, column
