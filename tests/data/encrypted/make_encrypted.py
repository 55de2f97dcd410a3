"""Writes the password-protected fixtures in this folder (run once; the files are committed).

    .venv/bin/pip install -e '.[test]'      # brings msoffcrypto-tool
    .venv/bin/python tests/data/encrypted/make_encrypted.py

Each file is a real workbook (written with xlsxwriter, two use cases that score cleanly), then
encrypted with msoffcrypto-tool the way Excel does File > Info > Protect Workbook > Encrypt with
Password: an OLE2 compound file holding EncryptionInfo (ECMA-376 agile encryption, AES) and
EncryptedPackage (the encrypted ZIP). The password of every file is PASSWORD below. Encryption
draws a random salt, so running this again gives other bytes with the same meaning.
"""

from __future__ import annotations

import io
from pathlib import Path

import msoffcrypto.format.ooxml
import xlsxwriter

HERE = Path(__file__).resolve().parent
PASSWORD = "ftscore"
HEADERS = ["Use Case ID", "Use Case", "Monthly API Cost"]
ROWS = [["UC-1", "Ticket triage", 12000], ["UC-2", "Contract search", 800]]


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


def main() -> None:
    (HERE / "portfolio-password.xlsx").write_bytes(encrypt(plain_workbook()))


if __name__ == "__main__":
    main()
