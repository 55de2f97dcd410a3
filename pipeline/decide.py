"""The decision of SPEC version 2 (§4): which way each use case should run, and why.

Pure polars expressions over the whole frame. ``decide`` takes the frame once the factor scores
(with ``fit_score``), the per-factor ``{factor}_has_data`` flags and the option columns of
``options.options`` (``{o}__offered``, ``{o}__net_h``, ``{o}__total``) are on it, and adds:
``deployment``, ``factors_with_data``, per option ``{o}__latency_s``, ``{o}__allowed`` and
``{o}__why_not_allowed``, then ``best_option``, ``recommendation``, ``decided_by``,
``decision_warning``, ``next_step`` and ``rationale``.

Each rule is written once. What rules an option out is data (``EXCLUSIONS``: the step, the options
it strikes, the condition and the reason; speed, step 4, is ``SPEED`` because it strikes nothing
where it would strike everything); what a winning option means is data (``RECOMMENDATION``); what
decided a row is one of ``DECIDED_BY`` (column ``decided_by``). The stages, in order, are
``facts``, ``allowed``, ``money_facts``, ``scores``, ``choose``, ``verdict`` and ``words``; --stability
can run them without ``words`` (``with_words=False``: no text at all, the same decision), and
``branch`` runs them all on one row for explain. No number of its own: thresholds, latencies and
the agreement's name come from the config (``[decision]``, ``[deployment]``, ``[latency]``).

The frame may also carry, and decide reads where present: ``deployment_allowed``,
``knowledge_bound``, ``current_latency_s``, ``golden_set_size``, ``training_examples`` (inputs),
``alt_model_used`` and ``ft_model`` (prices.option_prices, for next_step) and ``__accuracy_why``
(score.factor_scores, for the rationale).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import NamedTuple

import polars as pl

from pipeline.config import DEPLOYMENTS, RECOMMENDATIONS
from pipeline.options import FINE_TUNED, OPTIONS, SELF_HOSTED as OWN_GPUS
from pipeline.score import FACTOR_INPUTS, FACTORS, number_text, usd_text

# The options in SPEC §3 table order (ties go to the earlier); options.options prices them.
AT_PROVIDER = tuple(o for o in OPTIONS if o not in OWN_GPUS)  # run by the API provider: its latency
FINE_TUNE, PREPARE, RETRIEVAL, OPTIMISE, SELF_HOST, KEEP, INSUFFICIENT = RECOMMENDATIONS
API, ENTERPRISE, SELF_HOSTED = DEPLOYMENTS  # the deployment levels
# What the winning option means (step 6); Fine-tune becomes Prepare to fine-tune where the golden
# set or the training data is short.
RECOMMENDATION = {"api": KEEP, "api_optimised": OPTIMISE, "provider_finetune": FINE_TUNE,
                  "self_host_open": SELF_HOST, "self_host_finetune": FINE_TUNE}
DESCRIBED = {"api": "today's API", "api_optimised": "the API done cheaper (batch price or a smaller model)",
             "provider_finetune": "a model fine-tuned by the provider", "self_host_open": "an open model on own GPUs",
             "self_host_finetune": "a fine-tuned model on own GPUs"}
# What decided a row (``decided_by``), for explain; the step of SPEC §4 it belongs to.
DECIDED_BY = {
    "insufficient_data": "step 1: fewer than 2 of the 4 factors have data",
    "add_retrieval": "step 3: an accuracy gap on facts the model lacks (retrieval, not fine-tuning)",
    "deployment": "step 2: own GPUs only, so no API option",
    "accuracy_need": "step 3: an accuracy gap with a strong need, so only the fine-tuned options",
    "latency": "step 4: today's API starts too late",
    "saving": "step 5: another option saves at least the materiality threshold",
    "no_material_saving": "step 5: no option saves the materiality threshold, so today's API",
    "nothing_allowed": "no option is both offered and allowed",
}
# Optional input columns and their types: absent from a frame, they are read as not given.
OPTIONAL = {"deployment_allowed": pl.String, "knowledge_bound": pl.Boolean, "current_latency_s": pl.Float64,
            "golden_set_size": pl.Float64, "training_examples": pl.Float64, "monthly_api_cost": pl.Float64,
            "max_latency_s": pl.Float64, "latency_class": pl.String, "alt_model_used": pl.String,
            "ft_model": pl.String, "__accuracy_why": pl.String}
HIDDEN = "__d_"  # prefix of the working columns, dropped at the end


def _c(name: str) -> pl.Expr:
    return pl.col(HIDDEN + name)


def _num(x: pl.Expr, decimals: int = 2) -> pl.Expr:
    return number_text(x, decimals)


# ------------------------------------------------------------------ step 4's max latency
def max_latency(cfg: dict) -> pl.Expr:
    """The max latency in seconds: the shorter of max_latency_s and the one latency_class implies
    (``latency.class_limit_s``; a class not listed states none); null where neither is known.

    >>> cfg = {"latency": {"class_limit_s": {"real-time": 0.5, "quick": 5, "batch": 86400}}}
    >>> frame = pl.DataFrame({"latency_class": ["quick", "real-time", "none", None],
    ...                       "max_latency_s": [0.3, 2.0, None, None]})
    >>> frame.select(max_latency(cfg)).to_series().to_list()
    [0.3, 0.5, None, None]
    """
    limits = {k: float(v) for k, v in cfg["latency"]["class_limit_s"].items()}
    by_class = pl.col("latency_class").replace_strict(limits, default=None, return_dtype=pl.Float64)
    return pl.min_horizontal(pl.col("max_latency_s"), by_class)


def option_latency(option: str, cfg: dict) -> pl.Expr:
    """Time until the option starts answering: the API's measured one where given, else the default."""
    lat = cfg["latency"]
    if option in AT_PROVIDER:
        return pl.coalesce(pl.col("current_latency_s"), pl.lit(float(lat["api_default_s"])))
    return pl.lit(float(lat["self_hosted_s"]))


# ------------------------------------------------------------------ the rules as data
class Exclusion(NamedTuple):
    """A rule that strikes ``options`` where ``holds`` (cfg -> Boolean expression); ``why`` says so."""

    key: str
    step: int
    options: tuple[str, ...]
    holds: Callable[[dict], pl.Expr]
    why: Callable[[dict], pl.Expr]


def _accuracy_words() -> pl.Expr:
    """'accuracy 10 (93% vs 99% target)' (a column of the words stage, ``texts``)."""
    return _c("accuracy_words")


def _accuracy_text() -> pl.Expr:
    why = pl.col("__accuracy_why")
    return pl.lit("accuracy ") + _num(pl.col("accuracy_score")) + pl.when(
        why.is_not_null() & (why != "given")).then(pl.lit(" (") + why + pl.lit(")")).otherwise(pl.lit(""))


# In order of precedence: where several strike an option, the first is what decided (the need is
# named before the deployment, so a fine-tune under self_hosted names the accuracy need); its
# why_not_allowed gives them all.
EXCLUSIONS: tuple[Exclusion, ...] = (
    Exclusion("accuracy_need", 3, tuple(o for o in OPTIONS if o not in FINE_TUNED), lambda cfg: _c("need"),
              lambda cfg: _accuracy_words() + pl.lit(" and fit ") + _c("fit_text")
              + pl.lit(": only the fine-tuned options close the gap")),
    Exclusion("accuracy_gap", 3, ("self_host_open",), lambda cfg: _c("breach") & ~_c("need"),
              lambda cfg: pl.lit("an open model as it is does not close the accuracy gap (")
              + _accuracy_words() + pl.lit(")")),
    Exclusion("deployment", 2, AT_PROVIDER, lambda cfg: pl.col("deployment") == SELF_HOSTED,
              lambda cfg: pl.lit("deployment self_hosted: the data may not go to a third-party API")),
)
SPEED = "latency"  # step 4's rule: it strikes an option only where some option is left (else a warning)


def _slow_why(option: str, cfg: dict) -> pl.Expr:
    """'starts in 0.5 s (assumed), over the max latency of 0.3 s'."""
    if option in AT_PROVIDER:
        starts = _c("api_latency_text") + pl.when(pl.col("current_latency_s").is_null()).then(
            pl.lit(" s (assumed)")).otherwise(pl.lit(" s"))
    else:
        starts = pl.lit(f"{round(cfg['latency']['self_hosted_s'], 2):g} s")
    return pl.lit("starts in ") + starts + pl.lit(", over the max latency of ") + _c("max_text") + pl.lit(" s")


# ------------------------------------------------------------------ stage 1: the facts
def facts(cfg: dict) -> list[pl.Expr]:
    """Steps 1-3's facts: factors_with_data, deployment, the accuracy breach and need, the max latency
    and each option's latency."""
    d, dep = cfg["decision"], cfg["deployment"]
    known = pl.sum_horizontal([pl.col(f"{f}_has_data").fill_null(False).cast(pl.Int32) for f in FACTORS])
    privacy = pl.col("privacy_score")
    derived = (pl.when(privacy >= dep["self_hosted_from_privacy"]).then(pl.lit(SELF_HOSTED))
               .when(privacy >= dep["enterprise_api_from_privacy"]).then(pl.lit(ENTERPRISE))
               .otherwise(pl.lit(API)))
    breach = (pl.col("accuracy_score") >= d["accuracy_breach_score"]).fill_null(False)
    return [
        known.alias("factors_with_data"),
        pl.coalesce(pl.col("deployment_allowed"), derived).alias("deployment"),
        breach.alias(HIDDEN + "breach"),
        (breach & (pl.col("fit_score") >= d["fit_need"]).fill_null(False)).alias(HIDDEN + "need"),
        (breach & pl.col("knowledge_bound").fill_null(False)).alias(HIDDEN + "retrieval"),
        (known < d["min_factors"]).alias(HIDDEN + "insufficient"),
        max_latency(cfg).alias(HIDDEN + "max_latency"),
        *[option_latency(o, cfg).alias(f"{o}__latency_s") for o in OPTIONS],
    ]


# ------------------------------------------------------------------ stage 2: what is allowed
def _hard(option: str, cfg: dict) -> pl.Expr:
    """The key of the first rule of EXCLUSIONS that strikes ``option``; null where none does."""
    key = pl.lit(None, pl.String)
    for rule in reversed([r for r in EXCLUSIONS if option in r.options]):
        key = pl.when(rule.holds(cfg).fill_null(False)).then(pl.lit(rule.key)).otherwise(key)
    return key


def allowed(frame: pl.DataFrame, cfg: dict) -> pl.DataFrame:
    """``{o}__allowed``: struck by no rule of EXCLUSIONS, and not slower than the max latency while
    some offered option is fast enough (else speed strikes none: ``__d_fallback``). ``__d_why_key_{o}``
    is what struck it (an EXCLUSIONS key or SPEED)."""
    frame = frame.with_columns(
        *[_hard(o, cfg).alias(f"{HIDDEN}key_{o}") for o in OPTIONS],
        *[(pl.col(f"{o}__latency_s") > _c("max_latency")).fill_null(False).alias(f"{HIDDEN}slow_{o}")
          for o in OPTIONS],
    )
    left = [pl.col(f"{o}__offered").fill_null(False) & _c(f"key_{o}").is_null() & ~_c(f"slow_{o}") for o in OPTIONS]
    frame = frame.with_columns((~pl.any_horizontal(left)).alias(HIDDEN + "fallback"))
    out = []
    for o in OPTIONS:
        struck_by_speed = _c(f"slow_{o}") & ~_c("fallback")
        out += [
            (_c(f"key_{o}").is_null() & ~struck_by_speed).alias(f"{o}__allowed"),
            pl.when(_c(f"key_{o}").is_not_null()).then(_c(f"key_{o}"))
            .when(struck_by_speed).then(pl.lit(SPEED)).alias(f"{HIDDEN}why_key_{o}"),
        ]
    return frame.with_columns(out)


def why_not_allowed(option: str, cfg: dict) -> pl.Expr:
    """``{o}__why_not_allowed``: the reasons of every rule that strikes it ("; "), or its latency."""
    rules = [r for r in EXCLUSIONS if option in r.options]
    hard = pl.concat_str([pl.when(r.holds(cfg).fill_null(False)).then(r.why(cfg)) for r in rules],
                         separator="; ", ignore_nulls=True) if rules else pl.lit(None, pl.String)
    key = _c(f"why_key_{option}")
    return (pl.when(key == SPEED).then(_slow_why(option, cfg)).when(key.is_not_null()).then(hard)
            .otherwise(pl.lit(None, pl.String)))


# ------------------------------------------------------------------ stage 3: the money (step 5)
def _net(option: str) -> pl.Expr:
    """Net savings over the horizon against today's API; where the API cost is unknown it counts as
    0, so an option's net is minus its total; today's API saves 0 against itself."""
    net = pl.col(f"{option}__net_h")
    if option == "api":
        return pl.coalesce(net, pl.lit(0.0))
    return pl.coalesce(net, pl.when(pl.col("monthly_api_cost").is_null()).then(-pl.col(f"{option}__total")))


def materiality(cfg: dict) -> pl.Expr:
    """The least net saving over the horizon that beats today's API: the larger of
    decision.materiality_min and decision.materiality_share of the api option's total."""
    d = cfg["decision"]
    share = pl.lit(float(d["materiality_share"])) * pl.col("api__total").fill_null(0.0)
    return pl.max_horizontal(pl.lit(float(d["materiality_min"])), share)


def money_facts(cfg: dict) -> list[pl.Expr]:
    """Each option's net savings as step 5 counts them, the materiality threshold, whether today's
    API is left."""
    left = pl.col("api__offered").fill_null(False) & pl.col("api__allowed")
    return [*[_net(o).alias(f"{HIDDEN}net_{o}") for o in OPTIONS],
            materiality(cfg).alias(HIDDEN + "threshold"), left.alias(HIDDEN + "api_left")]


def scores() -> list[pl.Expr]:
    """Each option's net where it may win (null where not): where today's API is left, another option
    must save the threshold; an unknown net counts as the least."""
    out = []
    for o in OPTIONS:
        cand = pl.col(f"{o}__offered").fill_null(False) & pl.col(f"{o}__allowed")
        material = ~_c("api_left") | (_c(f"net_{o}") >= _c("threshold")).fill_null(False)
        eligible = cand if o == "api" else cand & material
        out.append(pl.when(eligible).then(_c(f"net_{o}").fill_null(-math.inf)).alias(f"{HIDDEN}score_{o}"))
    return out


def choose() -> pl.Expr:
    """``best_option`` by step 5: the most savings, ties to the earlier option (Add retrieval's by
    step 6; none under Insufficient data)."""
    best_net = pl.max_horizontal([_c(f"score_{o}") for o in OPTIONS])
    best = pl.when(pl.lit(False)).then(pl.lit(None, pl.String))
    for o in OPTIONS:  # table order: the first of equal savings wins
        best = best.when(_c(f"score_{o}") == best_net).then(pl.lit(o))
    retrieval = pl.when(pl.col("deployment") == SELF_HOSTED).then(pl.lit("self_host_open")).otherwise(pl.lit("api"))
    return (pl.when(_c("insufficient")).then(pl.lit(None, pl.String))
            .when(_c("retrieval")).then(retrieval).otherwise(best.otherwise(pl.lit(None, pl.String)))
            ).alias("best_option")


def _best_net() -> pl.Expr:
    """The best option's net savings over the horizon (as step 5 counted them)."""
    expr = pl.when(pl.lit(False)).then(pl.lit(None, pl.Float64))
    for o in OPTIONS:
        expr = expr.when(pl.col("best_option") == o).then(_c(f"net_{o}"))
    return expr


def verdict(cfg: dict) -> list[pl.Expr]:
    """``recommendation`` (step 6) and ``decided_by`` (a key of DECIDED_BY)."""
    d = cfg["decision"]
    best = pl.col("best_option")
    short = ((pl.col("golden_set_size") < d["golden_set_min"]).fill_null(False)
             | (pl.col("training_examples") < d["training_examples_min"]).fill_null(False))
    recommendation = (
        pl.when(_c("insufficient")).then(pl.lit(INSUFFICIENT))
        .when(_c("retrieval")).then(pl.lit(RETRIEVAL))
        .when(best.is_null()).then(pl.lit(KEEP))
        .when(best.is_in(FINE_TUNED) & short).then(pl.lit(PREPARE))
        .otherwise(best.replace_strict(RECOMMENDATION, default=None, return_dtype=pl.String))
    )
    decided_by = (
        pl.when(_c("insufficient")).then(pl.lit("insufficient_data"))
        .when(_c("retrieval")).then(pl.lit("add_retrieval"))
        .when(best.is_null()).then(pl.lit("nothing_allowed"))
        .when(_c("api_left") & (best == "api")).then(pl.lit("no_material_saving"))
        .when(_c("api_left")).then(pl.lit("saving"))
        .otherwise(pl.coalesce(_c("why_key_api"), pl.lit("nothing_allowed")))
    )
    return [recommendation.alias("recommendation"), decided_by.alias("decided_by")]


# ------------------------------------------------------------------ stage 4: the words
def warning() -> pl.Expr:
    """``decision_warning``: the latency need no option meets, or nothing offered and allowed."""
    fastest = pl.min_horizontal([pl.when(pl.col(f"{o}__allowed")).then(pl.col(f"{o}__latency_s")) for o in OPTIONS])
    decided = ~_c("insufficient") & ~_c("retrieval")
    return (
        pl.when(decided & pl.col("best_option").is_null())
        .then(pl.lit("no option is both offered and allowed"))
        .when(decided & _c("fallback") & _c("max_latency").is_not_null())
        .then(pl.lit("no option starts within the max latency of ") + _c("max_text")
              + pl.lit(" s (the fastest allowed starts in ") + _num(fastest)
              + pl.lit(" s): the latency need is not met"))
    )


def _missing_factors() -> pl.Expr:
    """'cost (monthly_api_cost, ...); speed (...)': the factors without data and what would feed them."""
    parts = [pl.when(~pl.col(f"{f}_has_data").fill_null(False)).then(pl.lit(f"{f} ({FACTOR_INPUTS[f]})"))
             for f in FACTORS]
    return pl.concat_str(parts, separator="; ", ignore_nulls=True)


def _assumed_api_too_slow() -> pl.Expr:
    """Today's API struck by speed alone, on the assumed (not measured) latency."""
    return (_c("why_key_api") == SPEED).fill_null(False) & pl.col("current_latency_s").is_null()


def _cases(name: str, cases: list[tuple[pl.Expr, str | pl.Expr]], otherwise: str) -> tuple[pl.Expr, pl.Expr]:
    """(a code: the index of the first case that holds, the text of that case). Computed in two
    stages (the code's column first), so the fixed texts make one string column, not one per case."""
    code = pl.lit(len(cases), pl.Int8)
    for i in reversed(range(len(cases))):
        code = pl.when(cases[i][0].fill_null(False)).then(pl.lit(i, pl.Int8)).otherwise(code)
    fixed = {i: text for i, (_, text) in enumerate(cases) if isinstance(text, str)} | {len(cases): otherwise}
    text = _c(f"code_{name}").replace_strict(fixed, default=None, return_dtype=pl.String)
    for i, (_, made) in enumerate(cases):
        if not isinstance(made, str):
            text = pl.when(_c(f"code_{name}") == i).then(made).otherwise(text)
    return code.alias(f"{HIDDEN}code_{name}"), text


def next_step(cfg: dict) -> tuple[pl.Expr, pl.Expr]:
    """One line: what to do first (as ``_cases``: the code, then the text)."""
    d, rec, best = cfg["decision"], pl.col("recommendation"), pl.col("best_option")
    golden = f"a {d['golden_set_min']:,}-example golden set"
    alt = pl.col("alt_model_used")
    return _cases("next_step", [
        (rec == INSUFFICIENT, pl.lit("add data for at least one more factor: ") + _missing_factors()),
        (rec == RETRIEVAL, f"put the documents the answers depend on behind retrieval (RAG) and check the answers "
                           f"on {golden}"),
        (_assumed_api_too_slow(), "measure today's API time to first token (current_latency_s): the decision "
                                  f"assumes {cfg['latency']['api_default_s']:g} s"),
        ((rec == PREPARE) & (pl.col("golden_set_size") < d["golden_set_min"]),
         f"build {golden} and measure today's baseline on it"),
        (rec == PREPARE, f"curate at least {d['training_examples_min']:,} training examples"),
        (_c("breach") & ~_c("need"), "close the accuracy gap with prompting and evaluation on a golden set first; "
                                     "fine-tune if it persists"),
        (best == "provider_finetune", pl.lit("measure a baseline on the golden set, then fine-tune ")
         + pl.coalesce(pl.col("ft_model"), pl.lit("the model")) + pl.lit(" with the provider")),
        (best == "self_host_finetune", "measure a baseline on the golden set, then fine-tune an open model to run "
                                       "on own GPUs"),
        ((best == "api_optimised") & alt.is_not_null(), pl.lit("confirm ") + alt + pl.lit(f"'s accuracy on {golden}")),
        (best == "api_optimised", "move the work to the provider's batch API"),
        (best == "self_host_open", f"confirm an open model's accuracy on {golden} and size its GPUs"),
        (pl.col("deployment") == ENTERPRISE, f"sign {cfg['deployment']['agreement']} with the API provider"),
    ], "keep prompting; look again when volume, accuracy or latency needs change")


def _money_words(cfg: dict) -> pl.Expr:
    """How money chose: the saving against the threshold, or the best net where the API was out."""
    months = cfg["money"]["horizon_months"]
    net, threshold = _c("best_net"), _c("threshold_text")
    over = pl.lit(f" over {months} months")
    need_not_saving = pl.when(net < 0).then(pl.lit(" (the need is not a saving)")).otherwise(pl.lit(""))
    unknown = pl.when(pl.col("monthly_api_cost").is_null()).then(pl.lit(" (API cost unknown: counted as 0)")) \
        .otherwise(pl.lit(""))
    return (
        pl.when(pl.col("decided_by") == "saving")
        .then(pl.lit("saves ") + _c("best_net_text") + over + pl.lit(" (at least ") + threshold + pl.lit(" needed)"))
        .when(pl.col("decided_by") == "no_material_saving")
        .then(pl.lit("no other option saves ") + threshold + over + unknown)
        .when(net.is_not_null()).then(pl.lit("net savings ") + _c("best_net_text") + over + need_not_saving)
        .otherwise(pl.lit("net savings unknown") + unknown)
    )


def _need_words(cfg: dict) -> pl.Expr:
    """Why today's API was not left, or the accuracy gap that prompting should close first."""
    by = pl.col("decided_by")
    deployment_why = pl.when(pl.col("deployment_allowed").is_not_null()).then(pl.lit(" (given)")).otherwise(
        pl.lit(" (privacy ") + _num(pl.col("privacy_score")) + pl.lit(")"))
    return (
        pl.when(by == "accuracy_need").then(_accuracy_words() + pl.lit(" and fit ") + _c("fit_text")
                                            + pl.lit(": only a fine-tuned model closes the gap"))
        .when(by == "latency").then(pl.lit("latency: today's API ") + _slow_why("api", cfg))
        .when(by == "deployment").then(pl.lit("deployment self_hosted") + deployment_why)
        .when(_c("breach") & ~_c("need")).then(_accuracy_words() + pl.lit(" with fit ") + _c("fit_text")
                                               + pl.lit(": the gap alone does not call for fine-tuning"))
    )


def rationale(cfg: dict) -> pl.Expr:
    """One line naming what decided: the need or the saving, the option, the money."""
    enterprise = pl.when((pl.col("deployment") == ENTERPRISE) & (pl.col("best_option").is_in(AT_PROVIDER))).then(
        pl.lit(f"under {cfg['deployment']['agreement']}"))
    decided = pl.concat_str([_need_words(cfg), _best_described(), _money_words(cfg), enterprise,
                             pl.col("decision_warning")], separator=" · ", ignore_nulls=True)
    with_data = pl.concat_str([pl.when(pl.col(f"{f}_has_data").fill_null(False)).then(pl.lit(f)) for f in FACTORS],
                              separator=", ", ignore_nulls=True)
    return (
        pl.when(pl.col("recommendation") == INSUFFICIENT)
        .then(pl.col("factors_with_data").cast(pl.String) + pl.lit(f" of {len(FACTORS)} factors ")
              + pl.when(pl.col("factors_with_data") == 1).then(pl.lit("has")).otherwise(pl.lit("have"))
              + pl.lit(" data")
              + pl.when(pl.col("factors_with_data") > 0).then(pl.lit(" (") + with_data + pl.lit(")"))
              .otherwise(pl.lit("")) + pl.lit(f": at least {cfg['decision']['min_factors']} are needed to decide"))
        .when(pl.col("recommendation") == RETRIEVAL)
        .then(_accuracy_words() + pl.lit(" and the answers depend on facts the model lacks: retrieval brings "
                                         "facts, fine-tuning teaches form"))
        .otherwise(decided)
    )


def _best_described() -> pl.Expr:
    return pl.col("best_option").replace_strict(DESCRIBED, default=None, return_dtype=pl.String)


def texts(cfg: dict) -> list[pl.Expr]:
    """Numbers as the words show them, each written once."""
    return [_accuracy_text().alias(HIDDEN + "accuracy_words"), _num(pl.col("fit_score")).alias(HIDDEN + "fit_text"),
            _num(_c("max_latency")).alias(HIDDEN + "max_text"),
            _num(pl.col("api__latency_s")).alias(HIDDEN + "api_latency_text"),
            _best_net().alias(HIDDEN + "best_net"), usd_text(_c("threshold")).alias(HIDDEN + "threshold_text")]


def words(cfg: dict) -> list[list[pl.Expr]]:
    """The text columns, stage by stage (each reads the columns of the stages before it)."""
    code, step = next_step(cfg)
    return [texts(cfg),
            [usd_text(_c("best_net")).alias(HIDDEN + "best_net_text"), warning().alias("decision_warning"), code],
            [step.alias("next_step"), *[why_not_allowed(o, cfg).alias(f"{o}__why_not_allowed") for o in OPTIONS]],
            [rationale(cfg).alias("rationale")]]


# ------------------------------------------------------------------ the whole decision
def decide(frame: pl.DataFrame, cfg: dict, *, with_words: bool = True) -> pl.DataFrame:
    """SPEC §4 over the whole frame (see the module's docstring for what it reads and adds).
    ``with_words=False`` leaves out the text columns (for --stability's many draws)."""
    absent = {name: dtype for name, dtype in OPTIONAL.items() if name not in frame.columns}
    frame = frame.with_columns([pl.lit(None, dtype).alias(name) for name, dtype in absent.items()])
    frame = frame.with_columns(_typed())
    frame = allowed(frame.with_columns(facts(cfg)), cfg)
    frame = frame.with_columns(money_facts(cfg)).with_columns(scores()).with_columns(choose())
    frame = frame.with_columns(verdict(cfg))
    if with_words:
        for stage in words(cfg):
            frame = frame.with_columns(stage)
    return frame.drop([c for c in frame.columns if c.startswith(HIDDEN)] + list(absent))


def _typed() -> list[pl.Expr]:
    """The columns decide reads, cast to their types (a column of nulls only may come in untyped)."""
    flags = [f"{f}_has_data" for f in FACTORS] + [f"{o}__offered" for o in OPTIONS]
    numbers = [f"{o}__{c}" for o in OPTIONS for c in ("net_h", "total")]
    numbers += ["privacy_score", "accuracy_score", "fit_score"]
    return ([pl.col(c).cast(pl.Boolean) for c in flags] + [pl.col(c).cast(pl.Float64) for c in numbers]
            + [pl.col(c).cast(t) for c, t in OPTIONAL.items()])


def branch(row: dict, cfg: dict) -> dict:
    """What the decision gives one use case, by the same expressions (for explain): recommendation,
    best_option, decided_by (a key of DECIDED_BY), deployment, next_step, rationale, decision_warning
    and, per option, why it is not allowed (None where it is). ``row`` holds the columns decide reads."""
    out = decide(pl.DataFrame([row], infer_schema_length=None), cfg).row(0, named=True)
    keys = ("recommendation", "best_option", "decided_by", "deployment", "next_step", "rationale", "decision_warning")
    return {**{k: out[k] for k in keys}, "why_not_allowed": {o: out[f"{o}__why_not_allowed"] for o in OPTIONS}}
