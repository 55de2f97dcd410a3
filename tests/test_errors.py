"""pipeline/errors.py: every error carries its exit code, and is still importable where it was."""

from __future__ import annotations

import pytest

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


def test_lines_of_the_errors_that_say_more_than_their_text() -> None:
    assert errors.NotFound("no use case with id 'X'").line() == "no use case with id 'X"
    broken = errors.ContractBroken("rank 3 twice\nthe whole frame")
    assert broken.line() == "internal check failed: rank 3 twice\nthe whole frame"
    assert broken.line(writes=True) == "internal check failed, nothing written: rank 3 twice"
