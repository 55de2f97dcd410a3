"""Start-up: a plain score run imports only what it uses (bench target: the 25-row sample in under 1.5 s,
start-up included; every import of a module some runs need is paid by every run)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "portfolio.xlsx"

# Modules only some runs need: the price catalog's network updater (never started), the PostgreSQL
# history (--history postgresql://...), openpyxl (a test and template reader; the run writes with xlsxwriter).
NOT_IMPORTED = ("genai_prices.update_prices", "httpx", "asyncio", "sqlalchemy", "psycopg", "openpyxl")

RUN = """
import json, sys
sys.argv = ["ftscore", "score", sys.argv[1], "-o", sys.argv[2], "--quiet"]
from pipeline.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
loaded = [name for name in {names} if name in sys.modules]
import genai_prices
updater = genai_prices.wait_prices_updated_sync(timeout=0)  # the real updater, loaded on first use
print(json.dumps({{"code": code, "loaded": loaded, "updater": updater,
                  "after": "genai_prices.update_prices" in sys.modules}}))
"""


def test_a_score_run_imports_no_module_only_some_runs_need(tmp_path):
    out = tmp_path / "scored.xlsx"
    done = subprocess.run([sys.executable, "-c", RUN.format(names=NOT_IMPORTED), str(SAMPLE), str(out)],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 1  # the sample's rows with errors; the workbook is written
    assert out.exists()
    # pandas in the environment: pandera imports it and typeguard, whose unittest.mock imports asyncio (the
    # project's .venv has none; make bench keeps the naive pipeline's pandas in .venv-naive)
    assert report["loaded"] == [], "imported by this run (is pandas installed in this environment?)"
    # the package's updater names still work: they import the real updater when called
    assert report["updater"] is False and report["after"] is True


def test_the_command_leaves_every_output_whole(tmp_path):
    """ftscore (python -m pipeline) leaves without tearing the interpreter down: its exit code, the
    whole JSON report, the workbook and the recorded history are all there."""
    import sqlite3

    from openpyxl import load_workbook

    from pipeline.history import DEFAULT_NAME

    out = tmp_path / "scored.xlsx"
    done = subprocess.run([sys.executable, "-m", "pipeline", "score", str(SAMPLE), "-o", str(out), "--json"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert done.returncode == 1, done.stderr  # the sample's rows with errors
    report = json.loads(done.stdout)
    assert report["exit_code"] == 1
    assert "Portfolio" in load_workbook(out, read_only=True).sheetnames
    with sqlite3.connect(tmp_path / DEFAULT_NAME) as db:
        assert db.execute("select count(*) from runs").fetchone() == (1,)
    bad = subprocess.run([sys.executable, "-m", "pipeline", "no-such-command"], capture_output=True, text=True,
                         cwd=tmp_path, timeout=300)
    assert bad.returncode == 2 and "No such command" in bad.stderr


ALLOCATOR_SEEN = """
import atexit, os, sys
sys.argv = ["ftscore", "--version"]
atexit.register(lambda: print("conf:", os.environ.get("_RJEM_MALLOC_CONF"), "polars:", "polars" in sys.modules))
from pipeline.cli import script
script()
"""


def test_the_command_sets_polars_allocator_before_polars_loads_and_keeps_the_users(tmp_path):
    from pipeline.cli import ALLOCATOR

    env = {k: v for k, v in os.environ.items() if k != ALLOCATOR[0]}
    ours = subprocess.run([sys.executable, "-c", ALLOCATOR_SEEN], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=300)
    assert ours.returncode == 0, ours.stderr
    assert f"conf: {ALLOCATOR[1]} polars: False" in ours.stdout  # set before polars is imported
    theirs = subprocess.run([sys.executable, "-c", ALLOCATOR_SEEN], capture_output=True, text=True,
                            env={**env, ALLOCATOR[0]: "narenas:2"}, cwd=tmp_path, timeout=300)
    assert "conf: narenas:2 " in theirs.stdout
