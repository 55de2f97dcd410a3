"""Configuration: the shipped defaults, a user's overrides, and the typed model that checks them.

Every weight, anchor point, threshold and default lives in ``defaults.toml``.
A user's TOML file overrides any key of it; lists under ``columns.aliases`` and
``values.*`` are added to the shipped ones instead of replacing them, so a user
adds a header without losing the defaults.
"""

from __future__ import annotations

import copy
import tomllib
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidatorFunctionWrapHandler,
                      WrapValidator, field_validator, model_validator)

from pipeline.fields import CATEGORY_VOCAB, FIELDS, shipped_aliases

# Tables whose keys a user may add to (new categories, industries, aliases).
OPEN_TABLES = {
    "prices.models",
    "prices.step_down",
    "input.max_value",
    "stability.relative",
    "stability.absolute",
    "privacy.sensitivity",
    "speed.latency_class",
    "latency.class_limit_s",
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
    """The configuration shipped in the package (the shipped header aliases come from FIELDS, the
    deployment levels from DEPLOYMENTS); a copy the caller may change."""
    return copy.deepcopy(_shipped())


@lru_cache(maxsize=1)
def _shipped() -> dict:
    """defaults.toml read once a process (a run reads it up to three times: load, budget, history)."""
    cfg = _read_toml(resources.files("pipeline") / "defaults.toml")
    cfg["columns"]["aliases"] = shipped_aliases() | cfg["columns"]["aliases"]
    cfg["deployment"]["levels"] = list(DEPLOYMENTS)  # the decision knows each level by name
    return cfg


def meanings() -> dict[str, str]:
    """One-line meaning of each configuration key (for the Assumptions sheet)."""
    return _read_toml(resources.files("pipeline") / "meanings.toml")


def meaning_of(key: str, means: dict[str, str]) -> str:
    """The meaning of a dotted key: its own, else its nearest section's (``prices.step_down.gpt-4.1``
    is a ``prices.step_down`` entry: a model name may hold dots); "" where none is known."""
    if key in means:
        return means[key]
    sections = [m for m in means if key.startswith(f"{m}.")]
    return means[max(sections, key=len)] if sections else ""


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


# Keys an earlier version read and this one does not, with what replaced each (SPEC version 2):
# version 1's decision, and the keys the options made redundant. refuse_version_1 turns a user's file
# that still sets one into a one-line error naming the replacement (load calls it before merging;
# without it the key would only be "unknown").
V2_SECTION = "decision"
REMOVED_KEYS = {
    "decision.finetune_fit_score": f"{V2_SECTION}.fit_need (with an accuracy gap, the fit score at which only "
                                   "the fine-tuned options are considered)",
    "decision.finetune_privacy_score": "deployment.enterprise_api_from_privacy and "
                                       "deployment.self_hosted_from_privacy (privacy now decides where a model "
                                       "runs, not whether to fine-tune)",
    "decision.evaluate_fit_score": f"nothing: Evaluate is gone, the options are compared on money "
                                  f"({V2_SECTION}.materiality_min, {V2_SECTION}.materiality_share)",
    "decision.evaluate_monthly_api_cost": f"{V2_SECTION}.materiality_min (the least saving over the horizon that "
                                          "beats today's API)",
    "money.finetune_monthly_cost": "nothing: the row's finetune_monthly_cost where given, else hosting sized "
                                   "from its calls and tokens ([hosting])",
    "options.batch_latency_s": "latency.class_limit_s.batch (the one max latency from which work is batch work)",
    "output.driver_min_score": "nothing: the rationale names what decided",
}


def refuse_version_1(user: dict, path: str | Path) -> None:
    """ConfigError (exit 2) where a user's file (as read, before merging) sets a key of REMOVED_KEYS,
    naming what replaced each one it sets."""
    old = []
    for dotted in REMOVED_KEYS:
        section, key = dotted.split(".")
        table = user.get(section)
        if isinstance(table, dict) and key in table:
            old.append(dotted)
    if old:
        said = "; ".join(f"{dotted} -> {REMOVED_KEYS[dotted]}" for dotted in old)
        raise ConfigError(f"config file {path} sets keys that version 2 replaced or removed: {said}. "
                          f"Remove {'it' if len(old) == 1 else 'them'} (README, \"How it decides\")")


def load(path: str | Path | None = None) -> dict:
    """The defaults, overridden by the file at ``path`` when given, validated (``validate``)."""
    cfg = defaults()
    if path is not None:
        user = _read_toml(Path(path))
        refuse_version_1(user, path)
        try:
            _merge(cfg, user)
        except RecursionError:  # a table nested thousands deep under an open table
            raise ConfigError(f"config file {path} nests tables or lists too deeply to be a config") from None
    return validate(cfg)


# No amount or bound in a config may pass this: past 2**53 (~9e15) a float no longer holds
# every whole number, and past ~9.2e18 a money column cannot be shown as whole dollars.
AMOUNT_CEILING = 1e15
NUMERIC_KINDS = ("money", "count", "seconds")
# The first-year figure: net_savings_12m and the payback line are fixed by the SPEC (§5), not a
# setting; money.horizon_months starts there.
SHORT_HORIZON_MONTHS = 12


def horizon_column(cfg: dict) -> str:
    """The net savings column over the horizon (money.horizon_months): net_savings_24m by default."""
    return f"net_savings_{cfg['money']['horizon_months']}m"


# The most a config may set: 10 million draws of 1,000 use cases take hours; node_limit bounds the
# budget search's time (about 100 s at 500,000,000), exact_limit the rows it takes on.
MAX_DRAWS_CEILING = 10_000_000
BUDGET_CEILINGS = {"exact_limit": 100_000, "node_limit": 500_000_000}


# The latency class whose max latency (latency.class_limit_s) is where batch work starts: the provider's
# batch price applies and own GPUs are paid by the GPU-hour (SPEC §3, "a day").
BATCH_CLASS = "batch"


def batch_latency_s(cfg: dict) -> float:
    """The max latency (seconds) from which work is batch work: latency.class_limit_s.batch."""
    return float(cfg["latency"]["class_limit_s"][BATCH_CLASS])


def max_value(cfg: dict, field: str) -> float | None:
    """The largest value a cell of this canonical column may hold (input.max_value), or None."""
    bounds = cfg["input"]["max_value"]
    if field in bounds:
        return float(bounds[field])
    kind = FIELDS[field].kind if field in FIELDS else None
    return float(bounds[kind]) if kind in bounds else None


BYTES_PER_MB = 1_000_000  # the MB of input.max_unpacked_mb (decimal), as guard's messages show sizes


def max_unpacked_bytes(cfg: dict) -> int:
    """input.max_unpacked_mb in bytes: the one place that limit's MB become bytes."""
    return cfg["input"]["max_unpacked_mb"] * BYTES_PER_MB


# ------------------------------------------------------------------ the typed model
# Every section of defaults.toml is a model below; every key is typed and bounded. A failed
# rule raises ValueError("must be ..."), or _Bad naming a key under the model that raised it;
# _message() turns pydantic's error into the one line "config key 'dotted.key' must be ...".
class _Bad(ValueError):
    """A rule broken by ``key`` (dotted, under the model whose validator raised it; "" = itself)."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key, self.message = key, message


Number = Annotated[float, Field(allow_inf_nan=False)]  # strict: an int passes, a bool or text does not


def _rule(base: Any, ok: Callable[[Any], bool], say: Callable[[Any], str]) -> Any:
    """``base`` (strict) that passes ``ok``; else ``say(value)``, also for a value of the wrong type.
    The value is kept as written (an int stays an int where ``base`` is float)."""

    def check(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            handler(value)
        except ValidationError:
            raise ValueError(say(value)) from None
        if not ok(value):
            raise ValueError(say(value))
        return value

    return Annotated[base, WrapValidator(check)]


def _between(low: float, high: float, what: str, *, low_open: bool = False) -> Any:
    """A finite number from low to high (above low when low_open)."""
    return _rule(Number, lambda v: (v > low if low_open else v >= low) and v <= high,
                 lambda v: f"must be {what} {'above' if low_open else 'from'} {low:,g} "
                           f"{'and at most' if low_open else 'to'} {high:,g}, got {v!r}")


def _whole(low: int | None, high: int | None, say: str, *, got: bool = False) -> Any:
    return _rule(int, lambda v: (low is None or v >= low) and (high is None or v <= high),
                 lambda v: f"{say}, got {v!r}" if got else say)


Score = _rule(Number, lambda v: 0 <= v <= 10, lambda v: f"must be a score from 0 to 10, got {v!r}")
Weight = _rule(Number, lambda v: 0 <= v <= 1, lambda v: f"must be between 0 and 1, got {v!r}")
Rate = _rule(Number, lambda v: 0 <= v <= 1, lambda v: f"must be a rate from 0 to 1, got {v!r}")
Target = _rule(Number, lambda v: 0 < v <= 1, lambda v: f"must be a rate above 0 and at most 1, got {v!r}")
Change = _between(-1, 10, "a yearly change (-1 = -100 %, 10 = 1000 %)", low_open=True)
Amount = _between(0, AMOUNT_CEILING, "an amount")
Seconds = _between(0, 31_536_000, "a number of seconds")
Share = _rule(Number, lambda v: 0 <= v <= 1, lambda v: f"must be a share from 0 to 1, got {v!r}")
Texts = list[str]
TEXT_LISTS = ("privacy.no_regulation", "input.missing", "input.true_words", "input.false_words", "input.label_words")
Finite = _rule(Number, lambda v: True, lambda v: "must be a number")  # kept as written (an int stays an int)
Pair = Annotated[list[Finite], Field(min_length=2, max_length=2)]
# Lists whose entries are checked one by one: an entry of the wrong kind names the list.
LIST_SHAPES = {
    "cost.anchors": "must be a list of at least two [value, score] pairs",
    "speed.latency_anchors": "must be a list of at least two [value, score] pairs",
    "columns.language_suffixes": "must be a list of language codes (letters only)",
    "columns.aliases.": "must be a list of header texts",
    "values.": "must be a list of answers",
    **{key: "must be a list of texts" for key in TEXT_LISTS},
}


def _anchors(positive: bool) -> Any:
    """[value, score] points: two at least, no value twice, scores 0-10, values >= 0 (> 0 on a log
    scale). Their upper bound depends on other keys: Config checks it."""

    def check(points: list[list[float]]) -> list[list[float]]:
        xs = [p[0] for p in points]
        if len(set(xs)) != len(xs):
            raise ValueError("must not repeat a value")
        for x, y in points:
            if not 0 <= y <= 10:
                raise ValueError(f"must be a score from 0 to 10, got {y!r}")
            if positive and x <= 0:
                raise ValueError(f"values must be above 0 (log scale), got {x!r}")
            if x < 0:
                raise ValueError(f"values must be at least 0, got {x!r}")
        return points

    return Annotated[list[Pair], Field(min_length=2), AfterValidator(check)]


class _Section(BaseModel):
    # defer_build: each model's validator is built when first used, not at import (a run validates
    # Config only, which builds its sections inside its own)
    model_config = ConfigDict(strict=True, extra="forbid", defer_build=True)


class Weights(_Section):
    privacy: Weight
    cost: Weight
    accuracy: Weight
    speed: Weight

    @model_validator(mode="after")
    def _sum_to_one(self) -> Weights:
        total = self.privacy + self.cost + self.accuracy + self.speed
        if abs(total - 1) >= 1e-9:
            raise _Bad("", f"must sum to 1, got {total:g}")
        return self


class Privacy(_Section):
    default: Score
    contains_pii: Score
    trade_secrets: Score
    data_residency: Score
    named_regulation: Score
    no_regulation: Texts
    sensitivity: dict[str, Score]


class Cost(_Section):
    default: Score
    anchors: _anchors(positive=False)


class Accuracy(_Section):
    default: Score
    breach_score: Score
    max_score: Score
    accuracy_gap_full: _rule(Number, lambda v: v > 0, lambda v: "must be above 0")
    critical_error_threshold: _rule(Number, lambda v: 0 <= v <= 1, lambda v: "must be a rate from 0 to 1")
    critical_error_full: Rate
    edge_case_error_threshold: _rule(Number, lambda v: 0 <= v <= 1, lambda v: "must be a rate from 0 to 1")
    edge_case_error_full: Rate
    default_target: Target
    targets: dict[str, Target]

    @model_validator(mode="after")
    def _order(self) -> Accuracy:
        if self.max_score < self.breach_score:
            raise _Bad("max_score", "must be at least accuracy.breach_score")
        for kind in ("critical_error", "edge_case_error"):
            if not getattr(self, f"{kind}_threshold") < getattr(self, f"{kind}_full"):
                raise _Bad(f"{kind}_full", f"must be a rate above accuracy.{kind}_threshold and at most 1")
        return self


class Speed(_Section):
    default: Score
    latency_anchors: _anchors(positive=True)
    latency_class: dict[str, Score]


# The seven recommendations of SPEC v2 §4, in the shipped rank order ([ranking] order: any order
# of these seven, each once).
RECOMMENDATIONS = ("Fine-tune", "Prepare to fine-tune", "Add retrieval", "Optimise the API", "Self-host",
                      "Keep prompting", "Insufficient data")
DEPLOYMENTS = ("api", "enterprise_api", "self_hosted")  # where a model may run, least strict first


class Decision(_Section):
    """The decision (SPEC version 2, §4)."""

    min_factors: _whole(1, 4, "must be a whole number of factors from 1 to 4", got=True)
    accuracy_breach_score: Score
    fit_need: Score
    materiality_min: Amount  # at most money.max_amount: Config checks it
    materiality_share: Share
    golden_set_min: _whole(0, None, "must be a whole number of examples of at least 0", got=True)
    training_examples_min: _whole(0, None, "must be a whole number of examples of at least 0", got=True)


class Deployment(_Section):
    levels: _rule(list[str], lambda v: sorted(v) == sorted(DEPLOYMENTS) and len(v) == len(DEPLOYMENTS),
                  lambda v: f"must list {', '.join(DEPLOYMENTS)}, each once, got {v!r}")
    enterprise_api_from_privacy: _between(0, 11, "a privacy score (11 = never)")
    self_hosted_from_privacy: _between(0, 11, "a privacy score (11 = never)")
    agreement: str


class Latency(_Section):
    api_default_s: _between(0, 31_536_000, "a number of seconds", low_open=True)
    self_hosted_s: _between(0, 31_536_000, "a number of seconds", low_open=True)
    class_limit_s: dict[str, _between(0, 31_536_000, "a number of seconds", low_open=True)]


class Ranking(_Section):
    order: _rule(list[str], lambda v: sorted(v) == sorted(RECOMMENDATIONS) and len(v) == len(RECOMMENDATIONS),
                 lambda v: f"must list the seven recommendations ({', '.join(RECOMMENDATIONS)}), each once, "
                           f"got {v!r}")


class Money(_Section):
    horizon_months: _whole(SHORT_HORIZON_MONTHS, None, f"must be a whole number of months from "
                                                       f"{SHORT_HORIZON_MONTHS} to break_even_search_months")
    break_even_search_months: _whole(1, 600, "must be a whole number of months from 1 to 600")
    finetune_setup_cost: Amount  # at most its input.max_value: Config checks it
    usage_growth_pct: Change
    api_price_change_pct: Change
    max_amount: _between(1, AMOUNT_CEILING, "an amount")

    @model_validator(mode="after")
    def _horizon(self) -> Money:
        if not self.horizon_months <= self.break_even_search_months:
            raise _Bad("horizon_months", f"must be a whole number of months from {SHORT_HORIZON_MONTHS} "
                                         "to break_even_search_months")
        return self


class Hosting(_Section):
    hours_per_month: _between(0, 744, "a number of hours", low_open=True)
    peak_factor: _between(0, 100, "a multiple of the average", low_open=True)
    gpu_utilisation: _between(0, 1, "a share", low_open=True)
    monitoring_monthly_cost: Amount  # at most input.max_value.money: Config checks it
    maintenance_share: _between(0, 10, "a share")
    gpu_hourly_cost: Amount  # amounts: at most input.max_value.money, Config checks it
    throughput_tokens_per_s: _between(0, 1e13, "a number of tokens per second", low_open=True)
    team_size: _between(0, 1e6, "a number of people")
    team_monthly_cost: Amount
    assumed_gpus: _whole(1, 1_000_000, "must be a whole number of GPUs from 1 to 1,000,000", got=True)


Months = _whole(0, 600, "must be a whole number of months from 0 to 600", got=True)


class OptionCost(_Section):
    """An option's one-off cost and its build months."""

    one_off_cost: Amount  # at most input.max_value.money: Config checks it
    build_months: Months


class BuildOnly(_Section):
    """An option whose one-off cost comes from elsewhere (self_host_finetune: money.finetune_setup_cost)."""

    build_months: Months


class Options(_Section):
    batch_price_ratio: _between(0, 1, "a ratio", low_open=True)
    retrain_every_months: _whole(1, 600, "must be a whole number of months from 1 to 600", got=True)
    retrain_share: _between(0, 10, "a share")
    roi_min_one_off: Amount
    api_optimised: OptionCost
    provider_finetune: OptionCost
    self_host_open: OptionCost
    self_host_finetune: BuildOnly


class ModelPrice(_Section):
    input_per_1m: Amount  # prices: at most input.max_value.money, Config checks it
    output_per_1m: Amount
    cached_input_per_1m: Amount | None = None


class Prices(_Section):
    models: dict[str, ModelPrice]
    step_down: dict[str, str]  # model -> a cheaper one ("" = none); each a model the catalog or models knows

    @model_validator(mode="after")
    def _step_down_known(self) -> Prices:
        from pipeline.prices import catalog_knows, catalog_version, closest_known

        own = {name.lower() for name in self.models}
        for key, target in self.step_down.items():
            name = target.strip()
            if name and name.lower() not in own and not catalog_knows(name):
                raise _Bad(f"step_down.{key}", f"names '{name}', a model neither prices.models nor the price "
                                               f"catalog ({catalog_version()}) knows{closest_known(name)}")
        return self


def _columns_of(kinds: tuple[str, ...]) -> list[str]:
    return [n for n, f in FIELDS.items() if f.kind in kinds]


class Stability(_Section):
    draws: _whole(1, None, "must be a whole number from 1 to stability.max_draws", got=True)
    max_draws: _whole(1, MAX_DRAWS_CEILING, f"must be a whole number from 1 to {MAX_DRAWS_CEILING:,}", got=True)
    seed: _whole(None, None, "must be a whole number", got=True)
    weight_range: _rule(Number, lambda v: 0 <= v < 1, lambda v: f"must be a number from 0 to below 1, got {v!r}")
    relative: dict[str, Share]
    absolute: dict[str, _rule(Number, lambda v: 0 <= v <= 1, lambda v: f"must be a number from 0 to 1, got {v!r}")]

    @model_validator(mode="after")
    def _columns(self) -> Stability:
        if not 1 <= self.draws <= self.max_draws:
            raise _Bad("draws", f"must be a whole number from 1 to stability.max_draws ({self.max_draws:,}), "
                                f"got {self.draws!r}")
        for name in self.relative:
            if name not in _columns_of(("money", "count")):
                raise _Bad(f"relative.{name}", "names no amount or count column")
        for name in self.absolute:
            if name not in _columns_of(("rate",)):
                raise _Bad(f"absolute.{name}", "names no rate (0-1) column")
            if name in self.relative:
                raise _Bad(f"absolute.{name}", "must not also be under stability.relative")
        return self


class Budget(_Section):
    exact_limit: _whole(0, BUDGET_CEILINGS["exact_limit"],
                        f"must be a whole number from 0 to {BUDGET_CEILINGS['exact_limit']:,}", got=True)
    node_limit: _whole(0, BUDGET_CEILINGS["node_limit"],
                       f"must be a whole number from 0 to {BUDGET_CEILINGS['node_limit']:,}", got=True)


class History(_Section):
    """Where runs are recorded, and what the Changes sheet lists (issue 13)."""

    rank_move: _whole(1, None, "must be a whole number of places of at least 1", got=True)
    money_change_pct: _between(0, 100_000, "a percentage", low_open=True)
    path: str  # where runs are recorded (history.target_for)
    busy_timeout_s: _between(0, 86_400, "a number of seconds")


PrintGroup = Annotated[list[str], Field(min_length=1)]  # column names: one group of printed columns


class Output(_Section):
    score_decimals: _whole(0, 6, "must be a whole number from 0 to 6")
    lock_wait_seconds: _between(0, 31_536_000, "a number of seconds (output.max_lock_wait_seconds at most)")
    max_lock_wait_seconds: Seconds
    streaming_rows: _whole(0, None, "must be a whole number of at least 0")
    max_cell_comments: _whole(0, None, "must be a whole number of at least 0")
    chart_points: _whole(0, None, "must be a whole number of at least 0")
    chart_spend_bands: _rule(Annotated[list[Amount], Field(min_length=3, max_length=3)],
                             lambda v: 0 < v[0] < v[1] < v[2],
                             lambda v: "must be three amounts above 0, ascending (the chart has four bubble sizes)")
    paper: Literal["A4", "Letter"]
    print_font_pt: _between(4, 44, "a font size in points (the print scale is at most 400 %)")
    print_margin_in: _between(0, 3, "a margin in inches")
    print_side_margin_in: _between(0, 3, "a margin in inches")
    print_header_in: _between(0, 3, "a margin in inches")
    print_columns: dict[Literal["Ranking", "Options"], list[PrintGroup]]
    text_width: _whole(10, 255, "must be a column width from 10 to 255 characters", got=True)

    @field_validator("print_columns")
    @classmethod
    def _groups(cls, sheets: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
        for sheet, groups in sheets.items():
            named = [c for g in groups for c in g]
            twice = sorted({c for c in named if named.count(c) > 1})
            if len(groups) < 2 or twice:
                raise _Bad(sheet, "must be a list of groups of column names, the columns repeated on every page "
                                  "first, then at least one group printed; each column once"
                                  + (f" ({', '.join(twice)} named twice)" if twice else ""))
        return sheets

    @model_validator(mode="after")
    def _lock_wait(self) -> Output:
        if self.lock_wait_seconds > self.max_lock_wait_seconds:
            raise _Bad("lock_wait_seconds", f"must be a number of seconds (output.max_lock_wait_seconds at most) "
                                            f"from 0 to {self.max_lock_wait_seconds:,g}, got {self.lock_wait_seconds!r}")
        return self


class Input(_Section):
    missing: Texts
    true_words: Texts
    decimal: Literal["auto", ".", ","]
    false_words: Texts
    header_search_rows: _whole(1, 10_000, "must be a whole number from 1 to 10,000")
    label_words: Texts
    max_rows: _whole(1, None, "must be a whole number of at least 1")
    max_unpacked_mb: _whole(1, None, "must be a whole number of at least 1")
    max_cells: _whole(1, None, "must be a whole number of at least 1")
    max_value: dict[str, _between(0, AMOUNT_CEILING, "a number", low_open=True)]

    @field_validator("max_value")
    @classmethod
    def _kinds(cls, bounds: dict[str, float]) -> dict[str, float]:
        numeric = _columns_of(NUMERIC_KINDS)
        for key in bounds:
            if key not in NUMERIC_KINDS and key not in numeric:
                raise _Bad(key, f"names no kind of number ({', '.join(NUMERIC_KINDS)}) "
                                f"nor a column of one ({', '.join(numeric)})")
        for kind in NUMERIC_KINDS:
            if kind not in bounds:
                raise _Bad(kind, "is missing")
        return bounds


LanguageCode = _rule(str, str.isalpha, lambda v: "must be a list of language codes (letters only)")


class Columns(_Section):
    language_suffixes: list[LanguageCode]
    aliases: dict[str, Texts]

    @field_validator("aliases")
    @classmethod
    def _known(cls, aliases: dict[str, list[str]]) -> dict[str, list[str]]:
        for field in aliases:
            if field not in FIELDS:
                raise _Bad(field, f"names no known column (known: {', '.join(FIELDS)})")
        return aliases


class Config(_Section):
    """The whole configuration: defaults.toml, section by section."""

    weights: Weights
    privacy: Privacy
    cost: Cost
    accuracy: Accuracy
    speed: Speed
    decision: Decision
    deployment: Deployment
    latency: Latency
    ranking: Ranking
    money: Money
    hosting: Hosting
    options: Options
    prices: Prices
    stability: Stability
    budget: Budget
    history: History
    output: Output
    input: Input
    columns: Columns
    values: dict[str, dict[str, Texts]]

    @model_validator(mode="after")
    def _across(self) -> Config:
        """Bounds set by other keys: money.max_amount and input.max_value; answers of known levels."""
        most, money = self.money.max_amount, self.input.max_value["money"]
        cfg = {"input": {"max_value": self.input.max_value}}
        for key, value, high in [
            ("cost.anchors", max(p[0] for p in self.cost.anchors), most),
            ("speed.latency_anchors", max(p[0] for p in self.speed.latency_anchors), self.input.max_value["seconds"]),
        ]:
            if value > high:
                raise _Bad(key, f"values must be at most {high:,g}, got {value!r}")
        amounts = [("decision.materiality_min", self.decision.materiality_min, most),
                   ("money.finetune_setup_cost", self.money.finetune_setup_cost,
                    max_value(cfg, "finetune_setup_cost")),
                   ("hosting.monitoring_monthly_cost", self.hosting.monitoring_monthly_cost, money),
                   ("hosting.gpu_hourly_cost", self.hosting.gpu_hourly_cost, money),
                   ("hosting.team_monthly_cost", self.hosting.team_monthly_cost, money)]
        amounts += [(f"options.{key}.one_off_cost", getattr(self.options, key).one_off_cost, money)
                    for key in ("api_optimised", "provider_finetune", "self_host_open")]
        for name, entry in self.prices.models.items():
            amounts += [(f"prices.models.{name}.{part}", getattr(entry, part), money)
                        for part in ("input_per_1m", "output_per_1m", "cached_input_per_1m")
                        if getattr(entry, part) is not None]
        for key, value, high in amounts:
            if value > high:
                what = "a price" if key.startswith("prices.") else "an amount"
                raise _Bad(key, f"must be {what} from 0 to {high:,g}, got {value!r}")
        levels = {name: getattr(getattr(self, section), key) for name, (section, key) in CATEGORY_VOCAB.items()}
        for field, table in self.values.items():
            kind = FIELDS[field].kind if field in FIELDS else None
            if kind not in ("category", "flag"):
                raise _Bad(f"values.{field}", "must name a category or yes/no column "
                                              f"({', '.join(_columns_of(('category', 'flag')))})")
            known = list(levels[field]) if kind == "category" else ["yes", "no"]
            for value in table:
                if value not in known:
                    raise _Bad(f"values.{field}.{value}", f"names no known level (known: {', '.join(known)})")
        return self

    @model_validator(mode="after")
    def _latency_classes(self) -> Config:
        """Each latency class given a max latency is a class speed.latency_class knows."""
        for name in self.latency.class_limit_s:
            if name not in self.speed.latency_class:
                raise _Bad(f"latency.class_limit_s.{name}",
                           f"names no latency class (known: {', '.join(self.speed.latency_class)})")
        if BATCH_CLASS not in self.latency.class_limit_s:
            raise _Bad("latency.class_limit_s", f"must give {BATCH_CLASS} (a day: where batch work starts)")
        return self


_KINDS = {"int_type": "a whole number", "float_type": "a number", "finite_number": "a finite number",
          "string_type": "a text", "list_type": "a list", "dict_type": "a table", "model_type": "a table",
          "bool_type": "true/false"}


def _message(error: dict, base: tuple = ()) -> str:
    """One pydantic error as today's one line: "config key 'dotted.key' must be ...", the key from its loc."""
    loc = (*base, *error["loc"])
    dotted = ".".join(str(part) for part in loc if not isinstance(part, int))
    return (_own_message(error, loc, dotted) or _price_entry_message(error["type"], dotted)
            or _kind_message(error, dotted))


def _own_message(error: dict, loc: tuple, dotted: str) -> str | None:
    """The words of ftscore's own checks (_Bad, a ValueError) or of LIST_SHAPES, when they apply."""
    kind = error["type"]
    cause = (error.get("ctx") or {}).get("error")
    if isinstance(cause, _Bad):
        key = ".".join(part for part in (dotted, cause.key) if part)
        return f"config key '{key}' {cause.message}"
    shape = next((say for prefix, say in LIST_SHAPES.items()
                  if dotted == prefix or (prefix.endswith(".") and dotted.startswith(prefix))), None)
    if shape and (len(loc) > len(dotted.split(".")) or kind in ("too_short", "too_long")):
        return f"config key '{dotted}' {shape}"  # an entry of the list, or the list's length
    if isinstance(cause, ValueError):
        return f"config key '{dotted}' {cause}"
    return None


def _price_entry_message(kind: str, dotted: str) -> str | None:
    """An entry of prices.models with unknown keys, or that is not a table."""
    if not (dotted.startswith("prices.models.") and kind in ("extra_forbidden", "model_type")):
        return None
    entry = ".".join(dotted.split(".")[:3])
    if kind == "extra_forbidden":
        return f"config key '{entry}' has unknown keys: {dotted.split('.')[3]}"
    return f"config key '{entry}' must be a table like {{ input_per_1m = 0.6, output_per_1m = 0.8 }}"


def _kind_message(error: dict, dotted: str) -> str:
    """pydantic's own error, by its type, in ftscore's words."""
    kind, value = error["type"], error.get("input")
    if kind == "extra_forbidden":
        return f"unknown config key '{dotted}'"
    if kind == "missing":
        return f"config key '{dotted}' is missing"
    if kind == "literal_error":
        return f"config key '{dotted}' must be {error['ctx']['expected']}".replace("'", '"').replace(
            f'"{dotted}"', f"'{dotted}'", 1)
    if kind in _KINDS:
        return f"config key '{dotted}' must be {_KINDS[kind]}, got {_kind(value)} {value!r}"
    return f"config key '{dotted}' {error['msg'][0].lower()}{error['msg'][1:]}"


def _checked(model: type[BaseModel], data: Any, base: tuple = ()) -> None:
    try:
        model.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_message(exc.errors(include_url=False)[0], base)) from None


def validate(cfg: dict) -> dict:
    """``cfg`` once the Config model accepts it; else ConfigError naming the first key it refuses."""
    _checked(Config, cfg)
    return cfg


def section(cfg: dict, name: str) -> dict:
    """One section of ``cfg`` over the shipped one, key by key (tables one level down too), validated
    by its model: for callers given a partial config (stability.settings, budget.limits)."""
    shipped = defaults()[name]
    given = cfg.get(name, {}) or {}
    out = {key: ({**value, **(given.get(key) or {})} if isinstance(value, dict) else given.get(key, value))
           for key, value in shipped.items()}
    out.update({key: value for key, value in given.items() if key not in out})
    _checked(Config.model_fields[name].annotation, out, (name,))
    return out


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
