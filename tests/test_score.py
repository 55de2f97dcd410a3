"""The four factor scores (SPEC §2) and the worked examples of SPEC §6.

Every expected value is worked out by hand from the SPEC's anchor points:
piecewise-linear between anchors, clamped at both ends; speed on a log10
scale. Scores are rounded to output.score_decimals (2), so interpolated values
are compared to within 0.006.
"""

from __future__ import annotations

import math

import pytest

from helpers_frames import canonical_frame, cfg_default, one, scores
from pipeline.score import factor_scores

ROUNDED = 0.006  # scores are rounded to 2 decimals


def score_of(factor: str, **row) -> float:
    return one(scores([{"use_case": "x", **row}]), f"{factor}_score")


def known(factor: str, **row) -> bool:
    return one(scores([{"use_case": "x", **row}]), f"__{factor}_known")


# --------------------------------------------------------------------- cost
# SPEC §2: 1,000 -> 0, 5,000 -> 5, 15,000 -> 5, 30,000 -> 10; clamped.
@pytest.mark.parametrize(
    ("monthly", "expected"),
    [
        (500, 0.0),  # below the first anchor: clamped (SPEC §6 ex.3)
        (1_000, 0.0),  # anchor
        (3_000, 2.5),  # half-way 1,000..5,000: 0 + 5 * 2000/4000
        (5_000, 5.0),  # anchor
        (10_000, 5.0),  # flat segment 5,000..15,000 (SPEC §6 ex.3)
        (13_000, 5.0),  # flat segment (SPEC §6 ex.1)
        (15_000, 5.0),  # anchor
        (22_500, 7.5),  # half-way 15,000..30,000: 5 + 5 * 7500/15000
        (30_000, 10.0),  # anchor
        (40_000, 10.0),  # above the last anchor: clamped (SPEC §6 ex.3)
    ],
)
def test_cost_score_anchor_points_and_between(monthly, expected):
    assert score_of("cost", monthly_api_cost=float(monthly)) == pytest.approx(expected, abs=ROUNDED)


@pytest.mark.parametrize(
    ("monthly", "expected"),
    [
        (2_000, 5 * 1000 / 4000),  # 1.25
        (4_200, 5 * 3200 / 4000),  # 4.0
        (18_000, 5 + 5 * 3000 / 15000),  # 6.0
        (27_000, 5 + 5 * 12000 / 15000),  # 9.0
    ],
)
def test_cost_score_more_points_between_anchors(monthly, expected):
    assert score_of("cost", monthly_api_cost=float(monthly)) == pytest.approx(expected, abs=ROUNDED)


def test_cost_from_calls_tokens_and_prices_spec_example_1():
    # SPEC §6 ex.1: 50,000 in x $0.0025/1K + 500 out x $0.01/1K = 0.125 + 0.005 = $0.13 per call;
    # 100,000 calls a month -> $13,000 a month -> cost score 5.
    frame = scores([{
        "use_case": "x",
        "monthly_calls": 100_000.0,
        "input_tokens": 50_000.0,
        "output_tokens": 500.0,
        "input_price_per_1k": 0.0025,
        "output_price_per_1k": 0.01,
    }])
    assert one(frame, "api_cost_per_call") == pytest.approx(0.13)
    assert one(frame, "monthly_api_cost") == pytest.approx(13_000.0)
    assert one(frame, "cost_score") == pytest.approx(5.0)
    assert one(frame, "__cost_known") is True


def test_cost_from_calls_between_anchors():
    # 2,000 calls x (1,000 x 0.01/1K + 1,000 x 0.03/1K = $0.04) = $80 -> below 1,000 -> 0;
    # 60,000 calls x $0.04 = $2,400 -> 5 x 1400/4000 = 1.75
    frame = scores([
        {"use_case": "a", "monthly_calls": 2_000.0, "input_tokens": 1_000.0, "output_tokens": 1_000.0,
         "input_price_per_1k": 0.01, "output_price_per_1k": 0.03},
        {"use_case": "b", "monthly_calls": 60_000.0, "input_tokens": 1_000.0, "output_tokens": 1_000.0,
         "input_price_per_1k": 0.01, "output_price_per_1k": 0.03},
    ])
    assert frame["api_cost_per_call"].to_list() == pytest.approx([0.04, 0.04])
    assert frame["monthly_api_cost"].to_list() == pytest.approx([80.0, 2_400.0])
    assert frame["cost_score"].to_list() == pytest.approx([0.0, 1.75], abs=ROUNDED)


def test_given_monthly_cost_wins_over_calls_and_tokens():
    # SPEC §4: a given monthly_api_cost wins over the one computed from calls and tokens.
    frame = scores([{
        "use_case": "x",
        "monthly_api_cost": 30_000.0,
        "monthly_calls": 100_000.0,
        "input_tokens": 50_000.0,
        "output_tokens": 500.0,
        "input_price_per_1k": 0.0025,
        "output_price_per_1k": 0.01,
    }])
    assert one(frame, "monthly_api_cost") == pytest.approx(30_000.0)
    assert one(frame, "cost_score") == pytest.approx(10.0)


# -------------------------------------------------------------------- speed
def log_speed(seconds: float) -> float:
    """SPEC §2 speed from max_latency_s: 60 s -> 0, 5 s -> 5, 0.5 s -> 10, linear in log10(seconds)."""
    if seconds >= 60:
        return 0.0
    if seconds <= 0.5:
        return 10.0
    if seconds >= 5:
        return 5 * (math.log10(60) - math.log10(seconds)) / (math.log10(60) - math.log10(5))
    return 5 + 5 * (math.log10(5) - math.log10(seconds)) / (math.log10(5) - math.log10(0.5))


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (120.0, 0.0),  # clamped
        (60.0, 0.0),
        (5.0, 5.0),  # SPEC §6 ex.5
        (0.5, 10.0),
        (0.1, 10.0),  # clamped
        (math.sqrt(5 * 60), 2.5),  # geometric mean of 5 and 60 (17.32 s): log half-way -> 2.5
        (math.sqrt(0.5 * 5), 7.5),  # geometric mean of 0.5 and 5 (1.58 s): log half-way -> 7.5
        (1.0, 5 + 5 * math.log10(5)),  # 8.49: log10(5/1) of the one-decade segment
    ],
)
def test_speed_from_max_latency_on_log_scale(seconds, expected):
    assert score_of("speed", max_latency_s=seconds) == pytest.approx(expected, abs=ROUNDED)


@pytest.mark.parametrize("seconds", [15.49, 30.0, 10.0, 2.0])
def test_speed_between_anchors_matches_log_interpolation(seconds):
    # e.g. 15.49 s: 5 x log10(60/15.49) / log10(12) = 2.72 (not 2.5: the log mid-point is 17.32 s)
    assert score_of("speed", max_latency_s=seconds) == pytest.approx(log_speed(seconds), abs=ROUNDED)


@pytest.mark.parametrize(
    ("latency_class", "expected"),
    [("none", 0.0), ("batch", 0.0), ("quick", 5.0), ("real-time", 10.0)],  # SPEC §2, §6 ex.5
)
def test_speed_from_latency_class(latency_class, expected):
    assert score_of("speed", latency_class=latency_class) == pytest.approx(expected)
    assert known("speed", latency_class=latency_class) is True


@pytest.mark.parametrize(
    ("latency_class", "seconds", "expected"),
    [
        ("batch", 5.0, 5.0),  # class 0, time 5 -> 5
        ("quick", 0.5, 10.0),  # class 5, time 10 -> 10
        ("real-time", 60.0, 10.0),  # class 10, time 0 -> 10
        ("quick", math.sqrt(5 * 60), 5.0),  # class 5, time 2.5 -> 5
        ("none", math.sqrt(0.5 * 5), 7.5),  # class 0, time 7.5 -> 7.5
    ],
)
def test_speed_both_given_takes_the_higher(latency_class, seconds, expected):
    assert score_of("speed", latency_class=latency_class, max_latency_s=seconds) == pytest.approx(
        expected, abs=ROUNDED
    )


# ----------------------------------------------------------------- accuracy
def test_accuracy_spec_example_4_healthcare():
    # target 0.99 (healthcare); 2 points short: 5 + 5 x 0.02/0.05 = 7
    assert score_of("accuracy", industry="healthcare", current_accuracy=0.97) == pytest.approx(7.0, abs=ROUNDED)


def test_accuracy_spec_example_4_general_all_met():
    # target 0.85; 1% critical (<= 2%) and 3% edge-case (<= 5%): nothing breached -> 0
    score = score_of(
        "accuracy", industry="general", current_accuracy=0.86, critical_error_rate=0.01, edge_case_error_rate=0.03
    )
    assert score == pytest.approx(0.0)
    assert known("accuracy", industry="general", current_accuracy=0.86) is True


@pytest.mark.parametrize(
    ("industry", "current", "expected"),
    [
        ("general", 0.80, 10.0),  # 5 points short of 0.85 -> 10
        ("general", 0.70, 10.0),  # more than 5 points short: clamped at 10
        ("general", 0.85, 0.0),  # exactly on target: met
        ("general", 0.84, 6.0),  # 1 point short: 5 + 5 x 0.01/0.05
        (None, 0.825, 7.5),  # no industry -> 0.85; 2.5 points short
        ("legal", 0.94, 6.0),  # target 0.95; 1 point short
        ("legal", 0.96, 0.0),  # above target
        ("finance", 0.955, 8.5),  # target 0.99; 3.5 points short: 5 + 5 x 0.035/0.05
        ("retail", 0.84, 6.0),  # unlisted industry -> default 0.85
    ],
)
def test_accuracy_gap_to_target(industry, current, expected):
    assert score_of("accuracy", industry=industry, current_accuracy=current) == pytest.approx(expected, abs=ROUNDED)


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        (0.01, 0.0),
        (0.02, 0.0),  # exactly 2 %: not above the threshold
        (0.025, 6.25),  # 5 + 5 x 0.005/0.02
        (0.03, 7.5),  # 5 + 5 x 0.01/0.02
        (0.04, 10.0),
        (0.08, 10.0),  # clamped
    ],
)
def test_accuracy_critical_error_rate(rate, expected):
    assert score_of("accuracy", critical_error_rate=rate) == pytest.approx(expected, abs=ROUNDED)


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        (0.03, 0.0),
        (0.05, 0.0),  # exactly 5 %: not above the threshold
        (0.06, 6.0),  # 5 + 5 x 0.01/0.05
        (0.075, 7.5),  # 5 + 5 x 0.025/0.05
        (0.10, 10.0),
        (0.25, 10.0),  # clamped
    ],
)
def test_accuracy_edge_case_error_rate(rate, expected):
    assert score_of("accuracy", edge_case_error_rate=rate) == pytest.approx(expected, abs=ROUNDED)


def test_accuracy_just_past_a_threshold_scores_about_the_breach_score():
    # "Each breached requirement scores 5 at its threshold": 2.02 % critical -> 5 + 5 x 0.0002/0.02 = 5.05
    assert score_of("accuracy", critical_error_rate=0.0202) == pytest.approx(5.05, abs=ROUNDED)


def test_accuracy_is_the_highest_breach():
    # gap: general 0.84 -> 6; critical 3 % -> 7.5; edge 6 % -> 6  => 7.5
    assert score_of(
        "accuracy", industry="general", current_accuracy=0.84, critical_error_rate=0.03, edge_case_error_rate=0.06
    ) == pytest.approx(7.5, abs=ROUNDED)
    # gap: healthcare 0.97 -> 7; critical 1 % -> 0; edge 7.5 % -> 7.5 => 7.5
    assert score_of(
        "accuracy", industry="healthcare", current_accuracy=0.97, critical_error_rate=0.01, edge_case_error_rate=0.075
    ) == pytest.approx(7.5, abs=ROUNDED)
    # gap: general 0.80 -> 10; others small => 10
    assert score_of(
        "accuracy", industry="general", current_accuracy=0.80, critical_error_rate=0.025, edge_case_error_rate=0.06
    ) == pytest.approx(10.0, abs=ROUNDED)


def test_explicit_target_accuracy_overrides_industry():
    # healthcare would need 0.99 (-> 7 at 0.97); a target of 0.95 given on the row is met -> 0
    assert score_of(
        "accuracy", industry="healthcare", current_accuracy=0.97, target_accuracy=0.95
    ) == pytest.approx(0.0)
    # general would need 0.85 (met at 0.97); a target of 0.99 given on the row -> 2 points short -> 7
    assert score_of(
        "accuracy", industry="general", current_accuracy=0.97, target_accuracy=0.99
    ) == pytest.approx(7.0, abs=ROUNDED)


# ------------------------------------------------------------------ privacy
@pytest.mark.parametrize(
    ("level", "expected"),
    [("none", 0.0), ("internal", 2.0), ("confidential", 5.0), ("personal", 8.0), ("regulated", 10.0)],
)
def test_privacy_sensitivity_levels(level, expected):
    assert score_of("privacy", data_sensitivity=level) == pytest.approx(expected)
    assert known("privacy", data_sensitivity=level) is True


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"contains_pii": True}, 8.0),
        ({"trade_secrets": True}, 5.0),
        ({"data_residency": True}, 8.0),
        ({"regulations": "HIPAA"}, 10.0),
        ({"regulations": "GDPR; HIPAA"}, 10.0),
        ({"regulations": "PCI DSS"}, 10.0),
        ({"contains_pii": False}, 0.0),
        ({"contains_pii": False, "trade_secrets": False, "data_residency": False}, 0.0),
    ],
)
def test_privacy_floors(row, expected):
    assert score_of("privacy", **row) == pytest.approx(expected)
    assert known("privacy", **row) is True


@pytest.mark.parametrize("answer", ["none", "None", "no", "nil"])
def test_privacy_no_regulation_answer_sets_no_floor(answer):
    assert score_of("privacy", regulations=answer) == pytest.approx(0.0)
    assert score_of("privacy", regulations=answer, data_sensitivity="internal") == pytest.approx(2.0)
    assert score_of("privacy", regulations=answer, trade_secrets=True) == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"data_sensitivity": "internal", "trade_secrets": True}, 5.0),
        ({"data_sensitivity": "confidential", "contains_pii": True}, 8.0),
        ({"data_sensitivity": "personal", "trade_secrets": True}, 8.0),
        ({"data_sensitivity": "internal", "data_residency": True, "trade_secrets": True}, 8.0),
        ({"data_sensitivity": "none", "contains_pii": True, "regulations": "GDPR"}, 10.0),
        ({"data_sensitivity": "regulated", "contains_pii": False}, 10.0),
        ({"data_sensitivity": "confidential", "contains_pii": False, "trade_secrets": False}, 5.0),
    ],
)
def test_privacy_highest_applicable_wins(row, expected):
    assert score_of("privacy", **row) == pytest.approx(expected)


# ------------------------------------------------------- given scores win
@pytest.mark.parametrize(
    ("factor", "row", "given"),
    [
        ("privacy", {"data_sensitivity": "regulated", "regulations": "HIPAA"}, 3.0),
        ("cost", {"monthly_api_cost": 40_000.0}, 2.0),
        ("accuracy", {"industry": "healthcare", "current_accuracy": 0.90, "critical_error_rate": 0.05}, 1.5),
        ("speed", {"latency_class": "real-time", "max_latency_s": 0.2}, 4.0),
        ("speed", {"latency_class": "batch"}, 9.0),  # given above the derivation also wins
    ],
)
def test_directly_given_score_overrides_derivation(factor, row, given):
    frame = scores([{"use_case": "x", f"{factor}_score": given, **row}])
    assert one(frame, f"{factor}_score") == pytest.approx(given)
    assert one(frame, f"__{factor}_known") is True


def test_given_score_alone_counts_as_data():
    frame = scores([{"use_case": "x", "privacy_score": 6.0, "cost_score": 0.0}])
    assert one(frame, "privacy_score") == pytest.approx(6.0)
    assert one(frame, "cost_score") == pytest.approx(0.0)
    assert one(frame, "__privacy_known") is True
    assert one(frame, "__cost_known") is True
    assert one(frame, "data_completeness") == "2/4"


# ------------------------------------------------------------------ no data
def test_no_data_scores_default_zero_and_is_flagged():
    frame = scores([{"use_case": "nothing at all"}])
    for factor in ("privacy", "cost", "accuracy", "speed"):
        assert one(frame, f"{factor}_score") == pytest.approx(0.0), factor
        assert one(frame, f"__{factor}_known") is False, factor
    assert one(frame, "data_completeness") == "0/4"


def test_configured_default_is_used_for_a_factor_without_data():
    cfg = cfg_default()
    cfg["speed"]["default"] = 3
    frame = factor_scores(canonical_frame([{"use_case": "x"}]), cfg)
    assert one(frame, "speed_score") == pytest.approx(3.0)
    assert one(frame, "__speed_known") is False


@pytest.mark.parametrize(
    ("row", "completeness", "known_factors"),
    [
        ({"data_sensitivity": "internal"}, "1/4", {"privacy"}),
        ({"data_sensitivity": "internal", "monthly_api_cost": 3000.0}, "2/4", {"privacy", "cost"}),
        (
            {"contains_pii": True, "monthly_api_cost": 3000.0, "critical_error_rate": 0.01},
            "3/4",
            {"privacy", "cost", "accuracy"},
        ),
        (
            {"regulations": "GDPR", "monthly_api_cost": 3000.0, "current_accuracy": 0.9, "latency_class": "batch"},
            "4/4",
            {"privacy", "cost", "accuracy", "speed"},
        ),
        ({"max_latency_s": 60.0}, "1/4", {"speed"}),  # a value that scores 0 is still data
    ],
)
def test_data_completeness_counts_factors_with_data(row, completeness, known_factors):
    frame = scores([{"use_case": "x", **row}])
    assert one(frame, "data_completeness") == completeness
    for factor in ("privacy", "cost", "accuracy", "speed"):
        assert one(frame, f"__{factor}_known") is (factor in known_factors), factor
        if factor not in known_factors:
            assert one(frame, f"{factor}_score") == pytest.approx(0.0), factor


def test_partial_cost_inputs_are_not_cost_data():
    # calls without prices give no API cost: no cost data, default 0, flagged
    frame = scores([{"use_case": "x", "monthly_calls": 100_000.0, "input_tokens": 500.0}])
    assert one(frame, "monthly_api_cost") is None
    assert one(frame, "cost_score") == pytest.approx(0.0)
    assert one(frame, "__cost_known") is False


def test_rows_are_scored_independently():
    frame = scores([
        {"use_case": "a", "monthly_api_cost": 3_000.0, "latency_class": "quick"},
        {"use_case": "b", "monthly_api_cost": 22_500.0, "data_sensitivity": "personal"},
        {"use_case": "c"},
    ])
    assert frame["cost_score"].to_list() == pytest.approx([2.5, 7.5, 0.0])
    assert frame["speed_score"].to_list() == pytest.approx([5.0, 0.0, 0.0])
    assert frame["privacy_score"].to_list() == pytest.approx([0.0, 8.0, 0.0])
    assert frame["data_completeness"].to_list() == ["2/4", "2/4", "0/4"]
    assert frame["__row"].to_list() == [2, 3, 4]


def test_usd_text_of_amounts_past_whole_numbers_is_text_not_an_error():
    import polars as pl

    from pipeline.score import usd_text

    out = pl.DataFrame({"x": [12000.4, -500.0, 2e31, float("inf"), None]}).select(usd_text(pl.col("x"))).to_series()
    assert out.to_list()[:2] == ["$12,000", "-$500"]
    assert out[2] == "$2e+31" and out[3] == "$inf" and out[4] is None
