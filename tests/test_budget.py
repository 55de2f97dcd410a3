"""Funding under a setup budget: exact 0/1 knapsack, greedy beyond its limits (pipeline.budget)."""

from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction

import polars as pl
import pytest

from pipeline import budget as bd
from pipeline.budget import EXACT, GREEDY, choose


def cands(items: list[tuple[float | None, float | None]]) -> pl.DataFrame:
    """(cost, value) pairs -> candidates, rows 2, 3, ... of input 0."""
    return pl.DataFrame(
        {
            "__src": [0] * len(items),
            "__row": list(range(2, len(items) + 2)),
            "cost": [c for c, _ in items],
            "value": [v for _, v in items],
        },
        schema={"__src": pl.Int64, "__row": pl.Int64, "cost": pl.Float64, "value": pl.Float64},
    )


def funded_rows(frame: pl.DataFrame) -> list[int]:
    return frame.filter(pl.col("funded"))["__row"].to_list()


def totals(frame: pl.DataFrame) -> tuple[float, float]:
    f = frame.filter(pl.col("funded"))
    return f["cost"].sum(), f["value"].sum()


def brute_force(items: list[tuple[int, int]], cap: int) -> set[int]:
    """Indices of the best subset by the documented order: value (max), cost (min), then the set
    that comes first reading the rows by value per dollar (high first, then row order), taking
    before leaving. Every value > 0, every cost > 0 (integers: cents)."""
    order = sorted(range(len(items)), key=lambda j: (-Fraction(items[j][1], items[j][0]), j))
    best_key, best = None, set()
    for bits in itertools.product((0, 1), repeat=len(items)):
        chosen = [order[k] for k, b in enumerate(bits) if b]
        cost = sum(items[j][0] for j in chosen)
        if cost > cap:
            continue
        key = (sum(items[j][1] for j in chosen), -cost, bits)
        if best_key is None or key > best_key:
            best_key, best = key, set(chosen)
    return best


def exact_by(search: str, w: list[int], v: list[int], cap: int, g: int = 1) -> set[int]:
    """Run one of the two exact searches directly (as _exact does, in _order)."""
    order = bd._order(w, v)
    keys = bd._keys(w, v)
    ws, ks = [w[j] for j in order], [keys[j] for j in order]
    picked = bd._dynamic(ws, ks, cap, g) if search == "dp" else bd._branch_and_bound(ws, ks, cap)
    return {order[i] for i in picked}


# ---------------------------------------------------------- greedy is wrong
def test_exact_beats_greedy_by_ratio():
    items = [(60.0, 70.0), (50.0, 50.0), (50.0, 50.0)]
    frame, method = choose(cands(items), 100.0)
    assert method == EXACT
    assert funded_rows(frame) == [3, 4]
    assert totals(frame) == (100.0, 100.0)
    # The greedy fallback takes the best ratio (70/60) first, then nothing else fits: 70.
    frame, method = choose(cands(items), 100.0, exact_limit=0)
    assert method == GREEDY == "greedy (portfolio too large for the exact search)"
    assert funded_rows(frame) == [2]
    assert totals(frame) == (60.0, 70.0)


def test_result_keeps_rows_and_order():
    frame = cands([(10.0, 5.0), (20.0, 30.0), (5.0, 1.0)]).with_columns(pl.lit("x").alias("use_case"))
    out, _ = choose(frame, 25.0)
    assert out.columns == [*frame.columns, "funded"]
    assert out.drop("funded").equals(frame)
    assert out["funded"].dtype == pl.Boolean
    assert out["funded"].to_list() == [False, True, True]


# ------------------------------------------------------------------- ties
def test_equal_value_cheaper_set_wins():
    frame, _ = choose(cands([(50.0, 100.0), (40.0, 100.0)]), 50.0)
    assert funded_rows(frame) == [3]


def test_equal_value_and_cost_better_ratio_then_earlier_row_wins():
    frame, method = choose(cands([(50.0, 100.0), (50.0, 100.0), (50.0, 100.0)]), 100.0)
    assert method == EXACT
    assert funded_rows(frame) == [2, 3]
    # Two sets of equal value and cost: {30+20} against {50}; the one with the best value per dollar
    # (row 4: 40 for 20) wins.
    frame, _ = choose(cands([(30.0, 40.0), (50.0, 80.0), (20.0, 40.0)]), 50.0)
    assert funded_rows(frame) == [2, 4]
    # The same through the greedy fallback.
    frame, method = choose(cands([(50.0, 100.0), (50.0, 100.0), (50.0, 100.0)]), 100.0, exact_limit=0)
    assert method == GREEDY
    assert funded_rows(frame) == [2, 3]


def test_same_input_same_answer_whatever_the_search():
    rng = random.Random(5)
    items = [(float(rng.randint(1, 40) * 1000), float(rng.randint(-5, 60) * 1000)) for _ in range(40)]
    first, m1 = choose(cands(items), 150_000.0)
    again, m2 = choose(cands(items), 150_000.0)
    assert first.equals(again) and m1 == m2 == EXACT


# ------------------------------------------------------------ simple budgets
def test_zero_budget_funds_only_free_rows():
    frame, method = choose(cands([(10.0, 50.0), (0.0, 20.0), (0.0, -5.0), (0.0, 0.0)]), 0.0)
    assert method == EXACT
    assert funded_rows(frame) == [3]


def test_everything_affordable_is_funded_except_what_loses_money():
    items = [(10_000.0, 5_000.0), (20_000.0, 80_000.0), (5_000.0, -1_000.0), (1_000.0, 0.0), (2_000.0, 0.004)]
    frame, method = choose(cands(items), 1_000_000.0)
    assert method == EXACT
    assert funded_rows(frame) == [2, 3]
    frame, _ = choose(cands(items), math.inf)
    assert funded_rows(frame) == [2, 3]


def test_negative_or_missing_values_are_never_funded():
    items = [(1.0, -100.0), (1.0, None), (None, 100.0), (1.0, float("nan")), (10.0, 1.0), (math.inf, 5.0)]
    frame, _ = choose(cands(items), 1_000.0)
    assert funded_rows(frame) == [6]
    # Even when only losing rows would fit, nothing is funded.
    frame, _ = choose(cands([(1.0, -1.0), (1.0, -2.0), (500.0, 10.0)]), 10.0)
    assert funded_rows(frame) == []


def test_a_row_costing_more_than_the_budget_is_not_funded():
    frame, _ = choose(cands([(100.0, 1_000.0), (60.0, 70.0)]), 99.99)
    assert funded_rows(frame) == [3]


def test_cents_are_exact_and_the_budget_is_never_exceeded():
    # 0.1 + 0.2 > 0.3 in floats; in cents it fits exactly.
    frame, _ = choose(cands([(0.1, 1.0), (0.2, 1.0), (0.3, 1.5)]), 0.3)
    assert funded_rows(frame) == [2, 3]
    # A cost a fraction of a cent over the budget does not fit.
    frame, _ = choose(cands([(100.001, 5.0)]), 100.0)
    assert funded_rows(frame) == []


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="cost below 0 in row 3"):
        choose(cands([(1.0, 1.0), (-0.001, 5.0)]), 10.0)
    with pytest.raises(ValueError, match="at least 0"):
        choose(cands([(1.0, 1.0)]), -1.0)
    with pytest.raises(ValueError, match="at least 0"):
        choose(cands([(1.0, 1.0)]), float("nan"))
    with pytest.raises(ValueError, match="value"):
        choose(cands([(1.0, 1.0)]).drop("value"), 1.0)


def test_empty_candidates():
    frame, method = choose(cands([]), 100.0)
    assert frame.height == 0 and "funded" in frame.columns and method == EXACT


# ------------------------------------------------------- against brute force
@pytest.mark.parametrize("seed", range(12))
def test_random_portfolios_match_brute_force(seed):
    rng = random.Random(seed)
    n = rng.randint(8, 16)
    # Cents in the costs in half the cases (branch and bound), round hundreds in the rest (dynamic programming).
    cents = seed % 2 == 0
    items = []
    for _ in range(n):
        cost = rng.randint(100, 5_000_000) if cents else rng.randint(1, 500) * 10_000
        value = rng.choice([rng.randint(-1_000_000, 8_000_000), rng.randint(1, 40) * 100_000])
        items.append((cost, value))
    if seed % 3 == 0:  # exact duplicates: ties
        items[1] = items[0]
    cap = int(sum(c for c, _ in items) * rng.uniform(0.2, 0.6))
    positive = [(j, it) for j, it in enumerate(items) if it[1] > 0]
    expected = {positive[k][0] for k in brute_force([it for _, it in positive], cap)}

    frame, method = choose(cands([(c / 100, v / 100) for c, v in items]), cap / 100)
    assert method == EXACT
    got = {r - 2 for r in funded_rows(frame)}
    assert got == expected
    assert sum(items[j][0] for j in got) <= cap


@pytest.mark.parametrize("seed", range(6))
def test_both_exact_searches_agree_with_brute_force(seed):
    rng = random.Random(100 + seed)
    n = 14
    w = [rng.randint(1, 60) * 50 for _ in range(n)]
    v = [rng.randint(1, 90) * 25 for _ in range(n)]
    cap = sum(w) // 2
    expected = brute_force(list(zip(w, v)), cap)
    assert exact_by("dp", w, v, cap, 50) == expected
    assert exact_by("dp", w, v, cap, 1) == expected
    assert exact_by("bb", w, v, cap) == expected


@pytest.mark.parametrize("seed", range(8))
def test_rows_of_equal_cost_against_brute_force(seed):
    """Few distinct costs (like the $20,000 default): branch and bound leaves out the rest of a
    cost once it leaves one out; values tie often."""
    rng = random.Random(200 + seed)
    n = 15
    w = [rng.choice([2_000_000, 3_500_000, 5_000_000]) for _ in range(n)]
    v = [rng.choice([1, 2, 3, 4, 6]) * 1_000_000 for _ in range(n)]
    cap = rng.randint(4_000_000, 20_000_000)
    expected = brute_force(list(zip(w, v)), cap)
    assert exact_by("bb", w, v, cap) == expected
    assert exact_by("dp", w, v, cap, 500_000) == expected


def test_larger_portfolio_branch_and_bound_equals_dynamic_programming():
    rng = random.Random(42)
    n = 150
    w = [rng.randint(1, 400) * 100 for _ in range(n - 30)] + [20_000] * 30
    v = [rng.randint(1, 900) * 100 + rng.randint(0, 99) for _ in range(n)]
    cap = sum(w) // 3
    by_dp = exact_by("dp", w, v, cap, 100)
    assert exact_by("bb", w, v, cap) == by_dp
    assert sum(w[j] for j in by_dp) <= cap


def test_search_too_long_falls_back_to_greedy():
    rng = random.Random(7)
    items = [(rng.randint(100_000, 9_000_000) / 100, rng.randint(100_000, 9_000_000) / 100) for _ in range(60)]
    budget = sum(c for c, _ in items) / 2
    frame, method = choose(cands(items), budget, node_limit=10)
    assert method == GREEDY
    assert totals(frame)[0] <= budget
    exact, method = choose(cands(items), budget)
    assert method == EXACT
    assert totals(exact)[1] >= totals(frame)[1]


def test_limits_come_from_the_config_or_the_defaults():
    assert bd.limits({}) == {"exact_limit": bd.EXACT_LIMIT, "node_limit": bd.NODE_LIMIT}
    assert bd.limits({"budget": {"exact_limit": 0}}) == {"exact_limit": 0, "node_limit": bd.NODE_LIMIT}
    frame, method = choose(cands([(60.0, 70.0), (50.0, 50.0), (50.0, 50.0)]), 100.0, **bd.limits({"budget": {"exact_limit": 0}}))
    assert method == GREEDY
    with pytest.raises(ValueError, match="budget.node_limit"):
        bd.limits({"budget": {"node_limit": -1}})


# ------------------------------------------------------- through the CLI: the v2 decision's options
def test_budget_funds_recommended_options_by_their_one_off_cost_and_net_savings(tmp_path) -> None:
    """Only recommended changes are candidates (not Keep prompting, Add retrieval or Insufficient data),
    each at its best option's one-off cost and net savings over the horizon (SPEC §5, examples 6, 10, 12):
    O, Optimise the API: $5,000, saves $151,000; F, Fine-tune on own GPUs: $20,000, $133,000;
    N, Fine-tune for an accuracy need: $20,000 and -$21,243 (the need is not a saving: never funded)."""
    import openpyxl

    from conftest import by_id, run_cli, write_xlsx

    headers = ["ID", "Use case", "Monthly API cost", "Finetune setup cost", "Finetune monthly cost", "Privacy score",
               "Cost score", "Accuracy score", "Speed score", "Latency class", "Monthly calls", "Input tokens",
               "Output tokens", "Input price per 1K", "Output price per 1K", "Knowledge bound", "Regulations"]
    rows = [["O", "optimise", None, None, None, None, None, 0, None, "batch", 100_000, 50_000, 500, 0.0025, 0.01],
            ["F", "fine-tune", 10_000, 20_000, 2_000, 0, None, 8],
            ["N", "need", 6_000, None, None, 10, 5, 10, 0, "batch", 200_000, 8_000, 600, 0.003, 0.01],
            ["K", "keep", 50, None, None, None, None, 0],
            ["R", "retrieval", 10_000, None, None, None, None, 9, None, None, None, None, None, None, None, "yes"],
            ["I", "insufficient", None, None, None, None, None, None, None, None, None, None, None, None, None, None,
             "HIPAA"]]
    src = write_xlsx(tmp_path / "in.xlsx", headers, rows)

    def funded(amount: str) -> tuple[dict, dict]:
        out = tmp_path / f"out-{amount}.xlsx"
        run = run_cli("score", src, "-o", out, "--budget", amount)
        assert run.code == 0, run.stderr + run.stdout
        summary = {row[0]: row[1] for row in openpyxl.load_workbook(out)["Summary"].iter_rows(values_only=True)
                   if row[0]}
        return by_id(out), summary

    ranking, summary = funded("25000")
    assert {k: v["Recommendation"] for k, v in ranking.items()} == {
        "O": "Optimise the API", "F": "Fine-tune", "N": "Fine-tune", "K": "Keep prompting", "R": "Add retrieval",
        "I": "Insufficient data"}
    assert {k for k, v in ranking.items() if v["Funded"]} == {"O", "F"}
    assert summary["Budget for one-off costs"] == 25_000
    assert summary["Use cases funded"] == "2 of 3 recommended changes"
    assert summary["One-off cost of the funded set"] == pytest.approx(25_000)
    assert summary["Net savings of the funded set (24 months)"] == pytest.approx(151_000 + 133_000)
    # $20,000 buys one of them: the $5,000 one that saves more.
    ranking, summary = funded("20000")
    assert {k for k, v in ranking.items() if v["Funded"]} == {"O"}
    assert summary["One-off cost of the funded set"] == pytest.approx(5_000)
