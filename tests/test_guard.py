"""pipeline.guard: files refused before a parser sees them, on real bytes written here."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from conftest import DATA
from helpers_ole import CUTOFF, biff, build_cfb
from pipeline.guard import _head, _kind_of, inspect
from pipeline.read import ReadError


def sniff_kind(path: Path) -> str:
    """What the file's first bytes say it is (guard's own sniffing; the public sniff_kind was unused)."""
    return _kind_of(_head(Path(path)))

MB = 1_000_000
LIMITS = {"max_uncompressed_bytes": 200 * MB, "max_cells": 10_000_000}

# --------------------------------------------------------------------------- builders


def real_xlsx(path: Path, rows: int = 3) -> Path:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Portfolio")
    ws.write_row(0, 0, ["Use case", "Monthly API cost"])
    for i in range(1, rows):
        ws.write_row(i, 0, [f"case {i}", i * 100])
    wb.close()
    return path


BOF = (0x0809, struct.pack("<HHHHII", 0x0600, 0x0005, 0x0DBB, 0x07CC, 0, 0))
FILEPASS_RC4 = (0x002F, struct.pack("<HHH", 1, 1, 1) + b"\x11" * 48)
BOUNDSHEET = (0x0085, struct.pack("<IBBB", 0, 0, 0, 6) + b"\0Sheet1")
EOF = (0x000A, b"")


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def refused(path: Path, **limits: int) -> str:
    with pytest.raises(ReadError) as info:
        inspect(path, **{**LIMITS, **limits})
    message = str(info.value)
    assert message.startswith(f"{path}: "), message
    assert "\n" not in message
    return message


# --------------------------------------------------------------------------- sniff_kind


def test_sniff_kind_names_each_kind(tmp_path):
    assert sniff_kind(real_xlsx(tmp_path / "a.xlsx")) == "zip"
    assert sniff_kind(write(tmp_path / "b.xls", build_cfb({"Workbook": biff(BOF, EOF)}))) == "ole2"
    assert sniff_kind(write(tmp_path / "c.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")) == "pdf"
    assert sniff_kind(write(tmp_path / "d.csv", "Use case,Cost\nTriage,10\n".encode())) == "text"
    assert sniff_kind(write(tmp_path / "e.csv", b"")) == "empty"
    assert sniff_kind(write(tmp_path / "f.bin", bytes(range(256)) * 4)) == "unknown"
    # a CSV that mentions a PDF header is still text
    assert sniff_kind(write(tmp_path / "g.csv", b"Use case,Note\nTriage,%PDF-1.4 files\n")) == "text"


# --------------------------------------------------------------------------- files that pass


def test_real_xlsx_passes(tmp_path):
    inspect(real_xlsx(tmp_path / "portfolio.xlsx"), **LIMITS)


def test_real_csv_and_unknown_suffix_pass(tmp_path):
    inspect(write(tmp_path / "portfolio.csv", "Use case;Coût\nTriage;10\n".encode("cp1252")), **LIMITS)
    inspect(write(tmp_path / "notes.docx", b"%PDF-1.4"), **LIMITS)  # read_table reports the suffix


def test_unencrypted_xls_passes(tmp_path):
    inspect(write(tmp_path / "old.xls", build_cfb({"Workbook": biff(BOF, BOUNDSHEET, EOF)})), **LIMITS)


def test_huge_declared_dimension_on_a_small_sheet_passes(tmp_path):
    # What Gnumeric writes: the whole grid declared, two rows held.
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/'
             b'spreadsheetml/2006/main"><dimension ref="A1:XFD1048576"/><sheetData>'
             b'<row r="1"><c r="A1" t="inlineStr"><is><t>Use case</t></is></c></row>'
             b'<row r="2"><c r="A2" t="inlineStr"><is><t>Triage</t></is></c></row></sheetData></worksheet>')
    path = tmp_path / "gnumeric.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    inspect(path, max_uncompressed_bytes=200 * MB, max_cells=1_000)


# --------------------------------------------------------------------------- content that does not match the name


def test_pdf_named_xlsx(tmp_path):
    message = refused(write(tmp_path / "report.xlsx", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"))
    assert "is a PDF, not a spreadsheet" in message


def test_csv_named_xlsx(tmp_path):
    message = refused(write(tmp_path / "export.xlsx", b"Use case,Monthly API cost\nTriage,120\n"))
    assert "is a text file, not a spreadsheet" in message
    assert "rename it to .csv" in message


def test_html_named_xls(tmp_path):
    message = refused(write(tmp_path / "export.xls", b"<html><body><table><tr><td>Use case</td></tr></table>"))
    assert "web page (HTML)" in message and "save it as .xlsx" in message


def test_xls_named_xlsx(tmp_path):
    path = write(tmp_path / "old.xlsx", build_cfb({"Workbook": biff(BOF, BOUNDSHEET, EOF)}))
    message = refused(path)
    assert "is an .xls (old Excel) file named .xlsx; rename it to .xls" in message


def test_bare_ole2_header_named_xlsx(tmp_path):
    # Only the signature and garbage: the directory cannot be followed.
    path = write(tmp_path / "odd.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000)
    message = refused(path)
    assert "old Office (OLE2) file, not an .xlsx workbook" in message
    assert "rename it to .xls" in message


def test_word_document_named_xls(tmp_path):
    path = write(tmp_path / "memo.xls", build_cfb({"WordDocument": b"\xec\xa5" + b"\0" * 600}))
    assert "is a Word document (.doc), not a spreadsheet" in refused(path)


def test_zip_without_workbook_parts(tmp_path):
    path = tmp_path / "bundle.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
        zf.writestr("data/portfolio.csv", "Use case\nTriage\n")
    assert "is a ZIP archive but not an Excel workbook" in refused(path)


def test_xlsx_named_ods_and_xlsb(tmp_path):
    xlsx = real_xlsx(tmp_path / "a.xlsx")
    ods = write(tmp_path / "a.ods", xlsx.read_bytes())
    assert "is an Excel workbook (.xlsx) named .ods; rename it to .xlsx" in refused(ods)
    xlsb = write(tmp_path / "a.xlsb", xlsx.read_bytes())
    assert "named .xlsb; rename it to .xlsx" in refused(xlsb)
    xls = write(tmp_path / "a.xls", xlsx.read_bytes())
    assert "named .xls; rename it to .xlsx" in refused(xls)


def test_ods_needs_its_mimetype(tmp_path):
    good = tmp_path / "good.ods"
    with zipfile.ZipFile(good, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", "<office:document-content/>")
    inspect(good, **LIMITS)
    text_doc = tmp_path / "letter.ods"
    with zipfile.ZipFile(text_doc, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", "<office:document-content/>")
    assert "is an OpenDocument file but not a spreadsheet" in refused(text_doc)


def test_xlsx_saved_as_csv(tmp_path):
    path = write(tmp_path / "portfolio.csv", real_xlsx(tmp_path / "p.xlsx").read_bytes())
    message = refused(path)
    assert "looks like an Excel workbook saved as .csv; rename it to .xlsx" in message


def test_xls_and_pdf_saved_as_txt(tmp_path):
    xls = write(tmp_path / "old.txt", build_cfb({"Workbook": biff(BOF, EOF)}))
    assert "looks like an old Excel (.xls) workbook saved as .txt; rename it to .xls" in refused(xls)
    pdf = write(tmp_path / "report.tsv", b"%PDF-1.4\n")
    assert "is a PDF, not a spreadsheet" in refused(pdf)


def test_empty_missing_and_folder(tmp_path):
    assert "the file is empty (0 bytes)" in refused(write(tmp_path / "empty.xlsx", b""))
    assert "no such file" in refused(tmp_path / "missing.xlsx")
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    assert "is a folder, not a file" in refused(folder)


# --------------------------------------------------------------------------- damaged files


def test_truncated_xlsx(tmp_path):
    data = real_xlsx(tmp_path / "full.xlsx").read_bytes()
    path = write(tmp_path / "half.xlsx", data[: len(data) // 2])
    assert sniff_kind(path) == "zip"
    message = refused(path)
    assert "is damaged or truncated" in message


# --------------------------------------------------------------------------- password-protected files


def test_encrypted_xlsx(tmp_path):
    # How Excel stores a password-protected .xlsx: an OLE2 file whose root holds
    # EncryptionInfo and EncryptedPackage (the encrypted ZIP). Real files also
    # hold a \x06DataSpaces storage; the guard needs only the stream names.
    cfb = build_cfb({
        "EncryptionInfo": struct.pack("<HHI", 4, 4, 0x40) + b"\0" * 200,
        "EncryptedPackage": struct.pack("<Q", 6000) + bytes(range(256)) * 24,
    })
    for name in ("secret.xlsx", "secret.xlsm", "secret.xlsb", "secret.xls"):
        message = refused(write(tmp_path / name, cfb))
        assert "password-protected" in message and "save it without a password" in message


@pytest.mark.parametrize("name", ["secret.xlsx", "secret.xlsm", "secret.xlsb", "secret.xls", "secret.csv"])
def test_a_real_encrypted_workbook_is_refused_whatever_its_name(tmp_path, name):
    # made by msoffcrypto-tool as Excel makes them, \x06DataSpaces storage included
    # (tests/data/encrypted/make_encrypted.py)
    path = write(tmp_path / name, (DATA / "encrypted" / "portfolio-password.xlsx").read_bytes())
    message = refused(path)
    assert message == (f"{path}: is password-protected (encrypted); open it in Excel, save it without a password "
                       "(File > Info > Protect Workbook > Encrypt with Password, clear the box) and try again")


def test_real_encrypted_xls_and_ods_are_refused(tmp_path):
    # saved with a password by LibreOffice Calc: BIFF8 with FILEPASS (RC4 CryptoAPI), and an .ods
    # whose manifest declares encryption-data (tests/data/encrypted/make_encrypted.py)
    xls = write(tmp_path / "secret.xls", (DATA / "encrypted" / "portfolio-password.xls").read_bytes())
    assert refused(xls) == (f"{xls}: is password-protected (encrypted); open it in Excel, save it without a "
                            "password (File > Info > Protect Workbook > Encrypt with Password, clear the box) and "
                            "try again")
    ods = write(tmp_path / "secret.ods", (DATA / "encrypted" / "portfolio-password.ods").read_bytes())
    assert refused(ods) == (f"{ods}: is password-protected (encrypted); open it in LibreOffice, save it without a "
                            "password and try again")


def test_encrypted_xlsx_found_by_byte_scan_when_directory_is_damaged(tmp_path):
    cfb = bytearray(build_cfb({"EncryptedPackage": b"\0" * 5000, "EncryptionInfo": b"\0" * 100}))
    cfb[0x30:0x34] = struct.pack("<I", 0xFFFFFFF0)  # first directory sector: invalid
    message = refused(write(tmp_path / "secret.xlsx", bytes(cfb)))
    assert "password-protected" in message


def test_encrypted_xls(tmp_path):
    path = write(tmp_path / "secret.xls", build_cfb({"Workbook": biff(BOF, FILEPASS_RC4, BOUNDSHEET, EOF)}))
    message = refused(path)
    assert "password-protected" in message and "save it without a password" in message


def test_encrypted_xls_with_big_workbook_stream(tmp_path):
    # A Workbook stream over 4096 bytes lives in normal sectors, not the mini stream.
    stream = biff(BOF, FILEPASS_RC4, BOUNDSHEET) + biff(*[(0x0203, b"\0" * 14)] * 400) + biff(EOF)
    assert len(stream) > CUTOFF
    assert "password-protected" in refused(write(tmp_path / "big.xls", build_cfb({"Workbook": stream})))
    plain = biff(BOF, BOUNDSHEET) + biff(*[(0x0203, b"\0" * 14)] * 400) + biff(EOF)
    inspect(write(tmp_path / "plain.xls", build_cfb({"Workbook": plain})), **LIMITS)


def test_encrypted_ods(tmp_path):
    path = tmp_path / "secret.ods"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml",
                    '<manifest:manifest><manifest:file-entry manifest:full-path="content.xml">'
                    '<manifest:encryption-data manifest:checksum-type="SHA1"/></manifest:file-entry>'
                    "</manifest:manifest>")
        zf.writestr("content.xml", b"\x8f\x02encrypted")
    message = refused(path)
    assert "password-protected" in message and "save it without a password" in message


# --------------------------------------------------------------------------- zip bombs


def _bomb(path: Path, size: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"0" * size)
    return path


def test_zip_bomb_over_total_limit(tmp_path):
    path = _bomb(tmp_path / "bomb.xlsx", 50 * MB)
    assert path.stat().st_size < MB
    message = refused(path, max_uncompressed_bytes=20 * MB)
    assert "would unpack to 50.0 MB (limit 20.0 MB)" in message
    assert "zip bomb" in message


def test_zip_bomb_by_compression_ratio_under_total_limit(tmp_path):
    path = _bomb(tmp_path / "bomb.xlsx", 50 * MB)
    message = refused(path, max_uncompressed_bytes=1000 * MB)
    assert "part xl/worksheets/sheet1.xml would unpack from" in message
    assert "zip bomb" in message


def test_too_many_declared_members(tmp_path, monkeypatch):
    import pipeline.guard as guard

    monkeypatch.setattr(guard, "MAX_ZIP_MEMBERS", 5)
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        for i in range(10):
            zf.writestr(f"xl/media/image{i}.png", b"x")
    assert "declares 12 parts (limit 5)" in refused(path)


# --------------------------------------------------------------------------- cell count


def _sheet_with_dimension(path: Path, ref: str, filler: int) -> Path:
    # Real-looking cells so the ratio check does not fire first (random-ish digits compress ~2:1).
    head = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
            f'openxmlformats.org/spreadsheetml/2006/main"><sheetPr/><dimension ref="{ref}"/><sheetData>')
    body = "".join(f'<row r="{r}"><c r="A{r}"><v>{(r * 7919) % 100003}</v></c></row>' for r in range(1, filler))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", head + body + "</sheetData></worksheet>")
    return path


def test_large_sheet_declaring_too_many_cells(tmp_path):
    path = _sheet_with_dimension(tmp_path / "wide.xlsx", "A1:XFD1048576", 20_000)
    size = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml").file_size
    message = refused(path, max_uncompressed_bytes=size * 2, max_cells=10_000_000)
    assert "sheet part xl/worksheets/sheet1.xml declares the range A1:XFD1048576" in message
    assert "17,179,869,184 cells, limit 10,000,000" in message


def test_large_sheet_within_cell_limit_passes(tmp_path):
    path = _sheet_with_dimension(tmp_path / "long.xlsx", "A1:A19999", 20_000)
    size = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml").file_size
    inspect(path, max_uncompressed_bytes=size * 2, max_cells=20_000)
    # the same declared range over a smaller cell limit is refused
    message = refused(path, max_uncompressed_bytes=size * 2, max_cells=10_000)
    assert "declares the range A1:A19999 (19,999 cells, limit 10,000)" in message


def test_whole_column_ranges_count_every_row(tmp_path):
    from pipeline.guard import _range_cells

    assert _range_cells("A1") == 1
    assert _range_cells("B2:D4") == 9
    assert _range_cells("$A$1:$C$10") == 30
    assert _range_cells("A:C") == 3 * 1_048_576
    assert _range_cells("1:2") == 2 * 16_384
    assert _range_cells("nonsense") is None


# --------------------------------------------------------------------------- declared sizes are not trusted


def _big_sheet_xlsx(path: Path, rows: int, same: bool = False) -> Path:
    """A real workbook whose sheet holds `rows` use cases (the same row repeated when `same`)."""
    small = real_xlsx(path.with_name("small-" + path.name))
    cells = "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>case {1 if same else r}</t></is></c>'
        f'<c r="B{r}"><v>{100 if same else (r * 7919) % 100003}</v></c></row>' for r in range(2, rows + 2))
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.'
             'openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
             'Use case</t></is></c><c r="B1" t="inlineStr"><is><t>Monthly API cost</t></is></c></row>'
             + cells + "</sheetData></worksheet>")
    with zipfile.ZipFile(small) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = sheet.encode() if info.filename == "xl/worksheets/sheet1.xml" else src.read(info)
            out.writestr(info.filename, data)
    return path


def _declare_size(path: Path, member: str, size: int) -> None:
    """Patch the uncompressed size `member` declares, in its local header and in the central directory."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
        at = zf.start_dir
    struct.pack_into("<I", data, info.header_offset + 22, size)
    while data[at:at + 4] == b"PK\x01\x02":
        n, m, k = struct.unpack_from("<HHH", data, at + 28)
        if data[at + 46:at + 46 + n].decode() == member:
            struct.pack_into("<I", data, at + 24, size)
        at += 46 + n + m + k
    path.write_bytes(bytes(data))


def test_declared_sizes_patched_small_are_not_trusted(tmp_path):
    import pipeline.guard as guard

    path = _big_sheet_xlsx(tmp_path / "patched.xlsx", 60_000)
    real = zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml").file_size
    _declare_size(path, "xl/worksheets/sheet1.xml", 2_000)
    assert zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml").file_size == 2_000
    limit = 2 * MB
    assert real > 2 * limit  # the sheet really unpacks to far more than the limit
    message = refused(path, max_uncompressed_bytes=limit)
    assert "unpacks to more than 2.0 MB (the limit), although its parts declare 0.0 MB" in message
    assert "zip bomb" in message
    # refused while inflating, within one output chunk past the limit, not after the whole sheet
    with zipfile.ZipFile(path) as zf:
        found = guard.inflate_sizes(path, zf, limit)
    assert found.problem and limit < found.inflated <= limit + guard.INFLATE_OUT_CHUNK < real


def test_declared_sizes_patched_small_ratio_rule(tmp_path):
    # 50 MB of one byte, declared as 2 KB: refused by the ratio rule, well under the total limit
    path = _bomb(tmp_path / "zeros.xlsx", 50 * MB)
    _declare_size(path, "xl/worksheets/sheet1.xml", 2_000)
    message = refused(path, max_uncompressed_bytes=1000 * MB)
    assert "part xl/worksheets/sheet1.xml unpacks from" in message and "zip bomb" in message


def test_real_sizes_pass_and_are_counted(tmp_path):
    import pipeline.guard as guard

    path = _big_sheet_xlsx(tmp_path / "honest.xlsx", 5_000)
    with zipfile.ZipFile(path) as zf:
        found = guard.inflate_sizes(path, zf, 100 * MB)
        assert found.problem is None
        assert found.sizes == {i.filename: i.file_size for i in zf.infolist()}
    inspect(path, **LIMITS)


def test_score_refuses_a_patched_bomb_and_writes_nothing(tmp_path):
    from conftest import run_cli

    path = _big_sheet_xlsx(tmp_path / "bomb.xlsx", 60_000)
    _declare_size(path, "xl/worksheets/sheet1.xml", 2_000)
    cfg = tmp_path / "small.toml"
    cfg.write_text("[input]\nmax_unpacked_mb = 2\n")
    out = tmp_path / "out.xlsx"
    run = run_cli("score", path, "-o", out, "--config", cfg)
    assert run.code == 3, run.stderr
    assert "refusing a possible zip bomb" in run.stderr and not out.exists()
    assert list(tmp_path.glob("out*")) == []


def test_range_cells_reads_column_letters_in_either_case():
    from pipeline.guard import _range_cells

    assert _range_cells("A1:XFD1048576") == 1_048_576 * 16_384
    assert _range_cells("b2:ab3") == 2 * 27
    assert _range_cells("$xfd$1:xfc1") == 2


def test_workbook_stream_name_is_matched_in_any_case(tmp_path):
    path = write(tmp_path / "secret.xls", build_cfb({"WORKBOOK": biff(BOF, FILEPASS_RC4, BOUNDSHEET, EOF)}))
    assert "password-protected" in refused(path)
