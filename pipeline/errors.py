"""ftscore's errors, each carrying the exit code the command line ends with (see EXIT_CODES_HELP
in cli.py), and the one mapping from an exception to (exit code, line).

Standard library only: every module can import it. The modules that raise these errors re-export
them (pipeline.read.ReadError, pipeline.config.ConfigError, ...), so either name works.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

def display(path: str | Path) -> str:
    """A path as text that prints anywhere: bytes that are not UTF-8 become U+FFFD."""
    text = os.fspath(path)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


EXIT_OK, EXIT_ROW_ERRORS, EXIT_USAGE, EXIT_UNUSABLE, EXIT_BUG, EXIT_BUSY = 0, 1, 2, 3, 4, 5
EXIT_OUTPUT = 6  # the output cannot be written (full disk, read-only folder, a folder at its path)
EXIT_INTERRUPTED = {"SIGINT": 130, "SIGTERM": 143}  # 128 + the signal's number, as shells report it


def one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception as one short line: its type and the first line of its text (a polars error
    goes on with the whole expression it failed in; that is for FTSCORE_DEBUG=1, not a log)."""
    text = str(exc).strip()
    first = " ".join(text.splitlines()[0].split()) if text else ""
    if len(first) > limit:
        first = first[: limit - 1] + "…"
    return f"{exc.__class__.__name__}: {first}" if first else exc.__class__.__name__


class FtscoreError(Exception):
    """An error ftscore reports as one line and ends with exit_code (nothing written)."""

    exit_code = EXIT_BUG

    def line(self, *, writes: bool = False) -> str:
        """The line after "ftscore: error: ". writes: said by a command that writes an output."""
        return str(self)


class ConfigError(FtscoreError):
    """A configuration file that cannot be used; the message names the key."""

    exit_code = EXIT_USAGE


class NotFound(FtscoreError, LookupError):
    """No use case with that id (or it was not scored)."""

    exit_code = EXIT_USAGE

    def line(self, *, writes: bool = False) -> str:
        return str(self).strip("'\"")


class ReadError(FtscoreError):
    """The input cannot be used at all; nothing is written."""

    exit_code = EXIT_UNUSABLE


class NotAPortfolio(ReadError):
    """The file reads, but holds no use cases: empty, or no row names a use case column (a
    notes.txt, a README). Found in a folder it is left out with a note; a damaged, encrypted or
    oversized file is a ReadError, which stops the run even there."""


class ContractBroken(FtscoreError):
    """The tool itself produced a frame that breaks its contract (a bug)."""

    exit_code = EXIT_BUG

    def line(self, *, writes: bool = False) -> str:
        if writes:
            return f"internal check failed, nothing written: {one_line(self).split(': ', 1)[-1]}"
        return f"internal check failed: {self}"


class LockBusy(FtscoreError):
    """Another run holds the output's lock and did not release it in time."""

    exit_code = EXIT_BUSY


class OutputError(FtscoreError):
    """An output cannot be written (full disk, read-only folder, a folder at its path, ...)."""

    exit_code = EXIT_OUTPUT

    def __init__(self, path: Path, reason: str, existed: bool = False, message: str | None = None):
        self.path, self.reason, self.existed = Path(path), reason, existed
        left = ", the previous file is unchanged" if existed else ""
        super().__init__(message or f"cannot write {display(self.path)}: {reason}; nothing written{left}")


class Interrupted(SystemExit):
    """SIGINT or SIGTERM arrived: stop, remove temporary files on the way out, exit 128 + signal.

    A SystemExit, so every `except BaseException` that lets SystemExit through (a reader's
    error handler, for one) lets this through too, and click does not turn it into "Aborted!"."""

    def __init__(self, signame: str):
        super().__init__(EXIT_INTERRUPTED.get(signame, 130))
        self.signame = signame

    @property
    def exit_code(self) -> int:
        return self.code


_SIGNALS: list[str] = []  # every SIGINT and SIGTERM the command's handler took, in order


def interrupt(signame: str) -> NoReturn:
    """The command's signal handler: note the signal, then raise Interrupted. The note outlives
    an exception that is swallowed: a signal handled while a library's native code runs Python
    (pyo3 checking whether a value is a Sequence) is reported as "Exception ignored" and dropped,
    and the run would go on as if no one had asked it to stop (see signals_taken)."""
    _SIGNALS.append(signame)
    raise Interrupted(signame)


def signals_taken() -> int:
    """How many signals the handler has taken so far in this process."""
    return len(_SIGNALS)


def stop_if_signalled(since: int) -> None:
    """Raise Interrupted when a signal was taken after `since` (a signals_taken() count), even one
    whose exception was swallowed on the way: called before an output is put in place."""
    if len(_SIGNALS) > since:
        raise Interrupted(_SIGNALS[-1])


def internal(exc: BaseException, *, writes: bool = False) -> str:
    """The line for a bug (an exception ftscore did not expect, or a library's Rust panic)."""
    return (f"internal error{', nothing written' if writes else ''} ({one_line(exc)}); "
            "set FTSCORE_DEBUG=1 for the traceback")


def debugging() -> bool:
    """FTSCORE_DEBUG=1: a bug shows its traceback instead of one line."""
    return bool(os.environ.get("FTSCORE_DEBUG"))
