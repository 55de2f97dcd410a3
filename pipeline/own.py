"""ftscore's own outputs, recognised before they are read as inputs.

A workbook ftscore writes carries a marker in its document properties (docProps/custom.xml:
``ftscore`` = the version, ``ftscore_user_columns`` = how many Portfolio columns, from the left, are
the user's own). Custom document properties survive re-saving in Excel and LibreOffice, and are
read here from the zip without parsing the workbook (defusedxml, size-capped).

The CSV table (NAME.csv from ``--format csv``) and its issues file (NAME-issues.csv) have no
place for a marker; they are recognised by their header line: the issues file's is exactly
ftscore's Issues header, the table's holds ftscore's annotation columns (source_row, fit_score,
total_4p, recommendation, rationale, rank), the user's columns before them; the options file
(NAME-options.csv) holds every column of options.LONG_COLUMNS. The name does not matter (a
renamed output is still one).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.options import LONG_COLUMNS

MARKER = "ftscore"
USER_COLUMNS = "ftscore_user_columns"
CUSTOM_XML = "docProps/custom.xml"
MAX_XML_BYTES = 1 << 20
ISSUES_HEADER = ["severity", "file", "sheet", "row", "column", "cell", "value", "problem"]
TABLE_MARKS = ("source_row", "fit_score", "total_4p", "recommendation", "rationale", "rank")
OPTIONS_MARKS = tuple(name for name in LONG_COLUMNS if "{" not in name)
SPREADSHEETS = {".xlsx", ".xlsm"}
TEXTS = {".csv", ".tsv", ".txt"}


@dataclass(frozen=True)
class Output:
    kind: str  # "workbook", "table" (CSV of Portfolio), "issues" (CSV of Issues) or "options" (CSV of Options)
    version: str | None  # the ftscore version that wrote it (workbooks only)
    user_columns: int | None  # Portfolio columns from the left that are the user's

    def describe(self) -> str:
        what = {"workbook": "an ftscore workbook", "table": "an ftscore scored table (CSV)",
                "issues": "an ftscore issues file (CSV)", "options": "an ftscore options file (CSV)"}[self.kind]
        return what + (f", ftscore {self.version}" if self.version else "")


def _workbook(path: Path) -> Output | None:
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo(CUSTOM_XML) if CUSTOM_XML in zf.namelist() else None
            if info is None or info.file_size > MAX_XML_BYTES:
                return None
            raw = zf.read(info)
    except (OSError, zipfile.BadZipFile, KeyError, RuntimeError, NotImplementedError):
        return None  # not ours to judge: the reader reports a damaged file
    from defusedxml import ElementTree

    try:
        root = ElementTree.fromstring(raw)
    except Exception:  # malformed or hostile XML: not a marker
        return None
    props = {}
    for prop in root:
        name = prop.get("name")
        if name in (MARKER, USER_COLUMNS):
            props[name] = next((child.text for child in prop), None)
    if MARKER not in props:
        return None
    try:
        columns = int(props.get(USER_COLUMNS) or "")
    except ValueError:
        columns = None
    return Output("workbook", props[MARKER], columns)


def _plain(name: str) -> str:
    return name.removesuffix(" (ftscore)")


def _text(path: Path) -> Output | None:
    try:
        with open(path, "rb") as fh:
            head = fh.read(65536)
    except OSError:
        return None
    text = head.decode("utf-8-sig", errors="replace")
    first = text.splitlines()[0] if text else ""
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    try:
        header = next(csv.reader(io.StringIO(first), delimiter=delimiter))
    except (csv.Error, StopIteration):
        return None
    if header == ISSUES_HEADER:
        return Output("issues", None, None)
    plain = [_plain(h) for h in header]
    if all(m in plain for m in OPTIONS_MARKS):
        return Output("options", None, None)
    if all(m in plain for m in TABLE_MARKS):
        return Output("table", None, plain.index("source_row"))
    return None


def detect(path: str | Path) -> Output | None:
    """The output ftscore wrote at path, or None for anything else (unreadable files included)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        return None
    if suffix in SPREADSHEETS:
        return _workbook(path)
    if suffix in TEXTS:
        return _text(path)
    return None
