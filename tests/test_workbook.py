"""The workbook people forward, read back with openpyxl (the command line around it: test_cli.py)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from conftest import SAMPLES, run_cli, sheet_rows, write_csv
from pipeline import config


@pytest.fixture(scope="module")
def book(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wb") / "sample.xlsx"
    run = run_cli("score", SAMPLES / "portfolio.xlsx", "-o", out)
    assert run.code == 1, run.stderr
    return out


def header_index(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value is not None}


def test_sheets_in_order(book: Path) -> None:
    assert openpyxl.load_workbook(book).sheetnames == ["Summary", "Changes", "Ranking", "Options", "Portfolio",
                                                       "Issues", "Assumptions"]


def test_ranking_is_an_excel_table_with_frozen_header_and_formats(book: Path) -> None:
    ws = openpyxl.load_workbook(book)["Ranking"]
    tables = ws.tables
    assert list(tables) == ["Ranking"]
    cols = header_index(ws)
    last = openpyxl.utils.get_column_letter(len(cols))
    assert tables["Ranking"].ref == f"A1:{last}23"  # 22 scored use cases under the header
    assert ws.freeze_panes == "D2"
    for money in ("Monthly API cost", "Annual API cost", "Net savings 12m", "Net savings 24m"):
        assert ws.cell(row=2, column=cols[money]).number_format == "$#,##0", money
    assert ws.cell(row=2, column=cols["ROI %"]).number_format == '0.0"%"'
    assert ws.cell(row=2, column=cols["Rationale"]).alignment.wrap_text
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$1"
    assert all(ws.cell(row=1, column=c).comment is not None for c in cols.values())


def test_colour_scales_on_the_scores_and_data_bars_on_savings(book: Path) -> None:
    ws = openpyxl.load_workbook(book)["Ranking"]
    cols = header_index(ws)
    kinds: dict[str, set[str]] = {}
    for rng in ws.conditional_formatting:
        for rule in rng.rules:
            for cell_range in rng.sqref.ranges:
                kinds.setdefault(openpyxl.utils.get_column_letter(cell_range.min_col), set()).add(rule.type)
    letter = lambda name: openpyxl.utils.get_column_letter(cols[name])  # noqa: E731
    for score in ("Privacy score", "Cost score", "Accuracy score", "Speed score", "Fit score"):
        assert "colorScale" in kinds[letter(score)], score
    assert "dataBar" in kinds[letter("Net savings 24m")]
    assert "cellIs" in kinds[letter("Recommendation")]


def test_summary_has_charts_and_the_numbers(book: Path) -> None:
    ws = openpyxl.load_workbook(book)["Summary"]
    assert len(ws._charts) == 4  # recommendations, net savings, the portfolio, the top use cases' factors
    facts = {row[0]: row[1:4] for row in ws.iter_rows(values_only=True) if row[0]}
    assert facts["Use cases"][0] == 26 and facts["Scored"][0] == 22 and facts["Not scored (errors)"][0] == 4
    ranking = sheet_rows(book, "Ranking")
    assert facts["Total annual API spend"][0] == pytest.approx(sum(r["Annual API cost"] or 0 for r in ranking))
    # the table's Total row: every scored row, today's monthly spend, the recommended changes' net savings
    assert facts["Total"] == (len(ranking), pytest.approx(sum(r["Monthly API cost"] or 0 for r in ranking)),
                              pytest.approx(sum(r["Net savings 24m"] or 0 for r in ranking)))


def test_summary_chart_plots_the_best_ranked_up_to_chart_points(tmp: Path) -> None:
    import zipfile

    cfg = tmp / "c.toml"
    cfg.write_text("[output]\nchart_points = 3\n")
    out = tmp / "few.xlsx"
    assert run_cli("score", SAMPLES / "portfolio.xlsx", "-o", out, "--config", cfg).code == 1
    ranked = [r for r in sheet_rows(out, "Ranking") if r["Break-even months"] is not None]
    assert len(ranked) > 3
    ws = openpyxl.load_workbook(out)["Summary"]
    data = [row[26:29] for row in ws.iter_rows(min_row=2, max_row=6, values_only=True)]
    assert data[0][0] == "Use case" and data[4] == (None, None, None)  # header, 3 points, a blank row
    assert sorted(d[0] for d in data[1:4]) == sorted(r["Use case"] for r in ranked[:3])
    with zipfile.ZipFile(out) as z:
        charts = "".join(z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart"))
    assert f"the 3 best ranked of {len(ranked)}" in charts


def test_portfolio_sets_the_annotations_apart_and_explains_headers(book: Path) -> None:
    ws = openpyxl.load_workbook(book)["Portfolio"]
    cols = header_index(ws)
    assert list(cols)[:2] == ["Use Case ID", "Use Case"]
    user_fill = ws.cell(row=1, column=cols["Notes"]).fill.fgColor.rgb
    note_fill = ws.cell(row=1, column=cols["Fit score"]).fill.fgColor.rgb
    assert user_fill != note_fill
    assert ws.cell(row=1, column=cols["Monthly API Cost ($)"]).comment.text.startswith("Read as monthly_api_cost")
    assert "carried through" in ws.cell(row=1, column=cols["Notes"]).comment.text
    assert ws.cell(row=1, column=cols["Break-even months"]).comment.text.startswith("Months until")
    # input row 9 ("lots" monthly calls) is Portfolio row 9: highlighted, the cell commented
    bad = ws.cell(row=9, column=cols["Monthly Calls"])
    assert bad.value == "lots" and "not a number" in bad.comment.text
    assert ws.cell(row=9, column=cols["Use Case"]).fill.fgColor.rgb.endswith("FFC7CE")
    assert ws.freeze_panes == "B2"


def test_issues_are_sorted_coloured_and_linked(book: Path) -> None:
    ws = openpyxl.load_workbook(book)["Issues"]
    rows = sheet_rows(book, "Issues")
    numbered = [r["Row"] for r in rows if r["Row"] is not None]
    assert numbered == sorted(numbered)
    severities = {ws.cell(row=i + 2, column=1).value: ws.cell(row=i + 2, column=1).fill.fgColor.rgb
                  for i in range(len(rows))}
    assert severities["error"] != severities["warning"]
    links = [c.hyperlink.location for c in ws["I"][1:] if c.hyperlink]
    assert "'Portfolio'!J9" in links


def test_assumptions_group_every_setting_with_a_meaning(book: Path) -> None:
    rows = sheet_rows(book, "Assumptions")
    settings = {r["Setting"]: r for r in rows}
    shipped = [key for key, _ in config.flatten(config.defaults())]
    assert "prices.step_down.gpt-4.1" in shipped  # a model name with dots: its section's meaning
    for key in shipped:  # every setting the run used, each with its meaning
        assert settings[key]["Meaning"], key
    assert len(settings["sha256"]["Value"]) == 64 and settings["ftscore version"]["Value"]


# ------------------------------------------------------------------ every row as Parquet/CSV, and past Excel's limit

def test_parquet_and_csv_hold_every_row(tmp: Path) -> None:
    import polars as pl

    run = run_cli("score", SAMPLES / "portfolio.xlsx", "-o", tmp / "all.parquet")
    assert run.code == 1, run.stderr
    table = pl.read_parquet(tmp / "all.parquet")
    assert table.height == 26 and table["source_row"].to_list()[:3] == [2, 3, 4]
    assert {"Use Case", "fit_score", "recommendation", "net_savings_24m"} <= set(table.columns)
    assert pl.read_parquet(tmp / "all-issues.parquet").filter(pl.col("severity") == "error").height == 4
    run = run_cli("score", SAMPLES / "portfolio.xlsx", "--format", "csv", "-o", tmp / "all.csv")
    assert run.code == 1
    rows = pl.read_csv(tmp / "all.csv", infer_schema=False)
    assert rows.height == 26
    notes = rows.filter(pl.col("Use Case ID") == "UC-15")["Notes"].item()
    assert notes == "'=HYPERLINK(\"http://example.com\")"  # a spreadsheet opens it as text, never a formula
    assert run_cli("score", SAMPLES / "portfolio.xlsx", "--format", "csv", "-o", tmp / "x.xlsx").code == 2


def test_a_portfolio_past_excels_row_limit_still_writes(tmp: Path, monkeypatch) -> None:
    import polars as pl

    from pipeline import config, workbook
    from pipeline.jobs import score_job

    monkeypatch.setattr(workbook, "EXCEL_DATA_ROWS", 10)  # a sheet that holds 10 rows stands in for 1,048,575
    out = tmp / "big.xlsx"
    outcome = score_job([SAMPLES / "portfolio.xlsx"], out, config.load(), read_options={})
    assert outcome.error is None and outcome.code == 1
    assert [p.name for p in outcome.written] == ["big.xlsx", "big.parquet", "big-issues.parquet", "big-options.parquet"]
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", "Changes", "Ranking", "Options", "Issues", "Assumptions"]
    assert len(sheet_rows(out, "Ranking")) == 10
    facts = {row[0]: row[1] for row in wb["Summary"].iter_rows(values_only=True) if row[0]}
    assert "big.parquet" in facts["Every row"] and "top 10 of 22" in facts["Every row"]
    assert pl.read_parquet(tmp / "big.parquet").height == 26


def normal_and_streamed(tmp: Path, streaming_rows: int) -> tuple[Path, Path]:
    """The sample scored twice: as usual, and streamed from streaming_rows rows."""
    normal, streamed = tmp / "normal.xlsx", tmp / "streamed.xlsx"
    cfg = tmp / "stream.toml"
    cfg.write_text(f"[output]\nstreaming_rows = {streaming_rows}\n")
    assert run_cli("score", SAMPLES / "portfolio.xlsx", "-o", normal).code == 1
    assert run_cli("score", SAMPLES / "portfolio.xlsx", "-o", streamed, "--config", cfg).code == 1
    return normal, streamed


def test_streaming_workbook_has_the_same_values(tmp: Path) -> None:
    normal, streamed = normal_and_streamed(tmp, 1)
    for sheet in ("Ranking", "Portfolio", "Issues"):
        assert sheet_rows(normal, sheet) == sheet_rows(streamed, sheet), sheet
    ws = openpyxl.load_workbook(streamed)["Ranking"]
    assert not ws.tables and ws.auto_filter.ref
    portfolio = openpyxl.load_workbook(streamed)["Portfolio"]
    assert "not a number" in portfolio["J9"].comment.text


def test_streamed_rows_get_heights_only_up_to_streaming_rows(tmp: Path) -> None:
    # The writer keeps every row height for the whole run; a streamed workbook sets them only
    # for the first streaming_rows data rows, so memory stays flat at a million rows.
    normal, streamed = normal_and_streamed(tmp, 5)
    for sheet in ("Ranking", "Portfolio"):
        def tall(path: Path) -> set[int]:
            dims = openpyxl.load_workbook(path)[sheet].row_dimensions
            return {r for r, d in dims.items() if r > 1 and d.height and d.height > 15}

        everywhere = tall(normal)
        assert any(r > 6 for r in everywhere) and any(r <= 6 for r in everywhere), sheet
        assert tall(streamed) == {r for r in everywhere if r <= 6}, sheet  # header row 1, data rows 2-6
    notes = [row[1] for row in openpyxl.load_workbook(streamed)["Summary"].iter_rows(values_only=True)
             if row[0] == "Note"]
    assert any("past the first 5 are one line high" in note for note in notes), notes


@pytest.mark.parametrize("streaming_rows", [20000, 1])
def test_numbers_in_a_text_column_go_back_as_numbers(tmp: Path, streaming_rows: int) -> None:
    # "lots" makes Monthly Calls a text column; its numbers still reach Portfolio as numbers,
    # codes with a leading zero stay text, and a highlighted row keeps its numbers too.
    src = write_csv(tmp / "mixed.csv", ["Use Case", "Monthly Calls", "Code", "Data Sensitivity"], [
        ["A", "12500", "007", "internal"],
        ["B", "lots", "12", "internal"],
        ["C", "1.5", "x", "top secret"],
        ["D", "", "", "internal"],
    ])
    cfg = tmp / "c.toml"
    cfg.write_text(f"[output]\nstreaming_rows = {streaming_rows}\n")
    out = tmp / "mixed.xlsx"
    assert run_cli("score", src, "-o", out, "--config", cfg).code == 1
    rows = {r["Use Case"]: r for r in sheet_rows(out, "Portfolio")}
    assert rows["A"]["Monthly Calls"] == 12500 and rows["A"]["Code"] == "007"
    assert rows["B"]["Monthly Calls"] == "lots" and rows["B"]["Code"] == 12
    assert rows["C"]["Monthly Calls"] == 1.5 and rows["C"]["Code"] == "x"  # C is highlighted (bad sensitivity)
    assert rows["D"]["Monthly Calls"] is None
    ws = openpyxl.load_workbook(out)["Portfolio"]
    fill = ws["B4"].fill.fgColor.rgb
    assert fill not in (None, "00000000") and ws["B2"].fill.fgColor.rgb != fill  # C (row 4) highlighted, A not
    assert ws["D5"].value == "internal" and ws["B5"].value is None


def test_links_stop_at_excels_limit_and_the_address_stays(tmp: Path, monkeypatch) -> None:
    from pipeline import config, workbook
    from pipeline.run import score_file

    monkeypatch.setattr(workbook, "MAX_LINKS", 2)  # stands in for Excel's 65,530 links per sheet
    out = workbook.write(score_file(SAMPLES / "portfolio.xlsx", config.load()), tmp / "links.xlsx")
    cells = [c for c in openpyxl.load_workbook(out)["Issues"]["I"][1:] if c.value]
    assert len([c for c in cells if c.hyperlink]) == 2
    assert len(cells) > 2 and all(c.value.startswith(("A", "B", "J", "P")) for c in cells)


def test_a_lean_result_writes_the_same_workbook(tmp: Path) -> None:
    # `ftscore score` keeps only the columns the outputs show (detail=False); every sheet must
    # hold what the full result gives, with --stability and --budget columns too.
    from pipeline import config, workbook
    from pipeline.run import score_files

    cfg = config.load()
    books = []
    for detail in (True, False):
        result = score_files([SAMPLES / "portfolio.xlsx"], cfg, draws=50, budget=100_000, detail=detail)
        books.append(workbook.write(result, tmp / f"{detail}.xlsx"))
        if not detail:
            assert "__accuracy_why" not in result.ranking.columns and "p_top10" in result.ranking.columns
    for sheet in ("Summary", "Ranking", "Portfolio", "Issues"):
        same = [[r for r in sheet_rows(book, sheet) if "Run at (UTC)" not in r.values()] for book in books]
        # the sample has 5 issues (v1 also noted its default fine-tuning costs: 6)
        assert same[0] == same[1] and len(same[0]) >= 5, sheet


def test_the_input_as_read_is_let_go_once_every_row_is_in_portfolio_and_its_count_kept(tmp_path: Path) -> None:
    """At 1,000,000 rows the input as read holds ~390 MB beside Portfolio, which has every row by then:
    the run empties it, and the workbook still says how many rows were read."""
    from pipeline.run import score_file

    result = score_file(SAMPLES / "portfolio.xlsx", config.load())
    table = result.sources[0].table
    assert table.frame.height == 0 and table.frame.columns[0]  # its columns stay
    assert table.rows == result.portfolio.height == 26
    out = tmp_path / "scored.xlsx"
    assert run_cli("score", SAMPLES / "portfolio.xlsx", "-o", out, "--history", "off").code == 1
    wb = openpyxl.load_workbook(out, read_only=True)
    facts = {r[1]: r[2] for r in wb["Assumptions"].iter_rows(values_only=True) if r[0] == "input"}
    wb.close()
    assert facts["use cases"] == 26
