"""Environment variables (issue 10, point 9): each option's variable is
FTSCORE_<COMMAND>_<LONG OPTION NAME, - as _>, whatever the Python parameter is called,
and README.md lists exactly those."""

from __future__ import annotations

import json
import re

import click
import openpyxl
from click.testing import CliRunner

from conftest import ROOT, write_csv
from pipeline.cli import cli

HEADERS = ["use_case_id", "use_case", "monthly_api_cost", "latency_class"]


def derived() -> dict[str, tuple[str, click.Option]]:
    """FTSCORE_<COMMAND>_<OPTION> for every long option of every command, from click itself."""
    names = {}
    for command_name, command in cli.commands.items():
        for param in command.params:
            if not isinstance(param, click.Option):
                continue
            longs = [o for o in param.opts if o.startswith("--")]
            assert longs, f"{command_name}: option {param.opts} has no long name"
            name = f"FTSCORE_{command_name.upper()}_{longs[0][2:].upper().replace('-', '_')}"
            names[name] = (command_name, param)
    return names


def invoke(args, env, cwd=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def test_every_option_reads_the_variable_named_after_its_long_option():
    names = derived()
    assert "FTSCORE_SCORE_CONFIG" in names and "FTSCORE_SCORE_STABILITY" in names
    for name, (command_name, param) in names.items():
        assert param.envvar == name, f"ftscore {command_name} {param.opts}: reads {param.envvar!r}, not {name}"


def test_config_from_the_environment_is_used(tmp_path):
    src = write_csv(tmp_path / "in.csv", HEADERS, [["UC-1", "Triage", 12000, "quick"]])
    bad = tmp_path / "ftscore.toml"
    bad.write_text("[weights]\nprivacy = 'high'\n")
    run = invoke(["score", src, "-o", tmp_path / "a.xlsx"], {"FTSCORE_SCORE_CONFIG": str(bad)})
    assert run.exit_code == 2
    assert "privacy" in run.stderr
    good = tmp_path / "good.toml"
    good.write_text("[money]\nhorizon_months = 36\n")
    run = invoke(["score", src, "-o", tmp_path / "b.xlsx"], {"FTSCORE_SCORE_CONFIG": str(good)})
    assert run.exit_code == 0, run.stderr
    wb = openpyxl.load_workbook(tmp_path / "b.xlsx", read_only=True)
    cells = [v for row in wb["Assumptions"].iter_rows(values_only=True) for v in row]
    assert str(good) in [str(v) for v in cells if v is not None] or 36 in cells


def test_stability_format_and_json_from_the_environment(tmp_path, monkeypatch):
    src = write_csv(tmp_path / "in.csv", HEADERS, [["UC-1", "Triage", 12000, "quick"], ["UC-2", "Search", 800, "batch"]])
    monkeypatch.chdir(tmp_path)
    run = invoke(["score", src], {"FTSCORE_SCORE_STABILITY": "50", "FTSCORE_SCORE_JSON": "1"})
    assert run.exit_code == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["jobs"][0]["output"] == "in-scored.xlsx"
    wb = openpyxl.load_workbook(tmp_path / "in-scored.xlsx", read_only=True)
    header = next(wb["Ranking"].iter_rows(values_only=True))
    assert "P top10" in header and "P same decision" in header
    run = invoke(["score", src], {"FTSCORE_SCORE_FORMAT": "csv", "FTSCORE_SCORE_QUIET": "true"})
    assert run.exit_code == 0, run.stderr
    assert run.stderr == ""
    assert (tmp_path / "in-scored.csv").read_text().startswith("use_case_id,use_case,")


def test_the_old_parameter_names_are_not_read(tmp_path, monkeypatch):
    src = write_csv(tmp_path / "in.csv", HEADERS, [["UC-1", "Triage", 12000, "quick"]])
    monkeypatch.chdir(tmp_path)
    run = invoke(["score", src], {"FTSCORE_SCORE_AS_JSON": "1", "FTSCORE_SCORE_KIND": "csv"})
    assert run.exit_code == 0
    assert run.stdout == ""
    assert (tmp_path / "in-scored.xlsx").exists()


def readme_env_names() -> set[str]:
    text = (ROOT / "README.md").read_text()
    section = re.search(r"^### Environment variables\n(.*?)(?=^#)", text, re.S | re.M)
    assert section, "README.md has no '### Environment variables' section"
    return {n for n in re.findall(r"\bFTSCORE_[A-Z0-9_]+", section.group(1)) if not n.endswith("_")}


def test_the_readme_lists_exactly_the_variables_the_commands_read():
    assert readme_env_names() == set(derived()) | {"FTSCORE_DEBUG"}
