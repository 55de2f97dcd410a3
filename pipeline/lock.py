"""An advisory lock on an output workbook, so two runs never write it at once.

Two cron entries writing the same workbook would otherwise interleave or
overwrite each other's file. ``output_lock`` holds an exclusive lock, taken with
filelock's ``FileLock`` (``flock`` on Linux and macOS), on a hidden file beside the
output (``.NAME.lock``) for the duration of the write. The lock belongs to the open
file, so the kernel releases it when the process ends, however it ends: a crashed
run never leaves a stale lock behind (its file stays until the next run on that
output removes it; an unheld lock file blocks nobody).

The run removes the lock file when it is done, while it still holds the lock, and
only if the name is still its own file. That is safe with filelock 4.x: a run that
opened the old file and was waiting for it finds, once it holds the lock, that the
file has no name left (``st_nlink == 0``) and opens the name afresh, so two runs never
hold two different files of the same name (tests/test_lock.py runs writers that
count under the lock to check it).

The lock file's name is checked with ``os.lstat`` first: a symbolic link (to make a
run as root create or open another file) or anything but a regular file (a folder, a
FIFO) at its name is refused with LockRefused, and nothing is created or truncated.
filelock (>= 3.20.1, CVE-2025-68146) then opens the name with O_NOFOLLOW and, since
4.x, creates it with O_EXCL and never truncates it, so a link planted between the
check and the open is refused too (ELOOP, the same LockRefused). What it does not
check is that an existing name is a regular file: a FIFO swapped in within that
window would be opened (O_NONBLOCK: it does not hang) and locked, never written.
filelock also creates missing folders above the lock file; a missing output folder is
FileNotFoundError here before it is asked, as before.

Filesystems without locks (some network and FUSE mounts: ``flock`` fails with
ENOSYS, ENOLCK, EOPNOTSUPP or EINVAL): the write runs unlocked rather than not at
all, as before. filelock's own answer to ENOSYS, a "soft" lock (a marker file whose
existence is the lock), is switched off (``fallback_to_soft=False``): a crashed run
would leave that marker behind and block every later run.

Where Python has no ``fcntl`` (Windows) the lock is a no-op, as before.
"""

from __future__ import annotations

import errno
import os
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from pipeline.atomic import OutputError, display

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux
    fcntl = None  # type: ignore[assignment]

RETRY_SECONDS = 0.1

# flock errors that mean "this filesystem cannot lock", not "someone holds it".
_UNSUPPORTED = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}


from pipeline.errors import LockBusy  # noqa: E402,F401  (re-exported)


class LockRefused(OutputError):
    """The lock file's name is taken by a symbolic link or something that is not a regular file."""

    def __init__(self, output: Path, lockpath: Path, what: str):
        super().__init__(output, what, output.is_file(), message=(
            f"cannot write {display(output)}: its lock file {display(lockpath)} is {what}; "
            "ftscore will not use it (remove it and run again); nothing written"))


def _check_name(output: Path, lockpath: Path) -> None:
    """LockRefused when the lock file's name is taken by anything but a regular file;
    FileNotFoundError when its folder does not exist (as an open of the name would raise)."""
    try:
        mode = os.lstat(lockpath).st_mode
    except FileNotFoundError:
        if not lockpath.parent.is_dir():  # filelock would create the missing folders
            raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(lockpath)) from None
        return
    if stat.S_ISLNK(mode):
        raise LockRefused(output, lockpath, "a symbolic link")
    if stat.S_ISDIR(mode):
        raise LockRefused(output, lockpath, "a folder")
    if not stat.S_ISREG(mode):
        raise LockRefused(output, lockpath, "not a regular file")


def lock_path(output: Path) -> Path:
    """The lock file beside `output`: ``DIR/.NAME.lock``."""
    output = Path(output)
    return output.parent / f".{output.name}.lock"


@contextmanager
def output_lock(output: Path, *, wait_seconds: float) -> Iterator[None]:
    """Hold an exclusive advisory lock for writing `output` while the block runs.

    Tries every 0.1 s until `wait_seconds` have passed (one try when 0), then
    raises LockBusy. Raises LockRefused when the lock file's name is a symbolic link or
    not a regular file. Raises OSError when the lock file cannot be created (for
    example when output's folder does not exist or is not writable). On a
    filesystem that does not support flock the block runs unlocked.
    """
    if fcntl is None:
        yield
        return
    output = Path(output)
    lockpath = lock_path(output)
    _check_name(output, lockpath)
    lock = FileLock(lockpath, timeout=max(wait_seconds, 0.0), poll_interval=RETRY_SECONDS,
                    fallback_to_soft=False, preserve_lock_file=True)
    locked = False
    try:
        lock.acquire()
        locked = True
    except Timeout:
        raise LockBusy(f"{output} is being written by another ftscore run (lock file {lockpath}); "
                       "try again later or raise --lock-wait") from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LockRefused(output, lockpath, "a symbolic link") from None
        if exc.errno == errno.EISDIR:
            raise LockRefused(output, lockpath, "a folder") from None
        if exc.errno not in _UNSUPPORTED:
            raise
        # cannot lock here: run unlocked rather than not at all
    held = os.lstat(lockpath) if locked else None
    try:
        yield
    finally:
        if locked:
            _remove_own(lockpath, held)
            lock.release()


def _remove_own(lockpath: Path, held: os.stat_result) -> None:
    """Unlink the lock file while it is still locked, if its name is still the file this run locked."""
    try:
        if os.path.samestat(os.lstat(lockpath), held):
            os.unlink(lockpath)
    except OSError:  # gone or not removable (read-only folder): an unheld lock file blocks nobody
        pass
