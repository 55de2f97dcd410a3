"""User text that looks like XML, a formula or a terminal escape reaches every output as that text.

xlsxwriter copies a string that starts with "<r>" and ends with "</r>" into the sheet XML
unescaped (it takes it for its own rich string); other texts carry XML specials, control
characters, formula starts. Each goes in every text column and in headers of a real CSV, is
scored into a normal and a streamed workbook, and is read back with openpyxl (and LibreOffice).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import run_cli, write_csv
from helpers_office import convert, require_soffice
from pipeline.xlsxtext import CELL_TEXT_MAX, CUT_MARK, decode_xstring

HOSTILE = [
    "<r>A</r>",
    "<r><t>x</t></r>",
    '<r><rPr><b/></rPr><t>bold</t></r><r><t xml:space="preserve"> y</t></r>',
    "</r><r>",
    "<r>",
    "</r>",
    "x <r>mid</r> y",
    '=HYPERLINK("http://example.com","click")',
    "+1+2",
    "@SUM(A1:A2)",
    "&<>\"' &amp; &lt;b&gt; ]]> <![CDATA[x]]>",
    "ctrl\x01a\x1bb\x0bc\x0cd\x1fe\x08f",
    "tab\there",
    "Ω ☃ 𝄞 😀 ＝1",
    "<r>" + "L" * 20_000 + "&<>" + "</r>",  # long, and longer still once escaped
]
# Headers of extra columns (unknown to ftscore, carried through to Portfolio).
HOSTILE_HEADERS = ["<r>H</r>", '=HYPERLINK("http://h")', "</r>\x1b[31m<r>", "Notes <r>x</r>"]
TEXT_COLUMNS = ["Use Case ID", "Use Case", "Business Unit", "Owner", "Description", "Model"]
_CONTROL_ESCAPE = re.compile(r"_x00([01][0-9A-Fa-f])_")


def shown(value):
    """A cell as Excel shows it: openpyxl leaves the file format's _x00HH_ escapes of control
    characters as they are (no HOSTILE text holds such a sequence literally)."""
    return _CONTROL_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value) if isinstance(value, str) else value


def hostile_input(tmp: Path) -> Path:
    headers = TEXT_COLUMNS + ["Monthly API Cost ($)", "Current Accuracy", "Latency Class"] + HOSTILE_HEADERS
    rows = [[h] * len(TEXT_COLUMNS) + [5000 + k, "90%", "batch"] + [h] * len(HOSTILE_HEADERS)
            for k, h in enumerate(HOSTILE)]
    return write_csv(tmp / "hostile.csv", headers, rows)


def score(tmp: Path, streamed: bool) -> Path:
    src = hostile_input(tmp)
    out = tmp / ("streamed.xlsx" if streamed else "normal.xlsx")
    args = ["score", src, "-o", out]
    if streamed:
        cfg = tmp / "stream.toml"
        cfg.write_text("[output]\nstreaming_rows = 1\n")
        args += ["--config", cfg]
    run = run_cli(*args)
    assert run.code in (0, 1), run.stderr
    return out


def cells(path: Path, sheet: str) -> list[list]:
    ws = openpyxl.load_workbook(path)[sheet]
    for row in ws.iter_rows():
        for c in row:
            assert c.data_type != "f", f"{sheet}!{c.coordinate} is a formula: {c.value!r}"
    return [[shown(v) for v in row] for row in ws.iter_rows(values_only=True)]


@pytest.fixture(scope="module", params=[False, True], ids=["normal", "streamed"])
def book(request, tmp_path_factory) -> Path:
    return score(tmp_path_factory.mktemp("hostile"), request.param)


def test_every_text_column_and_header_reads_back_as_given_on_portfolio(book: Path) -> None:
    rows = cells(book, "Portfolio")
    header = rows[0]
    for h in HOSTILE_HEADERS:
        assert h in header, (h, header)
    for col in TEXT_COLUMNS + HOSTILE_HEADERS:
        j = header.index(col)
        assert [r[j] for r in rows[1:len(HOSTILE) + 1]] == HOSTILE, col


def test_cell_comments_quote_the_values_as_given(book: Path) -> None:
    # an unknown model is a warning whose comment on the Portfolio cell quotes the value
    ws = openpyxl.load_workbook(book)["Portfolio"]
    j = [c.value for c in ws[1]].index("Model") + 1
    for i, h in enumerate(HOSTILE, start=2):
        comment = ws.cell(i, j).comment
        assert comment is not None and f"unknown model '{h}'" in shown(comment.text), (h, comment)


def test_ranking_and_summary_show_the_names_as_given(book: Path) -> None:
    rows = cells(book, "Ranking")
    j, k = rows[0].index("Use case"), rows[0].index("Use case ID")
    assert sorted(r[j] for r in rows[1:]) == sorted(HOSTILE)
    assert all(r[j] == r[k] for r in rows[1:])  # each row its own name: nothing shifted
    summary = cells(book, "Summary")
    names = {v for row in summary for v in row if isinstance(v, str)}
    head = next(i for i, row in enumerate(summary) if row[:2] == ["Use case", "Rank"])  # "Top use cases"
    top = [row[0] for row in summary[head + 1:] if isinstance(row[1], (int, float))]
    assert len(top) == 10 and set(top) <= set(HOSTILE)
    assert set(top) <= names


def test_issues_show_the_values_as_given(book: Path) -> None:
    rows = cells(book, "Issues")
    head = rows[0]
    values = [r[head.index("Value")] for r in rows[1:] if r[head.index("Column")] == "Model"]
    assert sorted(values) == sorted(HOSTILE)  # an unknown model, each reported with its value


def test_chart_caches_hold_the_names_as_given(tmp: Path) -> None:
    # The factor chart's categories are use case names; a normal workbook caches them in the chart.
    book = score(tmp, streamed=False)
    with zipfile.ZipFile(book) as zf:
        charts = [zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/charts/chart")]
    cached = set()
    for xml in charts:
        cached |= {decode_xstring(_unescape(v)) for v in re.findall(r"<c:v>(.*?)</c:v>", xml, re.S)}
    assert {n for n in HOSTILE if n in cached}, "no use case name cached in any chart"
    assert not any(v.startswith('<r><t xml:space="preserve">') for v in cached)


def _unescape(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').replace("&amp;", "&")


def test_control_characters_are_stored_with_the_format_escape(tmp: Path) -> None:
    # XML 1.0 cannot hold U+0001 or U+001B: the file holds Excel's escape (_x0001_), which Excel and
    # LibreOffice show as the character; a literal "_x0041_" is escaped in turn so it stays text.
    src = write_csv(tmp / "c.csv", ["Use Case", "Monthly API Cost", "Current Accuracy", "Latency Class"],
                    [["a\x01b\x1bc", 5000, "90%", "batch"], ["_x0041_ stays", 6000, "90%", "batch"]])
    for streamed in (False, True):
        out = tmp / f"c{int(streamed)}.xlsx"
        cfg = tmp / "s.toml"
        cfg.write_text(f"[output]\nstreaming_rows = {1 if streamed else 1000}\n")
        assert run_cli("score", src, "-o", out, "--config", cfg).code == 0
        with zipfile.ZipFile(out) as zf:
            xml = "".join(zf.read(n).decode() for n in zf.namelist() if n.endswith(".xml"))
        assert "a_x0001_b_x001B_c" in xml and "_x005F_x0041_ stays" in xml
        assert "\x01" not in xml and "\x1b" not in xml


def test_libreoffice_shows_every_hostile_text_as_given(tmp: Path) -> None:
    soffice = require_soffice(shutil.which("soffice"))
    extra = ["_x0041_ literal", "cr\rhere"]
    src = write_csv(tmp / "lo.csv", ["Use Case", "Monthly API Cost", "Current Accuracy", "Latency Class"],
                    [[h, 5000 + k, "90%", "batch"] for k, h in enumerate(HOSTILE + extra)])
    for streamed in (False, True):
        out = tmp / f"lo{int(streamed)}.xlsx"
        cfg = tmp / "s.toml"
        cfg.write_text(f"[output]\nstreaming_rows = {1 if streamed else 1000}\n")
        assert run_cli("score", src, "-o", out, "--config", cfg).code == 0
        outdir = tmp / f"out{int(streamed)}"
        # the Portfolio sheet (LibreOffice counts sheets from 1); text CSV, UTF-8, every field quoted
        wb = openpyxl.load_workbook(out, read_only=True)
        sheet = wb.sheetnames.index("Portfolio") + 1
        wb.close()
        convert(soffice, f"csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true,true,false,false,false,{sheet}", out, outdir)
        with open(outdir / f"lo{int(streamed)}-Portfolio.csv", newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        names = [r[0] for r in rows[1:len(HOSTILE) + len(extra) + 1]]
        assert names == HOSTILE + extra, names


def test_a_text_over_a_cell_is_cut_with_a_mark_never_as_xml(tmp: Path) -> None:
    # A run-shaped text grows when escaped: it must be cut as text first, then written as a run.
    long = "<r>" + "&" * 40_000 + "</r>"
    src = write_csv(tmp / "l.csv", ["Use Case", "Notes", "Monthly API Cost", "Current Accuracy", "Latency Class"],
                    [["a", long, 5000, "90%", "batch"]])
    out = tmp / "l.xlsx"
    assert run_cli("score", src, "-o", out).code == 0
    notes = openpyxl.load_workbook(out)["Portfolio"]["B2"].value
    assert len(notes) == CELL_TEXT_MAX and notes.endswith(CUT_MARK) and long.startswith(notes[: -len(CUT_MARK)])


def test_the_template_writes_config_levels_as_given(tmp: Path) -> None:
    # Config levels become drop-down values; one with a control character or a quote cannot sit in
    # an inline list formula, so the list goes to the hidden Lists sheet, written as text.
    levels = ["<r>fast</r>", "=1+1", 'a\x1bb "q"']
    cfg = tmp / "t.toml"
    body = "\n".join(f"{json.dumps(v)} = {i}" for i, v in enumerate(levels))
    cfg.write_text(f"[speed.latency_class]\n{body}\n")
    out = tmp / "t.xlsx"
    run = run_cli("template", "-o", out, "--config", cfg)
    assert run.code == 0, run.stderr
    wb = openpyxl.load_workbook(out)
    lists = wb["Lists"]
    written = [shown(c.value) for row in lists.iter_rows(min_row=2) for c in row if c.value is not None]
    assert written[-len(levels):] == levels  # after the default levels
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            assert all(c.data_type != "f" for c in row)


# --------------------------------------------------------------------------- CSV output and the terminal

RISKY = ["=1+1", "+1", "-x", "@SUM(A1)", "\t=1", "\rx", " =1", "\u00a0=1", "\u3000=1", "\u2003 \u200b+1",
         "\ufeff@x", "\n=1", "＝1+1", "＋1", "－x", "＠x", "﹦1"]
SAFE = ["a=b", "plain", "  plain", "1-2", "'=already"]


def test_csv_output_defuses_formula_starts_in_cells_and_headers(tmp: Path) -> None:
    headers = ["Use Case", "Monthly API Cost", "Current Accuracy", "Latency Class", "Notes", "=Head", "+Head",
               "＠Head", "Fine"]
    values = RISKY + SAFE
    rows = [[f"case {k}", 5000, "90%", "batch", v, v, v, v, v] for k, v in enumerate(values)]
    src = write_csv(tmp / "risky.csv", headers, rows)
    out = tmp / "out.csv"
    run = run_cli("score", src, "-o", out)
    assert run.code == 0, run.stderr
    with open(out, newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    head = table[0]
    assert {"'=Head", "'+Head", "'＠Head", "Fine", "Notes"} <= set(head), head
    for name in ("Notes", "'=Head", "'+Head", "'＠Head", "Fine"):
        j = head.index(name)
        got = [r[j] for r in table[1:len(values) + 1]]
        assert got == ["'" + v for v in RISKY] + SAFE, name


def test_the_terminal_shows_escape_sequences_never_acts_on_them(tmp: Path) -> None:
    esc = "\x1b]0;pwned\x07\x1b[2J"
    src = write_csv(tmp / "esc.csv", ["Use Case ID", "Use Case", "Monthly API Cost", "Current Accuracy",
                                      "Latency Class", "Head\x1b[31m"],
                    [["UC-1", "evil" + esc, 5000, "90%", "fast" + esc + "\r\u202e", "x"]])
    runs = {
        "validate": run_cli("validate", src),
        "columns": run_cli("columns", src),
        "score": run_cli("score", src, "-o", tmp / "o.xlsx"),
        "explain": run_cli("explain", src, "--id", "UC-1"),
        "error line": run_cli("score", tmp / "missing\x1b[2J.csv", "-o", tmp / "m.xlsx"),
    }
    for name, run in runs.items():
        for text in (run.stdout, run.stderr):
            assert not any(ch in text for ch in "\x1b\x07\r\u202e"), (name, text)
    assert "fast\\x1b]0;pwned\\x07\\x1b[2J" in runs["validate"].stdout
    assert "\\u202e" in runs["validate"].stdout
    assert "Head\\x1b[31m" in runs["columns"].stdout
    assert "missing\\x1b[2J.csv" in runs["error line"].stderr


# --------------------------------------------------------------------------- texts past Excel's limits

KEPT = CELL_TEXT_MAX - len(CUT_MARK)


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@pytest.mark.parametrize("streaming_rows", [1000, 1], ids=["normal", "streamed"])
def test_a_cell_past_excels_limit_is_cut_visibly_and_reported(tmp: Path, streaming_rows: int) -> None:
    long_note = "n" * 40_000
    long_name = "Use case " + "u" * 35_000
    emoji = "😀" * 20_000  # 20,000 characters, 40,000 UTF-16 units: Excel counts the units
    head_300 = "H" * 300
    head_long = "Header " + "h" * 40_000
    src = write_csv(tmp / "long.csv",
                    ["Use Case", "Monthly API Cost", "Current Accuracy", "Latency Class", "Notes", head_300, head_long],
                    [[long_name, 5000, "90%", "batch", long_note, emoji, "short"],
                     ["ok", 6000, "90%", "batch", "fine", "x", "y"]])
    cfg = tmp / "s.toml"
    cfg.write_text(f"[output]\nstreaming_rows = {streaming_rows}\n")
    out = tmp / "long.xlsx"
    run = run_cli("score", src, "-o", out, "--config", cfg)
    assert run.code == 0, run.stderr
    wb = openpyxl.load_workbook(out)
    port = wb["Portfolio"]
    # the header over 255 is whole; the header over a cell is cut visibly
    assert port["F1"].value == head_300
    assert port["G1"].value == head_long[:KEPT] + CUT_MARK
    # cells: the first characters, then the mark; never more than a cell holds
    assert port["A2"].value == long_name[:KEPT] + CUT_MARK
    assert port["E2"].value == long_note[:KEPT] + CUT_MARK
    assert _utf16(port["F2"].value) <= CELL_TEXT_MAX and port["F2"].value.endswith(CUT_MARK)
    assert emoji.startswith(port["F2"].value[: -len(CUT_MARK)])
    assert port["E3"].value == "fine" and port["F3"].value == "x"
    # each cut input cell has a warning on Issues naming it, and its Portfolio cell a comment
    issues = [r for r in wb["Issues"].iter_rows(values_only=True)][1:]
    cut = {r[5]: r for r in issues if r[7] and "an Excel cell holds at most 32,767" in r[7]}
    assert set(cut) == {"A2", "E2", "F2", "G1"}, sorted(cut)
    assert all(r[0] == "warning" and r[1].endswith("long.csv") for r in cut.values())
    assert "40000 characters" in cut["E2"][7] and "40000 characters" in cut["F2"][7]
    assert cut["E2"][4] == "Notes" and cut["G1"][3] == 1 and "this header holds 40,007 characters" in cut["G1"][7]
    for cell in ("A2", "E2", "F2"):
        assert "an Excel cell holds at most 32,767" in port[cell].comment.text, cell
    # Ranking shows the same cut name; Summary says how many texts were cut, and where
    ranking = cells(out, "Ranking")
    j = ranking[0].index("Use case")
    assert long_name[:KEPT] + CUT_MARK in [r[j] for r in ranking[1:]]
    notes = [r[1] for r in wb["Summary"].iter_rows(values_only=True) if r[0] == "Note"]
    assert any("longer than an Excel cell holds" in n and "Portfolio 4" in n for n in notes), notes


def test_a_csv_output_keeps_the_whole_long_text(tmp: Path) -> None:
    long_note = "n" * 40_000
    src = write_csv(tmp / "long.csv", ["Use Case", "Monthly API Cost", "Current Accuracy", "Latency Class", "Notes"],
                    [["a", 5000, "90%", "batch", long_note]])
    out = tmp / "long.csv.out.csv"
    assert run_cli("score", src, "-o", out).code == 0
    with open(out, newline="", encoding="utf-8") as fh:
        table = list(csv.reader(fh))
    assert table[1][table[0].index("Notes")] == long_note
