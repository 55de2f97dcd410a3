"""The Options sheet and the -options export (SPEC section 7): one row per scored use case and option.

The scored frame is made as the run will make it once issue 12 is wired: a real input scored by
run.score_file, then decide.max_latency, prices.option_prices, options.options and decide.decide on
its ranking. Rows: SPEC 6a example 2 (setup $20,000, $2,000 a month given, API $10,000 a month),
whose fine-tuned option breaks even at 5.5 months with $47,000 / $133,000 net (example 6), and
example 12 (100,000 calls of 50,000 + 500 tokens, $13,000 a month, batch, no catalog batch price:
the batch API saves $151,000 over 24 months), and example 9 (a max latency of 0.3 s: the API is not
allowed, an open model on own GPUs nets -$103,665 over 24 months).
"""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pipeline import config, decide, export, options, prices, workbook
from pipeline.core import ROW
from pipeline.options import OPTIONS, long_columns, long_frame
from pipeline.run import score_file
from tests.conftest import write_csv

HEADERS = ["Use Case ID", "Use Case", "Business Unit", "Model", "Monthly Calls", "Input Tokens", "Output Tokens",
           "Input Price per 1K ($)", "Output Price per 1K ($)", "Monthly API Cost ($)", "Current Accuracy",
           "Target Accuracy", "Latency Class", "Fine-tune Setup Cost ($)", "Fine-tune Monthly Cost ($)",
           "Usage Growth %", "Data Sensitivity", "Max Latency (s)"]
ROWS = [
    # example 2 / 6: the fine-tuned model on own GPUs at the given running cost
    ["EX-2", "Claims triage", "Claims", None, None, None, None, None, None, 10_000, 0.95, 0.95, "quick", 20_000,
     2_000, 0, "internal", None],
    # example 12: example 1's use case, batch work, priced per 1K on the row (no catalog batch price)
    ["EX-12", "=Call summaries", "Service", "my-model", 100_000, 50_000, 500, 0.0025, 0.01, None, 0.95, 0.95, "batch",
     None, None, 0, "internal", None],
    # example 9: a max latency of 0.3 s rules today's API out (it starts in 0.5 s): Self-host
    ["EX-9", "Fraud check", "Risk", None, 1_000_000, 500, 60, None, None, 2_000, 0.95, 0.95, None, None, None, 0,
     "internal", 0.3],
]
CFG = config.load()


def scored_result(tmp: Path):
    """score_file's Result with its ranking carrying the option and decision columns."""
    src = write_csv(tmp / "portfolio.csv", HEADERS, ROWS)
    return score_file(src, CFG)  # the run prices the options and decides (rank.decide)


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return scored_result(tmp_path_factory.mktemp("options"))


@pytest.fixture(scope="module")
def book(result, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book") / "scored.xlsx"
    workbook.write(result, out)
    return out


def _sheet(path: Path) -> tuple[list, list[list]]:
    wb = openpyxl.load_workbook(path)
    ws = wb["Options"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    facts = {"freeze": ws.freeze_panes, "filter": ws.auto_filter.ref, "sheets": wb.sheetnames,
             "fills": [r[0].fill.fgColor.rgb for r in ws.iter_rows(min_row=2)]}
    wb.close()
    return rows, facts


def test_the_long_frame_has_five_rows_per_use_case_in_order(result):
    frame = long_frame(result.ranking, CFG, row=ROW)
    assert frame.height == len(OPTIONS) * result.ranking.height == 15
    assert frame.get_column("option_key").to_list() == list(OPTIONS) * 3
    assert frame.get_column("use_case_id").to_list()[:5] == [result.ranking["use_case_id"][0]] * 5
    names = [k for k in ("use_case_id", "use_case", "business_unit", "source_row")] + list(long_columns(CFG))
    assert frame.columns == names
    assert "net_savings_24m" in frame.columns and "{horizon}" not in frame.columns


def test_the_long_frame_carries_each_options_values(result):
    frame = long_frame(result.ranking, CFG, row=ROW)
    ex2 = {r["option_key"]: r for r in frame.filter(pl.col("use_case_id") == "EX-2").iter_rows(named=True)}
    ft = ex2["self_host_finetune"]
    assert (ft["break_even_months"], ft["net_savings_12m"], ft["net_savings_24m"], ft["roi_pct"]) == (
        5.5, 47_000, 133_000, 665)
    assert (ft["offered"], ft["one_off_cost"], ft["monthly_cost_first_month"], ft["source_row"]) == ("yes", 20_000, 2_000, 2)
    assert ex2["api"]["total_cost_24m"] == 240_000 and ex2["api"]["net_savings_24m"] == 0
    assert ex2["api_optimised"]["offered"] == "no" and ex2["api_optimised"]["why_not_offered"].startswith("no batch")
    ex12 = {r["option_key"]: r for r in frame.filter(pl.col("use_case_id") == "EX-12").iter_rows(named=True)}
    assert ex12["api_optimised"]["net_savings_24m"] == 151_000 and ex12["api_optimised"]["chosen"] == "yes"
    assert sum(r["chosen"] == "yes" for r in ex12.values()) == 1
    assert {r["allowed"] for r in frame.iter_rows(named=True)} <= {"yes", "no"}


def test_a_frame_without_decide_columns_leaves_them_empty(result):
    bare = result.ranking.drop([c for c in result.ranking.columns
                                if c.endswith(("__allowed", "__why_not_allowed", "__latency_s")) or c == "best_option"])
    frame = long_frame(bare, CFG, row=ROW)
    assert frame.height == 15 and frame["allowed"].null_count() == 15 and frame["chosen"].null_count() == 15


def test_the_options_sheet_follows_ranking_with_filter_frozen_header_and_the_chosen_row_filled(book):
    rows, facts = _sheet(book)
    assert facts["sheets"][:4] == ["Summary", "Changes", "Ranking", "Options"]
    assert facts["freeze"] == "C2"
    assert facts["filter"] == f"A1:{openpyxl.utils.get_column_letter(len(rows[0]))}{len(rows)}"
    head = rows[0]
    # the columns printed first (output.print_columns: the option and its money), the others after them
    assert head[:4] == ["Use case ID", "Use case", "Option", "Offered"]
    assert {"Business unit", "Source row", "Option key", "Why not offered", "Why not allowed", "ROI %"} <= set(head)
    data = [dict(zip(head, r)) for r in rows[1:]]
    assert len(data) == 15
    chosen = [r["Chosen"] == "yes" for r in data]
    assert sum(chosen) == len(data) // len(OPTIONS)  # one chosen option per use case, its row filled
    assert [f == "FF" + workbook.CHOSEN_FILL[1:] for f in facts["fills"]] == chosen


def test_the_options_sheet_values_and_why_not(book, result):
    rows, _ = _sheet(book)
    data = {(d["Use case ID"], d["Option"]): d for d in (dict(zip(rows[0], r)) for r in rows[1:])}
    ft = data[("EX-2", options.OPTION_LABELS["self_host_finetune"])]
    assert (ft["Break-even months"], ft["Net savings 12m"], ft["Net savings 24m"], ft["ROI %"]) == (5.5, 47_000,
                                                                                                   133_000, 665)
    assert ft["One-off cost"] == 20_000 and ft["Offered"] == "yes" and ft["Why not offered"] is None
    opt = data[("EX-2", options.OPTION_LABELS["api_optimised"])]
    assert opt["Offered"] == "no" and opt["Why not offered"].startswith("no batch price")
    batch = data[("EX-12", options.OPTION_LABELS["api_optimised"])]
    assert batch["Chosen"] == "yes" and batch["Net savings 24m"] == 151_000 and batch["Allowed"] == "yes"
    assert batch["Use case"] == "=Call summaries"  # text, never a formula
    best = result.ranking.filter(pl.col("use_case_id") == "EX-2")["best_option"][0]
    assert data[("EX-2", options.OPTION_LABELS[best])]["Chosen"] == "yes"
    api = data[("EX-9", options.OPTION_LABELS["api"])]
    assert api["Allowed"] == "no" and "over the max latency of 0.3 s" in api["Why not allowed"]
    assert api["Latency (s)"] == 0.5 and data[("EX-9", options.OPTION_LABELS["self_host_open"])]["Latency (s)"] == 0.15
    hosted = data[("EX-9", options.OPTION_LABELS["self_host_open"])]
    assert hosted["Chosen"] == "yes" and hosted["Net savings 24m"] == -103_665


def test_the_money_cells_carry_the_ranking_formats(book):
    wb = openpyxl.load_workbook(book)
    ws = wb["Options"]
    head = [c.value for c in ws[1]]
    for name, shown in (("Net savings 24m", "$#,##0"), ("One-off cost", "$#,##0"), ("Break-even months", "0.0"),
                        ("ROI %", '0.0"%"'), ("Latency (s)", "0.0#")):
        cells = [r[0] for r in ws.iter_rows(min_row=2, min_col=head.index(name) + 1, max_col=head.index(name) + 1)
                 if r[0].value is not None]
        assert cells and {c.number_format for c in cells} == {shown}, name
    wb.close()


def without_options(result):
    """The result as a run that kept no option columns would give it."""
    return replace(result, ranking=result.ranking.drop([c for c in options.long_inputs() if "__" in c], strict=False))


def test_no_options_sheet_without_the_option_columns(result, tmp_path):
    out = workbook.write(without_options(result), tmp_path / "plain.xlsx")
    assert "Options" not in openpyxl.load_workbook(out, read_only=True).sheetnames


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_the_export_writes_the_options_file_beside_the_table(result, tmp_path, kind):
    paths = export.write_table(result, tmp_path / f"scored.{kind}", kind)
    assert [p.name for p in paths] == [f"scored.{kind}", f"scored-issues.{kind}", f"scored-options.{kind}"]
    expected = long_frame(result.ranking, CFG, row=ROW)
    if kind == "parquet":
        got = pl.read_parquet(paths[2])
        assert got.columns == expected.columns and got.height == 15
        assert got.equals(expected)
        # pyarrow reads it with the types pyarrow's own writer gave it (polars writes it now: faster)
        import pyarrow.parquet as pq
        arrow = pq.read_table(paths[2])
        assert arrow.schema.equals(expected.to_arrow(compat_level=pl.CompatLevel.oldest()).schema)
        assert pl.from_arrow(arrow).equals(expected)
    else:
        with open(paths[2], newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        assert rows[0] == expected.columns and len(rows) == 16
        assert "'=Call summaries" in [r[1] for r in rows[1:]]  # a formula start defused


@pytest.mark.parametrize("kind", ["parquet", "csv"])
@pytest.mark.parametrize("chunk", [1, 2])
def test_the_options_file_written_in_parts_is_the_same(result, tmp_path, monkeypatch, kind, chunk):
    """The options table goes out options.LONG_AT_ONCE use cases at a time (a million use cases' table
    at once held ~2 GB): the same file as written whole, one header in the CSV."""
    whole = export.write_table(result, tmp_path / f"whole.{kind}", kind)[2]
    monkeypatch.setattr(options, "LONG_AT_ONCE", chunk)
    parts = export.write_table(result, tmp_path / f"parts.{kind}", kind)[2]
    if kind == "parquet":
        assert pl.read_parquet(parts).equals(pl.read_parquet(whole))
    else:
        assert parts.read_bytes() == whole.read_bytes()


def test_the_export_writes_no_options_file_without_the_option_columns(result, tmp_path):
    paths = export.write_table(without_options(result), tmp_path / "scored.parquet", "parquet")
    assert [p.name for p in paths] == ["scored.parquet", "scored-issues.parquet"]


def test_options_past_a_sheet_go_to_the_companion_with_a_note_on_summary(result, tmp_path, monkeypatch):
    from pipeline.jobs import _write_output

    monkeypatch.setattr(workbook, "EXCEL_DATA_ROWS", 7)  # a sheet of 7 rows stands in for 1,048,575
    out = tmp_path / "big.xlsx"
    written = _write_output(result, out, "xlsx")
    assert [p.name for p in written] == ["big.xlsx", "big.parquet", "big-issues.parquet", "big-options.parquet"]
    assert pl.read_parquet(tmp_path / "big-options.parquet").equals(long_frame(result.ranking, CFG, row=ROW))
    wb = openpyxl.load_workbook(out)
    assert "Portfolio" in wb.sheetnames  # the portfolio itself fits
    assert wb["Options"].max_row == 1 + 7
    facts = {row[0]: row[1] for row in wb["Summary"].iter_rows(values_only=True) if row[0]}
    assert "15 option rows" in facts["Every option"] and "big-options.parquet" in facts["Every option"]
    wb.close()


def test_an_options_csv_is_recognised_and_not_read_as_a_portfolio(result, tmp_path):
    from pipeline import own
    from pipeline.read import ReadError

    paths = export.write_table(result, tmp_path / "nightly.csv", "csv")
    assert own.detect(paths[2]).kind == "options" and own.detect(paths[0]).kind == "table"
    with pytest.raises(ReadError, match="options file"):
        score_file(paths[2], CFG)


def test_long_inputs_are_all_long_frame_reads(result):
    keys = ["use_case_id", "use_case", "business_unit", ROW]
    kept = result.ranking.select(*keys, *options.long_inputs())
    assert long_frame(kept, CFG, row=ROW).equals(long_frame(result.ranking, CFG, row=ROW))


def test_every_options_header_reads_back_as_its_column_name(book):
    from pipeline.columns import normalise

    rows, _ = _sheet(book)
    names = list(long_columns(CFG))
    heads = [h for h in rows[0] if h not in ("Use case ID", "Use case", "Business unit", "Source row")]
    assert sorted(normalise(h) for h in heads) == sorted(normalise(n) for n in names)  # in the printed order
    assert "Monthly cost month 24" in heads and "Total cost 24m" in heads


def test_a_twelve_month_horizon_has_one_net_savings_column():
    cfg = config.validate({**CFG, "money": {**CFG["money"], "horizon_months": 12}})
    names = list(long_columns(cfg))
    assert names.count("net_savings_12m") == 1 and "total_cost_12m" in names and "monthly_cost_month_12" in names


def test_a_streamed_workbook_has_the_same_options_sheet(result, book, tmp_path):
    streamed = workbook.write(result, tmp_path / "streamed.xlsx", streaming=True)
    rows, facts = _sheet(streamed)
    plain_rows, plain_facts = _sheet(book)
    assert rows == plain_rows and facts == plain_facts


def test_no_scored_rows_give_an_empty_long_frame_with_every_column(result):
    frame = long_frame(result.ranking.clear(), CFG, row=ROW)
    assert frame.height == 0 and frame.columns == long_frame(result.ranking, CFG, row=ROW).columns


@pytest.mark.parametrize("chunk", [1, 2])
def test_written_in_chunks_the_options_sheet_is_the_same(result, book, tmp_path, monkeypatch, chunk):
    """Big portfolios build and write the sheet options.LONG_AT_ONCE use cases at a time: the same cells,
    fills, filter and column widths as one frame (widths from every chunk, not the first)."""
    def widths(path: Path) -> dict:
        wb = openpyxl.load_workbook(path)
        out = {k: d.width for k, d in wb["Options"].column_dimensions.items()}
        wb.close()
        return out

    monkeypatch.setattr(options, "LONG_AT_ONCE", chunk)
    chunked = workbook.write(result, tmp_path / "chunked.xlsx")
    assert _sheet(chunked) == _sheet(book)
    assert widths(chunked) == widths(book)


def test_a_chunk_cut_at_the_sheets_last_row_writes_no_row_past_it(result, tmp_path, monkeypatch):
    monkeypatch.setattr(workbook, "EXCEL_DATA_ROWS", 7)  # 7 rows: the second use case's third option is the last
    monkeypatch.setattr(options, "LONG_AT_ONCE", 1)
    rows, facts = _sheet(workbook.write(result, tmp_path / "cut.xlsx"))
    whole = long_frame(result.ranking, CFG, row=ROW).head(7)
    assert len(rows) == 1 + 7 and facts["filter"].endswith("8")
    assert [r[rows[0].index("Option")] for r in rows[1:]] == whole.get_column("option").to_list()
