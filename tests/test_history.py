"""The history of runs (issue 13): what a run records, read back; two runs recording at once; a run
killed while recording; damaged, newer and locked histories that never cost the workbook; the
`ftscore history` command. The core cases run against SQLite and the real PostgreSQL server that
.ci/run starts (tests/helpers_history.py)."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from conftest import ROOT, SAMPLES, run_cli
from helpers_history import history_target, sql  # noqa: F401  (history_target: a fixture)
from pipeline import config, history
from pipeline.fields import FIELDS
from pipeline.history import SNAPSHOT_COLUMNS, History, HistoryProblem, RunFacts

SAMPLE = SAMPLES / "portfolio.csv"


def _ranking_counts(workbook: Path) -> dict[str, int]:
    """Use cases per recommendation, counted on the workbook's Ranking sheet (openpyxl)."""
    wb = openpyxl.load_workbook(workbook, read_only=True)
    rows = list(wb["Ranking"].iter_rows(values_only=True))
    wb.close()
    col = rows[0].index("Recommendation")
    counts: dict[str, int] = {}
    for r in rows[1:]:
        if r[col] is not None:
            counts[r[col]] = counts.get(r[col], 0) + 1
    return counts


def _sample_rows() -> dict[str, dict[str, str]]:
    with open(SAMPLE, newline="", encoding="utf-8") as fh:
        return {r["Use Case ID"]: r for r in csv.DictReader(fh)}


def _scored(path: Path = SAMPLE):
    from pipeline.run import score_files

    return score_files([path], config.load(), detail=False, keep_inputs=True)


def _cli(*args, env: dict | None = None, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "pipeline", *map(str, args)], cwd=ROOT,
                            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, **kw)


def _runs(target: str, portfolio: str = "portfolio") -> list[dict]:
    done = run_cli("history", "--history", target, "--portfolio", portfolio, "--json")
    assert done.code == 0, done.stderr
    return json.loads(done.stdout)["runs"]


# ---------------------------------------------------------------------------------- the snapshot

def test_snapshot_has_the_contract_columns_and_the_rows_inputs():
    result = _scored()
    snap = history.snapshot(result.ranking, "emea", result.config)
    assert snap.schema == pl.Schema(SNAPSHOT_COLUMNS)
    assert snap.height == result.ranking.height == result.rows - result.error_rows == 22  # 26 rows, 4 with errors
    assert set(snap["portfolio"]) == {"emea"}
    uc1 = snap.row(by_predicate=pl.col("use_case_id") == "UC-01", named=True)
    given = _sample_rows()["UC-01"]
    text = result.inputs.texts(pl.Series([uc1["input_checksum"]]))
    assert text["input_checksum"].to_list() == [uc1["input_checksum"]]
    inputs = json.loads(text["inputs"][0])
    assert inputs["monthly_calls"] == float(given["Monthly Calls"]) == 100_000
    assert inputs["use_case"] == given["Use Case"] and inputs["contains_pii"] is True
    assert "monthly_api_cost" not in inputs  # not given on the row: left out, not null
    assert uc1["input_checksum"] == hashlib.sha256(text["inputs"][0].encode()).hexdigest()
    horizon = result.ranking.row(by_predicate=pl.col("use_case_id") == "UC-01", named=True)
    assert uc1["net_savings"] == horizon[f"net_savings_{config.load()['money']['horizon_months']}m"]


def test_the_snapshot_takes_the_inputs_as_parsed_only():
    """The inputs recorded are the row's as parsed, never the ranking's filled-in columns (UC-01 gives
    no monthly_api_cost; the run prices it): a ranking scored without keep_inputs is refused."""
    from pipeline.run import score_files

    plain = score_files([SAMPLE], config.load(), detail=False)
    uc1 = plain.ranking.row(by_predicate=pl.col("use_case_id") == "UC-01", named=True)
    assert uc1["monthly_api_cost"] is not None  # filled in by the run
    with pytest.raises(ValueError, match="keep_inputs"):
        history.snapshot(plain.ranking, "emea", plain.config)


def test_the_inputs_json_is_the_same_text_made_a_few_rows_at_a_time(monkeypatch):
    """The recorded text is what the checksums of earlier runs were taken of: null values left out, the
    FIELDS order, the same whether made at once or ROWS_AT_ONCE rows at a time."""
    frame = pl.DataFrame({"monthly_calls": [100.0, None, 5.0], "use_case": ["A \"quoted\"", "B", None],
                          "model": [None, "gpt-4o", None], "not_a_field": [1, 2, 3]})
    whole = history.inputs_json(frame)
    monkeypatch.setattr(history, "ROWS_AT_ONCE", 2)
    assert history.inputs_json(frame).equals(whole) and whole.name == "inputs"
    assert whole.to_list() == ['{"use_case":"A \\"quoted\\"","monthly_calls":100.0}',
                               '{"use_case":"B","model":"gpt-4o"}', '{"monthly_calls":5.0}']
    assert history.inputs_json(frame.clear()).len() == 0
    assert history.inputs_json(frame.select("not_a_field")).to_list() == ["{}"] * 3  # no input given: one each


def test_the_inputs_json_is_the_text_polars_json_encoder_made_before(monkeypatch):
    """Earlier runs' checksums were taken of the whole row through polars' JSON encoder with the null
    keys cut out; the text made field by field is the same for every kind of value."""
    import math
    frame = pl.DataFrame({
        "use_case": ['q"uote\\back\nline\x01', "é€😀\u2028", None, "<&>", ""],
        "monthly_calls": [1e20, 1e-7, float("nan"), 0.1 + 0.2, -0.0],
        "input_tokens": [float("inf"), 123456789012345678.0, 5e-324, None, 1e15],
        "contains_pii": [True, False, None, True, None],
        "model": ['"model":null,', None, "gpt-4o", None, "x"],
    })
    monkeypatch.setattr(history, "ROWS_AT_ONCE", 2)
    names = [f for f in FIELDS if f in frame.columns]
    before = frame.select(pl.struct(names).struct.json_encode()
                          .str.replace_all(f'"(?:{"|".join(names)})":null,?', "").str.replace(r",}$", "}")).to_series()
    made = history.inputs_json(frame).to_list()
    assert made == before.to_list()
    rows = [json.loads(t) for t in made]
    assert "monthly_calls" not in rows[2] and "input_tokens" not in rows[0]  # NaN and inf: not given
    assert rows[0]["use_case"] == 'q"uote\\back\nline\x01' and rows[1]["contains_pii"] is False
    assert rows[4] == {"use_case": "", "monthly_calls": -0.0, "input_tokens": 1e15, "model": "x"}
    assert not any(math.isnan(v) for row in rows for v in row.values() if isinstance(v, float))


def test_the_ranking_carries_the_input_checksum_not_the_texts():
    """The texts are held aside (Result.inputs), compressed, once each: no scored frame carries them."""
    from pipeline.run import score_files

    for result in (_scored(), score_files([SAMPLE], config.load(), keep_inputs=True)):  # shown columns; all
        ranking = result.ranking
        assert "input_checksum" in ranking.columns and "__inputs" not in ranking.columns
        texts = [c for c, t in ranking.schema.items() if t == pl.String
                 and ranking.get_column(c).str.starts_with("{").any()]
        assert texts == []
        assert ranking.get_column("input_checksum").str.contains("^[0-9a-f]{64}$").all()
        assert isinstance(result.inputs, history.HeldInputs) and result.inputs.rows == 26  # every row as parsed
    assert score_files([SAMPLE], config.load()).inputs is None  # no history: nothing held


def test_the_held_inputs_are_the_rows_json_and_its_sha256_once_each_in_checksum_order(monkeypatch):
    """HeldInputs.of: each row's checksum is SHA-256 of its inputs_json, in row order; the texts are
    held once each (a repeated row once), in checksum order, and read back in slices or by checksum."""
    monkeypatch.setattr(history, "ROWS_AT_ONCE", 2)
    frame = pl.DataFrame({"use_case": ["A", "B", "A", "C", "D"], "monthly_calls": [1.0, 2.0, 1.0, None, 4.0]})
    checksums, held = history.HeldInputs.of(frame)
    texts = history.inputs_json(frame).to_list()
    assert checksums.name == "input_checksum"
    assert checksums.to_list() == [hashlib.sha256(t.encode()).hexdigest() for t in texts]
    expected = sorted({(hashlib.sha256(t.encode()).hexdigest(), t) for t in texts})
    parts = list(held.slices())
    assert held.rows == 4 and [p.height for p in parts] == [2, 2]
    assert [r for p in parts for r in p.iter_rows()] == expected
    among = pl.Series([expected[0][0], expected[3][0], "f" * 64]).sort()  # slices [0, 1] and [2, 3]
    assert [p.rows() for p in held.slices(among)] == [[expected[0]], [expected[3]]]
    assert [p.height for p in held.slices(pl.Series([], dtype=pl.String))] == [0, 0]
    wanted = pl.Series([expected[2][0], "0" * 64, None])
    assert held.texts(wanted).rows() == [expected[2]]
    assert held.texts(pl.Series([], dtype=pl.String)).schema == pl.Schema(history.TEXTS)


def test_a_run_records_the_texts_and_checksums_the_old_way_made(history_target, monkeypatch):
    """What a run records is what the inputs carried through scoring recorded before: for each scored
    row, inputs_json of its parsed row and SHA-256 of that text (computed here, on the parsed frame),
    each text once in row_inputs, no other."""
    from pipeline import run

    monkeypatch.setattr(history, "ROWS_AT_ONCE", 4)  # several row groups held, several batches sent
    cfg = config.load()
    _, parsed, _ = run.check_table(run.read_input(SAMPLE, cfg), cfg)
    old = parsed.select(run.ROW, history.inputs_json(parsed))
    old = old.with_columns(pl.Series("input_checksum", [hashlib.sha256(t.encode()).hexdigest() for t in old["inputs"]]))
    result = _scored()
    hist = history.RunHistory(history_target, 5)
    run_id = hist.record_result(result, "emea", 1, history.snapshot(result.ranking, "emea", result.config))
    hist.close()
    assert run_id is not None, hist.problem
    expected = result.ranking.select("use_case_id", run.ROW).join(old, on=run.ROW, how="left")
    stored = sql(history_target, f"SELECT use_case_id, input_checksum FROM use_cases WHERE run_id = {run_id}")
    assert sorted(stored) == sorted(expected.select("use_case_id", "input_checksum").iter_rows())
    assert sorted(sql(history_target, "SELECT input_checksum, inputs FROM row_inputs")) == sorted(
        set(expected.select("input_checksum", "inputs").iter_rows()))
    assert expected.height == 22 and len(set(expected["input_checksum"])) == 22


def test_the_input_checksum_changes_with_the_inputs_only(tmp_path):
    edited = tmp_path / "portfolio.csv"
    text = SAMPLE.read_text(encoding="utf-8")
    edited.write_text(text.replace("UC-02,Agent reply drafting,Customer Service,Dana Ruiz,general,internal,no,,"
                                   "gpt-4o-mini,400000", "UC-02,Agent reply drafting,Customer Service,Dana Ruiz,"
                                   "general,internal,no,,gpt-4o-mini,900000"), encoding="utf-8")
    before = history.snapshot(_scored().ranking, "p").select("use_case_id", "input_checksum")
    again = history.snapshot(_scored().ranking, "p").select("use_case_id", "input_checksum")
    after = history.snapshot(_scored(edited).ranking, "p").select("use_case_id", "input_checksum")
    assert before.equals(again)
    moved = before.join(after, on="use_case_id").filter(pl.col("input_checksum") != pl.col("input_checksum_right"))
    assert moved["use_case_id"].to_list() == ["UC-02"]


def test_portfolio_identity_from_the_inputs(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    assert history.portfolio_of([inbox / "emea.xlsx"]) == "emea"
    assert history.portfolio_of([inbox / "emea.csv"]) == "emea"  # the same portfolio, saved as CSV
    assert history.portfolio_of([tmp_path / "b" / "americas.csv", inbox / "emea.xlsx"]) == "americas+emea"
    assert history.portfolio_of([inbox]) == "inbox"


# -------------------------------------------------------------------------- recording, both backends

def _facts(result, portfolio: str, when: datetime, code: int = 1) -> RunFacts:
    facts = history.facts_of(result, portfolio, code)
    facts.started_at = when
    return facts


def test_record_and_read_back(history_target):
    result = _scored()
    snap = history.snapshot(result.ranking, "portfolio", result.config)
    day = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)
    h = History.open(history_target, 5)
    try:
        assert h.previous("portfolio") is None
        first = h.record(_facts(result, "portfolio", day), snap, result.inputs)
        second = h.record(_facts(result, "portfolio", day + timedelta(days=1), 0),
                          snap.with_columns(pl.col("monthly_api_cost") * 2), result.inputs)
        h.record(_facts(result, "other", day + timedelta(days=2)), snap.head(3), result.inputs)
        info, frame = h.previous("portfolio")
        assert (info.run_id, info.started_at, info.exit_code) == (second, day + timedelta(days=1), 0)
        assert info.rows == 26 and sum(info.counts.values()) == 22
        assert info.inputs == [[str(SAMPLE), hashlib.sha256(SAMPLE.read_bytes()).hexdigest()]]
        assert frame.schema == pl.Schema(SNAPSHOT_COLUMNS)
        assert frame.equals(snap.with_columns(pl.col("monthly_api_cost") * 2).sort("rank"))
        runs = h.runs("portfolio")
        assert runs["run_id"].to_list() == [first, second]
        assert runs.row(0, named=True)["Keep prompting"] == snap.filter(
            pl.col("recommendation") == "Keep prompting").height
        path = h.path("portfolio", "UC-01")
        expected = snap.filter(pl.col("use_case_id") == "UC-01")["monthly_api_cost"][0]
        assert path["monthly_api_cost"].to_list() == [expected, expected * 2]
        assert h.path("portfolio", "UC-99").is_empty()
        assert h.portfolios() == ["other", "portfolio"]
        assert h.prune(1, now=day + timedelta(days=2, hours=1)) == 2  # the first two runs are older than a day
        assert h.runs("portfolio").is_empty() and h.previous("other")[1].height == 3
    finally:
        h.close()


@contextmanager
def _one_run_recorded(target: str) -> Iterator[tuple[History, pl.DataFrame]]:
    """The sample's run recorded in the history at target: (the open history, the run's snapshot)."""
    result = _scored()
    snap = history.snapshot(result.ranking, "portfolio", result.config)
    h = History.open(target, 5)
    try:
        h.record(_facts(result, "portfolio", datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)), snap, result.inputs)
        yield h, snap
    finally:
        h.close()


def test_a_run_moves_in_batches_and_reads_back_whole(history_target, monkeypatch):
    """Rows go to and come from the history ROWS_AT_ONCE at a time (big runs: Python objects for a few
    rows at once, not all): a run of 22 use cases in batches of 4 reads back row for row."""
    monkeypatch.setattr(history, "ROWS_AT_ONCE", 4)
    with _one_run_recorded(history_target) as (h, snap):
        _, frame = h.previous("portfolio")
        assert snap.height == 22 and frame.equals(snap.sort("rank"))
        assert sql(history_target, "SELECT COUNT(*) FROM row_inputs")[0][0] == snap["input_checksum"].n_unique()


def test_only_the_changed_use_cases_inputs_are_read_back(history_target, monkeypatch):
    """previous() reads no input text; the Changes sheet looks up the inputs of the use cases whose
    checksum moved only: this run's from its held texts, the previous run's from the history (in
    queries of CHECKSUMS_AT_ONCE)."""
    monkeypatch.setattr(history, "CHECKSUMS_AT_ONCE", 2)
    with _one_run_recorded(history_target) as (h, snap):
        read: list[list[str]] = []
        inputs = h.inputs
        monkeypatch.setattr(h, "inputs", lambda checksums: read.append(checksums.to_list()) or inputs(checksums))
        _, frame = h.previous("portfolio")
        assert frame.equals(snap.sort("rank")) and read == []
        texts = h.inputs(frame.get_column("input_checksum").head(5))
        assert texts.height == 5 and set(texts.columns) == {"input_checksum", "inputs"}
        for text, checksum in zip(texts["inputs"], texts["input_checksum"]):
            assert hashlib.sha256(text.encode()).hexdigest() == checksum

    run = history.RunHistory(history_target, 5)
    asked: list[list[str]] = []
    monkeypatch.setattr(History, "inputs", lambda self, checksums, _inputs=History.inputs:
                        asked.append(checksums.to_list()) or _inputs(self, checksums))
    three = snap.get_column("input_checksum").head(3)
    held = history.HeldInputs.hold(pl.DataFrame(schema=history.TEXTS))  # a run that holds none of them
    assert run.inputs(three, _scored().inputs).height == 3 and asked == []  # the run's own: not read
    found = run.inputs(three, held)
    assert sorted(found["input_checksum"]) == sorted(three) and all(
        hashlib.sha256(t.encode()).hexdigest() == c for c, t in found.iter_rows())
    assert sorted(asked[0]) == sorted(three.to_list())
    run.close()


def test_each_score_run_that_writes_is_recorded(tmp_path, history_target):
    out = tmp_path / "scored.xlsx"
    for _ in range(2):
        done = run_cli("score", SAMPLE, "-o", out, "--history", history_target, "--json")
        assert done.code == 1  # the sample has rows with errors
        job = json.loads(done.stdout)["jobs"][0]
        assert (job["history"], job["portfolio"]) == ("ok", "portfolio")
    runs = _runs(history_target)
    assert len(runs) == 2
    counts = _ranking_counts(out)
    assert {k: v for k, v in runs[-1].items() if k in counts} == counts
    assert all(r["rows"] == 26 and r["exit_code"] == 1 for r in runs)
    scored = sum(counts.values())
    assert sql(history_target, "SELECT count(*) FROM use_cases") == [(2 * scored,)]
    kept = sql(history_target, "SELECT count(*) FROM row_inputs")[0][0]  # each row's inputs once, not once a run
    assert kept == sql(history_target, "SELECT count(DISTINCT input_checksum) FROM use_cases")[0][0] <= scored
    failed = run_cli("score", tmp_path / "missing.csv", "-o", tmp_path / "x.xlsx", "--history", history_target)
    assert failed.code == 3 and len(_runs(history_target)) == 2  # nothing written: nothing recorded


def test_two_concurrent_runs_both_land(tmp_path, history_target):
    pause = {history.PAUSE_ENV: "1.5"}
    procs = [_cli("score", SAMPLE, "-o", tmp_path / f"{n}.xlsx", "--history", history_target, "--portfolio", "p",
                  env=pause) for n in ("a", "b")]
    for p in procs:
        out, err = p.communicate(timeout=180)
        assert p.returncode == 1, err
        assert "recording paused" in err and "not recorded" not in err
    runs = _runs(history_target, "p")
    assert len(runs) == 2 and runs[0]["run_id"] != runs[1]["run_id"]
    scored = sum(n for k, n in runs[0].items() if k in config.RECOMMENDATIONS)  # each run's use cases, none lost or mixed
    assert sql(history_target, "SELECT run_id, count(*) FROM use_cases GROUP BY run_id ORDER BY run_id") == \
        sorted((r["run_id"], scored) for r in runs)


def test_kill_9_while_recording_keeps_the_earlier_runs(tmp_path, history_target):
    assert run_cli("score", SAMPLE, "-o", tmp_path / "a.xlsx", "--history", history_target).code == 1
    proc = _cli("score", SAMPLE, "-o", tmp_path / "b.xlsx", "--history", history_target,
                env={history.PAUSE_ENV: "120"})
    line = proc.stderr.readline()
    while line and "recording paused" not in line:
        line = proc.stderr.readline()
    assert "recording paused" in line
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    proc.stdout.close()
    proc.stderr.close()
    assert len(_runs(history_target)) == 1  # the run in flight is not there; the earlier one is
    assert run_cli("score", SAMPLE, "-o", tmp_path / "c.xlsx", "--history", history_target).code == 1
    assert [r["run_id"] for r in _runs(history_target)][0] == 1 and len(_runs(history_target)) == 2


def test_a_newer_history_is_refused_and_the_workbook_written(tmp_path, history_target):
    assert run_cli("score", SAMPLE, "-o", tmp_path / "a.xlsx", "--history", history_target).code == 1
    if history_target.startswith("postgresql"):
        sql(history_target, "UPDATE ftscore_meta SET value = '99' WHERE key = 'schema_version'")
    else:
        sql(history_target, "PRAGMA user_version = 99")
    out = tmp_path / "b.xlsx"
    done = run_cli("score", SAMPLE, "-o", out, "--history", history_target, "--json")
    assert done.code == 1  # the run's own code
    assert "Ranking" in openpyxl.load_workbook(out, read_only=True).sheetnames
    lines = [ln for ln in done.stderr.splitlines() if ln.startswith("ftscore: ")]
    assert len(lines) == 1 and "newer ftscore (schema version 99" in lines[0], done.stderr
    assert "newer ftscore" in json.loads(done.stdout)["jobs"][0]["history"]
    shown = run_cli("history", "--history", history_target)
    assert shown.code == 3 and "newer ftscore" in shown.stderr


def test_a_damaged_history_is_left_alone_and_the_workbook_written(tmp_path):
    target = tmp_path / "ftscore-history.sqlite"
    junk = b"this is not a database, but a file that happens to be here\n" * 100
    target.write_bytes(junk)
    out = tmp_path / "scored.xlsx"
    done = run_cli("score", SAMPLE, "-o", out, "--json")  # the default history: beside the output
    assert done.code == 1
    assert _ranking_counts(out)
    job = json.loads(done.stdout)["jobs"][0]
    assert job["history"].startswith(f"the history {target} is damaged or not an SQLite file")
    assert done.stderr.count("not recorded in the history") == 1
    assert target.read_bytes() == junk  # never rewritten
    shown = run_cli("history", "--history", target)
    assert shown.code == 3 and "damaged" in shown.stderr


def test_a_locked_history_waits_its_timeout_then_the_workbook_is_written(tmp_path):
    target = tmp_path / "h.sqlite"
    assert run_cli("score", SAMPLE, "-o", tmp_path / "a.xlsx", "--history", target).code == 1
    cfg = tmp_path / "fast.toml"
    cfg.write_text("[history]\nbusy_timeout_s = 0.5\n", encoding="utf-8")
    holder = sqlite3.connect(target, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        t = time.monotonic()
        done = run_cli("score", SAMPLE, "-o", tmp_path / "b.xlsx", "--history", target, "--config", cfg, "--json")
        assert done.code == 1 and (tmp_path / "b.xlsx").exists()
        assert "locked by another run past its busy timeout (0.5 s" in json.loads(done.stdout)["jobs"][0]["history"]
        assert time.monotonic() - t < 60
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert len(_runs(str(target))) == 1


def test_history_off_and_env_and_config(tmp_path, monkeypatch):
    done = run_cli("score", SAMPLE, "-o", tmp_path / "a.xlsx", "--history", "off", "--json")
    assert json.loads(done.stdout)["jobs"][0]["history"] == "off"
    assert not (tmp_path / history.DEFAULT_NAME).exists()
    cfg = tmp_path / "h.toml"
    cfg.write_text(f'[history]\npath = "{tmp_path / "from-config.sqlite"}"\n', encoding="utf-8")
    assert run_cli("score", SAMPLE, "-o", tmp_path / "b.xlsx", "--config", cfg).code == 1
    assert len(_runs(str(tmp_path / "from-config.sqlite"))) == 1
    monkeypatch.setenv("FTSCORE_SCORE_HISTORY", str(tmp_path / "from-env.sqlite"))
    monkeypatch.setenv("FTSCORE_SCORE_PORTFOLIO", "emea")
    assert run_cli("score", SAMPLE, "-o", tmp_path / "c.xlsx").code == 1
    assert len(_runs(str(tmp_path / "from-env.sqlite"), "emea")) == 1
    assert not (tmp_path / history.DEFAULT_NAME).exists()


def test_where_the_history_is(tmp_path, monkeypatch):
    """One rule (history.target_for) for score and `ftscore history`: --history, else history.path;
    "" is ftscore-history.sqlite in the output's folder (score) or the current folder (history)."""
    shipped, off = config.load(), config.load()
    off["history"]["path"] = "off"
    assert history.target_for(None, shipped, tmp_path) == str(tmp_path / "ftscore-history.sqlite")
    assert history.target_for("x.sqlite", off, tmp_path) == "x.sqlite"
    assert history.target_for(None, off, tmp_path) is None and history.target_for("off", shipped, tmp_path) is None
    assert history.target_for(None, shipped, None) is None  # no output: nothing recorded
    out = tmp_path / "scored"
    assert run_cli("score", SAMPLE, "-o", out / "a.xlsx").code == 1
    assert (out / "ftscore-history.sqlite").exists()
    monkeypatch.chdir(out)
    shown = run_cli("history", "--json")
    assert shown.code == 0, shown.stderr
    assert len(json.loads(shown.stdout)["runs"]) == 1


def test_out_dir_records_each_input_as_its_portfolio(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for name in ("emea", "americas"):
        (inbox / f"{name}.csv").write_bytes(SAMPLE.read_bytes())
    out = tmp_path / "scored"
    assert run_cli("score", inbox, "--out-dir", out).code == 1
    assert run_cli("score", inbox, "--out-dir", out, "--merge").code == 1
    h = History.open(out / history.DEFAULT_NAME, 5, create=False)
    assert h.portfolios() == ["americas", "emea", "inbox"]
    h.close()
    refused = run_cli("score", inbox, "--out-dir", out, "--portfolio", "x")
    assert refused.code == 2 and "--merge" in refused.stderr


def test_the_schema_migrates_in_order_and_keeps_the_runs(tmp_path, monkeypatch):
    target = tmp_path / "h.sqlite"
    assert run_cli("score", SAMPLE, "-o", tmp_path / "a.xlsx", "--history", target).code == 1
    assert sql(str(target), "PRAGMA user_version") == [(1,)]

    def v2(dialect: str) -> list[str]:
        return ["ALTER TABLE runs ADD COLUMN host TEXT"]

    monkeypatch.setattr(history, "MIGRATIONS", [*history.MIGRATIONS, v2])
    monkeypatch.setattr(history, "SCHEMA_VERSION", 2)
    h = History.open(target, 5)
    assert len(h.runs("portfolio")) == 1
    h.close()
    assert sql(str(target), "PRAGMA user_version") == [(2,)]
    assert "host" in [r[1] for r in sql(str(target), "PRAGMA table_info(runs)")]


def test_a_database_of_other_tables_is_not_taken_over(tmp_path):
    target = tmp_path / "theirs.sqlite"
    sql(str(target), "CREATE TABLE runs (id INTEGER)")
    with pytest.raises(HistoryProblem, match="not an ftscore history"):
        History.open(target, 5)


def test_postgres_without_the_extra_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sqlalchemy", None)
    with pytest.raises(HistoryProblem, match=r"pip install 'ftscore\[postgres\]'") as caught:
        History.open("postgresql://nobody@127.0.0.1/none", 1)
    assert caught.value.exit_code == 2


# --------------------------------------------------------------------------- ftscore history

@pytest.fixture
def thirty_nights(tmp_path) -> tuple[Path, list[datetime], list[float]]:
    """A history of 30 nightly runs of the sample, one a day at 02:00 UTC up to last night; UC-01's
    monthly API cost grows by $100 a night."""
    result = _scored()
    snap = history.snapshot(result.ranking, "portfolio", result.config)
    last = (datetime.now(timezone.utc) - timedelta(days=1)).replace(hour=2, minute=0, second=0, microsecond=0)
    nights = [last - timedelta(days=29 - i) for i in range(30)]
    base = snap.filter(pl.col("use_case_id") == "UC-01")["monthly_api_cost"][0]
    spends = [base + 100 * i for i in range(30)]
    target = tmp_path / history.DEFAULT_NAME
    h = History.open(target, 5)
    for night, spend in zip(nights, spends):
        h.record(_facts(result, "portfolio", night), snap.with_columns(
            pl.when(pl.col("use_case_id") == "UC-01").then(spend).otherwise(pl.col("monthly_api_cost"))
            .alias("monthly_api_cost")), result.inputs)
    h.close()
    return target, nights, spends


def test_history_lists_thirty_nights(thirty_nights):
    target, nights, _ = thirty_nights
    done = run_cli("history", "--history", target)
    assert done.code == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"portfolio 'portfolio' in {target}: 30 runs"
    assert lines[1].split()[:5] == ["DATE", "(UTC)", "RUN", "ROWS", "Fine-tune"] and lines[1].endswith("EXIT")
    rows = lines[2:]
    assert [r[:16] for r in rows] == [n.strftime("%Y-%m-%d %H:%M") for n in nights]
    assert all(r.split()[3] == "26" and r.split()[-1] == "1" for r in rows)


def test_history_shows_one_use_cases_path(thirty_nights):
    target, nights, spends = thirty_nights
    done = run_cli("history", "--history", target, "--id", "UC-01")
    assert done.code == 0, done.stderr
    rows = done.stdout.splitlines()[2:]
    assert len(rows) == 30
    assert [r.split()[0] for r in rows] == [n.strftime("%Y-%m-%d") for n in nights]
    assert [r.split()[-3] for r in rows] == [f"${s:,.0f}" for s in spends]
    as_json = json.loads(run_cli("history", "--history", target, "--id", "UC-01", "--json").stdout)
    assert [p["monthly_api_cost"] for p in as_json["path"]] == pytest.approx(spends)
    assert {p["recommendation"] for p in as_json["path"]} <= set(config.RECOMMENDATIONS)


def test_a_rerun_sends_no_input_text_the_history_holds_unless_its_run_is_gone(history_target, monkeypatch):
    """The previous run's inputs are in the history while that run is: a rerun of the same inputs
    sends none of their texts again. When the run was pruned between reading it and recording (its
    texts with it), the texts are sent: every use case of every run keeps its inputs."""
    sent = []
    for kind in (history._SQLite, history._Postgres):
        def spy(self, table, names, rows, tail="", _many=kind.many):
            if table == "row_inputs":
                sent.append(len(rows))
            return _many(self, table, names, rows, tail)
        monkeypatch.setattr(kind, "many", spy)
    scored = _scored()
    frame = history.snapshot(scored.ranking, "emea", scored.config)
    texts = frame.get_column("input_checksum").drop_nulls().n_unique()

    def rerun(between=None) -> int:
        sent.clear()
        hist = history.RunHistory(history_target, 5)
        hist.previous("emea")
        if between:
            between()
        run_id = hist.record_result(scored, "emea", 0, frame)
        hist.close()
        assert run_id is not None, hist.problem
        return sum(sent)

    assert rerun() == texts and texts > 20  # the first run: no previous run
    assert rerun() == 0
    gone = "DELETE FROM runs; DELETE FROM use_cases; DELETE FROM row_inputs"
    assert rerun(lambda: [sql(history_target, q) for q in gone.split("; ")]) == texts
    missing = sql(history_target, "SELECT count(*) FROM use_cases u LEFT JOIN row_inputs r "
                                  "ON r.input_checksum = u.input_checksum "
                                  "WHERE u.input_checksum IS NOT NULL AND r.input_checksum IS NULL")
    assert missing == [(0,)]


def test_a_runs_use_cases_are_stored_in_the_order_they_are_read_back_by(tmp_path):
    """previous() reads a run's use cases through the index (run, use case): stored in that order they
    lie one after the other in the file (1,000,000 rows: read 2 s faster, recorded 3 s faster)."""
    scored = _scored()
    target = str(tmp_path / "h.sqlite")
    hist = history.RunHistory(target, 5)
    assert hist.record_result(scored, "emea", 0, history.snapshot(scored.ranking, "emea", scored.config))
    hist.close()
    stored = [r[0] for r in sql(target, "SELECT use_case_id FROM use_cases ORDER BY rowid")]
    assert len(stored) == scored.ranking.height > 20
    assert stored == sorted(stored) and stored != scored.ranking.get_column("use_case_id").to_list()


def test_history_prune_and_errors(thirty_nights, tmp_path):
    target, nights, _ = thirty_nights
    older = sum(n < datetime.now(timezone.utc) - timedelta(days=10) for n in nights)
    assert 19 <= older <= 21  # yesterday 02:00 is one to two days ago
    done = run_cli("history", "--history", target, "--prune", "10", "--json")
    assert done.code == 0 and json.loads(done.stdout)["pruned_runs"] == older
    assert len(_runs(str(target))) == 30 - older
    assert run_cli("history", "--history", target, "--id", "UC-99").code == 2
    assert run_cli("history", "--history", target, "--portfolio", "nope").code == 2
    missing = run_cli("history", "--history", tmp_path / "none.sqlite")
    assert missing.code == 2 and "no history at" in missing.stderr and not (tmp_path / "none.sqlite").exists()
    assert run_cli("history", "--history", "off").code == 2


def test_the_run_history_reports_a_problem_and_never_raises(tmp_path, monkeypatch):
    """What the Changes sheet reads (issue 13, H6): previous() is None and problem says why."""
    damaged = tmp_path / "damaged.sqlite"
    damaged.write_bytes(b"\x00garbage" * 500)
    hist = history.RunHistory(str(damaged), 1)
    assert hist.previous("portfolio") is None and "damaged or not an SQLite file" in hist.problem
    scored = _scored()
    frame = history.snapshot(scored.ranking, "portfolio", scored.config)
    assert hist.status == hist.problem and hist.record_result(scored, "portfolio", 1, frame) is None
    fresh = history.RunHistory(str(tmp_path / "new.sqlite"), 1)
    assert fresh.previous("portfolio") is None and fresh.problem is None and fresh.status == "ok"
    fresh.close()
    assert history.RunHistory(None, 1).status == "off"

    def broken(*args, **kwargs):
        raise ValueError("a bug while taking the snapshot")

    monkeypatch.setattr(history, "snapshot", broken)
    out = tmp_path / "scored.xlsx"
    done = run_cli("score", SAMPLE, "-o", out, "--history", tmp_path / "h.sqlite", "--json")
    assert done.code == 1 and _ranking_counts(out)
    assert "ValueError: a bug while taking the snapshot" in json.loads(done.stdout)["jobs"][0]["history"]
