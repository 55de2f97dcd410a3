"""Configuration: the shipped defaults, a user's overrides, and their checks.

Every weight, anchor point, threshold and default lives in ``defaults.toml``.
A user's TOML file overrides any key of it; lists under ``columns.aliases`` and
``values.*`` are added to the shipped ones instead of replacing them, so a user
adds a header without losing the defaults.
"""

from __future__ import annotations

import copy
import math
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pipeline.fields import FIELDS

# Tables whose keys a user may add to (new categories, industries, aliases).
OPEN_TABLES = {
    "prices.models",
    "input.max_value",
    "stability.relative",
    "stability.absolute",
    "privacy.sensitivity",
    "speed.latency_class",
    "accuracy.targets",
    "columns.aliases",
    "values",
    "values.data_sensitivity",
    "values.latency_class",
}
# Lists that a user's file extends rather than replaces.
EXTEND_PREFIXES = ("columns.aliases.", "values.")


from pipeline.errors import ConfigError  # noqa: E402,F401  (re-exported)


def _read_toml(path: Path | Any) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except UnicodeDecodeError as exc:
        raise ConfigError(f"config file {path} is not UTF-8 text (byte {exc.object[exc.start:exc.start + 1]!r} "
                          f"at position {exc.start}); save it as UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {str(exc).splitlines()[0] if str(exc) else exc}") from None
    except RecursionError:
        raise ConfigError(f"config file {path} nests tables or lists too deeply to be a config") from None
    except (ValueError, MemoryError) as exc:  # anything else tomllib cannot make sense of
        raise ConfigError(f"config file {path} cannot be read as TOML ({exc.__class__.__name__})") from None
    except OSError as exc:
        raise ConfigError(f"config file {path} cannot be read: {exc.strerror}") from None


def defaults() -> dict:
    """The configuration shipped in the package."""
    return _read_toml(resources.files("pipeline") / "defaults.toml")


def meanings() -> dict[str, str]:
    """One-line meaning of each configuration key (for the Assumptions sheet)."""
    return _read_toml(resources.files("pipeline") / "meanings.toml")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "list"
    if isinstance(value, dict):
        return "table"
    return type(value).__name__


def _merge(base: dict, override: dict, prefix: str = "") -> None:
    for key, value in override.items():
        dotted = f"{prefix}{key}"
        if key not in base:
            if prefix.rstrip(".") in OPEN_TABLES:
                sample = next(iter(base.values()), None)
                if sample is not None and _kind(sample) != _kind(value):
                    raise ConfigError(
                        f"config key '{dotted}' must be a {_kind(sample)}, got {_kind(value)}"
                    )
                base[key] = copy.deepcopy(value)
                continue
            known = ", ".join(sorted(base)) or "none"
            raise ConfigError(f"unknown config key '{dotted}' (known here: {known})")
        current = base[key]
        if _kind(current) != _kind(value):
            raise ConfigError(
                f"config key '{dotted}' must be a {_kind(current)}, got {_kind(value)} {value!r}"
            )
        if isinstance(current, dict):
            _merge(current, value, f"{dotted}.")
        elif isinstance(current, list) and dotted.startswith(EXTEND_PREFIXES):
            base[key] = current + [v for v in value if v not in current]
        else:
            base[key] = copy.deepcopy(value)


def load(path: str | Path | None = None) -> dict:
    """The defaults, overridden by the file at ``path`` when given, checked."""
    cfg = defaults()
    if path is not None:
        try:
            _merge(cfg, _read_toml(Path(path)))
        except RecursionError:  # a table nested thousands deep under an open table
            raise ConfigError(f"config file {path} nests tables or lists too deeply to be a config") from None
    check(cfg)
    return cfg


def _need(ok: bool, key: str, message: str) -> None:
    if not ok:
        raise ConfigError(f"config key '{key}' {message}")


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


# No amount or bound in a config may pass this: past 2**53 (~9e15) a float no longer holds
# every whole number, and past ~9.2e18 a money column cannot be shown as whole dollars.
AMOUNT_CEILING = 1e15
NUMERIC_KINDS = ("money", "count", "seconds")


def _between(key: str, value: Any, low: float, high: float, what: str, *, low_open: bool = False) -> None:
    """A finite number from low to high (above low when low_open): else the key is named."""
    ok = _is_num(value) and (value > low if low_open else value >= low) and value <= high
    _need(ok, key, f"must be {what} {'above' if low_open else 'from'} {low:,g} "
                   f"{'and at most' if low_open else 'to'} {high:,g}, got {value!r}")


def max_value(cfg: dict, field: str) -> float | None:
    """The largest value a cell of this canonical column may hold (input.max_value), or None."""
    bounds = cfg["input"]["max_value"]
    if field in bounds:
        return float(bounds[field])
    kind = FIELDS[field].kind if field in FIELDS else None
    return float(bounds[kind]) if kind in bounds else None


def _score(key: str, value: Any) -> None:
    _need(_is_num(value) and 0 <= value <= 10, key, f"must be a score from 0 to 10, got {value!r}")


def _anchors(key: str, points: Any, *, positive: bool = False, most: float = AMOUNT_CEILING) -> None:
    ok = isinstance(points, list) and len(points) >= 2 and all(
        isinstance(p, list) and len(p) == 2 and all(_is_num(v) for v in p) for p in points
    )
    _need(ok, key, "must be a list of at least two [value, score] pairs")
    xs = [p[0] for p in points]
    _need(len(set(xs)) == len(xs), key, "must not repeat a value")
    for p in points:
        _score(key, p[1])
        if positive:
            _need(p[0] > 0, key, f"values must be above 0 (log scale), got {p[0]!r}")
        else:
            _need(p[0] >= 0, key, f"values must be at least 0, got {p[0]!r}")
        _need(p[0] <= most, key, f"values must be at most {most:,g}, got {p[0]!r}")


def _limits(cfg: dict) -> None:
    """The bounds the other checks use: money.max_amount and input.max_value."""
    _between("money.max_amount", cfg["money"]["max_amount"], 1, AMOUNT_CEILING, "an amount")
    numeric = [n for n, f in FIELDS.items() if f.kind in NUMERIC_KINDS]
    for key, value in cfg["input"]["max_value"].items():
        _need(key in NUMERIC_KINDS or key in numeric, f"input.max_value.{key}",
              f"names no kind of number ({', '.join(NUMERIC_KINDS)}) nor a column of one ({', '.join(numeric)})")
        _between(f"input.max_value.{key}", value, 0, AMOUNT_CEILING, "a number", low_open=True)
    for kind in NUMERIC_KINDS:
        _need(kind in cfg["input"]["max_value"], f"input.max_value.{kind}", "is missing")


def check(cfg: dict) -> None:
    """Raise ConfigError naming the first key whose value cannot be used."""
    _limits(cfg)
    most = cfg["money"]["max_amount"]
    weights = cfg["weights"]
    for name, w in weights.items():
        _need(_is_num(w) and 0 <= w <= 1, f"weights.{name}", f"must be between 0 and 1, got {w!r}")
    total = sum(weights.values())
    _need(abs(total - 1) < 1e-9, "weights", f"must sum to 1, got {total:g}")

    p = cfg["privacy"]
    for key in ("default", "contains_pii", "trade_secrets", "data_residency", "named_regulation"):
        _score(f"privacy.{key}", p[key])
    for level, v in p["sensitivity"].items():
        _score(f"privacy.sensitivity.{level}", v)

    _score("cost.default", cfg["cost"]["default"])
    _anchors("cost.anchors", cfg["cost"]["anchors"], most=most)

    a = cfg["accuracy"]
    for key in ("default", "breach_score", "max_score"):
        _score(f"accuracy.{key}", a[key])
    _need(a["max_score"] >= a["breach_score"], "accuracy.max_score", "must be at least accuracy.breach_score")
    _need(_is_num(a["accuracy_gap_full"]) and a["accuracy_gap_full"] > 0,
          "accuracy.accuracy_gap_full", "must be above 0")
    for kind in ("critical_error", "edge_case_error"):
        lo, hi = a[f"{kind}_threshold"], a[f"{kind}_full"]
        _need(_is_num(lo) and 0 <= lo <= 1, f"accuracy.{kind}_threshold", "must be a rate from 0 to 1")
        _need(_is_num(hi) and lo < hi <= 1, f"accuracy.{kind}_full",
              f"must be a rate above accuracy.{kind}_threshold and at most 1")
    for industry, t in [("default_target", a["default_target"]), *a["targets"].items()]:
        key = "accuracy.default_target" if industry == "default_target" else f"accuracy.targets.{industry}"
        _need(_is_num(t) and 0 < t <= 1, key, f"must be a rate above 0 and at most 1, got {t!r}")

    s = cfg["speed"]
    _score("speed.default", s["default"])
    _anchors("speed.latency_anchors", s["latency_anchors"], positive=True,
             most=cfg["input"]["max_value"]["seconds"])
    for level, v in s["latency_class"].items():
        _score(f"speed.latency_class.{level}", v)

    d = cfg["decision"]
    for key in ("finetune_fit_score", "finetune_privacy_score", "evaluate_fit_score"):
        _score(f"decision.{key}", d[key])
    _between("decision.evaluate_monthly_api_cost", d["evaluate_monthly_api_cost"], 0, most, "an amount")

    m = cfg["money"]
    search = m["break_even_search_months"]
    _need(isinstance(search, int) and 1 <= search <= 600, "money.break_even_search_months",
          "must be a whole number of months from 1 to 600")
    _need(isinstance(m["horizon_months"], int) and 12 <= m["horizon_months"] <= search,
          "money.horizon_months", "must be a whole number of months from 12 to break_even_search_months")
    for key in ("finetune_setup_cost", "finetune_monthly_cost"):
        _between(f"money.{key}", m[key], 0, max_value(cfg, key), "an amount")
    for key in ("usage_growth_pct", "api_price_change_pct"):
        _between(f"money.{key}", m[key], -1, 10, "a yearly change (-1 = -100 %, 10 = 1000 %)", low_open=True)

    # Every hosting number multiplies or divides a cost: 0, negative or unbounded values are refused.
    h = cfg["hosting"]
    _between("hosting.hours_per_month", h["hours_per_month"], 0, 744, "a number of hours", low_open=True)
    _between("hosting.peak_factor", h["peak_factor"], 0, 100, "a multiple of the average", low_open=True)
    _between("hosting.monitoring_monthly_cost", h["monitoring_monthly_cost"], 0, cfg["input"]["max_value"]["money"],
             "an amount")
    _between("hosting.maintenance_share", h["maintenance_share"], 0, 10, "a share")
    _between("hosting.gpu_utilisation", h["gpu_utilisation"], 0, 1, "a share", low_open=True)
    for model, entry in cfg["prices"]["models"].items():
        key = f"prices.models.{model}"
        _need(isinstance(entry, dict), key, "must be a table like { input_per_1m = 0.6, output_per_1m = 0.8 }")
        unknown = set(entry) - {"input_per_1m", "output_per_1m", "cached_input_per_1m"}
        _need(not unknown, key, f"has unknown keys: {', '.join(sorted(unknown))}")
        for part in ("input_per_1m", "output_per_1m"):
            _between(f"{key}.{part}", entry.get(part), 0, cfg["input"]["max_value"]["money"], "a price")
        if "cached_input_per_1m" in entry:
            _between(f"{key}.cached_input_per_1m", entry["cached_input_per_1m"], 0,
                     cfg["input"]["max_value"]["money"], "a price")

    from pipeline import budget, stability  # their own checks name the key

    try:
        stability.settings(cfg)
        budget.limits(cfg)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None

    o = cfg["output"]
    _need(isinstance(o["score_decimals"], int) and 0 <= o["score_decimals"] <= 6,
          "output.score_decimals", "must be a whole number from 0 to 6")
    _score("output.driver_min_score", o["driver_min_score"])

    i = cfg["input"]
    _need(isinstance(i["header_search_rows"], int) and 1 <= i["header_search_rows"] <= 10_000,
          "input.header_search_rows", "must be a whole number from 1 to 10,000")
    for key in ("max_rows", "max_unpacked_mb", "max_cells"):
        _need(isinstance(i[key], int) and i[key] >= 1, f"input.{key}", "must be a whole number of at least 1")
    _between("output.max_lock_wait_seconds", o["max_lock_wait_seconds"], 0, 31_536_000, "a number of seconds")
    _between("output.lock_wait_seconds", o["lock_wait_seconds"], 0, o["max_lock_wait_seconds"],
             "a number of seconds (output.max_lock_wait_seconds at most)")
    for key in ("streaming_rows", "max_cell_comments", "chart_points"):
        _need(isinstance(o[key], int) and o[key] >= 0, f"output.{key}", "must be a whole number of at least 0")
    _need(i["decimal"] in ("auto", ".", ","), "input.decimal", 'must be "auto", "." or ","')
    for key in ("missing", "true_words", "false_words", "no_regulation", "label_words"):
        section = cfg["privacy"] if key == "no_regulation" else i
        where = "privacy" if key == "no_regulation" else "input"
        _need(all(isinstance(v, str) for v in section[key]), f"{where}.{key}", "must be a list of texts")

    _need(isinstance(cfg["columns"]["language_suffixes"], list)
          and all(isinstance(v, str) and v.isalpha() for v in cfg["columns"]["language_suffixes"]),
          "columns.language_suffixes", "must be a list of language codes (letters only)")
    for field, aliases in cfg["columns"]["aliases"].items():
        _need(field in FIELDS, f"columns.aliases.{field}",
              f"names no known column (known: {', '.join(FIELDS)})")
        _need(isinstance(aliases, list) and all(isinstance(v, str) for v in aliases),
              f"columns.aliases.{field}", "must be a list of header texts")
    levels = {"data_sensitivity": p["sensitivity"], "latency_class": s["latency_class"]}
    for field, table in cfg["values"].items():
        kind = FIELDS[field].kind if field in FIELDS else None
        _need(kind in ("category", "flag"), f"values.{field}",
              "must name a category or yes/no column "
              f"({', '.join(n for n, f in FIELDS.items() if f.kind in ('category', 'flag'))})")
        known = levels[field] if kind == "category" else ("yes", "no")
        _need(isinstance(table, dict), f"values.{field}", "must be a table of level = [answers]")
        for value, answers in table.items():
            _need(value in known, f"values.{field}.{value}", f"names no known level (known: {', '.join(known)})")
            _need(isinstance(answers, list) and all(isinstance(v, str) for v in answers),
                  f"values.{field}.{value}", "must be a list of answers")


def flatten(cfg: dict, prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted key, value) for every leaf, in file order; for the Assumptions sheet."""
    rows: list[tuple[str, Any]] = []
    for key, value in cfg.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            rows.extend(flatten(value, f"{dotted}."))
        else:
            rows.append((dotted, value))
    return rows
