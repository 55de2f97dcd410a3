"""Issue 13's Changes: two snapshots of a portfolio compared (pipeline/changes.py).

The snapshots are built with exactly the contract's columns (helpers_snapshots.snapshot); the
expected rows are written out from the rules of the issue (added, removed, recommendation, rank
moves of history.rank_move places or more, money moves of history.money_change_pct % or more),
never copied from the output.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import polars as pl
import pytest

from helpers_frames import cfg_with
from helpers_snapshots import SNAPSHOT_COLUMNS, WHEN, RunInfo, snapshot
from pipeline import changes, config, history
from pipeline.errors import ConfigError
from pipeline.fields import FIELDS

CFG = config.load()


def rows(frame: pl.DataFrame) -> list[tuple]:
    return list(frame.iter_rows())


def only(frame: pl.DataFrame, kind: str) -> list[dict]:
    return frame.filter(pl.col("change") == kind).to_dicts()


# ------------------------------------------------------------------ the shape
def test_the_snapshot_columns_are_the_contracts():
    # history owns them (changes reads them from there); the test helper writes the contract out
    assert dict(history.SNAPSHOT_COLUMNS) == SNAPSHOT_COLUMNS


def test_no_previous_run_gives_an_empty_frame_of_the_columns():
    found = changes.compare(None, snapshot([{}]), CFG)
    assert found.height == 0 and found.schema == pl.Schema(changes.COLUMNS)
    assert list(changes.COLUMNS) == ["change", "use_case_id", "use_case", "business_unit", "before", "after",
                                     "what_moved"]


def test_the_same_snapshot_twice_has_no_changes():
    same = snapshot([{"monthly_api_cost": 1000.0, "net_savings": 5000.0}, {}, {"recommendation": "Fine-tune"}])
    assert changes.compare(same, same, CFG).height == 0
    assert changes.counts(changes.compare(same, same, CFG)) == dict.fromkeys(changes.CHANGES, 0)


# ------------------------------------------------------------------ added and removed
def test_added_and_removed_use_cases():
    before = snapshot([{"use_case_id": "A", "rank": 1},
                       {"use_case_id": "B", "use_case": "Old claims bot", "business_unit": "Claims",
                        "recommendation": "Fine-tune", "rank": 2}])
    after = snapshot([{"use_case_id": "A", "rank": 1},
                      {"use_case_id": "C", "use_case": "New triage", "business_unit": "Care",
                       "recommendation": "Self-host", "rank": 2}])
    found = changes.compare(before, after, CFG)
    assert rows(found) == [
        ("added", "C", "New triage", "Care", None, "Self-host", "new since the last run, at rank 2"),
        ("removed", "B", "Old claims bot", "Claims", "Fine-tune", None, "not in this run (rank 2 in the last)"),
    ]
    assert changes.counts(found) == {"added": 1, "removed": 1, "recommendation": 0, "rank": 0, "money": 0}


def test_an_empty_run_removes_every_use_case():
    before = snapshot([{"use_case_id": "A"}, {"use_case_id": "B"}])
    found = changes.compare(before, snapshot([]), CFG)
    assert found["change"].to_list() == ["removed", "removed"] and found["use_case_id"].to_list() == ["A", "B"]


# ------------------------------------------------------------------ recommendations and what moved
def test_a_recommendation_change_names_the_inputs_factors_and_money_that_moved():
    old = {"use_case_id": "A", "monthly_calls": 100000, "model": "gpt-4o", "current_accuracy": 0.8}
    new = {"use_case_id": "A", "monthly_calls": 250000, "model": "gpt-4o", "current_accuracy": 0.8}
    before = snapshot([{"use_case_id": "A", "inputs": old, "cost_score": 4.1, "fit_score": 5.2,
                        "monthly_api_cost": 4000.0, "net_savings": 9000.0}])
    after = snapshot([{"use_case_id": "A", "inputs": new, "recommendation": "Fine-tune", "cost_score": 6.3,
                       "fit_score": 6.8, "monthly_api_cost": 4000.0, "net_savings": 50000.0}])
    found = only(changes.compare(before, after, CFG), "recommendation")
    assert len(found) == 1
    assert (found[0]["before"], found[0]["after"]) == ("Keep prompting", "Fine-tune")
    # the one input that changed (model and accuracy did not), two factors, the savings (+$41,000)
    assert found[0]["what_moved"] == ("monthly_calls 100,000 -> 250,000; cost 4.1 -> 6.3; fit 5.2 -> 6.8; "
                                      "net savings 24m +$41,000 (+456 %)")


def test_inputs_are_compared_as_values_not_as_text():
    # 100000 and 100000.0 are one number (the checksums differ: the JSON text does)
    old = {"monthly_calls": 100000, "model": "gpt-4o", "industry": None}
    new = {"monthly_calls": 100000.0, "model": "gpt-4o-mini", "industry": "legal"}
    before = snapshot([{"use_case_id": "A", "inputs": old}])
    after = snapshot([{"use_case_id": "A", "inputs": new, "recommendation": "Optimise the API"}])
    assert before["input_checksum"][0] != after["input_checksum"][0]
    found = only(changes.compare(before, after, CFG), "recommendation")
    said = {"model": "model gpt-4o -> gpt-4o-mini", "industry": "industry empty -> legal"}  # in FIELDS' order
    assert found[0]["what_moved"] == "; ".join(said[name] for name in FIELDS if name in said)


def test_a_recommendation_change_with_no_input_changed_says_so():
    before = snapshot([{"use_case_id": "A", "recommendation": "Fine-tune"}])
    after = snapshot([{"use_case_id": "A", "recommendation": "Keep prompting"}])
    found = only(changes.compare(before, after, CFG), "recommendation")
    assert found[0]["what_moved"] == "none of its inputs changed (the config, prices or other rows did)"


def test_factor_scores_are_compared_as_shown():
    # output.score_decimals (2): 5.001 shows as 5.0, like 5.0; 5.006 shows as 5.01
    before = snapshot([{"use_case_id": "A"}, {"use_case_id": "B"}])
    after = snapshot([{"use_case_id": "A", "privacy_score": 5.001, "recommendation": "Self-host"},
                      {"use_case_id": "B", "privacy_score": 5.006, "recommendation": "Self-host"}])
    found = {r["use_case_id"]: r["what_moved"] for r in only(changes.compare(before, after, CFG), "recommendation")}
    assert found["A"].startswith("none of its inputs changed")
    assert found["B"] == "privacy 5.0 -> 5.01"


# ------------------------------------------------------------------ rank moves
@pytest.mark.parametrize(("was", "now", "listed"), [
    (10, 6, False),  # 4 places: below the threshold of 5
    (10, 5, True),   # 5 places: at it
    (10, 4, True),   # 6 places: above it
    (4, 10, True),   # 6 places down
    (5, 9, False),   # 4 places down
])
def test_rank_moves_of_rank_move_places_or_more(was, now, listed):
    assert CFG["history"]["rank_move"] == 5
    found = only(changes.compare(snapshot([{"use_case_id": "A", "rank": was}]),
                                 snapshot([{"use_case_id": "A", "rank": now}]), CFG), "rank")
    assert len(found) == int(listed)
    if listed:
        direction = "up" if now < was else "down"
        assert (found[0]["before"], found[0]["after"]) == (str(was), str(now))
        assert found[0]["what_moved"].startswith(f"{direction} {abs(was - now)} places")


def test_rank_move_is_config():
    cfg = cfg_with(history__rank_move=3)
    found = changes.compare(snapshot([{"use_case_id": "A", "rank": 10}]), snapshot([{"use_case_id": "A", "rank": 7}]),
                            cfg)
    assert found["change"].to_list() == ["rank"]


# ------------------------------------------------------------------ money
def money_rows(was: float | None, now: float | None, name: str = "monthly_api_cost", cfg: dict = CFG) -> list[dict]:
    return only(changes.compare(snapshot([{"use_case_id": "A", name: was}]),
                                snapshot([{"use_case_id": "A", name: now}]), cfg), "money")


@pytest.mark.parametrize(("was", "now"), [
    (1000.0, 1249.0), (1000.0, 1250.0), (1000.0, 1251.0), (1000.0, 751.0), (1000.0, 750.0), (1000.0, 0.0),
    (-4000.0, -3001.0), (-4000.0, -3000.0), (-4000.0, 1000.0), (1.1, 1.375), (1.1, 1.3749),
    (3.3, 4.125), (0.7, 0.875),
])
def test_money_moves_of_money_change_pct_or_more(was, now):
    # the rule written independently: |now - was| >= 25 % of |was| (1.1 -> 1.375 is exactly 25 %)
    listed = round(abs(now - was) * 1e6) >= round(0.25 * abs(was) * 1e6)
    for name in ("monthly_api_cost", "net_savings"):
        assert len(money_rows(was, now, name)) == int(listed), (name, was, now)


def test_a_money_row_shows_the_amounts_and_the_change():
    found = money_rows(10_000.0, 25_000.0)
    assert len(found) == 1
    assert (found[0]["before"], found[0]["after"]) == ("$10,000", "$25,000")
    assert found[0]["what_moved"] == "monthly API spend +$15,000 (+150 %)"
    down = money_rows(-4_000.0, -50_000.0, "net_savings")
    assert (down[0]["before"], down[0]["after"]) == ("-$4,000", "-$50,000")
    assert down[0]["what_moved"] == "net savings 24m -$46,000 (-1150 %)"


@pytest.mark.parametrize(("was", "now", "what"), [
    (None, 5000.0, "monthly API spend: none before"),
    (5000.0, None, "monthly API spend: none now"),
    (0.0, 100.0, "monthly API spend +$100"),  # from 0 every change counts; no percentage of 0
    (None, 0.0, None), (0.0, None, None), (None, None, None), (0.0, 0.0, None),
])
def test_money_from_and_to_empty_or_zero(was, now, what):
    found = money_rows(was, now)
    assert [r["what_moved"] for r in found] == ([what] if what else [])


def test_money_change_pct_is_config():
    assert len(money_rows(1000.0, 1100.0)) == 0
    assert len(money_rows(1000.0, 1100.0, cfg=cfg_with(history__money_change_pct=10))) == 1


def test_spend_and_savings_that_both_move_are_two_money_rows():
    found = changes.compare(snapshot([{"use_case_id": "A", "monthly_api_cost": 1000.0, "net_savings": 1000.0}]),
                            snapshot([{"use_case_id": "A", "monthly_api_cost": 2000.0, "net_savings": 3000.0}]), CFG)
    assert [(r["before"], r["after"]) for r in only(found, "money")] == [("$1,000", "$2,000"), ("$1,000", "$3,000")]
    assert changes.counts(found)["money"] == 2


# ------------------------------------------------------------------ order, counts, the run's facts
def test_changes_are_sorted_by_kind_then_use_case_id():
    before = snapshot([{"use_case_id": "Z", "rank": 1}, {"use_case_id": "M", "rank": 2, "monthly_api_cost": 10.0},
                       {"use_case_id": "B", "rank": 3}, {"use_case_id": "Y", "rank": 20}])
    after = snapshot([{"use_case_id": "Y", "rank": 1, "recommendation": "Fine-tune"},
                      {"use_case_id": "M", "rank": 2, "monthly_api_cost": 20.0},
                      {"use_case_id": "B", "rank": 3, "recommendation": "Self-host"},
                      {"use_case_id": "A", "rank": 4}])
    found = changes.compare(before, after, CFG)
    assert [(r[0], r[1]) for r in rows(found)] == [("added", "A"), ("removed", "Z"), ("recommendation", "B"),
                                                  ("recommendation", "Y"), ("rank", "Y"), ("money", "M")]
    assert changes.counts(found) == {"added": 1, "removed": 1, "recommendation": 2, "rank": 1, "money": 1}


def test_for_run_without_a_previous_run_says_it_is_the_first():
    frame, facts = changes.for_run(None, snapshot([{}], portfolio="emea"), CFG)
    assert frame is None
    assert facts["reason"] == "first run of portfolio emea: nothing to compare yet"
    assert changes.headline(facts) == "First run of portfolio emea: nothing to compare yet"
    assert changes.as_json(facts) == {"since": None, "run_id": None, "portfolio": "emea",
                                      "reason": "first run of portfolio emea: nothing to compare yet",
                                      **dict.fromkeys(changes.CHANGES)}


def test_for_run_against_the_previous_run():
    before = snapshot([{"use_case_id": "A"}, {"use_case_id": "B"}], portfolio="emea")
    after = snapshot([{"use_case_id": "A"}, {"use_case_id": "C"}], portfolio="emea")
    frame, facts = changes.for_run((RunInfo(41, WHEN), before), after, CFG)
    assert frame["change"].to_list() == ["added", "removed"]
    assert facts == {"since": WHEN, "run_id": 41, "portfolio": "emea", "reason": None, "problem": False,
                     "counts": {"added": 1, "removed": 1, "recommendation": 0, "rank": 0, "money": 0}}
    assert changes.headline(facts) == "Since the last run of emea on 2026-11-29 02:00 UTC (run 41)"
    assert changes.as_json(facts) == {"since": "2026-11-29T02:00:00+00:00", "run_id": 41, "portfolio": "emea",
                                      "reason": None, "added": 1, "removed": 1, "recommendation": 0, "rank": 0,
                                      "money": 0}
    same, facts = changes.for_run((RunInfo(41, WHEN), before), before, CFG)
    assert same.is_empty() and changes.headline(facts) == "Since the last run of emea on 2026-11-29 02:00 UTC (run 41): no changes"


def test_for_run_with_a_history_problem_compares_nothing():
    problem = "history /srv/scored/ftscore-history.sqlite is locked past 30 s"
    before = snapshot([{"use_case_id": "A"}])
    frame, facts = changes.for_run((RunInfo(1, datetime(2026, 1, 1, tzinfo=timezone.utc)), before), before, CFG,
                                   problem, portfolio="emea")
    assert frame is None and facts["reason"] == problem and facts["since"] is None
    assert changes.headline(facts) == f"Nothing to compare: {problem}"
    # a problem whose words hold "nothing to compare" is still said as a problem
    _, facts = changes.for_run(None, before, CFG, f"{problem}: nothing to compare", portfolio="emea")
    assert changes.headline(facts) == f"Nothing to compare: {problem}: nothing to compare"


def test_no_history_at_all():
    assert changes.headline({}) == "This run keeps no history: nothing to compare"
    assert changes.as_json({})["reason"] == "this run keeps no history: nothing to compare"


# ------------------------------------------------------------------ config
@pytest.mark.parametrize(("key", "value", "says"), [
    ("rank_move", 0, "config key 'history.rank_move' must be a whole number of places of at least 1, got 0"),
    ("rank_move", 2.5, "config key 'history.rank_move' must be a whole number"),
    ("money_change_pct", 0, "config key 'history.money_change_pct' must be a percentage above 0"),
    ("money_change_pct", "25", "config key 'history.money_change_pct' must be a number, got text '25'"),
])
def test_history_keys_are_typed_and_bounded(tmp_path, key, value, says):
    path = tmp_path / "c.toml"
    path.write_text(f"[history]\n{key} = {value!r}\n".replace("'", '"'), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        config.load(path)
    assert str(err.value).startswith(says)


def test_history_defaults():
    assert CFG["history"]["rank_move"] == 5 and CFG["history"]["money_change_pct"] == 25


def test_the_run_time_is_shown_in_utc():
    paris = timezone(timedelta(hours=1))
    assert changes.stamp(datetime(2026, 11, 29, 3, 15, tzinfo=paris)) == "2026-11-29 02:15 UTC"
    assert changes.stamp(datetime(2026, 11, 29, 2, 15)) == "2026-11-29 02:15 UTC"  # as stored, taken as UTC
