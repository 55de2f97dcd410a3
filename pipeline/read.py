"""Files -> one polars frame per input, each record keeping its row as Excel shows it.

The only module that opens input files. Spreadsheets go through fastexcel (the
Rust calamine reader behind ``polars.read_excel``); text files through
``polars.read_csv``. Nothing here knows about scores or money.
"""

from __future__ import annotations

import codecs
import collections
import csv
import dataclasses
import io
import itertools
import logging
import re
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import polars as pl
from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name

# fastexcel logs a warning for every mixed-type column it reads as text; that is
# expected here (cells are parsed one by one later), not news for a cron log.
logging.getLogger("fastexcel").setLevel(logging.ERROR)
# calamine logs a warning for a chart sheet it is asked to read; ftscore skips it anyway.
logging.getLogger("calamine").setLevel(logging.ERROR)

DELIMITERS = ",;\t|"

# Hints written once, shown with the messages that need them.
HINT_SHEET = "choose one with --sheet NAME"
HINT_FORMATS = "ftscore reads .xlsx, .xlsm, .xls, .xlsb, .ods, .csv, .tsv and .txt"
HINT_HEADER = "see which headers match with 'ftscore columns FILE', map yours in a --config file, or give --header-row N"
HINT_ENCODING = "try --encoding utf-8 or --encoding cp1252"


from pipeline.atomic import display  # noqa: E402
from pipeline.core import (  # noqa: E402,F401  (ROW, Column, Table: also imported from here)
    PLAIN_INTEGER, PLAIN_NUMBER, ROW, SPREADSHEET_SUFFIXES, TEXT_SUFFIXES, USER_KEY, Column, Table, is_reserved,
)
from pipeline.errors import NotAPortfolio, ReadError  # noqa: E402,F401  (re-exported)


class _DataRowError(ReadError):
    """--data-row names a row that is not below the header (the reader adds the file's name)."""


# A header scorer tells how well a row of cells looks like our header:
# (number of known columns, whether the use case name is among them).
HeaderScorer = Callable[[list[str | None]], tuple[int, bool]]


@dataclass(frozen=True)
class HeaderRules:
    """A header scorer with what else the reader needs to know about headers (columns.header_scorer).

    label_words: normalised flags and type names that mark a row under the header as labels;
    suggest: the header texts of the first rows most like a use case name column;
    alias_line: the config block that maps a header to the use case name;
    data_row: the row (as Excel numbers it) where data starts, when the user gives it (--data-row).
    """

    score: HeaderScorer
    label_words: frozenset[str] = frozenset()
    suggest: Callable[[list[object]], list[str]] | None = None
    alias_line: Callable[[str], str] | None = None
    data_row: int | None = None

    def __call__(self, cells: list[str | None]) -> tuple[int, bool]:
        return self.score(cells)


@dataclass(frozen=True)
class Header:
    index: int  # 0-based row of the (first) header row
    span: int  # 1, or 2 for a header split over two rows (merged bands)
    cells: list[str | None]
    # 0-based rows above the header that look like use cases under it (see _looks_like_data)
    data_above: tuple[int, ...] = ()
    # rows right under the header that are not data: label rows found (their use case name cells),
    # or rows before the user's --data-row
    skip: int = 0
    skipped_labels: tuple[str, ...] = ()

    @property
    def data_start(self) -> int:
        """0-based row of the first data row."""
        return self.index + self.span + self.skip


def _two_row_variants(top: list[str | None], low: list[str | None]) -> list[list[str | None]]:
    """Ways to read a header split over two rows: the lower cell under its band, or both joined."""
    width = max(len(top), len(low))
    top = list(top) + [None] * (width - len(top))
    low = list(low) + [None] * (width - len(low))
    lower_first = [b if b not in (None, "") else a for a, b in zip(top, low)]
    joined = [" ".join(str(v) for v in (a, b) if v not in (None, "")) or None for a, b in zip(top, low)]
    return [lower_first, joined]


def _filled(value: object) -> bool:
    return value is not None and str(value).strip() != ""


def _named_columns(cells: list[str | None], scorer: HeaderScorer) -> tuple[list[int], int | None]:
    """Positions of the header cells that name a known column, and of the use case name column."""
    named, name_at = [], None
    for i, cell in enumerate(cells):
        if not _filled(cell):
            continue
        count, has_name = scorer([cell])
        if count:
            named.append(i)
            if has_name and name_at is None:
                name_at = i
    return named, name_at


def _looks_like_data(row: list[str | None], header: list[str | None], scorer: HeaderScorer) -> bool:
    """A row that reads as a use case under this header: not a header itself, a value in the use case
    name column and in at least two (three where the header names three or more) known columns.

    A title ("AI portfolio 2025", "Prepared by the PMO") fills one cell and is not data.
    """
    named, name_at = _named_columns(header, scorer)
    if name_at is None or name_at >= len(row) or not _filled(row[name_at]):
        return False
    count, has_name = scorer(row)
    if has_name and count >= 2:
        return False
    filled = sum(1 for i in named if i < len(row) and _filled(row[i]))
    return filled >= max(2, min(3, len(named)))


def _find_header(rows: list[list[str | None]], scorer: HeaderScorer, forced: int | None = None) -> Header | None:
    """The header row: the forced one, or the row naming the most known columns.

    A pair of rows that together name more known columns than any single row
    is a two-row header (a band of merged cells above the column names).
    An earlier row that is a header too (the use case name and one more known column) wins when
    rows between it and the best one look like use cases under it: the later "header" is then a
    row inside the data (reported as a second header row), and no use case is dropped as a title.
    The header's data_above names the rows above it that still look like use cases.
    """
    if forced is not None:
        if forced - 1 >= len(rows):
            return None
        best = Header(forced - 1, 1, rows[forced - 1])
    else:
        best = _best_header(rows, scorer)
        if best is None:
            return None
        best = _earlier_header(rows, best, scorer)
    above = tuple(j for j in range(best.index) if _looks_like_data(rows[j], best.cells, scorer))
    return _with_rows_skipped(rows, best, above, scorer)


def _best_header(rows: list[list[str | None]], scorer: HeaderScorer) -> Header | None:
    """The row, or pair of rows (a two-row header), naming a use case column and the most known columns."""
    best = None
    best_count = 0
    for i, cells in enumerate(rows):
        count, has_name = scorer(cells)
        if has_name and count > best_count:
            best, best_count = Header(i, 1, cells), count
    for i in range(len(rows) - 1):
        for cells in _two_row_variants(rows[i], rows[i + 1]):
            count, has_name = scorer(cells)
            if has_name and count > best_count:
                best, best_count = Header(i, 2, cells), count
    return best


def _earlier_header(rows: list[list[str | None]], best: Header, scorer: HeaderScorer) -> Header:
    """The first row above `best` that is a header too, when rows between the two look like use
    cases under it; else `best`."""
    first = next((i for i, cells in enumerate(rows[:best.index])
                  if (found := scorer(cells))[1] and found[0] >= 2), None)
    if first is not None and any(_looks_like_data(rows[j], rows[first], scorer)
                                 for j in range(first + 1, best.index)):
        return Header(first, 1, rows[first])
    return best


def _with_rows_skipped(rows: list[list[str | None]], best: Header, above: tuple[int, ...],
                       scorer: HeaderScorer) -> Header:
    """The header with the rows skipped under it: up to --data-row when given, else the rows of labels."""
    data_row = getattr(scorer, "data_row", None)
    under = best.index + best.span  # 0-based row right under the header
    if data_row is not None:
        if data_row - 1 < under:
            raise _DataRowError(f"--data-row {data_row} is not below the header row {best.index + best.span} "
                            f"(give a row from {under + 1} on)")
        return Header(best.index, best.span, best.cells, above, skip=data_row - 1 - under)
    labels = []
    for row in rows[under:]:
        name = _label_row(row, best.cells, scorer)
        if name is None:
            break
        labels.append(name)
    return Header(best.index, best.span, best.cells, above, skip=len(labels), skipped_labels=tuple(labels))


def _key(text: object) -> str:
    """Compared like headers (columns.normalise, which this module cannot import).

    >>> _key("Monthly API Cost ($)"), _key("Success %")
    ('monthlyapicost', 'successpct')
    """
    return "".join(ch for ch in str(text).lower().replace("%", "pct") if ch.isalnum())


def _is_number(text: object) -> bool:
    try:
        float(str(text).replace(",", ""))
        return True
    except ValueError:
        return False


def _is_label(cell: object, head: object, scorer: HeaderScorer) -> bool:
    """A flag or type name (input.label_words), the column's own header, any known column name,
    or a help text (a sentence of six words or more)."""
    text = " ".join(str(cell).split())
    key = _key(text)
    return (
        key in getattr(scorer, "label_words", ())
        or (head is not None and key == _key(head))
        or scorer([text])[0] > 0
        or (len(text.split()) >= 6 and text.endswith((".", "?", ":")))
    )


def _label_row(row: list[str | None], header: list[str | None], scorer: HeaderScorer) -> str | None:
    """The use case name cell of a row of labels under the header, or None for a data row.

    A row right under the header is labels, not a use case, when its use case name cell is a
    label (see _is_label) and either no cell of the row is a number or at least half of its
    filled cells are labels too: the "verplicht / optioneel" row, the row of translated column
    names and the row of help texts that register templates put under their headers.
    """
    _, name_at = _named_columns(header, scorer)
    if name_at is None or name_at >= len(row) or not _filled(row[name_at]):
        return None
    filled = [(i, v) for i, v in enumerate(row) if _filled(v)]
    if len(filled) < 2 or not _is_label(row[name_at], header[name_at], scorer):
        return None
    labels = sum(1 for i, v in filled if _is_label(v, header[i] if i < len(header) else None, scorer))
    if any(_is_number(v) for _, v in filled) and labels * 2 < len(filled):
        return None
    return " ".join(str(row[name_at]).split())


def _no_header(path: Path, where: str, rows: list[list[str | None]], scorer: HeaderScorer, hint: str) -> ReadError:
    """The refusal when no row names a use case column: the closest headers and a line to paste."""
    message = f"{path}: no header row with a use case name column {where}; {hint}"
    suggest = getattr(scorer, "suggest", None)
    # the header is most likely the row naming the most known columns, else the fullest row
    ranked = [(scorer(r)[0], sum(1 for c in r if _filled(c) and not _is_number(c)), -i) for i, r in enumerate(rows)]
    likely = [rows[-ranked[k][2]] for k in sorted(range(len(rows)), key=lambda k: ranked[k], reverse=True)[:1]]
    closest = suggest([c for r in likely for c in r]) if suggest and likely else []
    if closest:
        message += "; closest headers: " + ", ".join(f"'{c}'" for c in closest)
        line = getattr(scorer, "alias_line", None)
        if line:
            message += (f"; if '{closest[0]}' names the use cases, put this line at the top of a file given with "
                        f"--config: {line(closest[0])}")
    return NotAPortfolio(message)


def _row_ranges(rows: list[int]) -> str:
    """[2, 3, 4, 7] -> 'rows 2-4, 7' (as Excel numbers them).

    >>> _row_ranges([2, 3, 4, 7]), _row_ranges([5]), _row_ranges([1, 3])
    ('rows 2-4, 7', 'row 5', 'rows 1, 3')
    """
    parts, start = [], None
    for k, r in enumerate(rows):
        if start is None:
            start = r
        if k + 1 == len(rows) or rows[k + 1] != r + 1:
            parts.append(str(start) if start == r else f"{start}-{r}")
            start = None
    return ("row " if len(rows) == 1 else "rows ") + ", ".join(parts)


def _unique_names(headers: list[str | None], letters: list[str], notes: list[str]) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for text, letter in zip(headers, letters):
        base = " ".join(text.split()) if text and text.strip() else f"Column {letter}"
        if is_reserved(base):
            base = USER_KEY + base  # the header itself is still what the user sees (Column.header)
        name = base
        if base.lower() in seen:
            seen[base.lower()] += 1
            name = f"{base} ({seen[base.lower()]})"
            shown = base.removeprefix(USER_KEY) if is_reserved(base.removeprefix(USER_KEY)) else base
            notes.append(f"header '{shown}' appears again in column {letter}; named it '{name}'")
        else:
            seen[base.lower()] = 1
        names.append(name)
    return names


# A character that shows something: not a Unicode space (\s covers NBSP, U+2000-U+200A, U+3000 ...)
# nor a zero-width or format character (ZWSP, ZWNJ, ZWJ, word joiner, BOM, soft hyphen, MVS).
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
VISIBLE = rf"[^\s{INVISIBLE}]"
BLANK_TEST_COLUMNS = 64  # text columns tested for a visible value at a time (see _drop_blank)


def _drop_blank(frame: pl.DataFrame, keep_rows: set[int] = frozenset()) -> tuple[pl.DataFrame, int]:
    """Rows with no value in any cell are not use cases (a cell holding a formula error is a value)."""
    cols = [c for c in frame.columns if c != ROW]
    if not cols:
        return frame.clear(), frame.height

    # A non-empty cell counts; a text cell of spaces or other invisible characters only does not
    # (zero-width space, joiners, BOM, NBSP and every Unicode space). Most rows are decided by the
    # cheap null test; the space test runs only on rows where every non-null cell is text, and
    # on those a block of columns at a time, until each row has shown a visible value (a wide
    # input's rows are decided in their first columns, not after a test of every cell).
    texts = [c for c, t in zip(frame.columns, frame.dtypes) if c != ROW and t == pl.String]
    text_set = set(texts)
    others = [c for c in cols if c not in text_set]
    filled = frame.select(
        pl.any_horizontal(pl.col(others).is_not_null()) if others else pl.repeat(False, frame.height)
    ).to_series()
    todo = frame.select(pl.any_horizontal(pl.col(texts).is_not_null()) & filled.not_()).to_series() if texts else None
    for start in range(0, len(texts), BLANK_TEST_COLUMNS):
        if not todo.any():
            break
        where = todo.arg_true()
        block = frame.select(texts[start:start + BLANK_TEST_COLUMNS])[where]
        visible = block.select(pl.any_horizontal(pl.all().str.contains(VISIBLE).fill_null(False))).to_series()
        seen = where.filter(visible)
        filled = filled.scatter(seen, True)
        todo = todo.scatter(seen, False)
    kept = frame.filter(pl.lit(filled) | pl.col(ROW).is_in(sorted(keep_rows)))
    return kept, frame.height - kept.height


def _finish(
    path: Path,
    sheet: str | None,
    header: Header,
    header_cells: list[str | None],
    letters: list[str],
    data: pl.DataFrame,
    notes: list[str],
    encoding: str | None = None,
    error_cells: list[tuple[int, str, str]] = (),
    decimal: str = ".",
) -> Table:
    """The table from its header and data; error_cells are (data row offset, letter, error)."""
    header_idx, first_data_row = header.index, header.data_start + 1
    header_cells, letters, data, data_columns = _kept_columns(header_cells, letters, data, error_cells)
    headers = [None if c is None else str(c) for c in header_cells]
    names = _unique_names(headers, letters, notes)
    data = data.rename(dict(zip(data_columns, names))).with_columns(
        pl.int_range(first_data_row, first_data_row + data.height, dtype=pl.Int64).alias(ROW)
    )
    errors = pl.DataFrame(
        [(first_data_row + r, letter, value) for r, letter, value in error_cells],
        schema={ROW: pl.Int64, "letter": pl.String, "value": pl.String}, orient="row",
    )
    data, blank = _drop_blank(data, set(errors.get_column(ROW).to_list()))
    # one chunk a column: a frame of several (the blank rows' filter makes them) is copied whole by
    # any later with_columns or select with a literal; at 1M rows each such copy is some 400 MB
    data = _numbers_from_text(data, decimal).rechunk()
    columns = [Column(n, (h or "").strip() or n, letter) for n, h, letter in zip(names, headers, letters)]
    by_letter = {c.letter: c.name for c in columns}
    cell_errors = errors.select(
        ROW, pl.col("letter").replace_strict(by_letter, default=None, return_dtype=pl.String).alias("column"), "value"
    ).filter(pl.col("column").is_not_null())
    warnings = _header_messages(header, notes)
    # the name as text: a name that is not UTF-8 (bytes kept by surrogateescape) shows U+FFFD
    return Table(display(path), sheet, header_idx + 1, columns, data, notes, encoding, blank, cell_errors,
                 warnings=warnings)


def _kept_columns(
    header_cells: list[str | None], letters: list[str], data: pl.DataFrame, error_cells: list[tuple[int, str, str]]
) -> tuple[list[str | None], list[str], pl.DataFrame, list[str]]:
    """Header cells, letters, data and data column names without the columns that have neither a
    header nor any value (nor a cell error): those are not part of the table."""
    error_letters = {letter for _, letter, _ in error_cells}
    # (every per-column fact is taken once for the whole frame: data.columns and data.schema
    # cost O(columns) each time, so looked up per column they make wide inputs quadratic)
    data_columns = data.columns
    nulls = data.null_count().row(0) if data.width else ()
    keep = [
        i
        for i, cell in enumerate(header_cells)
        if (cell is not None and str(cell).strip())
        or nulls[i] < data.height
        or letters[i] in error_letters
    ]
    header_cells = [header_cells[i] for i in keep]
    letters = [letters[i] for i in keep]
    if len(keep) < len(data_columns):
        data = data.select([data_columns[i] for i in keep])
        data_columns = [data_columns[i] for i in keep]
    return header_cells, letters, data, data_columns


def _header_messages(header: Header, notes: list[str]) -> list[str]:
    """What the header's place says about the rows around it: a warning for use cases above it
    (returned), notes (appended to notes) for rows ignored above, a two-row header and rows skipped
    under it."""
    header_idx, first_data_row = header.index, header.data_start + 1
    warnings: list[str] = []
    if header.data_above:
        warnings.append(
            f"{_row_ranges([j + 1 for j in header.data_above])} above the header row {header_idx + 1} look like "
            f"use cases but were not read (only rows under the header are); if they are, give the header row "
            f"above them with --header-row"
        )
    elif header_idx == 1:
        notes.append("row 1 above the header row 2 was ignored")
    elif header_idx > 1:
        notes.append(f"rows 1-{header_idx} above the header row {header_idx + 1} were ignored")
    if header.span == 2:
        notes.append(f"the header spans rows {header_idx + 1}-{header_idx + 2}; data starts on row {first_data_row}")
    if header.skip:
        skipped = list(range(header.index + header.span + 1, first_data_row))
        if header.skipped_labels:
            shown = ", ".join(f"'{t if len(t) <= 30 else t[:29] + '…'}'" for t in header.skipped_labels)
            notes.append(f"{_row_ranges(skipped)} under the header row {header_idx + 1} hold labels, not use cases "
                         f"(use case name cells {shown}); skipped. If the data starts elsewhere, give --data-row N")
        else:
            notes.append(f"{_row_ranges(skipped)} under the header row {header_idx + 1} were skipped (--data-row "
                         f"{first_data_row})")
    return warnings


def _read_spreadsheet(path: Path, sheet: str | None, scorer: HeaderScorer, search_rows: int,
                      header_row: int | None) -> Table:
    reader, names, candidates = _open_spreadsheet(path, sheet)
    tried = []
    seen_rows: list[list[str | None]] = []  # the first rows of the sheets tried, for the refusal's suggestions
    for name in candidates:
        try:
            probe = reader.load_sheet(name, header_row=None, skip_rows=0, n_rows=max(search_rows, header_row or 0),
                                      dtypes="string")
        except Exception as exc:
            tried.append(f"{name}: {_reason(exc)}")
            continue
        if sheet is None and getattr(probe, "visible", "visible") != "visible":
            continue
        head = probe.to_polars()
        rows = [list(r) for r in head.iter_rows()]
        header = _find_header(rows, scorer, header_row)
        if header is None:
            tried.append(name)
            seen_rows += rows
            continue
        probe_cols = probe.available_columns()
        del probe, head  # the probe holds the parsed sheet: let it go before the full load
        data, header_cells, letters, errors = _load_sheet(reader, name, header, probe_cols)
        table = _finish(path, name, header, header_cells, letters, data, [], error_cells=errors)
        if sheet is None:
            _note_other_sheets(table, reader, names, name, scorer, search_rows)
        return table
    where = f"sheet '{sheet}'" if sheet else ("any visible sheet" if len(names) > 1 else f"sheet '{names[0]}'")
    if header_row:
        raise ReadError(f"{path}: row {header_row} of {where} is not a header row (--header-row)")
    raise _no_header(path, f"in the first {search_rows} rows of {where}", seen_rows, scorer,
                     (f"{HINT_SHEET}, or " if sheet is None and len(names) > 1 else "") + HINT_HEADER)


def _open_spreadsheet(path: Path, sheet: str | None):
    """The fastexcel reader, its sheet names and the sheets to look for a header in (the one asked
    for, else all)."""
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:  # fastexcel raises its own error types per cause
        raise ReadError(f"{path}: not a readable spreadsheet ({_reason(exc)})") from None
    names = reader.sheet_names
    if sheet is not None:
        if sheet not in names:
            raise ReadError(f"{path}: no sheet named '{sheet}' (sheets: {', '.join(names)})")
        return reader, names, [sheet]
    return reader, names, names


def _load_sheet(reader, name: str, header: Header, probe_cols: list) -> tuple[
        pl.DataFrame, list[str | None], list[str], list[tuple[int, str, str]]]:
    """Load sheet `name` under its header: the data, aligned with the header cells on the absolute
    column index, the header cells, the column letters, and the cell errors (data row offset,
    letter, error)."""
    sheet_obj, batch, cell_errors = _load_typed(reader, name, header.data_start)
    data = pl.from_arrow(batch)
    del batch
    data_cols = sheet_obj.available_columns()
    del sheet_obj
    errors = [
        (e.offset_position[0], xl_col_to_name(data_cols[e.offset_position[1]].absolute_index), _excel_error(e.detail))
        for e in (cell_errors.errors if cell_errors is not None else [])
    ]
    # Header cells and data cells can start at different columns: align on
    # the absolute column index.
    by_abs = {c.absolute_index: header.cells[i] for i, c in enumerate(probe_cols) if i < len(header.cells)}
    abs_idx = [c.absolute_index for c in data_cols]
    for a in sorted(set(by_abs) - set(abs_idx)):
        if by_abs[a] is not None:  # a header over an empty column
            data = data.with_columns(pl.lit(None, pl.String).alias(f"__empty_{a}"))
            abs_idx.append(a)
    order = sorted(range(len(abs_idx)), key=lambda k: abs_idx[k])
    data = data.select([data.columns[k] for k in order])
    abs_idx = [abs_idx[k] for k in order]
    header_cells = [by_abs.get(a) for a in abs_idx]
    letters = [xl_col_to_name(a) for a in abs_idx]
    return data, header_cells, letters, errors


def _note_other_sheets(table: Table, reader, names: list[str], name: str, scorer: HeaderScorer,
                       search_rows: int) -> None:
    """Set table.other_sheets to the sheets after `name` that also hold use cases, with a note."""
    table.other_sheets = _other_use_case_sheets(reader, names[names.index(name) + 1:], scorer, search_rows)
    if table.other_sheets:
        listed = ", ".join(f"'{n}'" for n in table.other_sheets)
        table.notes.append(
            f"sheet{'s' if len(table.other_sheets) > 1 else ''} {listed} also hold{'' if len(table.other_sheets) > 1 else 's'} "
            f"use cases and {'were' if len(table.other_sheets) > 1 else 'was'} not read; this run read sheet "
            f"'{name}' only. Read another with --sheet NAME, or run once per sheet")


def _other_use_case_sheets(reader, names: list[str], scorer: HeaderScorer, search_rows: int) -> list[str]:
    """The visible sheets among names whose first rows hold a use case header."""
    found = []
    for name in names:
        try:
            probe = reader.load_sheet(name, header_row=None, skip_rows=0, n_rows=search_rows, dtypes="string")
        except Exception:  # an unreadable or chart sheet is not one of them
            continue
        if getattr(probe, "visible", "visible") != "visible":
            continue
        if any(scorer(list(r))[1] for r in probe.to_polars().iter_rows()):
            found.append(name)
    return found


EXCEL_ERRORS = {
    "div0": "#DIV/0!", "na": "#N/A", "name": "#NAME?", "null": "#NULL!", "num": "#NUM!",
    "ref": "#REF!", "value": "#VALUE!", "gettingdata": "#GETTING_DATA",
}


def _excel_error(detail: str) -> str:
    """"Expected float but got 'Error(Div0)'" -> '#DIV/0!'.

    >>> _excel_error("Expected float but got 'Error(Div0)'"), _excel_error("bad cell")
    ('#DIV/0!', 'bad cell')
    """
    found = re.search(r"Error\((\w+)\)", detail)
    if not found:
        return detail
    return EXCEL_ERRORS.get(found.group(1).lower(), f"#{found.group(1).upper()}")


def _load_typed(reader, name: str, skip_rows: int):
    """Load a sheet with a type per column; a column whose cells the reader cannot type
    together (dates mixed with durations, nothing but formula errors) is read as text."""
    as_text: dict[str, str] = {}
    while True:
        try:
            sheet = reader.load_sheet(name, header_row=None, skip_rows=skip_rows, schema_sample_rows=None,
                                      dtype_coercion="coerce", dtypes=as_text or None)
            batch, errors = sheet.to_arrow_with_errors()
            return sheet, batch, errors
        except Exception as exc:
            found = re.search(r"dtype for column (__UNNAMED__\d+)", str(exc))
            if not found or found.group(1) in as_text:
                raise
            as_text[found.group(1)] = "string"


# ------------------------------------------------------------------ text files
UTF16_BOMS = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}
# A valid multi-byte UTF-8 sequence (a non-ASCII character written the UTF-8 way).
UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
BAD_BYTES_SHOWN = 5

_bad_spans = threading.local()


def _record_bad_bytes(exc: UnicodeDecodeError) -> tuple[str, int]:
    _bad_spans.spans.append((exc.start, exc.end))
    return "\ufffd", exc.end


codecs.register_error("ftscore.record", _record_bad_bytes)


def _where_in_bytes(raw: bytes, offset: int) -> str:
    """'byte 1234 (line 3, column 9)': line as any line end counts, column in bytes, both 1-based.

    >>> _where_in_bytes(b"a,b\\r\\nc,d\\re,\\xff", 11)
    'byte 11 (line 3, column 3)'
    """
    before = raw[:offset]
    ends = list(re.finditer(rb"\r\n|\r|\n", before))
    column = offset - (ends[-1].end() if ends else 0) + 1
    return f"byte {offset} (line {len(ends) + 1}, column {column})"


def _decode(path: Path, raw: bytes) -> tuple[str, str, list[str]]:
    """(text, encoding as said to the user, notes).

    UTF-16 with a BOM (Excel's "Unicode text"); UTF-8 with or without BOM; a file whose
    non-ASCII characters are mostly valid UTF-8 stays UTF-8, its few bad bytes shown as U+FFFD
    and named in a note; anything else is Windows-1252.
    """
    for bom, codec in UTF16_BOMS.items():
        if raw.startswith(bom):
            return _decode_noting(raw, codec, f"{codec} (with BOM)", offset=2)
    if raw.startswith(b"\xef\xbb\xbf"):
        return _decode_noting(raw, "utf-8", "utf-8 (with BOM)", offset=3)
    try:
        return raw.decode("utf-8"), "utf-8", []
    except UnicodeDecodeError:
        pass
    good = sum(1 for _ in itertools.islice(UTF8_MULTIBYTE.finditer(raw), 10_000))
    _bad_spans.spans = []
    as_utf8 = raw.decode("utf-8", errors="ftscore.record")
    if good >= len(_bad_spans.spans):  # a cp1252 file has (almost) no valid UTF-8 sequences
        return _decode_noting(raw, "utf-8", "utf-8", decoded=(as_utf8, _bad_spans.spans))
    del as_utf8
    return _decode_noting(raw, "cp1252", "windows-1252")  # its 5 undefined bytes are named too


def _decode_noting(raw: bytes, codec: str, label: str, offset: int = 0,
                   decoded: tuple[str, list[tuple[int, int]]] | None = None) -> tuple[str, str, list[str]]:
    """raw[offset:] (after a BOM) decoded, bad bytes shown as U+FFFD and named in a note."""
    if decoded is None:
        _bad_spans.spans = []
        text = raw[offset:].decode(codec, errors="ftscore.record")
        spans = [(a + offset, b + offset) for a, b in _bad_spans.spans]
    else:
        text, spans = decoded
    merged: list[tuple[int, int]] = []
    for a, b in spans:  # adjacent bad bytes are one sequence
        if merged and merged[-1][1] == a:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    spans = merged
    notes = []
    if spans:
        shown = "; ".join(
            f"{_where_in_bytes(raw, a)}: {raw[a:b].hex(' ').upper()}" for a, b in spans[:BAD_BYTES_SHOWN]
        )
        more = f" and {len(spans) - BAD_BYTES_SHOWN} more" if len(spans) > BAD_BYTES_SHOWN else ""
        name = {"cp1252": "Windows-1252"}.get(codec, codec.upper())
        notes.append(
            f"the file is {name} except for {len(spans)} byte sequence(s) that are not: {shown}{more}; "
            f"read as {name} with each shown as \ufffd; give --encoding if the file uses another encoding"
        )
    return text, label, notes


def _sniff(text: str) -> str:
    sample = re.sub(r"\r\n?", "\n", text[:65536])  # the sniffer splits lines at LF only
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        return max(DELIMITERS, key=first.count)


def _csv_reader(text: str, sep: str, strict: bool = False):
    """Records as Python's csv module reads the file opened with newline='': a lone CR, LF
    or CRLF ends a record (as in Excel), except inside quotes."""
    return csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"', strict=strict)


CSV_ERRORS = {
    "unexpected end of data": "a quoted value opens in this row and is never closed (a missing quote, "
                              "or the file is cut off); the rest of the file would be one cell",
    "expected after": "a quoted value is followed by more text before the next delimiter",
    "line contains nul": "it holds a NUL byte (binary content)",
    "field larger than field limit": "a cell is larger than the file",
}


def _csv_problem(path: Path, text: str, sep: str, exc: Exception | None = None) -> ReadError:
    """The plain sentence for a file the csv module cannot split: file, row (record) and line."""
    reader = _csv_reader(text, sep, strict=True)
    row, line = 1, 1
    try:
        for _ in reader:
            row, line = row + 1, reader.line_num + 1
    except csv.Error as err:
        exc = err
    detail = str(exc) if exc is not None else "the fields cannot be told apart"
    why = next((plain for key, plain in CSV_ERRORS.items() if key in detail.lower()), None)
    if why is None:
        why = f"its fields cannot be told apart ({_reason(exc) if exc is not None else detail})"
    return ReadError(f"{path}: row {row} (line {line} of the file): {why}; fix the quotes or save the file again")


def _line_ends(text: str, start: int, end: int) -> int:
    """LF, CR and CRLF line ends in text[start:end], CRLF counted once."""
    return text.count("\n", start, end) + text.count("\r", start, end) - text.count("\r\n", start, end)


def _walk_quotes(text: str, sep: str) -> tuple[int, list[str] | None] | None:
    """(records, the last record when the text has no final line end) by the csv module's rules,
    walking from quote to quote: a quote at the start of a field opens a quoted value that runs to
    the next single quote ("" is a quote inside it), and line ends inside it end no record; any
    other quote is text. None when a quoted value is never closed (the csv module says where).

    Far cheaper than the csv module where quoted cells are few (a 1M-row file: ~1 s, not ~9 s).
    """
    n, pos, ends, last_start = len(text), 0, 0, 0
    i = text.find('"')
    while i != -1:
        if i == 0 or text[i - 1] in (sep, "\r", "\n"):
            ends += _line_ends(text, pos, i)
            last_start = max(last_start, text.rfind("\n", pos, i) + 1, text.rfind("\r", pos, i) + 1)
            j = text.find('"', i + 1)
            while j != -1 and text.startswith('"', j + 1):
                j = text.find('"', j + 2)
            if j == -1:
                return None
            pos = j + 1
            i = text.find('"', pos)
        else:
            i = text.find('"', i + 1)
    ends += _line_ends(text, pos, n)
    last_start = max(last_start, text.rfind("\n", pos, n) + 1, text.rfind("\r", pos, n) + 1)
    if text.endswith(("\n", "\r")):
        return ends, None
    return ends + 1, next(_csv_reader(text[last_start:], sep), [])


def _count_records(path: Path, text: str, sep: str) -> tuple[int, list[str] | None]:
    """(records, the last record when the text has no final line end) as Python's csv module reads
    the text (newline=''); a quote never closed is a ReadError naming its row."""
    if text.count('"') <= 2 * (_line_ends(text, 0, len(text)) + 1):  # few quoted cells
        walked = _walk_quotes(text, sep)
        if walked is not None:
            return walked
    try:
        tail = collections.deque(enumerate(_csv_reader(text, sep, strict=True), 1), maxlen=1)
    except csv.Error as exc:
        if "unexpected end of data" in str(exc) or "nul" in str(exc).lower():
            raise _csv_problem(path, text, sep) from None
        # strict mode also refuses text after a closing quote, which polars and Excel accept
        tail = collections.deque(enumerate(_csv_reader(text, sep), 1), maxlen=1)
    if not tail:
        return 0, None
    return tail[0][0], (None if text.endswith(("\n", "\r")) else tail[0][1])


def _decoded(path: Path, raw: bytes, encoding: str | None) -> tuple[str, str, list[str]]:
    """(text, encoding, notes) of a text file: the named encoding, else detected; refuses what
    holds no text (empty, binary) or needs an encoding named (UTF-16 without a BOM)."""
    if not raw or raw.isspace():
        raise NotAPortfolio(f"{path}: the file is empty")
    notes: list[str] = []
    if encoding:
        try:
            text = raw.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise ReadError(f"{path}: cannot be decoded as {encoding} ({exc.__class__.__name__}); {HINT_ENCODING}") from None
        if text.startswith("\ufeff"):  # a BOM the named codec keeps (utf-8, utf-16-le ...)
            text = text[1:]
    else:
        text, encoding, notes = _decode(path, raw)
    if "\x00" in text[:4096]:
        head = raw[:4096]
        for codec, zeros in (("utf-16-le", head[1::2]), ("utf-16-be", head[0::2])):
            if zeros.count(0) > len(zeros) * 0.9 and head.count(0) < len(head) * 0.6:
                raise ReadError(f"{path}: looks like UTF-16 text without a BOM; give --encoding {codec}")
        raise NotAPortfolio(f"{path}: not a text file (binary content); {HINT_FORMATS}")
    if not text.strip():
        raise NotAPortfolio(f"{path}: the file is empty")
    return text, encoding, notes


def _head_lines(text: str, sep: str, wanted: int) -> list[list[str]]:
    """The first `wanted` records, parsed from the start of the text (not a copy of it all)."""
    lines = list(itertools.islice(_csv_reader(text[:1 << 20], sep), wanted + 1))
    return lines[:wanted] if len(lines) > wanted else list(itertools.islice(_csv_reader(text, sep), wanted))


def _polars_bytes(raw: bytes, text: str, encoding: str, notes: list[str], sep: str) -> bytes:
    """The records as UTF-8 bytes with LF line ends, for polars (which ends records at LF only)."""
    if re.search(r"\r(?!\n)", text):
        # a lone CR (old Mac, some exports) would merge two rows: write the records out again as
        # the csv module reads them, with LF line ends
        out = io.StringIO()
        csv.writer(out, delimiter=sep, quotechar='"', lineterminator="\n").writerows(_csv_reader(text, sep))
        return out.getvalue().encode("utf-8")
    if encoding in ("utf-8", "utf8") and not notes:
        return raw  # UTF-8 bytes go to polars as they are; others once re-encoded (one copy, not two)
    if encoding == "utf-8 (with BOM)" and not notes:
        return raw[3:]
    return text.encode("utf-8")


def _parse_records(path: Path, data: bytes, sep: str, width: int, notes: list[str]) -> pl.DataFrame:
    options = dict(has_header=False, separator=sep, quote_char='"', missing_columns="insert",
                   schema={f"column_{i}": pl.String for i in range(width)})
    try:
        try:
            return pl.read_csv(data, truncate_ragged_lines=False, **options)
        except pl.exceptions.ComputeError:
            frame = pl.read_csv(data, truncate_ragged_lines=True, **options)
            notes.append(f"some rows have more than the {width} fields of the header; the extra fields were dropped")
            return frame
    except pl.exceptions.PolarsError as exc:
        raise _csv_problem(path, data.decode("utf-8", errors="replace"), sep, exc) from None


def _cut_off_row(table: Table, header: Header, head_lines: list[list[str]], records: int,
                 last: list[str] | None) -> None:
    """A last record with no line end and fewer fields than the header: the file was cut off
    mid-write, and the row's last value may be cut too: an error on that row. A short row that
    ends its line is the user's (trailing cells left empty). last is None where the file ends
    its last line."""
    def named(cells: list[str]) -> int:  # fields up to the last header cell with a name
        return max((i + 1 for i, c in enumerate(cells) if c.strip()), default=0)

    header_fields = max((named(head_lines[i]) for i in range(header.index, min(header.data_start, len(head_lines)))),
                        default=0)
    if last is not None and records > header.data_start and 0 < len(last) < header_fields \
            and table.frame.get_column(ROW).tail(1).to_list() == [records]:
        table.row_errors.append((records, (
            f"the file ends in the middle of this row (no line end after {len(last)} of the header's "
            f"{header_fields} fields): it appears cut off, so the row's last value may be truncated; "
            "check the file is complete")))


def _read_text(path: Path, scorer: HeaderScorer, search_rows: int, header_row: int | None,
               encoding: str | None, delimiter: str | None, decimal: str | None = None) -> Table:
    raw = path.read_bytes()
    text, encoding, notes = _decoded(path, raw, encoding)
    sep = delimiter or ("\t" if path.suffix.lower() == ".tsv" else _sniff(text))
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))  # one cell may be the whole file
    records, last = _count_records(path, text, sep)
    # polars takes the number of fields from the first line; a title line above
    # the header has fewer, so count the widest of the first rows instead.
    wanted = max(search_rows, header_row or 0)
    head_lines = _head_lines(text, sep, wanted)
    width = max((len(r) for r in head_lines), default=1)
    data = _polars_bytes(raw, text, encoding, notes, sep)
    del text, raw
    frame = _parse_records(path, data, sep, width, notes)
    del data
    rows = [list(r) for r in frame.head(wanted).iter_rows()]
    header = _find_header(rows, scorer, header_row)
    if header is None:
        if header_row:
            raise ReadError(f"{path}: has no row {header_row} (--header-row)")
        raise _no_header(path, f"in the first {search_rows} rows", rows, scorer, HINT_HEADER)
    given = decimal in (".", ",")
    mark = decimal if given else ("," if sep == ";" else ".")
    letters = [xl_col_to_name(i) for i in range(frame.width)]
    table = _finish(path, None, header, header.cells, letters, frame.slice(header.data_start), notes, encoding,
                    decimal=mark if given or mark == "," else "auto")
    table.records, table.data_start, table.delimiter = records, header.data_start, sep
    table.decimal, table.decimal_given = mark, given
    _cut_off_row(table, header, head_lines, records, last)
    return table


# 12.500, 1.234: a decimal point, or a thousands point under a decimal comma.
EITHER_WAY = r"^-?[1-9][0-9]{0,2}(?:\.[0-9]{3})+$"
# A float holds 15 significant digits exactly; a longer number (an account, a 17-digit id) stays text.
FLOAT_DIGITS = 15


def _numbers_from_text(frame: pl.DataFrame, decimal: str = ".") -> pl.DataFrame:
    """Text columns whose every value is a plainly written number become numbers (for display).

    Codes such as "06090" or "+44" stay text: a leading zero or sign is part of them; so does
    a number of more than 15 significant digits, which a float cannot hold exactly. decimal:
    "." numbers with a decimal point; "," (a decimal comma) whole numbers only, the rest stay
    as written; "auto" like "." but a column holding 12.500 (which the decimal mark decides)
    stays as written.
    The facts of every text column are taken in one select, and the casts made in one
    with_columns: a frame operation per column would cost O(columns) each (wide inputs).
    """
    texts = [n for n, t in zip(frame.columns, frame.dtypes) if n != ROW and t == pl.String]
    if not texts or not frame.height:
        return frame
    # Staged, each stage over all columns at once (one big select would make polars' planner
    # compare tens of thousands of expressions).
    stripped = frame.select(pl.col(texts).str.strip_chars())  # "" stays "": it casts to null
    numbers = stripped.select(pl.all().cast(pl.Float64, strict=False))
    candidates = _plain_number_columns(stripped, numbers, decimal)
    casts = _number_casts(stripped, numbers, candidates, decimal) if candidates else []
    return frame.with_columns(casts) if casts else frame


def _plain_number_columns(stripped: pl.DataFrame, numbers: pl.DataFrame, decimal: str) -> list[str]:
    """The columns of `stripped` whose every filled value is a number written plainly (no leading
    zero or sign; a decimal comma: whole numbers only) of at most FLOAT_DIGITS significant digits.
    `numbers` is `stripped` cast to floats."""
    filled = stripped.select((pl.all().str.len_bytes() > 0).sum()).row(0)
    parsed = numbers.count().row(0)
    candidates = [n for n, f, p in zip(stripped.columns, filled, parsed) if f and f == p]
    if not candidates:
        return []
    pattern = PLAIN_INTEGER if decimal == "," else PLAIN_NUMBER
    plain = stripped.select((pl.col(candidates).str.contains(pattern) | (pl.col(candidates) == "")).all()).row(0)
    candidates = [n for n, ok in zip(candidates, plain) if ok]
    if not candidates:
        return []
    digits = stripped.select(
        pl.col(candidates).str.replace_all(r"[-.]", "").str.strip_chars_start("0").str.len_chars().max()
    ).row(0)
    return [n for n, d in zip(candidates, digits) if d is None or d <= FLOAT_DIGITS]


def _number_casts(stripped: pl.DataFrame, numbers: pl.DataFrame, candidates: list[str], decimal: str) -> list[pl.Series]:
    """The number column of each candidate: whole numbers as Int64 (within 2**53), the rest as
    floats; under decimal "auto" a column of fractions that either mark reads (12.500) is left out."""
    whole = numbers.select((pl.col(candidates) % 1 == 0).all()).row(0)
    small = numbers.select(pl.col(candidates).abs().max() < 2**53).row(0)
    either = (stripped.select(pl.col(candidates).str.contains(EITHER_WAY).any()).row(0) if decimal == "auto"
              else [False] * len(candidates))
    return [
        numbers.get_column(n).cast(pl.Int64) if w and m else numbers.get_column(n)
        for n, w, m, e in zip(candidates, whole, small, either)
        if (w and m) or not e  # a fraction that either decimal mark reads (12.500) stays as written
    ]


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return text[:200]


def _read_own(path: Path, output, scorer: HeaderScorer, search_rows: int, sheet: str | None,
              header_row: int | None, encoding: str | None, delimiter: str | None, decimal: str | None) -> Table:
    """An output of ftscore given as input: its Portfolio (sheet or CSV table), the user's columns only."""
    if output.kind in ("issues", "options"):
        raise ReadError(f"{path}: is {output.describe()}, not a portfolio; score the portfolio it lists")
    try:
        if output.kind == "workbook":
            try:
                table = _read_spreadsheet(path, sheet or "Portfolio", scorer, search_rows,
                                          header_row or (1 if sheet is None else None))
            except ReadError as exc:
                if sheet is None and "no sheet named 'Portfolio'" in str(exc):
                    raise ReadError(f"{path}: is {output.describe()} without a Portfolio sheet (more rows than a "
                                    "sheet holds); score the .parquet file written beside it") from None
                raise
        else:
            table = _read_text(path, scorer, search_rows, header_row, encoding, delimiter, decimal)
    except ReadError:
        raise
    except Exception as exc:  # a reader's own error on a damaged file
        raise ReadError(f"{path}: cannot be read ({_reason(exc)})") from None
    if output.user_columns is None or (output.kind == "workbook" and table.sheet != "Portfolio"):
        table.notes.append(f"{path.name} is {output.describe()}; read as any input")
        return table
    keep = [c for c in table.columns if xl_cell_to_rowcol(f"{c.letter}1")[1] < output.user_columns]
    left = len(table.columns) - len(keep)
    names = [c.name for c in keep]
    table.frame = table.frame.select(*names, ROW)
    table.cell_errors = table.cell_errors.filter(pl.col("column").is_in(names))
    table.columns = keep
    where = "its Portfolio sheet" if output.kind == "workbook" else "its table"
    table.notes.append(f"{path.name} is {output.describe()}: read {where}, your {len(keep)} columns only; "
                       f"the {left} columns ftscore added were left out")
    return table


def read_table(path: str | Path, scorer: HeaderScorer, *, search_rows: int, max_unpacked_bytes: int, max_cells: int,
               sheet: str | None = None, header_row: int | None = None, encoding: str | None = None,
               delimiter: str | None = None, decimal: str | None = None, data_row: int | None = None) -> Table:
    """Read one input file into a Table; raise ReadError when it cannot be used.

    header_row (1-based) skips the search for the header; data_row (1-based) is where the data
    starts (rows between the header and it are skipped; default: right under the header, past any
    rows of labels); encoding and delimiter apply to text files and replace the detected ones.
    decimal ("." or ",", None or "auto": "," in a ;-delimited text file, else ".") is the decimal
    mark of numbers written as text. search_rows, max_unpacked_bytes and max_cells are the
    config's (input.header_search_rows, input.max_unpacked_mb in bytes, input.max_cells): the
    caller passes them (run.read_input).
    """
    path = Path(path)
    if data_row is not None:
        rules = scorer if isinstance(scorer, HeaderRules) else HeaderRules(scorer)
        scorer = dataclasses.replace(rules, data_row=data_row)
    suffix = _readable_suffix(path, sheet)
    from pipeline import guard  # checks the bytes before any parser sees them

    guard.inspect(path, max_uncompressed_bytes=max_unpacked_bytes, max_cells=max_cells)
    from pipeline import own

    output = own.detect(path)
    if output is not None:
        return _read_own(path, output, scorer, search_rows, sheet, header_row, encoding, delimiter, decimal)
    return _read_file(path, suffix, scorer, search_rows, sheet, header_row, encoding, delimiter, decimal)


def _give_back_freed_memory() -> None:
    """Hand the C allocator's freed memory back to the system (glibc's malloc_trim; elsewhere nothing).
    The spreadsheet reader parses a whole sheet with the C allocator, which keeps what it frees: at
    100,000 rows some 40-50 MB the rest of the run (polars has its own allocator) would never use."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)  # the process's own symbols: glibc's, not musl's
    if trim is not None:
        trim(0)


def _readable_suffix(path: Path, sheet: str | None) -> str:
    """The file's suffix (lower case) once it is a non-empty file of a kind ftscore reads; else ReadError."""
    if not path.exists():
        raise ReadError(f"{path}: no such file")
    if path.is_dir():
        raise ReadError(f"{path}: is a folder, not a file")
    if path.stat().st_size == 0:
        raise NotAPortfolio(f"{path}: the file is empty (0 bytes)")
    suffix = path.suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES | TEXT_SUFFIXES:
        raise ReadError(f"{path}: unknown file type '{path.suffix}'; {HINT_FORMATS}")
    if suffix in TEXT_SUFFIXES and sheet is not None:
        raise ReadError(f"{path}: --sheet applies to spreadsheets, not to text files")
    return suffix


def _read_file(path: Path, suffix: str, scorer: HeaderScorer, search_rows: int, sheet: str | None,
               header_row: int | None, encoding: str | None, delimiter: str | None, decimal: str | None) -> Table:
    """Parse a checked spreadsheet or text file; any error of the reader (a Rust panic too) becomes ReadError."""
    try:
        if suffix in SPREADSHEET_SUFFIXES:
            table = _read_spreadsheet(path, sheet, scorer, search_rows, header_row)
            _give_back_freed_memory()
            if decimal in (".", ","):
                table.decimal, table.decimal_given = decimal, True
            return table
        return _read_text(path, scorer, search_rows, header_row, encoding, delimiter, decimal)
    except _DataRowError as exc:
        raise ReadError(f"{path}: {exc}") from None
    except ReadError:
        raise
    except OSError as exc:
        raise ReadError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a reader's own error (or Rust panic) on a damaged file
        raise ReadError(f"{path}: cannot be read ({_reason(exc)})") from None
