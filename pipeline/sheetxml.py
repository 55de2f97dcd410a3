"""A streamed sheet's rows as sheet XML, rendered by polars over whole columns.

In constant-memory mode xlsxwriter writes each cell by a Python call (about 8 µs a cell): at
100,000 use cases the Options, Portfolio and Ranking sheets hold 13 million cells, nine tenths of a
run. Here a slice of rows becomes the XML xlsxwriter would write for it (inline strings, numbers,
booleans, each cell's format by its style index, row heights, the blank cells of a filled row),
made by polars string expressions, and goes into the worksheet's row file: the file xlsxwriter
itself streams a sheet's rows to and copies into the sheet at ``close()``.

Texts are escaped as xlsxwriter escapes them (``_xHHHH_`` for the characters XML cannot hold, and
for a literal ``_xHHHH_``; ``&<>``; ``xml:space="preserve"`` for a text that starts or ends with
white space). A row with a text xlsxwriter must treat otherwise (longer than half a cell's limit,
which ``xlsxtext`` cuts and records; shaped like xlsxwriter's own rich string) goes cell by cell
through the usual door, ``odd_row``. Numbers keep every digit of the float (xlsxwriter rounds to
16): Excel and LibreOffice show 15.

What it takes from xlsxwriter (3.3) beyond its public API, all on the worksheet (``_INTERNALS``):
``constant_memory``, ``fh`` (the row file while rows stream), ``previous_row`` (the row whose
cells are held, not yet written), ``_write_single_row`` (writes it), ``_check_dimensions`` (the
sheet's used range), ``row_sizes`` (row heights, for the comments' boxes), ``excel_version`` and
``default_row_height``. A worksheet without one of them is written cell by cell, as before;
pyproject.toml keeps xlsxwriter below 4, and tests/test_sheetxml.py writes sheets both ways and
compares every cell's XML, so a 3.x release that changed what these mean fails the suite.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from xlsxwriter.utility import xl_col_to_name

from pipeline.xlsxtext import CELL_TEXT_MAX

ENABLED = True  # tests turn it off to write the same rows cell by cell, to compare
SLICE_ROWS = 2_000  # rows rendered at once: their cells, rows and XML are held whole (10,000: +140 MiB at 100k)

# Columns set beside a slice's own (after them: a frame's columns are never looked up by name here)
_FILLED, _HEIGHT, _PIXELS = "\x00sheetxml:filled", "\x00sheetxml:ht", "\x00sheetxml:px"
_MARKS = (_HEIGHT, _FILLED, _PIXELS)
_LITERAL_ESCAPE = r"(_x[0-9A-Fa-f]{4}_)"  # a text that looks like the escape keeps it by escaping its "_"
_INTERNALS = ("constant_memory", "fh", "previous_row", "_write_single_row", "_check_dimensions", "row_sizes",
              "excel_version", "default_row_height")  # what of xlsxwriter's worksheet this module uses
_UNHELD = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0xFFFE, 0xFFFF)]  # as xlsxwriter's
_NEEDS_ESCAPE = r"_x[0-9A-Fa-f]{4}_|[\x00-\x08\x0B-\x1F\x{FFFE}\x{FFFF}]"


@dataclass(frozen=True)
class Cells:
    """Where and how a frame's columns go: the sheet column of each (two may share one when at most one
    has a value in a row), its format, and its format in a filled row."""

    targets: Sequence[int]
    formats: Sequence[Any]
    fill_formats: Sequence[Any] | None = None


def can_write(ws, frame: pl.DataFrame, cells: Cells) -> bool:
    """Whether ``frame``'s rows can go to ``ws`` as XML: a streamed sheet, a format for every cell,
    and columns of numbers, booleans and texts only (others go cell by cell)."""
    kinds_known = all(t.is_numeric() or t in (pl.String, pl.Boolean, pl.Null) for t in frame.dtypes)
    formats = [*cells.formats, *(cells.fill_formats or [])]
    internals = all(hasattr(ws, name) for name in _INTERNALS)  # another xlsxwriter: cell by cell, as before
    return (ENABLED and internals and getattr(ws, "constant_memory", False) and frame.width > 0 and kinds_known
            and None not in formats)


def write_rows(ws, frame: pl.DataFrame, first_row: int, cells: Cells, *, filled: Sequence[bool] | None,
               heights: Sequence[float | None], odd_row: Callable[[int], None],
               comment: Callable[[int], None], commented: Iterable[int]) -> None:
    """Write ``frame``'s rows from sheet row ``first_row`` (0-based), in order.

    odd_row(i) writes frame row i cell by cell; comment(i) writes the comments of frame row i, one of
    ``commented`` (xlsxwriter takes a comment only for a row it has not written yet)."""
    marks = _marks(frame, filled, heights, ws.default_row_height)
    noted = sorted(commented)  # a few thousand rows at most (output.max_cell_comments)
    for start in range(0, frame.height, SLICE_ROWS):
        part = pl.concat([frame.slice(start, SLICE_ROWS), marks.slice(start, SLICE_ROWS)], how="horizontal")
        odd = _odd_rows(part)
        at = 0
        for i in [*odd, part.height]:
            if i > at:
                notes = noted[bisect_left(noted, start + at):bisect_left(noted, start + i)]
                _write_xml(ws, part.slice(at, i - at), first_row + start + at, cells, notes, comment)
            if i < part.height:
                odd_row(start + i)
            at = i + 1


def _marks(frame: pl.DataFrame, filled: Sequence[bool] | None, heights: Sequence[float | None],
           default_pixels: int) -> pl.DataFrame:
    """Each row's fill, and its height: the row's attribute as xlsxwriter writes it, and in pixels (or None)."""
    n = frame.height
    given = list(heights[:n]) + [None] * max(n - len(heights), 0)
    pixels = (pl.col(_HEIGHT) * 4.0 / 3.0 + 0.5).floor()  # set_row's points to whole pixels
    marks = pl.DataFrame({_HEIGHT: pl.Series(given, dtype=pl.Float64),
                          _FILLED: pl.Series(filled if filled is not None else [False] * n, dtype=pl.Boolean)})
    points = pixels * 0.75  # written as xlsxwriter writes it: 30, not 30.0
    shown = pl.when(points == points.floor()).then(points.cast(pl.Int64).cast(pl.String)).otherwise(points.cast(pl.String))
    return marks.with_columns(
        pl.when(pixels != default_pixels).then(pl.format(' ht="{}" customHeight="1"', shown)).alias(_HEIGHT),
        pixels.cast(pl.Int64).alias(_PIXELS),
    )


def _odd_rows(part: pl.DataFrame) -> list[int]:
    """The rows with a text that must go cell by cell (see the module's docstring)."""
    texts = [c for c, t in list(part.schema.items())[:-len(_MARKS)] if t == pl.String]
    if not texts:
        return []
    odd = pl.any_horizontal(
        (pl.col(c).str.len_chars() > CELL_TEXT_MAX // 2)
        | (pl.col(c).str.starts_with("<r>") & pl.col(c).str.ends_with("</r>"))
        for c in texts
    ).fill_null(False)
    return part.select(pl.arg_where(odd)).to_series().to_list()


def _write_xml(ws, part: pl.DataFrame, first_row: int, cells: Cells, notes: list[int],
               comment: Callable[[int], None]) -> None:
    """Rows ``part`` (no odd row among them) from sheet row ``first_row`` into the sheet's row file,
    after comment(k) for each frame row k in ``notes`` (theirs)."""
    ws._write_single_row(first_row)  # the row xlsxwriter holds (a header, an odd row) goes first
    for k in notes:
        comment(k)
    last = first_row + part.height - 1
    ws._check_dimensions(first_row, min(cells.targets))
    ws._check_dimensions(last, max(cells.targets))
    ws.fh.write(_render(part, first_row, cells, ws))
    sized = part.select((pl.int_range(pl.len()) + first_row).alias("r"), _PIXELS).drop_nulls()
    ws.row_sizes.update((r, [px, False]) for r, px in sized.iter_rows())  # as set_row: comments' boxes
    ws.previous_row = last + 1  # nothing held: the next row written cell by cell starts clean


def _render(part: pl.DataFrame, first_row: int, cells: Cells, ws) -> str:
    data = part.columns[:-len(_MARKS)]
    escapes = _escapes_needed(part, data)
    row = (pl.int_range(pl.len(), dtype=pl.Int64) + (first_row + 1)).cast(pl.String)
    by_target: dict[int, list[pl.Expr]] = {}
    blank: dict[int, pl.Expr] = {}
    for k, name in enumerate(data):
        target = cells.targets[k]
        style = _style(cells, k)
        by_target.setdefault(target, []).append(_cell(name, part.schema[name], xl_col_to_name(target), row, style,
                                                      escapes.get(name, (False, False))))
        if cells.fill_formats is not None:
            fill = str(cells.fill_formats[k]._get_xf_index())
            blank[target] = pl.when(pl.col(_FILLED)).then(
                pl.concat_str([pl.lit(f'<c r="{xl_col_to_name(target)}'), row, pl.lit(f'" s="{fill}"/>')]))
    body = [pl.coalesce([*by_target[t], *([blank[t]] if t in blank else [])]) for t in sorted(by_target)]
    dy = ' x14ac:dyDescent="0.25"' if ws.excel_version == 2010 else ""
    rows = part.select(row.alias("r"), pl.col(_HEIGHT).alias("ht"), pl.concat_str(body, ignore_nulls=True).alias("body"))
    xml = rows.select(
        pl.when((pl.col("body") != "") | pl.col("ht").is_not_null())
        .then(pl.concat_str([pl.lit('<row r="'), pl.col("r"), pl.lit('"'), pl.col("ht").fill_null(""),
                             pl.lit(dy + ">"), pl.col("body"), pl.lit("</row>")]))
        .str.join("")
    )
    return xml.item() or ""


def _style(cells: Cells, k: int) -> pl.Expr:
    """A cell's style index as text: its fill format's in a filled row."""
    plain = pl.lit(str(cells.formats[k]._get_xf_index()))
    if cells.fill_formats is None:
        return plain
    return pl.when(pl.col(_FILLED)).then(pl.lit(str(cells.fill_formats[k]._get_xf_index()))).otherwise(plain)


def _cell(name: str, dtype: pl.DataType, letter: str, row: pl.Expr, style: pl.Expr,
          escapes: tuple[bool, bool]) -> pl.Expr:
    """One column's cells as XML (null where the cell is empty)."""
    head = [pl.lit(f'<c r="{letter}'), row, pl.lit('" s="'), style]
    value = pl.col(name)
    if dtype == pl.String:
        text, preserve = _text(value, *escapes)
        return pl.concat_str([*head, pl.lit('" t="inlineStr"><is><t'), preserve, pl.lit(">"), text,
                              pl.lit("</t></is></c>")])
    if dtype == pl.Boolean:
        return pl.concat_str([*head, pl.lit('" t="b"><v>'), value.cast(pl.Int8).cast(pl.String), pl.lit("</v></c>")])
    if dtype == pl.Null:
        return pl.lit(None, dtype=pl.String)
    return pl.concat_str([*head, pl.lit('"><v>'), value.cast(pl.String), pl.lit("</v></c>")])


def _text(value: pl.Expr, unheld: bool, markup: bool) -> tuple[pl.Expr, pl.Expr]:
    """A text as the XML of a cell holds it, and its ``xml:space`` attribute (or "")."""
    if unheld:  # as xlsxwriter: a literal escape's "_" first, then the characters XML cannot hold
        value = value.str.replace_all(_LITERAL_ESCAPE, "_x005F$1")
        for ch in _UNHELD:
            value = value.str.replace_all(ch, f"_x{ord(ch):04X}_", literal=True)
    preserve = pl.when(value.str.contains(r"^\s|\s$")).then(pl.lit(' xml:space="preserve"')).otherwise(pl.lit(""))
    if markup:
        value = (value.str.replace_all("&", "&amp;", literal=True).str.replace_all("<", "&lt;", literal=True)
                 .str.replace_all(">", "&gt;", literal=True))
    return value, preserve


def _escapes_needed(part: pl.DataFrame, texts: list[str]) -> dict[str, tuple[bool, bool]]:
    """For each text column of the slice: whether any text needs the ``_xHHHH_`` escape, and any ``&<>``."""
    texts = [c for c in texts if part.schema[c] == pl.String]
    if not texts:
        return {}
    found = part.select(
        *(pl.col(c).str.contains(_NEEDS_ESCAPE).any().alias(f"u{k}") for k, c in enumerate(texts)),
        *(pl.col(c).str.contains("[&<>]").any().alias(f"m{k}") for k, c in enumerate(texts)),
    ).row(0, named=True)
    return {c: (bool(found[f"u{k}"]), bool(found[f"m{k}"])) for k, c in enumerate(texts)}
