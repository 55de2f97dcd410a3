"""The command line: parses, calls, prints. Errors become one line and an exit code."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from pipeline import __version__

EXIT_OK, EXIT_ROW_ERRORS, EXIT_USAGE, EXIT_UNUSABLE, EXIT_BUG, EXIT_BUSY = 0, 1, 2, 3, 4, 5

EXIT_CODES_HELP = """\b
Exit codes:
  0  every row scored
  1  workbook written, but some rows have errors (see the Issues sheet)
  2  bad usage or configuration; nothing written
  3  input unusable (missing, empty, corrupt, no header row); nothing written
  4  internal error in ftscore (a bug); nothing written
  5  another ftscore run is writing the same workbook; nothing written, retry later"""


def _fail(message: str, code: int) -> None:
    click.echo(f"ftscore: error: {message}", err=True)
    sys.exit(code)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
        click.option("--header-row", type=click.IntRange(min=1), default=None,
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


def _summary_line(result, output: Path) -> str:
    where = []
    for source in result.sources:
        t = source.table
        if len(result.sources) > 1:
            where.append(Path(t.file).name + (f" sheet '{t.sheet}'" if t.sheet else ""))
        elif t.sheet:
            where.append(f"sheet '{t.sheet}'")
        else:
            where.append(f"encoding {t.encoding}")
    facts = f" ({'; '.join(where)})" if where else ""
    return (f"scored {result.scored} of {result.rows} use cases, {result.error_rows} with errors -> {output}"
            f"{facts}")


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("inputs", metavar="INPUT...", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Workbook to write (.xlsx). Default: INPUT's name with -scored.xlsx (portfolio-scored.xlsx "
                   "for several inputs), in the current folder.")
@click.option("--max-rows", type=click.IntRange(min=1), default=None,
              help="Refuse inputs with more use cases than this in all (default: input.max_rows of the config).")
@click.option("--price-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Date at which catalog prices apply (YYYY-MM-DD). Default: the day of the run.")
@click.option("--stability", "draws", type=click.IntRange(min=1), default=None, metavar="N",
              help="Perturb weights and uncertain inputs N times (fixed seed) and add p_top10 and "
                   "p_same_decision to Ranking. Ranges: [stability] in the config.")
@click.option("--budget", type=click.FloatRange(min=0), default=None, metavar="USD",
              help="Fund the Fine-tune/Evaluate use cases whose setup costs fit this budget and that save "
                   "the most over the horizon (exact search; greedy beyond a size, said on Summary).")
@click.option("--lock-wait", type=click.FloatRange(min=0), default=None,
              help="Seconds to wait while another run writes the same workbook (default: "
                   "output.lock_wait_seconds of the config, 60).")
@input_options
def score(inputs: tuple[Path, ...], output: Path | None, max_rows: int | None, price_date, draws: int | None,
          budget: float | None, lock_wait: float | None,
          config_file: Path | None,
          sheet: str | None, header_row: int | None, encoding: str | None, delimiter: str | None) -> None:
    """Score INPUT (.xlsx, .xlsm, .xls, .xlsb, .ods, .csv, .tsv, .txt) and write an annotated workbook.

    Several files, or a folder, are scored as one portfolio; every row keeps
    its source file, sheet and row. Headers are matched ignoring case, spaces
    and punctuation ("Monthly API Cost ($)" is monthly_api_cost); unknown
    columns are carried through. A bad cell is an error on its own row (the
    Issues sheet names the cell); the other rows are still scored.

    \b
    Example:
      ftscore score samples/portfolio.xlsx -o out/portfolio-scored.xlsx
      ftscore score use-cases.csv --config our-weights.toml -o scored.xlsx
      ftscore score emea.xlsx americas.csv -o group-portfolio.xlsx
      ftscore score samples/portfolio.xlsx --stability 1000 --budget 250000 -o out/funded.xlsx
    """
    from pipeline.read import ReadError

    files = _expand(inputs)
    output = output or Path(f"{files[0].stem}-scored.xlsx" if len(files) == 1 else "portfolio-scored.xlsx")
    if output.suffix.lower() != ".xlsx":
        _fail(f"the output must be an .xlsx file, got '{output}'", EXIT_USAGE)
    for f in files:
        if output.resolve() == f.resolve() or (output.exists() and f.exists() and output.samefile(f)):
            _fail(f"the output {output} is the input file {f}; choose another -o", EXIT_USAGE)
    cfg = _load_config(config_file)

    from pipeline.lock import LockBusy, output_lock
    from pipeline.run import score_files
    from pipeline.validate import ContractBroken
    from pipeline.workbook import write

    try:
        result = score_files(files, cfg, max_rows=max_rows or cfg["input"]["max_rows"],
                             price_date=price_date.date() if price_date else None, draws=draws, budget=budget,
                             **_read_options(sheet, header_row, encoding, delimiter))
        output.parent.mkdir(parents=True, exist_ok=True)
        wait = cfg["output"]["lock_wait_seconds"] if lock_wait is None else lock_wait
        with output_lock(output, wait_seconds=wait):
            write(result, output)
    except LockBusy as exc:
        _fail(str(exc), EXIT_BUSY)
    except ReadError as exc:
        _fail(str(exc), EXIT_UNUSABLE)
    except ContractBroken as exc:
        _fail(f"internal check failed, nothing written: {exc}", EXIT_BUG)
    except OSError as exc:
        _fail(f"cannot write {output}: {exc.strerror or exc}", EXIT_UNUSABLE)
    except Exception as exc:  # a bug: one line for the user, the traceback on request
        if os.environ.get("FTSCORE_DEBUG"):
            raise
        _fail(f"internal error, nothing written ({exc.__class__.__name__}: {exc}); "
              "set FTSCORE_DEBUG=1 for the traceback", EXIT_BUG)
    click.echo(_summary_line(result, output), err=True)
    sys.exit(EXIT_ROW_ERRORS if result.error_rows else EXIT_OK)


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


def main() -> None:
    try:
        cli(prog_name="ftscore")
    except KeyboardInterrupt:
        click.echo("ftscore: interrupted; nothing written", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
