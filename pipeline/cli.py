"""The command line: parses, calls, prints. Errors become one line and an exit code."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from pipeline import __version__

EXIT_OK, EXIT_ROW_ERRORS, EXIT_USAGE, EXIT_UNUSABLE, EXIT_BUG = 0, 1, 2, 3, 4

EXIT_CODES_HELP = """\b
Exit codes:
  0  every row scored
  1  workbook written, but some rows have errors (see the Issues sheet)
  2  bad usage or configuration; nothing written
  3  input unusable (missing, empty, corrupt, no header row); nothing written
  4  internal error in ftscore (a bug); nothing written"""


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


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("input_file", metavar="INPUT", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Workbook to write (.xlsx). Default: INPUT's name with -scored.xlsx, in the current folder.")
@click.option("--config", "config_file", type=click.Path(path_type=Path), default=None,
              help="TOML file overriding any default (weights, anchors, thresholds, aliases).")
@click.option("--sheet", default=None, help="Sheet to read. Default: the first sheet with a recognisable header row.")
def score(input_file: Path, output: Path | None, config_file: Path | None, sheet: str | None) -> None:
    """Score INPUT (.xlsx, .xlsm, .xls, .xlsb, .ods, .csv, .tsv) and write an annotated workbook.

    Headers are matched ignoring case, spaces and punctuation ("Monthly API
    Cost ($)" is monthly_api_cost); unknown columns are carried through. A bad
    cell is an error on its own row (the Issues sheet names the cell); the
    other rows are still scored.

    \b
    Example:
      ftscore score samples/portfolio.xlsx -o out/portfolio-scored.xlsx
      ftscore score use-cases.csv --config our-weights.toml -o scored.xlsx
    """
    from pipeline import config as config_mod
    from pipeline.read import ReadError

    output = output or Path(f"{input_file.stem}-scored.xlsx")
    if output.suffix.lower() != ".xlsx":
        _fail(f"the output must be an .xlsx file, got '{output}'", EXIT_USAGE)
    if output.resolve() == input_file.resolve() or (output.exists() and input_file.exists() and output.samefile(input_file)):
        _fail(f"the output {output} is the input file; choose another -o", EXIT_USAGE)
    try:
        cfg = config_mod.load(config_file)
    except config_mod.ConfigError as exc:
        _fail(str(exc), EXIT_USAGE)

    from pipeline.run import score_file
    from pipeline.validate import ContractBroken
    from pipeline.workbook import write

    try:
        result = score_file(input_file, cfg, sheet=sheet)
        write(result, output)
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
    click.echo(
        f"scored {result.scored} of {result.rows} use cases, {result.error_rows} with errors -> {output}",
        err=True,
    )
    sys.exit(EXIT_ROW_ERRORS if result.error_rows else EXIT_OK)


def main() -> None:
    try:
        cli(prog_name="ftscore")
    except KeyboardInterrupt:
        click.echo("ftscore: interrupted; nothing written", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
