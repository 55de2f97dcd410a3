"""pipeline.lock: a second writer of the same output waits, then gives up with LockBusy."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import pipeline.lock as lock_mod
from pipeline.lock import LockBusy, LockRefused, lock_path, output_lock

ROOT = Path(__file__).resolve().parents[1]

# Another process takes the lock, says "locked", holds it until a line arrives
# on stdin (or for HOLD seconds when given), then says "released" and exits.
HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from pipeline.lock import output_lock

    output, hold = Path(sys.argv[1]), float(sys.argv[2])
    with output_lock(output, wait_seconds=0):
        print("locked", flush=True)
        if hold > 0:
            time.sleep(hold)
        else:
            sys.stdin.readline()
    print("released", flush=True)
    """
)


def start_holder(output: Path, hold: float = 0.0) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(output), str(hold)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT,
    )
    assert proc.stdout.readline().strip() == "locked"
    return proc


def stop_holder(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.stdin.write("\n")
        proc.stdin.flush()
    assert proc.wait(timeout=10) == 0


def test_second_run_gets_lockbusy_then_succeeds_after_release(tmp_path):
    output = tmp_path / "scored.xlsx"
    holder = start_holder(output)
    try:
        started = time.monotonic()
        with pytest.raises(LockBusy) as info:
            with output_lock(output, wait_seconds=0.3):
                pytest.fail("the lock was taken while another process held it")
        waited = time.monotonic() - started
        assert 0.25 <= waited < 2.0
        expected_lock = tmp_path / ".scored.xlsx.lock"
        assert str(info.value) == (
            f"{output} is being written by another ftscore run (lock file {expected_lock}); "
            "try again later or raise --lock-wait"
        )
    finally:
        stop_holder(holder)
    assert holder.stdout.read().strip() == "released"

    entered = False
    with output_lock(output, wait_seconds=0.3):
        entered = True
    assert entered
    assert not (tmp_path / ".scored.xlsx.lock").exists()  # removed when the run is done


def test_waiting_run_gets_the_lock_when_the_holder_finishes(tmp_path):
    output = tmp_path / "scored.xlsx"
    holder = start_holder(output, hold=0.5)
    try:
        started = time.monotonic()
        with output_lock(output, wait_seconds=10):
            waited = time.monotonic() - started
        assert 0.2 <= waited < 10
    finally:
        assert holder.wait(timeout=10) == 0


def test_lock_is_released_when_the_holder_dies(tmp_path):
    output = tmp_path / "scored.xlsx"
    holder = start_holder(output)
    holder.kill()
    holder.wait(timeout=10)
    with output_lock(output, wait_seconds=1):
        pass


def test_lock_is_released_when_the_block_raises(tmp_path):
    output = tmp_path / "scored.xlsx"
    with pytest.raises(RuntimeError):
        with output_lock(output, wait_seconds=0):
            raise RuntimeError("write failed")
    holder = start_holder(output)  # another process can take it at once
    stop_holder(holder)


def test_in_process_second_lock_is_busy_and_wait_zero_tries_once(tmp_path):
    output = tmp_path / "scored.xlsx"
    with output_lock(output, wait_seconds=0):
        started = time.monotonic()
        with pytest.raises(LockBusy, match="is being written by another ftscore run"):
            with output_lock(output, wait_seconds=0):
                pass
        assert time.monotonic() - started < 0.1
    with output_lock(output, wait_seconds=0):  # released on exit
        pass


def test_different_outputs_do_not_block_each_other(tmp_path):
    holder = start_holder(tmp_path / "a.xlsx")
    try:
        with output_lock(tmp_path / "b.xlsx", wait_seconds=0):
            pass
    finally:
        stop_holder(holder)


def test_lock_path_is_hidden_beside_the_output(tmp_path):
    assert lock_path(tmp_path / "out" / "scored.xlsx") == tmp_path / "out" / ".scored.xlsx.lock"


def test_missing_folder_raises_oserror(tmp_path):
    with pytest.raises(FileNotFoundError):
        with output_lock(tmp_path / "nowhere" / "scored.xlsx", wait_seconds=0):
            pass


def test_no_fcntl_means_no_lock(tmp_path, monkeypatch):
    monkeypatch.setattr(lock_mod, "fcntl", None)
    output = tmp_path / "scored.xlsx"
    with output_lock(output, wait_seconds=0):
        with output_lock(output, wait_seconds=0):
            pass
    assert not lock_path(output).exists()


def test_lock_refuses_a_dangling_symlink_and_does_not_create_its_target(tmp_path):
    target = tmp_path / "etc" / "cron.d-ftscore"
    target.parent.mkdir()
    os.symlink(target, tmp_path / ".scored.xlsx.lock")
    with pytest.raises(LockRefused, match="symbolic link"):
        with output_lock(tmp_path / "scored.xlsx", wait_seconds=0):
            pytest.fail("the lock was taken through a symlink")
    assert not target.exists()


def test_lock_refuses_a_symlink_to_an_existing_file_without_truncating_it(tmp_path):
    victim = tmp_path / "shadow"
    victim.write_text("root:x:0:0\n")
    os.symlink(victim, tmp_path / ".scored.xlsx.lock")
    with pytest.raises(LockRefused, match=r"lock file .*\.scored\.xlsx\.lock is a symbolic link"):
        with output_lock(tmp_path / "scored.xlsx", wait_seconds=0):
            pytest.fail("the lock was taken through a symlink")
    assert victim.read_text() == "root:x:0:0\n"


def test_lock_refuses_a_fifo_at_its_name(tmp_path):
    os.mkfifo(tmp_path / ".scored.xlsx.lock")
    with pytest.raises(LockRefused, match="not a regular file"):
        with output_lock(tmp_path / "scored.xlsx", wait_seconds=0):
            pass


def test_lock_refuses_a_folder_at_its_name(tmp_path):
    (tmp_path / ".scored.xlsx.lock").mkdir()
    with pytest.raises(LockRefused, match="is a folder"):
        with output_lock(tmp_path / "scored.xlsx", wait_seconds=0):
            pass


def test_a_symlink_planted_after_the_check_is_refused_by_the_open(tmp_path, monkeypatch):
    # The race the lstat check cannot close: the link appears between the check and the open.
    # filelock opens with O_NOFOLLOW, so the open fails (ELOOP) and nothing is created or truncated.
    victim = tmp_path / "shadow"
    victim.write_text("root:x:0:0\n")
    checked = lock_mod._check_name

    def check_then_plant(output, lockpath):
        checked(output, lockpath)
        os.symlink(victim, lockpath)

    monkeypatch.setattr(lock_mod, "_check_name", check_then_plant)
    with pytest.raises(LockRefused, match="is a symbolic link"):
        with output_lock(tmp_path / "scored.xlsx", wait_seconds=0):
            pytest.fail("the lock was taken through a symlink")
    assert victim.read_text() == "root:x:0:0\n"


@pytest.mark.parametrize("code", ["ENOLCK", "EOPNOTSUPP", "ENOSYS", "EINVAL"])
def test_a_filesystem_without_locks_runs_unlocked(tmp_path, monkeypatch, code):
    import errno

    def no_locks(self, *args, **kwargs):
        raise OSError(getattr(errno, code), "flock not supported")

    monkeypatch.setattr(lock_mod.FileLock, "acquire", no_locks)
    ran = []
    with output_lock(tmp_path / "scored.xlsx", wait_seconds=0):
        ran.append(True)
    assert ran == [True]


def test_the_lock_file_is_there_while_held_and_removed_after(tmp_path):
    output = tmp_path / "scored.xlsx"
    with output_lock(output, wait_seconds=0):
        assert lock_path(output).is_file()
    assert not lock_path(output).exists()
    with output_lock(output, wait_seconds=0):  # and taken again
        assert lock_path(output).is_file()
    assert not lock_path(output).exists()


def test_a_lock_file_left_by_a_killed_run_is_taken_and_removed(tmp_path):
    output = tmp_path / "scored.xlsx"
    holder = start_holder(output)
    holder.kill()
    holder.wait(timeout=10)
    assert lock_path(output).is_file()  # kill -9: the file stays, the lock went with the process
    with output_lock(output, wait_seconds=0):
        pass
    assert not lock_path(output).exists()


def test_a_lock_file_replaced_under_the_run_is_not_removed(tmp_path):
    output = tmp_path / "scored.xlsx"
    with output_lock(output, wait_seconds=0):
        lock_path(output).unlink()  # someone removed it by hand and another file took the name
        lock_path(output).write_text("not ours")
    assert lock_path(output).read_text() == "not ours"


# Writers that each add 1 to a counter file many times, read-sleep-write under the lock: a lost
# update means two of them held the lock at once (with the lock file removed after every hold).
COUNTER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from pipeline.lock import output_lock

    output, counter, times = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    for _ in range(times):
        with output_lock(output, wait_seconds=60):
            n = int(counter.read_text())
            time.sleep(0.002)
            counter.write_text(str(n + 1))
    """
)


def test_removing_the_lock_file_keeps_writers_apart(tmp_path):
    output, counter = tmp_path / "scored.xlsx", tmp_path / "counter"
    counter.write_text("0")
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    writers = [subprocess.Popen([sys.executable, "-c", COUNTER, str(output), str(counter), "40"], env=env, cwd=ROOT)
               for _ in range(4)]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0, 0]
    assert counter.read_text() == "160"
    assert not lock_path(output).exists()
