"""The command line: parses, calls, prints. Errors become one line and an exit code."""

from __future__ import annotations

import json
import math
import re
import signal
import sys
import time
from pathlib import Path

import click

from pipeline import __version__

from pipeline.errors import (  # stdlib-only module
    EXIT_BUG, EXIT_INTERRUPTED, EXIT_OK, EXIT_OUTPUT, EXIT_UNUSABLE, EXIT_USAGE, FtscoreError, Interrupted, debugging,
    internal, interrupt,
)

EXIT_CODES_HELP = """\b
Exit codes:
  0  every row scored
  1  workbook written, but some rows have errors (see the Issues sheet)
  2  bad usage or configuration; nothing written
  3  input unusable (missing, empty, corrupt, no header row); nothing written
  4  internal error in ftscore (a bug); nothing written
  5  another ftscore run is writing the same workbook; nothing written, retry later
  6  the output cannot be written (full disk, read-only folder, a folder at its path);
     nothing written, the previous file is unchanged
  130, 143  interrupted (Ctrl-C, SIGTERM); nothing written"""


ENV_HELP = """\b
Every option can also come from the environment, as FTSCORE_<COMMAND>_<OPTION>
(the long option name, upper case, - as _):
  FTSCORE_SCORE_CONFIG=/etc/ftscore.toml  FTSCORE_SCORE_OUT_DIR=/srv/scored
Shell completion: eval "$(_FTSCORE_COMPLETE=bash_source ftscore)" (zsh_source, fish_source)."""


def _text(message: str) -> str:
    """Printable anywhere: bytes of a file name that are not UTF-8 become U+FFFD."""
    return message.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


# Characters a terminal acts on instead of showing: C0 controls but LF and tab, DEL, C1 controls
# (CSI and the rest), and the bidirectional overrides that reorder what a line appears to say.
_ACTING = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0))}
_ACTING.update({c: f"\\u{c:04x}" for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A),
                                              0x2028, 0x2029)})
_ACTING_ONE_LINE = {**_ACTING, 0x0A: "\\n", 0x09: "\\t"}


def visible(text: object, *, one_line: bool = False) -> str:
    """Text for the terminal: escape sequences and control characters from a user's file (a cell, a
    header, a sheet or file name) shown as \\x1b, \\r, \\u202e, never acted on. one_line: LF and tab too."""
    return _text(str(text)).translate(_ACTING_ONE_LINE if one_line else _ACTING)


def say(message: object, *, err: bool = False) -> None:
    """The one way ftscore prints a line that may hold user text (see visible)."""
    click.echo(visible(message), err=err)


class FiniteFloat(click.FloatRange):
    """A number within bounds that is a real number: click's FloatRange lets 'nan' and 'inf' through."""

    def convert(self, value, param, ctx):
        rv = super().convert(value, param, ctx)
        if not math.isfinite(rv):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return rv


EXCEL_ROWS = 1_048_576  # the largest --header-row: the last row of a sheet


def _duration(seconds: float) -> str:
    """86400 -> 'a day', 7200 -> '2 hours', 90 -> '90 seconds'."""
    for size, one, many in ((86_400, "a day", "days"), (3_600, "an hour", "hours"), (60, "a minute", "minutes")):
        if seconds >= size and seconds % size == 0:
            return one if seconds == size else f"{seconds // size:,g} {many}"
    return f"{seconds:,g} seconds"


_SHIPPED_KEY = re.compile(r"\{([a-z_]+(?:\.[a-z_]+)+)(:duration)?\}")


def shipped(text: str) -> str:
    """``text`` with each {dotted.key} of the shipped config (pipeline/defaults.toml) as its value
    there (100,000; {key:duration}: a day): a help text that quotes a default follows it."""
    from pipeline import config as config_mod

    cfg = config_mod.defaults()

    def value(m: re.Match) -> str:
        v = cfg
        for part in m.group(1).split("."):
            v = v[part]
        return _duration(v) if m.group(2) else f"{v:,}" if isinstance(v, int) else f"{v:,g}"

    return _SHIPPED_KEY.sub(value, text)


class ShippedHelp(click.Option):
    """An option whose help quotes the shipped config (see shipped), read when the help is shown:
    ftscore does not load the config to start."""

    def get_help_record(self, ctx: click.Context):
        record = super().get_help_record(ctx)
        return None if record is None else (record[0], shipped(record[1]))


def _at_most(ctx: click.Context, name: str, value: float | None, most: float, key: str) -> None:
    """An option's value past its bound in the config (key): click's usual error, exit 2."""
    if value is not None and value > most:
        param = next(p for p in ctx.command.params if p.name == name)
        shown = f"{value:,}" if isinstance(value, int) else f"{value:,g}"
        raise click.BadParameter(f"{shown} is above {key} of the config ({most:,g}).", ctx=ctx, param=param)


def _fail(message: str, code: int) -> None:
    say(f"ftscore: error: {message}", err=True)
    sys.exit(code)


class _Commands(click.Group):
    """ftscore's commands, with the one place an error becomes its line and exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except FtscoreError as exc:  # each carries its exit code (pipeline/errors.py)
            _fail(exc.line(), exc.exit_code)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             epilog=ENV_HELP)  # each option's variable: _name_env_vars
@click.version_option(__version__, "--version", prog_name="ftscore")
def cli() -> None:
    """Score a portfolio of AI use cases: fine-tune an open model, or keep calling an API?

    Give it a spreadsheet with one row per use case; it checks every row,
    scores privacy, cost, accuracy and speed (0-10 each), prices five ways to
    run each use case (today's API, the API done cheaper, a provider fine-tune,
    an open or a fine-tuned model on own GPUs), recommends one with its first
    step (or says which facts are missing), ranks the portfolio and writes an
    annotated Excel workbook (Summary, Changes, Ranking, Options, Portfolio,
    Issues, Assumptions). Each run is remembered, so the next one shows what
    changed (`ftscore history`).

    \b
    Example:
      ftscore score portfolio.xlsx -o scored.xlsx
    """


def input_options(func):
    """The options that say how to read an input, shared by the commands that read one."""
    options = (
        click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
                     help="TOML file overriding any default: weights, anchors, thresholds, header aliases "
                          "([columns.aliases]) and answer mappings ([values.COLUMN])."),
        click.option("--sheet", default=None,
                     help="Sheet to read. Default: the first visible sheet with a recognisable header row."),
        click.option("--header-row", type=click.IntRange(min=1, max=EXCEL_ROWS), default=None,
                     help="Row (as Excel numbers it) that holds the headers. Default: found by itself."),
        click.option("--data-row", type=click.IntRange(min=1), default=None,
                     help="Row (as Excel numbers it) where the use cases start. Default: right under the "
                          "header, past rows of labels (required/optional flags, translated names, help texts)."),
        click.option("--encoding", default=None,
                     help="Text encoding of a CSV/TSV/TXT input, e.g. utf-8 or cp1252. "
                          "Default: UTF-16 with a BOM, UTF-8 (with or without BOM), else Windows-1252."),
        click.option("--delimiter", type=click.Choice([",", ";", "tab", "|"]), default=None,
                     help="Delimiter of a CSV/TSV/TXT input. Default: sniffed."),
        click.option("--decimal", type=click.Choice(["auto", ".", ","]), default=None,
                     help="Decimal mark of numbers written as text (1.234,56 or 1,234.56). Default: "
                          "input.decimal in the config, auto: ',' in a ;-delimited file, else '.'; "
                          "a number the mark cannot place is an error naming both readings."),
    )
    for option in reversed(options):
        func = option(func)
    return func


def history_options(func=None, *, reading: bool = False):
    """Where runs are recorded and as which portfolio (score); reading: where they are read (history)."""
    if func is None:
        return lambda f: history_options(f, reading=reading)
    func = click.option("--portfolio", default=None, metavar="NAME", help=(
        "The portfolio to show. Default: the history's only one." if reading else
        "The portfolio this run is recorded as and compared with. Default: from the inputs: a folder by "
        "its name, a file by its name without suffix, several sorted and joined by '+' (inbox/emea.xlsx "
        "is 'emea')."))(func)
    func = click.option("--history", default=None, metavar="PATH|URL" if reading else "PATH|URL|off", help=(
                            "The history database: an SQLite file or a PostgreSQL URL. Default: history.path "
                            "of the config, else ftscore-history.sqlite in the current folder." if reading else
                            "The history database: an SQLite file, 'off', or a PostgreSQL URL (pip install "
                            "'ftscore[postgres]'). Default: history.path of the config, else "
                            "ftscore-history.sqlite in the output's folder."))(func)
    return func


def _read_options(sheet, header_row, encoding, delimiter, data_row=None, decimal=None) -> dict:
    options = {"sheet": sheet, "header_row": header_row, "encoding": encoding,
               "delimiter": "\t" if delimiter == "tab" else delimiter, "decimal": decimal}
    if data_row is not None:
        options["data_row"] = data_row
    return options


def _load_config(config_file: Path | None) -> dict:
    from pipeline import config as config_mod

    return config_mod.load(config_file)  # a ConfigError is exit 2 (_Commands)


def _expand(inputs: tuple[Path, ...], optional: set[Path] | None = None, skipped: list[dict] | None = None,
            batch: bool = False) -> list[Path]:
    """Files as given; a folder stands for the spreadsheets and text files directly in it.

    The files found in a folder are added to `optional`: one that is not a portfolio (a notes.txt,
    an export without a header row) is left out with a note, not fatal, unless none is usable.
    ftscore's own outputs (pipeline/own.py) found in a folder, or given to a batch run (--out-dir,
    --merge), are left out and listed in skipped: a nightly run whose --out-dir is its inbox does
    not score its own workbooks. An output given as a file to a plain run is read (its Portfolio).
    """
    from pipeline import own

    skipped = [] if skipped is None else skipped
    files: list[Path] = []
    for item in inputs:
        if item.is_dir():
            found = _folder_inputs(item, skipped)
            files += found
            if optional is not None:
                optional.update(found)
        elif batch and (o := own.detect(item)) is not None:
            skipped.append({"file": _text(str(item)), "reason": f"{o.describe()}, not an input"})
        else:
            files.append(item)
    if not files:
        _fail("every input is an ftscore output; nothing to score", EXIT_UNUSABLE)
    first: dict[Path, Path] = {}
    for f in files:  # a file given twice (or by two names) is read once
        first.setdefault(f.resolve(), f)
    return list(first.values())


def _folder_inputs(folder: Path, skipped: list[dict]) -> list[Path]:
    """The spreadsheets and text files directly in ``folder`` that are not ftscore outputs (those go
    to ``skipped``); exit 3 when it holds none, or only outputs."""
    from pipeline import own
    from pipeline.core import SPREADSHEET_SUFFIXES, TEXT_SUFFIXES

    found = sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in SPREADSHEET_SUFFIXES | TEXT_SUFFIXES
        and not p.name.startswith((".", "~$"))
    )
    if not found:
        _fail(f"{folder}: the folder holds no spreadsheet or CSV file", EXIT_UNUSABLE)
    outputs = {p: o for p in found if (o := own.detect(p)) is not None}
    if len(outputs) == len(found):
        _fail(f"{folder}: the folder holds only ftscore outputs, nothing to score", EXIT_UNUSABLE)
    skipped += [{"file": _text(str(p)), "reason": f"{o.describe()}, not an input"} for p, o in outputs.items()]
    return [p for p in found if p not in outputs]


def _say_skipped(skipped: list[dict]) -> None:
    for entry in skipped:
        say(f"ftscore: note: skipped {entry['file']}: {entry['reason']}", err=True)


def _where(result) -> str:
    where = []
    for source in result.sources:
        t = source.table
        if len(result.sources) > 1:
            where.append(Path(t.file).name + (f" sheet '{t.sheet}'" if t.sheet else ""))
        elif t.sheet:
            where.append(f"sheet '{t.sheet}'")
        else:
            where.append(f"encoding {t.encoding}")
        if t.other_sheets:  # sheets that also hold use cases but were not read
            many = len(t.other_sheets) > 1
            where.append(f"sheet{'s' if many else ''} {', '.join(repr(n) for n in t.other_sheets)} also "
                         f"hold{'' if many else 's'} use cases, not read: --sheet NAME")
    return f" ({'; '.join(where)})" if where else ""


def _summary_line(outcome) -> str:
    if outcome.skipped:
        p = outcome.previous
        return (f"unchanged since the last run, skipped: {outcome.output} ({p.get('scored')} of {p.get('rows')} "
                f"use cases scored, {p.get('error_rows')} with errors; --force rescores)")
    r = outcome.result
    target = f" -> {outcome.output}" if outcome.output else ""
    return f"scored {r.scored} of {r.rows} use cases, {r.error_rows} with errors{target}{_where(r)}"



class StageLine:
    """A progress line on stderr: only on a terminal, only once a run has taken a couple of seconds."""

    DELAY = 2.0

    def __init__(self, enabled: bool, stages: int):
        self.enabled = enabled and sys.stderr.isatty()
        self.stages = max(stages, 1)
        self.done_stages = 0
        self.started = time.monotonic()
        self.shown = False

    def __call__(self, label: str) -> None:
        self.done_stages = min(self.done_stages + 1, self.stages)
        elapsed = time.monotonic() - self.started
        if not self.enabled or elapsed < self.DELAY:
            return
        filled = int(20 * (self.done_stages - 1) / self.stages)
        bar = "#" * filled + "-" * (20 - filled)
        click.echo(f"\r\033[K[{bar}] {visible(label, one_line=True)} ({elapsed:.0f} s)", err=True, nl=False)
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            click.echo("\r\033[K", err=True, nl=False)
            self.shown = False


def output_options(func):
    """How a command reports: a JSON summary on stdout, or only errors."""
    func = click.option("--quiet", "-q", is_flag=True, help="Print only errors.")(func)
    func = click.option("--json", "as_json", is_flag=True,
                        help="Print a machine-readable run summary (JSON) on stdout.")(func)
    return func


def _report(outcomes, as_json: bool, extra: dict | None = None) -> int:
    """Print the outcome lines (or JSON) and return the exit code of the whole run."""
    code = max((o.code for o in outcomes), default=EXIT_OK)
    if as_json:
        payload = {"ftscore": __version__, "exit_code": code, "jobs": [o.summary() for o in outcomes]}
        payload.update(extra or {})
        click.echo(json.dumps(payload, indent=2, default=str))
    return code


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("inputs", metavar="INPUT...", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Output file: a workbook (.xlsx), or every row as .parquet / .csv. Default: INPUT's name "
                   "with -scored.xlsx (portfolio-scored.xlsx for several inputs), in the current folder.")
@click.option("--out-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Write one workbook per input into this folder (with --merge: one for all). An input whose "
                   "content, config and ftscore version are unchanged since the last run there is skipped.")
@click.option("--merge", is_flag=True, help="With --out-dir: score all inputs as one portfolio.")
@click.option("--format", "kind", type=click.Choice(["xlsx", "parquet", "csv"]), default=None,
              help="Output format. Default: from -o's suffix, else xlsx. parquet/csv hold every row (the "
                   "Portfolio table, issues beside it in NAME-issues.*) and are fast for big portfolios.")
@click.option("--force", is_flag=True, help="With --out-dir: rescore inputs even when unchanged.")
@click.option("--max-rows", type=click.IntRange(min=1), default=None,
              help="Refuse inputs with more use cases than this in all (default: input.max_rows of the config).")
@click.option("--price-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Date at which catalog prices apply (YYYY-MM-DD). Default: the day of the run.")
@click.option("--stability", "draws", type=click.IntRange(min=1), default=None, metavar="N",
              cls=ShippedHelp,
              help="Perturb weights and uncertain inputs N times (fixed seed) and add p_top10 and "
                   "p_same_decision to Ranking. Ranges: [stability] in the config; N at most "
                   "stability.max_draws ({stability.max_draws}).")
@click.option("--budget", type=FiniteFloat(min=0), default=None, metavar="USD",
              help="Fund the recommended changes (not Keep prompting, Add retrieval or Insufficient data) "
                   "whose one-off costs fit this budget and that save the most over the horizon (exact "
                   "search; greedy beyond a size, said on Summary). "
                   "At most money.max_amount of the config.")
@click.option("--lock-wait", type=FiniteFloat(min=0), default=None, cls=ShippedHelp,
              help="Seconds to wait while another run writes the same workbook (default: "
                   "output.lock_wait_seconds of the config, {output.lock_wait_seconds}; at most "
                   "output.max_lock_wait_seconds, {output.max_lock_wait_seconds:duration}).")
@history_options
@input_options
@output_options
def score(inputs: tuple[Path, ...], output: Path | None, out_dir: Path | None, merge: bool, kind: str | None,
          force: bool,
          max_rows: int | None, price_date, draws: int | None, budget: float | None, lock_wait: float | None,
          config_file: Path | None, sheet: str | None, header_row: int | None, encoding: str | None,
          delimiter: str | None, as_json: bool, quiet: bool, data_row: int | None = None,
            decimal: str | None = None, history: str | None = None, portfolio: str | None = None) -> None:
    """Score INPUT (.xlsx, .xlsm, .xls, .xlsb, .ods, .csv, .tsv, .txt) and write an annotated workbook.

    Several files, or a folder, are scored as one portfolio; every row keeps
    its source file, sheet and row (--out-dir writes one workbook per input
    instead). Headers are matched ignoring case, spaces and punctuation
    ("Monthly API Cost ($)" is monthly_api_cost); unknown columns are carried
    through. A bad cell is an error on its own row (the Issues sheet names the
    cell); the other rows are still scored.

    \b
    Example:
      ftscore score samples/portfolio.xlsx -o out/portfolio-scored.xlsx
      ftscore score use-cases.csv --config our-weights.toml -o scored.xlsx
      ftscore score emea.xlsx americas.csv -o group-portfolio.xlsx
      ftscore score inbox/ --out-dir scored/ --json
      ftscore score samples/portfolio.xlsx --stability 1000 --budget 250000 -o out/funded.xlsx
    """
    from pipeline import jobs

    _check_score_options(output, out_dir, merge, force, portfolio)
    optional: set[Path] = set()
    skipped: list[dict] = []
    files = _expand(inputs, optional, skipped, batch=out_dir is not None)
    if not quiet:
        _say_skipped(skipped)
    plan = jobs.plan(files, output, out_dir, merge, suffix=f".{kind}" if kind else ".xlsx")
    _check_targets(plan, kind)
    cfg = _load_config(config_file)
    _check_limits(cfg, draws, budget, lock_wait)
    read_options = _read_options(sheet, header_row, encoding, delimiter, data_row, decimal)
    read_options["max_rows"] = max_rows
    stages = sum(len(i) + 2 for i, _ in plan)
    progress = StageLine(not quiet, stages)
    notes: list[str] = []
    settings = {"read": {k: v for k, v in read_options.items()}, "price_date": price_date, "draws": draws,
                "budget": budget, "format": kind}
    outcomes = jobs.run_jobs(
        plan, cfg, use_manifest=out_dir is not None, force=force, settings=settings, read_options=read_options,
        on_done=_on_done(progress, quiet), on_note=_on_note(progress, quiet, notes),
        price_date=price_date.date() if price_date else None, draws=draws, budget=budget,
        lock_wait=cfg["output"]["lock_wait_seconds"] if lock_wait is None else lock_wait, progress=progress,
        kind=kind, optional=frozenset(optional), **_history_choice(history, portfolio, inputs, out_dir, merge),
    )
    sys.exit(_report(outcomes, as_json, {"notes": notes, "skipped_inputs": skipped}))


def _history_choice(history: str | None, portfolio: str | None, inputs: tuple[Path, ...],
                    out_dir: Path | None, merge: bool) -> dict:
    """Where score's jobs record (--history as given: history.target_for) and as which portfolio:
    --portfolio, else from the inputs as given (a folder by its name); each input's own with --out-dir
    without --merge."""
    from pipeline.history import portfolio_of

    return {"history": history,
            "portfolio": portfolio or (portfolio_of(inputs) if out_dir is None or merge else None)}


def _check_score_options(output: Path | None, out_dir: Path | None, merge: bool, force: bool,
                         portfolio: str | None = None) -> None:
    """Refuse (exit 2) the score options that do not go together."""
    if portfolio is not None and out_dir is not None and not merge:
        _fail("--portfolio names the one portfolio of a run; --out-dir without --merge scores each input as "
              "its own portfolio (named after its file)", EXIT_USAGE)
    if merge and out_dir is None:
        _fail("--merge goes with --out-dir", EXIT_USAGE)
    if force and out_dir is None:
        _fail("--force goes with --out-dir (a run with -o always rescores)", EXIT_USAGE)
    if output is not None and out_dir is not None and not merge:
        _fail("give either -o (one workbook) or --out-dir (one per input), not both", EXIT_USAGE)


def _check_targets(plan, kind: str | None) -> None:
    """Refuse (exit 2) an output whose name does not fit --format, or that is one of its inputs."""
    from pipeline import jobs

    for job_inputs, target in plan:
        if target.suffix.lower() != f".{jobs.output_kind(target, kind)}":
            _fail(f"{'--format ' + kind if kind else 'the output'} needs a file ending in .{kind or 'xlsx'} "
                  f"(or .parquet / .csv), got '{target}'", EXIT_USAGE)
        for f in job_inputs:
            if target.resolve() == f.resolve() or (target.exists() and f.exists() and target.samefile(f)):
                _fail(f"the output {target} is the input file {f}; choose another -o", EXIT_USAGE)


def _check_limits(cfg: dict, draws: int | None, budget: float | None, lock_wait: float | None) -> None:
    """Refuse (exit 2) --stability, --budget or --lock-wait above the configured maximum."""
    ctx = click.get_current_context()
    _at_most(ctx, "draws", draws, cfg["stability"]["max_draws"], "stability.max_draws")
    _at_most(ctx, "budget", budget, cfg["money"]["max_amount"], "money.max_amount")
    _at_most(ctx, "lock_wait", lock_wait, cfg["output"]["max_lock_wait_seconds"], "output.max_lock_wait_seconds")


def _on_done(progress: StageLine, quiet: bool):
    """What score says when a job is done: its notes, its error or its summary line."""
    def done(outcome) -> None:
        progress.finish()
        for path, why in outcome.not_portfolios:
            if not quiet and not outcome.error:
                say(f"ftscore: note: not a portfolio, skipped: {why}", err=True)
        if outcome.status == "not a portfolio":
            return
        if outcome.error:
            say(f"ftscore: error: {outcome.error}", err=True)
        elif not quiet:
            say(_summary_line(outcome), err=True)
        if outcome.history not in (None, "ok", "off"):  # said even with --quiet: the next run compares with nothing
            say(f"ftscore: warning: run not recorded in the history: {outcome.history}", err=True)

    return done


def _on_note(progress: StageLine, quiet: bool, notes: list[str]):
    """A run's note: kept in notes (for --json) and said unless --quiet."""
    def note(text: str) -> None:
        notes.append(text)
        if not quiet:
            progress.finish()
            say(f"ftscore: note: {text}", err=True)

    return note


@cli.command(epilog=EXIT_CODES_HELP.replace("workbook written, but ", "").replace("; nothing written", ""))
@click.argument("inputs", metavar="INPUT...", nargs=-1, required=True, type=click.Path(path_type=Path))
@input_options
@output_options
def validate(inputs: tuple[Path, ...], config_file: Path | None, sheet: str | None, header_row: int | None,
             encoding: str | None, delimiter: str | None, as_json: bool, quiet: bool,
             data_row: int | None = None,
            decimal: str | None = None) -> None:
    """Check INPUT as `ftscore score` would, write nothing, and list the problems.

    For a pre-flight step in a pipeline: one line per problem (severity, file,
    sheet, cell, problem) on stdout, the same exit codes as `score`.

    \b
    Example:
      ftscore validate samples/portfolio.xlsx
      ftscore validate inbox/*.xlsx --json > problems.json
    """
    from pipeline import jobs

    cfg = _load_config(config_file)
    optional: set[Path] = set()
    skipped: list[dict] = []
    files = _expand(inputs, optional, skipped)
    if not quiet and not as_json:
        _say_skipped(skipped)
    outcome = jobs.score_job(files, None, cfg, optional=frozenset(optional),
                             read_options=_read_options(sheet, header_row, encoding, delimiter, data_row, decimal))
    if outcome.result is not None and not quiet:
        for path, why in outcome.not_portfolios:
            say(f"ftscore: note: not a portfolio, skipped: {why}", err=True)
    problems = _problems(outcome.result)
    if outcome.error:
        say(f"ftscore: error: {outcome.error}", err=True)
    elif not as_json:
        _say_problems(problems, quiet)
        if not quiet:
            r = outcome.result
            say(f"checked {r.rows} use cases: {r.scored} can be scored, {r.error_rows} with errors"
                f"{_where(r)}", err=True)
    sys.exit(_report([outcome], as_json, {"problems": problems, "skipped_inputs": skipped} if as_json else None))


def _problems(result) -> list[dict]:
    """validate's problems: the Issues rows of a run (none when it read nothing)."""
    if result is None:
        return []
    return result.issues.select("severity", "file", "sheet", "row", "cell", "column", "value", "problem").to_dicts()


def _say_problems(problems: list[dict], quiet: bool) -> None:
    """One aligned line per problem on stdout (only errors with --quiet), under a header line."""
    shown = [p for p in problems if not quiet or p["severity"] == "error"]
    if not shown:
        return
    rows = [("SEVERITY", "FILE", "SHEET", "CELL", "PROBLEM")] + [_problem_row(p) for p in shown]
    widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
    for r in rows:
        say("  ".join(str(v).ljust(w) for v, w in zip(r[:4], widths)) + "  " + r[4])


def _problem_row(p: dict) -> tuple[str, ...]:
    """A problem's severity, file, sheet, cell (or row) and text with its value, for the terminal."""
    cell = p["cell"] or (f"row {p['row']}" if p["row"] is not None else "-")
    value = f" [value: {p['value']}]" if p["value"] not in (None, "") else ""
    return tuple(visible(v, one_line=True) for v in (p["severity"], p["file"], p["sheet"] or "-", cell,
                                                     p["problem"] + value))


@cli.command()
@click.argument("input_file", metavar="INPUT", type=click.Path(path_type=Path))
@input_options
def columns(input_file: Path, config_file: Path | None, sheet: str | None, header_row: int | None,
            encoding: str | None, delimiter: str | None, data_row: int | None = None,
            decimal: str | None = None) -> None:
    """Show how each header of INPUT was matched (or not), and why.

    Use it to fix a mapping without reading code: a header that should feed a
    column but is "carried through" needs an alias in a --config file, e.g.

    \b
      [columns.aliases]
      monthly_api_cost = ["Spend per month (USD)"]

    \b
    Example:
      ftscore columns samples/portfolio.xlsx
      ftscore columns inventory.csv --config samples/us-federal-2024.toml
    """
    from pipeline.columns import map_columns
    from pipeline.fields import FIELDS
    from pipeline.run import read_input

    cfg = _load_config(config_file)
    table = read_input(input_file, cfg, **_read_options(sheet, header_row, encoding, delimiter, data_row, decimal))
    mapping = map_columns(table, cfg)
    where = f"sheet '{table.sheet}', " if table.sheet else (f"encoding {table.encoding}, " if table.encoding else "")
    say(f"{table.file}: {where}header row {table.header_row}, {table.rows} data rows")
    width = max((len(visible(c.header.replace("\n", " "), one_line=True)) for c in table.columns), default=10)
    width = min(width, 60)
    for col in table.columns:
        head = visible(col.header.replace("\n", " "), one_line=True)
        head = head if len(head) <= width else head[: width - 1] + "…"
        say(f"  {col.letter:>3}  {head:<{width}}  -> {mapping.how.get(col.name, '')}")
    missing = [name for name in FIELDS if name not in mapping.fields]
    say(f"not in this file: {', '.join(missing) if missing else 'none'}")
    for note in table.notes + mapping.notes:
        say(f"note: {note}")


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("inputs", metavar="INPUT...", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--id", "use_case_id", required=True, help="The use case to explain (its use case id; "
              "without an id column, 'row N').")
@click.option("--price-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Date at which catalog prices apply (YYYY-MM-DD). Default: today.")
@input_options
def explain(inputs: tuple[Path, ...], use_case_id: str, price_date, config_file: Path | None, sheet: str | None,
            header_row: int | None, encoding: str | None, delimiter: str | None, data_row: int | None = None,
            decimal: str | None = None) -> None:
    """Explain one use case: each factor with its facts and thresholds, the rule that
    fired, every option's money and what ruled each out, the materiality threshold, the
    recommended option month by month against today's API, and what would change the decision.

    Scores INPUT exactly as `ftscore score` does (same config and options) and
    prints; nothing is written.

    \b
    Example:
      ftscore explain samples/portfolio.xlsx --id UC-05
      ftscore explain inventory.csv --config samples/us-federal-2024.toml --id "row 17"
    """
    from pipeline.explain import explain as explain_one
    from pipeline.run import score_files

    cfg = _load_config(config_file)
    optional: set[Path] = set()
    skipped: list = []
    result = score_files(_expand(inputs, optional), cfg, price_date=price_date.date() if price_date else None,
                         optional=frozenset(optional), skipped=skipped,
                         **_read_options(sheet, header_row, encoding, delimiter, data_row, decimal))
    for _, why in skipped:
        say(f"ftscore: note: not a portfolio, skipped: {why}", err=True)
    say(explain_one(result, use_case_id))  # NotFound, ReadError, ContractBroken: exit 2, 3, 4 (_Commands)


@cli.command()
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("ftscore-template.xlsx"),
              show_default=True, help="Where to write the template (.xlsx).")
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
              help="TOML file whose category levels the drop-down lists offer.")
def template(output: Path, config_file: Path | None) -> None:
    """Write a fill-in workbook: every input column with a comment saying what it means,
    drop-down lists for the categories, checked numbers, and three example rows.

    Score it as it is to see the output, then replace the examples with yours.

    \b
    Example:
      ftscore template -o portfolio-template.xlsx
      ftscore score portfolio-template.xlsx -o template-scored.xlsx
    """
    from pipeline.atomic import display, reason
    from pipeline.template import write_template

    if output.suffix.lower() != ".xlsx":
        _fail(f"the template must be an .xlsx file, got '{output}'", EXIT_USAGE)
    cfg = _load_config(config_file)
    try:
        write_template(output, cfg)  # an OutputError is exit 6 (_Commands)
    except OSError as exc:
        _fail(f"cannot write {display(output)}: {reason(exc)}; nothing written", EXIT_OUTPUT)
    say(f"wrote {output}: fill in one row per use case, then: ftscore score {output}", err=True)


HISTORY_EXIT_HELP = """\b
Exit codes:
  0  listed (or pruned)
  2  bad usage: the history is off, no such portfolio or use case, the PostgreSQL extra missing
  3  the history cannot be read: missing folder, damaged, not an ftscore history, from a newer ftscore
  5  the history is locked by another run past history.busy_timeout_s"""


@cli.command("history", epilog=HISTORY_EXIT_HELP)
@click.option("--id", "use_case_id", default=None,
              help="Show one use case's path over the runs: date, recommendation, fit, spend, savings.")
@click.option("--prune", "days", type=FiniteFloat(min=0), default=None, metavar="DAYS",
              help="Delete the runs (of every portfolio) started more than DAYS days ago.")
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
              help="TOML file whose [history] section says where the history is.")
@history_options(reading=True)
@click.option("--json", "as_json", is_flag=True, help="Print the runs (or the path) as JSON on stdout.")
def history_cmd(use_case_id: str | None, days: float | None, config_file: Path | None, history: str | None,
                portfolio: str | None, as_json: bool) -> None:
    """List the recorded runs of a portfolio (date, rows, use cases per recommendation, exit
    code), or one use case's path over them.

    Every `ftscore score` run that writes an output is recorded in its history
    (--history; default ftscore-history.sqlite beside the output). Without
    --portfolio, the history's only portfolio is shown.

    \b
    Example:
      ftscore history --history scored/ftscore-history.sqlite
      ftscore history --history scored/ftscore-history.sqlite --portfolio emea --id UC-05
      ftscore history --history postgresql://ftscore@db.example.com/portfolio --prune 90
    """
    from pipeline import history as history_mod

    cfg = _load_config(config_file)
    target = history_mod.target_for(history, cfg, Path("."))  # the default: in the current folder
    if target is None:
        _fail("the history is off (--history off, or history.path = \"off\"); give --history PATH", EXIT_USAGE)
    found = history_mod.History.open(target, cfg["history"]["busy_timeout_s"],
                                     create=False)  # a HistoryProblem is its line and exit code (_Commands)
    try:
        if days is not None:
            _say_pruned(found, days, as_json)
        else:
            _show_history(found, _which_portfolio(found, portfolio), use_case_id, as_json)
    finally:
        found.close()


def _say_pruned(found, days: float, as_json: bool) -> None:
    count = found.prune(days)
    if as_json:
        click.echo(json.dumps({"history": found.where, "pruned_runs": count, "days": days}))
    else:
        say(f"pruned {count} run{'' if count == 1 else 's'} older than {days:g} days from {found.where}", err=True)


def _which_portfolio(found, given: str | None) -> str:
    """The portfolio asked for, or the history's only one; exit 2 naming those there otherwise."""
    there = found.portfolios()
    if given is not None and given in there:
        return given
    listed = ", ".join(repr(p) for p in there[:20]) + (", ..." if len(there) > 20 else "")
    if not there:
        _fail(f"no runs recorded in {found.where} yet", EXIT_USAGE)
    if given is not None:
        _fail(f"no runs of portfolio {given!r} in {found.where} (recorded there: {listed})", EXIT_USAGE)
    if len(there) > 1:
        _fail(f"{found.where} holds {len(there)} portfolios; choose one with --portfolio ({listed})", EXIT_USAGE)
    return there[0]


def _show_history(found, portfolio: str, use_case_id: str | None, as_json: bool) -> None:
    """The runs of a portfolio, or one use case's path, as a table or JSON."""
    frame = found.runs(portfolio) if use_case_id is None else found.path(portfolio, use_case_id)
    if use_case_id is not None and frame.is_empty():
        _fail(f"no use case {use_case_id!r} in any run of portfolio {portfolio!r}", EXIT_USAGE)
    if as_json:
        key = "runs" if use_case_id is None else "path"
        rows = [{k: (v.isoformat() if k == "started_at" else v) for k, v in r.items()} for r in frame.to_dicts()]
        click.echo(json.dumps({"history": found.where, "portfolio": portfolio, "use_case_id": use_case_id,
                               key: rows}, indent=2))
        return
    title = f"portfolio {portfolio!r} in {found.where}"
    say(f"{title}: {frame.height} run{'' if frame.height == 1 else 's'}" if use_case_id is None else
        f"use case {use_case_id} of {title}")
    for line in _table(_history_rows(frame, use_case_id is not None)):
        say(line)


def _history_rows(frame, path: bool) -> list[tuple[str, ...]]:
    """The header and one row of text per run (runs) or per run of the use case (path)."""
    def money(v) -> str:
        return "-" if v is None else f"{'-' if v < 0 else ''}${abs(v):,.0f}"

    rows = frame.to_dicts()
    when = [r["started_at"].strftime("%Y-%m-%d %H:%M") for r in rows]
    if path:
        head = ("DATE (UTC)", "RUN", "RECOMMENDATION", "FIT", "SPEND/MONTH", "NET SAVINGS", "RANK")
        return [head] + [(w, str(r["run_id"]), r["recommendation"] or "(not in this run)",
                          "-" if r["fit_score"] is None else f"{r['fit_score']:.1f}", money(r["monthly_api_cost"]),
                          money(r["net_savings"]), "-" if r["rank"] is None else str(r["rank"]))
                         for w, r in zip(when, rows)]
    counts = frame.columns[5:]
    head = ("DATE (UTC)", "RUN", "ROWS", *counts, "EXIT")
    return [head] + [(w, str(r["run_id"]), f"{r['rows']:,}", *[f"{r[c]:,}" for c in counts], str(r["exit_code"]))
                     for w, r in zip(when, rows)]


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    """Aligned columns: text left, numbers right."""
    widths = [max(len(visible(r[i], one_line=True)) for r in rows) for i in range(len(rows[0]))]
    numeric = [all(v.replace(",", "").replace("$", "").replace(".", "").lstrip("-").isdigit() or v == "-"
                   for v in col[1:]) for col in zip(*rows)]
    return ["  ".join(visible(v, one_line=True).rjust(w) if n else visible(v, one_line=True).ljust(w)
                      for v, w, n in zip(r, widths, numeric)).rstrip() for r in rows]


def env_name(command: str, long_option: str) -> str:
    """FTSCORE_<COMMAND>_<OPTION>: the long option's name, upper case, - as _."""
    return f"FTSCORE_{command.upper()}_{long_option.lstrip('-').upper().replace('-', '_')}"


def _name_env_vars(group: click.Group) -> None:
    """Every option of every command reads the variable named after its long option, whatever
    its Python parameter is called (click's automatic names follow the parameter: --config
    would be FTSCORE_SCORE_CONFIG_FILE)."""
    for command_name, command in group.commands.items():
        for param in command.params:
            longs = [o for o in param.opts if o.startswith("--")] if isinstance(param, click.Option) else []
            if longs:
                param.envvar = env_name(command_name, longs[0])


_name_env_vars(cli)


def _on_signal(signum, frame) -> None:
    """SIGINT and SIGTERM stop the run like an exception (click would turn a KeyboardInterrupt
    into "Aborted!" and exit 1): temporary files are removed on the way out, then main exits
    128 + the signal's number. (errors.interrupt notes it too: a swallowed one still stops the
    output from being put in place.)"""
    interrupt(signal.Signals(signum).name)


def _unraisable(report) -> None:
    """sys.unraisablehook: an Interrupted that a library swallowed (see errors.interrupt) is not
    printed as a traceback; the signal was noted and stops the run before its output is put in
    place. Anything else is reported as Python would."""
    if not isinstance(report.exc_value, Interrupted):
        sys.__unraisablehook__(report)


def take_signals() -> None:
    """SIGINT and SIGTERM go to _on_signal (unless ignored: nohup and friends keep theirs)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, _on_signal)
    sys.unraisablehook = _unraisable


def main() -> None:
    take_signals()
    try:
        cli(prog_name="ftscore")
    except (KeyboardInterrupt, Interrupted) as exc:  # before SystemExit: Interrupted is one
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C does not cut the line short
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        say("ftscore: interrupted; nothing written", err=True)
        sys.exit(exc.code if isinstance(exc, Interrupted) else EXIT_INTERRUPTED["SIGINT"])
    except SystemExit:
        raise
    except BaseException as exc:  # a bug anywhere (a Rust panic is a BaseException): one line, exit 4
        if debugging():
            raise
        _fail(internal(exc), EXIT_BUG)


# polars' allocator (jemalloc), set before polars loads: a page it frees goes back to the system when purged
# (muzzy_decay_ms:0; else it is only marked free, and the system counts it as the process's until it
# needs the memory) and purged sooner (dirty_decay_ms:100; polars sets 500). A batch run's peak memory is
# the sum of what each stage freed but kept: 100,000-row .xlsx, about 50 MB less at the peak, no slower
# (bench/results.md). An _RJEM_MALLOC_CONF of the user's own wins.
ALLOCATOR = ("_RJEM_MALLOC_CONF", "dirty_decay_ms:100,muzzy_decay_ms:0")


def script() -> None:
    """The ftscore command (the console script, python -m pipeline): polars' allocator set (ALLOCATOR,
    where polars is not loaded yet), main(), then out of the process
    without tearing the interpreter down. By then every output is written and closed; freeing the
    modules of polars, pandera and pydantic one by one would take another ~0.1 s of every run
    (a 25-row run takes ~1.3 s). atexit handlers run and the standard streams are flushed first;
    where a stream cannot be flushed, a thread still runs or a profiler, tracer or coverage watches
    (python -m cProfile -m pipeline writes its report at the interpreter's exit), the interpreter's
    own exit."""
    import atexit
    import os
    import threading

    if "polars" not in sys.modules:
        os.environ.setdefault(*ALLOCATOR)
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = 0
    watched = sys.getprofile() is not None or sys.gettrace() is not None
    if not isinstance(code, int) or threading.active_count() > 1 or watched:
        sys.exit(code)
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except Exception:  # noqa: BLE001  (a closed pipe: the interpreter says so, exit 120)
        sys.exit(code)
    os._exit(code)


if __name__ == "__main__":
    script()
