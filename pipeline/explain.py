"""One use case, explained: each factor with the facts and thresholds behind it, what decided
(SPEC v2 §4), every option's money against today's API and the next step.

Pure: takes a scored Result and returns text. The numbers come from the same
frames the workbook shows; nothing is recomputed differently here.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipeline.decide import DECIDED_BY, OPTIONS
from pipeline.core import ANNOTATION_PREFIX, Result
from pipeline.score import FACTORS, target_accuracy



from pipeline.errors import NotFound  # noqa: E402,F401  (re-exported)


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
        hit = result.portfolio.filter(
            (pl.col("__src") == i) & (pl.col(col.name).cast(pl.String).str.to_lowercase() == use_case_id.strip().lower())
        )
        if hit.height:
            first = hit.row(0, named=True)
            raise NotFound(f"use case '{use_case_id}' (row {first['__row']}) was "
                           f"{first[ANNOTATION_PREFIX + 'rationale']}; see the Issues sheet")
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
    """What decided the row (decide.DECIDED_BY), the winning option, the deployment and each option
    not allowed with why.

    TODO(issue 12): explain does not yet show the materiality threshold, the month-by-month money of
    the recommended option (options.options computes the months but keeps none) or the self-hosted
    options' cost basis and GPUs; README's explain section still shows version 1's output.
    """
    lines = [f"Rule: {DECIDED_BY.get(row.get('decided_by'), row.get('decided_by'))}",
             f"Best option: {row.get('best_option') or 'none'} · deployment {row.get('deployment')}"]
    for o in OPTIONS:
        why = row.get(f"{o}__why_not_allowed") or (row.get(f"{o}__why_not") if not row.get(f"{o}__offered") else None)
        if why:
            lines.append(f"  {o}: {why}")
    if row.get("decision_warning"):
        lines.append(f"Warning: {row['decision_warning']}")
    return lines


def _money_lines(row: dict, cfg: dict) -> list[str]:
    """Every offered option's money against today's API (SPEC §5), the recommended one marked *."""
    m = cfg["money"]
    if row["monthly_api_cost"] is None:
        return ["Money: API cost unknown (give monthly_api_cost, or calls with tokens and prices)"]
    growth = row["usage_growth_pct"] if row["usage_growth_pct"] is not None else m["usage_growth_pct"]
    change = row["api_price_change_pct"] if row["api_price_change_pct"] is not None else m["api_price_change_pct"]
    h = m["horizon_months"]
    lines = [f"Money against today's API (usage growth {_pct(growth)}/yr, API price change {_pct(change)}/yr):",
             f"  {'option':<20} {'one-off':>10} {'build':>5} {'monthly':>10} {'net 12m':>12} {f'net {h}m':>12}"
             f"  break-even"]
    for o in OPTIONS:
        if not row.get(f"{o}__offered"):
            continue
        be = row.get(f"{o}__break_even")
        mark = "*" if row.get("best_option") == o else " "
        lines.append(f"{mark} {o:<20} {_usd(row[f'{o}__one_off']):>10} {row[f'{o}__build_months'] or 0:>5} "
                     f"{_usd(row[f'{o}__monthly_first']):>10} {_usd(row[f'{o}__net_12']):>12} "
                     f"{_usd(row[f'{o}__net_h']):>12}  "
                     + (f"{_num(be, 1)} months" if be is not None else "never"))
    return lines


def explain(result: Result, use_case_id: str) -> str:
    """The explanation of one scored use case as text lines."""
    cfg = result.config
    row = find(result, use_case_id)
    full = result.ranking.filter((pl.col("__src") == row["__src"]) & (pl.col("__row") == row["__row"]))
    row["__target"] = full.select(target_accuracy(cfg)).item()
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
    ]
    lines += _money_lines(row, cfg)
    lines += ["", f"Next step: {row['next_step']}"]
    return "\n".join(lines)
