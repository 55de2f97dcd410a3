"""A streamed sheet's rows rendered as XML by polars (pipeline/sheetxml.py) hold exactly what
xlsxwriter writes cell by cell: every cell's reference, type, text (escapes, xml:space), number,
style (resolved through styles.xml: the style indices are numbered in another order), every row's
height, the comments and their boxes. Each test writes the same rows both ways and compares the
files' XML; numbers to 15 significant digits (xlsxwriter rounds to 16, polars keeps every digit)."""

from __future__ import annotations

import math
import random
import re
import shutil
import zipfile
import xml.etree.ElementTree as ET
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import polars as pl
import pytest

from conftest import run_cli, write_csv
from helpers_office import convert, require_soffice
from pipeline import sheetxml, workbook
from pipeline.xlsxtext import CUT_MARK, TextWorkbook

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
# xlsxwriter gives the row it still holds when a 2010 data bar is added (Ranking's last) this
# attribute, a baseline hint Excel itself writes on every row: not a difference a reader shows.
DY_DESCENT = "{http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac}dyDescent"
RUN_TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d(:\d\d)?( UTC)?")  # the run's own time: two runs differ


def _styles(book: zipfile.ZipFile) -> list[tuple]:
    """Each style index as what it means: number format, font, fill, border, alignment."""
    root = ET.fromstring(book.read("xl/styles.xml"))
    codes = {e.get("numFmtId"): e.get("formatCode") for e in root.iter(MAIN + "numFmt")}
    parts = {tag: [ET.tostring(e) for e in root.find(MAIN + tag)] for tag in ("fonts", "fills", "borders")}
    out = []
    for xf in root.find(MAIN + "cellXfs"):
        align = xf.find(MAIN + "alignment")
        out.append((codes.get(xf.get("numFmtId"), xf.get("numFmtId")), parts["fonts"][int(xf.get("fontId"))],
                    parts["fills"][int(xf.get("fillId"))], parts["borders"][int(xf.get("borderId"))],
                    None if align is None else sorted(align.attrib.items())))
    return out


def _sheet_rows(data: bytes, styles: list[tuple]) -> list[tuple]:
    rows = []
    for row in ET.fromstring(data).find(MAIN + "sheetData"):
        attrs = {k: v for k, v in row.attrib.items() if k != DY_DESCENT}
        cells = []
        for c in row:
            a = dict(c.attrib)
            a["s"] = styles[int(a.get("s", 0))]
            v, t = c.find(MAIN + "v"), c.find(f"{MAIN}is/{MAIN}t")
            number = None if v is None else float(v.text)
            text = None if t is None else (RUN_TIME.sub("<time>", t.text or ""), sorted(t.attrib.items()))
            rich = None if c.find(MAIN + "is") is None or t is not None else ET.tostring(c.find(MAIN + "is"))
            cells.append((a, number, text, rich))
        rows.append((attrs, cells))
    return rows


def _outside_rows(data: bytes, styles: list[tuple]) -> str:
    """A sheet's XML but its rows, with its style indices resolved (columns' formats) and no run time."""
    text = RUN_TIME.sub("", re.sub(r"<sheetData>.*</sheetData>", "", data.decode(), flags=re.S))
    return re.sub(r' (style|s)="([0-9]+)"', lambda m: f" {m[1]}={styles[int(m[2])]!r}", text)


def assert_same_sheets(fast: Path, slow: Path) -> int:
    """The two workbooks' sheets and comments hold the same; returns how many cells were compared."""
    a, b = zipfile.ZipFile(fast), zipfile.ZipFile(slow)
    assert sorted(a.namelist()) == sorted(b.namelist())
    styles_a, styles_b = _styles(a), _styles(b)
    compared = 0
    for name in a.namelist():
        if name.startswith("xl/worksheets/sheet"):
            rows_a, rows_b = _sheet_rows(a.read(name), styles_a), _sheet_rows(b.read(name), styles_b)
            assert len(rows_a) == len(rows_b), name
            for (attrs_a, cells_a), (attrs_b, cells_b) in zip(rows_a, rows_b):
                assert attrs_a == attrs_b, (name, attrs_a, attrs_b)
                assert [c[0] for c in cells_a] == [c[0] for c in cells_b], (name, attrs_a["r"])
                for x, y in zip(cells_a, cells_b):
                    assert x[2:] == y[2:], (name, x[0]["r"], x[2], y[2])
                    assert (x[1] is None) == (y[1] is None) and (
                        x[1] is None or math.isclose(x[1], y[1], rel_tol=1e-15)), (name, x[0]["r"], x[1], y[1])
                compared += len(cells_a)
            assert _outside_rows(a.read(name), styles_a) == _outside_rows(b.read(name), styles_b), name
        elif name.startswith(("xl/comments", "xl/drawings/vml")):
            assert a.read(name) == b.read(name), name
    return compared


def _both_ways(monkeypatch, write) -> tuple[Path, Path]:
    monkeypatch.setattr(sheetxml, "ENABLED", True)
    fast = write("fast")
    monkeypatch.setattr(sheetxml, "ENABLED", False)
    slow = write("slow")
    return fast, slow


# Texts for every escape: the file format's own _xHHHH_, characters XML cannot hold, markup, white
# space at either end (Unicode's too), astral characters; and the rows that go cell by cell.
TEXTS = ["plain", " lead", "trail ", "\u00a0nbsp", "line\u2028", "\ttab", "in\tside", "a\nb", "cr\rlf",
         "ctrl\x01\x1b\x1f\x0b\x0c", "_x0041_", "_x00e9_x0041_", "_X004a_ _x12_", "non\ufffe\uffff",
         "&<>\"' &amp; ]]>", "😀 𝄞 ＝1", "=1+1", "", " ", "x <r>mid</r> y"]
ODD = ["<r><t>x</t></r>", "L" * 20_000, "M&" * 20_000]  # a rich-string shape; over half a cell; cut


def _random_frame(rows: int, seed: int) -> pl.DataFrame:
    rnd = random.Random(seed)
    texts = [rnd.choice(TEXTS + ["".join(rnd.choice("ab _x0041_\x01&<> \u3000é😀") for _ in range(rnd.randint(0, 12)))])
             if rnd.random() > 0.1 else None for _ in range(rows)]
    for at in {0, 3, rows // 2, rows - 1} if rows > 3 else ():  # odd rows first, in the middle and last
        texts[at] = ODD[at % len(ODD)]
    twins = [rnd.choice([None, 7.25]) if t not in ODD else None for t in texts]
    numbers = [rnd.choice([0.1 * 3, 1e20, -1e-7, 5.0, 1 / 3, 123456789.123456789, rnd.uniform(-1e9, 1e9), None])
               for _ in range(rows)]
    return pl.DataFrame({
        "text": texts,
        "number": numbers,
        "\x00count": [rnd.choice([None, 0, -3, 2**40]) for _ in range(rows)],  # a name like _cell_columns' twins
        "flag": [rnd.choice([None, True, False]) for _ in range(rows)],
        "nothing": pl.Series([None] * rows, dtype=pl.Null),
        "twin_number": twins,  # shares the text's sheet column
    }).with_columns(pl.when(pl.col("twin_number").is_not_null()).then(None).otherwise(pl.col("text")).alias("text"))


@pytest.mark.parametrize("rows", [1, 7, 2_500])
def test_rows_written_as_xml_equal_rows_written_cell_by_cell(tmp_path: Path, monkeypatch, rows: int) -> None:
    frame = _random_frame(rows, seed=rows)
    monkeypatch.setattr(sheetxml, "SLICE_ROWS", 1_000)  # several slices, an odd row at a slice's edge
    rnd = random.Random(1)
    filled = [rnd.random() < 0.2 for _ in range(rows)]
    heights = [rnd.choice([None, 15.0, 30.0, 45.75, 12.3]) for _ in range(rows - 1)]  # shorter than the frame
    comments = {(i, rnd.randrange(4)): f"note {i} <&>" for i in range(0, rows, 5)}

    def write(name: str) -> Path:
        path = tmp_path / f"{name}.xlsx"
        wb = TextWorkbook(path, {**workbook.WORKBOOK_OPTIONS, "constant_memory": True})
        ws = wb.add_worksheet("Rows")
        fmt = workbook._Formats(wb)
        ws.write_string(0, 0, "header", fmt.header)
        ws.write_comment(0, 0, "a header's comment")
        formats = [fmt.get(wrap=True), fmt.get("#,##0.00"), fmt.top, fmt.top, fmt.top, fmt.get("0.0")]
        fills = [fmt.get(nf, "#FFC7CE") for nf in (None, "#,##0.00", None, None, None, "0.0")]
        workbook._rows(ws, frame, 1, formats, fill_formats=fills, filled=filled, heights=heights,
                       comments=comments, targets=[0, 1, 2, 3, 4, 0])
        ws.write_string(rows + 1, 0, "after")  # a cell written the usual way after the rows
        wb.close()
        return path

    fast, slow = _both_ways(monkeypatch, write)
    assert assert_same_sheets(fast, slow) >= rows * 2
    ws = openpyxl.load_workbook(fast)["Rows"]
    assert ws.cell(rows + 2, 1).value == "after"
    if rows > 3:
        assert ws.cell(5, 1).value == ODD[0]  # the rich-string shape, as text


def test_the_sample_workbook_streamed_is_the_same_either_way(tmp_path: Path, monkeypatch) -> None:
    """Every sheet: Ranking's heights, Options' chosen fills, Portfolio's error fills, comments, links."""
    cfg = tmp_path / "stream.toml"
    cfg.write_text("[output]\nstreaming_rows = 1\n")

    def write(name: str) -> Path:
        out = tmp_path / f"{name}.xlsx"
        run = run_cli("score", "samples/portfolio.xlsx", "--config", cfg, "-o", out, "--history", "off")
        assert run.code == 1, run.stderr  # the sample's four deliberate error rows
        return out

    fast, slow = _both_ways(monkeypatch, write)
    assert assert_same_sheets(fast, slow) > 3_000


def test_hostile_texts_stream_the_same_either_way_and_read_back_as_given(tmp_path: Path, monkeypatch) -> None:
    texts = TEXTS + ODD + ["y" * 40_000]
    headers = ["Use Case ID", "Use Case", "Description", "Owner", "Monthly API Cost ($)", "Current Accuracy",
               "Latency Class", "Notes"]
    rows = [[f"UC-{k}", t, t, t, 100 + k, "lots" if k % 7 == 0 else "90%", "batch", t] for k, t in enumerate(texts)]
    src = write_csv(tmp_path / "texts.csv", headers, rows)
    cfg = tmp_path / "stream.toml"
    cfg.write_text("[output]\nstreaming_rows = 1\n")

    def write(name: str) -> Path:
        out = tmp_path / f"{name}.xlsx"
        run = run_cli("score", src, "--config", cfg, "-o", out, "--history", "off")
        assert run.code == 1, run.stderr  # the "lots" accuracies are errors: filled rows with comments
        return out

    fast, slow = _both_ways(monkeypatch, write)
    assert assert_same_sheets(fast, slow) > 500
    portfolio = list(openpyxl.load_workbook(fast, read_only=True)["Portfolio"].iter_rows(values_only=True))
    notes = [r[portfolio[0].index("Notes")] for r in portfolio[1:]]
    assert notes[texts.index("&<>\"' &amp; ]]>")] == "&<>\"' &amp; ]]>"
    assert notes[texts.index(" lead")] == " lead" and notes[texts.index("trail ")] == "trail "
    assert notes[texts.index("_x0041_")] == "_x005F_x0041_"  # openpyxl leaves the escape; Excel shows _x0041_
    assert notes[-1].endswith(CUT_MARK)


def test_libreoffice_reads_the_rendered_numbers_and_texts(tmp_path: Path) -> None:
    """polars writes numbers as "1e+20", "-1e-7", "0.30000000000000004": LibreOffice reads each as the
    number (the sheet saved again as .xlsx by LibreOffice, read back), and every text as given."""
    soffice = require_soffice(shutil.which("soffice"))
    numbers = [1e20, -1e-7, 0.1 * 3, 5.0, 2.0**40, 123456789.123456789, -0.0, 1 / 3]
    texts = [" lead", "a\tb", "&<>", "_x0041_", "\u00a0nbsp", "ctrl\x01x", "😀"]
    frame = pl.DataFrame({"number": numbers, "text": texts + [None], "flag": [True, False] + [None] * 6})
    path = tmp_path / "numbers.xlsx"
    wb = TextWorkbook(path, {**workbook.WORKBOOK_OPTIONS, "constant_memory": True})
    ws = wb.add_worksheet("Rows")
    fmt = workbook._Formats(wb)
    workbook._rows(ws, frame, 0, [fmt.top] * 3)
    wb.close()
    assert sheetxml.ENABLED
    convert(soffice, "xlsx", path, tmp_path / "lo")
    rows = list(openpyxl.load_workbook(tmp_path / "lo" / "numbers.xlsx")["Rows"].iter_rows(values_only=True))
    assert [r[0] for r in rows] == pytest.approx(numbers, rel=1e-14)  # LibreOffice saves 15 digits
    # LibreOffice read the escaped literal back as "_x0041_", and saves the control character with the
    # escape, which openpyxl returns as it is
    assert [r[1] for r in rows] == [t.replace("\x01", "_x0001_") for t in texts] + [None]
    assert [r[2] for r in rows][:2] == ["=TRUE()", "=FALSE()"]  # LibreOffice saves a boolean as its formula


def test_a_worksheet_without_the_internals_used_is_written_cell_by_cell(tmp_path: Path) -> None:
    """Another xlsxwriter, without what sheetxml takes from its worksheets: the rows go cell by cell."""
    wb = TextWorkbook(tmp_path / "x.xlsx", {**workbook.WORKBOOK_OPTIONS, "constant_memory": True})
    ws = wb.add_worksheet("Rows")
    cells = sheetxml.Cells([0], [workbook._Formats(wb).top])
    frame = pl.DataFrame({"text": ["a"]})
    assert sheetxml.can_write(ws, frame, cells)
    for missing in sheetxml._INTERNALS:
        older = SimpleNamespace(**{name: getattr(ws, name) for name in sheetxml._INTERNALS if name != missing})
        assert not sheetxml.can_write(older, frame, cells), missing
    wb.close()
