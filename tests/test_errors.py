"""pipeline/errors.py: every error carries its exit code, and is still importable where it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_cli, write_csv
from pipeline import errors


@pytest.mark.parametrize("where, name, code", [
    ("pipeline.read", "ReadError", 3), ("pipeline.read", "NotAPortfolio", 3), ("pipeline.config", "ConfigError", 2),
    ("pipeline.validate", "ContractBroken", 4), ("pipeline.lock", "LockBusy", 5),
    ("pipeline.atomic", "OutputError", 6), ("pipeline.lock", "LockRefused", 6), ("pipeline.explain", "NotFound", 2),
])
def test_each_error_carries_its_exit_code_and_keeps_its_old_name(where: str, name: str, code: int) -> None:
    import importlib

    cls = getattr(importlib.import_module(where), name)
    assert issubclass(cls, errors.FtscoreError) and cls.exit_code == code
    if hasattr(errors, name):
        assert cls is getattr(errors, name)


def test_the_exit_codes_match_the_help() -> None:
    from pipeline.cli import EXIT_CODES_HELP

    for cls in (errors.ConfigError, errors.ReadError, errors.ContractBroken, errors.LockBusy, errors.OutputError):
        assert f"\n  {cls.exit_code}  " in EXIT_CODES_HELP
    assert errors.Interrupted("SIGTERM").exit_code == 143 and errors.Interrupted("SIGINT").code == 130


def test_lines_of_the_errors_that_say_more_than_their_text() -> None:
    assert errors.NotFound("no use case with id 'X'").line() == "no use case with id 'X"
    broken = errors.ContractBroken("rank 3 twice\nthe whole frame")
    assert broken.line() == "internal check failed: rank 3 twice\nthe whole frame"
    assert broken.line(writes=True) == "internal check failed, nothing written: rank 3 twice"


def test_a_config_error_is_one_line_and_exit_2_in_every_command(tmp: Path) -> None:
    bad = tmp / "bad.toml"
    bad.write_text("[weights\n", encoding="utf-8")
    src = write_csv(tmp / "ok.csv", ["Use Case"], [["A"]])
    for args in (("score", src, "-o", tmp / "x.xlsx"), ("validate", src), ("columns", src),
                 ("explain", src, "--id", "row 2"), ("template", "-o", tmp / "t.xlsx")):
        run = run_cli(*args, "--config", bad)
        assert run.code == 2 and run.stderr.startswith("ftscore: error: "), (args, run.stderr)
        assert "Traceback" not in run.stderr
