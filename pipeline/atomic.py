"""Files appear whole or not at all: written beside the target, then renamed onto it.

Outputs that belong together (a table and its NAME-issues file, a workbook and its Parquet
companion) are written as one group: every temporary file first, and only when all of them
are complete is any renamed into place; a failure leaves every old file as it was and no
temporary file behind.

Temporary files are named ``.NAME.ftscore-PID-RANDOM.tmp`` beside NAME. A run killed before it
could remove its own (kill -9, a power cut) leaves one behind; the next run writing NAME
removes those whose process is gone.

A failure to write is an OutputError: one line naming the output and the system's reason
(No space left on device, Is a directory, ...), never an internal error.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import signal
import stat
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

MARK = "ftscore"
_OS_ERROR = re.compile(r"\(os error (\d+)\)")


from pipeline.errors import OutputError, display, signals_taken, stop_if_signalled  # noqa: E402,F401  (re-exported)


def os_error(exc: BaseException) -> OSError | None:
    """The OSError behind an exception: itself, one it wraps (xlsxwriter's FileCreateError),
    its cause or context, or the 'os error N' a Rust library (polars) puts in its message."""
    seen = set()
    todo = [exc]
    while todo:
        e = todo.pop(0)
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, OSError):
            if e.errno is None:
                found = _OS_ERROR.search(str(e))
                if found:
                    n = int(found.group(1))
                    return OSError(n, os.strerror(n))
            return e
        todo += [a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]
        todo += [e.__cause__, e.__context__]
    found = _OS_ERROR.search(str(exc))
    if found:
        n = int(found.group(1))
        return OSError(n, os.strerror(n))
    return None


def reason(exc: OSError) -> str:
    if exc.errno is not None:
        return os.strerror(exc.errno)
    return exc.strerror or str(exc)


def _new_file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _temp_pattern(path: Path) -> re.Pattern:
    return re.compile(re.escape(f".{path.name}.{MARK}-") + r"(\d+)-[^./]*\.(?:tmp|old|tmpd)\Z")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    except OSError:
        return True
    return True


def remove_stale(path: Path) -> list[Path]:
    """Remove the temporary files of `path` left by runs whose process is gone; return them."""
    path = Path(path)
    pattern = _temp_pattern(path)
    removed = []
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return removed
    for entry in entries:
        found = pattern.match(entry.name)
        if not found or _alive(int(found.group(1))):
            continue
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            pass
    return removed


def _own_temp(path: Path) -> bool:
    found = re.match(r"\..+\." + MARK + r"-(\d+)-[^./]*\.tmp\Z", path.name)
    return bool(found) and int(found.group(1)) == os.getpid() and path.is_file()


_HELD = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait (they are delivered afterwards, not lost) while a temporary path
    is made and remembered, or while it is removed: a signal between the two would leave a file
    no cleanup knows of. The handlers are swapped, not the signal mask: polars' worker threads
    would take a masked signal for the main thread. Only the main thread can swap handlers;
    elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    old = {sig: signal.signal(sig, lambda signum, frame: caught.append(signum)) for sig in _HELD}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        if caught:
            signal.raise_signal(caught[0])  # now to the handler that was there before


def _temp(path: Path, suffix: str) -> str:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{MARK}-{os.getpid()}-", suffix=suffix, dir=path.parent)
    os.close(fd)
    return tmp


def _fail(path: Path, exc: OSError, existed: bool) -> OutputError:
    return OutputError(path, reason(exc), existed)


def _keep_mode(tmp: str, target: Path) -> None:
    """The new file gets the old file's mode and owner (where allowed); a new file the umask's mode."""
    try:
        old = os.stat(target, follow_symlinks=False)
    except FileNotFoundError:
        os.chmod(tmp, _new_file_mode())
        return
    if not stat.S_ISREG(old.st_mode):
        os.chmod(tmp, _new_file_mode())
        return
    os.chmod(tmp, stat.S_IMODE(old.st_mode))
    if hasattr(os, "chown"):
        try:
            os.chown(tmp, old.st_uid, old.st_gid)
        except OSError:
            pass  # not ours to give away: the file keeps our owner, with the old mode


def _make_room(path: Path) -> None:
    """The target's folder exists (made when missing; a file in the way is ENOTDIR), stale
    temporary files of the target are removed, and a target that is a folder is EISDIR."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(path.parent)) from None
    remove_stale(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))


def _back_up(path: Path, backups: dict[Path, str]) -> None:
    """Keep the old file as a hard link (``.old``), remembered in `backups` before a signal can
    come; where no hard link can be made the old file is not kept (a failed rename cannot be
    undone then, but is unlikely)."""
    with _signals_held():
        b = _temp(path, ".old")
        try:
            os.unlink(b)
            os.link(path, b)
            backups[path] = b
        except OSError:
            Path(b).unlink(missing_ok=True)


def _put_in_place(paths: list[Path], temps: list[str], existed: dict[Path, bool],
                  backups: dict[Path, str], done: list[Path]) -> None:
    """Give each new file its target's mode, back up the old files, then rename each new file
    onto its target (recorded in `done` as it happens, for the undo)."""
    for tmp, p in zip(temps, paths):
        _keep_mode(tmp, p)
    for p in paths:  # the old files, kept until every new one is in place
        if existed[p]:
            _back_up(p, backups)
    for tmp, p in zip(temps, paths):
        os.replace(tmp, p)
        done.append(p)


def _undo(done: list[Path], existed: dict[Path, bool], temps: list[str], backups: dict[Path, str]) -> None:
    """Back to the old files (a target that was new is removed) and every temporary file removed;
    signals wait meanwhile, so a second Ctrl-C does not stop the undo half-way."""
    with _signals_held():
        for p in done:
            try:
                if p in backups:
                    os.replace(backups.pop(p), p)
                elif not existed[p]:
                    os.unlink(p)
            except OSError:
                pass
        for t in [*temps, *backups.values()]:
            Path(t).unlink(missing_ok=True)


def _as_output_error(exc: BaseException, paths: list[Path], temps: list[str],
                     existed: dict[Path, bool]) -> OutputError | None:
    """The OS error behind a failed block or rename as OutputError, naming the target it concerns
    (the one whose path or temporary path the error names, else the one being prepared, else the
    first); None when it is no OS error or already an OutputError."""
    cause = os_error(exc) if isinstance(exc, Exception) else None
    if cause is None or isinstance(exc, OutputError):
        return None
    name = getattr(cause, "filename", None)
    failed = next((p for i, p in enumerate(paths) if name in (str(p), temps[i] if i < len(temps) else None)),
                  paths[len(temps)] if len(temps) < len(paths) else paths[0])
    return _fail(failed, cause, existed.get(failed, False))


@contextmanager
def replace_all_when_done(paths: list[Path]) -> Iterator[list[str]]:
    """Yield one temporary path per target; when the block succeeds, rename them all into place.

    Before anything is written: stale temporary files of these targets are removed, and a
    target that is a folder (or whose folder cannot hold it) is refused. When the block or a
    rename fails, the targets already replaced get their old files back, every temporary file
    is removed, and the failure is raised as OutputError when it is an OS error.
    """
    paths = [Path(p) for p in paths]
    if all(_own_temp(p) for p in paths):  # already inside a group of this run: write in place
        yield [str(p) for p in paths]
        return
    existed = {p: p.is_file() for p in paths}
    signalled = signals_taken()
    temps: list[str] = []
    backups: dict[Path, str] = {}
    done: list[Path] = []
    try:
        for p in paths:
            _make_room(p)
            with _signals_held():  # made and remembered before a signal can come
                temps.append(_temp(p, ".tmp"))
        yield temps
        stop_if_signalled(signalled)  # a signal whose exception a library swallowed still stops us
        _put_in_place(paths, temps, existed, backups, done)
    except BaseException as exc:
        _undo(done, existed, temps, backups)
        error = _as_output_error(exc, paths, temps, existed)
        if error is not None:
            raise error from exc
        raise
    with _signals_held():
        for b in backups.values():
            Path(b).unlink(missing_ok=True)


@contextmanager
def scratch_folder(path: Path) -> Iterator[str]:
    """A private folder beside `path` (``.NAME.ftscore-PID-RANDOM.tmpd``) for the scratch files of
    libraries that use Python's tempfile (xlsxwriter's streaming mode keeps each sheet's rows in
    one, removed only when the workbook closes): removed when the block ends however it ends,
    and by the next run writing `path` when the process was killed. Single-threaded use only:
    it sets tempfile.tempdir for the block."""
    path = Path(path)
    before = tempfile.tempdir
    folder = None
    try:
        with _signals_held():
            folder = tempfile.mkdtemp(prefix=f".{path.name}.{MARK}-{os.getpid()}-", suffix=".tmpd", dir=path.parent)
        tempfile.tempdir = folder
        yield folder
    finally:
        tempfile.tempdir = before
        if folder is not None:
            with _signals_held():
                shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def replace_when_done(path: Path) -> Iterator[str]:
    """One file: a temporary path in the target's folder, renamed onto `path` when the block
    succeeds (see replace_all_when_done). A reader never sees half a file, and a failed run
    keeps the old one."""
    with replace_all_when_done([path]) as (tmp,):
        yield tmp
