"""Pandera models (polars backend) for the portfolio.

``PortfolioInput`` checks the values of the parsed input: ranges, required
name, categories (their vocabularies come from the config and are set by
``pipeline.validate``). ``ScoredPortfolio`` checks what the tool computed
before it is written, so a bug cannot reach a workbook.
"""

import pandera.polars as pa

from pipeline.rank import RECOMMENDATIONS

SCORE = {"ge": 0, "le": 10}


class PortfolioInput(pa.DataFrameModel):
    use_case_id: str = pa.Field(nullable=True)
    use_case: str = pa.Field(nullable=False, str_length={"min_value": 1})
    industry: str = pa.Field(nullable=True)
    privacy_score: float = pa.Field(nullable=True, **SCORE)
    cost_score: float = pa.Field(nullable=True, **SCORE)
    accuracy_score: float = pa.Field(nullable=True, **SCORE)
    speed_score: float = pa.Field(nullable=True, **SCORE)
    data_sensitivity: str = pa.Field(nullable=True)
    latency_class: str = pa.Field(nullable=True)
    monthly_api_cost: float = pa.Field(nullable=True, ge=0)
    monthly_calls: float = pa.Field(nullable=True, ge=0)
    input_tokens: float = pa.Field(nullable=True, ge=0)
    output_tokens: float = pa.Field(nullable=True, ge=0)
    input_price_per_1k: float = pa.Field(nullable=True, ge=0)
    output_price_per_1k: float = pa.Field(nullable=True, ge=0)
    input_price_per_1m: float = pa.Field(nullable=True, ge=0)
    output_price_per_1m: float = pa.Field(nullable=True, ge=0)
    cached_input_tokens: float = pa.Field(nullable=True, ge=0)
    cached_input_price_per_1k: float = pa.Field(nullable=True, ge=0)
    cached_input_price_per_1m: float = pa.Field(nullable=True, ge=0)
    gpu_hourly_cost: float = pa.Field(nullable=True, ge=0)
    gpus: float = pa.Field(nullable=True, ge=0)
    throughput_tokens_per_s: float = pa.Field(nullable=True, gt=0)
    gpu_utilisation: float = pa.Field(nullable=True, gt=0, le=1)
    team_size: float = pa.Field(nullable=True, ge=0)
    team_monthly_cost: float = pa.Field(nullable=True, ge=0)
    current_accuracy: float = pa.Field(nullable=True, ge=0, le=1)
    target_accuracy: float = pa.Field(nullable=True, gt=0, le=1)
    critical_error_rate: float = pa.Field(nullable=True, ge=0, le=1)
    edge_case_error_rate: float = pa.Field(nullable=True, ge=0, le=1)
    max_latency_s: float = pa.Field(nullable=True, gt=0)
    finetune_setup_cost: float = pa.Field(nullable=True, ge=0)
    finetune_monthly_cost: float = pa.Field(nullable=True, ge=0)
    usage_growth_pct: float = pa.Field(nullable=True, gt=-1, le=10)
    api_price_change_pct: float = pa.Field(nullable=True, gt=-1, le=10)

    class Config:
        strict = False
        coerce = False


class ScoredPortfolio(pa.DataFrameModel):
    privacy_score: float = pa.Field(**SCORE)
    cost_score: float = pa.Field(**SCORE)
    accuracy_score: float = pa.Field(**SCORE)
    speed_score: float = pa.Field(**SCORE)
    fit_score: float = pa.Field(**SCORE)
    total_4p: float = pa.Field(ge=0, le=40)
    recommendation: str = pa.Field(isin=list(RECOMMENDATIONS))
    rank: int = pa.Field(ge=1, unique=True)
    rank_in_unit: int = pa.Field(ge=1)
    break_even_months: float = pa.Field(nullable=True, ge=0)

    class Config:
        strict = False
        coerce = True
