"""The input contract: every canonical input column, defined once, in ``FIELDS``.

One ``Field`` per input column says everything ftscore knows about it: how its cells are read
(``kind``), what it means (``meaning``: the help text of the template and of the header comments),
its readable header (``label``: the template header and the workbook label; it normalises to the
column's name), the other headers shipped for it (``aliases``: a user's ``[columns.aliases]`` adds
to them), its unit and number format (the kind's unless it says otherwise), the config vocabulary
of a category column (``vocab``), its checks (``bounds`` and ``required``; the tunable largest
values stay in the config, ``[input.max_value]``), the factor it feeds and where it sits on the
template (``group``).

Built from ``FIELDS``: the pandera contract (``schemas.PortfolioInput``), the shipped
``columns.aliases`` of the config, the template (headers, comments, units, formats, checks, help
sheet), the workbook's labels of input columns, the Issues messages of bad values, the factors'
inputs (``score.FACTOR_FIELDS``) and the README columns table (``markdown_table``; a test keeps it
in sync). Adding an input column is one entry here, plus its scoring rule if it scores.

Kinds (``KINDS``):
  text      kept as written (trimmed)
  category  matched against a vocabulary from the config (``values.*``)
  money     USD amount: "$12,500", "12500", "12.5k"
  count     a non-negative number: "100,000", "100k"
  rate      a share 0-1: "85%", "0.85", "85"
  change    a yearly change: "10%", "0.1", "-20%"
  flag      yes/no: yes/no/true/false/y/n/1/0
  score     a factor score 0-10 given directly
  seconds   a duration in seconds, above 0
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple


class Kind(NamedTuple):
    unit: str  # in words (template comments and help sheet)
    number_format: str | None  # Excel number format on the template
    bounds: dict[str, float]  # fixed bounds of a column of this kind: ge, gt, le


KINDS: dict[str, Kind] = {
    "text": Kind("text", None, {}),
    "category": Kind("one level from the drop-down", None, {}),
    "money": Kind("USD", "$#,##0", {"ge": 0}),
    "count": Kind("a number", "#,##0", {"ge": 0}),
    "rate": Kind("share 0-1, shown as % (85% = 0.85)", "0.0%", {"ge": 0, "le": 1}),
    "change": Kind("% per year", "0%", {"gt": -1, "le": 10}),
    "flag": Kind("yes/no", None, {}),
    "score": Kind("score 0-10", "0.0", {"ge": 0, "le": 10}),
    "seconds": Kind("seconds", "0.0#", {"gt": 0}),
}

# The template's column order: group by group, each group's columns in FIELDS order. Who and
# what, data, money and volume, prices, accuracy, latency, fine-tuning costs, hosting, growth,
# then the optional direct scores.
GROUPS = ("who", "data", "volume", "prices", "accuracy", "latency", "finetune", "hosting", "growth", "scores")


@dataclass(frozen=True)
class Field:
    """One input column: kind, meaning, label and group always; the rest where it applies."""

    kind: str  # how a cell is read: a key of KINDS
    meaning: str  # what the column holds (help text)
    label: str  # readable header; normalises to the column's name (checked when the template is written)
    group: str  # where it sits on the template: one of GROUPS
    aliases: tuple[str, ...] = ()  # other headers shipped for it; a user's [columns.aliases] adds more
    unit: str | None = None  # unit in words, when the kind's says too little
    number_format: str | None = None  # template number format, when not the kind's
    bounds: dict[str, float] | None = None  # fixed bounds (ge, gt, le), when not the kind's
    vocab: tuple[str, str] | None = None  # category: the config table of its levels (section, key)
    required: bool = False  # every row needs a non-empty value
    factor: str | None = None  # the factor it feeds (named in the factor's missing-data warning)
    accepted: str | None = None  # the template's "accepted values" line, when the kind's is not right
    example: Any = None  # help sheet example, when no example row has one
    null_words_missing: bool | None = None  # "n/a", "none", ... mean not given; default: every kind but text

    @property
    def checks(self) -> dict[str, float]:
        """Its fixed bounds: its own, else its kind's."""
        return dict(KINDS[self.kind].bounds if self.bounds is None else self.bounds)

    @property
    def keeps_null_words(self) -> bool:
        """Whether "n/a", "none", "null" are the user's text here rather than "not given"."""
        return not self.null_words_missing if self.null_words_missing is not None else self.kind == "text"


FIELDS: dict[str, Field] = {
    "use_case_id": Field("text", "Unique key of the use case", "Use case ID", "who",
                         aliases=("id", "use case no", "case id", "ref", "reference"),
                         accepted="Any text; unique per row (e.g. UC-001)"),
    "use_case": Field("text", "Name of the use case (required)", "Use case", "who",
                      aliases=("use case name", "name", "title", "use case title", "initiative", "project",
                               "tool name", "name of tool", "ai system name", "name ai system", "name of ai system",
                               "algorithm name", "name of algorithm", "naam", "naam algoritme",
                               "tool/application name", "application name"),
                      required=True, accepted="Any text; required on every row"),
    "business_unit": Field("text", "Business unit that owns it", "Business unit", "who",
                           aliases=("unit", "bu", "department", "division", "team", "agency", "bureau",
                                    "line of business", "organisation", "organization", "organisatie",
                                    "government organization", "government organisation", "ministry",
                                    "ministerie", "agency name", "department name")),
    "owner": Field("text", "Person accountable", "Owner", "who",
                   aliases=("use case owner", "product owner", "contact", "sponsor")),
    "description": Field("text", "What it does", "Description", "who",
                         aliases=("summary", "details", "purpose", "tool description", "description short",
                                  "short description", "korte omschrijving", "omschrijving", "beschrijving")),
    "stage": Field("text", "Idea, pilot, production, ...", "Stage", "who",
                   aliases=("status", "phase", "stage of development", "development stage")),
    "industry": Field("text", "general, legal, healthcare, finance, ...: sets the default target accuracy",
                      "Industry", "who", aliases=("domain", "sector", "vertical")),
    "privacy_score": Field("score", "Privacy score given directly, 0-10 (overrides the derivation)",
                           "Privacy score", "scores", factor="privacy", example=7),
    "cost_score": Field("score", "Cost score given directly, 0-10", "Cost score", "scores",
                        factor="cost", example=5),
    "accuracy_score": Field("score", "Accuracy score given directly, 0-10", "Accuracy score", "scores",
                            factor="accuracy", example=3),
    "speed_score": Field("score", "Speed score given directly, 0-10", "Speed score", "scores",
                         factor="speed", example=5),
    "data_sensitivity": Field("category", "none, internal, confidential, personal, regulated", "Data sensitivity",
                              "data", aliases=("sensitivity", "data classification", "classification"),
                              vocab=("privacy", "sensitivity"), factor="privacy"),
    "contains_pii": Field("flag", "Does the data contain personal data? yes/no", "Contains PII", "data",
                          aliases=("pii", "personal data", "has pii", "personal information"), factor="privacy"),
    "trade_secrets": Field("flag", "Does the data contain trade secrets? yes/no", "Trade secrets", "data",
                           aliases=("trade secret", "confidential ip"), factor="privacy"),
    "data_residency": Field("flag", "Must the data stay in a jurisdiction? yes/no", "Data residency", "data",
                            aliases=("residency", "data residency required"), factor="privacy"),
    "regulations": Field("text", "Regulations that apply, e.g. GDPR; HIPAA", "Regulations", "data",
                         aliases=("regulation", "regulatory", "compliance"), factor="privacy", null_words_missing=True,
                         accepted="Any text; separate several with ';'. Empty or 'none' means no regulation"),
    "monthly_api_cost": Field("money", "API spend today, USD per month", "Monthly API cost", "volume",
                              aliases=("api cost per month", "monthly cost", "api spend per month",
                                       "monthly api spend"),
                              unit="USD per month", factor="cost"),
    "model": Field("text", "API model name", "Model", "volume", aliases=("api model", "llm", "model name"),
                   null_words_missing=True,
                   accepted="A model the price catalog knows (gpt-4o, claude-3-5-sonnet, ...) or one priced in "
                            "the config",
                   example="gpt-4o"),
    "alt_model": Field("text", "A cheaper API model to try for the same task (else the config's step-down map)",
                       "Alt model", "volume", aliases=("alternative model", "cheaper model", "step down model"),
                       null_words_missing=True,
                       accepted="A model the price catalog knows (gpt-4o-mini, ...) or one priced in the config",
                       example="gpt-4o-mini"),
    "monthly_calls": Field("count", "API calls per month", "Monthly calls", "volume",
                           aliases=("calls per month", "requests per month", "monthly requests", "monthly volume",
                                    "volume"),
                           unit="calls per month", factor="cost"),
    "input_tokens": Field("count", "Input tokens per call", "Input tokens", "volume",
                          aliases=("input tokens per call", "prompt tokens", "tokens in"),
                          unit="tokens per call", factor="cost"),
    "output_tokens": Field("count", "Output tokens per call", "Output tokens", "volume",
                           aliases=("output tokens per call", "completion tokens", "tokens out"),
                           unit="tokens per call", factor="cost"),
    "input_price_per_1k": Field("money", "USD per 1,000 input tokens", "Input price per 1K", "prices",
                                aliases=("input price per 1k tokens", "input price 1k", "input cost per 1k"),
                                unit="USD per 1,000 tokens", number_format="$#,##0.0000##", factor="cost",
                                example=0.0025),
    "output_price_per_1k": Field("money", "USD per 1,000 output tokens", "Output price per 1K", "prices",
                                 aliases=("output price per 1k tokens", "output price 1k", "output cost per 1k"),
                                 unit="USD per 1,000 tokens", number_format="$#,##0.0000##", factor="cost",
                                 example=0.01),
    "input_price_per_1m": Field("money", "USD per 1,000,000 input tokens", "Input price per 1M", "prices",
                                aliases=("input price per 1m tokens", "input price 1m", "input cost per 1m"),
                                unit="USD per 1,000,000 tokens", number_format="$#,##0.00##", factor="cost"),
    "output_price_per_1m": Field("money", "USD per 1,000,000 output tokens", "Output price per 1M", "prices",
                                 aliases=("output price per 1m tokens", "output price 1m", "output cost per 1m"),
                                 unit="USD per 1,000,000 tokens", number_format="$#,##0.00##", factor="cost"),
    "cached_input_tokens": Field("count", "Input tokens per call read from the provider's prompt cache",
                                 "Cached input tokens", "volume", unit="tokens per call", example=1200),
    "cached_input_price_per_1k": Field("money", "USD per 1,000 cached input tokens", "Cached input price per 1K",
                                       "prices", unit="USD per 1,000 tokens", number_format="$#,##0.0000##",
                                       example=0.00125),
    "cached_input_price_per_1m": Field("money", "USD per 1,000,000 cached input tokens",
                                       "Cached input price per 1M", "prices", unit="USD per 1,000,000 tokens",
                                       number_format="$#,##0.00##", example=1.25),
    "current_accuracy": Field("rate", "Accuracy today, 0-1 (85% and 85 accepted)", "Current accuracy", "accuracy",
                              aliases=("accuracy today", "current accuracy pct", "baseline accuracy"),
                              factor="accuracy"),
    "target_accuracy": Field("rate", "Accuracy required, 0-1", "Target accuracy", "accuracy",
                             aliases=("required accuracy", "accuracy target", "target accuracy pct"),
                             bounds={"gt": 0, "le": 1}),
    "critical_error_rate": Field("rate", "Share of answers with a critical error, 0-1", "Critical error rate",
                                 "accuracy", aliases=("critical errors", "critical error pct"), factor="accuracy"),
    "edge_case_error_rate": Field("rate", "Share of edge cases answered wrongly, 0-1", "Edge-case error rate",
                                  "accuracy", aliases=("edge case errors", "edge case error pct"),
                                  factor="accuracy"),
    "latency_class": Field("category", "none, batch, quick, real-time", "Latency class", "latency",
                           aliases=("latency", "latency need", "response time class"),
                           vocab=("speed", "latency_class"), factor="speed"),
    "max_latency_s": Field("seconds", "Required response time, seconds", "Max latency (s)", "latency",
                           aliases=("max latency", "max latency seconds", "latency s", "required response time s"),
                           factor="speed"),
    "batch_eligible": Field("flag", "Can the work wait a day for the provider's batch price? yes/no "
                            "(not given: yes where the max latency is a day or more)", "Batch eligible", "latency",
                            aliases=("batch", "batchable", "can wait a day")),
    "finetune_setup_cost": Field("money", "One-off cost of fine-tuning, USD", "Fine-tune setup cost", "finetune",
                                 aliases=("setup cost", "fine tuning setup cost", "one off cost"),
                                 unit="USD, one-off"),
    "finetune_monthly_cost": Field("money", "Monthly cost of the fine-tuned model (hosting, monitoring), USD",
                                   "Fine-tune monthly cost", "finetune",
                                   aliases=("running cost per month", "fine tuning monthly cost",
                                            "hosting cost per month"),
                                   unit="USD per month"),
    "gpu_hourly_cost": Field("money", "Self-hosting: USD per GPU-hour", "GPU hourly cost", "hosting",
                             unit="USD per GPU-hour", number_format="$#,##0.00"),
    "gpus": Field("count", "Self-hosting: GPUs kept on all month for the self-hosted options, instead of the count "
                          "sized from calls and tokens (whole GPUs; batch work is still paid by the GPU-hour)", "GPUs",
                  "hosting", unit="GPUs", example=2),
    "throughput_tokens_per_s": Field("count", "Self-hosting: tokens per second one GPU serves",
                                     "Throughput (tokens per s)", "hosting", unit="tokens per second per GPU",
                                     bounds={"gt": 0}),
    "gpu_utilisation": Field("rate", "Self-hosting: share of a GPU's throughput usable at peak, 0-1",
                             "GPU utilisation", "hosting", bounds={"gt": 0, "le": 1}),
    "team_size": Field("count", "People running the fine-tuned model", "Team size", "hosting",
                       unit="people (fractions allowed)", number_format="#,##0.0#"),
    "team_monthly_cost": Field("money", "Monthly cost of one of those people, USD", "Team monthly cost", "hosting",
                               unit="USD per month per person"),
    "deployment_allowed": Field("category", "Where the model may run: api, enterprise_api (an API under a BAA, DPA or "
                                "zero-retention agreement) or self_hosted (own GPUs only); empty: from the privacy score",
                                "Deployment allowed", "data", aliases=("deployment", "allowed deployment", "hosting allowed"),
                                vocab=("deployment", "levels")),
    "knowledge_bound": Field("flag", "Do the answers depend on facts the model lacks or that change? yes/no "
                             "(then retrieval, not fine-tuning, closes an accuracy gap)", "Knowledge bound", "data",
                             aliases=("needs retrieval", "knowledge dependent", "depends on documents")),
    "current_latency_s": Field("seconds", "Measured time until today's API starts answering (time to first token), "
                               "seconds", "Current latency (s)", "latency",
                               aliases=("current latency", "time to first token s", "ttft s", "measured latency s")),
    "golden_set_size": Field("count", "Labelled examples the team trusts for evaluation (the golden set)",
                             "Golden set size", "finetune", aliases=("golden set", "eval set size", "evaluation set size"),
                             unit="examples", example=250),
    "training_examples": Field("count", "Curated examples available to fine-tune on", "Training examples", "finetune",
                               aliases=("training set size", "training data examples", "fine tuning examples"),
                               unit="examples", example=2000),
    "usage_growth_pct": Field("change", "Expected usage change per year (10% or 0.1)", "Usage growth %", "growth",
                              aliases=("usage growth", "volume growth pct")),
    "api_price_change_pct": Field("change", "Expected API price change per year (-20% or -0.2)",
                                  "API price change %", "growth", aliases=("api price change", "price change pct")),
}

# Which vocabulary in the config each category column uses.
CATEGORY_VOCAB: dict[str, tuple[str, str]] = {name: f.vocab for name, f in FIELDS.items() if f.vocab}


def template_order() -> list[str]:
    """Every input column in template order: group by group (GROUPS), FIELDS order within a group."""
    return sorted(FIELDS, key=lambda name: GROUPS.index(FIELDS[name].group))


def unit(name: str) -> str:
    return FIELDS[name].unit or KINDS[FIELDS[name].kind].unit


def number_format(name: str) -> str | None:
    return FIELDS[name].number_format or KINDS[FIELDS[name].kind].number_format


def shipped_aliases() -> dict[str, list[str]]:
    """The config's ``columns.aliases`` as shipped: each column's aliases, in template order."""
    return {name: list(FIELDS[name].aliases) for name in template_order() if FIELDS[name].aliases}


def factor_fields(factor: str) -> tuple[str, ...]:
    """The input columns that feed a factor."""
    return tuple(name for name, f in FIELDS.items() if f.factor == factor)


def markdown_table() -> str:
    """The README's table of input columns, in template order (README.md holds it; a test compares)."""
    lines = ["| column | header | kind | unit | meaning | factor | also read from |",
             "|---|---|---|---|---|---|---|"]
    for name in template_order():
        f = FIELDS[name]
        shown_unit = "" if unit(name) == f.kind else unit(name)
        also = ", ".join(f"`{a}`" for a in f.aliases)
        lines.append(f"| `{name}` | {f.label} | {f.kind} | {shown_unit} | {f.meaning} | {f.factor or ''} | {also} |")
    return "\n".join(lines) + "\n"


# Columns the tool adds, with what they mean and their unit (header comments,
# Assumptions, README). Order is the order on Portfolio and Ranking.
ANNOTATIONS: dict[str, str] = {
    "source_file": "Input file of this use case (when several are scored together)",
    "source_sheet": "Sheet of the input file (when several are scored together)",
    "source_row": "Row of this use case in the input file, as Excel shows it",
    "privacy_score": "Privacy factor, 0-10",
    "cost_score": "Cost factor from monthly API spend, 0-10",
    "accuracy_score": "Accuracy factor: how far requirements are missed, 0-10",
    "speed_score": "Speed factor from the latency need, 0-10",
    "fit_score": "Weighted mean of the four factors, 0-10",
    "total_4p": "Plain sum of the four factors, 0-40",
    "recommendation": "Fine-tune, Prepare to fine-tune, Add retrieval, Optimise the API, Self-host, Keep prompting or Insufficient data",
    "best_option": "The way to run it that won: api, api_optimised, provider_finetune, self_host_open or self_host_finetune",
    "deployment": "Where the model may run: api, enterprise_api (under an agreement) or self_hosted",
    "next_step": "What to do first, in one line",
    "rationale": "What decided the recommendation, in one line",
    "data_completeness": "How many of the four factors had data",
    "api_cost_per_call": "API cost of one call today, USD",
    "monthly_api_cost": "API spend per month today, USD",
    "annual_api_cost": "API spend per year today, USD",
    "break_even_months": "Months until the recommended option's savings against today's API repay its one-off cost (empty: never, or nothing recommended to change)",
    "net_savings_12m": "The recommended option's savings against today's API over 12 months less its one-off cost, USD",
    "net_savings_24m": "The recommended option's savings against today's API over the horizon less its one-off cost, USD",
    "roi_pct": "Net savings over the horizon / the recommended option's one-off cost, % (empty under $1,000)",
    "cost_basis": "Self-hosted options: given (monthly cost or GPUs from the row), estimated (hosting sized from calls and tokens) or assumed (one always-on GPU)",
    "gpus_needed": "GPUs the recommended self-hosted option keeps on (given, sized at peak or assumed; empty for batch work, paid by the GPU-hour)",
    "hosting_estimate": "Estimated monthly cost of the recommended self-hosted option in its first live month, USD",
    "team_monthly_cost_total": "People running the fine-tuned model: team_size x team_monthly_cost, USD a month",
    "price_source": "Where the token prices came from: row, catalog or config",
    "price_model": "Model matched in the price catalog",
    "price_provider": "Provider of the matched model",
    "price_catalog": "Price catalog and version used",
    "rank": "Rank in the portfolio: by recommendation ([ranking] order), then net savings, then fit score",
    "rank_in_unit": "Rank within the business unit",
}


if __name__ == "__main__":  # python -m pipeline.fields > table.md: the README columns table
    print(markdown_table(), end="")
