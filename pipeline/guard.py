"""Checks on an input file before any parser touches it.

``inspect`` looks at a file's bytes (magic numbers, the ZIP central directory,
the OLE2 directory through olefile, a few KB of a sheet part) and raises ``ReadError`` with a
one-line message starting with the path when the file cannot be what its
extension says, is password-protected, or would make a reader decompress or
allocate far more than a spreadsheet of use cases needs. It never parses a
whole file and parses no XML (a regex on a bounded prefix is enough: 200
bytes of ``mimetype``, 4 KB of a large sheet part, 256 KB of an .ods
manifest), so defusedxml is not needed. The members of a ZIP container are
inflated as streams and counted, never kept, so that the limit holds for the
bytes a parser would really get, whatever sizes the ZIP declares.

Files whose suffix ftscore does not read are left alone: ``read_table`` names
the known formats for them.
"""

from __future__ import annotations

import functools
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

import olefile
from xlsxwriter.utility import xl_cell_to_rowcol

from pipeline.config import BYTES_PER_MB
from pipeline.core import SPREADSHEET_SUFFIXES, TEXT_SUFFIXES
from pipeline.errors import ReadError

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
PDF_MAGIC = b"%PDF-"
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

# A member whose declared size is over RATIO_MIN_BYTES and over RATIO_LIMIT
# times its compressed size is refused whatever the total: a real sheet of
# text and numbers compresses 5:1 to 20:1, a run of zeros 1000:1.
RATIO_LIMIT = 200
RATIO_MIN_BYTES = 10_000_000

MAX_ZIP_MEMBERS = 100_000  # a workbook has tens of parts, hundreds with many images
SHEET_PREFIX_BYTES = 4096  # how much of a sheet part is read for <dimension>
MANIFEST_PREFIX_BYTES = 256 * 1024  # how much of an .ods manifest is read
OLE2_SCAN_BYTES = 512 * 1024  # byte scan when the OLE2 directory cannot be read
XLS_RECORD_SCAN_BYTES = 8192  # how much of the Workbook stream is scanned for FILEPASS

EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384

# Signatures of other formats people save or rename by mistake, to name them.
_OTHER_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
)


# --------------------------------------------------------------------------- sniffing


def _head(path: Path, n: int = 4096) -> bytes:
    with path.open("rb") as fh:
        return fh.read(n)


def _kind_of(head: bytes) -> str:
    if not head:
        return "empty"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head.startswith(OLE2_MAGIC):
        return "ole2"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(PDF_MAGIC):
        return "pdf"
    text = _looks_like_text(head)
    # PDF readers accept the header anywhere in the first 1024 bytes; a text
    # file that merely mentions "%PDF-" stays text.
    if not text and PDF_MAGIC in head[:1024]:
        return "pdf"
    return "text" if text else "unknown"


def _looks_like_text(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM
        return True
    if b"\x00" in head:
        return False
    controls = sum(1 for b in head if b < 0x20 and b not in b"\t\n\r\f\v\x1a")
    return controls <= len(head) // 100


def _describe_head(head: bytes) -> str:
    """The content of a file that is neither a ZIP, an OLE2 file nor a PDF, in words."""
    for magic, name in _OTHER_SIGNATURES:
        if head.startswith(magic):
            return f"is {name}, not a spreadsheet"
    if _looks_like_text(head):
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:512].lower()
        if start.startswith((b"<!doctype html", b"<html", b"<table")) or b"<html" in start:
            return ("is a web page (HTML), not a real spreadsheet; open it in Excel or LibreOffice "
                    "and save it as .xlsx")
        if start.startswith(b"<?xml") and b"urn:schemas-microsoft-com:office:spreadsheet" in head.lower():
            return ("is an Excel 2003 XML spreadsheet; open it in Excel or LibreOffice "
                    "and save it as .xlsx")
        return "is a text file, not a spreadsheet; if it holds comma- or tab-separated values, rename it to .csv"
    return "is not a spreadsheet (its content is not a format ftscore reads)"


# --------------------------------------------------------------------------- OLE2 (CFB)

# What olefile raises on a container whose structures cannot be followed (it raises OleFileError,
# an OSError, for what it recognises; garbage can surface as any of the others).
_OLE_ERRORS = (OSError, struct.error, ValueError, IndexError, KeyError, TypeError, RecursionError)


def _ole_root_children(ole: olefile.OleFileIO) -> dict[str, olefile.olefile.OleDirectoryEntry]:
    """The storages and streams directly under the root, by lower-cased name."""
    kinds = (olefile.STGTY_STORAGE, olefile.STGTY_STREAM)
    return {kid.name.lower(): kid for kid in ole.root.kids if kid.entry_type in kinds}


def _xls_has_filepass(ole: olefile.OleFileIO, name: str) -> bool:
    """Whether the BIFF Workbook stream carries a FILEPASS record (0x002F): it is encrypted.

    FILEPASS follows the globals substream's BOF; record headers stay in clear
    text in an encrypted file, so walking the first records is enough. Stops at
    the first BoundSheet (0x0085) or EOF (0x000A) record.
    """
    with ole.openstream(name) as stream:
        data = stream.read(XLS_RECORD_SCAN_BYTES)
    pos = 0
    while pos + 4 <= len(data):
        rtype, length = struct.unpack_from("<HH", data, pos)
        if rtype == 0x002F:
            return True
        if rtype in (0x0085, 0x000A):
            return False
        pos += 4 + length
    return False


_ENCRYPTED_NAMES = {"encryptedpackage", "encryptioninfo"}


_PASSWORD = ("is password-protected (encrypted); open it in Excel, save it without a password "
             "(File > Info > Protect Workbook > Encrypt with Password, clear the box) and try again")


def _ole2_problem(path: Path, suffix: str) -> str | None:
    """Why an OLE2 file cannot be read as a file named `suffix`, or None when it can.

    olefile follows the container (strictly: any structure against [MS-CFB] is an error), and a
    container it cannot follow falls back to a byte search of its first OLE2_SCAN_BYTES.
    """
    try:
        ole = olefile.OleFileIO(str(path), raise_defects=olefile.DEFECT_INCORRECT)
    except _OLE_ERRORS:
        with path.open("rb") as fh:
            return _ole2_scan_problem(fh.read(OLE2_SCAN_BYTES), suffix)
    with ole:
        try:
            children = _ole_root_children(ole)
        except _OLE_ERRORS:
            with path.open("rb") as fh:
                return _ole2_scan_problem(fh.read(OLE2_SCAN_BYTES), suffix)
        if _ENCRYPTED_NAMES & children.keys():
            return _PASSWORD
        book = children.get("workbook") or children.get("book")
        if book is not None and book.entry_type == olefile.STGTY_STREAM:
            if suffix != ".xls":
                return f"is an .xls (old Excel) file named {suffix}; rename it to .xls"
            try:
                return _PASSWORD if _xls_has_filepass(ole, book.name) else None
            except _OLE_ERRORS:
                return None  # best effort: the reader reports what it finds
    if "worddocument" in children:
        return "is a Word document (.doc), not a spreadsheet"
    if "powerpoint document" in children:
        return "is a PowerPoint presentation (.ppt), not a spreadsheet"
    if suffix == ".xls":
        return "is an old Office (OLE2) file but not an Excel workbook (it has no Workbook stream)"
    return f"is an old Office (OLE2) file, not an {suffix} workbook"


def _ole2_scan_problem(scanned: bytes, suffix: str) -> str | None:
    """The fallback when the OLE2 directory cannot be followed: a byte search.

    Only a positive find refuses an .xls; anything else is left to the reader.
    """
    if "EncryptedPackage".encode("utf-16-le") in scanned:
        return _PASSWORD
    if suffix == ".xls":
        return None
    if "Workbook\0".encode("utf-16-le") in scanned:
        return f"is an .xls (old Excel) file named {suffix}; rename it to .xls"
    return (f"is an old Office (OLE2) file, not an {suffix} workbook; "
            "if it is an old Excel workbook, rename it to .xls")


# --------------------------------------------------------------------------- ZIP


def _zip_format(zf: zipfile.ZipFile) -> str | None:
    """"xlsx", "xlsb", "ods", "docx", "pptx", "opendocument" or None, from member names (and the mimetype)."""
    names = {i.filename.replace("\\", "/").lower(): i for i in zf.infolist()}
    if "[content_types].xml" in names:
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "xl/workbook.bin" in names:
            return "xlsb"
        if "word/document.xml" in names:
            return "docx"
        if "ppt/presentation.xml" in names:
            return "pptx"
    if "mimetype" in names:
        try:
            with zf.open(names["mimetype"]) as fh:
                mimetype = fh.read(200).strip()
        except RuntimeError:  # an encrypted member; damage is left to the caller
            return "opendocument"
        return "ods" if mimetype == ODS_MIMETYPE else "opendocument"
    return None


_RENAME = {"xlsx": ".xlsx", "xlsb": ".xlsb", "ods": ".ods"}
_FORMAT_NAME = {
    "xlsx": "an Excel workbook (.xlsx)",
    "xlsb": "a binary Excel workbook (.xlsb)",
    "ods": "an OpenDocument spreadsheet (.ods)",
}
_EXPECTED = {".xlsx": "xlsx", ".xlsm": "xlsx", ".xlsb": "xlsb", ".ods": "ods"}


def _mb(n: int) -> str:
    return f"{n / BYTES_PER_MB:,.1f} MB"


def _zip_wrong_format(fmt: str | None, suffix: str) -> str:
    if fmt in _RENAME:
        return f"is {_FORMAT_NAME[fmt]} named {suffix}; rename it to {_RENAME[fmt]}"
    if fmt == "docx":
        return "is a Word document (.docx), not a spreadsheet"
    if fmt == "pptx":
        return "is a PowerPoint presentation (.pptx), not a spreadsheet"
    if fmt == "opendocument":
        return "is an OpenDocument file but not a spreadsheet"
    what = "an OpenDocument spreadsheet" if suffix == ".ods" else "an Excel workbook"
    return f"is a ZIP archive but not {what}"


def _zip_size_problem(zf: zipfile.ZipFile, max_uncompressed_bytes: int) -> str | None:
    infos = zf.infolist()
    if any(i.flag_bits & 0x1 for i in infos):
        return "has encrypted (password-protected) parts; save it without a password and try again"
    total = sum(i.file_size for i in infos)
    if total > max_uncompressed_bytes:
        return (f"would unpack to {_mb(total)} (limit {_mb(max_uncompressed_bytes)}); "
                "refusing a possible zip bomb")
    for i in infos:
        if i.file_size > RATIO_MIN_BYTES and i.file_size > RATIO_LIMIT * i.compress_size:
            ratio = i.file_size / max(i.compress_size, 1)
            return (f"part {i.filename} would unpack from {_mb(i.compress_size)} to {_mb(i.file_size)} "
                    f"({ratio:,.0f}:1); refusing a possible zip bomb")
    return None


INFLATE_IN_CHUNK = 1 << 16  # compressed bytes read at a time
INFLATE_OUT_CHUNK = 1 << 20  # most bytes inflated at a time: a bomb is stopped within one of these


@dataclass
class Inflated:
    """What inflating a ZIP's members found: a reason to refuse, or the real size of every member."""

    problem: str | None
    sizes: dict[str, int]  # member name -> bytes it really inflates to (the members done)
    inflated: int  # bytes inflated in all, when done or stopped


def _data_start(fh: BinaryIO, info: zipfile.ZipInfo) -> int:
    """Where a member's data begins: after its local header (whose own name and extra lengths count)."""
    fh.seek(info.header_offset)
    head = fh.read(30)
    if len(head) < 30 or not head.startswith(ZIP_MAGIC):
        raise zipfile.BadZipFile(f"no local header for {info.filename}")
    name_len, extra_len = struct.unpack_from("<HH", head, 26)
    return info.header_offset + 30 + name_len + extra_len


def inflate_sizes(path: Path, zf: zipfile.ZipFile, max_uncompressed_bytes: int) -> Inflated:
    """Inflate every member as a stream, counting the bytes it really gives, and stop as soon as the
    running total passes max_uncompressed_bytes or a member passes the ratio rule.

    The sizes a ZIP declares (central directory and local headers alike) are not trusted: a deflate
    stream runs until its own end, whatever the header says, and a parser may inflate all of it.
    Nothing is kept: each chunk is counted and dropped. Raises zlib.error / BadZipFile on damage.
    """
    sizes: dict[str, int] = {}
    total = 0
    file_size = path.stat().st_size
    declared = sum(i.file_size for i in zf.infolist())
    with path.open("rb") as fh:
        for info in zf.infolist():
            if info.is_dir() and info.compress_size == 0:
                continue
            check = functools.partial(_too_big, info.filename, total, max_uncompressed_bytes, declared)
            size, problem = _member_size(fh, zf, info, file_size, check)
            if problem:
                return Inflated(problem, sizes, total + size)
            sizes[info.filename] = size
            total += size
    return Inflated(None, sizes, total)


# (bytes a member gave so far, compressed bytes they came from) -> a reason to refuse, or None
SizeCheck = Callable[[int, int], "str | None"]


def _too_big(name: str, total: int, max_uncompressed_bytes: int, declared: int, size: int, consumed: int) -> str | None:
    """Why a member that gave `size` bytes from `consumed` is refused, after `total` bytes of the
    members before it: the running total passes the limit, or the member the ratio rule; else None."""
    if total + size > max_uncompressed_bytes:
        return (f"unpacks to more than {_mb(max_uncompressed_bytes)} (the limit), although its parts "
                f"declare {_mb(declared)}; refusing a possible zip bomb")
    if size > RATIO_MIN_BYTES and size > RATIO_LIMIT * max(consumed, 1):
        return (f"part {name} unpacks from {_mb(consumed)} to more than {_mb(size)} "
                f"({size / max(consumed, 1):,.0f}:1); refusing a possible zip bomb")
    return None


def _member_size(fh: BinaryIO, zf: zipfile.ZipFile, info: zipfile.ZipInfo, file_size: int,
                 check: SizeCheck) -> tuple[int, str | None]:
    """(bytes the member really gives, a problem or None): stored bytes are what the file holds,
    a deflate stream is inflated from the file itself, another method (bzip2, lzma) as zipfile
    inflates it. Stops at the first problem `check` finds."""
    start = _data_start(fh, info)
    if info.compress_type == zipfile.ZIP_STORED:
        size = max(min(info.compress_size, file_size - start), 0)  # stored bytes are what is there
        return size, check(size, size)
    if info.compress_type == zipfile.ZIP_DEFLATED:
        return _deflated_size(fh, start, check)
    size, problem = 0, None
    with zf.open(info) as member:
        while problem is None and (chunk := member.read(INFLATE_OUT_CHUNK)):
            size += len(chunk)
            problem = check(size, info.compress_size)
    return size, problem


def _deflated_size(fh: BinaryIO, start: int, check: SizeCheck) -> tuple[int, str | None]:
    """Inflate the raw deflate stream at `start` chunk by chunk, counting (not keeping) its bytes,
    until its own end, the file's end (a truncated stream: the parser reports it) or a problem."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    fh.seek(start)
    fed = 0
    size = 0
    problem = None
    while not inflater.eof and problem is None:
        data = fh.read(INFLATE_IN_CHUNK)
        if not data:
            break  # a truncated stream: the parser reports it
        fed += len(data)
        while data and not inflater.eof:
            size += len(inflater.decompress(data, INFLATE_OUT_CHUNK))
            data = inflater.unconsumed_tail
            problem = check(size, fed - len(data) - len(inflater.unused_data))
            if problem:
                break
    return size, problem


_SHEET_PART = re.compile(r"^xl/worksheets/[^/]+\.xml$", re.IGNORECASE)
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})?\$?(\d{1,7})?$")


def _range_cells(ref: str) -> int | None:
    """Rows x columns of an A1-style range such as "A1:XFD1048576"; None when unparsable."""
    parts = ref.strip().split(":")
    if not 1 <= len(parts) <= 2:
        return None
    cells = []
    for part in parts:
        m = _CELL.match(part.strip())
        if not m or not (m.group(1) or m.group(2)):
            return None
        col = xl_cell_to_rowcol(f"{m.group(1).upper()}1")[1] if m.group(1) else None
        row = int(m.group(2)) if m.group(2) else None
        cells.append((col, row))
    (c1, r1), (c2, r2) = cells[0], cells[-1]
    # A whole-column ("A:C") or whole-row ("1:5") range spans the sheet's other axis.
    rows = EXCEL_MAX_ROWS if r1 is None or r2 is None else abs(r2 - r1) + 1
    cols = EXCEL_MAX_COLUMNS if c1 is None or c2 is None else abs(c2 - c1) + 1
    return rows * cols


def _cells_problem(zf: zipfile.ZipFile, max_uncompressed_bytes: int, max_cells: int,
                   sizes: dict[str, int] | None = None) -> str | None:
    # The declared <dimension> alone proves nothing: Gnumeric and some export
    # tools write ref="A1:XFD1048576" (17 billion cells) on a sheet holding two
    # rows, and such files read fine. A sheet really holding that many cells is
    # also a large XML part (each cell is ~20+ bytes of XML), so a sheet is
    # refused only when BOTH its declared range is over max_cells AND its
    # declared uncompressed size is over a quarter of max_uncompressed_bytes.
    # Small sheets are therefore not even opened.
    # sizes: what each part really inflates to (inflate_sizes); else the declared sizes.
    big = max_uncompressed_bytes // 4
    for info in zf.infolist():
        name = info.filename.replace("\\", "/")
        size = sizes.get(info.filename, info.file_size) if sizes is not None else info.file_size
        if not _SHEET_PART.match(name) or size <= big:
            continue
        with zf.open(info) as fh:
            head = fh.read(SHEET_PREFIX_BYTES)
        m = _DIMENSION.search(head)
        if not m:
            continue
        ref = m.group(1).decode("ascii", errors="replace")
        cells = _range_cells(ref)
        if cells is not None and cells > max_cells:
            return (f"sheet part {name} declares the range {ref} ({cells:,} cells, limit {max_cells:,}) "
                    f"and holds {_mb(size)} of XML; too large to read")
    return None


def _ods_encrypted(zf: zipfile.ZipFile) -> bool:
    try:
        info = zf.getinfo("META-INF/manifest.xml")
    except KeyError:
        return False
    with zf.open(info) as fh:
        return b"encryption-data" in fh.read(MANIFEST_PREFIX_BYTES)


_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, EOFError, ValueError, NotImplementedError)


def _zip_declared_members(path: Path) -> int | None:
    """The member count the end-of-central-directory record declares; None when not found.

    Read before zipfile builds one ZipInfo per member, so a central directory
    declaring millions of members is refused without being loaded.
    """
    size = path.stat().st_size
    with path.open("rb") as fh:
        n = min(size, 22 + 65535)  # the record plus the longest comment
        fh.seek(size - n)
        tail = fh.read(n)
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or at + 22 > len(tail):
            return None
        total = struct.unpack_from("<H", tail, at + 10)[0]
        if total != 0xFFFF or at < 20 or tail[at - 20 : at - 16] != b"PK\x06\x07":
            return total
        # ZIP64: the locator before the record points at the ZIP64 record.
        fh.seek(struct.unpack_from("<Q", tail, at - 12)[0])
        record = fh.read(56)
        if len(record) < 40 or not record.startswith(b"PK\x06\x06"):
            return None
        return struct.unpack_from("<Q", record, 32)[0]


def _zip_format_of(path: Path) -> str | None:
    """_zip_format of the ZIP at path; None when it cannot be opened."""
    try:
        with zipfile.ZipFile(path) as zf:
            return _zip_format(zf)
    except _ZIP_ERRORS:
        return None


def _zip_problem(path: Path, suffix: str, max_uncompressed_bytes: int, max_cells: int) -> str | None:
    members = _zip_declared_members(path)
    if members is not None and members > MAX_ZIP_MEMBERS:
        return f"declares {members:,} parts (limit {MAX_ZIP_MEMBERS:,}); refusing a possible zip bomb"
    try:
        with zipfile.ZipFile(path) as zf:
            fmt = _zip_format(zf)
            if fmt != _EXPECTED[suffix]:
                return _zip_wrong_format(fmt, suffix)
            problem = _zip_size_problem(zf, max_uncompressed_bytes)
            if problem:
                return problem
            if fmt == "ods" and _ods_encrypted(zf):
                return ("is password-protected (encrypted); open it in LibreOffice, save it without "
                        "a password and try again")
            inflated = inflate_sizes(path, zf, max_uncompressed_bytes)
            if inflated.problem:
                return inflated.problem
            if fmt == "xlsx":
                return _cells_problem(zf, max_uncompressed_bytes, max_cells, inflated.sizes)
            return None
    except _ZIP_ERRORS as exc:
        detail = str(exc).strip().splitlines()[0][:120] if str(exc).strip() else exc.__class__.__name__
        why = "its ZIP directory is missing" if detail == "File is not a zip file" else detail
        return f"is damaged or truncated ({why}); copy or save it again"


def _zip_in_text_file(path: Path, suffix: str) -> str:
    fmt = _zip_format_of(path)
    if fmt == "xlsx":
        return f"looks like an Excel workbook saved as {suffix}; rename it to .xlsx"
    if fmt in _RENAME:
        return f"looks like {_FORMAT_NAME[fmt]} saved as {suffix}; rename it to {_RENAME[fmt]}"
    return "is a ZIP archive, not a text file"


# --------------------------------------------------------------------------- entry point


def _problem(path: Path, suffix: str, kind: str, head: bytes, max_uncompressed_bytes: int,
             max_cells: int) -> str | None:
    if kind == "empty":
        return "the file is empty (0 bytes)"
    if kind == "pdf":
        return "is a PDF, not a spreadsheet; export the table from its source as .xlsx or .csv"
    if suffix in TEXT_SUFFIXES:
        if kind == "zip":
            return _zip_in_text_file(path, suffix)
        if kind == "ole2":
            problem = _ole2_problem(path, ".xls")
            if problem is None:
                return f"looks like an old Excel (.xls) workbook saved as {suffix}; rename it to .xls"
            return problem
        return None  # encodings and binary junk are read.py's to report
    if suffix == ".xls":
        if kind == "ole2":
            return _ole2_problem(path, suffix)
        if kind == "zip":
            return _zip_wrong_format(_zip_format_of(path), suffix)
        return _describe_head(head)
    # .xlsx, .xlsm, .xlsb, .ods: ZIP containers
    if kind == "zip":
        return _zip_problem(path, suffix, max_uncompressed_bytes, max_cells)
    if kind == "ole2":
        return _ole2_problem(path, suffix)
    return _describe_head(head)


def inspect(path: Path, *, max_uncompressed_bytes: int, max_cells: int) -> None:
    """Raise ReadError when the file at `path` must not be handed to a parser.

    Checks, by suffix:
    - .xlsx/.xlsm/.xlsb/.ods: a ZIP holding the right parts (else names what it
      is: PDF, .xls, CSV, another Office file, a plain ZIP); a password-protected
      file (an OLE2 file with an EncryptedPackage stream, encrypted ZIP parts,
      an encrypted .ods); a damaged or truncated ZIP; declared or really
      inflated sizes over max_uncompressed_bytes, or an absurd compression ratio; a
      large .xlsx/.xlsm sheet part declaring more than max_cells cells.
    - .xls: an OLE2 file with a Workbook stream and no FILEPASS (encryption) record.
    - .csv/.tsv/.txt: not a ZIP (a workbook saved under a text name), OLE2 or PDF.
    Any other suffix is left alone. Nothing is extracted (kept) or parsed whole.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SPREADSHEET_SUFFIXES | TEXT_SUFFIXES:
        return
    try:
        if not path.exists():
            raise ReadError(f"{path}: no such file")
        if path.is_dir():
            raise ReadError(f"{path}: is a folder, not a file")
        head = _head(path)
        problem = _problem(path, suffix, _kind_of(head), head, max_uncompressed_bytes, max_cells)
    except OSError as exc:
        raise ReadError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if problem:
        raise ReadError(f"{path}: {' '.join(problem.split())}")
