"""Reading what users really send: several inputs, header search, answers, refusals, locks."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import xlsxwriter

from conftest import DATA, SAMPLES, by_id, run_cli, sheet_rows, write_csv, write_xlsx


def test_several_inputs_make_one_portfolio(tmp: Path) -> None:
    a = write_xlsx(tmp / "emea.xlsx", ["ID", "Use Case", "Monthly API Cost"],
                   [["E1", "Claims", 12000], ["E2", "Chat", 900]], sheet="EMEA")
    b = write_csv(tmp / "americas.csv", ["ID", "Use Case", "Monthly API Cost"],
                  [["A1", "Search", "30k"], ["E1", "Claims again", "1000"], ["A3", "Notes", "oops"]])
    out = tmp / "group.xlsx"
    run = run_cli("score", a, b, "-o", out)
    assert run.code == 1, run.stderr
    assert f"scored 3 of 5 use cases, 2 with errors -> {out}" in run.stderr
    portfolio = sheet_rows(out, "Portfolio")
    assert [(Path(r["Source file"]).name, r["Source sheet"], r["Source row"]) for r in portfolio] == [
        ("emea.xlsx", "EMEA", 2), ("emea.xlsx", "EMEA", 3),
        ("americas.csv", None, 2), ("americas.csv", None, 3), ("americas.csv", None, 4),
    ]
    errors = [i for i in sheet_rows(out, "Issues") if i["Severity"] == "error"]
    assert {(Path(i["File"]).name, i["Cell"]) for i in errors} == {("americas.csv", "A3"), ("americas.csv", "C4")}
    repeat = next(i for i in errors if i["Cell"] == "A3")
    assert "repeats row 2 of emea.xlsx" in repeat["Problem"]
    assert repeat["Portfolio cell"] == "A5"
    ranking = by_id(out)
    assert ranking["A1"]["Rank"] == 1 and set(ranking) == {"E1", "E2", "A1"}


def test_a_folder_is_every_spreadsheet_in_it(tmp: Path) -> None:
    folder = tmp / "in"
    folder.mkdir()
    write_csv(folder / "one.csv", ["Use Case"], [["A"], ["B"]])
    write_xlsx(folder / "two.xlsx", ["Use Case"], [["C"]])
    (folder / "notes.md").write_text("not an input")
    (folder / "~$two.xlsx").write_bytes(b"excel lock file")
    out = tmp / "all.xlsx"
    run = run_cli("score", folder, "-o", out)
    assert run.code == 0, run.stderr
    assert "scored 3 of 3 use cases" in run.stderr
    empty = tmp / "empty"
    empty.mkdir()
    run = run_cli("score", empty, "-o", tmp / "none.xlsx")
    assert run.code == 3 and "holds no spreadsheet" in run.stderr


def test_title_rows_and_offset_table_keep_excel_row_numbers(tmp: Path) -> None:
    src = write_xlsx(
        tmp / "offset.xlsx", ["Use Case", "Monthly API cost", "Latency"],
        [["a", 12000, "quick"], None, None, ["b", "12.5k", "live"], ["c", "n/a", "warp"]],
        top=5, left=3, above=[["AI portfolio FY26"], ["prepared by finance"]],
    )
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 1
    portfolio = sheet_rows(out, "Portfolio")
    assert [r["Source row"] for r in portfolio] == [7, 10, 11]
    issues = sheet_rows(out, "Issues")
    bad = [i for i in issues if i["Severity"] == "error"]
    assert [(i["Row"], i["Cell"], i["Value"]) for i in bad] == [(11, "F11", "warp")]
    assert any(i["Problem"] == "rows 1-5 above the header row 6 were ignored" for i in issues)
    assert by_id(out, key="Use case")["b"]["Monthly API cost"] == pytest.approx(12500)
    assert by_id(out, key="Use case")["b"]["Speed score"] == pytest.approx(10)


def test_answers_are_mapped_with_option_prefixes(tmp: Path) -> None:
    src = write_csv(tmp / "survey.csv", ["Use Case", "Uses patient data?", "Risk tier"],
                    [["A", "Yes - PHI", "a) Rights-Impacting"], ["B", "b) No", "Neither "], ["C", "maybe", "c) Other"]])
    cfg = tmp / "answers.toml"
    cfg.write_text(textwrap.dedent("""
        [columns.aliases]
        contains_pii = ["Uses patient data?"]
        data_sensitivity = ["Risk tier"]
        [values.contains_pii]
        yes = ["Yes - PHI"]
        [values.data_sensitivity]
        regulated = ["Rights-Impacting"]
        none = ["Neither"]
    """))
    out = tmp / "o.xlsx"
    run = run_cli("score", src, "-o", out, "--config", cfg)
    assert run.code == 1, run.stderr
    ranking = by_id(out, key="Use case")
    assert ranking["A"]["Privacy score"] == pytest.approx(10)
    assert ranking["B"]["Privacy score"] == pytest.approx(0)
    errors = {i["Cell"]: i for i in sheet_rows(out, "Issues") if i["Severity"] == "error"}
    assert set(errors) == {"B4", "C4"}
    assert "yes/no" in errors["B4"]["Problem"]


def test_bad_value_mapping_is_a_config_error(tmp: Path) -> None:
    src = write_csv(tmp / "p.csv", ["Use Case"], [["A"]])
    cfg = tmp / "bad.toml"
    cfg.write_text("[values.contains_pii]\nmaybe = ['perhaps']\n")
    run = run_cli("score", src, "-o", tmp / "x.xlsx", "--config", cfg)
    assert run.code == 2 and "values.contains_pii.maybe" in run.stderr


def test_windows_1252_and_semicolons(tmp: Path) -> None:
    src = write_csv(tmp / "fr.csv", ["Use Case", "Coût mensuel", "Monthly API cost"],
                    [["Résumé des appels", "€", "1.500"], ["Tri des réclamations", "x", "2000"]],
                    encoding="cp1252", delimiter=";")
    out = tmp / "fr.xlsx"
    run = run_cli("score", src, "-o", out)
    assert "encoding windows-1252" in run.stderr
    names = [r["Use Case"] for r in sheet_rows(out, "Portfolio")]
    assert names == ["Résumé des appels", "Tri des réclamations"]
    run = run_cli("score", src, "-o", tmp / "fr2.xlsx", "--encoding", "utf-8")
    assert run.code == 3 and "cannot be decoded as utf-8" in run.stderr


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("report.xlsx", b"%PDF-1.7\n...", "PDF"),
        ("data.csv", None, "rename it to .xlsx"),
        ("old.xlsx", bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 600, ".xls"),
    ],
)
def test_content_that_is_not_what_the_name_says(tmp: Path, name: str, content: bytes | None, expected: str) -> None:
    src = tmp / name
    if content is None:  # a real workbook saved with a .csv name
        write_xlsx(tmp / "real.xlsx", ["Use Case"], [["A"]])
        src.write_bytes((tmp / "real.xlsx").read_bytes())
    else:
        src.write_bytes(content)
    out = tmp / "out.xlsx"
    run = run_cli("score", src, "-o", out)
    assert run.code == 3
    assert expected in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_max_rows(tmp: Path) -> None:
    src = write_csv(tmp / "p.csv", ["Use Case"], [[f"U{i}"] for i in range(12)])
    run = run_cli("score", src, "-o", tmp / "x.xlsx", "--max-rows", "10")
    assert run.code == 3 and "more than 10 rows" in run.stderr
    assert not (tmp / "x.xlsx").exists()


def test_second_run_on_the_same_output_waits_then_fails_clearly(tmp: Path) -> None:
    out = tmp / "shared.xlsx"
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys, time
            from pathlib import Path
            from pipeline.lock import output_lock
            with output_lock(Path({str(out)!r}), wait_seconds=0):
                print("held", flush=True)
                time.sleep(5)
        """)],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        run = run_cli("score", SAMPLES / "portfolio.csv", "-o", out, "--lock-wait", "0.5")
        assert time.monotonic() - started >= 0.4
        assert run.code == 5
        assert "being written by another ftscore run" in run.stderr
        assert not out.exists()
    finally:
        holder.kill()
        holder.wait()
    assert run_cli("score", SAMPLES / "portfolio.csv", "-o", out, "--lock-wait", "1").code == 1
    assert out.exists()


def test_hidden_and_empty_sheets_are_skipped(tmp: Path) -> None:
    path = tmp / "book.xlsx"
    wb = xlsxwriter.Workbook(path)
    wb.add_worksheet("Cover")  # empty first sheet
    helper = wb.add_worksheet("Lists")
    helper.write_row(0, 0, ["Use Case", "Monthly API cost"])
    helper.write_row(1, 0, ["hidden one", 1])
    helper.hide()
    data = wb.add_worksheet("Use cases")
    data.write_row(0, 0, ["Use Case", "Monthly API cost"])
    data.write_row(1, 0, ["visible one", 20000])
    wb.close()
    out = tmp / "o.xlsx"
    run = run_cli("score", path, "-o", out)
    assert run.code == 0 and "sheet 'Use cases'" in run.stderr
    assert [r["Use Case"] for r in sheet_rows(out, "Portfolio")] == ["visible one"]
    run = run_cli("score", path, "-o", out, "--sheet", "Lists")
    assert run.code == 0 and [r["Use Case"] for r in sheet_rows(out, "Portfolio")] == ["hidden one"]
    run = run_cli("score", path, "-o", out, "--sheet", "Nope")
    assert run.code == 3 and "no sheet named 'Nope'" in run.stderr


# ------------------------------------------------------------------ refusals end to end

def _refused_by_cli(tmp: Path, src: Path, *args: str) -> str:
    out = tmp / "out.xlsx"
    run = run_cli("score", src, "-o", out, *args)
    assert run.code == 3, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"ftscore: error: {src}: ") and "Traceback" not in run.stderr
    assert not out.exists() and not list(tmp.glob(".out.xlsx.*.tmp"))
    return lines[0]


def test_password_protected_workbook_is_refused(tmp: Path) -> None:
    # a real workbook encrypted the way Excel does it (tests/data/encrypted/make_encrypted.py)
    src = tmp / "secret.xlsx"
    shutil.copy(DATA / "encrypted" / "portfolio-password.xlsx", src)
    assert "password-protected" in _refused_by_cli(tmp, src)


def test_truncated_workbook_is_refused(tmp: Path) -> None:
    full = write_xlsx(tmp / "full.xlsx", ["Use Case"], [[f"U{i}"] for i in range(200)])
    src = tmp / "half.xlsx"
    src.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    assert "damaged or truncated" in _refused_by_cli(tmp, src)


def test_zip_bomb_is_refused_before_parsing(tmp: Path) -> None:
    import zipfile

    src = tmp / "bomb.xlsx"
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"0" * 40_000_000)
    cfg = tmp / "small.toml"
    cfg.write_text("[input]\nmax_unpacked_mb = 16\n")
    message = _refused_by_cli(tmp, src, "--config", str(cfg))
    assert "would unpack to 40.0 MB (limit 16.0 MB); refusing a possible zip bomb" in message


def test_the_input_is_read_into_one_chunk_a_column(tmp_path):
    """Dropping blank rows leaves the columns in several chunks; read as one, no later with_columns or
    select with a literal (Portfolio, the run's accounting) copies the whole input (at 1,000,000 rows,
    ~400 MB at the run's peak each time)."""
    from pipeline import config, run
    rows = [["", "", "", ""] if i % 1000 == 0 else [f"UC-{i}", f"Case {i}", str(100 + i % 7), "n"]
            for i in range(20_000)]
    src = write_csv(tmp_path / "blanks.csv", ["Use Case ID", "Use Case", "Monthly API Cost", "Notes"], rows)
    table = run.read_input(src, config.load())
    assert table.frame.height == 19_980 and table.skipped_blank_rows == 20
    assert set(table.frame.n_chunks("all")) == {1}
