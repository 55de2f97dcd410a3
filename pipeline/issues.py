"""Problems found in the input, as typed records in one polars frame.

Every problem knows the file, sheet, the row as Excel shows it, the column as
the user named it, the cell, the value, what is wrong and how bad it is:
``error`` (the row is not scored), ``warning`` (scored, with a default used) or
``note`` (about the file, not a row).
"""

from __future__ import annotations

import polars as pl

from collections.abc import Iterator

from pipeline.core import ROW, SRC, Column, Source, Table

SCHEMA = {
    "file": pl.String,
    "sheet": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "cell": pl.String,
    "value": pl.String,
    "problem": pl.String,
    "severity": pl.String,
}
SEVERITY_ORDER = {"error": 0, "warning": 1, "note": 2}


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=SCHEMA)


def for_cells(
    table: Table,
    rows: pl.DataFrame,
    column: Column | None,
    problem: pl.Expr | str,
    severity: str | pl.Expr = "error",
    value: pl.Expr | None = None,
) -> pl.DataFrame:
    """One issue per row of ``rows`` (which holds ROW and, when a column is named, its value);
    ``severity`` may be an expression over the rows."""
    problem_expr = pl.lit(problem) if isinstance(problem, str) else problem
    if value is None:
        value = pl.col(column.name).cast(pl.String) if column is not None and column.name in rows.columns else pl.lit(None, pl.String)
    return rows.select(
        pl.lit(table.file).alias("file"),
        pl.lit(table.sheet, pl.String).alias("sheet"),
        pl.col(ROW).cast(pl.Int64).alias("row"),
        pl.lit(column.header if column else None, pl.String).alias("column"),
        (pl.lit(column.letter) + pl.col(ROW).cast(pl.String)).alias("cell")
        if column
        else pl.lit(None, pl.String).alias("cell"),
        value.cast(pl.String).alias("value"),
        problem_expr.cast(pl.String).alias("problem"),
        (pl.lit(severity) if isinstance(severity, str) else severity).cast(pl.String).alias("severity"),
    )


def for_file(table: Table, problem: str, severity: str = "note") -> pl.DataFrame:
    return pl.DataFrame(
        [{"file": table.file, "sheet": table.sheet, "row": None, "column": None, "cell": None,
          "value": None, "problem": problem, "severity": severity}],
        schema=SCHEMA,
    )


def by_input(sources: list[Source], rows: pl.DataFrame) -> Iterator[tuple[Source, pl.DataFrame]]:
    """(source, its rows of ``rows``) for each input that has some, in input order (rows holds SRC)."""
    for i, source in enumerate(sources):
        mine = rows.filter(pl.col(SRC) == i)
        if mine.height:
            yield source, mine


def for_inputs(sources: list[Source], rows: pl.DataFrame, field: str, problem: pl.Expr | str, *,
               severity: str | pl.Expr = "error", value: pl.Expr | None = None,
               unmapped: bool = False) -> list[pl.DataFrame]:
    """One issue per row of ``rows`` (SRC, ROW and what ``problem``/``severity``/``value`` read) of
    several inputs, at the cell of each input's column for the canonical ``field``, the user's value
    shown (or ``value``). An input without that column has none of them, unless ``unmapped``: then
    on the row, with no cell."""
    out = []
    for source, mine in by_input(sources, rows):
        col = source.mapping.fields.get(field)
        if col is None and not unmapped:
            continue
        if col is not None and value is None:
            mine = mine.join(source.table.frame.select(ROW, col.name), on=ROW, how="left", maintain_order="left")
        out.append(for_cells(source.table, mine, col, problem, severity=severity, value=value))
    return out


def row_error() -> pl.Expr:
    """True for an issue that keeps its row from being scored: an error on a row."""
    return (pl.col("severity") == "error") & pl.col("row").is_not_null()


def error_rows(found: pl.DataFrame) -> pl.DataFrame:
    """The rows with errors, once each: SRC and ROW (found: issues with SRC, see with_src)."""
    return found.filter(row_error()).select(pl.col(SRC), pl.col("row").alias(ROW)).unique()


def combine(parts: list[pl.DataFrame]) -> pl.DataFrame:
    """All issues, sorted by file, row (file notes first), severity."""
    frame = pl.concat([empty(), *parts], how="vertical") if parts else empty()
    return frame.sort(
        [pl.col("file"), pl.col("row").fill_null(0), pl.col("severity").replace_strict(SEVERITY_ORDER, default=9), pl.col("cell")],
        maintain_order=True,
    )


def with_src(found: pl.DataFrame, files: list[str]) -> pl.DataFrame:
    """The issues with SRC: the position in the run of the input each names (files, in input order)."""
    return found.with_columns(pl.col("file").replace_strict({f: i for i, f in enumerate(files)}, return_dtype=pl.Int64).alias(SRC))


def order_issues(found: pl.DataFrame, files: list[str]) -> pl.DataFrame:
    """Issues in input order: by input, then row (file notes first), then severity."""
    return (
        with_src(found, files)
        .sort([SRC, pl.col("row").fill_null(0), pl.col("severity").replace_strict(SEVERITY_ORDER, default=9)],
              maintain_order=True)
    )
