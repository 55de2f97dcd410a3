"""Headless LibreOffice for the tests that open ftscore's workbooks in a second spreadsheet program.

Needs `soffice` (Debian: libreoffice-calc-nogui). In CI (CI set) a missing soffice is a failure,
since .ci/run installs it; on a developer machine the tests are skipped with the install command.
Shared by test_libreoffice.py and test_hostile_output.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

TIMEOUT_S = 120

CI_MESSAGE = "LibreOffice is required in CI: .ci/run installs libreoffice-calc-nogui"
LOCAL_MESSAGE = (
    "LibreOffice (soffice) not on PATH: the LibreOffice round-trip tests did NOT run. Install it with "
    "`sudo apt-get install --no-install-recommends libreoffice-calc-nogui` (Debian/Ubuntu), "
    "`brew install --cask libreoffice` (macOS, then put soffice on PATH), or see libreoffice.org"
)


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_soffice(soffice: str | None) -> str:
    if soffice:
        return soffice
    if in_ci():
        pytest.fail(CI_MESSAGE, pytrace=False)
    pytest.skip(LOCAL_MESSAGE)


def convert(soffice: str, target: str, src: Path, outdir: Path) -> None:
    """One headless conversion with its own profile; the whole process group dies on timeout."""
    cmd = [soffice, "--headless", "--norestore", "--nolockcheck",
           f"-env:UserInstallation={(outdir / 'lo-profile').as_uri()}",
           "--convert-to", target, "--outdir", str(outdir), str(src)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"soffice --convert-to {target} took over {TIMEOUT_S} s:\n{out.decode(errors='replace')}",
                    pytrace=False)
    assert proc.returncode == 0, f"soffice --convert-to {target} exited {proc.returncode}:\n{out.decode(errors='replace')}"
