"""The decision of SPEC version 2 (§4): each rule at and around its thresholds, the worked examples
8-11 and 13 of §6a, and the rationale of every Fine-tune.

The frames are built here with the columns decide reads: the scores, the per-factor has-data flags
and the option columns options.options adds (``{o}__offered``, ``{o}__net_h``, ``{o}__total``),
the option money given directly.
"""

from __future__ import annotations

import copy
import itertools

import polars as pl
import pytest

from pipeline import config
from pipeline.config import ConfigError
from pipeline.decide import DECIDED_BY, OPTIONS, branch, decide, max_latency

CFG = config.load()
ALL_KNOWN = {"privacy_has_data": True, "cost_has_data": True, "accuracy_has_data": True, "speed_has_data": True}


def money(api_monthly: float, months: int = 24, **nets: float) -> dict:
    """Option columns: every option offered; today's API costs api_monthly a month; each other option
    saves ``nets[o]`` over the horizon (default: loses $50,000), so its total is the API's less that."""
    api_total = api_monthly * months
    out = {"monthly_api_cost": api_monthly}
    for o in OPTIONS:
        net = 0.0 if o == "api" else nets.get(o, -50_000.0)
        out |= {f"{o}__offered": True, f"{o}__net_h": net, f"{o}__total": api_total - net}
    return out


def row(privacy=0.0, accuracy=0.0, fit=None, api_monthly=1_000.0, **extra) -> dict:
    scores = {"privacy_score": privacy, "cost_score": 0.0, "accuracy_score": accuracy, "speed_score": 0.0}
    fit = sum(scores.values()) / 4 if fit is None else fit
    nets = {k: extra.pop(k) for k in list(extra) if k in OPTIONS}
    return {**scores, "fit_score": fit, **ALL_KNOWN, **money(api_monthly, **nets), **extra}


def run(*rows: dict, cfg: dict = CFG) -> pl.DataFrame:
    return decide(pl.DataFrame(list(rows), infer_schema_length=None), cfg)


def one(r: dict, cfg: dict = CFG) -> dict:
    return run(r, cfg=cfg).row(0, named=True)


def cfg_with(section: str, **keys) -> dict:
    cfg = copy.deepcopy(CFG)
    cfg[section].update(keys)
    return config.validate(cfg)


# ------------------------------------------------------------------ step 4's max latency
@pytest.mark.parametrize(("latency_class", "seconds", "expected"), [
    ("real-time", None, 0.5), ("quick", None, 5.0), ("batch", None, 86_400.0),
    ("none", None, None), (None, None, None), (None, 0.3, 0.3),
    ("quick", 0.3, 0.3), ("real-time", 2.0, 0.5), ("none", 7.0, 7.0),
])
def test_max_latency_is_the_shorter_of_seconds_and_class(latency_class, seconds, expected):
    frame = pl.DataFrame({"latency_class": [latency_class], "max_latency_s": [seconds]},
                         schema={"latency_class": pl.String, "max_latency_s": pl.Float64})
    assert frame.select(max_latency(CFG)).item() == expected


def test_class_limits_come_from_the_config():
    cfg = copy.deepcopy(CFG)
    cfg["latency"]["class_limit_s"]["quick"] = 3
    frame = pl.DataFrame({"latency_class": ["quick"], "max_latency_s": [None]},
                         schema={"latency_class": pl.String, "max_latency_s": pl.Float64})
    assert frame.select(max_latency(cfg)).item() == 3.0


# ------------------------------------------------------------------ step 1: insufficient data
@pytest.mark.parametrize("known", [0, 1])
def test_fewer_than_two_factors_is_insufficient_data(known):
    flags = {f"{f}_has_data": i < known for i, f in enumerate(("privacy", "cost", "accuracy", "speed"))}
    out = one({**row(privacy=10, accuracy=10, fit=8, self_host_finetune=500_000.0), **flags})
    assert (out["recommendation"], out["best_option"], out["factors_with_data"]) == ("Insufficient data", None, known)
    assert out["decided_by"] == "insufficient_data"
    assert f"{known} of 4 factors {'has' if known == 1 else 'have'} data" in out["rationale"]
    assert "speed (Latency class, Max latency (s) or Speed score)" in out["next_step"]


@pytest.mark.parametrize(("min_factors", "known", "insufficient"), [(3, 2, True), (3, 3, False), (1, 1, False), (1, 0, True)])
def test_the_factors_needed_to_decide_are_config(min_factors, known, insufficient):
    flags = {f"{f}_has_data": i < known for i, f in enumerate(("privacy", "cost", "accuracy", "speed"))}
    out = one({**row(privacy=10), **flags}, cfg_with("decision", min_factors=min_factors))
    assert (out["recommendation"] == "Insufficient data") is insufficient
    if insufficient:
        assert f"at least {min_factors} are needed to decide" in out["rationale"]


def test_two_factors_decide():
    out = one({**row(self_host_finetune=500_000.0), "accuracy_has_data": False, "speed_has_data": False})
    assert (out["factors_with_data"], out["recommendation"]) == (2, "Fine-tune")


def test_unknown_api_cost_counts_as_zero():
    """Two factors known, no API cost: today's API costs 0, so nothing saves against it."""
    r = {**row(privacy=8, accuracy=3), "cost_has_data": False, "monthly_api_cost": None}
    for o in OPTIONS:
        r[f"{o}__net_h"] = None
        r[f"{o}__total"] = None if o == "api" else 30_000.0
    out = one(r)
    assert (out["recommendation"], out["best_option"]) == ("Keep prompting", "api")
    assert "API cost unknown" in out["rationale"]
    # With today's API out (own GPUs only), the cheapest of the rest wins: an open model as it is.
    r["self_host_finetune__total"] = 50_000.0
    out = one({**r, "deployment_allowed": "self_hosted"})
    assert (out["recommendation"], out["best_option"]) == ("Self-host", "self_host_open")


# ------------------------------------------------------------------ step 2: deployment
@pytest.mark.parametrize(("privacy", "expected"), [(0, "api"), (4.99, "api"), (5, "enterprise_api"),
                                                   (9, "enterprise_api"), (10, "enterprise_api")])
def test_deployment_from_privacy(privacy, expected):
    out = one(row(privacy=privacy))
    assert out["deployment"] == expected
    assert all(out[f"{o}__allowed"] for o in OPTIONS)


def test_self_hosted_only_from_its_config_threshold():
    cfg = cfg_with("deployment", self_hosted_from_privacy=9)
    assert one(row(privacy=8.99), cfg)["deployment"] == "enterprise_api"
    out = one(row(privacy=9), cfg)
    assert out["deployment"] == "self_hosted"
    for o in ("api", "api_optimised", "provider_finetune"):
        assert out[f"{o}__allowed"] is False
        assert "self_hosted" in out[f"{o}__why_not_allowed"]
    assert out["self_host_open__allowed"] and out["self_host_finetune__allowed"]
    assert out["decided_by"] == "deployment"


@pytest.mark.parametrize(("given", "privacy"), [("api", 10), ("enterprise_api", 0), ("self_hosted", 0)])
def test_deployment_allowed_wins_over_privacy(given, privacy):
    assert one(row(privacy=privacy, deployment_allowed=given))["deployment"] == given


def test_keep_prompting_under_enterprise_api_asks_for_the_agreement():
    out = one(row(privacy=5))
    assert out["recommendation"] == "Keep prompting"
    assert out["next_step"] == f"sign {CFG['deployment']['agreement']} with the API provider"


# ------------------------------------------------------------------ step 3: accuracy
def test_accuracy_below_the_breach_score_is_no_gap():
    out = one(row(accuracy=5.99, fit=7, knowledge_bound=True, self_host_finetune=5_000.0))
    assert out["recommendation"] == "Keep prompting"  # 5,000 is under the $10,000 threshold
    assert all(out[f"{o}__allowed"] for o in OPTIONS)


def test_breach_and_knowledge_bound_is_add_retrieval():
    out = one(row(accuracy=6, fit=3, knowledge_bound=True, self_host_finetune=900_000.0))
    assert (out["recommendation"], out["best_option"], out["decided_by"]) == ("Add retrieval", "api", "add_retrieval")
    assert "retrieval" in out["next_step"] and "facts" in out["rationale"]
    out = one(row(accuracy=6, knowledge_bound=True, deployment_allowed="self_hosted"))
    assert (out["recommendation"], out["best_option"]) == ("Add retrieval", "self_host_open")


def test_knowledge_bound_without_a_gap_changes_nothing():
    assert one(row(accuracy=5.99, knowledge_bound=True))["recommendation"] == "Keep prompting"


def test_breach_with_fit_at_the_need_leaves_only_fine_tuned_options():
    out = one(row(accuracy=6, fit=6, api_optimised=900_000.0, self_host_finetune=-80_000.0,
                  provider_finetune=-90_000.0))
    for o in ("api", "api_optimised", "self_host_open"):
        assert out[f"{o}__allowed"] is False and "only the fine-tuned options" in out[f"{o}__why_not_allowed"]
    # Today's API is out: the best net of the fine-tuned ones wins, though it saves nothing.
    assert (out["recommendation"], out["best_option"], out["decided_by"]) == (
        "Fine-tune", "self_host_finetune", "accuracy_need")
    assert "accuracy 6 and fit 6" in out["rationale"] and "the need is not a saving" in out["rationale"]


def test_breach_with_a_lower_fit_competes_on_money_and_closes_the_gap_first():
    out = one(row(accuracy=6, fit=5.99, self_host_open=900_000.0, api_optimised=20_000.0))
    assert out["self_host_open__allowed"] is False
    assert "does not close the accuracy gap" in out["self_host_open__why_not_allowed"]
    assert all(out[f"{o}__allowed"] for o in OPTIONS if o != "self_host_open")
    assert (out["recommendation"], out["decided_by"]) == ("Optimise the API", "saving")
    assert out["next_step"].startswith("close the accuracy gap with prompting and evaluation")
    assert "fine-tune if it persists" in out["next_step"]


# ------------------------------------------------------------------ step 4: speed
def test_an_option_exactly_at_the_max_latency_is_not_slower():
    out = one(row(max_latency_s=0.5))
    assert out["api__latency_s"] == 0.5 and out["api__allowed"]
    out = one(row(max_latency_s=0.3, current_latency_s=0.3))
    assert out["api__latency_s"] == 0.3 and out["api__allowed"] and out["recommendation"] == "Keep prompting"
    out = one(row(max_latency_s=0.15))
    assert out["self_host_open__latency_s"] == 0.15 and out["self_host_open__allowed"]


def test_a_slower_api_is_out_and_measuring_it_comes_first():
    out = one(row(max_latency_s=0.49))
    assert [out[f"{o}__allowed"] for o in OPTIONS] == [False, False, False, True, True]
    assert out["api__why_not_allowed"] == "starts in 0.5 s (assumed), over the max latency of 0.49 s"
    assert (out["recommendation"], out["decided_by"]) == ("Self-host", "latency")
    assert out["next_step"].startswith("measure today's API time to first token (current_latency_s)")
    measured = one(row(max_latency_s=0.49, current_latency_s=0.6))
    assert "assumed" not in measured["api__why_not_allowed"]
    assert not measured["next_step"].startswith("measure")


def test_real_time_class_is_half_a_second():
    out = one(row(latency_class="real-time", current_latency_s=0.51))
    assert out["api__allowed"] is False and out["self_host_open__allowed"]


def test_none_fast_enough_falls_back_with_a_warning():
    out = one(row(max_latency_s=0.14, api_optimised=20_000.0))
    assert all(out[f"{o}__allowed"] for o in OPTIONS)  # speed strikes none when it would strike all
    assert out["recommendation"] == "Optimise the API"
    assert "no option starts within the max latency of 0.14 s" in out["decision_warning"]
    assert "0.14 s" in out["rationale"]
    # The fallback keeps deployment's and accuracy's rules.
    out = one(row(max_latency_s=0.14, accuracy=8, fit=7, provider_finetune=1_000.0, self_host_finetune=-9_000.0))
    assert [out[f"{o}__allowed"] for o in OPTIONS] == [False, False, True, False, True]
    assert out["best_option"] == "provider_finetune"


# ------------------------------------------------------------------ step 5: money
@pytest.mark.parametrize(("net", "expected"), [(9_999.99, "Keep prompting"), (10_000.0, "Optimise the API")])
def test_materiality_at_ten_thousand(net, expected):
    # API $1,000 a month: 10 % of $24,000 is $2,400, so $10,000 decides.
    assert one(row(api_optimised=net))["recommendation"] == expected


@pytest.mark.parametrize(("net", "expected"), [(239_999.0, "Keep prompting"), (240_000.0, "Self-host")])
def test_materiality_at_ten_percent_of_the_api_total(net, expected):
    # API $100,000 a month: 10 % of $2,400,000 is $240,000.
    out = one(row(api_monthly=100_000.0, self_host_open=net))
    assert out["recommendation"] == expected
    if expected == "Self-host":
        assert out["rationale"] == ("an open model on own GPUs · saves $240,000 over 24 months "
                                    "(at least $240,000 needed)")


def test_most_savings_wins_and_ties_go_to_the_earlier_option():
    assert one(row(api_optimised=50_000.0, self_host_finetune=60_000.0))["best_option"] == "self_host_finetune"
    assert one(row(api_optimised=60_000.0, self_host_finetune=60_000.0))["best_option"] == "api_optimised"
    assert one(row(provider_finetune=60_000.0, self_host_open=60_000.0))["best_option"] == "provider_finetune"


def test_an_option_not_offered_cannot_win():
    r = row(provider_finetune=90_000.0, self_host_finetune=20_000.0)
    r["provider_finetune__offered"] = False
    assert one(r)["best_option"] == "self_host_finetune"


def test_materiality_comes_from_the_config():
    cfg = cfg_with("decision", materiality_min=20_000)
    assert one(row(api_optimised=15_000.0), cfg)["recommendation"] == "Keep prompting"
    cfg = cfg_with("decision", materiality_min=0, materiality_share=0.5)
    assert one(row(api_monthly=1_000.0, api_optimised=11_999.0), cfg)["recommendation"] == "Keep prompting"
    assert one(row(api_monthly=1_000.0, api_optimised=12_000.0), cfg)["recommendation"] == "Optimise the API"


# ------------------------------------------------------------------ step 6: Prepare to fine-tune
FT = {"accuracy": 8, "fit": 7, "self_host_finetune": -5_000.0}


@pytest.mark.parametrize(("extra", "expected"), [
    ({}, "Fine-tune"),
    ({"golden_set_size": 199.0}, "Prepare to fine-tune"), ({"golden_set_size": 200.0}, "Fine-tune"),
    ({"training_examples": 999.0}, "Prepare to fine-tune"), ({"training_examples": 1_000.0}, "Fine-tune"),
    ({"golden_set_size": 0.0}, "Prepare to fine-tune"),  # a given 0 is a value
    ({"golden_set_size": 500.0, "training_examples": 5_000.0}, "Fine-tune"),
])
def test_prepare_to_fine_tune_below_the_golden_set_or_training_minimum(extra, expected):
    out = one(row(**FT, **extra))
    assert out["recommendation"] == expected and out["best_option"] == "self_host_finetune"


def test_prepare_names_the_first_missing_prerequisite():
    assert one(row(**FT, golden_set_size=10.0))["next_step"] == (
        "build a 200-example golden set and measure today's baseline on it")
    assert one(row(**FT, training_examples=10.0))["next_step"] == "curate at least 1,000 training examples"


def test_each_option_names_its_recommendation():
    assert one(row(api_optimised=90_000.0))["recommendation"] == "Optimise the API"
    assert one(row(self_host_open=90_000.0))["recommendation"] == "Self-host"
    assert one(row(provider_finetune=90_000.0))["recommendation"] == "Fine-tune"
    assert one(row(self_host_finetune=90_000.0))["recommendation"] == "Fine-tune"
    assert one(row())["recommendation"] == "Keep prompting"


def test_optimise_confirms_the_alt_model_first():
    out = one(row(api_optimised=90_000.0, alt_model_used="gpt-4o-mini"))
    assert out["next_step"] == "confirm gpt-4o-mini's accuracy on a 200-example golden set"
    assert one(row(api_optimised=90_000.0))["next_step"] == "move the work to the provider's batch API"


# ------------------------------------------------------------------ SPEC §6a
def test_example_8_regulated_data_and_a_tiny_bill_keep_prompting():
    out = one(row(privacy=10, api_monthly=50.0, speed_has_data=False))
    assert (out["recommendation"], out["deployment"]) == ("Keep prompting", "enterprise_api")
    assert "BAA" in out["next_step"]


def test_example_9_the_api_is_too_slow_so_self_host():
    r = row(max_latency_s=0.3, api_monthly=2_000.0, self_host_open=-103_665.0, self_host_finetune=-160_000.0)
    out = one(r)
    assert (out["recommendation"], out["best_option"], out["decided_by"]) == ("Self-host", "self_host_open", "latency")
    assert out["rationale"] == ("latency: today's API starts in 0.5 s (assumed), over the max latency of 0.3 s · "
                                "an open model on own GPUs · net savings -$103,665 over 24 months "
                                "(the need is not a saving)")


def test_example_10_accuracy_need_fine_tunes_on_own_gpus():
    r = row(privacy=10, accuracy=10, fit=6.25, api_monthly=6_000.0, latency_class="batch",
            self_host_finetune=-21_243.0, self_host_open=-5_000.0, api_optimised=70_000.0)
    r["provider_finetune__offered"], r["__accuracy_why"] = False, "93% vs 99% target"
    out = one(r)
    assert (out["recommendation"], out["best_option"], out["deployment"]) == (
        "Fine-tune", "self_host_finetune", "enterprise_api")
    assert out["rationale"] == ("accuracy 10 (93% vs 99% target) and fit 6.25: only a fine-tuned model closes the gap"
                                " · a fine-tuned model on own GPUs · net savings -$21,243 over 24 months "
                                "(the need is not a saving)")
    assert one({**r, "golden_set_size": 50.0})["recommendation"] == "Prepare to fine-tune"


def test_example_11_one_factor_is_insufficient_data():
    r = {**row(privacy=10), "cost_has_data": False, "accuracy_has_data": False, "speed_has_data": False}
    out = one(r)
    assert out["recommendation"] == "Insufficient data"
    assert out["rationale"] == "1 of 4 factors has data (privacy): at least 2 are needed to decide"


def test_example_12_the_batch_price_saves_enough_to_optimise_the_api():
    # $13,000 a month: the threshold is 10 % of $312,000, $31,200; the batch API saves $151,000.
    out = one(row(api_monthly=13_000.0, latency_class="batch", api_optimised=151_000.0,
                  self_host_open=120_000.0, self_host_finetune=100_000.0))
    assert (out["recommendation"], out["best_option"], out["decided_by"]) == (
        "Optimise the API", "api_optimised", "saving")
    assert out["rationale"] == ("the API done cheaper (batch price or a smaller model) · saves $151,000 over "
                                "24 months (at least $31,200 needed)")
    assert out["next_step"] == "move the work to the provider's batch API"


def test_example_13_knowledge_bound_gap_adds_retrieval():
    assert one(row(accuracy=9, fit=7, knowledge_bound=True))["recommendation"] == "Add retrieval"


def test_privacy_alone_never_fine_tunes():
    """The v1 rule fine-tuned any privacy of 9 or more: $6.90 a month with SOX was told to fine-tune."""
    for privacy in (9, 10):
        out = one(row(privacy=privacy, api_monthly=6.90, accuracy_has_data=False, speed_has_data=False))
        assert out["recommendation"] == "Keep prompting"
        assert out["best_option"] == "api"


# ------------------------------------------------------------------ the rationale
def _grid() -> list[dict]:
    rows = []
    for privacy, accuracy, fit, latency, given, ft_net in itertools.product(
            (0, 5, 10), (0, 6, 10), (3, 6.25), (None, 0.3, 0.1), (None, "self_hosted"), (-30_000.0, 40_000.0)):
        rows.append(row(privacy=privacy, accuracy=accuracy, fit=fit, max_latency_s=latency,
                        deployment_allowed=given, self_host_finetune=ft_net, provider_finetune=ft_net - 1,
                        self_host_open=ft_net - 5_000.0))
    return rows


def test_every_fine_tune_names_the_need_or_the_saving():
    out = run(*_grid())
    fine = out.filter(pl.col("recommendation").is_in(["Fine-tune", "Prepare to fine-tune"]))
    assert fine.height > 10
    said = {  # what decided, as the rationale must name it
        "accuracy_need": ("accuracy", "only a fine-tuned model closes the gap"),
        "latency": ("latency: today's API",),
        "saving": ("saves $", "needed)"),
        # own GPUs only (given or from privacy): the option that costs least among them, with its money
        "deployment": ("deployment self_hosted", "net savings"),
    }
    assert set(fine["decided_by"]) <= set(said)
    for by, text in fine.select("decided_by", "rationale").iter_rows():
        assert all(words in text for words in said[by]), (by, text)
    assert out["decided_by"].is_in(list(DECIDED_BY)).all()
    assert out["recommendation"].is_in(CFG["ranking"]["order"]).all()


def test_branch_gives_what_the_frame_gives():
    rows = _grid()[:40]
    frame = run(*rows)
    for i, r in enumerate(rows):
        got = branch(r, CFG)
        assert (got["recommendation"], got["best_option"], got["decided_by"], got["rationale"]) == (
            frame["recommendation"][i], frame["best_option"][i], frame["decided_by"][i], frame["rationale"][i])
        assert got["why_not_allowed"]["api"] == frame["api__why_not_allowed"][i]


def test_decide_adds_the_agreed_columns_and_nothing_hidden():
    out = run(row())
    expected = {"deployment", "factors_with_data", "best_option", "recommendation", "next_step", "rationale",
                "decided_by", "decision_warning",
                *(f"{o}__{c}" for o in OPTIONS for c in ("allowed", "why_not_allowed", "latency_s"))}
    assert set(out.columns) - set(row()) == expected


def test_every_threshold_is_config():
    assert one(row(accuracy=6.5, fit=7, self_host_finetune=-1.0))["recommendation"] == "Fine-tune"
    cfg = cfg_with("decision", accuracy_breach_score=7)
    assert one(row(accuracy=6.5, fit=7, self_host_finetune=-1.0), cfg)["recommendation"] == "Keep prompting"
    cfg = cfg_with("decision", fit_need=7.5)
    out = one(row(accuracy=6.5, fit=7, self_host_finetune=-1.0), cfg)
    assert out["recommendation"] == "Keep prompting" and out["next_step"].startswith("close the accuracy gap")
    cfg = cfg_with("decision", golden_set_min=50)
    assert one(row(**FT, golden_set_size=60.0), cfg)["recommendation"] == "Fine-tune"
    cfg = cfg_with("latency", self_hosted_s=0.4)
    assert one(row(max_latency_s=0.3), cfg)["decision_warning"] is not None


# ------------------------------------------------------------------ config
def test_v2_defaults_are_the_spec_numbers():
    assert CFG["decision"] == {"accuracy_breach_score": 6, "fit_need": 6, "materiality_min": 10000,
                             "materiality_share": 0.1, "min_factors": 2, "golden_set_min": 200, "training_examples_min": 1000}
    assert (CFG["deployment"]["enterprise_api_from_privacy"], CFG["deployment"]["self_hosted_from_privacy"]) == (5, 11)
    assert CFG["latency"] == {"api_default_s": 0.5, "self_hosted_s": 0.15,
                              "class_limit_s": {"real-time": 0.5, "quick": 5, "batch": 86400}}
    assert CFG["ranking"]["order"] == ["Fine-tune", "Prepare to fine-tune", "Add retrieval", "Optimise the API",
                                       "Self-host", "Keep prompting", "Insufficient data"]


@pytest.mark.parametrize(("section", "key", "value", "message"), [
    ("ranking", "order", ["Fine-tune"], "config key 'ranking.order' must list the seven recommendations"),
    ("deployment", "levels", ["api", "self_hosted"], "config key 'deployment.levels' must list api, enterprise_api"),
    ("decision", "materiality_share", 1.5, "config key 'decision.materiality_share' must be a share from 0 to 1"),
    ("decision", "golden_set_min", 2.5, "config key 'decision.golden_set_min' must be a whole number"),
    ("deployment", "self_hosted_from_privacy", 12, "config key 'deployment.self_hosted_from_privacy' must be"),
    ("latency", "api_default_s", 0, "config key 'latency.api_default_s' must be a number of seconds above 0"),
])
def test_v2_keys_are_typed_and_bounded(section, key, value, message):
    cfg = copy.deepcopy(CFG)
    cfg[section][key] = value
    with pytest.raises(ConfigError, match=f"^{message}"):
        config.validate(cfg)


def test_a_class_limit_must_name_a_latency_class():
    cfg = copy.deepcopy(CFG)
    cfg["latency"]["class_limit_s"]["instant"] = 0.2
    with pytest.raises(ConfigError, match="^config key 'latency.class_limit_s.instant' names no latency class"):
        config.validate(cfg)


def test_a_version_1_decision_key_is_refused_naming_what_replaced_it(tmp_path):
    config.refuse_version_1({"decision": {}, "money": {"horizon_months": 36}}, "mine.toml")  # nothing old: fine
    with pytest.raises(ConfigError) as caught:
        config.refuse_version_1({"decision": {"finetune_privacy_score": 9}}, "mine.toml")
    assert caught.value.exit_code == 2
    line = str(caught.value)
    assert "\n" not in line and "mine.toml" in line
    assert "decision.finetune_privacy_score -> deployment.enterprise_api_from_privacy" in line
    with pytest.raises(ConfigError, match="decision.finetune_fit_score -> decision.fit_need.*"
                                          "decision.evaluate_monthly_api_cost -> decision.materiality_min"):
        config.refuse_version_1({"decision": {"evaluate_monthly_api_cost": 1, "finetune_fit_score": 7}}, "mine.toml")


def test_deployment_answers_read_through_the_config():
    from pipeline.columns import category_lookup

    lookup = category_lookup(CFG, "deployment_allowed")
    assert lookup["selfhosted"] == "self_hosted" and lookup["baa"] == "enterprise_api"
    assert set(lookup.values()) == set(CFG["deployment"]["levels"])


def test_under_self_hosted_an_accuracy_need_is_what_decides():
    out = one(row(accuracy=8, fit=7, deployment_allowed="self_hosted", self_host_finetune=-40_000.0))
    assert (out["recommendation"], out["decided_by"]) == ("Fine-tune", "accuracy_need")
    assert out["rationale"].startswith("accuracy 8 and fit 7")
    why = out["api__why_not_allowed"]
    assert "only the fine-tuned options" in why and "deployment self_hosted" in why
    assert out["provider_finetune__why_not_allowed"].startswith("deployment self_hosted")


def test_without_words_the_decision_is_the_same():
    rows = _grid()
    full, bare = run(*rows), decide(pl.DataFrame(rows, infer_schema_length=None), CFG, with_words=False)
    assert "rationale" not in bare.columns and "next_step" not in bare.columns
    assert bare["recommendation"].to_list() == full["recommendation"].to_list()
    assert bare["best_option"].to_list() == full["best_option"].to_list()


def test_privacy_alone_never_fine_tunes_even_where_it_means_own_gpus():
    cfg = cfg_with("deployment", self_hosted_from_privacy=9)
    out = one(row(privacy=10, api_monthly=6.90, accuracy_has_data=False, speed_has_data=False,
                  self_host_open=-160_000.0, self_host_finetune=-190_000.0), cfg)
    assert (out["deployment"], out["recommendation"]) == ("self_hosted", "Self-host")
    assert out["rationale"] == ("deployment self_hosted (privacy 10) · an open model on own GPUs · net savings "
                                "-$160,000 over 24 months (the need is not a saving)")
