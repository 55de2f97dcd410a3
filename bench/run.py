"""make bench: ftscore against a floor and a naive pipeline on seeded synthetic portfolios.

For every input (rows x .csv/.xlsx, from generate.py) three separate processes are measured,
wall seconds and peak RSS each: `ftscore score INPUT -o OUT --json --quiet`, the floor
(floor.py: same reader, same writer, as many cells in the same sheets, nothing else) and the naive pipeline
(naive.py: pandas, iterrows, openpyxl, the same cells as the floor). Then the 25-row sample five times, for start-up. Prints
the tables and writes them with the machine, versions and the targets to bench/results.md.

ftscore and the floor run in this runner's environment (.venv, ftscore as a user installs it: no
pandas); the naive pipeline runs in its own (BENCH_NAIVE_PYTHON, default .venv-naive/bin/python,
which `make bench` makes). pipeline/ and schemas/ are byte-compiled first, as pip install does.

    python bench/run.py          the whole benchmark (make bench)
    python bench/run.py sample   only the 25-row sample, five runs: the walls, their median and the
                                 stages; writes nothing but ftscore's outputs in bench/out/

Environment:
  BENCH_SIZES=1000,10000   rows per generated portfolio (default 1000,10000,100000)
  BENCH_FULL=1             also 1,000,000 rows, as .csv and .xlsx (the naive pipeline is skipped there)
  BENCH_SEED=42            seed of the generated portfolios
  BENCH_TIMEOUT=1800       seconds before a run is killed and marked "timeout"
  BENCH_WIDE=10000         columns of the wide input (100 rows, .csv -> workbook); 0 skips it
  BENCH_NAIVE_PYTHON=...   the Python with pandas and openpyxl that runs naive.py (default .venv-naive/bin/python,
                           else this one)

Exit status: 0 when every run finished, 1 when one failed (exit >= 2 from ftscore, any
non-zero exit from the references) or timed out. Targets missed do not change it: they are
results, written down.
"""

from __future__ import annotations

import compileall
import json
import os
import platform
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path

import generate
import measure

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
RESULTS = BENCH / "results.md"
SAMPLE = ROOT / "samples" / "portfolio.xlsx"

DEFAULT_SIZES = (1_000, 10_000, 100_000)
FULL_SIZE = 1_000_000
NAIVE_MAX_ROWS = 100_000  # above this the naive pipeline is not run (openpyxl normal mode needs ~15 GiB at 1M)
SAMPLE_RUNS = 5
SAMPLE_SECONDS = 1.5  # target: the 25-row sample's median wall, start-up included
STAGES = ("read", "validate", "score", "write", "history")  # history: recording the run (issue 13)
HISTORY_SHARE = 10  # target: a 100,000-row run records its history in under 10 % of its wall time
TOOLS = ("ftscore", "floor", "naive")
TABLE_FORMATS = ("parquet", "csv")  # ftscore score --format: every row as one table, no workbook
TABLE_SECONDS, TABLE_SPEEDUP = 15, 10  # targets at 1M rows: at most 15 s, 10x faster than the workbook
WIDE_COLUMNS, WIDE_ROWS, WIDE_SECONDS = 10_000, 100, 10  # a wide input reads in < 10 s (whole run < 15 s)
LIBRARIES = ("polars", "fastexcel", "pandera", "xlsxwriter", "openpyxl", "psutil")
NAIVE_LIBRARIES = ("pandas", "openpyxl")
NAIVE_VENV = ROOT / ".venv-naive"  # make bench: the naive pipeline's pandas, kept out of ftscore's .venv
# Installed beside ftscore, these make every run slower: pandera's top-level import loads pandas and
# numpy whenever they are there (about 0.45 s), which a user's install of ftscore does not have.
NOT_IN_FTSCORE = ("pandas", "numpy")
RATIOS_NOTE = ("ftscore/floor: what ftscore costs beyond reading the input and writing as many cells in the same "
               "sheets (1.00 = nothing more). naive/ftscore: how many times slower (wall) or bigger (RSS) the "
               "pandas + iterrows + openpyxl script is, writing the same cells.")


@dataclass
class Settings:
    sizes: list[int]
    full: bool
    seed: int
    timeout: float
    wide: int = WIDE_COLUMNS  # columns of the wide input; 0: not run

    @classmethod
    def from_env(cls) -> Settings:
        full = os.environ.get("BENCH_FULL", "") not in ("", "0")
        given = os.environ.get("BENCH_SIZES", "").replace("_", "")
        sizes = [int(s) for s in given.split(",") if s.strip()] if given else list(DEFAULT_SIZES)
        if full and FULL_SIZE not in sizes:
            sizes.append(FULL_SIZE)
        return cls(sorted(set(sizes)), full, int(os.environ.get("BENCH_SEED", 42)),
                   float(os.environ.get("BENCH_TIMEOUT", 1800)),
                   int(os.environ.get("BENCH_WIDE", str(WIDE_COLUMNS)).replace("_", "") or 0))

    def formats(self, rows: int) -> tuple[str, ...]:
        """The 1M-row .xlsx (writing it takes minutes) only with BENCH_FULL."""
        return ("csv", "xlsx") if rows < FULL_SIZE or self.full else ("csv",)


@dataclass
class Run:
    rows: int
    fmt: str
    tool: str
    status: str = "ok"  # ok, exit N, timeout, skipped (why)
    wall: float | None = None
    peak_mib: float | None = None
    out_mib: float | None = None
    stages: dict[str, float] = field(default_factory=dict)
    report: dict = field(default_factory=dict)  # the JSON the tool printed (ftscore: its --json job summary)
    columns: int | None = None  # the wide input's columns (None: the generated portfolios' 25)

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def failed(self) -> bool:
        return not self.ok and not self.status.startswith("skipped")

    @property
    def label(self) -> str:
        wide = f" × {self.columns:,} cols" if self.columns else ""
        return f"{self.rows:,}{wide} .{self.fmt}"


def measured(run: Run, cmd: list[str], output: Path, timeout: float, ok_codes=(0,)) -> Run:
    """Fill run with the measurement of cmd, which writes output and prints JSON with timings."""
    output.unlink(missing_ok=True)
    m = measure.run(cmd, timeout=timeout, cwd=ROOT, env=measure.clean_env())
    run.wall, run.peak_mib = m.wall, m.peak_mib
    if m.timed_out:
        run.status = "timeout"
        return run
    try:
        summary = json.loads(m.stdout) if m.code in ok_codes else None
    except ValueError:
        summary = None
    if summary is None:
        run.status = f"exit {m.code}" + (", no JSON on stdout" if m.code in ok_codes else "")
        last = m.stderr.strip().splitlines()[-1:] or ["(nothing on stderr)"]
        print(f"    {run.tool} failed ({run.status}): {last[0]}", file=sys.stderr)
        return run
    run.out_mib = output.stat().st_size / 2**20 if output.exists() else None
    run.report = summary["jobs"][0] if "jobs" in summary else summary
    run.stages = {k: v for k, v in run.report.get("timings", {}).items() if k in STAGES}
    return run


def run_ftscore(rows: int, fmt: str, source: Path, timeout: float) -> Run:
    output = OUT / f"{source.stem}-ftscore.xlsx"
    cmd = [*measure.which_ftscore(sys.executable), "score", str(source), "-o", str(output), "--json", "--quiet"]
    return measured(Run(rows, fmt, "ftscore"), cmd, output, timeout, ok_codes=(0, 1))


def run_floor(rows: int, fmt: str, source: Path, shapes: dict | None, timeout: float) -> Run:
    if shapes is None:
        return Run(rows, fmt, "floor", "skipped (no ftscore workbook to copy the shape of)")
    output = OUT / f"{source.stem}-floor.xlsx"
    cmd = [sys.executable, str(BENCH / "floor.py"), str(source), str(output), json.dumps(shapes)]
    return measured(Run(rows, fmt, "floor"), cmd, output, timeout)


def run_naive(rows: int, fmt: str, source: Path, shapes: dict | None, timeout: float) -> Run:
    if rows > NAIVE_MAX_ROWS:
        return Run(rows, fmt, "naive", f"skipped (over {NAIVE_MAX_ROWS:,} rows)")
    if shapes is None:
        return Run(rows, fmt, "naive", "skipped (no ftscore workbook to copy the shape of)")
    output = OUT / f"{source.stem}-naive.xlsx"
    cmd = [naive_python(), str(BENCH / "naive.py"), str(source), str(output), json.dumps(shapes)]
    return measured(Run(rows, fmt, "naive"), cmd, output, timeout)


def naive_python() -> str:
    """The Python that runs naive.py: BENCH_NAIVE_PYTHON, else .venv-naive's, else this one."""
    given = os.environ.get("BENCH_NAIVE_PYTHON")
    if given:
        return given
    own = NAIVE_VENV / "bin" / "python"
    return str(own) if own.exists() else sys.executable


def byte_compile() -> None:
    """pipeline/ and schemas/ as pip install leaves them: byte-compiled. An editable install compiles on
    first import, unless PYTHONDONTWRITEBYTECODE is set (then every run compiles them again, ~0.1 s)."""
    for package in ("pipeline", "schemas"):
        compileall.compile_dir(str(ROOT / package), quiet=1)


def wide_run(columns: int, seed: int, timeout: float) -> Run:
    """The wide input scored to a workbook (reading, every per-column step and writing at width)."""
    source = generate.ensure_wide(columns, WIDE_ROWS, seed)
    output = OUT / f"{source.stem}-ftscore.xlsx"
    cmd = [*measure.which_ftscore(sys.executable), "score", str(source), "-o", str(output), "--json", "--quiet"]
    return measured(Run(WIDE_ROWS, "csv", "ftscore", columns=columns), cmd, output, timeout, ok_codes=(0, 1))


def sheet_shapes(workbook: Path) -> dict[str, list]:
    """Every sheet's rows (from its first used row) and filled cells per column, read with fastexcel."""
    import fastexcel
    import polars as pl

    reader = fastexcel.read_excel(str(workbook))
    shapes = {}
    for name in reader.sheet_names:
        cells = reader.load_sheet(name, header_row=None, dtypes="string").to_polars()
        shapes[name] = [cells.height, list(cells.select(pl.all().is_not_null().sum()).row(0))]
    return shapes


def sample_runs(timeout: float) -> list[Run]:
    return [run_ftscore(25, "xlsx", SAMPLE, timeout) for _ in range(SAMPLE_RUNS)]


def table_runs(source: Path | None, rows: int, timeout: float) -> list[Run] | None:
    """`ftscore score --format parquet` and `--format csv` where ftscore has the option; None where not."""
    cmd = measure.which_ftscore(sys.executable)
    helptext = subprocess.run([*cmd, "score", "--help"], capture_output=True, text=True, cwd=ROOT).stdout
    if "--format" not in helptext or source is None:
        return None
    runs = []
    for kind in TABLE_FORMATS:
        output = OUT / f"{source.stem}-ftscore.{kind}"
        args = [*cmd, "score", str(source), "--format", kind, "-o", str(output), "--json", "--quiet"]
        runs.append(measured(Run(rows, "csv", f"ftscore {kind}"), args, output, timeout, ok_codes=(0, 1)))
    return runs


# ---------------------------------------------------------------- tables


def table(headers: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> str:
    """A Markdown table padded to line up in a terminal too; columns in right are numbers."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells):
        return "| " + " | ".join(str(c).rjust(w) if i in right else str(c).ljust(w)
                                 for i, (c, w) in enumerate(zip(cells, widths))) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if i in right else "-" * (w + 2) for i, w in enumerate(widths)) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def num(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value:,.{digits}f}"


def results_table(runs: list[Run]) -> str:
    headers = ["input", "tool", "wall s", "rows/s", "peak RSS MiB", "output MiB", *STAGES, "other"]
    rows = []
    for r in runs:
        if not r.ok:
            rows.append([r.label, r.tool, r.status, *["–"] * (len(headers) - 3)])
            continue
        other = r.wall - sum(r.stages.values())
        rows.append([r.label, r.tool, num(r.wall), num(r.rows / r.wall, 0), num(r.peak_mib, 0), num(r.out_mib),
                     *(num(r.stages.get(s)) for s in STAGES), num(other)])
    return table(headers, rows, right=set(range(2, len(headers))))


def ratio(a: Run | None, b: Run | None, attr: str) -> float | None:
    if a is None or b is None or not (a.ok and b.ok):
        return None
    return getattr(a, attr) / getattr(b, attr)


def ratios_table(runs: list[Run]) -> str:
    headers = ["input", "ftscore/floor wall", "ftscore/floor RSS", "naive/ftscore wall", "naive/ftscore RSS"]
    rows = []
    for label in dict.fromkeys(r.label for r in runs):
        by_tool = {r.tool: r for r in runs if r.label == label}
        ft, floor, naive = (by_tool.get(t) for t in TOOLS)
        naive_note = naive.status if naive is not None and not naive.ok else None
        rows.append([label,
                     num(ratio(ft, floor, "wall")), num(ratio(ft, floor, "peak_mib")),
                     naive_note or num(ratio(naive, ft, "wall")), naive_note or num(ratio(naive, ft, "peak_mib"))])
    return table(headers, rows, right={1, 2, 3, 4})


def inputs_table(runs: list[Run], files: dict[str, Path]) -> str:
    headers = ["input", "file", "MiB", "rows with errors", "warnings", "cells in ftscore's workbook"]
    cells = {r.label: r.report.get("cells") for r in runs if r.tool == "floor"}
    rows = []
    for r in runs:
        if r.tool != "ftscore" or r.label not in files:
            continue
        path = files[r.label]
        errors = r.report.get("error_rows")
        rows.append([r.label, path.relative_to(ROOT).as_posix(), num(path.stat().st_size / 2**20),
                     "–" if errors is None else f"{errors:,} ({errors / r.rows:.1%})",
                     num(r.report.get("warnings"), 0), num(cells.get(r.label), 0)])
    return table(headers, rows, right={2, 3, 4, 5})


@dataclass
class Target:
    name: str
    measured: float | None
    limit: float
    at_most: bool  # True: measured <= limit passes (< for strict)
    unit: str = ""
    strict: bool = False
    missing: str = "not run"  # why measured is None

    def result(self) -> tuple[str, str]:
        """(PASS, FAIL or why not measured; margin as a share of the limit, positive on the passing side)."""
        if self.measured is None:
            return self.missing, "–"
        if self.at_most:
            passed = self.measured < self.limit if self.strict else self.measured <= self.limit
            margin = (self.limit - self.measured) / self.limit
        else:
            passed = self.measured >= self.limit
            margin = (self.measured - self.limit) / self.limit
        return ("PASS" if passed else "FAIL"), f"{margin:+.0%}"

    def row(self) -> list[str]:
        sign = ("<" if self.strict else "≤") if self.at_most else "≥"
        measured = "–" if self.measured is None else f"{self.measured:,.2f}{self.unit}"
        return [self.name, measured, f"{sign} {self.limit:,.2f}{self.unit}", *self.result()]


def targets(runs: list[Run], samples: list[Run], tables: list[Run] | None,
            wide: Run | None = None) -> list[list[str]]:
    def find(rows, fmt, tool):
        return next((r for r in runs if (r.rows, r.fmt, r.tool) == (rows, fmt, tool)), None)

    def why_not(rows, fmt, tools, unrun):
        """Why a target over these runs has no measurement."""
        for tool in tools:
            run = find(rows, fmt, tool)
            if run is None:
                return unrun
            if not run.ok:
                return f"{tool}: {run.status}"
        return "–"

    ft100, floor100, naive100 = (find(100_000, "xlsx", t) for t in TOOLS)
    ft1m, floor1m = find(FULL_SIZE, "csv", "ftscore"), find(FULL_SIZE, "csv", "floor")
    unrun100, unrun1m = "not run (100000 not in BENCH_SIZES)", "not run (BENCH_FULL=1)"
    walls = [s.wall for s in samples if s.ok]
    rows = [
        Target("100,000-row .xlsx: ftscore wall / floor wall", ratio(ft100, floor100, "wall"), 1.25, True, "×",
               missing=why_not(100_000, "xlsx", ("ftscore", "floor"), unrun100)),
        Target("100,000-row .xlsx: naive wall / ftscore wall", ratio(naive100, ft100, "wall"), 3, False, "×",
               missing=why_not(100_000, "xlsx", ("ftscore", "naive"), unrun100)),
        Target("100,000-row .xlsx: ftscore peak RSS", ft100.peak_mib if ft100 and ft100.ok else None, 600, True,
               " MiB", missing=why_not(100_000, "xlsx", ("ftscore",), unrun100)),
        Target("1,000,000-row .csv: ftscore peak RSS", ft1m.peak_mib if ft1m and ft1m.ok else None, 2048, True,
               " MiB", missing=why_not(FULL_SIZE, "csv", ("ftscore",), unrun1m)),
        Target("1,000,000-row .csv: ftscore wall / floor wall", ratio(ft1m, floor1m, "wall"), 1.25, True, "×",
               missing=why_not(FULL_SIZE, "csv", ("ftscore", "floor"), unrun1m)),
        Target(f"25-row sample: median wall of {SAMPLE_RUNS} runs, start-up included",
               statistics.median(walls) if len(walls) == len(samples) else None, SAMPLE_SECONDS, True, " s", strict=True,
               missing="a run failed"),
    ]
    history_s = ft100.stages.get("history") if ft100 and ft100.ok else None
    rows.append(Target("100,000-row .xlsx: recording the history, share of ftscore wall",
                       None if history_s is None else 100 * history_s / ft100.wall, HISTORY_SHARE, True, " %",
                       strict=True, missing=why_not(100_000, "xlsx", ("ftscore",), unrun100)))
    # Issue 10's target is the read ("a 10,000-column CSV reads in under 10 s"); the whole run to a
    # workbook is shown beside it, most of it xlsxwriter writing a million cells.
    wide_missing = "not run (BENCH_WIDE=0)" if wide is None else wide.status
    wide_cols = f"{wide.columns if wide else WIDE_COLUMNS:,}-column .csv ({WIDE_ROWS} rows)"
    rows.append(Target(f"{wide_cols}: read", wide.stages.get("read") if wide and wide.ok else None, WIDE_SECONDS,
                       True, " s", strict=True, missing=wide_missing))
    rows.append(Target(f"{wide_cols} → workbook: wall", wide.wall if wide and wide.ok else None, WIDE_SECONDS * 1.5,
                       True, " s", strict=True, missing=wide_missing))
    table_rows = [t.row() for t in rows]
    completes = "–" if ft1m is None else ("completed" if ft1m.ok else ft1m.status)
    table_rows.insert(3, ["1,000,000-row .csv: ftscore completes", completes, "exit 0 or 1",
                          unrun1m if ft1m is None else ("PASS" if ft1m.ok else "FAIL"), "–"])
    if tables is None:
        table_rows.append(["--format parquet / csv", "–", "–",
                           "not implemented yet (no --format in `ftscore score --help`)", "–"])
    for run in tables or []:
        kind = run.tool.split()[-1]
        workbook = find(run.rows, "csv", "ftscore")
        if run.rows == FULL_SIZE:
            table_rows.append(Target(f"1,000,000-row .csv → --format {kind}: wall", run.wall if run.ok else None,
                                     TABLE_SECONDS, True, " s", missing=run.status).row())
            table_rows.append(Target(f"1,000,000-row .csv: workbook wall / --format {kind} wall",
                                     ratio(workbook, run, "wall"), TABLE_SPEEDUP, False, "×",
                                     missing=why_not(FULL_SIZE, "csv", ("ftscore", run.tool), unrun1m)).row())
        else:
            speedup = ratio(workbook, run, "wall")
            measured = f"{num(run.wall)} s, {num(run.peak_mib, 0)} MiB" + (f", {num(speedup)}× the workbook's speed"
                                                                         if speedup else "")
            table_rows.append([f"--format {kind}, {run.label}", measured, "limits at 1,000,000 rows (BENCH_FULL=1)",
                               "ran" if run.ok else f"FAIL ({run.status})", "–"])
    return table_rows


# ---------------------------------------------------------------- facts


def machine() -> list[str]:
    cpu = next((line.split(":", 1)[1].strip() for line in _lines("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor() or "unknown")
    mem_kib = next((int(line.split()[1]) for line in _lines("/proc/meminfo") if line.startswith("MemTotal")), None)
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return [f"CPU: {cpu}, {usable} cores usable (nproc)",
            f"RAM: {num(mem_kib / 2**20, 1) if mem_kib else '?'} GiB",
            f"OS: {platform.platform()}"]


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text().splitlines()
    except OSError:
        return []


def versions(state: str) -> list[str]:
    def version(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    libs = ", ".join(f"{name} {version(name)}" for name in LIBRARIES)
    extra = [name for name in NOT_IN_FTSCORE if version(name) != "not installed"]
    env = (f"ftscore's environment has {' and '.join(extra)} (not a user's install: pandera imports them, "
           "start-up is slower)" if extra else f"ftscore's environment has no {' or '.join(NOT_IN_FTSCORE)}, "
                                              "as a user's install")
    return [f"Python {platform.python_version()}; ftscore {version('ftscore')} ({state})", libs, env,
            f"naive pipeline ({shown_path(naive_python())}): {naive_versions()}"]


def shown_path(path: str) -> str:
    """A path under the repository relative to it."""
    try:
        return str(Path(path).relative_to(ROOT))
    except ValueError:
        return path


def naive_versions() -> str:
    code = ("from importlib import metadata\n"
            f"for name in {NAIVE_LIBRARIES!r}:\n"
            "    try: print(name, metadata.version(name))\n"
            "    except metadata.PackageNotFoundError: print(name, 'not installed')")
    done = subprocess.run([naive_python(), "-c", code], capture_output=True, text=True)
    return ", ".join(done.stdout.split("\n")[:len(NAIVE_LIBRARIES)]) if done.returncode == 0 else "cannot run"


def source_state() -> str:
    """Which ftscore was measured: the commit, and uncommitted changes to its code if any."""
    def git(*args):
        return subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT).stdout.rstrip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--", "pipeline", "schemas", "pyproject.toml").splitlines()
    except OSError:
        return "not a git checkout"
    if not changed:
        return f"commit {commit}"
    return f"commit {commit} with uncommitted changes to {', '.join(line[3:] for line in changed)}"


# ---------------------------------------------------------------- main


@dataclass
class Context:
    """When and against what the runs were made."""

    started: datetime
    wall: float
    source: str  # ftscore's commit and uncommitted changes
    other_cpu: float | None  # CPU seconds used by other processes meanwhile

    def lines(self) -> list[str]:
        busy = "not known" if self.other_cpu is None else (
            f"{self.other_cpu:,.0f} CPU s in {self.wall:,.0f} s of run"
            f" ({self.other_cpu / (self.wall * (os.cpu_count() or 1)):.0%} of the machine)")
        return [*machine(), *versions(self.source), f"Other processes during the run: {busy}"
                + (" – wall times are inflated" if self.other_cpu and self.other_cpu > 0.05 * self.wall else "")]


def sample_only() -> int:
    """`python bench/run.py sample`: the 25-row sample's runs alone, as main() makes them."""
    OUT.mkdir(parents=True, exist_ok=True)
    byte_compile()
    samples = sample_runs(Settings.from_env().timeout)
    walls = [s.wall for s in samples if s.ok]
    print(f"25-row sample, {SAMPLE_RUNS} runs: {', '.join(num(s.wall) if s.ok else s.status for s in samples)} s"
          + (f"; median {num(statistics.median(walls))} s (target < {num(SAMPLE_SECONDS)} s)" if len(walls) == len(samples) else ""))
    for run in samples:
        print("  " + ", ".join(f"{k} {v:.3f}" for k, v in run.report.get("timings", {}).items()))
    return 1 if any(s.failed for s in samples) else 0


def main() -> int:
    if sys.argv[1:] == ["sample"]:
        return sample_only()
    settings = Settings.from_env()
    OUT.mkdir(parents=True, exist_ok=True)
    byte_compile()
    started = datetime.now().astimezone()
    state = source_state()
    other_load = measure.OtherLoad()
    print(f"bench: sizes {', '.join(f'{s:,}' for s in settings.sizes)}, seed {settings.seed}; "
          f"peak RSS by {measure.METHOD}", file=sys.stderr)

    runs: list[Run] = []
    files: dict[str, Path] = {}
    for rows in settings.sizes:
        paths = generate.ensure(rows, settings.seed, settings.formats(rows))
        for fmt, source in paths.items():
            ft = run_ftscore(rows, fmt, source, settings.timeout)
            files[ft.label] = source
            shapes = sheet_shapes(OUT / f"{source.stem}-ftscore.xlsx") if ft.ok else None
            for run in (ft, run_floor(rows, fmt, source, shapes, settings.timeout),
                        run_naive(rows, fmt, source, shapes, settings.timeout)):
                runs.append(run)
                print(f"  {run.label:>15} {run.tool:<8} {run.status if not run.ok else num(run.wall) + ' s'}"
                      f"{'' if run.peak_mib is None else f', {run.peak_mib:,.0f} MiB'}", file=sys.stderr)

    samples = sample_runs(settings.timeout)
    print(f"  {'25 sample':>15} ftscore  " + ", ".join(num(s.wall) if s.ok else s.status for s in samples),
          file=sys.stderr)
    largest_csv = max((r for r in runs if r.tool == "ftscore" and r.fmt == "csv"), key=lambda r: r.rows, default=None)
    tables = table_runs(files.get(largest_csv.label) if largest_csv else None,
                        largest_csv.rows if largest_csv else 0, settings.timeout)
    for run in tables or []:
        runs.append(run)
        print(f"  {run.label:>15} {run.tool:<8} {run.status if not run.ok else num(run.wall) + ' s'}", file=sys.stderr)

    wide = wide_run(settings.wide, settings.seed, settings.timeout) if settings.wide else None
    if wide is not None:
        files[wide.label] = generate.wide_path_for(settings.wide, WIDE_ROWS, settings.seed)
        print(f"  {wide.label:>15} {wide.tool:<8} {wide.status if not wide.ok else num(wide.wall) + ' s'}"
              f"{'' if wide.peak_mib is None else f', {wide.peak_mib:,.0f} MiB'}", file=sys.stderr)

    state_at_end = source_state()
    if state_at_end != state:
        state += f"; changed during the run, at its end: {state_at_end}"
    wall = (datetime.now().astimezone() - started).total_seconds()
    context = Context(started, wall, state, other_load.seconds())
    report = render(settings, context, runs, files, samples, tables, wide)
    print(report)
    RESULTS.write_text(report)
    print(f"\nwritten: {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 1 if any(r.failed for r in [*runs, *samples, *([wide] if wide else [])]) else 0


def render(settings: Settings, context: Context, runs: list[Run], files: dict[str, Path], samples: list[Run],
           tables: list[Run] | None, wide: Run | None = None) -> str:
    sample_walls = ", ".join(num(s.wall) if s.ok else s.status for s in samples)
    sample_peak = max((s.peak_mib for s in samples if s.peak_mib is not None), default=None)
    variant = ("" if settings.sizes == sorted(DEFAULT_SIZES) and not settings.full
               else f" (BENCH_SIZES={','.join(map(str, settings.sizes))}{', BENCH_FULL=1' if settings.full else ''})")
    target_rows = targets(runs, samples, tables, wide)
    return "\n".join([
        "# ftscore benchmark",
        "",
        f"`make bench`{variant} on {context.started:%Y-%m-%d %H:%M %Z}, seed {settings.seed}. "
        "What is measured and why: [README.md](README.md).",
        "",
        *(f"- {line}" for line in context.lines()),
        f"- Peak RSS: {measure.METHOD}; wall: the runner's clock around each process, start-up included.",
        "",
        "## Runs",
        "",
        "Seconds; stages as each tool reports them (ftscore: `--json` timings); "
        "other = wall − stages (interpreter start-up, imports, finishing).",
        "",
        results_table(runs + ([wide] if wide else [])),
        "",
        f"25-row sample (samples/portfolio.xlsx), ftscore, {SAMPLE_RUNS} runs: {sample_walls} s; "
        f"peak RSS up to {num(sample_peak, 0)} MiB.",
        "",
        "## Ratios",
        "",
        RATIOS_NOTE,
        "",
        ratios_table(runs),
        "",
        "## Targets",
        "",
        "Margin: how far the measurement is from the limit, as a share of the limit "
        "(positive: on the passing side).",
        "",
        table(["target", "measured", "limit", "result", "margin"], target_rows, right={1}),
        "",
        "## Inputs",
        "",
        inputs_table(runs, files),
        "",
    ])


if __name__ == "__main__":
    sys.exit(main())
