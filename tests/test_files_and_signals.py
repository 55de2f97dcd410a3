"""Outputs on disk (issue 10, points 5 and 8): the lock file, outputs that belong together,
permissions, a full disk, temporary files left by killed runs, and SIGINT / SIGTERM."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from conftest import ROOT, run_cli, write_csv
from pipeline import atomic, jobs

HEADERS = ["use_case_id", "use_case", "monthly_api_cost", "latency_class"]


def small_input(tmp: Path, name: str = "in.csv") -> Path:
    return write_csv(tmp / name, HEADERS, [["UC-1", "Triage", 12000, "quick"], ["UC-2", "Search", 800, "batch"]])


def temps_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith((".tmp", ".old", ".tmpd")))


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# ---- the lock file -------------------------------------------------------------------------

def test_lock_refuses_a_planted_symlink_to_a_file_and_leaves_the_file_alone(tmp_path):
    victim = tmp_path / "victim.conf"
    victim.write_text("keep me\n")
    os.symlink(victim, tmp_path / ".scored.xlsx.lock")
    run = run_cli("score", small_input(tmp_path), "-o", tmp_path / "scored.xlsx")
    assert run.code == jobs.EXIT_OUTPUT
    assert "lock file" in run.stderr and "is a symbolic link" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert victim.read_text() == "keep me\n"
    assert not (tmp_path / "scored.xlsx").exists()


# ---- outputs that belong together ----------------------------------------------------------

def test_a_failing_csv_side_file_leaves_the_old_main_file_and_no_temp(tmp_path):
    src = small_input(tmp_path)
    out = tmp_path / "out" / "scored.csv"
    out.parent.mkdir()
    out.write_text("old table\n")
    (out.parent / "scored-issues.csv").mkdir()  # the side file cannot be replaced
    run = run_cli("score", src, "-o", out)
    assert run.code == jobs.EXIT_OUTPUT
    assert "scored-issues.csv" in run.stderr and "Is a directory" in run.stderr
    assert out.read_text() == "old table\n"
    assert temps_in(out.parent) == []


def test_a_full_disk_on_the_parquet_side_file_keeps_both_old_files(tmp_path, monkeypatch):
    src = small_input(tmp_path)
    out = tmp_path / "scored.parquet"
    out.write_bytes(b"old table")
    side = tmp_path / "scored-issues.parquet"
    side.write_bytes(b"old issues")
    real = pl.DataFrame.write_parquet

    def full_for_issues(self, file, *a, **k):
        if "-issues" in str(file):
            raise pl.exceptions.ComputeError("parquet: underlying IO error: No space left on device (os error 28)")
        return real(self, file, *a, **k)

    monkeypatch.setattr(pl.DataFrame, "write_parquet", full_for_issues)
    run = run_cli("score", src, "-o", out)
    assert run.code == jobs.EXIT_OUTPUT
    assert run.stderr.strip() == (f"ftscore: error: cannot write {out}: No space left on device; "
                                  "nothing written, the previous file is unchanged")
    assert out.read_bytes() == b"old table" and side.read_bytes() == b"old issues"
    assert temps_in(tmp_path) == []


def test_a_rename_that_fails_midway_puts_the_first_file_back(tmp_path, monkeypatch):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("old a")
    b.write_text("old b")
    real = os.replace

    def fail_second(src, dst):
        if str(dst) == str(b):
            raise OSError(errno.EIO, os.strerror(errno.EIO), str(dst))
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", fail_second)
    with pytest.raises(atomic.OutputError, match="Input/output error"):
        with atomic.replace_all_when_done([a, b]) as (ta, tb):
            Path(ta).write_text("new a")
            Path(tb).write_text("new b")
    assert a.read_text() == "old a" and b.read_text() == "old b"
    assert temps_in(tmp_path) == []


# ---- permissions ---------------------------------------------------------------------------

def test_replacing_a_read_only_output_keeps_its_mode(tmp_path):
    src = small_input(tmp_path)
    out = tmp_path / "scored.csv"
    out.write_text("old\n")
    out.chmod(0o400)
    side = tmp_path / "scored-issues.csv"
    side.write_text("old\n")
    side.chmod(0o640)
    run = run_cli("score", src, "-o", out)
    assert run.code == 0, run.stderr
    assert "Triage" in out.read_text()
    assert stat.S_IMODE(out.stat().st_mode) == 0o400
    assert stat.S_IMODE(side.stat().st_mode) == 0o640


def test_a_new_output_gets_the_umask_mode(tmp_path):
    src = small_input(tmp_path)
    old = os.umask(0o027)
    try:
        run = run_cli("score", src, "-o", tmp_path / "scored.xlsx")
    finally:
        os.umask(old)
    assert run.code == 0, run.stderr
    assert stat.S_IMODE((tmp_path / "scored.xlsx").stat().st_mode) == 0o640


# ---- output problems: their own exit code --------------------------------------------------

def test_a_full_disk_while_writing_the_workbook_is_exit_6_with_one_line(tmp_path, monkeypatch):
    import zipfile

    src = small_input(tmp_path)
    out = tmp_path / "scored.xlsx"
    out.write_bytes(b"previous workbook")

    def full(self, *a, **k):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(zipfile.ZipFile, "writestr", full)
    monkeypatch.setattr(zipfile.ZipFile, "write", full)
    run = run_cli("score", src, "-o", out)
    assert run.code == jobs.EXIT_OUTPUT == 6
    assert run.stderr.strip() == (f"ftscore: error: cannot write {out}: No space left on device; "
                                  "nothing written, the previous file is unchanged")
    assert out.read_bytes() == b"previous workbook"
    assert temps_in(tmp_path) == []


def test_a_full_disk_while_writing_csv_is_exit_6(tmp_path, monkeypatch):
    src = small_input(tmp_path)
    out = tmp_path / "scored.csv"

    def full(self, file=None, *a, **k):
        raise OSError("No space left on device (os error 28)")  # as polars raises it

    monkeypatch.setattr(pl.DataFrame, "write_csv", full)
    run = run_cli("score", src, "-o", out)
    assert run.code == 6
    assert run.stderr.strip() == f"ftscore: error: cannot write {out}: No space left on device; nothing written"
    assert not out.exists() and temps_in(tmp_path) == []


def test_a_folder_at_the_output_path_is_exit_6(tmp_path):
    out = tmp_path / "scored.xlsx"
    out.mkdir()
    run = run_cli("score", small_input(tmp_path), "-o", out)
    assert run.code == 6
    assert run.stderr.strip() == f"ftscore: error: cannot write {out}: Is a directory; nothing written"


def test_an_output_under_a_file_is_exit_6(tmp_path):
    blocker = tmp_path / "reports"
    blocker.write_text("a file where a folder should be")
    run = run_cli("score", small_input(tmp_path), "-o", blocker / "scored.xlsx")
    assert run.code == 6
    assert "Not a directory" in run.stderr and "nothing written" in run.stderr
    assert blocker.read_text() == "a file where a folder should be"


def test_a_read_only_folder_is_exit_6(tmp_path, monkeypatch):
    # tests run as root, where chmod does not stop writes: the folder refuses like a read-only one
    import tempfile as tempfile_mod

    def read_only(*a, **k):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(tmp_path))

    monkeypatch.setattr(tempfile_mod, "mkstemp", read_only)
    run = run_cli("score", small_input(tmp_path), "-o", tmp_path / "scored.xlsx")
    assert run.code == 6
    assert run.stderr.strip() == f"ftscore: error: cannot write {tmp_path / 'scored.xlsx'}: Permission denied; nothing written"


def test_an_unreadable_input_is_still_exit_3(tmp_path):
    run = run_cli("score", tmp_path / "missing.csv", "-o", tmp_path / "scored.xlsx")
    assert run.code == 3


# ---- temporary files left by killed runs ---------------------------------------------------

def test_a_stale_temp_of_a_dead_run_is_removed_by_the_next_run(tmp_path):
    out = tmp_path / "scored.xlsx"
    pid = dead_pid()
    stale = tmp_path / f".scored.xlsx.ftscore-{pid}-k9x2ab.tmp"
    stale.write_bytes(b"half a workbook")
    stale_side = tmp_path / f".scored-issues.csv.ftscore-{pid}-zz.tmp"
    stale_side.write_bytes(b"half")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = tmp_path / f".scored.xlsx.ftscore-{sleeper.pid}-abc.tmp"
        live.write_bytes(b"another run, still writing")
        other = tmp_path / f".other.xlsx.ftscore-{pid}-abc.tmp"
        other.write_bytes(b"not ours")
        run = run_cli("score", small_input(tmp_path), "-o", out)
        assert run.code == 0, run.stderr
        assert not stale.exists()
        assert live.exists(), "a temp of a live process must stay"
        assert other.exists(), "only the temps of this output are ours to remove"
        assert stale_side.exists()
        run = run_cli("score", small_input(tmp_path), "-o", tmp_path / "scored.csv")
        assert run.code == 0
        assert not stale_side.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    assert openpyxl.load_workbook(out, read_only=True).sheetnames[0] == "Summary"


def big_input(tmp: Path, rows: int = 60_000) -> Path:
    path = tmp / "big.csv"
    lines = ["use_case_id,use_case,monthly_api_cost,latency_class,description"]
    lines += [f"UC-{i},Use case {i},{1000 + i % 30000},quick,Text of row {i} to write" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n")
    return path


def start_scoring(src: Path, out: Path) -> subprocess.Popen:
    system_tmp = src.parent / "system-tmp"  # where tempfile users (xlsxwriter) would leave files
    system_tmp.mkdir(exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(system_tmp)}
    return subprocess.Popen([sys.executable, "-m", "pipeline", "score", str(src), "-o", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=src.parent)


def wait_for_temp(proc: subprocess.Popen, folder: Path, name: str) -> list[str]:
    """Poll until the run has begun writing `name` (its temporary file exists)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        found = [p for p in temps_in(folder) if p.startswith(f".{name}.ftscore-{proc.pid}-")]
        if found:
            return found
        assert proc.poll() is None, f"the run ended before writing: {proc.communicate()}"
        time.sleep(0.05)
    proc.kill()
    pytest.fail("the run never began writing")


def test_a_run_killed_with_sigkill_leaves_a_temp_that_the_next_run_removes(tmp_path):
    src = big_input(tmp_path)
    out = tmp_path / "scored.xlsx"
    proc = start_scoring(src, out)
    found = wait_for_temp(proc, tmp_path, "scored.xlsx")
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert all((tmp_path / f).exists() for f in found)  # what kill -9 leaves
    assert not out.exists()
    run = run_cli("score", small_input(tmp_path), "-o", out)
    assert run.code == 0, run.stderr
    assert temps_in(tmp_path) == []
    assert out.exists()


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_run_exits_128_plus_signal_with_one_line_and_no_temp(tmp_path, sig, code):
    src = big_input(tmp_path)
    out = tmp_path / "scored.xlsx"
    out.write_bytes(b"last night's workbook")
    proc = start_scoring(src, out)
    wait_for_temp(proc, tmp_path, "scored.xlsx")
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == code, stderr
    assert stderr.strip().splitlines()[-1] == "ftscore: interrupted; nothing written"
    assert "Traceback" not in stderr
    assert temps_in(tmp_path) == []
    assert list((tmp_path / "system-tmp").iterdir()) == []
    assert out.read_bytes() == b"last night's workbook"


def test_a_signal_whose_exception_a_library_swallows_still_keeps_the_old_output(tmp_path):
    """pyo3 reports an exception raised while it runs Python (an isinstance check on a value) as
    "Exception ignored in: ..." and goes on: the handler's Interrupted never reaches main. The
    output must still not be put in place, and the run ends as interrupted."""
    from pipeline import cli
    from pipeline.errors import Interrupted
    out = tmp_path / "scored.xlsx"
    out.write_bytes(b"last night's workbook")
    with pytest.raises(Interrupted) as stopped:
        with atomic.replace_when_done(out) as tmp:
            Path(tmp).write_bytes(b"half a workbook")
            try:  # what pyo3 does with it
                cli._on_signal(signal.SIGTERM, None)
            except Interrupted:
                pass
            Path(tmp).write_bytes(b"a whole workbook")
    assert stopped.value.code == 143
    assert out.read_bytes() == b"last night's workbook"
    assert temps_in(tmp_path) == []
    with atomic.replace_when_done(out) as tmp:  # the next block of the process is not stopped by it
        Path(tmp).write_bytes(b"today's workbook")
    assert out.read_bytes() == b"today's workbook"


def test_a_swallowed_interruption_prints_no_traceback_other_unraisables_still_do(tmp_path):
    code = (
        "import gc, signal\n"
        "from pipeline import cli\n"
        "cli.take_signals()\n"
        "class Stopped:\n"
        "    def __del__(self): cli._on_signal(signal.SIGTERM, None)\n"
        "class Broken:\n"
        "    def __del__(self): raise ValueError('a real bug')\n"
        "Stopped(); Broken(); gc.collect()\n"
        "print('went on')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0 and run.stdout == "went on\n"
    assert "Interrupted" not in run.stderr
    assert "ValueError: a real bug" in run.stderr


class _Stop(Exception):
    pass


@pytest.fixture
def sigterm_raises():
    """SIGTERM raises _Stop in this process, as ftscore's own handler raises Interrupted."""
    def handler(signum, frame):
        raise _Stop(signum)

    old = signal.signal(signal.SIGTERM, handler)
    yield
    signal.signal(signal.SIGTERM, old)


def _then_signal(make):
    """`make` (mkstemp or mkdtemp), then SIGTERM to ourselves the moment the path exists: the
    narrowest window there is between making a temporary path and remembering it."""
    def made(*a, **k):
        result = make(*a, **k)
        os.kill(os.getpid(), signal.SIGTERM)
        return result
    return made


def test_a_signal_right_after_the_scratch_folder_is_made_leaves_no_folder(tmp_path, monkeypatch, sigterm_raises):
    monkeypatch.setattr(atomic.tempfile, "mkdtemp", _then_signal(atomic.tempfile.mkdtemp))
    with pytest.raises(_Stop):
        with atomic.scratch_folder(tmp_path / "out.xlsx"):
            pass
    assert temps_in(tmp_path) == []


def test_a_signal_right_after_a_temporary_file_is_made_leaves_no_file(tmp_path, monkeypatch, sigterm_raises):
    (tmp_path / "out.xlsx").write_bytes(b"old")
    monkeypatch.setattr(atomic.tempfile, "mkstemp", _then_signal(atomic.tempfile.mkstemp))
    with pytest.raises(_Stop):
        with atomic.replace_when_done(tmp_path / "out.xlsx") as tmp:
            Path(tmp).write_bytes(b"new")
    assert temps_in(tmp_path) == []
    assert (tmp_path / "out.xlsx").read_bytes() == b"old"


def test_a_signal_while_reading_is_an_interruption_not_an_unusable_input(tmp_path, monkeypatch, capsys):
    from pipeline import cli, read as read_mod

    def interrupted(*a, **k):
        raise jobs.Interrupted("SIGTERM")  # what the handler raises when SIGTERM arrives

    monkeypatch.setattr(read_mod, "_read_text", interrupted)  # inside the reader's own error handling
    monkeypatch.setattr(sys, "argv", ["ftscore", "score", str(small_input(tmp_path)), "-o", str(tmp_path / "a.xlsx")])
    monkeypatch.setattr(cli.signal, "signal", lambda *a: None)  # leave pytest's own handlers alone
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 143
    assert capsys.readouterr().err.strip() == "ftscore: interrupted; nothing written"
    assert not (tmp_path / "a.xlsx").exists()


# ---- a bad manifest never blocks a run (issue 10, point 10) --------------------------------

def manifest_run(tmp: Path, *extra):
    inbox = tmp / "inbox"
    inbox.mkdir(exist_ok=True)
    small_input(inbox)
    return run_cli("score", inbox, "--out-dir", tmp / "scored", "--json", *extra)


def read_manifest(tmp: Path) -> dict:
    import json

    return json.loads((tmp / "scored" / jobs.MANIFEST).read_text())


@pytest.mark.parametrize("content", ['{"in-scored.xlsx": {"fingerprint": "ab', "[1, 2, 3]", '"text"', "\xff\xfe"])
def test_a_corrupt_or_wrong_shaped_manifest_is_ignored_with_a_note_and_rewritten(tmp_path, content):
    import json

    (tmp_path / "scored").mkdir()
    (tmp_path / "scored" / jobs.MANIFEST).write_text(content, encoding="latin-1")
    run = manifest_run(tmp_path)
    assert run.code == 0, run.stderr
    assert f"note: {tmp_path / 'scored' / jobs.MANIFEST} is not a valid ftscore manifest" in run.stderr
    assert json.loads(run.stdout)["notes"], "the note is in --json too"
    assert read_manifest(tmp_path)["in-scored.xlsx"]["exit_code"] == 0
    assert (tmp_path / "scored" / "in-scored.xlsx").exists()


@pytest.mark.parametrize("bad", [{"exit_code": "abc"}, {"rows": "many", "exit_code": None}, {"fingerprint": 5}, "entry"])
def test_a_manifest_entry_of_wrong_types_is_dropped_and_the_input_rescored(tmp_path, bad):
    import json

    assert manifest_run(tmp_path).code == 0
    data = read_manifest(tmp_path)
    entry = data["in-scored.xlsx"]
    data["in-scored.xlsx"] = {**entry, **bad} if isinstance(bad, dict) else bad
    (tmp_path / "scored" / jobs.MANIFEST).write_text(json.dumps(data))
    run = manifest_run(tmp_path)
    assert run.code == 0, run.stderr
    assert "ignored its entry for in-scored.xlsx" in run.stderr
    assert json.loads(run.stdout)["jobs"][0]["status"] == "written"
    assert read_manifest(tmp_path)["in-scored.xlsx"] == entry
    run = manifest_run(tmp_path)  # and the run after that skips it again
    assert json.loads(run.stdout)["jobs"][0]["status"] == "unchanged"


def test_a_manifest_that_cannot_be_written_is_a_note_not_a_failure(tmp_path):
    (tmp_path / "scored").mkdir()
    (tmp_path / "scored" / jobs.MANIFEST).mkdir()  # a folder in its place
    run = manifest_run(tmp_path)
    assert run.code == 0, run.stderr
    assert "note: cannot update" in run.stderr and "Is a directory" in run.stderr
    assert (tmp_path / "scored" / "in-scored.xlsx").exists()


# ---- file names that are not UTF-8 (issue 10, point 10) ------------------------------------

def non_utf8_input(folder: Path, stem: bytes = b"caf\xe9") -> Path:
    """A CSV whose name holds a Latin-1 byte, as Linux allows; Python keeps it by surrogateescape."""
    path = Path(os.fsdecode(os.path.join(os.fsencode(folder), stem + b".csv")))
    return write_csv(path, HEADERS, [["UC-1", "Triage", 12000, "quick"], ["UC-2", "", 800, "batch"]])


def all_text(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    found = [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    wb.close()
    return found


def test_a_file_name_that_is_not_utf8_is_read_and_shown_with_a_replacement_character(tmp_path):
    src = non_utf8_input(tmp_path)
    other = small_input(tmp_path, "plain.csv")
    out = tmp_path / "scored.xlsx"
    run = run_cli("score", src, other, "-o", out)
    assert run.code == 1, run.stderr  # UC-2 has no name
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr
    text = all_text(out)
    assert any("caf\ufffd.csv" in t for t in text), "the workbook names the file, with U+FFFD for the odd byte"
    issues = [r for r in openpyxl.load_workbook(out, read_only=True)["Issues"].iter_rows(values_only=True)]
    assert any("caf\ufffd.csv" in str(r[1]) for r in issues[1:])


def test_a_folder_with_a_non_utf8_name_inside_scores_to_its_own_workbook(tmp_path):
    import json

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    non_utf8_input(inbox)
    run = run_cli("score", inbox, "--out-dir", tmp_path / "scored", "--json")
    assert run.code == 1, run.stderr
    job = json.loads(run.stdout)["jobs"][0]
    assert job["inputs"][0].endswith("caf\ufffd.csv")
    assert os.listdir(os.fsencode(tmp_path / "scored")).count(b"caf\xe9-scored.xlsx") == 1


def test_an_unusable_file_with_a_non_utf8_name_is_exit_3_with_its_name(tmp_path):
    path = Path(os.fsdecode(os.path.join(os.fsencode(tmp_path), b"r\xe9sum\xe9.csv")))
    path.write_bytes(b"")
    run = run_cli("score", path, "-o", tmp_path / "scored.xlsx")
    assert run.code == 3
    assert "r\ufffdsum\ufffd.csv" in run.stderr


# ---- a stray file in a folder (issue 10, point 11) -----------------------------------------

def inbox_with_strays(tmp: Path) -> Path:
    inbox = tmp / "inbox"
    inbox.mkdir()
    small_input(inbox, "emea.csv")
    write_csv(inbox / "americas.csv", HEADERS, [["UC-9", "Forecast", 4000, "batch"]])
    (inbox / "notes.txt").write_text("Remember to send the Q3 numbers\nno header row here\n")
    (inbox / "README.txt").write_text("Drop your portfolio here.\n")
    return inbox


def test_a_stray_text_file_in_a_folder_is_skipped_with_a_note_and_the_rest_scored(tmp_path):
    import json

    inbox = inbox_with_strays(tmp_path)
    out = tmp_path / "group.xlsx"
    run = run_cli("score", inbox, "-o", out, "--json")
    assert run.code == 0, run.stderr
    notes = [line for line in run.stderr.splitlines() if line.startswith("ftscore: note: not a portfolio, skipped")]
    assert len(notes) == 2 and any("notes.txt" in n for n in notes) and any("README.txt" in n for n in notes)
    job = json.loads(run.stdout)["jobs"][0]
    assert sorted(Path(s["file"]).name for s in job["skipped_files"]) == ["README.txt", "notes.txt"]
    assert job["rows"] == 3 and job["scored"] == 3
    portfolio = list(openpyxl.load_workbook(out, read_only=True)["Portfolio"].iter_rows(values_only=True))
    assert sorted(r[portfolio[0].index("use_case_id")] for r in portfolio[1:] if any(r)) == ["UC-1", "UC-2", "UC-9"]


def test_with_out_dir_a_stray_file_gets_no_workbook_and_the_others_do(tmp_path):
    import json

    inbox = inbox_with_strays(tmp_path)
    run = run_cli("score", inbox, "--out-dir", tmp_path / "scored", "--json")
    assert run.code == 0, run.stderr
    assert sorted(p.name for p in (tmp_path / "scored").glob("*.xlsx")) == ["americas-scored.xlsx", "emea-scored.xlsx"]
    statuses = sorted(j["status"] for j in json.loads(run.stdout)["jobs"])
    assert statuses == ["not a portfolio", "not a portfolio", "written", "written"]
    assert run.stderr.count("ftscore: note: not a portfolio, skipped") == 2
    assert "ftscore: error" not in run.stderr


@pytest.mark.parametrize("out_dir", [False, True])
def test_a_folder_with_no_usable_file_is_exit_3(tmp_path, out_dir):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "notes.txt").write_text("Remember to send the Q3 numbers\n")
    (inbox / "old.csv").write_text("")
    target = ["--out-dir", tmp_path / "scored"] if out_dir else ["-o", tmp_path / "group.xlsx"]
    run = run_cli("score", inbox, *target)
    assert run.code == 3
    assert "no file there is a usable portfolio" in run.stderr
    assert not (tmp_path / "group.xlsx").exists()
    assert not list(tmp_path.glob("scored/*.xlsx"))


def test_an_unusable_file_named_explicitly_is_still_exit_3(tmp_path):
    inbox = inbox_with_strays(tmp_path)
    run = run_cli("score", inbox / "emea.csv", inbox / "notes.txt", "-o", tmp_path / "group.xlsx")
    assert run.code == 3
    assert "notes.txt" in run.stderr
    assert not (tmp_path / "group.xlsx").exists()


def test_validate_skips_a_stray_file_in_a_folder_too(tmp_path):
    inbox = inbox_with_strays(tmp_path)
    run = run_cli("validate", inbox)
    assert run.code == 0, run.stderr
    assert run.stderr.count("ftscore: note: not a portfolio, skipped") == 2


def test_explain_skips_a_stray_file_in_a_folder_too(tmp_path):
    inbox = inbox_with_strays(tmp_path)
    run = run_cli("explain", inbox, "--id", "UC-9")
    assert run.code == 0, run.stderr
    assert "Forecast" in run.stdout
    assert run.stderr.count("ftscore: note: not a portfolio, skipped") == 2


def test_a_damaged_spreadsheet_in_a_folder_is_not_a_stray_file(tmp_path):
    """A notes.txt is left out; a unit's workbook that cannot be opened is an unusable input:
    merged, the run stops (exit 3, nothing written); with --out-dir, its own job fails with exit 3
    and the other units' workbooks are still written."""
    inbox = inbox_with_strays(tmp_path)
    (inbox / "apac.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 200)  # a zip cut off after its first header
    out = tmp_path / "group.xlsx"
    run = run_cli("score", inbox, "-o", out)
    assert run.code == 3, run.stderr
    assert "apac.xlsx" in run.stderr and "ftscore: error" in run.stderr
    assert not out.exists()

    run = run_cli("score", inbox, "--out-dir", tmp_path / "scored")
    assert run.code == 3, run.stderr
    assert sorted(p.name for p in (tmp_path / "scored").glob("*.xlsx")) == ["americas-scored.xlsx", "emea-scored.xlsx"]
    assert [line for line in run.stderr.splitlines() if line.startswith("ftscore: error")] == [
        line for line in run.stderr.splitlines() if "apac.xlsx" in line and line.startswith("ftscore: error")]


def test_a_stray_file_note_is_one_short_line(tmp_path):
    inbox = inbox_with_strays(tmp_path)
    run = run_cli("score", inbox, "-o", tmp_path / "group.xlsx")
    notes = [line for line in run.stderr.splitlines() if "notes.txt" in line]
    assert len(notes) == 1
    assert notes[0].endswith("no header row with a use case name column in the first 30 rows"), notes[0]
