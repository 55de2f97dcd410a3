"""Runs of `ftscore score` as jobs: which inputs go to which workbook, skipping what has not
changed since the last run, and the outcome of each as data (exit code, counts, timings).

No click and no printing: the command line turns outcomes into lines or JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Callable

from pipeline import __version__, changes, summary
from pipeline import history as history_mod
from pipeline.config import horizon_column
from pipeline.run import checksum

from pipeline.errors import (  # noqa: F401  (re-exported: the exit codes and one_line were defined here)
    EXIT_BUG, EXIT_BUSY, EXIT_INTERRUPTED, EXIT_OK, EXIT_OUTPUT, EXIT_ROW_ERRORS, EXIT_UNUSABLE, EXIT_USAGE,
    FtscoreError, Interrupted, one_line,
)

MANIFEST = ".ftscore-manifest.json"
Progress = Callable[[str], None]


@dataclass
class Outcome:
    inputs: list[Path]
    output: Path | None
    code: int
    error: str | None = None
    result: object | None = None  # run.Result when scored
    skipped: bool = False
    seconds: float = 0.0
    previous: dict = field(default_factory=dict)  # manifest entry of a skipped job
    written: list[Path] = field(default_factory=list)
    not_portfolios: list[tuple[Path, str]] = field(default_factory=list)  # folder files left out, and why
    history: str | None = None  # "ok", "off" or why the run is not recorded (history.RunHistory.status)
    portfolio: str | None = None  # the portfolio the run is recorded as

    @property
    def status(self) -> str:
        if self.skipped:
            return "unchanged"
        if self.result is None and not self.error and self.not_portfolios:
            return "not a portfolio"
        return "failed" if self.error else "written" if self.output else "checked"

    def summary(self) -> dict:
        """Machine-readable facts of this job (for --json)."""
        from pipeline.atomic import display

        out: dict = {
            "inputs": [display(p) for p in self.inputs],
            "output": display(self.output) if self.output else None,
            "written": [display(p) for p in self.written],
            "status": self.status,
            "exit_code": self.code,
            "error": self.error,
            "seconds": round(self.seconds, 3),
            "skipped_files": [{"file": display(p), "reason": why} for p, why in self.not_portfolios],
        }
        if self.history is not None:
            out.update(history=self.history, portfolio=self.portfolio)
        if self.skipped:
            out.update({k: self.previous.get(k) for k in ("rows", "scored", "error_rows", "warnings")})
        r = self.result
        if r is not None:
            out.update(
                rows=r.rows, scored=r.scored, error_rows=r.error_rows, warnings=r.warnings,
                recommendations=r.recommendations,
                **_portfolio_facts(r),
                sources=[{"file": s.table.file, "sheet": s.table.sheet, "header_row": s.table.header_row,
                          "encoding": s.table.encoding, "rows": s.table.rows,
                          "other_sheets": s.table.other_sheets} for s in r.sources],
                timings={k: round(v, 3) for k, v in r.timings.items()},
                changes=changes.as_json(r.changes_facts),
            )
        return out


def _portfolio_facts(result) -> dict:
    """--json's Summary facts: per recommendation (in [ranking] order) its use cases, monthly API spend
    and net savings over the horizon (null: not given); the Insufficient data rows and what they lack."""
    lacking = summary.lacking(result.ranking)
    table = summary.by_recommendation(result.ranking, result.config)
    return {"by_recommendation": table.rename({summary.SAVINGS: horizon_column(result.config)}).to_dicts(),
            "insufficient_data": {**lacking, "line": summary.insufficient_line(lacking)}}


def fingerprint(inputs: list[Path], cfg: dict, settings: dict) -> str:
    """What the workbook depends on: the inputs' bytes, the config, the options and the version."""
    digest = hashlib.sha256()
    digest.update(__version__.encode())
    digest.update(json.dumps(cfg, sort_keys=True, default=str).encode())
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    for path in inputs:
        digest.update(os.fsencode(path.name))  # the bytes, whatever their encoding
        digest.update(checksum(path).encode())  # each file's own SHA-256, not its bytes again
    return digest.hexdigest()


_ENTRY_TYPES = {"fingerprint": str, "exit_code": int, "rows": int, "scored": int, "error_rows": int, "warnings": int}


def _good_entry(entry) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
        return False
    if entry.get("exit_code") not in (EXIT_OK, EXIT_ROW_ERRORS) or isinstance(entry.get("exit_code"), bool):
        return False
    return all(isinstance(entry[k], t) and not isinstance(entry[k], bool)
               for k, t in _ENTRY_TYPES.items() if k in entry and k not in ("fingerprint", "exit_code"))


def load_manifest(folder: Path, notes: list[str] | None = None) -> dict:
    """The manifest of an output folder: {output name: entry}. What cannot be read, is not JSON
    of the right shape, or is an entry of the wrong types is ignored (said in `notes`): that
    input is rescored and the manifest written fresh; a bad manifest never blocks a run."""
    from pipeline.atomic import display

    path = folder / MANIFEST
    notes = notes if notes is not None else []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        why = getattr(exc, "strerror", None) or exc.__class__.__name__
        notes.append(f"{display(path)} is not a valid ftscore manifest ({why}); ignored, every input "
                     "there is rescored and the manifest written afresh")
        return {}
    if not isinstance(data, dict):
        notes.append(f"{display(path)} is not a valid ftscore manifest (not a JSON object); ignored, every "
                     "input there is rescored and the manifest written afresh")
        return {}
    bad = sorted(str(k) for k, v in data.items() if not _good_entry(v))
    for key in bad:
        notes.append(f"{display(path)}: ignored its entry for {key} (not of the shape ftscore writes); "
                     "that input is rescored")
        del data[key]
    return data


def save_manifest(folder: Path, data: dict) -> None:
    from pipeline.atomic import replace_when_done

    with replace_when_done(folder / MANIFEST) as tmp:
        Path(tmp).write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")


def output_kind(output: Path, requested: str | None = None) -> str:
    """xlsx, parquet or csv: as asked, else from the output's suffix."""
    if requested:
        return requested
    return {".parquet": "parquet", ".csv": "csv"}.get(output.suffix.lower(), "xlsx")


def _write_output(result, output: Path, kind: str) -> list[Path]:
    """Write the output; a workbook and its Parquet companion appear together or not at all."""
    from pipeline import export
    from pipeline.atomic import replace_all_when_done, scratch_folder
    from pipeline.workbook import needs_companion, write

    if kind != "xlsx":
        return export.write_table(result, output, kind)
    if not needs_companion(result):
        with replace_all_when_done([output]) as (tmp,), scratch_folder(output):
            write(result, tmp)
        return [output]
    # every row and column still goes somewhere: a Parquet file (and its issues) beside the workbook
    companion = output.with_suffix(".parquet")
    paths = [output, *export.targets(companion, result)]
    with replace_all_when_done(paths) as temps, scratch_folder(output):
        export.write_table(result, companion, "parquet", into=temps[1:])
        write(result, temps[0], companion=companion)
    return paths


def _prepare_folder(output: Path) -> None:
    """The output's folder exists (made when missing); a file in the way is ENOTDIR."""
    import errno

    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise OSError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(output.parent)) from None
    if output.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(output))


def score_job(inputs: list[Path], output: Path | None, cfg: dict, *, read_options: dict,
              price_date: date | None = None, draws: int | None = None, budget: float | None = None,
              lock_wait: float | None = None, progress: Progress | None = None, kind: str | None = None,
              optional: frozenset = frozenset(), history: str | None = "off", portfolio: str | None = None
              ) -> Outcome:
    """Score inputs as one portfolio and write the output (or only check, without output).

    An input in `optional` (found in a folder) that is not a usable portfolio is left out and
    listed in Outcome.not_portfolios; when none is usable, the job fails with exit 3.
    history: where a job that writes its output records the run (history.target_for: --history as
    given, None for the config's history.path), as the portfolio named (default: from the inputs)."""
    from pipeline.atomic import display, reason
    from pipeline.errors import debugging, internal
    from pipeline.run import score_files

    started = time.perf_counter()
    outcome = Outcome(list(inputs), output, EXIT_OK)
    target = history_mod.target_for(history, cfg, output.parent if output is not None else None)
    try:
        result = score_files(inputs, cfg, max_rows=read_options.pop("max_rows", None) or cfg["input"]["max_rows"],
                             price_date=price_date, draws=draws, budget=budget, progress=progress, detail=False,
                             optional=frozenset(optional), skipped=outcome.not_portfolios,
                             keep_inputs=target is not None, **read_options)
        outcome.result = result
        history = history_mod.RunHistory(target, cfg["history"]["busy_timeout_s"])
        outcome.portfolio = portfolio or history_mod.portfolio_of(outcome.inputs)
        if output is not None:
            result = outcome.result = _with_changes(result, history, outcome.portfolio)
            outcome.written = _locked_write(result, output, kind, progress,
                                            cfg["output"]["lock_wait_seconds"] if lock_wait is None else lock_wait)
        outcome.code = EXIT_ROW_ERRORS if result.error_rows else EXIT_OK
        if outcome.written:
            _record_history(outcome, history)
    except FtscoreError as exc:  # each carries its exit code (pipeline/errors.py)
        outcome.code, outcome.error = exc.exit_code, exc.line(writes=True)
    except OSError as exc:  # reading an input (read.py turns most into ReadError)
        outcome.code, outcome.error = EXIT_UNUSABLE, f"cannot read {display(exc.filename or '')}: {reason(exc)}"
    except (KeyboardInterrupt, SystemExit):  # Interrupted is a SystemExit
        raise
    except BaseException as exc:
        # The job's own boundary, besides cli.main's: a bug or a library's Rust panic (pyo3's
        # PanicException derives from BaseException, one class per extension module, so no
        # narrower except catches them all) fails this job with exit 4, and the run goes on: the
        # other jobs of --out-dir are written and --json still prints its summary.
        if debugging():
            raise
        outcome.code, outcome.error = EXIT_BUG, internal(exc, writes=True)
    outcome.seconds = time.perf_counter() - started
    return outcome


def _locked_write(result, output: Path, kind: str | None, progress: Progress | None, wait: float) -> list[Path]:
    """Write the output under its lock; the files written."""
    from pipeline.atomic import OutputError, reason
    from pipeline.lock import output_lock

    try:
        _prepare_folder(output)
        with output_lock(output, wait_seconds=wait):
            if progress:
                progress(f"writing {output.name}")
            t = time.perf_counter()
            written = _write_output(result, output, output_kind(output, kind))
            result.timings["write"] = time.perf_counter() - t
            return written
    except OSError as exc:  # the folder, the lock file: nothing was written yet
        raise OutputError(output, reason(exc), output.is_file()) from exc


def _with_changes(result, history, portfolio: str):
    """The run with what changed since the previous recorded run of its portfolio (the Changes sheet):
    nothing to compare without a history, on its first run, or when the history cannot be read (the
    reason is on the sheet). The snapshot taken here is the one recorded after the write."""
    if history.target is None:
        return result
    t = time.perf_counter()
    current = history.snapshot_of(result, portfolio)
    previous = None if current is None else history.previous(portfolio)
    # no input text is read but those of the use cases whose inputs changed: this run's from its held
    # texts, the previous run's from the history
    frame, facts = changes.for_run(previous, current, result.config, history.problem, portfolio=portfolio,
                                   texts=lambda checksums: history.inputs(checksums, result.inputs))
    history.close()  # not held through the write (which may fail); recording opens it again
    result.timings["changes"] = time.perf_counter() - t
    return replace(result, changes=frame, changes_facts=facts, snapshot=current)


def _record_history(outcome: Outcome, history) -> None:
    """Record a job that wrote its output in its history (a fault is only Outcome.history)."""
    result = outcome.result
    t = time.perf_counter()
    if history.target is not None:
        history.record_result(result, outcome.portfolio, outcome.code, result.snapshot)
        history.close()
        result.timings["history"] = time.perf_counter() - t
    outcome.history = history.status


def plan(files: list[Path], output: Path | None, out_dir: Path | None, merge: bool,
         suffix: str = ".xlsx") -> list[tuple[list[Path], Path]]:
    """(inputs, output) per job: one merged output, or one per input in out_dir."""
    if out_dir is None:
        target = output or Path(f"{files[0].stem}-scored{suffix}" if len(files) == 1 else f"portfolio-scored{suffix}")
        return [(files, target)]
    if merge:
        return [(files, out_dir / (output.name if output else f"portfolio-scored{suffix}"))]
    names: dict[str, int] = {}
    jobs = []
    for f in files:
        stem = f.stem
        names[stem] = names.get(stem, 0) + 1
        dup = "" if names[stem] == 1 else f"-{f.suffix.lstrip('.')}"
        jobs.append(([f], out_dir / f"{stem}{dup}-scored{suffix}"))
    return jobs


def run_jobs(jobs: list[tuple[list[Path], Path]], cfg: dict, *, use_manifest: bool, force: bool,
             settings: dict, read_options: dict, on_done: Callable[[Outcome], None] | None = None,
             on_note: Callable[[str], None] | None = None, **score_options) -> list[Outcome]:
    """Run each job; with a manifest, skip a job whose inputs, config and version are unchanged.

    on_note gets each remark that is not an error (a manifest ignored or not updated)."""

    def note(text: str) -> None:
        if on_note:
            on_note(text)

    def done(outcome: Outcome) -> None:
        if on_done:
            on_done(outcome)

    outcomes = []
    unusable: list[tuple[Outcome, str | None]] = []  # jobs of one folder file that is not a portfolio
    manifests: dict[Path, dict] = {}
    for inputs, output in jobs:
        fp = None
        if use_manifest:
            manifest = _manifest_of(output.parent, manifests, note)
            fp = _fingerprint(inputs, cfg, settings)
            skipped = _unchanged(inputs, output, manifest.get(output.name, {}), fp, force)
            if skipped is not None:
                outcomes.append(skipped)
                done(skipped)
                continue
        outcome = score_job(list(inputs), output, cfg, read_options=dict(read_options), **score_options)
        if (outcome.code == EXIT_UNUSABLE and len(outcome.not_portfolios) == len(inputs) and len(jobs) > 1):
            # one input of a folder scored on its own is not a portfolio: left out, the others go on
            unusable.append((outcome, outcome.error))
            outcome.code, outcome.error = EXIT_OK, None
        if use_manifest and fp and outcome.error is None and outcome.result is not None:
            _record(output, manifests[output.parent], inputs, fp, outcome, note)
        outcomes.append(outcome)
        if not (unusable and unusable[-1][0] is outcome):
            done(outcome)
    _settle_unusable(outcomes, unusable, done)
    return outcomes


def _manifest_of(folder: Path, manifests: dict[Path, dict], note: Callable[[str], None]) -> dict:
    """The manifest of an output folder, loaded once per run (what was wrong with it goes to note)."""
    if folder not in manifests:
        found: list[str] = []
        manifests[folder] = load_manifest(folder, found)
        for text in found:
            note(text)
    return manifests[folder]


def _fingerprint(inputs: list[Path], cfg: dict, settings: dict) -> str | None:
    """The job's fingerprint, or None when an input cannot be read (the job reports it)."""
    try:
        return fingerprint(inputs, cfg, settings)
    except OSError:
        return None


def _unchanged(inputs: list[Path], output: Path, entry: dict, fp: str | None, force: bool) -> Outcome | None:
    """The outcome of a job skipped as unchanged (its manifest entry has this fingerprint and the
    output is still there, and no --force); else None."""
    if not force and fp and entry.get("fingerprint") == fp and output.exists():
        return Outcome(list(inputs), output, int(entry.get("exit_code", 0)), skipped=True, previous=entry)
    return None


def _record(output: Path, manifest: dict, inputs: list[Path], fp: str, outcome: Outcome,
            note: Callable[[str], None]) -> None:
    """Enter a scored job in its folder's manifest and save it; a manifest that cannot be saved is
    a note (the next run rescores), never an error of the job."""
    from pipeline.atomic import OutputError, display

    folder = output.parent
    r = outcome.result
    manifest[output.name] = {
        "fingerprint": fp, "exit_code": outcome.code, "inputs": [display(p) for p in inputs],
        "rows": r.rows, "scored": r.scored, "error_rows": r.error_rows, "warnings": r.warnings,
    }
    try:
        folder.mkdir(parents=True, exist_ok=True)
        save_manifest(folder, manifest)
    except (OutputError, OSError) as exc:
        why = exc.reason if isinstance(exc, OutputError) else (exc.strerror or str(exc))
        note(f"cannot update the manifest {display(folder / MANIFEST)}: {why}; the next run rescores")


def _settle_unusable(outcomes: list[Outcome], unusable: list[tuple[Outcome, str | None]],
                     done: Callable[[Outcome], None]) -> None:
    """The jobs of folder files that are not portfolios, reported last: left out (exit 0) when
    another job had a usable file; when none had, each fails again with its own error (exit 3)."""
    if unusable and len(unusable) == len(outcomes):  # not one usable file: that is unusable input
        for outcome, error in unusable:
            outcome.code, outcome.error = EXIT_UNUSABLE, error
    for outcome, _ in unusable:
        done(outcome)
