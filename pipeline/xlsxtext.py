"""The one door through which ftscore's .xlsx writers put text into a file.

xlsxwriter (3.3) takes any string that starts with ``<r>`` and ends with ``</r>`` for a rich
string it made itself and copies it into the sheet XML unescaped: user text of that shape
became live XML (a formula element in a cell, shifted shared strings, a file no reader opens).
``TextWorkbook`` makes every worksheet a ``TextSheet``, whose ``_write_string`` (behind
``write``, ``write_string``, ``write_url``'s text, ``add_table``'s headers and ``write_row``)
writes such a string as a one-run rich string holding the text, escaped: every reader shows the
text exactly as given.

It also keeps Excel's limits in the open: a text longer than a cell (or a comment) holds,
32,767 UTF-16 units, is cut to end in ``CUT_MARK`` and recorded in ``TextSheet.cut`` (row,
column, length), never cut silently as xlsxwriter does.

Control characters that XML 1.0 cannot hold (U+0000-U+0008, U+000B, U+000C, U+000E-U+001F)
and literal ``_xHHHH_`` sequences are written, by xlsxwriter, with the escape of the file format
(ECMA-376 ST_Xstring: ``_x001B_``, ``_x005F_x0041_``); Excel and LibreOffice show the original
text. openpyxl does not decode that escape and returns it as written (``decode_xstring`` below
does what Excel does).

Still on xlsxwriter's private API (issue 11 asked to drop it; not done yet, and why):
``_write_string`` is overridden because every string path inside xlsxwriter (``write``,
``write_row``, ``write_column``, ``add_table``'s headers and data, ``write_url``'s text) calls it
directly, so no public method is the one door. The public replacement is
``write_rich_string(row, col, a, b, c)`` with the text split into three fragments (two are refused
with a warning and nothing written; each run is escaped, openpyxl reads the joined
text back, normal and constant_memory: checked with xlsxwriter 3.3.1; LibreOffice not yet), but every call site would
have to route run-shaped text there itself. ``_get_range_data`` stays because a chart's cached
categories skip a rich-string cell and shift the following ones (no public chart option gives the
cache). ``xls_strmax`` (no underscore, undocumented) is raised because ``write_rich_string`` writes
nothing (-5) when the runs' XML, longer than the text, passes it.
"""

from __future__ import annotations

import re

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

CELL_TEXT_MAX = 32_767  # UTF-16 units an Excel cell (and a comment) holds
CUT_MARK = "…[cut]"
_RUN_OPEN = '<r><t xml:space="preserve">'
_RUN_CLOSE = "</t></r>"


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


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def as_run(text: str) -> str:
    """A rich string of one run without a font of its own: the cell shows ``text`` exactly."""
    return _RUN_OPEN + _escape(text) + _RUN_CLOSE


def from_run(stored: str) -> str:
    """The text of a string as_run made (anything else as it is)."""
    if stored.startswith(_RUN_OPEN) and stored.endswith(_RUN_CLOSE):
        return _unescape(stored[len(_RUN_OPEN): -len(_RUN_CLOSE)])
    return stored


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


class TextSheet(Worksheet):
    """A worksheet that writes every string as that string, and says what it had to cut."""

    def __init__(self) -> None:
        super().__init__()
        self.cut: list[tuple[int, int, int]] = []  # (row, col, UTF-16 length) of texts cut to fit a cell
        # The limit is kept here (fit), before a long text is wrapped as a run: the run's XML is
        # longer than its text and must never be cut by xlsxwriter's own check.
        self.xls_strmax = 1 << 62

    def _write_string(self, row, col, string, cell_format=None, _write=Worksheet._write_string,
                      _half=CELL_TEXT_MAX // 2):
        # Every string cell passes here: the common case costs two cheap tests.
        if len(string) > _half:
            fitted = fit(string)
            if fitted is not string:
                self.cut.append((row, col, utf16_len(string)))
                string = fitted
        if string[:3] == "<r>" and string.endswith("</r>"):
            string = as_run(string)
        return _write(self, row, col, string, cell_format)

    def write_comment(self, row, col, comment, options=None):
        return super().write_comment(row, col, fit(comment), options)

    def data_validation(self, first_row, first_col, last_row, last_col, options=None):
        options = dict(options or {})
        for key, limit in VALIDATION_TEXT_LIMITS.items():
            if isinstance(options.get(key), str):
                options[key] = _fit_escaped(options[key], limit)
        return super().data_validation(first_row, first_col, last_row, last_col, options)

    def _get_range_data(self, row_start, col_start, row_end, col_end):
        # The texts a chart caches for its categories and names: as shown, not as stored.
        data = super()._get_range_data(row_start, col_start, row_end, col_end)
        if not data:
            return data
        return [from_run(v) if isinstance(v, str) and v.startswith("<r>") else v for v in data]


class TextWorkbook(xlsxwriter.Workbook):
    """An xlsxwriter Workbook whose worksheets are TextSheets."""

    worksheet_class = TextSheet
