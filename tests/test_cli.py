"""The command line as a user sees it: options, --help, environment variables, exit codes, and the
columns, validate, explain and template commands seen from the shell.

Values inside the workbook are tested where they are made (test_end_to_end.py, test_workbook.py, ...).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from conftest import BAD_HEADERS, BAD_ROWS, DATA, SAMPLES, by_id, env_var_names, run_cli, sheet_rows, write_csv, write_xlsx
from pipeline import errors
from pipeline.cli import cli

HEADERS = ["use_case_id", "use_case", "monthly_api_cost", "latency_class"]


# ------------------ environment variables: FTSCORE_<COMMAND>_<LONG OPTION> (issue 10, point 9; was test_env.py)

def invoke(args, env, cwd=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def test_every_option_reads_the_variable_named_after_its_long_option():
    names = env_var_names()
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


# ------------------ exit codes and one-line errors in every command (was test_errors.py)

def test_the_exit_codes_match_the_help() -> None:
    from pipeline.cli import EXIT_CODES_HELP

    for cls in (errors.ConfigError, errors.ReadError, errors.ContractBroken, errors.LockBusy, errors.OutputError):
        assert f"\n  {cls.exit_code}  " in EXIT_CODES_HELP
    assert errors.Interrupted("SIGTERM").exit_code == 143 and errors.Interrupted("SIGINT").code == 130


def test_a_config_error_is_one_line_and_exit_2_in_every_command(tmp: Path) -> None:
    bad = tmp / "bad.toml"
    bad.write_text("[weights\n", encoding="utf-8")
    src = write_csv(tmp / "ok.csv", ["Use Case"], [["A"]])
    for args in (("score", src, "-o", tmp / "x.xlsx"), ("validate", src), ("columns", src),
                 ("explain", src, "--id", "row 2"), ("template", "-o", tmp / "t.xlsx")):
        run = run_cli(*args, "--config", bad)
        assert run.code == 2 and run.stderr.startswith("ftscore: error: "), (args, run.stderr)
        assert "Traceback" not in run.stderr


# ------------------ --help, --version, python -m pipeline, exit codes 2, 3 and 4 (was test_end_to_end.py)

def test_help_teaches_and_version(tmp: Path) -> None:
    run = run_cli("score", "--help")
    assert "Example:" in run.stdout and "Exit codes:" in run.stdout
    assert "ftscore score samples/portfolio.xlsx" in run.stdout
    assert run_cli("--version").stdout.startswith("ftscore, version ")


def test_python_dash_m_pipeline(tmp: Path) -> None:
    src = write_csv(tmp / "ok.csv", ["Use Case"], [["A"]])
    proc = subprocess.run([sys.executable, "-m", "pipeline", "score", str(src), "-o", str(tmp / "m.xlsx")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert "scored 1 of 1 use cases, 0 with errors" in proc.stderr


def test_exit_2_on_bad_config_naming_the_key(tmp: Path) -> None:
    src = write_csv(tmp / "ok.csv", ["Use Case"], [["A"]])
    cfg = tmp / "bad.toml"
    cfg.write_text("[weights]\nprivacy = 0.5\n")
    run = run_cli("score", src, "-o", tmp / "x.xlsx", "--config", cfg)
    assert run.code == 2
    assert "weights" in run.stderr and "sum to 1" in run.stderr
    cfg.write_text("[money]\nhorizon_monthz = 12\n")
    run = run_cli("score", src, "-o", tmp / "x.xlsx", "--config", cfg)
    assert run.code == 2 and "money.horizon_monthz" in run.stderr
    assert not (tmp / "x.xlsx").exists()


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("missing.xlsx", None, "no such file"),
        ("empty.csv", b"", "empty"),
        ("corrupt.xlsx", b"PK\x03\x04 this is not really a zip", "damaged or truncated"),
        ("notes.csv", b"just,some\nwords,here\n", "no header row"),
        ("table.parquet", b"PAR1", "unknown file type"),
    ],
)
def test_exit_3_on_unusable_input_writes_nothing(tmp: Path, name: str, content: bytes | None, expected: str) -> None:
    src = tmp / name
    if content is not None:
        src.write_bytes(content)
    out = tmp / "out.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 3
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in run.stderr
    assert expected in lines[0] and str(src) in lines[0]
    assert not out.exists()
    assert list(tmp.glob("*.tmp")) == [] and list(tmp.glob(".out.xlsx*")) == []


def test_output_equal_to_input_is_refused(tmp: Path) -> None:
    src = write_xlsx(tmp / "p.xlsx", ["Use Case"], [["A"]])
    before = src.read_bytes()
    run = run_cli("score", src, "-o", src)
    assert run.code == 2 and "is the input" in run.stderr
    assert src.read_bytes() == before


def test_a_panic_in_a_library_is_exit_4_not_a_normal_night(tmp: Path, monkeypatch) -> None:
    """A Rust panic surfaces in Python as a BaseException; cron must see exit 4, not exit 1."""
    from pipeline import run as run_module

    class FakePanic(BaseException):
        pass

    def boom(*args, **kwargs):
        raise FakePanic("assertion failed")

    monkeypatch.setattr(run_module, "score_sources", boom)
    src = write_csv(tmp / "ok.csv", ["Use Case"], [["A"]])
    result = run_cli("score", src, "-o", tmp / "x.xlsx")
    assert result.code == 4 and "internal error" in result.stderr and "FakePanic" in result.stderr
    assert not (tmp / "x.xlsx").exists()


# ------------------ --json, --quiet, options from the environment, --out-dir, validate (was test_workbook.py)

def test_json_summary_and_quiet(tmp: Path) -> None:
    out = tmp / "j.xlsx"
    run = run_cli("score", SAMPLES / "portfolio.csv", "-o", out, "--json", "--quiet")
    assert run.code == 1
    assert run.stderr == ""
    data = json.loads(run.stdout)
    assert data["exit_code"] == 1
    job = data["jobs"][0]
    assert (job["rows"], job["scored"], job["error_rows"], job["status"]) == (26, 22, 4, "written")
    assert job["output"] == str(out)
    assert set(job["timings"]) >= {"read", "validate", "score"}
    assert sum(job["recommendations"].values()) == 22


def test_quiet_still_prints_errors(tmp: Path) -> None:
    run = run_cli("score", tmp / "missing.csv", "-o", tmp / "x.xlsx", "--quiet")
    assert run.code == 3 and "no such file" in run.stderr


def test_options_from_the_environment(tmp: Path) -> None:
    src = write_csv(tmp / "e.csv", ["Use Case", "Monthly API cost"], [["A", 1000]])
    out = tmp / "from-env.xlsx"
    env = {**os.environ, "FTSCORE_SCORE_OUTPUT": str(out), "FTSCORE_SCORE_QUIET": "1"}
    proc = subprocess.run([sys.executable, "-m", "pipeline", "score", str(src)], env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert out.exists() and proc.stderr == ""


def test_out_dir_rescores_only_what_changed(tmp: Path) -> None:
    inbox = tmp / "inbox"
    inbox.mkdir()
    a = write_csv(inbox / "a.csv", ["Use Case", "Monthly API cost"], [["A1", 12000]])
    write_csv(inbox / "b.csv", ["Use Case", "Monthly API cost"], [["B1", 3000]])
    out = tmp / "scored"
    first = run_cli("score", inbox, "--out-dir", out)
    assert first.code == 0
    assert sorted(p.name for p in out.glob("*.xlsx")) == ["a-scored.xlsx", "b-scored.xlsx"]
    stamps = {p.name: p.stat().st_mtime_ns for p in out.glob("*.xlsx")}
    write_csv(a, ["Use Case", "Monthly API cost"], [["A1", 12000], ["A2", 50000]])
    second = run_cli("score", inbox, "--out-dir", out, "--json")
    assert second.code == 0
    jobs = {Path(j["output"]).name: j for j in json.loads(second.stdout)["jobs"]}
    assert jobs["a-scored.xlsx"]["status"] == "written" and jobs["a-scored.xlsx"]["rows"] == 2
    assert jobs["b-scored.xlsx"]["status"] == "unchanged"
    assert (out / "b-scored.xlsx").stat().st_mtime_ns == stamps["b-scored.xlsx"]
    assert (out / "a-scored.xlsx").stat().st_mtime_ns != stamps["a-scored.xlsx"]
    assert "unchanged since the last run, skipped" in second.stderr
    forced = run_cli("score", inbox, "--out-dir", out, "--force", "--json")
    assert {j["status"] for j in json.loads(forced.stdout)["jobs"]} == {"written"}
    merged = run_cli("score", inbox, "--out-dir", out, "--merge")
    assert merged.code == 0 and (out / "portfolio-scored.xlsx").exists()
    assert len(sheet_rows(out / "portfolio-scored.xlsx", "Portfolio")) == 3
    # every run above took each output's lock (.NAME.lock beside it) and removed it when done (issue 14)
    assert [p.name for p in out.iterdir() if p.name.endswith(".lock")] == []
    assert (out / ".ftscore-manifest.json").is_file()  # the folder's hidden files are there, so is the listing


def test_a_single_output_leaves_no_lock_file(tmp: Path) -> None:
    out = tmp / "out" / "scored.xlsx"
    assert run_cli("score", SAMPLES / "portfolio.xlsx", "-o", out).code == 1
    assert sorted(p.name for p in out.parent.iterdir()) == ["ftscore-history.sqlite", "scored.xlsx"]


def test_out_dir_options_need_each_other(tmp: Path) -> None:
    assert run_cli("score", SAMPLES / "portfolio.csv", "--merge").code == 2
    assert run_cli("score", SAMPLES / "portfolio.csv", "--force").code == 2


def test_validate_lists_problems_and_writes_nothing(tmp: Path) -> None:
    shutil.copy(SAMPLES / "portfolio.xlsx", tmp / "p.xlsx")
    before = sorted(p.name for p in tmp.iterdir())
    run = run_cli("validate", tmp / "p.xlsx")
    assert run.code == 1
    lines = run.stdout.splitlines()
    assert lines[0].split() == ["SEVERITY", "FILE", "SHEET", "CELL", "PROBLEM"]
    errors = [line for line in lines if line.startswith("error")]
    assert [line.split()[3] for line in errors] == ["J9", "P14", "B20", "A24"]
    assert "checked 26 use cases: 22 can be scored, 4 with errors" in run.stderr
    assert sorted(p.name for p in tmp.iterdir()) == before
    clean = write_csv(tmp / "ok.csv", ["Use Case"], [["A"]])
    assert run_cli("validate", clean).code == 0
    assert run_cli("validate", tmp / "nope.csv").code == 3
    data = json.loads(run_cli("validate", tmp / "p.xlsx", "--json").stdout)
    assert sum(p["severity"] == "error" for p in data["problems"]) == 4


# ------------------ options and config files out of bounds: exit 2 (issue 10, point 10; was test_limits.py)

@pytest.mark.parametrize("option, value", [
    ("--stability", "1000000000"),
    ("--stability", "0"),
    ("--lock-wait", "nan"),
    ("--lock-wait", "inf"),
    ("--lock-wait", "-1"),
    ("--lock-wait", "1e12"),
    ("--budget", "nan"),
    ("--budget", "inf"),
    ("--budget", "-5"),
    ("--budget", "1e300"),
    ("--header-row", "1000000000"),
])
def test_a_numeric_option_out_of_bounds_is_exit_2_naming_it(tmp, option, value):
    out = tmp / "never.xlsx"
    r = run_cli("score", SAMPLES / "portfolio.csv", option, value, "-o", out)
    assert r.code == 2, (r.code, r.stderr)
    assert f"Invalid value for '{option}'" in r.stderr, r.stderr
    assert not out.exists()


def test_stability_bound_comes_from_the_config(tmp):
    cfg = tmp / "few.toml"
    cfg.write_text("[stability]\ndraws = 10\nmax_draws = 50\n")
    out = tmp / "never.xlsx"
    r = run_cli("score", SAMPLES / "portfolio.csv", "--config", cfg, "--stability", "51", "-o", out)
    assert r.code == 2 and "Invalid value for '--stability'" in r.stderr and "50" in r.stderr, r.stderr
    assert not out.exists()
    r = run_cli("score", SAMPLES / "portfolio.csv", "--config", cfg, "--stability", "50", "-o", out)
    assert r.code == 1 and out.exists(), r.stderr


def test_an_environment_value_goes_through_the_same_bounds(tmp, monkeypatch):
    monkeypatch.setenv("FTSCORE_SCORE_BUDGET", "nan")
    r = run_cli("score", SAMPLES / "portfolio.csv", "-o", tmp / "never.xlsx")
    assert r.code == 2 and "Invalid value for '--budget'" in r.stderr, r.stderr


@pytest.mark.parametrize("content, words", [
    (("a = " + "[" * 5000 + "]" * 5000 + "\n").encode(), "too deeply"),
    (b"[weights]\n# caf\xe9\nprivacy = 0.25\n", "UTF-8"),
    (b"\xff\xfe[\x00w\x00", "UTF-8"),
    (b"[weights\nprivacy = 0.25\n", "not valid TOML"),
])
def test_a_config_file_that_cannot_be_read_is_exit_2_naming_the_file(tmp, content, words):
    cfg = tmp / "broken.toml"
    cfg.write_bytes(content)
    out = tmp / "never.xlsx"
    r = run_cli("score", SAMPLES / "portfolio.csv", "--config", cfg, "-o", out)
    assert r.code == 2, (r.code, r.stderr)
    assert str(cfg) in r.stderr and words in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not out.exists()


# ------------------ --header-row and the columns command (was test_inputs.py)

def test_header_row_option_and_columns_command(tmp: Path) -> None:
    src = write_csv(tmp / "p.csv", ["Workstream", "Spend per month (USD)"], [["A", "9000"]])
    cfg = tmp / "map.toml"
    cfg.write_text(textwrap.dedent("""
        [columns.aliases]
        use_case = ["Workstream"]
        monthly_api_cost = ["Spend per month (USD)"]
    """))
    run = run_cli("columns", src, "--config", cfg)
    assert run.code == 0
    assert "header row 1, 1 data rows" in run.stdout
    assert "Workstream" in run.stdout and "-> use_case (alias)" in run.stdout
    assert "-> monthly_api_cost (alias)" in run.stdout
    run = run_cli("score", src, "-o", tmp / "x.xlsx", "--header-row", "2", "--config", cfg)
    assert run.code == 3 and "row 2" in run.stderr
    run = run_cli("columns", src)
    assert run.code == 3 and "ftscore columns" in run.stderr


# ------------------ the template command (was test_files_and_signals.py)

def test_the_template_command_reports_an_output_problem_as_exit_6(tmp_path):
    out = tmp_path / "template.xlsx"
    out.mkdir()
    run = run_cli("template", "-o", out)
    assert run.code == 6
    assert "Is a directory" in run.stderr


# ------------------ the explain command (was test_finance.py)

@pytest.mark.parametrize(
    "uid, recommendation, rule, why",
    [
        # v1: Fine-tune by privacy 10. v2: accuracy 8 (96 % vs 99 %) and fit (10 + 6.17 + 8 + 5.48) / 4
        # = 7.41 >= 6: only the fine-tuned options
        ("UC-04", "Fine-tune", "step 3: an accuracy gap with a strong need, so only the fine-tuned options",
         "accuracy 8 (96% vs 99% target) and fit 7.41: only a fine-tuned model closes the gap"),
        # v1: Keep prompting below every threshold. v2: $7 a month: no option saves $10,000 (10 % of
        # 24 x $7 is less)
        ("UC-07", "Keep prompting", "step 5: no option saves the materiality threshold, so today's API",
         "today's API · no other option saves $10,000 over 24 months"),
    ],
)
def test_explain_says_what_decided(uid: str, recommendation: str, rule: str, why: str) -> None:
    run = run_cli("explain", SAMPLES / "portfolio.xlsx", "--id", uid)
    assert run.code == 0, run.stderr
    text = run.stdout
    assert text.splitlines()[0].startswith(f"{uid} · ")
    assert f"Recommendation: {recommendation} (rank " in text
    assert f"Rule: {rule}" in text
    assert f"Why: {why}" in text
    for factor in ("privacy", "cost", "accuracy", "speed", "fit score"):
        assert f"\n  {factor}" in text
    assert "Money against today's API" in text and "Next step: " in text


def test_explain_money_matches_the_workbook(tmp: Path) -> None:
    out = tmp / "s.xlsx"
    run_cli("score", SAMPLES / "portfolio.xlsx", "-o", out)
    ranking = by_id(out)
    text = run_cli("explain", SAMPLES / "portfolio.xlsx", "--id", "UC-06").stdout
    row = ranking["UC-06"]
    best = next(line for line in text.splitlines() if line.startswith("* "))
    assert best.split()[1] == row["Best option"]
    assert f"${row['Net savings 12m']:,.0f}" in best and f"${row['Net savings 24m']:,.0f}" in best
    assert f"{row['Break-even months']:g} months" in best
    assert f"Next step: {row['Next step']}" in text


def test_explain_unknown_and_unscored_ids() -> None:
    run = run_cli("explain", SAMPLES / "portfolio.xlsx", "--id", "UC-5")
    assert run.code == 2 and "did you mean" in run.stderr and "UC-05" in run.stderr
    run = run_cli("explain", SAMPLES / "portfolio.xlsx", "--id", "uc-18")
    assert run.code == 2 and "not scored: use case name is missing" in run.stderr


# ------------------ help and usage errors of every command

@pytest.mark.parametrize("command", sorted(cli.commands))
def test_every_command_has_help_with_an_example(command: str) -> None:
    for flag in ("--help", "-h"):
        run = run_cli(command, flag)
        assert run.code == 0 and run.stderr == ""
        assert run.stdout.startswith("Usage: ") and f" {command} [OPTIONS]" in run.stdout.splitlines()[0]
        assert "\n  Example:\n    ftscore " in run.stdout
    assert f"  {command} " in run_cli("--help").stdout


def test_an_unknown_option_or_command_is_exit_2_with_click_usage() -> None:
    run = run_cli("score", "--nope", "x.csv")
    assert run.code == 2 and "No such option '--nope'" in run.stderr and "score --help' for help" in run.stderr
    run = run_cli("frobnicate")
    assert run.code == 2 and "No such command 'frobnicate'" in run.stderr


# ------------------ password-protected workbooks (real ones: tests/data/encrypted/make_encrypted.py)

ENCRYPTED = DATA / "encrypted"
PASSWORD_LINE = ("is password-protected (encrypted); open it in Excel, save it without a password "
                 "(File > Info > Protect Workbook > Encrypt with Password, clear the box) and try again")
ODS_PASSWORD_LINE = ("is password-protected (encrypted); open it in LibreOffice, save it without a password "
                     "and try again")
# file -> the line after "<path>: ": Excel's agile encryption (msoffcrypto-tool), LibreOffice's .xls (RC4) and .ods
PROTECTED = {"portfolio-password.xlsx": PASSWORD_LINE, "portfolio-password.xls": PASSWORD_LINE,
             "portfolio-password.ods": ODS_PASSWORD_LINE}


@pytest.mark.parametrize("fixture", sorted(PROTECTED))
@pytest.mark.parametrize("command, extra", [
    ("score", ["-o", "out.xlsx"]), ("score", ["--format", "csv", "-o", "out.csv"]), ("validate", []),
    ("validate", ["--json"]), ("score", ["--json", "-o", "out.xlsx"]), ("columns", []),
    ("explain", ["--id", "UC-1"]),
])
def test_every_command_refuses_a_password_protected_workbook_with_exit_3(tmp: Path, command: str,
                                                                        extra: list[str], fixture: str) -> None:
    src = tmp / f"secret{Path(fixture).suffix}"
    shutil.copy(ENCRYPTED / fixture, src)
    line = PROTECTED[fixture]
    before = sorted(p.name for p in tmp.iterdir())
    run = run_cli(command, src, *[str(tmp / a) if a.startswith("out.") else a for a in extra])
    assert run.code == 3, (run.code, run.stderr)
    assert run.stderr == f"ftscore: error: {src}: {line}\n"
    if "--json" in extra:
        job = json.loads(run.stdout)["jobs"][0]
        assert (job["status"], job["exit_code"], job["error"]) == ("failed", 3, f"{src}: {line}")
    else:
        assert run.stdout == ""
    assert sorted(p.name for p in tmp.iterdir()) == before


def test_a_password_protected_workbook_in_a_folder_fails_the_run_naming_it(tmp: Path) -> None:
    inbox = tmp / "inbox"
    inbox.mkdir()
    write_csv(inbox / "a.csv", ["Use Case", "Monthly API Cost"], [["A", 1000]])
    shutil.copy(ENCRYPTED / "portfolio-password.xlsx", inbox / "b-secret.xlsx")
    run = run_cli("score", inbox, "-o", tmp / "out.xlsx")
    assert run.code == 3, run.stderr
    assert f"{inbox / 'b-secret.xlsx'}: {PASSWORD_LINE}" in run.stderr
    assert not (tmp / "out.xlsx").exists()


@pytest.mark.parametrize("fixture", ["portfolio-password.xlsx", "portfolio-password.xls"])
def test_the_encrypted_fixtures_are_real_workbooks_behind_their_password(tmp: Path, fixture: str) -> None:
    """Decrypted with the password (msoffcrypto-tool, the test extra) they score: the refusals above
    are about the encryption, not a broken file. (msoffcrypto-tool cannot open an .ods.)"""
    import msoffcrypto

    plain = tmp / f"plain{Path(fixture).suffix}"
    with open(ENCRYPTED / fixture, "rb") as fh, open(plain, "wb") as out:
        office = msoffcrypto.OfficeFile(fh)
        assert office.is_encrypted()
        office.load_key(password="ftscore")  # PASSWORD in tests/data/encrypted/make_encrypted.py
        office.decrypt(out)
    run = run_cli("score", plain, "-o", tmp / "plain-scored.xlsx")
    assert run.code == 0, run.stderr
    assert sorted(by_id(tmp / "plain-scored.xlsx")) == ["UC-1", "UC-2"]


# ------------------ validate: each kind of message it prints for a bad file

BAD_ERRORS = [
    ("C3", "not an amount in USD (e.g. 12500, $12,500 or 12.5k) [value: twelve grand]"),
    ("D5", "out of range: a rate must be from 0 to 1 (0% to 100%) [value: 120%]"),
    ("B6", "use case name is missing"),
    ("A7", "use case id repeats row 2; only the first is scored [value: A1]"),
    ("E8", "unknown value; expected one of: none, internal, confidential, personal, regulated [value: top secret]"),
    ("F8", "unknown value; expected one of: none, batch, quick, real-time [value: warp]"),
]


def validate_lines(stdout: str) -> list[tuple[str, str, str, str, str]]:
    """validate's table (SEVERITY FILE SHEET CELL PROBLEM, padded columns), cut where the header's words start."""
    header, *lines = stdout.splitlines()
    assert header.split() == ["SEVERITY", "FILE", "SHEET", "CELL", "PROBLEM"], header
    starts = [header.index(word) for word in ("SEVERITY", "FILE", "SHEET", "CELL", "PROBLEM")] + [None]
    return [tuple(line[a:b].rstrip() for a, b in zip(starts, starts[1:])) for line in lines]


def test_validate_prints_each_kind_of_row_error_with_its_cell_and_value(tmp: Path) -> None:
    src = write_xlsx(tmp / "bad.xlsx", BAD_HEADERS, BAD_ROWS)
    run = run_cli("validate", src)
    assert run.code == 1, run.stderr
    lines = validate_lines(run.stdout)
    errors = [(cell, problem) for severity, file, sheet, cell, problem in lines if severity == "error"]
    assert errors == BAD_ERRORS
    assert {(file, sheet) for _, file, sheet, _, _ in lines} == {(str(src), "Portfolio")}
    assert run.stderr == "checked 7 use cases: 2 can be scored, 5 with errors (sheet 'Portfolio')\n"
    assert sorted(p.name for p in tmp.iterdir()) == ["bad.xlsx"]


def test_validate_on_a_csv_shows_no_sheet_and_names_the_encoding(tmp: Path) -> None:
    src = write_csv(tmp / "bad.csv", BAD_HEADERS, BAD_ROWS)
    run = run_cli("validate", src)
    assert run.code == 1
    lines = validate_lines(run.stdout)
    assert [(cell, problem) for severity, _, _, cell, problem in lines if severity == "error"] == BAD_ERRORS
    assert {sheet for _, _, sheet, _, _ in lines} == {"-"}
    assert run.stderr == "checked 7 use cases: 2 can be scored, 5 with errors (encoding utf-8)\n"


def test_validate_prints_file_warnings_row_warnings_and_notes(tmp: Path) -> None:
    src = write_xlsx(tmp / "part.xlsx", ["Use Case", "Monthly API Cost", "Current Accuracy"],
                     [["A", 1000, 0.9], ["B", 2000, None]], sheet="Cases")
    run = run_cli("validate", src)
    assert run.code == 0, run.stderr  # warnings and notes do not fail a check
    lines = validate_lines(run.stdout)
    assert {severity for severity, *_ in lines} == {"warning"}
    file_level = [problem for severity, _, _, cell, problem in lines if severity == "warning" and cell == "-"]
    assert [p.split(",")[0] for p in file_level] == ["no column gives privacy data", "no column gives speed data"]
    assert all("all 2 scored rows" in p for p in file_level)
    row_level = [(cell, problem) for severity, _, _, cell, problem in lines if severity == "warning" and cell != "-"]
    assert row_level == [("row 3", "no accuracy data: accuracy scored 0 (give Current accuracy, Critical error rate, "
                                    "Edge-case error rate or Accuracy score)")]
    # v1 noted the default fine-tuning costs on every row; v2 notes assumed hosting only where a
    # self-hosted option is recommended (both rows keep prompting: $1,000 and $2,000 a month)
    notes = [problem for severity, *_, problem in lines if severity == "note"]
    assert notes == []
    assert run.stderr == "checked 2 use cases: 2 can be scored, 0 with errors (sheet 'Cases')\n"


def test_validate_flags_a_second_header_row_inside_the_data(tmp: Path) -> None:
    headers = ["Use Case", "Monthly API Cost", "Latency Class"]
    src = write_xlsx(tmp / "joined.xlsx", headers, [["A", 1000, "batch"], headers, ["B", 2000, "quick"]])
    run = run_cli("validate", src)
    assert run.code == 1
    errors = [(cell, problem) for severity, _, _, cell, problem in validate_lines(run.stdout) if severity == "error"]
    assert errors[0] == ("A3", "looks like a second header row (its cells are column names), not a use case; "
                               "delete it, or give the header row with --header-row [value: Use Case]")
    assert {cell[1:] for cell, _ in errors} == {"3"}
    assert run.stderr.startswith("checked 3 use cases: 2 can be scored, 1 with errors")


def test_validate_quiet_prints_only_the_errors(tmp: Path) -> None:
    src = write_csv(tmp / "bad.csv", BAD_HEADERS, BAD_ROWS)
    run = run_cli("validate", src, "--quiet")
    assert run.code == 1 and run.stderr == ""
    assert [(cell, problem) for severity, _, _, cell, problem in validate_lines(run.stdout)] == BAD_ERRORS
    clean = write_csv(tmp / "ok.csv", ["Use Case"], [["A"]])
    run = run_cli("validate", clean, "--quiet")  # warnings only: nothing at all, exit 0
    assert (run.code, run.stdout, run.stderr) == (0, "", "")


def test_validate_json_lists_the_same_problems_with_their_fields(tmp: Path) -> None:
    src = write_csv(tmp / "bad.csv", BAD_HEADERS, BAD_ROWS)
    text = run_cli("validate", src)
    run = run_cli("validate", src, "--json")
    assert run.code == 1 and run.stderr == ""
    data = json.loads(run.stdout)
    assert data["exit_code"] == 1
    job = data["jobs"][0]
    assert (job["status"], job["rows"], job["scored"], job["error_rows"], job["output"]) == ("checked", 7, 2, 5, None)
    problems = data["problems"]
    assert all(set(p) == {"severity", "file", "sheet", "row", "cell", "column", "value", "problem"} for p in problems)
    shown = [(severity, cell) for severity, _, _, cell, _ in validate_lines(text.stdout)]
    assert [(p["severity"], p["cell"] or "-") for p in problems] == shown
    first = next(p for p in problems if p["cell"] == "C3")
    assert first == {"severity": "error", "file": str(src), "sheet": None, "row": 3, "cell": "C3",
                     "column": "Monthly API Cost", "value": "twelve grand",
                     "problem": "not an amount in USD (e.g. 12500, $12,500 or 12.5k)"}


def test_validate_without_a_use_case_name_column_is_exit_3_with_the_way_out(tmp: Path) -> None:
    src = write_csv(tmp / "nocol.csv", ["Monthly API Cost", "Owner"], [[1000, "Ann"]])
    run = run_cli("validate", src)
    assert run.code == 3 and run.stdout == ""
    assert run.stderr == (f"ftscore: error: {src}: no header row with a use case name column in the first 30 rows; "
                          "see which headers match with 'ftscore columns FILE', map yours in a --config file, "
                          "or give --header-row N\n")
    assert sorted(p.name for p in tmp.iterdir()) == ["nocol.csv"]


# ------------------ template: written through the command, read back with openpyxl

TEMPLATE_SHEETS = ["Use cases", "How to fill it in"]


def template_columns(path: Path) -> dict[str, dict[str, str]]:
    """header -> its comment's lines and the help sheet's row for it."""
    wb = openpyxl.load_workbook(path)
    try:
        ws, help_ws = wb[TEMPLATE_SHEETS[0]], wb[TEMPLATE_SHEETS[1]]
        helps = {r[0]: dict(zip(("meaning", "unit", "accepted", "example"), r[1:]))
                 for r in list(help_ws.iter_rows(values_only=True))[1:] if r[0]}
        return {c.value: {"comment": c.comment.text if c.comment else "", **helps.get(c.value, {})}
                for c in ws[1] if c.value is not None}
    finally:
        wb.close()


def template_lists(path: Path) -> dict[str, str]:
    """header -> formula of its drop-down list."""
    wb = openpyxl.load_workbook(path)
    try:
        ws = wb[TEMPLATE_SHEETS[0]]
        letters = {c.column_letter: c.value for c in ws[1] if c.value is not None}
        return {letters[str(dv.sqref).split(":")[0].rstrip("0123456789")]: dv.formula1
                for dv in ws.data_validations.dataValidation if dv.type == "list"}
    finally:
        wb.close()


def test_template_writes_the_default_file_in_the_current_folder(tmp: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp)
    run = run_cli("template")
    assert run.code == 0 and run.stdout == ""
    assert run.stderr == ("wrote ftscore-template.xlsx: fill in one row per use case, then: "
                          "ftscore score ftscore-template.xlsx\n")
    assert sorted(p.name for p in tmp.iterdir()) == ["ftscore-template.xlsx"]
    assert openpyxl.load_workbook(tmp / "ftscore-template.xlsx", read_only=True).sheetnames == TEMPLATE_SHEETS


def test_template_output_from_the_option_and_the_environment(tmp: Path) -> None:
    out = tmp / "sub" / "mine.xlsx"
    out.parent.mkdir()
    assert run_cli("template", "-o", out).code == 0 and out.exists()
    env_out = tmp / "from-env.xlsx"
    run = CliRunner().invoke(cli, ["template"], env={"FTSCORE_TEMPLATE_OUTPUT": str(env_out)}, catch_exceptions=False)
    assert run.exit_code == 0, run.stderr
    assert f"wrote {env_out}:" in run.stderr and env_out.exists()


def test_template_headers_units_and_help_agree(tmp: Path) -> None:
    out = tmp / "t.xlsx"
    assert run_cli("template", "-o", out).code == 0
    columns = template_columns(out)
    assert list(columns)[:2] == ["Use case ID", "Use case"]
    for header, facts in columns.items():
        lines = facts["comment"].splitlines()
        assert lines[0].startswith(f"{header} (") and lines[2].startswith("Unit: "), (header, lines)
        shown = (lines[1], lines[2][len("Unit: "):], lines[3])
        assert shown == (facts["meaning"], facts["unit"], facts["accepted"]), header
    assert columns["Monthly API cost"]["unit"] == "USD per month"
    assert columns["Current accuracy"]["unit"] == "share 0-1, shown as % (85% = 0.85)"
    assert columns["Max latency (s)"]["unit"] == "seconds"
    # the columns command matches every header of the template to its field
    listing = run_cli("columns", out)
    assert listing.code == 0, listing.stderr
    assert "not in this file: none" in listing.stdout
    assert "carried through" not in listing.stdout


def test_template_drop_down_lists_follow_the_config(tmp: Path) -> None:
    out = tmp / "t.xlsx"
    assert run_cli("template", "-o", out).code == 0
    lists = template_lists(out)
    assert lists["Data sensitivity"] == '"none,internal,confidential,personal,regulated"'
    assert lists["Latency class"] == '"none,batch,quick,real-time"'
    assert lists["Contains PII"] == lists["Trade secrets"] == lists["Data residency"] == '"yes,no"'
    cfg = tmp / "levels.toml"
    cfg.write_text("[privacy.sensitivity]\nrestricted = 9\n", encoding="utf-8")
    own = tmp / "own.xlsx"
    assert run_cli("template", "-o", own, "--config", cfg).code == 0
    assert template_lists(own)["Data sensitivity"] == '"none,internal,confidential,personal,regulated,restricted"'


def test_template_as_written_scores_cleanly(tmp: Path) -> None:
    out = tmp / "t.xlsx"
    assert run_cli("template", "-o", out).code == 0
    run = run_cli("score", out, "-o", tmp / "scored.xlsx")
    assert run.code == 0, run.stderr
    assert "scored 3 of 3 use cases, 0 with errors" in run.stderr
    assert run_cli("validate", out, "--quiet").code == 0


@pytest.mark.parametrize("name", ["template.csv", "template.xls", "template"])
def test_template_must_be_an_xlsx_file(tmp: Path, name: str) -> None:
    run = run_cli("template", "-o", tmp / name)
    assert run.code == 2
    assert run.stderr == f"ftscore: error: the template must be an .xlsx file, got '{tmp / name}'\n"
    assert list(tmp.iterdir()) == []
