"""The input contract: each canonical column, how its cells are read, what it means.

Kinds:
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

from typing import NamedTuple


class Field(NamedTuple):
    kind: str
    meaning: str


FIELDS: dict[str, Field] = {
    "use_case_id": Field("text", "Unique key of the use case"),
    "use_case": Field("text", "Name of the use case (required)"),
    "business_unit": Field("text", "Business unit that owns it"),
    "owner": Field("text", "Person accountable"),
    "description": Field("text", "What it does"),
    "stage": Field("text", "Idea, pilot, production, ..."),
    "industry": Field("text", "general, legal, healthcare, finance, ...: sets the default target accuracy"),
    "privacy_score": Field("score", "Privacy score given directly, 0-10 (overrides the derivation)"),
    "cost_score": Field("score", "Cost score given directly, 0-10"),
    "accuracy_score": Field("score", "Accuracy score given directly, 0-10"),
    "speed_score": Field("score", "Speed score given directly, 0-10"),
    "data_sensitivity": Field("category", "none, internal, confidential, personal, regulated"),
    "contains_pii": Field("flag", "Does the data contain personal data? yes/no"),
    "trade_secrets": Field("flag", "Does the data contain trade secrets? yes/no"),
    "data_residency": Field("flag", "Must the data stay in a jurisdiction? yes/no"),
    "regulations": Field("text", "Regulations that apply, e.g. GDPR; HIPAA"),
    "monthly_api_cost": Field("money", "API spend today, USD per month"),
    "model": Field("text", "API model name"),
    "monthly_calls": Field("count", "API calls per month"),
    "input_tokens": Field("count", "Input tokens per call"),
    "output_tokens": Field("count", "Output tokens per call"),
    "input_price_per_1k": Field("money", "USD per 1,000 input tokens"),
    "output_price_per_1k": Field("money", "USD per 1,000 output tokens"),
    "input_price_per_1m": Field("money", "USD per 1,000,000 input tokens"),
    "output_price_per_1m": Field("money", "USD per 1,000,000 output tokens"),
    "cached_input_tokens": Field("count", "Input tokens per call read from the provider's prompt cache"),
    "cached_input_price_per_1k": Field("money", "USD per 1,000 cached input tokens"),
    "cached_input_price_per_1m": Field("money", "USD per 1,000,000 cached input tokens"),
    "current_accuracy": Field("rate", "Accuracy today, 0-1 (85% and 85 accepted)"),
    "target_accuracy": Field("rate", "Accuracy required, 0-1"),
    "critical_error_rate": Field("rate", "Share of answers with a critical error, 0-1"),
    "edge_case_error_rate": Field("rate", "Share of edge cases answered wrongly, 0-1"),
    "latency_class": Field("category", "none, batch, quick, real-time"),
    "max_latency_s": Field("seconds", "Required response time, seconds"),
    "finetune_setup_cost": Field("money", "One-off cost of fine-tuning, USD"),
    "finetune_monthly_cost": Field("money", "Monthly cost of the fine-tuned model (hosting, monitoring), USD"),
    "gpu_hourly_cost": Field("money", "Self-hosting: USD per GPU-hour"),
    "gpus": Field("count", "Self-hosting: GPUs serving the fine-tuned model"),
    "throughput_tokens_per_s": Field("count", "Self-hosting: tokens per second one GPU serves"),
    "gpu_utilisation": Field("rate", "Self-hosting: share of a GPU's throughput usable at peak, 0-1"),
    "team_size": Field("count", "People running the fine-tuned model"),
    "team_monthly_cost": Field("money", "Monthly cost of one of those people, USD"),
    "usage_growth_pct": Field("change", "Expected usage change per year (10% or 0.1)"),
    "api_price_change_pct": Field("change", "Expected API price change per year (-20% or -0.2)"),
}

# Which vocabulary in the config each category column uses.
CATEGORY_VOCAB = {
    "data_sensitivity": ("privacy", "sensitivity"),
    "latency_class": ("speed", "latency_class"),
}

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
    "recommendation": "Fine-tune, Evaluate (pilot) or Keep prompting",
    "rationale": "The drivers of the recommendation in one line",
    "data_completeness": "How many of the four factors had data",
    "what_would_change": "The smallest change in volume or spend that flips the decision, and the setup cost that pays back in 12 months",
    "api_cost_per_call": "API cost of one call today, USD",
    "monthly_api_cost": "API spend per month today, USD",
    "annual_api_cost": "API spend per year today, USD",
    "break_even_months": "Months until savings repay the setup cost (empty: never)",
    "net_savings_12m": "Savings over 12 months less the setup cost, USD",
    "net_savings_24m": "Savings over the horizon less the setup cost, USD",
    "roi_pct": "Net savings over the horizon / fine-tuning costs over the horizon, %",
    "cost_basis": "given: fine-tuning costs from the row; estimated: hosting from GPU facts; assumed: defaults used",
    "gpus_needed": "GPUs needed at peak, where estimated from the row's GPU facts",
    "hosting_estimate": "Estimated monthly cost of serving the fine-tuned model (GPUs, maintenance, monitoring), USD",
    "team_monthly_cost_total": "People running the fine-tuned model: team_size x team_monthly_cost, USD a month",
    "price_source": "Where the token prices came from: row, catalog or config",
    "price_model": "Model matched in the price catalog",
    "price_provider": "Provider of the matched model",
    "price_catalog": "Price catalog and version used",
    "rank": "Rank in the portfolio (1 = strongest case to fine-tune)",
    "rank_in_unit": "Rank within the business unit",
}
