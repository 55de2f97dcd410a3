"""The one door through which ftscore's .xlsx writers put text into a file.

xlsxwriter (3.3) takes any string that starts with ``<r>`` and ends with ``</r>`` for a rich
string it made itself and copies it into the sheet XML unescaped: user text of that shape
became live XML (a formula element in a cell, shifted shared strings, a file no reader opens).
``TextWorkbook`` makes every worksheet a ``TextSheet`` (xlsxwriter's documented way: a
``Worksheet`` subclass given to ``add_worksheet``). Its ``write_string`` writes such a text with
the public ``write_rich_string``, split into three fragments in the cell's font (xlsxwriter wants
three or more, and escapes each): every reader shows the text exactly as given. The other texts
go to xlsxwriter's own ``write_string``. ``write``, ``write_row`` and ``write_column`` reach the
same door through a write handler for ``str`` (the public ``add_write_handler``).

It also keeps Excel's limits in the open: a text longer than a cell (or a comment) holds,
32,767 UTF-16 units, is cut to end in ``CUT_MARK`` and recorded in ``TextSheet.cut`` (row,
column, length), never cut silently as xlsxwriter does.

Control characters that XML 1.0 cannot hold (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F)
and literal ``_xHHHH_`` sequences are written, by xlsxwriter, with the escape of the file format
(ECMA-376 ST_Xstring: ``_x001B_``, ``_x005F_x0041_``), in plain and rich strings alike; Excel and
LibreOffice show the original text. openpyxl does not decode that escape and returns it as
written (``decode_xstring`` below does what Excel does).

What xlsxwriter's public API does not give, and how ftscore copes (issue 11):

- LibreOffice starts a new line in a rich string of several runs after 16,367 UTF-16 units
  (``RICH_TEXT_MAX``), and every rich string ``write_rich_string`` makes has two runs or more.
  A longer run-shaped text is given to the public ``write_string`` as the XML of one run without a
  font of its own (``as_run``), which xlsxwriter writes as it is (the very behaviour above;
  not documented) and LibreOffice reads whole. When that XML passes the 32,767 a string may hold
  (a text of more than 16,367 characters many of them ``&<>``), it is written with
  ``write_rich_string`` after all: Excel and openpyxl show it whole, LibreOffice with a line break.
- A chart caches the texts of its categories from the cells, and xlsxwriter skips a rich-string
  cell there (the following texts move up one). ``category_cache`` gives a chart series the texts
  itself, through ``add_series``' ``categories_data`` option: read by the public ``add_series``
  (given, xlsxwriter caches it instead of reading the cells) but not in its documentation.
- ``add_table``'s headers and ``write_url``'s text go to xlsxwriter unchecked (its public methods
  give no hook); ftscore gives them its own labels and cell names, never user text, and
  ``TextSheet`` refuses a rich-string-shaped one there rather than write it as XML.
"""

from __future__ import annotations

import re

import xlsxwriter
from xlsxwriter.utility import xl_cell_to_rowcol
from xlsxwriter.worksheet import Worksheet, convert_cell_args, convert_range_args

CELL_TEXT_MAX = 32_767  # UTF-16 units an Excel cell (and a comment) holds
CUT_MARK = "…[cut]"


def utf16_len(text: str) -> int:
    """Length as Excel counts it: characters past U+FFFF take two units."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le", "surrogatepass")) // 2


def fit(text: str, limit: int = CELL_TEXT_MAX) -> str:
    """``text`` if it fits ``limit`` UTF-16 units, else its start followed by CUT_MARK (never half a pair)."""
    if len(text) <= limit // 2 or utf16_len(text) <= limit:
        return text
    room = limit - len(CUT_MARK)
    head = text[:room]
    while (excess := utf16_len(head) - room) > 0:  # characters past U+FFFF count twice
        head = head[: len(head) - (excess + 1) // 2]  # each character dropped frees one unit or two
    return head + CUT_MARK


_RUN_OPEN = '<r><t xml:space="preserve">'
_RUN_CLOSE = "</t></r>"
# LibreOffice (7.4) starts a new line in a text of several runs after this many UTF-16 units
# (its EditEngine's paragraph limit); it reads a text of one run without a font of its own whole.
RICH_TEXT_MAX = 16_367


def as_run(text: str) -> str:
    """The XML of a rich string of one run without a font of its own: a cell of it shows ``text``."""
    return _RUN_OPEN + text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") + _RUN_CLOSE


def run_shaped(text: str) -> bool:
    """Whether xlsxwriter would take ``text`` for a rich string of its own and write it as XML."""
    return text[:3] == "<r>" and text.endswith("</r>")


_XSTRING = re.compile(r"_x([0-9A-Fa-f]{4})_")
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xstring(text: str) -> str:
    """``text`` with the file format's escapes (ST_Xstring) where XML cannot hold a character.

    xlsxwriter does this for cell text and comments, not for attributes (data validation
    messages): a control character there would make the sheet XML unreadable.
    """
    text = _XSTRING.sub(r"_x005F_x\1_", text)
    return _XML_ILLEGAL.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def _fit_escaped(text: str, limit: int) -> str:
    """xstring(text), shortened with "…" so that it fits ``limit`` (messages of data validation)."""
    out = xstring(text)
    while utf16_len(out) > limit:
        text = text[: max(len(text) - (utf16_len(out) - limit) - 1, 0)]
        out = xstring(text + "…")
    return out


VALIDATION_TEXT_LIMITS = {"input_title": 32, "error_title": 32, "input_message": 255, "error_message": 255}


def decode_xstring(text: str) -> str:
    """What Excel shows for a string stored with ST_Xstring escapes (for readers like openpyxl)."""
    return _XSTRING.sub(lambda m: chr(int(m.group(1), 16)), text)


def category_cache(wb: TextWorkbook, texts: list[str | None]) -> dict:
    """``add_series`` options that give a chart the cached texts of its categories: ``texts`` as
    the category cells show them (cut like them; None for an empty cell).

    xlsxwriter would read them from the cells but skips a rich-string cell (see the module's
    docstring). A streamed workbook caches no chart data (xlsxwriter keeps no cells to read), and
    gets none here either.
    """
    if wb.streaming:
        return {}
    return {"categories_data": [None if t is None else fit(t) for t in texts]}


def _refuse_run_shaped(text: object, where: str) -> None:
    if isinstance(text, str) and run_shaped(text):
        raise ValueError(f"{where} would be written as XML, not as text: {text[:40]!r}")


class TextSheet(Worksheet):
    """A worksheet that writes every string as that string, and says what it had to cut."""

    def __init__(self) -> None:
        super().__init__()
        self.cut: list[tuple[int, int, int]] = []  # (row, col, UTF-16 length) of texts cut to fit a cell
        # write(), write_row() and write_column() pass every str here first (xlsxwriter's public hook)
        self.add_write_handler(str, _write_handler)

    def write_string(self, row, col, string=None, cell_format=None, _write=Worksheet.write_string,
                     _half=CELL_TEXT_MAX // 2):
        # Every string cell passes here: the common case costs three cheap tests and no call more
        # than xlsxwriter's own (so no convert_cell_args here: its write_string converts again).
        if row.__class__ is str:  # A1 notation: ("B2", text, format)
            (row, col), string, cell_format = xl_cell_to_rowcol(row), col, string
        if len(string) > _half:
            fitted = fit(string)
            if fitted is not string:
                self.cut.append((row, col, utf16_len(string)))
                string = fitted
        if string[:3] == "<r>" and string.endswith("</r>"):  # run_shaped, inline: the hot path
            return self._write_as_text(row, col, string, cell_format)
        return _write(self, row, col, string, cell_format)

    def _write_as_text(self, row, col, text, cell_format):
        """A run-shaped text, written so that the cell shows ``text``."""
        if utf16_len(text) > RICH_TEXT_MAX and utf16_len(run := as_run(text)) <= CELL_TEXT_MAX:
            # LibreOffice breaks a longer text of several runs; one run without a font it reads whole
            return super().write_string(row, col, run, cell_format)
        # Three fragments (xlsxwriter wants three or more), none empty (such a text has 7 or more
        # characters), each in the cell's own font: formatted as a plain string in that cell would be.
        parts = (text[:1], text[1:-1], text[-1:])
        if cell_format is None:  # xlsxwriter gives unformatted fragments the default font
            return self.write_rich_string(row, col, *parts)
        return self.write_rich_string(row, col, cell_format, parts[0], cell_format, parts[1],
                                      cell_format, parts[2], cell_format)

    @convert_cell_args
    def write_url(self, row, col, url, cell_format=None, string=None, tip=None):
        _refuse_run_shaped(string, "a link's text")
        return super().write_url(row, col, url, cell_format, string, tip)

    @convert_range_args
    def add_table(self, first_row, first_col, last_row, last_col, options=None):
        for column in (options or {}).get("columns", []):
            _refuse_run_shaped(column.get("header"), "a table header")
        return super().add_table(first_row, first_col, last_row, last_col, options)

    @convert_cell_args
    def write_comment(self, row, col, comment, options=None):
        return super().write_comment(row, col, fit(comment), options)

    @convert_range_args
    def data_validation(self, first_row, first_col, last_row, last_col, options=None):
        options = dict(options or {})
        for key, limit in VALIDATION_TEXT_LIMITS.items():
            if isinstance(options.get(key), str):
                options[key] = _fit_escaped(options[key], limit)
        return super().data_validation(first_row, first_col, last_row, last_col, options)


def _write_handler(ws: TextSheet, row, col, text, *args):
    """write()'s handler for str: a text xlsxwriter would cut or take for XML goes to TextSheet's
    write_string; any other (None) goes on through xlsxwriter's usual path."""
    if len(text) > CELL_TEXT_MAX // 2 or run_shaped(text):
        return ws.write_string(row, col, text, *args)
    return None


class TextWorkbook(xlsxwriter.Workbook):
    """An xlsxwriter Workbook whose worksheets are TextSheets."""

    def __init__(self, filename, options=None):
        super().__init__(filename, options)
        self.streaming = bool((options or {}).get("constant_memory"))  # no cell data kept: see category_cache

    def add_worksheet(self, name=None, worksheet_class=None):
        return super().add_worksheet(name, worksheet_class or TextSheet)
