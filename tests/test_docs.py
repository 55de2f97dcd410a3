"""The documentation says what the code does: README.md's environment table and docs/cli.md."""

from __future__ import annotations

import re
import sys

from conftest import ROOT, env_var_names


# ------------------ was test_env.py

def readme_env_names() -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = re.search(r"^### Environment variables\n(.*?)(?=^#)", text, re.S | re.M)
    assert section, "README.md has no '### Environment variables' section"
    return {n for n in re.findall(r"\bFTSCORE_[A-Z0-9_]+", section.group(1)) if not n.endswith("_")}


def test_the_readme_lists_exactly_the_variables_the_commands_read():
    assert readme_env_names() == set(env_var_names()) | {"FTSCORE_DEBUG"}


# ------------------ was test_workbook.py

def test_cli_reference_is_in_step_with_the_code() -> None:
    sys.path.insert(0, str(ROOT / "docs"))
    try:
        from generate_cli_md import render
    finally:
        sys.path.pop(0)
    assert (ROOT / "docs" / "cli.md").read_text() == render(), "docs/cli.md is stale: run `make docs`"
