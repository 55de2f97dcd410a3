"""What a PDF printed by LibreOffice shows, for the print tests: its pages, the size of every text
on them, and which sheet each page belongs to.

The text sizes are read without a PDF library: every content stream (Flate-compressed, as
LibreOffice writes them) is inflated and each text object's font size (`Tf`) is scaled by the
height of its text matrix (`Tm`: rotated chart labels keep their size, a matrix that shrinks the
text shrinks it). The sheet of a page is the first word of its footer ("Ranking  Page 3 of 16"),
read with poppler's pdftotext.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
import zlib
from pathlib import Path

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_TEXT_OBJECT = re.compile(rb"\bBT\b(.*?)\bET\b", re.S)
_NUMBER = rb"(-?\d*\.?\d+)"
_TM = re.compile(rb"\s+".join([_NUMBER] * 6) + rb"\s+Tm")
_TF = re.compile(rb"/[^\s/]+\s+" + _NUMBER + rb"\s+Tf")


def pages(pdf: Path) -> int:
    """The number of pages: the page objects of the file."""
    return len(re.findall(rb"/Type\s*/Page(?![A-Za-z])", pdf.read_bytes()))


def text_sizes(pdf: Path) -> list[float]:
    """The printed size in points of every font set for text in the file."""
    sizes = []
    for raw in _STREAM.findall(pdf.read_bytes()):
        try:
            content = zlib.decompress(raw)
        except zlib.error:  # not a compressed content stream (an image, a font)
            continue
        for block in _TEXT_OBJECT.findall(content):
            height = 1.0
            for op in re.finditer(_TM.pattern + rb"|" + _TF.pattern, block):
                if op.group(0).endswith(b"Tm"):
                    c, d = float(op.group(3)), float(op.group(4))
                    height = math.hypot(c, d)
                else:
                    sizes.append(float(op.group(7)) * height)
    return sizes


def page_sheets(pdf: Path) -> list[str] | None:
    """The sheet of every page, in order (None without pdftotext)."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        return None
    text = subprocess.run([pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60,
                          check=True).stdout
    found = []
    for page in text.split("\f")[:pages(pdf)]:
        lines = [line.split() for line in page.splitlines() if line.strip()]
        found.append(lines[-1][0] if lines else "")
    return found


def page_texts(pdf: Path) -> list[str] | None:
    """The text of every page, in order (None without pdftotext)."""
    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        return None
    text = subprocess.run([pdftotext, str(pdf), "-"], capture_output=True, text=True, timeout=60, check=True).stdout
    return text.split("\f")[:pages(pdf)]
