"""ftscore explain through the CLI on a real .xlsx: every option's money, what ruled each out, the
materiality threshold, the recommended option month by month and what would change the decision.

Expected numbers are worked out here from SPEC v2 (§3-§5 and the worked examples of §6a), not copied
from a run.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import by_id, run_cli, write_xlsx
from helpers_frames import HEADERS, case

# Example 2's use case (API $10,000 a month, setup $20,000, running $2,000 given, no growth) with the
# defaults of example 6: 3 build months, retraining every 6 months at 25 %.
EXAMPLE_6 = dict(monthly_api_cost=10_000, finetune_setup_cost=20_000, finetune_monthly_cost=2_000,
                 privacy_score=0, accuracy_score=8)
# Example 12: 100,000 calls of 50,000 + 500 tokens at $0.0025 / $0.01 per 1K ($13,000 a month), batch.
EXAMPLE_12 = dict(monthly_calls=100_000, input_tokens=50_000, output_tokens=500, input_price_per_1k=0.0025,
                  output_price_per_1k=0.01, accuracy_score=0, latency_class="batch")


def explain(tmp: Path, uid: str, **values) -> str:
    src = write_xlsx(tmp / "in.xlsx", HEADERS, [case(uid, **values)])
    run = run_cli("explain", src, "--id", uid)
    assert run.code == 0, run.stderr + run.stdout
    return run.stdout


def option_cells(text: str, option: str) -> list[str]:
    """The cells of an option's row of the money table (the recommended one starts with '*')."""
    line = next(x for x in text.splitlines() if x[2:].split(" ")[0] == option and x[:1] in ("*", " "))
    return line[2:].split()[1:]


def month_rows(text: str) -> dict[int, list[str]]:
    lines = text.splitlines()
    start = next(i for i, x in enumerate(lines) if x.startswith("Month by month, ")) + 2
    rows = {}
    for line in lines[start:]:
        if not line.strip():
            break
        month, *cells = line.split()
        rows[int(month)] = cells
    return rows


def test_example_6_every_money_column_of_the_fine_tuned_option(tmp_path: Path) -> None:
    # Months 1-3 pay the API; from month 4 $2,000 a month (saving $8,000), retraining $5,000 in months
    # 9, 15 and 21. Total over 24 months: 20,000 + 3 x 10,000 + 21 x 2,000 + 3 x 5,000 = 107,000;
    # net 12m 9 x 8,000 - 5,000 - 20,000 = 47,000; net 24m 240,000 - 107,000 = 133,000; break-even
    # 20,000 / 8,000 = 2.5 months after month 3 = 5.5; ROI 133,000 / 20,000 = 665 %.
    text = explain(tmp_path, "E6", **EXAMPLE_6)
    assert "Recommendation: Fine-tune" in text
    assert option_cells(text, "self_host_finetune") == [
        "$20,000", "3", "$2,000", "$2,000", "$107,000", "$47,000", "$133,000", "5.5", "months", "665%"]
    assert text.count("\n* ") == 1 and "\n* self_host_finetune " in text
    # today's API: 24 x $10,000, no one-off, saves nothing against itself
    assert option_cells(text, "api") == ["$0", "0", "$10,000", "$10,000", "$240,000", "$0", "$0", "never", "-"]


def test_example_6_threshold_and_what_ruled_each_option_out(tmp_path: Path) -> None:
    text = explain(tmp_path, "E6", **EXAMPLE_6)
    # max($10,000, 10 % of 24 x $10,000)
    assert ("Materiality threshold: $24,000, the larger of $10,000 (decision.materiality_min) and 10% of "
            "today's API over 24 months ($240,000): $24,000") in text
    # no model: no batch price, no alt model, no fine-tuned price; accuracy 8 with fit
    # (0 + 5 + 8 + 0) / 4 = 3.25 < 6: the open model as it is does not close the gap
    assert "  api_optimised: not offered: no batch price" in text
    assert "  provider_finetune: not offered: no fine-tuned price" in text
    assert "  self_host_open: not allowed: an open model as it is does not close the accuracy gap" in text
    assert "  self_host_finetune: cost basis given (finetune_monthly_cost given)" in text
    assert "self_host_finetune: net savings $133,000, $109,000 above the $24,000 threshold" in text
    assert "accuracy score 8 >= 6 (decision.accuracy_breach_score): an accuracy gap" in text
    assert "fit score 3.25 < 6 (decision.fit_need)" in text
    assert "golden_set_size not given: under 200 (decision.golden_set_min), Prepare to fine-tune" in text


def test_example_6_month_by_month(tmp_path: Path) -> None:
    months = month_rows(explain(tmp_path, "E6", **EXAMPLE_6))
    assert sorted(months) == list(range(1, 25))
    # month, API, option, cumulative savings, net (less the one-off), worked out month by month here
    cum, expected = 0, {}
    for m in range(1, 25):
        own = 10_000 if m <= 3 else 2_000 + (5_000 if m in (9, 15, 21) else 0)
        cum += 10_000 - own
        expected[m] = [f"${10_000:,}", f"${own:,}", f"${cum:,}", f"-${20_000 - cum:,}" if cum < 20_000 else f"${cum - 20_000:,}"]
    assert months == expected
    assert months[24][3] == "$133,000" and months[12][3] == "$47,000"


def test_example_12_optimised_api(tmp_path: Path) -> None:
    # $13,000 a month at the default batch ratio 0.5: $6,500 from month 1 for $5,000 one-off.
    # total 24 x 6,500 + 5,000 = 161,000; net 12m 12 x 6,500 - 5,000 = 73,000; net 24m 151,000;
    # break-even 5,000 / 6,500 = 0.77; ROI 151,000 / 5,000 = 3,020 %.
    text = explain(tmp_path, "E12", **EXAMPLE_12)
    assert "Recommendation: Optimise the API" in text
    assert option_cells(text, "api_optimised") == [
        "$5,000", "0", "$6,500", "$6,500", "$161,000", "$73,000", "$151,000", "0.77", "months", "3,020%"]
    # max($10,000, 10 % of 24 x $13,000 = $31,200)
    assert "Materiality threshold: $31,200, the larger of $10,000" in text
    assert "api_optimised: net savings $151,000, $119,800 above the $31,200 threshold" in text
    months = month_rows(text)
    assert months[1] == ["$13,000", "$6,500", "$6,500", "$1,500"]
    assert months[24] == ["$13,000", "$6,500", "$156,000", "$151,000"]
    # the open model on own GPUs, batch work: 100,000 x 50,500 tokens / (2,000 x 0.6) / 3,600 = 1,168.98
    assert ("  self_host_open: cost basis estimated (hosting sized from calls and tokens); 1,169 GPU-hours a month "
            "(batch work)") in text


def test_a_saving_short_of_the_threshold_and_an_accuracy_just_under_the_gap(tmp_path: Path) -> None:
    # $1,100 a month of batch work: the batch price saves 24 x 550 - 5,000 = $8,200, $1,800 short of
    # the $10,000 threshold (10 % of 24 x 1,100 is less), so today's API stays.
    text = explain(tmp_path, "K", monthly_api_cost=1_100, accuracy_score=5.9, latency_class="batch")
    assert "Recommendation: Keep prompting" in text
    assert "api_optimised: net savings $8,200, $1,800 short of the $10,000 threshold" in text
    assert ("accuracy score 5.9 < 6 (decision.accuracy_breach_score): no accuracy gap; at 6, an accuracy gap"
            in text)
    assert "Month by month" not in text  # today's API against itself


def test_a_small_golden_set_prepares_and_a_slow_api_is_ruled_out(tmp_path: Path) -> None:
    # Example 10 with a golden set of 50: Prepare to fine-tune until it holds 200.
    text = explain(tmp_path, "E10", privacy_score=10, cost_score=5, accuracy_score=10, speed_score=0,
                   monthly_api_cost=6_000, monthly_calls=200_000, input_tokens=8_000, output_tokens=600,
                   input_price_per_1k=0.003, output_price_per_1k=0.01, latency_class="batch", golden_set_size=50)
    assert "Recommendation: Prepare to fine-tune" in text
    assert ("golden_set_size 50 < 200 (decision.golden_set_min): Prepare to fine-tune; at 200, ready to fine-tune"
            in text)
    # Example 9: the API's assumed 0.5 s is over 0.3 s; 560M tokens always on: 1 GPU.
    text = explain(tmp_path, "E9", max_latency_s=0.3, accuracy_score=0, monthly_api_cost=2_000,
                   monthly_calls=1_000_000, input_tokens=500, output_tokens=60)
    assert "  api: not allowed: starts in 0.5 s (assumed), over the max latency of 0.3 s" in text
    assert "  self_host_open: cost basis estimated (hosting sized from calls and tokens); 1 GPU always on" in text
    assert "today's API starts in 0.5 s, over the max latency of 0.3 s" in text
    assert option_cells(text, "self_host_open")[6] == "-$103,665"


def test_explain_agrees_with_the_workbook(tmp_path: Path) -> None:
    src = write_xlsx(tmp_path / "in.xlsx", HEADERS, [case("E6", **EXAMPLE_6), case("E12", **EXAMPLE_12)])
    out = tmp_path / "out.xlsx"
    assert run_cli("score", src, "-o", out).code == 0
    ranking = by_id(out)
    for uid in ("E6", "E12"):
        text = run_cli("explain", src, "--id", uid).stdout
        row = ranking[uid]
        cells = option_cells(text, row["Best option"])
        assert cells[5:7] == [f"${row['Net savings 12m']:,.0f}", f"${row['Net savings 24m']:,.0f}"]
        assert month_rows(text)[24][3] == f"${row['Net savings 24m']:,.0f}"


@pytest.mark.parametrize("uid", ["UC-04", "UC-07", "UC-16"])
def test_the_sample_explains_every_part(uid: str) -> None:
    from conftest import SAMPLES

    run = run_cli("explain", SAMPLES / "portfolio.xlsx", "--id", uid)
    assert run.code == 0, run.stderr
    for part in ("Money against today's API", "Ruled out", "Own GPUs (first live month):", "Materiality threshold: ",
                 "What would change it", "Next step: "):
        assert part in run.stdout


def test_a_long_horizon_shows_every_few_months(tmp_path: Path) -> None:
    # 36 months: every 2nd month (and month 1); the last net is the option's net savings over 36 months.
    cfg = tmp_path / "long.toml"
    cfg.write_text("[money]\nhorizon_months = 36\n")
    src = write_xlsx(tmp_path / "in.xlsx", HEADERS, [case("E12", **EXAMPLE_12)])
    run = run_cli("explain", src, "--id", "E12", "--config", cfg)
    assert run.code == 0, run.stderr
    months = month_rows(run.stdout)
    assert sorted(months) == [1, *range(2, 37, 2)]
    assert "(one-off $5,000 at the start; every 2 months)" in run.stdout
    # 36 x 6,500 - 5,000
    assert months[36][3] == "$229,000" == option_cells(run.stdout, "api_optimised")[6]
