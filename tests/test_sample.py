"""The bundled sample as a manager reads it: every recommendation of SPEC §4 appears for a reason
one would recognise, no fine-tune rests on privacy alone, the optional v2 columns are filled where
a team would know them (not everywhere), and the files are what samples/make_samples.py writes.
(The sample's counts, errors and sheets: test_end_to_end.py and test_workbook.py.)"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import SAMPLES, by_id, run_cli
from pipeline import config
from pipeline.columns import header_index, normalise
from pipeline.config import RECOMMENDATIONS

V2_FIELDS = ("deployment_allowed", "knowledge_bound", "current_latency_s", "batch_eligible", "alt_model",
             "golden_set_size", "training_examples")
FINE_TUNES = ("Fine-tune", "Prepare to fine-tune")


@pytest.fixture(scope="module")
def cfg() -> dict:
    return config.load()


@pytest.fixture(scope="module")
def ranking(tmp_path_factory) -> dict[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("sample") / "sample.xlsx"
    run = run_cli("score", SAMPLES / "portfolio.xlsx", "-o", out)
    assert run.code == 1, run.stderr  # the sample's deliberate errors: workbook written, exit 1
    return by_id(out)


def _make_samples():
    spec = importlib.util.spec_from_file_location("make_samples", SAMPLES / "make_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _input_rows(cfg: dict) -> list[dict[str, Any]]:
    """The sample's use case rows as canonical field -> cell value (blank rows left out)."""
    ws = openpyxl.load_workbook(SAMPLES / "portfolio.xlsx", read_only=True)["Portfolio"]
    rows = list(ws.iter_rows(values_only=True))
    index = header_index(cfg)
    names = [index.get(normalise(h), (h,))[0] if h else None for h in rows[0]]
    return [dict(zip(names, r)) for r in rows[1:] if any(v is not None for v in r)]


def test_the_sample_reaches_all_seven_recommendations(ranking) -> None:
    seen = {r["Recommendation"] for r in ranking.values()}
    assert seen == set(RECOMMENDATIONS), f"missing: {set(RECOMMENDATIONS) - seen}"


def test_no_fine_tune_on_the_sample_rests_on_privacy_alone(ranking, cfg) -> None:
    """Each Fine-tune (and Prepare to fine-tune) names the need or the saving that decided it:
    an accuracy gap (the score at or above decision.accuracy_breach_score), a latency the API
    misses, or a net saving at least the materiality threshold; never privacy."""
    d = cfg["decision"]
    fine_tunes = {uid: r for uid, r in ranking.items() if r["Recommendation"] in FINE_TUNES}
    assert fine_tunes
    for uid, r in fine_tunes.items():
        why = r["Rationale"]
        accuracy = why.startswith("accuracy ") and r["Accuracy score"] >= d["accuracy_breach_score"]
        latency = why.startswith("latency: today's API starts in ")
        saving = " · saves $" in why and r["Net savings 24m"] >= d["materiality_min"]
        assert accuracy or latency or saving, f"{uid}: {why}"
        assert "privacy" not in why and "deployment" not in why, f"{uid}: {why}"


@pytest.mark.parametrize("uid, recommendation, best, says", [
    # claims at 96 % against finance's 99 % (accuracy 8) with fit 7.41 >= 6: only a fine-tuned model;
    # 1,500 golden examples and 20,000 curated claims: ready
    ("UC-04", "Fine-tune", "self_host_finetune", "and fit 7.41: only a fine-tuned model closes the gap"),
    # discharge summaries at 97 % against 99 % with fit 5.5: the options compete on money, and the
    # fine-tuned model on own GPUs saves more than the threshold ($12,000 a month today)
    ("UC-06", "Fine-tune", "self_host_finetune", "saves $175,000 over 24 months"),
    # voice intents: 6 % edge-case errors with fit 6 need a fine-tuned model, but the golden set
    # is 50 examples (< decision.golden_set_min, 200): build it first
    ("UC-20", "Prepare to fine-tune", "self_host_finetune", "build a 200-example golden set"),
    # HR policy answers at 78 % against 85 %, on policies that change every year: retrieval
    ("UC-12", "Add retrieval", "api", "the answers depend on facts the model lacks"),
    # code review at 82 % against 85 %, missing the in-house code it has never seen: retrieval
    ("UC-05", "Add retrieval", "api", "put the documents the answers depend on behind retrieval"),
    # knowledge-bound too, but 87 % meets 85 %: no gap, nothing to add
    ("UC-09", "Keep prompting", "api", "no other option saves $10,000"),
    # a nightly job on gpt-4o at $13,000 a month: batch price and gpt-4o-mini (its Alt Model)
    ("UC-01", "Optimise the API", "api_optimised", "confirm gpt-4o-mini's accuracy"),
    # month-end invoices, no model named: the configured batch discount
    ("UC-10", "Optimise the API", "api_optimised", "move the work to the provider's batch API"),
    # search rewriting needs 0.4 s; today's API measured at 0.6 s, own GPUs 0.15 s
    ("UC-16", "Self-host", "self_host_open", "latency: today's API starts in 0.6 s, over the max latency of 0.4 s"),
    # reply drafting measured at 0.4 s, inside the 0.5 s of real-time: the API stays
    ("UC-02", "Keep prompting", "api", "today's API"),
    # a register row with only the privacy answers
    ("UC-26", "Insufficient data", None, "1 of 4 factors has data (privacy)"),
])
def test_pinned_rows_of_the_sample(ranking, uid: str, recommendation: str, best: str | None, says: str) -> None:
    row = ranking[uid]
    assert (row["Recommendation"], row["Best option"]) == (recommendation, best)
    assert says in row["Rationale"] or says in row["Next step"], (row["Rationale"], row["Next step"])


def test_the_batch_saving_of_the_invoices(ranking, cfg) -> None:
    """UC-10 month by month: $2,375 a month today (250,000 calls x (3,000 x $0.0025 + 200 x $0.01)
    / 1,000), growing 10 % a year; batch at the configured ratio from month 1, less the one-off."""
    months = cfg["money"]["horizon_months"]
    api = [250_000 * (3000 * 0.0025 + 200 * 0.01) / 1000 * 1.10 ** ((m - 1) / 12) for m in range(1, months + 1)]
    ratio = cfg["options"]["batch_price_ratio"]
    net = sum(a * (1 - ratio) for a in api) - cfg["options"]["api_optimised"]["one_off_cost"]
    assert ranking["UC-10"]["Monthly API cost"] == pytest.approx(2375)
    assert ranking["UC-10"]["Net savings 24m"] == pytest.approx(net, abs=0.01)
    assert net >= max(cfg["decision"]["materiality_min"], cfg["decision"]["materiality_share"] * sum(api))


def test_the_v2_columns_are_filled_where_a_team_would_know_them(cfg) -> None:
    rows = [r for r in _input_rows(cfg) if r.get("use_case")]
    for name in V2_FIELDS:
        filled = [r["use_case_id"] for r in rows if r.get(name) not in (None, "")]
        assert 0 < len(filled) <= len(rows) // 2, f"{name}: filled on {filled}"
    levels = {r["deployment_allowed"] for r in rows if r.get("deployment_allowed")}
    assert levels <= set(cfg["deployment"]["levels"])


def test_the_files_are_what_make_samples_writes(tmp_path: Path, monkeypatch) -> None:
    """make_samples.py is the one source of both files: run again, it writes what is committed."""
    made = _make_samples()
    monkeypatch.setattr(made, "HERE", tmp_path)
    made.main()
    for name in ("portfolio.csv", "portfolio.xlsx"):  # the workbook has a fixed creation date
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), f"{name}: run samples/make_samples.py"
