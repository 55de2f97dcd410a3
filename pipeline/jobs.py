"""Runs of `ftscore score` as jobs: which inputs go to which workbook, skipping what has not
changed since the last run, and the outcome of each as data (exit code, counts, timings).

No click and no printing: the command line turns outcomes into lines or JSON.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable

from pipeline import __version__

EXIT_OK, EXIT_ROW_ERRORS, EXIT_USAGE, EXIT_UNUSABLE, EXIT_BUG, EXIT_BUSY = 0, 1, 2, 3, 4, 5
MANIFEST = ".ftscore-manifest.json"
Progress = Callable[[str], None]


def one_line(exc: BaseException, limit: int = 300) -> str:
    """An exception as one short line: its type and the first line of its text (a polars error
    goes on with the whole expression it failed in; that is for FTSCORE_DEBUG=1, not a log)."""
    text = str(exc).strip()
    first = " ".join(text.splitlines()[0].split()) if text else ""
    if len(first) > limit:
        first = first[: limit - 1] + "…"
    return f"{exc.__class__.__name__}: {first}" if first else exc.__class__.__name__


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

    @property
    def status(self) -> str:
        if self.skipped:
            return "unchanged"
        return "failed" if self.error else "written" if self.output else "checked"

    def summary(self) -> dict:
        """Machine-readable facts of this job (for --json)."""
        out: dict = {
            "inputs": [str(p) for p in self.inputs],
            "output": str(self.output) if self.output else None,
            "written": [str(p) for p in self.written],
            "status": self.status,
            "exit_code": self.code,
            "error": self.error,
            "seconds": round(self.seconds, 3),
        }
        if self.skipped:
            out.update({k: self.previous.get(k) for k in ("rows", "scored", "error_rows", "warnings")})
        r = self.result
        if r is not None:
            out.update(
                rows=r.rows, scored=r.scored, error_rows=r.error_rows, warnings=r.warnings,
                recommendations={k: v for k, v in r.ranking.group_by("recommendation").len().iter_rows()},
                sources=[{"file": s.table.file, "sheet": s.table.sheet, "header_row": s.table.header_row,
                          "encoding": s.table.encoding, "rows": s.table.frame.height} for s in r.sources],
                timings={k: round(v, 3) for k, v in r.timings.items()},
            )
        return out


def fingerprint(inputs: list[Path], cfg: dict, settings: dict) -> str:
    """What the workbook depends on: the inputs' bytes, the config, the options and the version."""
    digest = hashlib.sha256()
    digest.update(__version__.encode())
    digest.update(json.dumps(cfg, sort_keys=True, default=str).encode())
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    for path in inputs:
        digest.update(str(path.name).encode())
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def load_manifest(folder: Path) -> dict:
    try:
        data = json.loads((folder / MANIFEST).read_text())
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def save_manifest(folder: Path, data: dict) -> None:
    from pipeline.atomic import replace_when_done

    with replace_when_done(folder / MANIFEST) as tmp:
        Path(tmp).write_text(json.dumps(data, indent=1, sort_keys=True))


def output_kind(output: Path, requested: str | None = None) -> str:
    """xlsx, parquet or csv: as asked, else from the output's suffix."""
    if requested:
        return requested
    return {".parquet": "parquet", ".csv": "csv"}.get(output.suffix.lower(), "xlsx")


def _write_output(result, output: Path, kind: str) -> list[Path]:
    from pipeline import export
    from pipeline.workbook import needs_companion, write

    if kind != "xlsx":
        return export.write_table(result, output, kind)
    written = []
    companion = None
    if needs_companion(result):  # every row and column still goes somewhere: a Parquet file beside it
        companion = output.with_suffix(".parquet")
        written += export.write_table(result, companion, "parquet")
    write(result, output, companion=companion)
    return [output, *written]


def score_job(inputs: list[Path], output: Path | None, cfg: dict, *, read_options: dict,
              price_date: date | None = None, draws: int | None = None, budget: float | None = None,
              lock_wait: float = 60.0, progress: Progress | None = None, kind: str | None = None) -> Outcome:
    """Score inputs as one portfolio and write the output (or only check, without output)."""
    from pipeline.lock import LockBusy, output_lock
    from pipeline.read import ReadError
    from pipeline.run import score_files
    from pipeline.validate import ContractBroken

    started = time.perf_counter()
    outcome = Outcome(list(inputs), output, EXIT_OK)
    try:
        result = score_files(inputs, cfg, max_rows=read_options.pop("max_rows", None) or cfg["input"]["max_rows"],
                             price_date=price_date, draws=draws, budget=budget, progress=progress, detail=False,
                             **read_options)
        outcome.result = result
        if output is not None:
            output.parent.mkdir(parents=True, exist_ok=True)
            with output_lock(output, wait_seconds=lock_wait):
                if progress:
                    progress(f"writing {output.name}")
                t = time.perf_counter()
                outcome.written = _write_output(result, output, output_kind(output, kind))
                result.timings["write"] = time.perf_counter() - t
        outcome.code = EXIT_ROW_ERRORS if result.error_rows else EXIT_OK
    except LockBusy as exc:
        outcome.code, outcome.error = EXIT_BUSY, str(exc)
    except ReadError as exc:
        outcome.code, outcome.error = EXIT_UNUSABLE, str(exc)
    except ContractBroken as exc:
        outcome.code, outcome.error = EXIT_BUG, f"internal check failed, nothing written: {one_line(exc).split(': ', 1)[-1]}"
    except OSError as exc:
        outcome.code, outcome.error = EXIT_UNUSABLE, f"cannot write {output}: {exc.strerror or exc}"
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a bug (a Rust panic in a library is a BaseException): one line, exit 4
        if os.environ.get("FTSCORE_DEBUG"):
            raise
        outcome.code = EXIT_BUG
        outcome.error = f"internal error, nothing written ({one_line(exc)}); set FTSCORE_DEBUG=1 for the traceback"
    outcome.seconds = time.perf_counter() - started
    return outcome


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
             **score_options) -> list[Outcome]:
    """Run each job; with a manifest, skip a job whose inputs, config and version are unchanged."""
    outcomes = []
    manifests: dict[Path, dict] = {}
    for inputs, output in jobs:
        folder = output.parent
        key = output.name
        fp = None
        if use_manifest:
            manifest = manifests.setdefault(folder, load_manifest(folder))
            try:
                fp = fingerprint(inputs, cfg, settings)
            except OSError:
                fp = None  # unreadable input: the job reports it
            entry = manifest.get(key, {})
            if not force and fp and entry.get("fingerprint") == fp and output.exists():
                outcome = Outcome(list(inputs), output, int(entry.get("exit_code", 0)), skipped=True, previous=entry)
                outcomes.append(outcome)
                if on_done:
                    on_done(outcome)
                continue
        outcome = score_job(list(inputs), output, cfg, read_options=dict(read_options), **score_options)
        if use_manifest and fp and outcome.error is None:
            r = outcome.result
            manifests[folder][key] = {
                "fingerprint": fp, "exit_code": outcome.code, "inputs": [str(p) for p in inputs],
                "rows": r.rows, "scored": r.scored, "error_rows": r.error_rows, "warnings": r.warnings,
            }
            folder.mkdir(parents=True, exist_ok=True)
            save_manifest(folder, manifests[folder])
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes
