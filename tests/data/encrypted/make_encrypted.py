"""Writes the password-protected fixtures in this folder (run once; the files are committed).

    .venv/bin/pip install -e '.[test]'      # brings msoffcrypto-tool
    .venv/bin/python tests/data/encrypted/make_encrypted.py

Each file is a real workbook (written with xlsxwriter, two use cases that score cleanly), then
saved with a password the way the office programs do it:
- portfolio-password.xlsx: msoffcrypto-tool, as Excel's File > Info > Protect Workbook > Encrypt
  with Password: an OLE2 compound file holding EncryptionInfo (ECMA-376 agile encryption, AES),
  EncryptedPackage (the encrypted ZIP) and the DataSpaces storage.
- portfolio-password.xls: LibreOffice Calc, "MS Excel 97" with a password: BIFF8 with a FILEPASS
  record (RC4 CryptoAPI). msoffcrypto-tool cannot write this format, only read it.
- portfolio-password.ods: LibreOffice Calc, "calc8" with a password: a ZIP whose manifest
  declares encryption-data for content.xml and the other parts.
The LibreOffice files need `soffice` (Debian: libreoffice-calc-nogui); it is driven by a Basic
macro in a throwaway profile, as a headless `--convert-to` cannot set a password.
The password of every file is PASSWORD below. Encryption draws a random salt, so running this
again gives other bytes with the same meaning.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

import msoffcrypto.format.ooxml
import xlsxwriter

HERE = Path(__file__).resolve().parent
PASSWORD = "ftscore"
HEADERS = ["Use Case ID", "Use Case", "Monthly API Cost"]
ROWS = [["UC-1", "Ticket triage", 12000], ["UC-2", "Contract search", 800]]

MACRO = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Module1" script:language="StarBasic">
Sub SaveWithPassword(src As String, dst As String, filter As String, pwd As String)
  Dim load(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = &quot;Hidden&quot;
  load(0).Value = True
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(src), &quot;_blank&quot;, 0, load())
  Dim store(1) As New com.sun.star.beans.PropertyValue
  store(0).Name = &quot;FilterName&quot;
  store(0).Value = filter
  store(1).Name = &quot;Password&quot;
  store(1).Value = pwd
  doc.storeToURL(ConvertToURL(dst), store())
  doc.close(True)
End Sub
</script:module>
"""


def plain_workbook() -> bytes:
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    ws = wb.add_worksheet("Portfolio")
    ws.write_row(0, 0, HEADERS)
    for i, row in enumerate(ROWS, start=1):
        ws.write_row(i, 0, row)
    wb.close()
    return buffer.getvalue()


def encrypt(plain: bytes, password: str = PASSWORD) -> bytes:
    out = io.BytesIO()
    msoffcrypto.format.ooxml.OOXMLFile(io.BytesIO(plain)).encrypt(password, out)
    return out.getvalue()


def save_with_libreoffice(plain: bytes, targets: dict[str, str], password: str = PASSWORD) -> None:
    """targets: file name in this folder -> LibreOffice filter name."""
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("soffice not on PATH: install libreoffice-calc-nogui to make the .xls and .ods fixtures")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        profile = f"-env:UserInstallation={(work / 'profile').as_uri()}"
        subprocess.run([soffice, "--headless", profile, "--terminate_after_init"], check=True, timeout=300)
        (work / "profile" / "user" / "basic" / "Standard" / "Module1.xba").write_text(MACRO, encoding="utf-8")
        src = work / "plain.xlsx"
        src.write_bytes(plain)
        for name, filter_name in targets.items():
            call = f'macro:///Standard.Module1.SaveWithPassword("{src}","{work / name}","{filter_name}","{password}")'
            subprocess.run([soffice, "--headless", profile, call], check=True, timeout=300)
            shutil.copyfile(work / name, HERE / name)


def main() -> None:
    plain = plain_workbook()
    (HERE / "portfolio-password.xlsx").write_bytes(encrypt(plain))
    save_with_libreoffice(plain, {"portfolio-password.xls": "MS Excel 97", "portfolio-password.ods": "calc8"})


if __name__ == "__main__":
    main()
