"""Every scored row as Parquet or CSV: for pipelines, and for portfolios past Excel's row limit.

The table is Portfolio's: the user's columns as read, then the annotation columns under their
canonical names. Issues go beside it (NAME-issues.parquet / .csv), and, once the run prices the
options, every option of every scored use case (NAME-options.parquet / .csv: options.long_frame,
the Options sheet's rows). In CSV, text that a spreadsheet would run as a formula gets a leading
apostrophe, in cells and headers alike: text that starts with = + - @ or their full-width and
small forms (＝＋－＠ ﹦﹢﹣﹫) after any leading whitespace of any Unicode kind (space, NBSP,
ideographic space, zero-width space, BOM, LF ...), or that starts with a tab or CR.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from pathlib import Path

import polars as pl

from pipeline.atomic import replace_all_when_done
from pipeline.core import ANNOTATION_PREFIX, KEY, ROW, USER_KEY, Result, is_reserved, side_file
from pipeline.options import has_options, long_parts

# Rust regex: \s is Unicode White_Space (NBSP, U+2000-U+200A, U+3000, ...); the zero-width
# characters and the BOM are not White_Space, but are invisible and some importers skip them.
_LEADING_SPACE = r"[\s\x{200B}\x{200C}\x{200D}\x{2060}\x{FEFF}]"
_FORMULA_SIGNS = r"[=+\-@\x{FF1D}\x{FF0B}\x{FF0D}\x{FF20}\x{FE66}\x{FE62}\x{FE63}\x{FE6B}]"
FORMULA_START = rf"^(?:[\t\r]|{_LEADING_SPACE}*{_FORMULA_SIGNS})"


def table(result: Result) -> Iterator[pl.DataFrame]:
    """Portfolio with plain column names (an annotation that collides with a user column of the same
    name is suffixed ' (ftscore)'), a part at a time (Result.portfolio_parts)."""
    columns = [c for c in result.portfolio_columns if c not in KEY]
    # A user's header in ftscore's namespace ("__row", "ftscore:rank") is keyed "user:__row" inside
    # the run; the table shows it under the user's own header again.
    renames = {c: c[len(USER_KEY):] for c in columns
               if c.startswith(USER_KEY) and is_reserved(c[len(USER_KEY):])}
    user = {renames.get(c, c) for c in columns if not c.startswith(ANNOTATION_PREFIX)}
    for c in columns:
        if c.startswith(ANNOTATION_PREFIX):
            name = c[len(ANNOTATION_PREFIX):]
            renames[c] = f"{name} (ftscore)" if name in user else name
    for part in result.portfolio_parts():
        yield part.drop(KEY).rename(renames)


def issues_table(result: Result) -> pl.DataFrame:
    return result.issues.select("severity", "file", "sheet", "row", "column", "cell", "value", "problem")


def options_table(result: Result) -> Iterator[pl.DataFrame]:
    """One row per scored use case and option, in rank order (the Options sheet's columns), a part at
    a time (options.long_parts)."""
    return long_parts(result.ranking, result.config, row=ROW)


def defuse(frame: pl.DataFrame) -> pl.DataFrame:
    """Text (cells and headers) that a spreadsheet would take for a formula, made plain text with a
    leading apostrophe."""
    frame = frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, t in frame.schema.items() if t == pl.String
    )
    names = pl.Series(frame.columns, dtype=pl.String)
    risky = names.str.contains(FORMULA_START).to_list()
    taken = set(frame.columns)
    renames = {}
    for name, bad in zip(frame.columns, risky):
        if bad:
            new = "'" + name
            while new in taken:  # "=a" beside a column already named "'=a"
                new = "'" + new
            renames[name] = new
            taken.add(new)
    return frame.rename(renames) if renames else frame


def sidecar(path: Path) -> Path:
    return side_file(path, "issues")


_WRITERS = ("parquet", "csv")


def _write_one(made: pl.DataFrame | Iterator[pl.DataFrame], tmp: str, kind: str) -> None:
    """A table, given whole or in parts (written one after the other, never held together)."""
    if kind == "parquet" and isinstance(made, pl.DataFrame):
        made.write_parquet(tmp)
    elif kind == "parquet":
        _parquet_parts(made, tmp)
    else:  # csv
        with open(tmp, "wb") as fh:
            for k, part in enumerate([made] if isinstance(made, pl.DataFrame) else made):
                defuse(part.with_columns(
                    pl.col(c).cast(pl.String) for c, t in part.schema.items() if t.is_temporal()
                )).write_csv(fh, include_header=k == 0)


def _parquet_parts(parts: Iterator[pl.DataFrame], tmp: str) -> None:
    """Parts of one table into one Parquet file (pyarrow's writer: polars writes a file from one frame)."""
    import pyarrow.parquet as pq  # only here: most runs write no parts

    first = next(parts)
    level = pl.CompatLevel.oldest()  # plain Arrow strings, which every Parquet writer takes
    # Dictionary-encoded: the text columns only. pyarrow tries a dictionary on every column and gives it
    # up on the money columns (almost every value distinct) after building it: at 1,000,000 use cases
    # (the Options table, 4.6M rows) writing took 4.4-5.0 s CPU and 133 MB with a dictionary tried on
    # every column, 3.4-3.8 s and 114 MB with text only (the same rows, types and statistics).
    texts = [name for name, kind in first.schema.items() if kind == pl.String]
    with pq.ParquetWriter(tmp, first.to_arrow(compat_level=level).schema, compression="zstd",
                          use_dictionary=texts) as writer:
        for part in itertools.chain([first], parts):
            writer.write_table(part.cast(first.schema).to_arrow(compat_level=level))


def _tables(path: Path, result: Result) -> dict[Path, Callable[[Result], pl.DataFrame | Iterator[pl.DataFrame]]]:
    """Each file write_table writes for `path`, with the table it holds: the rows, then the issues
    beside them, then (where the result has option columns) the options."""
    path = Path(path)
    tables = {path: table, sidecar(path): issues_table}
    if has_options(result.ranking):
        tables[side_file(path, "options")] = options_table
    return tables


def targets(path: Path, result: Result) -> list[Path]:
    """The files write_table writes for `path`, in the order it writes them."""
    return list(_tables(path, result))


def write_table(result: Result, path: Path, kind: str, *, into: list[str] | None = None) -> list[Path]:
    """Write the scored rows, the issues and the options as Parquet or CSV; return the paths written.

    The files appear together or not at all (atomic.replace_all_when_done). With `into`
    (temporary paths of a larger group, in the order of targets(path, result)), write there and
    leave the renaming to the caller."""
    if kind not in _WRITERS:
        raise ValueError(f"unknown table format {kind!r}")
    tables = _tables(path, result)
    with nullcontext(into) if into is not None else replace_all_when_done(list(tables)) as temps:
        for make, tmp in zip(tables.values(), temps):
            _write_one(make(result), tmp, kind)
    return list(tables)
