"""An advisory lock on an output workbook, so two runs never write it at once.

Two cron entries writing the same workbook would otherwise interleave or
overwrite each other's file. ``output_lock`` holds an exclusive ``flock`` on a
hidden file beside the output (``.NAME.lock``) for the duration of the write.
The lock belongs to the open file, so the kernel releases it when the process
ends, however it ends: a crashed run never leaves a stale lock behind. The
lock file itself is left in place on exit: deleting it would let a third run
lock a new file while a second still holds the old one.

On platforms without ``fcntl`` (Windows) the lock is a no-op.
"""

from __future__ import annotations

import errno
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Linux
    fcntl = None  # type: ignore[assignment]

RETRY_SECONDS = 0.1

# flock errors that mean "this filesystem cannot lock", not "someone holds it".
_UNSUPPORTED = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}
_BUSY = {errno.EAGAIN, errno.EWOULDBLOCK, errno.EACCES}


class LockBusy(Exception):
    """Another run holds the output's lock and did not release it in time."""


def lock_path(output: Path) -> Path:
    """The lock file beside `output`: ``DIR/.NAME.lock``."""
    output = Path(output)
    return output.parent / f".{output.name}.lock"


@contextmanager
def output_lock(output: Path, *, wait_seconds: float) -> Iterator[None]:
    """Hold an exclusive advisory lock for writing `output` while the block runs.

    Tries every 0.1 s until `wait_seconds` have passed (one try when 0), then
    raises LockBusy. Raises OSError when the lock file cannot be created (for
    example when output's folder does not exist or is not writable). On a
    filesystem that does not support flock the block runs unlocked.
    """
    if fcntl is None:
        yield
        return
    lockpath = lock_path(output)
    fd = os.open(lockpath, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
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
