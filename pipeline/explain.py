"""One use case, explained: each factor with the facts and thresholds behind it, what decided
(SPEC v2 §4), every option's money against today's API and the next step.

Pure: takes a scored Result and returns text. The numbers come from the same
frames the workbook shows; nothing is recomputed differently here.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipeline import options
from pipeline.core import ERROR, ROW, SRC, Result
from pipeline.decide import DECIDED_BY, materiality
from pipeline.errors import NotFound  # noqa: F401  (re-exported)
from pipeline.options import FINE_TUNED, OPTIONS, SELF_HOSTED
from pipeline.score import FACTORS, target_accuracy

SHOWN_MONTHS = 24  # the month-by-month table shows every month up to this horizon, every few months past it


def _usd(x) -> str:
    if x is None:
        return "unknown"
    return f"-${abs(x):,.0f}" if x < 0 else f"${x:,.0f}"


def _pct(x) -> str:
    return "-" if x is None else f"{x * 100:.1f}%".replace(".0%", "%")


def _num(x, digits: int = 2) -> str:
    """12.50 -> '12.5', 100000.0 -> '100,000', None -> '-'."""
    if x is None:
        return "-"
    text = f"{x:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def find(result: Result, use_case_id: str) -> dict:
    """The scored row for this id (ids compare case-insensitively), or NotFound naming why."""
    hit = result.ranking.filter(pl.col("use_case_id").str.to_lowercase() == use_case_id.strip().lower())
    if hit.height:
        return hit.row(0, named=True)
    ids = result.ranking.get_column("use_case_id").to_list()

    for i, source in enumerate(result.sources):
        col = source.mapping.fields.get("use_case_id")
        if col is None:
            continue
        hit = result.input_rows.filter(
            (pl.col(SRC) == i) & pl.col(ERROR).is_not_null() & (pl.col(col.name).cast(pl.String).str.to_lowercase() == use_case_id.strip().lower())
        )
        if hit.height:
            first = hit.row(0, named=True)
            raise NotFound(f"use case '{use_case_id}' (row {first[ROW]}) was {first[ERROR]}; see the Issues sheet")
    import difflib

    close = difflib.get_close_matches(use_case_id, ids, n=3)
    raise NotFound(f"no use case with id '{use_case_id}'" + (f"; did you mean {', '.join(close)}?" if close else ""))


def _privacy_facts(row: dict, cfg: dict) -> list[str | None]:
    p = cfg["privacy"]

    def flag(name: str) -> str | None:
        if row[name] is None:
            return None
        return f"{name} yes (floor {p[name]})" if row[name] else f"{name} no"

    return [
        f"data_sensitivity {row['data_sensitivity']} -> {p['sensitivity'].get(row['data_sensitivity'], '-')}"
        if row["data_sensitivity"] else None,
        flag("contains_pii"),
        flag("trade_secrets"),
        flag("data_residency"),
        f"regulations {row['regulations']} (named regulation floor {p['named_regulation']})"
        if row["regulations"] else None,
    ]


def _cost_facts(row: dict, cfg: dict) -> list[str | None]:
    calls = (f" = {_num(row['monthly_calls'], 0)} calls x ${row['api_cost_per_call']:.6f}".rstrip("0")
             if row["api_cost_per_call"] is not None and row["monthly_calls"] is not None else "")
    price = [str(v) for v in (row.get("price_source"), row.get("price_model"), row.get("price_provider"),
                              row.get("price_catalog")) if v]
    return [
        f"monthly API spend {_usd(row['monthly_api_cost'])}" + calls,
        "price source " + " ".join(price) if row.get("price_source") else None,
        "anchors " + ", ".join(f"${x:,.0f} -> {y:g}" for x, y in cfg["cost"]["anchors"]),
    ]


def _accuracy_facts(row: dict, cfg: dict) -> list[str | None]:
    a = cfg["accuracy"]

    def errors(what: str, kind: str) -> str | None:
        rate = row[f"{kind}_error_rate"]
        if rate is None:
            return None
        return (f"{what} errors {_pct(rate)} (breach above {_pct(a[f'{kind}_error_threshold'])}, "
                f"max at {_pct(a[f'{kind}_error_full'])})")

    def current() -> str | None:
        if row["current_accuracy"] is None:
            return None
        target = "given" if row["target_accuracy"] is not None else (row["industry"] or "default")
        return f"current {_pct(row['current_accuracy'])} vs target {_pct(row['__target'])} ({target})"

    return [
        current(),
        errors("critical", "critical"),
        errors("edge-case", "edge_case"),
    ]


def _speed_facts(row: dict, cfg: dict) -> list[str | None]:
    s = cfg["speed"]
    return [
        f"latency class {row['latency_class']} -> {s['latency_class'].get(row['latency_class'], '-')}"
        if row["latency_class"] else None,
        f"max latency {_num(row['max_latency_s'])} s (log scale "
        + ", ".join(f"{x:g} s -> {y:g}" for x, y in s["latency_anchors"]) + ")"
        if row["max_latency_s"] is not None else None,
    ]


# The facts behind each factor's score, as explain shows them (None: the row lacks that fact).
_FACTS = {"privacy": _privacy_facts, "cost": _cost_facts, "accuracy": _accuracy_facts, "speed": _speed_facts}


def _factor_lines(row: dict, cfg: dict) -> list[str]:
    w = cfg["weights"]
    lines = []
    for f in FACTORS:
        if row.get(f"__{f}_given"):
            detail = "given directly in the input"
        elif row[f"__{f}_known"]:
            detail = "; ".join(x for x in _FACTS[f](row, cfg) if x)
        else:
            detail = f"no data: scored the default {cfg[f]['default']}"
        lines.append(f"  {f:<9} {_num(row[f'{f}_score']):>5}  (weight {w[f]:g})  {detail}")
    lines.append(f"  fit score {_num(row['fit_score']):>5}  = " + " + ".join(
        f"{w[f]:g} x {_num(row[f'{f}_score'])}" for f in FACTORS))
    return lines


def _rule(row: dict) -> list[str]:
    """What decided the row (decide.DECIDED_BY), the winning option and the deployment."""
    lines = [f"Rule: {DECIDED_BY.get(row.get('decided_by'), row.get('decided_by'))}",
             f"Best option: {row.get('best_option') or 'none'} · deployment {row.get('deployment')}"]
    if row.get("decision_warning"):
        lines.append(f"Warning: {row['decision_warning']}")
    return lines


def _months_text(x) -> str:
    return "never" if x is None else f"{_num(x, 2)} months"


# The money columns of each option (options.options), as explain's table shows them.
_TABLE = (("one-off", "one_off", 10), ("build", "build_months", 5), ("monthly 1st", "monthly_first", 11),
          ("month {h}", "monthly_horizon", 11), ("total {h}m", "total", 12), ("net 12m", "net_12", 12),
          ("net {h}m", "net_h", 12))


def _option_row(row: dict, o: str) -> str:
    cells = []
    for _, part, width in _TABLE:
        value = row.get(f"{o}__{part}")
        cells.append(f"{(value or 0) if part == 'build_months' else _usd(value):>{width}}")
    roi = row.get(f"{o}__roi_pct")
    mark = "*" if row.get("best_option") == o else " "
    return (f"{mark} {o:<19}" + " ".join(cells) + f"  {_months_text(row.get(f'{o}__break_even')):<12}"
            + f" {'-' if roi is None else _num(roi, 1) + '%':>8}")


def _ruled_out(row: dict) -> list[str]:
    """Each option that cannot win and why: not offered (options: what is missing to price it) or not
    allowed (decide: where it may run, the accuracy need, too slow)."""
    out = []
    for o in OPTIONS:
        if not row.get(f"{o}__offered"):
            out.append(f"  {o}: not offered: {row.get(f'{o}__why_not')}")
        elif row.get(f"{o}__allowed") is False:
            out.append(f"  {o}: not allowed: {row.get(f'{o}__why_not_allowed')}")
    return ["Ruled out:", *out] if out else ["Ruled out: none (every option is offered and allowed)"]


def _own_gpus(row: dict) -> list[str]:
    """The self-hosted options' cost basis and their GPUs (always on) or GPU-hours (batch work) in their
    first live month."""
    basis = {"given": "finetune_monthly_cost given", "estimated": "hosting sized from calls and tokens",
             "assumed": "no calls or tokens: hosting.assumed_gpus always-on GPU assumed"}
    lines = []
    for o in SELF_HOSTED:
        gpus, hours = row.get(f"{o}__gpus"), row.get(f"{o}__gpu_hours")
        size = (f"; {gpus} GPU{'s' if gpus != 1 else ''} always on" if gpus is not None else "") + (
            f"; {_num(hours, 1)} GPU-hours a month (batch work)" if hours is not None else "")
        cost = row.get(f"{o}__cost_basis")
        lines.append(f"  {o}: cost basis {cost} ({basis.get(cost, '-')}){size}")
    return ["Own GPUs (first live month):", *lines]


def _options_lines(row: dict, cfg: dict) -> list[str]:
    """Every option's money against today's API (SPEC §5), the recommended one marked *; what ruled
    each out; the self-hosted options' cost basis and GPUs."""
    m = cfg["money"]
    growth = row["usage_growth_pct"] if row["usage_growth_pct"] is not None else m["usage_growth_pct"]
    change = row["api_price_change_pct"] if row["api_price_change_pct"] is not None else m["api_price_change_pct"]
    h = m["horizon_months"]
    lines = [f"Money against today's API (usage growth {_pct(growth)}/yr, API price change {_pct(change)}/yr):"]
    if row["monthly_api_cost"] is None:
        lines.append("  API cost unknown (give monthly_api_cost, or calls with tokens and prices): net savings "
                     "are not known; the decision counts today's API as 0")
    lines.append(f"  {'option':<19}" + " ".join(f"{head.format(h=h):>{w}}" for head, _, w in _TABLE)
                 + f"  {'break-even':<12} {'ROI':>8}")
    lines += [_option_row(row, o) for o in OPTIONS if row.get(f"{o}__offered")]
    return lines + _ruled_out(row) + _own_gpus(row)


def _threshold(row: dict, full: pl.DataFrame, cfg: dict) -> str:
    """The materiality threshold (decide.materiality) with the two numbers it is the larger of."""
    d, h = cfg["decision"], cfg["money"]["horizon_months"]
    value = full.select(materiality(cfg)).item()
    total = row.get("api__total")
    share = (f"{_pct(d['materiality_share'])} of today's API over {h} months ({_usd(total)}): "
             f"{_usd(None if total is None else total * d['materiality_share'])}")
    return (f"Materiality threshold: {_usd(value)}, the larger of {_usd(d['materiality_min'])} "
            f"(decision.materiality_min) and {share}")


def month_by_month(full: pl.DataFrame, cfg: dict, key: str) -> pl.DataFrame:
    """The option ``key`` against today's API in months 1..H, by the options' own month step
    (options._state and options._month, the run's arithmetic): month, api, option (its cost in the
    month: the API while it is built, then its own cost and retraining), savings (cumulative) and net
    (cumulative savings less the one-off: its net savings to that month)."""
    catalog = [o for o in options.catalogue(cfg) if o.key == key]
    names = options._parts(key)
    state = options._state(options._with_inputs(full), cfg, catalog)
    one_off = state.get_column(names["one_off"]).item()
    rows, net = [], -one_off
    for m in range(1, cfg["money"]["horizon_months"] + 1):
        state = options._month(state, cfg, catalog, m)
        api, now = state.get_column("__api_m").item(), state.get_column(names["net"]).item()
        rows.append((m, api, api - (now - net), now + one_off, now))
        net = now
    return pl.DataFrame(rows, schema=["month", "api", "option", "savings", "net"], orient="row")


def _month_lines(row: dict, full: pl.DataFrame, cfg: dict) -> list[str]:
    """The recommended option month by month against today's API (every few months past 24)."""
    best = row.get("best_option")
    if best in (None, "api") or row["monthly_api_cost"] is None:
        return []
    h = cfg["money"]["horizon_months"]
    step = -(-h // SHOWN_MONTHS)
    table = month_by_month(full, cfg, best).filter(
        (pl.col("month") % step == 0) | pl.col("month").is_in([1, h]))
    lines = [f"Month by month, {best} against today's API (one-off {_usd(row.get(f'{best}__one_off'))} at the "
             f"start{'' if step == 1 else f'; every {step} months'}):",
             f"  {'month':>5} {'API':>11} {best:>20} {'cum. savings':>13} {'net':>12}"]
    lines += [f"  {m:>5} {_usd(a):>11} {_usd(o):>20} {_usd(s):>13} {_usd(n):>12}" for m, a, o, s, n in table.iter_rows()]
    return lines


def _money_change(row: dict, threshold: float) -> list[str]:
    """How far money is from changing the winner: the winner's margin over the threshold (today's API
    left) or the best other option's shortfall; and the runner-up's distance to the winner."""
    by, best = row.get("decided_by"), row.get("best_option")
    contenders = sorted(((row[f"{o}__net_h"], o) for o in OPTIONS if o != "api" and row.get(f"{o}__offered")
                         and row.get(f"{o}__allowed") and row.get(f"{o}__net_h") is not None), reverse=True)
    if by == "no_material_saving" and contenders:
        net, o = contenders[0]
        return [f"{o}: net savings {_usd(net)}, {_usd(threshold - net)} short of the {_usd(threshold)} threshold"]
    if by != "saving" or best not in {o for _, o in contenders}:
        return []
    net = row[f"{best}__net_h"]
    out = [f"{best}: net savings {_usd(net)}, {_usd(net - threshold)} above the {_usd(threshold)} threshold "
           "(below it, today's API stays)"]
    others = [(n, o) for n, o in contenders if o != best]
    if others:
        out.append(f"{others[0][1]}: net savings {_usd(others[0][0])}, {_usd(net - others[0][0])} less than {best}")
    return out


def _compare(name: str, value, limit, key: str, at_or_above: str, below: str) -> str:
    """'accuracy score 5.9 < 6 (decision.accuracy_breach_score): <below>; at 6, <at_or_above>' and the
    other way round; for a count that is not given, what it would take."""
    if value is None:
        return f"{name} not given: under {_num(limit)} ({key}), {below}" if name in _GIVEN_ONLY else ""
    if value >= limit:
        return f"{name} {_num(value)} >= {_num(limit)} ({key}): {at_or_above}; under {_num(limit)}, {below}"
    return f"{name} {_num(value)} < {_num(limit)} ({key}): {below}; at {_num(limit)}, {at_or_above}"


_GIVEN_ONLY = ("golden_set_size", "training_examples")  # a count not given never makes Prepare to fine-tune


def _need_changes(row: dict, cfg: dict) -> list[str]:
    """The accuracy gap (step 3), the fit that makes it a need, and knowledge_bound."""
    d = cfg["decision"]
    if not (row.get("accuracy_has_data") or row.get("__accuracy_why") == "given"):
        return []
    gap = row["accuracy_score"] is not None and row["accuracy_score"] >= d["accuracy_breach_score"]
    lines = [_compare("accuracy score", row["accuracy_score"], d["accuracy_breach_score"],
                      "decision.accuracy_breach_score", "an accuracy gap", "no accuracy gap")]
    if gap and row.get("decided_by") == "add_retrieval":
        lines.append("knowledge_bound yes: the gap is on facts, so Add retrieval; without it, the fit and money "
                     "decide")
    elif gap:
        lines.append(_compare("fit score", row["fit_score"], d["fit_need"], "decision.fit_need",
                              "only the fine-tuned options", "every option but the open model competes on money"))
    return lines


def _change_lines(row: dict, threshold: float, cfg: dict) -> list[str]:
    """What would change the recommendation: each threshold of SPEC §4 this row is decided by or near,
    with its value (config keys named; the decision itself is decide's)."""
    d, by = cfg["decision"], row.get("decided_by")
    if by == "insufficient_data":
        n = row["factors_with_data"]
        return ["What would change it:", f"  {n} of {len(FACTORS)} factors {'has' if n == 1 else 'have'} data; "
                                         "2 are needed to decide"]
    lines = [*_money_change(row, threshold), *_need_changes(row, cfg)]
    if by == "latency" or (row.get("api__why_not_allowed") or "").startswith("starts in"):
        lines.append(f"today's API starts in {_num(row.get('api__latency_s'))} s, over the max latency of "
                     f"{_num(row.get('max_latency_effective_s'))} s: at or under it, the API options compete again")
    if row.get("best_option") in FINE_TUNED:
        for name, key in (("golden_set_size", "golden_set_min"), ("training_examples", "training_examples_min")):
            lines.append(_compare(name, row.get(name), d[key], f"decision.{key}", "ready to fine-tune",
                                  "Prepare to fine-tune"))
    lines = [f"  {line}" for line in lines if line]
    return ["What would change it:", *lines] if lines else ["What would change it: no threshold of the decision "
                                                            "is near"]


def explain(result: Result, use_case_id: str) -> str:
    """The explanation of one scored use case as text lines."""
    cfg = result.config
    row = find(result, use_case_id)
    full = result.ranking.filter((pl.col("__src") == row["__src"]) & (pl.col("__row") == row["__row"]))
    row["__target"] = full.select(target_accuracy(cfg)).item()
    threshold = full.select(materiality(cfg)).item()
    for f in FACTORS:  # a score given directly in the input
        row[f"__{f}_given"] = row.get(f"__{f}_why") == "given"
    source = result.sources[row["__src"]].table
    where = f"{Path(source.file).name}" + (f" sheet '{source.sheet}'" if source.sheet else "") + f" row {row['__row']}"
    unit_size = result.ranking.filter(pl.col("business_unit") == row["business_unit"]).height if row["business_unit"] else None
    lines = [
        f"{row['use_case_id']} · {row['use_case']}" + (f" ({row['business_unit']})" if row["business_unit"] else "")
        + f" · {where}",
        f"Recommendation: {row['recommendation']} (rank {row['rank']} of {result.scored}"
        + (f"; {row['rank_in_unit']} of {unit_size} in {row['business_unit']}" if unit_size else "") + ")",
        *_rule(row),
        f"Why: {row['rationale']}",
        "",
        "Factors:",
        *_factor_lines(row, cfg),
        "",
        *_options_lines(row, cfg),
        _threshold(row, full, cfg),
        "",
    ]
    months = _month_lines(row, full, cfg)
    lines += [*months, ""] if months else []
    lines += [*_change_lines(row, threshold, cfg), "", f"Next step: {row['next_step']}"]
    return "\n".join(lines)
