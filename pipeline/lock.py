"""An advisory lock on an output workbook, so two runs never write it at once.

Two cron entries writing the same workbook would otherwise interleave or
overwrite each other's file. ``output_lock`` holds an exclusive ``flock`` on a
hidden file beside the output (``.NAME.lock``) for the duration of the write.
The lock belongs to the open file, so the kernel releases it when the process
ends, however it ends: a crashed run never leaves a stale lock behind. The
lock file itself is left in place on exit: deleting it would let a third run
lock a new file while a second still holds the old one.

The lock file is opened without following a symbolic link (O_NOFOLLOW) and must be a
regular file: a link planted at its name (to make a run as root create or open another file)
is refused with LockRefused, and nothing is created or truncated.

On platforms without ``fcntl`` (Windows) the lock is a no-op.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from pipeline.atomic import OutputError, display

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux
    fcntl = None  # type: ignore[assignment]

RETRY_SECONDS = 0.1

# flock errors that mean "this filesystem cannot lock", not "someone holds it".
_UNSUPPORTED = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}
_BUSY = {errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES}


from pipeline.errors import LockBusy  # noqa: E402,F401  (re-exported)


class LockRefused(OutputError):
    """The lock file's name is taken by a symbolic link or something that is not a regular file."""

    def __init__(self, output: Path, lockpath: Path, what: str):
        super().__init__(output, what, output.is_file(), message=(
            f"cannot write {display(output)}: its lock file {display(lockpath)} is {what}; "
            "ftscore will not use it (remove it and run again); nothing written"))


def _open_lock(output: Path, lockpath: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    flags |= getattr(os, "O_NONBLOCK", 0)  # a FIFO at the name must not hang the open
    if os.path.islink(lockpath):
        raise LockRefused(output, lockpath, "a symbolic link")
    try:
        fd = os.open(lockpath, flags, 0o666)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise LockRefused(output, lockpath, "a symbolic link") from None
        if exc.errno == errno.EISDIR:
            raise LockRefused(output, lockpath, "a folder") from None
        raise
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise LockRefused(output, lockpath, "not a regular file")
    return fd


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
    lockpath = lock_path(output)
    fd = _open_lock(Path(output), lockpath)
    try:
        deadline = time.monotonic() + max(wait_seconds, 0.0)
        locked = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                locked = True
                break
            except OSError as exc:
                if exc.errno in _UNSUPPORTED:
                    break  # cannot lock here: run unlocked rather than not at all
                if exc.errno not in _BUSY:
                    raise
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LockBusy(
                    f"{output} is being written by another ftscore run (lock file {lockpath}); "
                    "try again later or raise --lock-wait"
                )
            time.sleep(min(RETRY_SECONDS, remaining))
        try:
            yield
        finally:
            if locked:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
