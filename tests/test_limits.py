"""Limits: numbers too large for their column, computed money that overflows, bounded options and
config keys, wide inputs and Excel's 16,384 columns (issue 10, points 6, 7 and 10).

Every test writes a real file, runs the command line and reads what it wrote.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from conftest import SAMPLES, run_cli, sheet_rows, write_csv
from pipeline import issues as issues_mod

HEADERS = ["Use Case ID", "Use Case", "Monthly API Cost", "Monthly Calls", "Input Tokens", "Output Tokens",
           "Input Price per 1K", "Output Price per 1K"]
GOOD = ["UC-1", "Fine row", "5000", "", "", "", "", ""]


def issues(path: Path) -> list[dict]:
    return sheet_rows(path, "Issues")


def portfolio_header(path: Path) -> list:
    wb = openpyxl.load_workbook(path, read_only=True)
    header = next(wb["Portfolio"].iter_rows(min_row=1, max_row=1, values_only=True))
    wb.close()
    return list(header)


def cell_texts(path: Path, sheet: str) -> list[str]:
    wb = openpyxl.load_workbook(path, read_only=True)
    texts = [v for row in wb[sheet].iter_rows(values_only=True) for v in row if isinstance(v, str)]
    wb.close()
    return texts


def wide_csv(path: Path, columns: int, rows: int) -> Path:
    """use_case_id, use_case, monthly_api_cost, then carried columns up to `columns` in all."""
    head = ["use_case_id", "use_case", "monthly_api_cost"] + [f"extra {i}" for i in range(4, columns + 1)]
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        for r in range(rows):
            w.writerow([f"UC-{r}", f"case {r}", str(1000 * (r + 1))] + [str(i % 97) for i in range(4, columns + 1)])
    return path


# ------------------------------------------------------------------ point 7: Excel's last column
def test_columns_past_excels_last_column_are_not_dropped_silently(tmp):
    """16,380 columns + the annotation columns do not fit in 16,384: the annotations stay on Portfolio,
    the user's columns that do not fit are in the Parquet file beside it, and Issues and Summary say so."""
    src = wide_csv(tmp / "wide.csv", 16_380, 2)
    out = tmp / "wide-scored.xlsx"
    r = run_cli("score", src, "-o", out)
    assert r.code == 0, r.stderr
    header = portfolio_header(out)
    assert len(header) <= 16_384
    assert "Fit score" in header and "Recommendation" in header and "Rank" in header
    assert header[-1] == "Rank in unit"
    kept_user = header.index("Source row")
    assert header[:3] == ["use_case_id", "use_case", "monthly_api_cost"]
    assert kept_user == 16_384 - (len(header) - kept_user)
    # every column is in the companion Parquet file
    companion = out.with_suffix(".parquet")
    assert companion.exists()
    every = pl.read_parquet(companion)
    assert [c for c in every.columns if c.startswith("extra ")][-1] == "extra 16380"
    assert every.height == 2 and every.get_column("extra 16380").to_list() == [16380 % 97] * 2
    left_out = 16_380 - kept_user
    warned = [i for i in issues(out) if i["Severity"] == "warning" and "columns" in (i["Problem"] or "")]
    assert len(warned) == 1, issues(out)
    problem = warned[0]["Problem"]
    assert f"{left_out:,}" in problem and companion.name in problem and "extra 16380" in problem
    summary = cell_texts(out, "Summary")
    assert any(companion.name in v and f"{left_out:,}" in v for v in summary), summary


def test_a_portfolio_that_fits_gets_no_companion_and_no_column_warning(tmp):
    src = wide_csv(tmp / "fits.csv", 300, 2)
    out = tmp / "fits-scored.xlsx"
    r = run_cli("score", src, "-o", out)
    assert r.code == 0, r.stderr
    header = portfolio_header(out)
    assert header[:3] == ["use_case_id", "use_case", "monthly_api_cost"] and "extra 300" in header
    assert not out.with_suffix(".parquet").exists()
    assert not [i for i in issues(out) if "columns" in (i["Problem"] or "")]


# ------------------------------------------------------------------ point 6: numbers out of range
def score_rows(tmp: Path, bad: list, *extra) -> tuple:
    """A real CSV with a good row 2 and the bad row 3; scored through the command line."""
    src = write_csv(tmp / "limits.csv", HEADERS, [GOOD, bad])
    out = tmp / "limits-scored.xlsx"
    return run_cli("score", src, "-o", out, *extra), out


def errors_of_row(out: Path, row: int) -> list[dict]:
    return [i for i in issues(out) if i["Severity"] == "error" and i["Row"] == row]


@pytest.mark.parametrize("bad, cell, words", [
    (["UC-2", "Huge spend", "1e18", "", "", "", "", ""], "C3", "too large"),  # 1e18 USD a month
    (["UC-2", "Huge spend", "$2,000,000,000,000", "", "", "", "", ""], "C3", "too large"),
    (["UC-2", "2^70 calls", "", str(2**70), "500", "200", "0.01", "0.03"], "D3", "too large"),  # monthly_calls
    (["UC-2", "Huge prompt", "", "1000", "5e9", "200", "0.01", "0.03"], "E3", "too large"),  # input_tokens
])
def test_a_number_too_large_for_its_column_is_an_error_naming_its_cell(tmp, bad, cell, words):
    r, out = score_rows(tmp, bad)
    assert r.code == 1, r.stderr
    found = errors_of_row(out, 3)
    assert [i["Cell"] for i in found] == [cell], found
    assert words in found[0]["Problem"]
    assert "UC-1" in {x["Use case ID"] for x in sheet_rows(out, "Ranking")}


@pytest.mark.parametrize("text", ["inf", "-inf", "Infinity", "1e400", "$1e999"])
def test_infinite_or_overflowing_text_is_an_unreadable_amount(tmp, text):
    r, out = score_rows(tmp, ["UC-2", "Odd spend", text, "", "", "", "", ""])
    assert r.code == 1, r.stderr
    found = errors_of_row(out, 3)
    assert [i["Cell"] for i in found] == ["C3"], found
    assert "not an amount" in found[0]["Problem"] and found[0]["Value"] == text


def test_nan_is_unreadable_where_the_config_does_not_call_it_missing(tmp):
    cfg = tmp / "strict.toml"
    cfg.write_text('[input]\nmissing = ["", "n/a", "-"]\n')
    r, out = score_rows(tmp, ["UC-2", "NaN spend", "nan", "", "", "", "", ""], "--config", cfg)
    assert r.code == 1, r.stderr
    assert [i["Cell"] for i in errors_of_row(out, 3)] == ["C3"]


def test_an_options_money_past_the_limit_is_an_error_at_its_cell_never_on_the_options_sheet(tmp):
    """Today's cost is given ($5,000), so nothing overflows before the options are priced; but own GPUs
    for 1e13 calls of 2e9 tokens a month need ~1.9e13 GPUs, some $3.8e16 a month, past money.max_amount.
    The row is an error at its Monthly Calls cell (the first of its hosting inputs the file has), not a
    row of huge numbers on the Options sheet; the fine row is scored as before."""
    headers = HEADERS + ["Latency Class"]
    rows = [GOOD + ["quick"], ["UC-2", "Enormous", "5000", "1e13", "1e9", "1e9", "", "", "quick"],
            ["UC-3", "Enormous batch", "5000", "1e13", "1e9", "1e9", "", "", "batch"]]
    src = write_csv(tmp / "enormous.csv", headers, rows)
    out = tmp / "enormous-scored.xlsx"
    r = run_cli("score", src, "-o", out)
    assert r.code == 1, r.stderr + r.stdout
    # 1e13 x 2e9 tokens / (730 x 3,600 s) x 3 / 1,200 usable tokens/s per GPU, x $2.50 x 730 h x 1.1
    gpus = 1e13 * 2e9 / (730 * 3_600) * 3 / 1_200
    for row in (3, 4):
        found = errors_of_row(out, row)
        assert [i["Cell"] for i in found] == [f"D{row}"], found
        assert "of the option 'Open model, own GPUs'" in found[0]["Problem"]
        assert "money.max_amount" in found[0]["Problem"] and "check monthly_calls" in found[0]["Problem"]
    said = float(re.search(r"first month's cost of the option '[^']+' \(([^)]+)\)", errors_of_row(out, 3)[0]["Problem"])[1])
    assert said == pytest.approx(math.ceil(gpus) * 2.5 * 730 * 1.1 + 500 + 3_750, rel=1e-9)
    options = sheet_rows(out, "Options")
    assert {o["Use case ID"] for o in options} == {"UC-1"} and len(options) == 5
    amounts = [v for o in options for v in o.values() if isinstance(v, (int, float))]
    assert all(abs(v) <= 1e15 for v in amounts)
    assert [x["Use case ID"] for x in sheet_rows(out, "Ranking")] == ["UC-1"]


@pytest.mark.parametrize("shown", [False, True])
def test_decided_a_few_rows_at_a_time_the_run_is_the_same(tmp, monkeypatch, shown):
    """Big portfolios are scored and decided DECIDED_AT_ONCE rows at a time: the same ranking, issues
    and Portfolio as all at once, with rows left out for overflow in some slices and not others."""
    from pipeline import config, run
    headers = HEADERS + ["Latency Class"]
    rows = [GOOD + ["quick"], ["UC-2", "Enormous", "5000", "1e13", "1e9", "1e9", "", "", "quick"],
            ["UC-3", "Runaway", "1e12", "", "", "", "", "", "batch"], ["UC-4", "Fine too", "800", "", "", "", "", "", ""]]
    src = write_csv(tmp / "enormous.csv", headers, rows)
    inputs = [SAMPLES / "portfolio.csv", src]
    whole = run.score_files(inputs, config.load(), detail=not shown, price_date=None)
    monkeypatch.setattr(run, "DECIDED_AT_ONCE", 3)
    sliced = run.score_files(inputs, config.load(), detail=not shown, price_date=None)
    assert whole.ranking.height > 20 and whole.error_rows >= 3
    assert sliced.ranking.equals(whole.ranking)
    assert sliced.issues.equals(whole.issues)
    assert sliced.portfolio.equals(whole.portfolio)


def _two_inputs(tmp: Path) -> list[Path]:
    """The sample and a second file with a row of each kind: scored, an error, scored with a number
    among its texts (written back as a number), a long text."""
    rows = [GOOD + ["12"], ["UC-2", "Broken", "not money", "", "", "", "", "", "words"],
            ["UC-3", "Fine too", "800", "", "", "", "", "", "x" * 300], ["UC-4", "Also fine", "900", "", "", "", "", "", "7"]]
    return [SAMPLES / "portfolio.csv", write_csv(tmp / "second.csv", HEADERS + ["Notes"], rows)]


def test_portfolio_is_made_from_the_ranking_a_part_at_a_time(tmp):
    """Result holds the input rows and each one's place in the ranking, not Portfolio's annotation
    columns: a part of Portfolio shows each scored row's own ranking values, an error row its error,
    and the parts in order are the whole."""
    from pipeline import config, run
    from pipeline.core import ANNOTATION_PREFIX, KEY
    done = run.score_files(_two_inputs(tmp), config.load())
    whole = done.portfolio
    assert whole.columns == done.portfolio_columns and whole.height == done.rows == 30
    assert pl.concat(list(done.portfolio_parts(4))).equals(whole)
    assert len(list(done.portfolio_parts(4))) == 8
    names = ["recommendation", "best_option", "rationale", "next_step", "fit_score", "rank"]
    shown = whole.select(*KEY, *[pl.col(ANNOTATION_PREFIX + n).alias(n) for n in names])
    scored = shown.join(done.ranking.select(*KEY, *names), on=KEY, how="inner")
    assert scored.height == done.ranking.height >= 20
    for n in names:
        assert scored.get_column(n).equals(scored.get_column(f"{n}_right"), null_equal=True), n
    errors = shown.join(done.ranking.select(KEY), on=KEY, how="anti")
    assert errors.height == done.error_rows >= 2
    assert errors.get_column("rationale").str.starts_with("not scored: ").all()
    assert errors.get_column("recommendation").is_null().all()
    broken = errors.filter((pl.col(run.SRC) == 1) & (pl.col(run.ROW) == 3))  # UC-2: "not money"
    assert broken.height == 1 and "not scored: " in broken.get_column("rationale").item()


def test_few_valued_input_texts_are_held_as_categories_and_shown_as_text(tmp):
    """The input rows hold a text column that repeats a few values as categories (4 bytes a row, not
    16 and its letters); Portfolio, the workbook's sheet and the parquet table show it as the text read."""
    from pipeline import config, core, run
    kinds = ["North", "South", "East"]
    rows = [[f"UC-{i}", f"Case {i}", str(1000 + i), "", "", "", "", "", kinds[i % 3], f"note {i}"] for i in range(40)]
    src = write_csv(tmp / "regions.csv", HEADERS + ["Region", "Note"], rows)
    done = run.score_files([src], config.load())
    held = done.input_rows.schema
    assert held["Region"] == pl.Categorical and held["Note"] == pl.String  # 40 distinct notes: kept as text
    assert held["Use Case ID"] == pl.String
    shown = done.portfolio
    assert shown.schema["Region"] == pl.String
    assert shown.get_column("Region").to_list() == [kinds[i % 3] for i in range(40)]
    out = tmp / "regions-scored.parquet"
    assert run_cli("score", src, "--format", "parquet", "-o", out).code == 0
    table = pl.read_parquet(out)
    assert table.schema["Region"] == pl.String and table.get_column("Region").to_list() == shown.get_column("Region").to_list()
    book = tmp / "regions-scored.xlsx"
    assert run_cli("score", src, "-o", book).code == 0
    assert [r["Region"] for r in sheet_rows(book, "Portfolio")] == [kinds[i % 3] for i in range(40)]
    frame = pl.DataFrame({"few": ["a", "b"] * 50, "many": [str(i) for i in range(100)], "n": list(range(100))})
    made = core.as_categories(frame, ["few", "many", "n"])
    assert [made.schema[c] for c in ("few", "many", "n")] == [pl.Categorical, pl.String, pl.Int64]
    assert made.with_columns(pl.col("few").cast(pl.String)).equals(frame)


def test_option_reasons_are_held_as_categories_and_shown_as_text(tmp):
    """Why each option is not offered or not allowed is held as categories in the ranking; the Options
    table shows the same reasons as text."""
    from pipeline import config, export, run
    done = run.score_files([SAMPLES / "portfolio.csv"], config.load())
    assert run.REASONS and all(done.ranking.schema[c] == pl.Categorical for c in run.REASONS)
    table = pl.read_parquet(export.write_table(done, tmp / "scored.parquet", "parquet")[2])
    assert table.schema["why_not_allowed"] == pl.String and table.schema["why_not_offered"] == pl.String
    for o in ("api", "self_host_open"):
        mine = table.filter(pl.col("option_key") == o)
        assert mine.get_column("why_not_allowed").to_list() == done.ranking.get_column(f"{o}__why_not_allowed").cast(pl.String).to_list()
        assert mine.get_column("why_not_offered").to_list() == done.ranking.get_column(f"{o}__why_not").cast(pl.String).to_list()
    assert table.get_column("why_not_allowed").drop_nulls().len() > 0


def test_portfolio_from_a_reordered_ranking_breaks_the_runs_contract(tmp):
    from dataclasses import replace

    from pipeline import config, run
    from pipeline.errors import ContractBroken
    done = run.score_files(_two_inputs(tmp), config.load())
    with pytest.raises(ContractBroken, match="not its rows'"):
        replace(done, ranking=done.ranking.reverse()).portfolio


@pytest.mark.parametrize("streaming", [False, True])
def test_the_portfolio_sheet_written_in_parts_is_the_same(tmp, monkeypatch, streaming):
    """The Portfolio sheet is written PORTFOLIO_PART_ROWS rows at a time: the same cells (numbers
    among texts as numbers), fills of error rows, comments and widths as written in one part."""
    from pipeline import config, core, run, workbook
    done = run.score_files(_two_inputs(tmp), config.load())
    whole = workbook.write(done, tmp / "whole.xlsx", streaming=streaming)
    monkeypatch.setattr(core, "PORTFOLIO_PART_ROWS", 3)
    parts = workbook.write(done, tmp / "parts.xlsx", streaming=streaming)

    def cells(path):
        ws = openpyxl.load_workbook(path)["Portfolio"]
        return ([[(c.value, c.fill.fgColor.rgb, c.comment.text if c.comment else None) for c in row]
                 for row in ws.iter_rows()],
                {k: d.width for k, d in ws.column_dimensions.items()})

    got, want = cells(parts), cells(whole)
    assert got == want
    values = [[v for v, _, _ in row] for row in want[0]]
    assert len(values) == 31 and any(12 in row for row in values) and any("words" in row for row in values)
    fills = {row[0][1] for row in want[0][1:]}
    assert len(fills) == 2  # error rows are filled, the others not


def test_a_row_neither_scored_nor_an_error_or_both_breaks_the_runs_contract(tmp, monkeypatch):
    """account: every input row is scored or has an error, never both; a break names (input, row)."""
    from pipeline import config, core, run
    from pipeline.errors import ContractBroken
    monkeypatch.setattr(core.Table, "let_go", lambda self: None)  # account reads the rows as read
    more = write_csv(tmp / "more.csv", HEADERS, [["ZZ-1", "Second file", "5000", "", "", "", "", ""]] * 3)
    done = run.score_files([SAMPLES / "portfolio.csv", more], config.load())
    run.account(done.sources, done.portfolio, done.ranking, done.issues)  # as the run left it
    last = done.ranking.sort(run.SRC, run.ROW).row(-1, named=True)  # the second file's one scored row
    where = (last[run.SRC], last[run.ROW])
    assert where[0] == 1
    with pytest.raises(ContractBroken, match=re.escape(f"rows [{where}] are neither scored nor reported")):
        run.account(done.sources, done.portfolio, done.ranking.filter(
            (pl.col(run.SRC) != where[0]) | (pl.col(run.ROW) != where[1])), done.issues)
    error = done.issues.filter(issues_mod.row_error()).head(1).with_columns(
        pl.lit(where[0], pl.Int64).alias(run.SRC), pl.lit(where[1]).cast(done.issues.schema["row"]).alias("row"))
    with pytest.raises(ContractBroken, match=re.escape(f"rows [{where}] are scored although they have errors")):
        run.account(done.sources, done.portfolio, done.ranking, pl.concat([done.issues, error]))


def test_a_latency_too_long_is_an_error_naming_its_cell(tmp):
    headers = ["Use Case ID", "Use Case", "Max Latency (s)"]
    src = write_csv(tmp / "latency.csv", headers, [["UC-1", "Fine", "2"], ["UC-2", "Forever", "1e300"]])
    out = tmp / "latency-scored.xlsx"
    r = run_cli("score", src, "-o", out)
    assert r.code == 1, r.stderr
    assert [i["Cell"] for i in errors_of_row(out, 3)] == ["C3"]


@pytest.mark.parametrize("bad, words", [
    # each input within its bound, their product ~1e31 USD a month
    (["UC-2", "Too much", "", "1e13", "1e9", "1e9", "1e12", "1e12"], "API cost per call"),
    # a spend within bounds that grows 1000 % a year (and prices too) passes any amount over the horizon
    (["UC-2", "Runaway", "1e12", "", "", "", "", ""], "cost in month 24 of the option 'Today's API'"),
])
def test_computed_money_past_the_limit_is_a_row_error_not_a_crash(tmp, bad, words):
    headers = HEADERS + ["Usage Growth %", "API Price Change"]
    rows = [GOOD + ["", ""], bad + (["1000%", "1000%"] if "month 24" in words else ["", ""])]
    src = write_csv(tmp / "computed.csv", headers, rows)
    out = tmp / "computed-scored.xlsx"
    r = run_cli("score", src, "-o", out)
    assert r.code == 1, r.stderr + r.stdout
    found = errors_of_row(out, 3)
    assert len(found) == 1 and words in found[0]["Problem"], found
    assert "UC-1" in {x["Use case ID"] for x in sheet_rows(out, "Ranking")}
    port = {x["Use Case ID"]: x for x in sheet_rows(out, "Portfolio")}
    assert port["UC-2"]["Recommendation"] is None and "not scored" in port["UC-2"]["Rationale"]


def test_computed_overflow_with_stability_and_budget_is_still_a_row_error(tmp):
    r, out = score_rows(tmp, ["UC-2", "Too much", "", "1e13", "1e9", "1e9", "1e12", "1e12"],
                        "--stability", "20", "--budget", "100000")
    assert r.code == 1, r.stderr
    assert len(errors_of_row(out, 3)) == 1


@pytest.mark.parametrize("text, key", [
    ("[hosting]\nhours_per_month = 0\n", "hosting.hours_per_month"),
    ("[hosting]\nhours_per_month = -730\n", "hosting.hours_per_month"),
    ("[hosting]\nhours_per_month = nan\n", "hosting.hours_per_month"),
    ("[hosting]\npeak_factor = inf\n", "hosting.peak_factor"),
    ("[hosting]\nmaintenance_share = inf\n", "hosting.maintenance_share"),
    ("[hosting]\ngpu_utilisation = 0\n", "hosting.gpu_utilisation"),
    ("[hosting]\nteam_monthly_cost = inf\n", "hosting.team_monthly_cost"),
    ("[money]\nusage_growth_pct = 1e300\n", "money.usage_growth_pct"),
    ("[decision]\nmateriality_min = inf\n", "decision.materiality_min"),
    ("[cost]\nanchors = [[0, 0], [1e300, 10]]\n", "cost.anchors"),
    ("[input.max_value]\nmoney = 0\n", "input.max_value.money"),
    ("[input.max_value]\nmonthly_calls = nan\n", "input.max_value.monthly_calls"),
    ("[input.max_value]\nuse_case = 5\n", "input.max_value.use_case"),
    ("[money]\nmax_amount = 1e300\n", "money.max_amount"),
    ("[output]\nlock_wait_seconds = inf\n", "output.lock_wait_seconds"),
    ("[stability]\ndraws = 1000000000\n", "stability.draws"),
    ("[budget]\nnode_limit = 1000000000000\n", "budget.node_limit"),
])
def test_a_config_number_that_cannot_be_used_is_exit_2_naming_the_key(tmp, text, key):
    cfg = tmp / "bad.toml"
    cfg.write_text(text)
    out = tmp / "never.xlsx"
    r = run_cli("score", SAMPLES / "portfolio.csv", "--config", cfg, "-o", out)
    assert r.code == 2, r.stderr
    assert f"'{key}'" in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not out.exists()


def test_an_internal_error_is_one_line_without_expression_text(tmp, monkeypatch):
    import pipeline.run

    def broken(frame, cfg):
        raise pl.exceptions.InvalidOperationError(
            "conversion from `f64` to `i64` failed in column 'x'\n\nThis error occurred in the following "
            "expression:\n\tcol(\"x\").strict_cast(Int64)\nwhile evaluating this larger expression:\n\t.when(...)")

    monkeypatch.setattr(pipeline.run, "factor_scores", broken)
    out = tmp / "never.xlsx"
    r = run_cli("score", SAMPLES / "portfolio.csv", "-o", out)
    assert r.code == 4
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "expression" not in r.stderr and "col(" not in r.stderr
    assert "InvalidOperationError" in r.stderr and "FTSCORE_DEBUG" in r.stderr
    assert not out.exists()


def test_a_number_too_large_in_a_workbook_is_an_error_naming_its_cell(tmp):
    from conftest import write_xlsx

    src = write_xlsx(tmp / "huge.xlsx", HEADERS, [["UC-1", "Fine row", 5000], ["UC-2", "Huge", 1e18],
                                                  ["UC-3", "Calls", None, 2.0**70, 500, 200, 0.01, 0.03]])
    out = tmp / "huge-scored.xlsx"
    r = run_cli("score", src, "-o", out)
    assert r.code == 1, r.stderr
    assert [i["Cell"] for i in errors_of_row(out, 3)] == ["C3"]
    assert [i["Cell"] for i in errors_of_row(out, 4)] == ["D4"]
    assert "UC-1" in {x["Use case ID"] for x in sheet_rows(out, "Ranking")}


def test_widths_and_number_cells_of_all_columns_at_once_match_column_by_column():
    """The batched per-column facts of the Portfolio writer (wide inputs) against the per-column rule."""
    import datetime as dt

    from pipeline.workbook import _numbers_of_texts, _widths

    f = pl.DataFrame({
        "s": ["abc", None, "12", "x" * 80], "n": [1, 2, None, 123456789], "f": [1.5, None, None, -2e9],
        "d": [dt.date(2020, 1, 1), None, None, None], "e": pl.Series([None] * 4, dtype=pl.String),
        "z": [None] * 4, "m": ["12", "0012", "1e3", "3.5"], "b": [True, None, False, True],
    })
    headers = ["header one", "a much longer header than twenty-four chars", "f", "d", "e", "z", "m", "b"]
    assert _widths(f, headers) == [_widths(f.select(c), [h])[0] for c, h in zip(f.columns, headers)]
    # + 2 on the widest of: a text's 9 in 10 longest, a number with grouping and 2 decimals, a date's 19,
    # the header on two lines (its longest word or half of it); 8 at least, 45 at most
    assert _widths(f, headers) == [45, math.ceil(len(headers[1]) / 2) + 2, len("2,000,000,000.00") + 2, 19 + 2,
                                   8, 8, 8, 8]
    numbers = {k: v.to_list() for k, v in _numbers_of_texts(f).items()}
    assert numbers == {"s": [None, None, 12.0, None], "m": [12.0, None, None, 3.5]}
