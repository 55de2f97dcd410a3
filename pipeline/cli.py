"""The command line: parses, calls, prints. Errors become one line and an exit code."""

from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path

import click

from pipeline import __version__

from pipeline.jobs import EXIT_BUG, EXIT_OK, EXIT_UNUSABLE, EXIT_USAGE  # noqa: E402  (stdlib-only module)

EXIT_CODES_HELP = """\b
Exit codes:
  0  every row scored
  1  workbook written, but some rows have errors (see the Issues sheet)
  2  bad usage or configuration; nothing written
  3  input unusable (missing, empty, corrupt, no header row); nothing written
  4  internal error in ftscore (a bug); nothing written
  5  another ftscore run is writing the same workbook; nothing written, retry later"""


ENV_HELP = """\b
Every option can also come from the environment, as FTSCORE_<COMMAND>_<OPTION>:
  FTSCORE_SCORE_CONFIG=/etc/ftscore.toml  FTSCORE_SCORE_OUT_DIR=/srv/scored
Shell completion: eval "$(_FTSCORE_COMPLETE=bash_source ftscore)" (zsh_source, fish_source)."""


class FiniteFloat(click.FloatRange):
    """A number within bounds that is a real number: click's FloatRange lets 'nan' and 'inf' through."""

    def convert(self, value, param, ctx):
        rv = super().convert(value, param, ctx)
        if not math.isfinite(rv):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return rv


EXCEL_ROWS = 1_048_576  # the largest --header-row: the last row of a sheet


def _at_most(ctx: click.Context, name: str, value: float | None, most: float, key: str) -> None:
    """An option's value past its bound in the config (key): click's usual error, exit 2."""
    if value is not None and value > most:
        param = next(p for p in ctx.command.params if p.name == name)
        shown = f"{value:,}" if isinstance(value, int) else f"{value:,g}"
        raise click.BadParameter(f"{shown} is above {key} of the config ({most:,g}).", ctx=ctx, param=param)


def _fail(message: str, code: int) -> None:
    click.echo(f"ftscore: error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100,
                               "auto_envvar_prefix": "FTSCORE"}, epilog=ENV_HELP)
@click.version_option(__version__, "--version", prog_name="ftscore")
def cli() -> None:
    """Score a portfolio of AI use cases: fine-tune an open model, or keep calling an API?

    Give it a spreadsheet with one row per use case; it checks every row,
    scores privacy, cost, accuracy and speed (0-10 each), works out API cost,
    break-even and savings, ranks the portfolio and writes an annotated Excel
    workbook (Summary, Ranking, Portfolio, Issues, Assumptions).

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
        click.option("--encoding", default=None,
                     help="Text encoding of a CSV/TSV/TXT input, e.g. utf-8 or cp1252. "
                          "Default: UTF-8 (with or without BOM), else Windows-1252."),
        click.option("--delimiter", type=click.Choice([",", ";", "tab", "|"]), default=None,
                     help="Delimiter of a CSV/TSV/TXT input. Default: sniffed."),
    )
    for option in reversed(options):
        func = option(func)
    return func


def _read_options(sheet, header_row, encoding, delimiter) -> dict:
    return {"sheet": sheet, "header_row": header_row, "encoding": encoding,
            "delimiter": "\t" if delimiter == "tab" else delimiter}


def _load_config(config_file: Path | None) -> dict:
    from pipeline import config as config_mod

    try:
        return config_mod.load(config_file)
    except config_mod.ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)


def _expand(inputs: tuple[Path, ...]) -> list[Path]:
    """Files as given; a folder stands for the spreadsheets and text files directly in it."""
    from pipeline.read import SPREADSHEET_SUFFIXES, TEXT_SUFFIXES

    files: list[Path] = []
    for item in inputs:
        if item.is_dir():
            found = sorted(
                p for p in item.iterdir()
                if p.is_file() and p.suffix.lower() in SPREADSHEET_SUFFIXES | TEXT_SUFFIXES
                and not p.name.startswith((".", "~$"))
            )
            if not found:
                _fail(f"{item}: the folder holds no spreadsheet or CSV file", EXIT_UNUSABLE)
            files += found
        else:
            files.append(item)
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


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
        click.echo(f"\r\033[K[{bar}] {label} ({elapsed:.0f} s)", err=True, nl=False)
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


def _report(outcomes, as_json: bool, quiet: bool, extra: dict | None = None) -> int:
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
              help="Perturb weights and uncertain inputs N times (fixed seed) and add p_top10 and "
                   "p_same_decision to Ranking. Ranges: [stability] in the config; N at most "
                   "stability.max_draws (100,000).")
@click.option("--budget", type=FiniteFloat(min=0), default=None, metavar="USD",
              help="Fund the Fine-tune/Evaluate use cases whose setup costs fit this budget and that save "
                   "the most over the horizon (exact search; greedy beyond a size, said on Summary). "
                   "At most money.max_amount of the config.")
@click.option("--lock-wait", type=FiniteFloat(min=0), default=None,
              help="Seconds to wait while another run writes the same workbook (default: "
                   "output.lock_wait_seconds of the config, 60; at most output.max_lock_wait_seconds, a day).")
@input_options
@output_options
def score(inputs: tuple[Path, ...], output: Path | None, out_dir: Path | None, merge: bool, kind: str | None,
          force: bool,
          max_rows: int | None, price_date, draws: int | None, budget: float | None, lock_wait: float | None,
          config_file: Path | None, sheet: str | None, header_row: int | None, encoding: str | None,
          delimiter: str | None, as_json: bool, quiet: bool) -> None:
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

    if merge and out_dir is None:
        _fail("--merge goes with --out-dir", EXIT_USAGE)
    if force and out_dir is None:
        _fail("--force goes with --out-dir (a run with -o always rescores)", EXIT_USAGE)
    if output is not None and out_dir is not None and not merge:
        _fail("give either -o (one workbook) or --out-dir (one per input), not both", EXIT_USAGE)
    files = _expand(inputs)
    plan = jobs.plan(files, output, out_dir, merge, suffix=f".{kind}" if kind else ".xlsx")
    for job_inputs, target in plan:
        if target.suffix.lower() != f".{jobs.output_kind(target, kind)}":
            _fail(f"{'--format ' + kind if kind else 'the output'} needs a file ending in .{kind or 'xlsx'} "
                  f"(or .parquet / .csv), got '{target}'", EXIT_USAGE)
        for f in job_inputs:
            if target.resolve() == f.resolve() or (target.exists() and f.exists() and target.samefile(f)):
                _fail(f"the output {target} is the input file {f}; choose another -o", EXIT_USAGE)
    cfg = _load_config(config_file)
    ctx = click.get_current_context()
    _at_most(ctx, "draws", draws, cfg["stability"]["max_draws"], "stability.max_draws")
    _at_most(ctx, "budget", budget, cfg["money"]["max_amount"], "money.max_amount")
    _at_most(ctx, "lock_wait", lock_wait, cfg["output"]["max_lock_wait_seconds"], "output.max_lock_wait_seconds")
    read_options = _read_options(sheet, header_row, encoding, delimiter)
    read_options["max_rows"] = max_rows
    stages = sum(len(i) + 2 for i, _ in plan)
    progress = StageLine(not quiet, stages)

    def done(outcome) -> None:
        progress.finish()
        if outcome.error:
            click.echo(f"ftscore: error: {outcome.error}", err=True)
        elif not quiet:
            click.echo(_summary_line(outcome), err=True)

    settings = {"read": {k: v for k, v in read_options.items()}, "price_date": price_date, "draws": draws,
                "budget": budget, "format": kind}
    outcomes = jobs.run_jobs(
        plan, cfg, use_manifest=out_dir is not None, force=force, settings=settings, read_options=read_options,
        on_done=done, price_date=price_date.date() if price_date else None, draws=draws, budget=budget,
        lock_wait=cfg["output"]["lock_wait_seconds"] if lock_wait is None else lock_wait, progress=progress,
        kind=kind,
    )
    sys.exit(_report(outcomes, as_json, quiet))


@cli.command(epilog=EXIT_CODES_HELP.replace("workbook written, but ", "").replace("; nothing written", ""))
@click.argument("inputs", metavar="INPUT...", nargs=-1, required=True, type=click.Path(path_type=Path))
@input_options
@output_options
def validate(inputs: tuple[Path, ...], config_file: Path | None, sheet: str | None, header_row: int | None,
             encoding: str | None, delimiter: str | None, as_json: bool, quiet: bool) -> None:
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
    outcome = jobs.score_job(_expand(inputs), None, cfg, read_options=_read_options(sheet, header_row, encoding, delimiter))
    problems = []
    if outcome.result is not None:
        found = outcome.result.issues
        problems = found.select("severity", "file", "sheet", "row", "cell", "column", "value", "problem").to_dicts()
    if outcome.error:
        click.echo(f"ftscore: error: {outcome.error}", err=True)
    elif not as_json:
        shown = [p for p in problems if not quiet or p["severity"] == "error"]
        rows = [("SEVERITY", "FILE", "SHEET", "CELL", "PROBLEM")] + [
            (p["severity"], p["file"], p["sheet"] or "-",
             p["cell"] or (f"row {p['row']}" if p["row"] is not None else "-"),
             p["problem"] + (f" [value: {p['value']}]" if p["value"] not in (None, "") else ""))
            for p in shown
        ]
        widths = [max(len(str(r[i])) for r in rows) for i in range(4)]
        if shown:
            for r in rows:
                click.echo("  ".join(str(v).ljust(w) for v, w in zip(r[:4], widths)) + "  " + r[4])
        if not quiet:
            r = outcome.result
            click.echo(f"checked {r.rows} use cases: {r.scored} can be scored, {r.error_rows} with errors"
                       f"{_where(r)}", err=True)
    sys.exit(_report([outcome], as_json, quiet, {"problems": problems} if as_json else None))


@cli.command()
@click.argument("input_file", metavar="INPUT", type=click.Path(path_type=Path))
@input_options
def columns(input_file: Path, config_file: Path | None, sheet: str | None, header_row: int | None,
            encoding: str | None, delimiter: str | None) -> None:
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
    from pipeline.read import ReadError
    from pipeline.run import read_input

    cfg = _load_config(config_file)
    try:
        table = read_input(input_file, cfg, **_read_options(sheet, header_row, encoding, delimiter))
    except ReadError as exc:
        _fail(str(exc), EXIT_UNUSABLE)
    mapping = map_columns(table, cfg)
    where = f"sheet '{table.sheet}', " if table.sheet else (f"encoding {table.encoding}, " if table.encoding else "")
    click.echo(f"{table.file}: {where}header row {table.header_row}, {table.frame.height} data rows")
    width = max((len(c.header.splitlines()[0]) for c in table.columns), default=10)
    width = min(width, 60)
    for col in table.columns:
        head = col.header.replace("\n", " ")
        head = head if len(head) <= width else head[: width - 1] + "…"
        click.echo(f"  {col.letter:>3}  {head:<{width}}  -> {mapping.how.get(col.name, '')}")
    missing = [name for name in FIELDS if name not in mapping.fields]
    click.echo(f"not in this file: {', '.join(missing) if missing else 'none'}")
    for note in table.notes + mapping.notes:
        click.echo(f"note: {note}")


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("inputs", metavar="INPUT...", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--id", "use_case_id", required=True, help="The use case to explain (its use case id; "
              "without an id column, 'row N').")
@click.option("--price-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Date at which catalog prices apply (YYYY-MM-DD). Default: today.")
@input_options
def explain(inputs: tuple[Path, ...], use_case_id: str, price_date, config_file: Path | None, sheet: str | None,
            header_row: int | None, encoding: str | None, delimiter: str | None) -> None:
    """Explain one use case: each factor with its facts and thresholds, the rule that
    fired, the money month by month, and what would change the decision.

    Scores INPUT exactly as `ftscore score` does (same config and options) and
    prints; nothing is written.

    \b
    Example:
      ftscore explain samples/portfolio.xlsx --id UC-05
      ftscore explain inventory.csv --config samples/us-federal-2024.toml --id "row 17"
    """
    from pipeline.explain import NotFound, explain as explain_one
    from pipeline.read import ReadError
    from pipeline.run import score_files
    from pipeline.validate import ContractBroken

    cfg = _load_config(config_file)
    try:
        result = score_files(_expand(inputs), cfg, price_date=price_date.date() if price_date else None,
                             **_read_options(sheet, header_row, encoding, delimiter))
        click.echo(explain_one(result, use_case_id))
    except NotFound as exc:
        _fail(str(exc).strip("'\""), EXIT_USAGE)
    except ReadError as exc:
        _fail(str(exc), EXIT_UNUSABLE)
    except ContractBroken as exc:
        _fail(f"internal check failed: {exc}", EXIT_BUG)


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
    from pipeline.template import write_template

    if output.suffix.lower() != ".xlsx":
        _fail(f"the template must be an .xlsx file, got '{output}'", EXIT_USAGE)
    cfg = _load_config(config_file)
    try:
        write_template(output, cfg)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}", EXIT_UNUSABLE)
    click.echo(f"wrote {output}: fill in one row per use case, then: ftscore score {output}", err=True)


def main() -> None:
    try:
        cli(prog_name="ftscore")
    except KeyboardInterrupt:
        click.echo("ftscore: interrupted; nothing written", err=True)
        sys.exit(130)
    except SystemExit:
        raise
    except BaseException as exc:  # a bug anywhere (a Rust panic is a BaseException): one line, exit 4
        if os.environ.get("FTSCORE_DEBUG"):
            raise
        from pipeline.jobs import one_line

        _fail(f"internal error ({one_line(exc)}); set FTSCORE_DEBUG=1 for the traceback", EXIT_BUG)


if __name__ == "__main__":
    main()
