"""Files -> one polars frame per input, each record keeping its row as Excel shows it.

The only module that opens input files. Spreadsheets go through fastexcel (the
Rust calamine reader behind ``polars.read_excel``); text files through
``polars.read_csv``. Nothing here knows about scores or money.
"""

from __future__ import annotations

import csv
import io
import itertools
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import polars as pl

# fastexcel logs a warning for every mixed-type column it reads as text; that is
# expected here (cells are parsed one by one later), not news for a cron log.
logging.getLogger("fastexcel").setLevel(logging.ERROR)
# calamine logs a warning for a chart sheet it is asked to read; ftscore skips it anyway.
logging.getLogger("calamine").setLevel(logging.ERROR)

ROW = "__row"  # the record's row number as Excel shows it (1-based)
SRC = "__src"  # which input of the run a record came from (0-based position)

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}
DELIMITERS = ",;\t|"

# Hints written once, shown with the messages that need them.
HINT_SHEET = "choose one with --sheet NAME"
HINT_FORMATS = "ftscore reads .xlsx, .xlsm, .xls, .xlsb, .ods, .csv, .tsv and .txt"
HINT_HEADER = "see which headers match with 'ftscore columns FILE', map yours in a --config file, or give --header-row N"
HINT_ENCODING = "try --encoding utf-8 or --encoding cp1252"


class ReadError(Exception):
    """The input cannot be used at all; nothing is written."""


@dataclass(frozen=True)
class Column:
    name: str  # unique name used in the frame (the header, de-duplicated)
    header: str  # the header text as the user wrote it
    letter: str  # Excel column letter(s)


@dataclass
class Table:
    file: str
    sheet: str | None
    header_row: int  # 1-based, as Excel shows it
    columns: list[Column]
    frame: pl.DataFrame  # one column per Column.name, plus ROW
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    skipped_blank_rows: int = 0
    # Cells whose cached value is a formula error (#DIV/0!, #N/A, ...): ROW, "column" (the
    # Column.name), "value" (the error as Excel shows it). Such a cell reads as empty.
    cell_errors: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema={ROW: pl.Int64, "column": pl.String, "value": pl.String}))


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# A header scorer tells how well a row of cells looks like our header:
# (number of known columns, whether the use case name is among them).
HeaderScorer = Callable[[list[str | None]], tuple[int, bool]]


@dataclass(frozen=True)
class Header:
    index: int  # 0-based row of the (first) header row
    span: int  # 1, or 2 for a header split over two rows (merged bands)
    cells: list[str | None]

    @property
    def data_start(self) -> int:
        """0-based row of the first data row."""
        return self.index + self.span


def _two_row_variants(top: list[str | None], low: list[str | None]) -> list[list[str | None]]:
    """Ways to read a header split over two rows: the lower cell under its band, or both joined."""
    width = max(len(top), len(low))
    top = list(top) + [None] * (width - len(top))
    low = list(low) + [None] * (width - len(low))
    lower_first = [b if b not in (None, "") else a for a, b in zip(top, low)]
    joined = [" ".join(str(v) for v in (a, b) if v not in (None, "")) or None for a, b in zip(top, low)]
    return [lower_first, joined]


def _find_header(rows: list[list[str | None]], scorer: HeaderScorer, forced: int | None = None) -> Header | None:
    """The header row: the forced one, or the row naming the most known columns.

    A pair of rows that together name more known columns than any single row
    is a two-row header (a band of merged cells above the column names).
    """
    if forced is not None:
        return Header(forced - 1, 1, rows[forced - 1]) if forced - 1 < len(rows) else None
    best: Header | None = None
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


def _unique_names(headers: list[str | None], letters: list[str], notes: list[str]) -> list[str]:
    names: list[str] = []
    seen: dict[str, int] = {}
    for text, letter in zip(headers, letters):
        base = " ".join(text.split()) if text and text.strip() else f"Column {letter}"
        name = base
        if base.lower() in seen:
            seen[base.lower()] += 1
            name = f"{base} ({seen[base.lower()]})"
            notes.append(f"header '{base}' appears again in column {letter}; named it '{name}'")
        else:
            seen[base.lower()] = 1
        names.append(name)
    return names


BLANK_TEST_COLUMNS = 64  # text columns tested for a visible value at a time (see _drop_blank)


def _drop_blank(frame: pl.DataFrame, keep_rows: set[int] = frozenset()) -> tuple[pl.DataFrame, int]:
    """Rows with no value in any cell are not use cases (a cell holding a formula error is a value)."""
    cols = [c for c in frame.columns if c != ROW]
    if not cols:
        return frame.clear(), frame.height

    # A non-empty cell counts; a text cell of spaces only does not. Most rows are decided by the
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
        visible = block.select(pl.any_horizontal(pl.all().str.contains(r"\S").fill_null(False))).to_series()
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
) -> Table:
    """The table from its header and data; error_cells are (data row offset, letter, error)."""
    header_idx, first_data_row = header.index, header.data_start + 1
    error_letters = {letter for _, letter, _ in error_cells}
    # Columns with neither a header nor any value are not part of the table.
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
    data = _numbers_from_text(data)
    columns = [Column(n, (h or "").strip() or n, letter) for n, h, letter in zip(names, headers, letters)]
    by_letter = {c.letter: c.name for c in columns}
    cell_errors = errors.select(
        ROW, pl.col("letter").replace_strict(by_letter, default=None, return_dtype=pl.String).alias("column"), "value"
    ).filter(pl.col("column").is_not_null())
    if header_idx == 1:
        notes.append("row 1 above the header row 2 was ignored")
    elif header_idx > 1:
        notes.append(f"rows 1-{header_idx} above the header row {header_idx + 1} were ignored")
    if header.span == 2:
        notes.append(f"the header spans rows {header_idx + 1}-{header_idx + 2}; data starts on row {first_data_row}")
    return Table(str(path), sheet, header_idx + 1, columns, data, notes, encoding, blank, cell_errors)


def _read_spreadsheet(path: Path, sheet: str | None, scorer: HeaderScorer, search_rows: int,
                      header_row: int | None) -> Table:
    import fastexcel

    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:  # fastexcel raises its own error types per cause
        raise ReadError(f"{path}: not a readable spreadsheet ({_reason(exc)})") from None
    names = reader.sheet_names
    if sheet is not None:
        if sheet not in names:
            raise ReadError(f"{path}: no sheet named '{sheet}' (sheets: {', '.join(names)})")
        candidates = [sheet]
    else:
        candidates = names
    tried = []
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
            continue
        probe_cols = probe.available_columns()
        del probe, head  # the probe holds the parsed sheet: let it go before the full load
        sheet_obj, batch, cell_errors = _load_typed(reader, name, header.data_start)
        data = pl.from_arrow(batch)
        del batch
        data_cols = sheet_obj.available_columns()
        del sheet_obj
        errors = [
            (e.offset_position[0], column_letter(data_cols[e.offset_position[1]].absolute_index), _excel_error(e.detail))
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
        letters = [column_letter(a) for a in abs_idx]
        return _finish(path, name, header, header_cells, letters, data, [], error_cells=errors)
    where = f"sheet '{sheet}'" if sheet else ("any visible sheet" if len(names) > 1 else f"sheet '{names[0]}'")
    if header_row:
        raise ReadError(f"{path}: row {header_row} of {where} is not a header row (--header-row)")
    raise ReadError(
        f"{path}: no header row with a use case name column in the first {search_rows} rows of {where}; "
        + (f"{HINT_SHEET}, or " if sheet is None and len(names) > 1 else "")
        + HINT_HEADER
    )


EXCEL_ERRORS = {
    "div0": "#DIV/0!", "na": "#N/A", "name": "#NAME?", "null": "#NULL!", "num": "#NUM!",
    "ref": "#REF!", "value": "#VALUE!", "gettingdata": "#GETTING_DATA",
}


def _excel_error(detail: str) -> str:
    """"Expected float but got 'Error(Div0)'" -> '#DIV/0!'."""
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


def _decode(path: Path, raw: bytes) -> tuple[str, str]:
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "utf-8 (with BOM)"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), "windows-1252"


def _sniff(text: str) -> str:
    sample = text[:65536]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        first = sample.splitlines()[0] if sample else ""
        return max(DELIMITERS, key=first.count)


def _read_text(path: Path, scorer: HeaderScorer, search_rows: int, header_row: int | None,
               encoding: str | None, delimiter: str | None) -> Table:
    raw = path.read_bytes()
    if not raw or raw.isspace():
        raise ReadError(f"{path}: the file is empty")
    if b"\x00" in raw[:4096]:
        raise ReadError(f"{path}: not a text file (binary content); {HINT_FORMATS}")
    if encoding:
        try:
            text = raw.decode(encoding)
        except (LookupError, UnicodeDecodeError) as exc:
            raise ReadError(f"{path}: cannot be decoded as {encoding} ({exc.__class__.__name__}); {HINT_ENCODING}") from None
    else:
        text, encoding = _decode(path, raw)
    sep = delimiter or ("\t" if path.suffix.lower() == ".tsv" else _sniff(text))
    # polars takes the number of fields from the first line; a title line above
    # the header has fewer, so count the widest of the first rows instead.
    head_lines = list(itertools.islice(csv.reader(io.StringIO(text), delimiter=sep), max(search_rows, header_row or 0)))
    width = max((len(r) for r in head_lines), default=1)
    # UTF-8 bytes go to polars as they are; other encodings once re-encoded (one copy, not two).
    if encoding in ("utf-8", "utf8"):
        data = raw
    elif encoding == "utf-8 (with BOM)":
        data = raw[3:]
    else:
        data = text.encode("utf-8")
    del text
    notes: list[str] = []
    options = dict(has_header=False, separator=sep, quote_char='"', missing_columns="insert",
                   schema={f"column_{i}": pl.String for i in range(width)})
    try:
        try:
            frame = pl.read_csv(data, truncate_ragged_lines=False, **options)
        except pl.exceptions.ComputeError:
            frame = pl.read_csv(data, truncate_ragged_lines=True, **options)
            notes.append(f"some rows have more than the {width} fields of the header; the extra fields were dropped")
    except pl.exceptions.PolarsError as exc:
        raise ReadError(f"{path}: not a readable delimited text file ({_reason(exc)})") from None
    rows = [list(r) for r in frame.head(max(search_rows, header_row or 0)).iter_rows()]
    header = _find_header(rows, scorer, header_row)
    if header is None:
        if header_row:
            raise ReadError(f"{path}: has no row {header_row} (--header-row)")
        raise ReadError(f"{path}: no header row with a use case name column in the first {search_rows} rows; {HINT_HEADER}")
    letters = [column_letter(i) for i in range(frame.width)]
    return _finish(path, None, header, header.cells, letters, frame.slice(header.data_start), notes, encoding)


PLAIN_NUMBER = r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$"


def _numbers_from_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Text columns whose every value is a plainly written number become numbers (for display).

    Codes such as "06090" or "+44" stay text: a leading zero or sign is part of them.
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
    filled = stripped.select((pl.all().str.len_bytes() > 0).sum()).row(0)
    parsed = numbers.count().row(0)
    candidates = [n for n, f, p in zip(texts, filled, parsed) if f and f == p]
    if not candidates:
        return frame
    plain = stripped.select((pl.col(candidates).str.contains(PLAIN_NUMBER) | (pl.col(candidates) == "")).all()).row(0)
    candidates = [n for n, ok in zip(candidates, plain) if ok]
    if not candidates:
        return frame
    whole = numbers.select((pl.col(candidates) % 1 == 0).all()).row(0)
    small = numbers.select(pl.col(candidates).abs().max() < 2**53).row(0)
    casts = [
        numbers.get_column(n).cast(pl.Int64) if w and m else numbers.get_column(n)
        for n, w, m in zip(candidates, whole, small)
    ]
    return frame.with_columns(casts)


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
    return text[:200]


def read_table(path: str | Path, scorer: HeaderScorer, *, sheet: str | None = None, search_rows: int = 30,
               header_row: int | None = None, encoding: str | None = None, delimiter: str | None = None,
               max_unpacked_bytes: int = 1 << 30, max_cells: int = 60_000_000) -> Table:
    """Read one input file into a Table; raise ReadError when it cannot be used.

    header_row (1-based) skips the search for the header; encoding and delimiter
    apply to text files and replace the detected ones.
    """
    path = Path(path)
    if not path.exists():
        raise ReadError(f"{path}: no such file")
    if path.is_dir():
        raise ReadError(f"{path}: is a folder, not a file")
    if path.stat().st_size == 0:
        raise ReadError(f"{path}: the file is empty (0 bytes)")
    suffix = path.suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES | TEXT_SUFFIXES:
        raise ReadError(f"{path}: unknown file type '{path.suffix}'; {HINT_FORMATS}")
    if suffix in TEXT_SUFFIXES and sheet is not None:
        raise ReadError(f"{path}: --sheet applies to spreadsheets, not to text files")
    from pipeline import guard  # checks the bytes before any parser sees them

    guard.inspect(path, max_uncompressed_bytes=max_unpacked_bytes, max_cells=max_cells)
    try:
        if suffix in SPREADSHEET_SUFFIXES:
            return _read_spreadsheet(path, sheet, scorer, search_rows, header_row)
        return _read_text(path, scorer, search_rows, header_row, encoding, delimiter)
    except ReadError:
        raise
    except OSError as exc:
        raise ReadError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # a reader's own error (or Rust panic) on a damaged file
        raise ReadError(f"{path}: cannot be read ({_reason(exc)})") from None
