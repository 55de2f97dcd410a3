"""Which recommended changes to fund with a budget for their one-off costs: a 0/1 knapsack.

``choose`` maximises the total value (net savings over the horizon) of the
funded rows with their total one-off cost within the budget. It is exact up to
the limits below and falls back to greedy by value/cost beyond them, saying so.

Amounts are compared in whole cents, in integer arithmetic (no float sums):
a cost is rounded *up* to the cent and the budget *down*, so a funded set never
costs more than the budget; a value is rounded to the nearest cent, and one
that rounds to 0 or less (or is missing) is never funded. A row with a missing
cost is never funded either; a negative cost is an error.

Ties, deterministic and the same whichever search runs: among sets of equal
total value the cheaper wins; among sets equal in both, read the rows by value
per dollar (exact ratios, high first; equal ratios in the order of
``candidates``) and take the set that funds a row the other does not first.
So of identical rows the earlier is funded (pass candidates in rank order).
Both exact searches optimise one integer key per row, value x K - cost
(K = total cost + 1), which orders sets by value and then cost.

Exact search (for rows with value > 0 and cost > 0 within the budget; rows
costing nothing are funded outright, and if everything fits it is all funded):

* up to ``exact_limit`` such rows (default EXACT_LIMIT: the shipped [budget] exact_limit);
* dynamic programming over the budget in steps of the greatest common divisor
  of the costs when rows x (budget / gcd + 1) <= DP_CELLS (10,000,000; about
  1.5 s and 10 MB at the limit): costs in round hundreds or thousands, as with
  the shipped one-off costs of the options, or a budget small against the costs;
* otherwise branch and bound: depth first, fractional (LP) bound, rows of equal
  cost taken best first (dominance), up to ``node_limit`` steps (default
  NODE_LIMIT: the shipped [budget] node_limit, about 1 s). Portfolios of hundreds of rows with
  arbitrary costs in cents finish in well under a second; what defeats it is
  value nearly proportional to cost for every row (subset-sum-like data).

Beyond either limit: greedy by value per dollar (the order above), taking each
row that still fits, or the single most valuable affordable row when that alone
is worth more (so at least half the optimum); the method then says
GREEDY. Pure: polars only, no I/O.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from fractions import Fraction

import polars as pl

from pipeline import config

EXACT = "exact"
GREEDY = "greedy (portfolio too large for the exact search)"
# The shipped [budget] limits (defaults.toml); the most a config may set is config.BUDGET_CEILINGS.
EXACT_LIMIT = config.defaults()["budget"]["exact_limit"]
DP_CELLS = 10_000_000
NODE_LIMIT = config.defaults()["budget"]["node_limit"]


def limits(cfg: dict) -> dict:
    """choose()'s keyword limits from the config's [budget] table (the shipped ones where it has none),
    validated by config.Budget (ValueError naming the key): ``choose(candidates, amount, **limits(cfg))``."""
    try:
        return config.section(cfg, "budget")
    except config.ConfigError as exc:
        raise ValueError(str(exc)) from None


class _TooLarge(Exception):
    pass


def _cents(candidates: pl.DataFrame) -> tuple[list[int | None], list[int | None]]:
    """(cost in cents rounded up, value in cents rounded) per row; None where missing, NaN or infinite."""
    cost, value = pl.col("cost").cast(pl.Float64), pl.col("value").cast(pl.Float64)
    out = candidates.select(
        pl.when(cost.is_finite()).then((cost * 100 - 1e-6).ceil()).cast(pl.Int64, strict=False).alias("c"),
        pl.when(value.is_finite()).then((value * 100).round(0)).cast(pl.Int64, strict=False).alias("v"),
    )
    return out.get_column("c").to_list(), out.get_column("v").to_list()


def choose(candidates: pl.DataFrame, budget: float, *, exact_limit: int = EXACT_LIMIT,
           node_limit: int = NODE_LIMIT) -> tuple[pl.DataFrame, str]:
    """(candidates with a boolean ``funded`` column, in their order; the method: EXACT or GREEDY).

    candidates: rows with ``cost`` (one-off cost, USD, >= 0) and ``value`` (net
    savings over the horizon, USD), plus whatever else (``__src``, ``__row``)
    rides along. budget: USD, >= 0 (math.inf: no limit). Limits: see the module.
    """
    _check(candidates, budget)
    costs, values = _cents(candidates)
    cap = None if math.isinf(budget) else math.floor(budget * 100 + 1e-6)
    funded, method = _fund(costs, values, cap, exact_limit, node_limit)
    flags = pl.Series("funded", [i in funded for i in range(candidates.height)], dtype=pl.Boolean)
    return candidates.with_columns(flags), method


def _check(candidates: pl.DataFrame, budget: float) -> None:
    """ValueError unless candidates has cost and value, no cost below 0, and budget is an amount >= 0."""
    missing = [c for c in ("cost", "value") if c not in candidates.columns]
    if missing:
        raise ValueError(f"budget: candidates lack column(s) {', '.join(missing)}")
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or math.isnan(budget) or budget < 0:
        raise ValueError(f"budget: the budget must be an amount of at least 0, got {budget!r}")
    negative = candidates.select((pl.col("cost").cast(pl.Float64) < 0).arg_true().first()).item()
    if negative is not None:
        where = f"row {candidates['__row'][negative]}" if "__row" in candidates.columns else f"candidate {negative + 1}"
        raise ValueError(f"budget: cost below 0 in {where}: {candidates['cost'][negative]!r}")


def _fund(costs: list[int | None], values: list[int | None], cap: int | None, exact_limit: int,
          node_limit: int) -> tuple[set[int], str]:
    """(the rows funded, the method), amounts in cents; cap None: no limit. See the module."""
    free, rest = _eligible(costs, values, cap)
    if cap is None or sum(costs[i] for i in rest) <= cap:  # everything fits (no rest included)
        return set(free) | set(rest), EXACT
    picked, method = _search([costs[i] for i in rest], [values[i] for i in rest], cap, exact_limit, node_limit)
    return set(free) | {rest[j] for j in picked}, method


def _eligible(costs: list[int | None], values: list[int | None], cap: int | None) -> tuple[list[int], list[int]]:
    """(rows costing nothing, rows costing something), of those with a value > 0 and a cost within cap.

    >>> _eligible(costs=[100, 0, None, 500, 300, 200], values=[10, 5, 7, 10, -1, None], cap=400)
    ([1], [0])
    >>> _eligible(costs=[100, 0, 500], values=[10, 5, 10], cap=None)
    ([1], [0, 2])
    """
    def fundable(c: int | None, v: int | None) -> bool:
        return c is not None and v is not None and v > 0 and (cap is None or c <= cap)

    eligible = [i for i, (c, v) in enumerate(zip(costs, values)) if fundable(c, v)]
    return [i for i in eligible if costs[i] == 0], [i for i in eligible if costs[i] > 0]


def _search(w: list[int], v: list[int], cap: int, exact_limit: int, node_limit: int) -> tuple[list[int], str]:
    """(indices into w of the set funded, the method): exact within the limits, else greedy."""
    if len(w) <= exact_limit:
        try:
            return _exact(w, v, cap, node_limit), EXACT
        except _TooLarge:
            pass
    return _greedy(w, v, cap), GREEDY


# ----------------------------------------------------------------- the searches
def _order(w: list[int], v: list[int]) -> list[int]:
    """Rows by value per dollar (exact, high first), then row order."""
    return sorted(range(len(w)), key=lambda j: (-Fraction(v[j], w[j]), j))


def _keys(w: list[int], v: list[int]) -> list[int]:
    """One integer per row whose sum over a set orders sets by value, then by cost (less first):
    value x K - cost with K = total cost + 1 (positive, as every value is)."""
    k = sum(w) + 1
    return [vj * k - wj for wj, vj in zip(w, v)]


def _exact(w: list[int], v: list[int], cap: int, node_limit: int = NODE_LIMIT) -> list[int]:
    """Indices (into w) of the best set: every w > 0 and <= cap, every v > 0. Raises _TooLarge.

    Best: the most value, then the least cost, then the set that comes first when the rows are
    read in _order (take before leave); both searches find exactly that set.
    """
    order = _order(w, v)
    ws = [w[j] for j in order]
    keys = _keys(w, v)
    ks = [keys[j] for j in order]
    g = 0
    for wj in ws:
        g = math.gcd(g, wj)
    if len(ws) * (cap // g + 1) <= DP_CELLS:
        picked = _dynamic(ws, ks, cap, g)
    else:
        picked = _branch_and_bound(ws, ks, cap, node_limit)
    return sorted(order[i] for i in picked)


def _dynamic(ws: list[int], ks: list[int], cap: int, g: int = 1) -> list[int]:
    """Dynamic programming over the budget in steps of g, rows from the last: best[c] is the best
    key sum of rows j.. within c. Then from the first row on, a row is taken whenever taking it
    still reaches the best (so the set that comes first in this order wins ties)."""
    units = [wj // g for wj in ws]
    size = cap // g + 1
    best = [0] * size
    takes: list[bytes | None] = [None] * len(ws)
    for j in range(len(ws) - 1, -1, -1):
        u, key = units[j], ks[j]
        if u >= size:
            continue
        with_it = [b + key for b in best[: size - u]]
        without = best[u:]
        take = bytes(a >= b for a, b in zip(with_it, without))
        best = best[:u] + [a if t else b for a, b, t in zip(with_it, without, take)]
        takes[j] = take
    chosen, c = [], size - 1
    for j, (take, u) in enumerate(zip(takes, units)):
        if take is not None and c >= u and take[c - u]:
            chosen.append(j)
            c -= u
    return chosen


def _branch_and_bound(ws: list[int], ks: list[int], cap: int, node_limit: int = NODE_LIMIT) -> list[int]:
    """Depth first, taking a row before leaving it; rows sorted by key per cost (high first). A node
    whose fractional (LP) bound cannot beat the best set so far is dropped. The first best set met
    is the one that comes first in this order (its first dive is the greedy set). Raises _TooLarge
    past node_limit nodes."""
    n = len(ws)
    pw, pk = [0] * (n + 1), [0] * (n + 1)
    for i in range(n):
        pw[i + 1], pk[i + 1] = pw[i] + ws[i], pk[i] + ks[i]

    def bound(i: int, room: int) -> int:
        """The LP optimum over rows i.. with `room` left, floored (a set's key sum is an integer)."""
        j = bisect_right(pw, pw[i] + room, lo=i) - 1
        b = pk[j] - pk[i]
        if j < n:
            b += (room - (pw[j] - pw[i])) * ks[j] // ws[j]
        return b

    # Rows of equal cost come in falling key order: once one is left out, so are the rest of its
    # cost (taking a later one instead would be worth no more, and come later in the order).
    cls: dict[int, int] = {}
    group = [1 << cls.setdefault(wj, len(cls)) for wj in ws]
    best_key, best_mask = -1, 0
    stack = [(0, cap, 0, 0, 0)]
    nodes = 0
    while stack:
        i, room, key, mask, barred = stack.pop()
        if key > best_key:
            best_key, best_mask = key, mask
        start = i
        while i < n and (group[i] & barred or ws[i] > room):
            i += 1  # rows that cannot be taken here: nothing to branch on
        nodes += 1 + i - start  # the work, so that node_limit bounds the time
        if nodes > node_limit:
            raise _TooLarge
        if i == n or key + bound(i, room) <= best_key:
            continue
        stack.append((i + 1, room, key, mask, barred | group[i]))
        stack.append((i + 1, room - ws[i], key + ks[i], mask | (1 << i), barred))
    return [i for i in range(n) if best_mask >> i & 1]


def _greedy(w: list[int], v: list[int], cap: int) -> list[int]:
    """In _order, each row that still fits; or the single most valuable row (ties: cheaper, then
    earlier) when it alone is worth more."""
    chosen, room = [], cap
    for j in _order(w, v):
        if w[j] <= room:
            chosen.append(j)
            room -= w[j]
    single = min((j for j in range(len(w)) if w[j] <= cap), key=lambda j: (-v[j], w[j], j), default=None)
    if single is not None and v[single] > sum(v[j] for j in chosen):
        return [single]
    return sorted(chosen)
