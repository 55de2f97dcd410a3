"""Issue 11's plumbing: xlsxtext through xlsxwriter's public API, help texts read from the shipped config.

tests/test_hostile_output.py checks what a whole run writes; these check the door itself (every way
into a TextSheet, each route a run-shaped text takes) and the help that quotes config defaults.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import run_cli
from pipeline import cli, config
from pipeline.xlsxtext import CELL_TEXT_MAX, CUT_MARK, RICH_TEXT_MAX, TextSheet, TextWorkbook, category_cache

RUN = "<r>A & <b/></r>"


def _book(tmp: Path, streaming: bool, write) -> list[list]:
    path = tmp / f"t{int(streaming)}.xlsx"
    wb = TextWorkbook(path, {"constant_memory": streaming, "strings_to_numbers": False})
    ws = wb.add_worksheet("S")
    assert isinstance(ws, TextSheet)
    write(wb, ws)
    wb.close()
    ws_read = openpyxl.load_workbook(path)["S"]
    return [list(r) for r in ws_read.iter_rows(values_only=True)]


@pytest.mark.parametrize("streaming", [False, True], ids=["normal", "streamed"])
def test_every_public_write_of_a_run_shaped_text_keeps_the_text(tmp: Path, streaming: bool) -> None:
    def write(wb, ws):
        bold = wb.add_format({"bold": True})
        ws.write_string(0, 0, RUN)
        ws.write_string(0, 1, RUN, bold)
        ws.write(0, 2, RUN)  # the write handler
        ws.write_string("D1", RUN)  # A1 notation still works
        ws.write_row(1, 0, [RUN, "plain", 3])
        ws.write_column(2, 0, [RUN, "<r>x</r>"])

    rows = _book(tmp, streaming, write)
    assert rows[0] == [RUN] * 4
    assert rows[1][:3] == [RUN, "plain", 3]
    assert [rows[2][0], rows[3][0]] == [RUN, "<r>x</r>"]


def test_a_run_shaped_cell_keeps_its_format_in_every_fragment(tmp: Path) -> None:
    path = tmp / "f.xlsx"
    wb = TextWorkbook(path)
    ws = wb.add_worksheet("S")
    ws.write_string(0, 0, RUN, wb.add_format({"bold": True}))
    wb.close()
    with zipfile.ZipFile(path) as zf:
        shared = zf.read("xl/sharedStrings.xml").decode()
    assert shared.count("<rPr><b/>") == 3  # three runs, each bold like the cell


@pytest.mark.parametrize("streaming", [False, True], ids=["normal", "streamed"])
def test_a_long_run_shaped_text_is_one_run_and_a_cut_one_is_reported(tmp: Path, streaming: bool) -> None:
    long = "<r>" + "L" * RICH_TEXT_MAX + "</r>"  # past LibreOffice's limit for a text of several runs
    specials = "<r>" + "&" * (RICH_TEXT_MAX + 10) + "</r>"  # as one run, its XML passes a string's limit
    over = "<r>" + "x" * CELL_TEXT_MAX + "</r>"

    def write(wb, ws):
        ws.write_string(0, 0, long)
        ws.write_string(1, 0, specials)
        ws.write(2, 0, over)
        assert ws.cut == [(2, 0, len(over))]

    rows = _book(tmp, streaming, write)
    assert [rows[0][0], rows[1][0]] == [long, specials]
    assert rows[2][0] == over[: CELL_TEXT_MAX - len(CUT_MARK)] + CUT_MARK


def test_table_headers_and_link_texts_refuse_a_run_shaped_text(tmp: Path) -> None:
    wb = TextWorkbook(tmp / "r.xlsx")
    ws = wb.add_worksheet("S")
    with pytest.raises(ValueError, match="table header"):
        ws.add_table(0, 0, 2, 1, {"columns": [{"header": "ok"}, {"header": RUN}]})
    with pytest.raises(ValueError, match="link's text"):
        ws.write_url(0, 0, "internal:'S'!A1", None, RUN)
    ws.add_table("A1:B3", {"columns": [{"header": "ok"}, {"header": "fine"}]})
    ws.write_url(5, 0, "internal:'S'!A1", string="A1")
    wb.close()


def test_category_cache_gives_the_shown_texts_and_nothing_when_streamed(tmp: Path) -> None:
    normal = TextWorkbook(tmp / "n.xlsx")
    streamed = TextWorkbook(tmp / "s.xlsx", {"constant_memory": True})
    long = "y" * (CELL_TEXT_MAX + 5)
    assert category_cache(normal, [RUN, None, long]) == {
        "categories_data": [RUN, None, long[: CELL_TEXT_MAX - len(CUT_MARK)] + CUT_MARK]}
    assert category_cache(streamed, [RUN]) == {}
    normal.close()
    streamed.close()


# --------------------------------------------------------------------------- help from the shipped config

def test_help_quotes_the_shipped_config() -> None:
    shipped = config.defaults()
    out = run_cli("score", "--help").stdout
    flat = " ".join(out.split())
    assert f"stability.max_draws ({shipped['stability']['max_draws']:,})" in flat
    assert f"output.lock_wait_seconds of the config, {shipped['output']['lock_wait_seconds']}" in flat
    assert "{" not in out  # every placeholder filled


def test_a_changed_default_changes_the_help(monkeypatch) -> None:
    shipped = config.defaults()
    shipped["output"]["max_lock_wait_seconds"] = 7200
    shipped["stability"]["max_draws"] = 2_500_000
    monkeypatch.setattr(config, "defaults", lambda: shipped)
    flat = " ".join(run_cli("score", "--help").stdout.split())
    assert "output.max_lock_wait_seconds, 2 hours)" in flat
    assert "stability.max_draws (2,500,000)" in flat


@pytest.mark.parametrize("seconds, said", [(86_400, "a day"), (172_800, "2 days"), (3_600, "an hour"),
                                           (5_400, "90 minutes"), (60, "a minute"), (45, "45 seconds"),
                                           (2.5, "2.5 seconds")])
def test_durations_in_words(seconds: float, said: str) -> None:
    assert cli._duration(seconds) == said
