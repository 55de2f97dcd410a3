"""The only module that writes .xlsx: Summary, Changes, Ranking, Options, Portfolio, Issues, Assumptions.

Written with xlsxwriter to a temporary file beside the target and renamed into
place, so a reader never sees half a workbook. Text from the input is always
written as text, never as a formula, number or link.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Iterable, Iterator

import polars as pl
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from pipeline import __version__
from pipeline.atomic import replace_when_done
from pipeline.config import flatten, horizon_column, meaning_of, meanings
from pipeline.fields import ANNOTATIONS, FIELDS
from pipeline.options import OPTIONS, has_options, long_columns, long_frame, long_parts
from pipeline.decide import FINE_TUNE, INSUFFICIENT, KEEP, OPTIMISE, PREPARE, RETRIEVAL, SELF_HOST
from pipeline.score import FACTORS as FACTOR_NAMES
from pipeline.core import ANNOTATION_PREFIX, KEY, PLAIN_INTEGER, PLAIN_NUMBER, ROW, SRC, Result, side_file
from pipeline import changes as changes_mod
from pipeline import issues as issues_mod
from pipeline import sheetxml
from pipeline import summary as summary_mod
from pipeline.xlsxtext import CELL_TEXT_MAX, CUT_MARK, TextWorkbook, category_cache, utf16_len

# Friendly headers: each still normalises to its canonical name, so ftscore and
# scripts can read the workbook back. Input columns carry their label from FIELDS.
OUTPUT_LABELS = {
    "fit_score": "Fit score",
    "total_4p": "Total 4P",
    "recommendation": "Recommendation",
    "rationale": "Rationale",
    "best_option": "Best option",
    "deployment": "Deployment",
    "next_step": "Next step",
    "funded": "Funded",
    "p_top10": "P top10",
    "p_same_decision": "P same decision",
    "data_completeness": "Data completeness",
    "api_cost_per_call": "API cost per call",
    "annual_api_cost": "Annual API cost",
    "break_even_months": "Break-even months",
    "net_savings_12m": "Net savings 12m",
    "roi_pct": "ROI %",
    "cost_basis": "Cost basis",
    "rank": "Rank",
    "rank_in_unit": "Rank in unit",
    "source_row": "Source row",
    "gpus_needed": "GPUs needed",
    "hosting_estimate": "Hosting estimate",
    "team_monthly_cost_total": "Team monthly cost total",
    "price_source": "Price source",
    "price_model": "Price model",
    "price_provider": "Price provider",
    "price_catalog": "Price catalog",
    "source_file": "Source file",
    "source_sheet": "Source sheet",
}
LABELS = {name: spec.label for name, spec in FIELDS.items()} | OUTPUT_LABELS

UNIT_FORMATS = {  # by unit: options.LongColumn.unit (usd, months, pct, s), COLUMN_UNITS
    "usd": "$#,##0", "months": "0.0", "pct": '0.0"%"', "s": "0.0#", "score": "0.0#", "whole": "0", "share": "0%",
    "usd_per_call": "$#,##0.0000",
}
USD = UNIT_FORMATS["usd"]
COLUMN_UNITS = {
    **dict.fromkeys(("privacy_score", "cost_score", "accuracy_score", "speed_score", "fit_score", "total_4p"), "score"),
    **dict.fromkeys(("monthly_api_cost", "annual_api_cost", "net_savings_12m", "hosting_estimate",
                     "team_monthly_cost_total"), "usd"),
    **dict.fromkeys(("rank", "rank_in_unit", "source_row", "gpus_needed"), "whole"),
    **dict.fromkeys(("p_top10", "p_same_decision"), "share"),
    "api_cost_per_call": "usd_per_call", "break_even_months": "months", "roi_pct": "pct",
}
WIDTHS = {"use_case": 34, "recommendation": 17, "roi_pct": 10}
WRAPPED = ("rationale", "next_step")  # wrapped, output.text_width wide: rows grow to show them
OPTIONAL_RANKING = ("funded", "p_top10", "p_same_decision")  # with --budget / --stability
SCORES = ("privacy_score", "cost_score", "accuracy_score", "speed_score", "fit_score")
RANKING_COLUMNS = (
    "rank", "use_case_id", "use_case", "business_unit", "recommendation", "best_option", "deployment", "fit_score",
    "privacy_score", "cost_score", "accuracy_score", "speed_score", "total_4p",
    "monthly_api_cost", "annual_api_cost", "break_even_months", "net_savings_12m", "{horizon}",
    "roi_pct", "cost_basis", "data_completeness", "rank_in_unit", "rationale", "next_step",
)
CHOSEN_FILL = "#C6EFCE"  # the Options row of the option a use case's recommendation is about
REC_COLOURS = {FINE_TUNE: "#C6EFCE", PREPARE: "#E2F0D9", RETRIEVAL: "#E4DFEC", OPTIMISE: "#FFEB9C",
               SELF_HOST: "#FCE4D6", KEEP: "#DDEBF7", INSUFFICIENT: "#EDEDED"}
SEVERITY_COLOURS = {"error": "#FFC7CE", "warning": "#FFEB9C", "note": "#DDEBF7"}
WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "nan_inf_to_errors": True,
    "default_date_format": "yyyy-mm-dd",
}


def label(name: str, cfg: dict) -> str:
    if name == horizon_column(cfg) and name != "net_savings_12m":
        return f"Net savings {cfg['money']['horizon_months']}m"
    return LABELS.get(name, name)


class _Formats:
    """Every cell format of the workbook, created once."""

    def __init__(self, wb: xlsxwriter.Workbook):
        self.wb = wb
        self._cache: dict[tuple, Any] = {}
        # Every cell of every sheet is aligned to the top: a row made tall by a wrapped text still
        # reads as one line (numbers, dates and text side by side), on screen and on paper.
        self.title = wb.add_format({"bold": True, "font_size": 16, "valign": "top"})
        self.h2 = wb.add_format({"bold": True, "font_size": 12, "valign": "top"})
        self.header = wb.add_format({"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF",
                                     "text_wrap": True, "valign": "top", "border": 1})
        self.note_header = wb.add_format({"bold": True, "bg_color": "#375623", "font_color": "#FFFFFF",
                                          "text_wrap": True, "valign": "top", "border": 1})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        self.bold = wb.add_format({"bold": True, "valign": "top", "text_wrap": True})
        self.money = wb.add_format({"num_format": USD, "valign": "top"})
        self.link = wb.add_format({"font_color": "#0563C1", "underline": 1, "valign": "top"})
        self.left = wb.add_format({"align": "left", "valign": "top"})
        self.bold_left = wb.add_format({"bold": True, "align": "left", "valign": "top"})
        self.top = self.get()  # a cell with no other format

    def get(self, num_format: str | None = None, fill: str | None = None, wrap: bool = False) -> Any:
        key = (num_format, fill, wrap)
        if key not in self._cache:
            props: dict[str, Any] = {"valign": "top"}
            if num_format:
                props["num_format"] = num_format
            if fill:
                props["bg_color"] = fill
            if wrap:
                props["text_wrap"] = True
            self._cache[key] = self.wb.add_format(props)
        return self._cache[key]


def _write(ws, row: int, col: int, value: Any, fmt: Any = None) -> None:
    """One cell, by its Python type; text is always text."""
    if value is None:
        if fmt is not None:
            ws.write_blank(row, col, None, fmt)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, fmt)
    elif isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            ws.write_string(row, col, str(value), fmt)
        else:
            ws.write_number(row, col, value, fmt)
    elif isinstance(value, (datetime, date, time)):
        ws.write_datetime(row, col, value, fmt)
    elif isinstance(value, timedelta):  # Excel keeps durations as fractions of a day
        ws.write_number(row, col, value.total_seconds() / 86400, fmt)
    else:
        ws.write_string(row, col, str(value), fmt)


COMMENT_SIZE = {"x_scale": 1.8, "y_scale": 1.2}


def meaning(name: str, cfg: dict) -> str:
    """What a column of ftscore's output means, with its unit (header comments)."""
    if name == horizon_column(cfg):
        return f"Savings over {cfg['money']['horizon_months']} months less the setup cost, USD"
    if name in ANNOTATIONS:
        return ANNOTATIONS[name]
    if name in FIELDS:
        return FIELDS[name].meaning
    return EXTRA_MEANINGS.get(name, name)


EXTRA_MEANINGS = {
    "funded": "Chosen for the budget: the set of recommended changes whose one-off costs fit it and that "
              "save the most",
    "p_top10": "Share of the stability runs in which this use case ranks in the top ten",
    "p_same_decision": "Share of the stability runs that give the same recommendation",
}


def _header_chars(header: str) -> int:
    """The width a header needs on two lines at most (headers wrap): its longest word, or half of it."""
    words = header.split()
    return min(max(max((len(w) for w in words), default=0), math.ceil(len(header) / 2)), 24)


def _widths(frame: pl.DataFrame, headers: list[str], longest: dict[str, int] | None = None) -> list[float]:
    """A width for every column of frame that fits its header and most values (capped: a long text wraps
    or is cut) (``longest``: _longest of the frame, or of all the chunks of a table written in chunks,
    of which frame is one)."""
    return _named_widths(frame.columns, headers, _longest([frame]) if longest is None else longest)


def _named_widths(names: list[str], headers: list[str], longest: dict[str, int]) -> list[float]:
    """_widths of the columns of these names, from _longest of their values."""
    return [float(max(8, min(45, max(longest.get(n, 0), _header_chars(h)) + 2))) for n, h in zip(names, headers)]


def _longest(frames: Iterable[pl.DataFrame]) -> dict[str, int]:
    """Per column of one table given whole or in chunks of rows: the characters most of its values take
    (a text's 90th-percentile length, up to 255, a number's largest at two decimals, a date's 19). The facts are
    taken in one select per kind of column and chunk: a select per column costs O(columns) each,
    which makes wide inputs quadratic."""
    lengths: list[pl.DataFrame] = []
    largest: dict[str, float] = {}
    dated: set[str] = set()
    for frame in frames:
        names, dtypes = frame.columns, frame.dtypes
        strings = [n for n, t in zip(names, dtypes) if t == pl.String]
        numbers = [n for n, t in zip(names, dtypes) if t.is_numeric()]
        if strings:
            # one byte a value (a width stops at 45 characters): at 1M rows, ~35 columns' lengths held
            # until the last chunk take 35 MB, not 140
            lengths.append(frame.select(pl.col(strings).str.len_chars().clip(upper_bound=255).cast(pl.UInt8)))
        if numbers:
            m = frame.select(pl.col(numbers).cast(pl.Float64).abs().max()).row(0)
            largest.update({n: max(v, largest.get(n, v)) for n, v in zip(numbers, m) if v is not None})
        if frame.height:
            counts = frame.count().row(0)
            dated.update(n for n, t, c in zip(names, dtypes, counts) if t.is_temporal() and c)
    longest: dict[str, int] = {}
    if lengths:
        q = pl.concat(lengths).select(pl.all().quantile(0.9, "nearest")).row(0)
        longest.update({n: int(v or 0) for n, v in zip(lengths[0].columns, q)})
    longest.update({n: len(f"{v:,.2f}") for n, v in largest.items()})
    longest.update({n: 19 for n in dated})
    return longest


INCH_PT = 72  # points in an inch
BODY_PT = 11  # the workbook's text size (xlsxwriter's default font, Calibri 11)
PAPERS = {"A4": (9, 841.89, 595.28), "Letter": (1, 792.0, 612.0)}  # xlsxwriter's paper code, landscape size in points
PAGE_SLACK = (0.92, 0.9)  # the share of the page's width and height the layout counts on (LibreOffice
# and Excel measure text a little differently)
CHART_MIN_PX = 240  # the narrowest a Summary chart is drawn
CHART_FONT = {"size": BODY_PT}  # chart text as big as the cells' (legible when printed at print_scale)
TITLE_FONT = {"size": BODY_PT + 1, "bold": True}


def _column_points(width: float) -> float:
    """A column width in characters as printed points at 100 % (Excel: 7 pixels a character and 5 of padding)."""
    return (int(width * 7 + 0.5) + 5) * PIXEL_PT


def print_scale(cfg: dict) -> int:
    """The smallest print scale (percent) at which the workbook's 11 pt text prints at output.print_font_pt."""
    return math.ceil(100 * cfg["output"]["print_font_pt"] / BODY_PT)


def page_room(cfg: dict) -> tuple[float, float]:
    """The width and height (points, as laid out at 100 %) one page of output.paper holds inside its
    margins at the legible scale (print_scale), less PAGE_SLACK."""
    out = cfg["output"]
    _, width, height = PAPERS[out["paper"]]
    scale = print_scale(cfg) / 100
    return ((width - 2 * INCH_PT * out["print_side_margin_in"]) / scale * PAGE_SLACK[0],
            (height - 2 * INCH_PT * out["print_margin_in"]) / scale * PAGE_SLACK[1])


def _fitting(widths: list[float], cfg: dict) -> int:
    """How many of the first columns of these widths fit one page width at the legible scale (one at least)."""
    ends = itertools.accumulate(_column_points(w) for w in widths)
    return max(bisect.bisect_right(list(ends), page_room(cfg)[0]), 1)


def print_order(cols: list[str], sheet: str, cfg: dict) -> tuple[list[str], list[int]]:
    """The sheet's columns with those output.print_columns prints first, group by group, then the
    others in their order (on screen only); and where each printed group ends (the first: the columns
    repeated on every page)."""
    names = {"horizon": horizon_column(cfg), "h": cfg["money"]["horizon_months"]}
    groups = [[c.format(**names) for c in group if c.format(**names) in cols]
              for group in cfg["output"]["print_columns"][sheet]]
    printed = list(dict.fromkeys(c for group in groups for c in group))
    ends = sorted(set(itertools.accumulate(len(group) for group in groups)))
    return printed + [c for c in cols if c not in printed], ends


def _page_frame(ws, result: Result, header_rows: tuple[int, int] | None) -> None:
    """Landscape on output.paper with its margins, the header rows repeated on every page, the sheet
    name and page numbers in the footer, the run date in the header."""
    out = result.config["output"]
    ws.set_paper(PAPERS[out["paper"]][0])
    ws.set_landscape()
    side, margin = out["print_side_margin_in"], out["print_margin_in"]
    ws.set_margins(left=side, right=side, top=margin, bottom=margin)
    run = result.started.strftime("%Y-%m-%d %H:%M")
    size = f"&{BODY_PT + 1}"  # header and footer shrink with the page a little more than the cells
    ws.set_header(f"&L{size}ftscore&R{size}Run of {run} UTC", {"margin": out["print_header_in"]})
    ws.set_footer(f"&L{size}&A&R{size}Page &P of &N", {"margin": out["print_header_in"]})
    if header_rows:
        ws.repeat_rows(*header_rows)


def _print_setup(ws, result: Result, widths: list[float], *, header_rows: tuple[int, int] | None = (0, 0),
                 groups: list[int] | None = None, last_row: int | None = None, height: float | None = None) -> None:
    """Print set-up made for reading (_page_frame). widths: of the printed columns, from the first.
    A sheet whose columns fit the page width at output.print_font_pt is fitted to it; a wider one
    prints at that smallest legible scale, in groups of columns: groups (print_order's ends), the first
    group repeated on every page and each other from a new page. last_row: the print area is the
    printed columns, rows 0 to it (default: the whole sheet). height: of the printed rows (points):
    a fitted sheet then fills the pages it takes at the legible scale, its text as big as they allow."""
    _page_frame(ws, result, header_rows)
    room_w, room_h = page_room(result.config)
    if groups is None and sum(_column_points(w) for w in widths) <= room_w:
        ws.fit_to_pages(1, math.ceil(height / room_h) if height else 0)
    else:
        ws.set_print_scale(print_scale(result.config))
        if groups:
            ws.repeat_columns(0, groups[0] - 1)
            ws.set_v_pagebreaks(groups[1:-1])
    if last_row is not None:
        ws.print_area(0, 0, max(last_row, 1), len(widths) - 1)


def _user_format(column: pl.Series) -> str | None:
    """The number format a user's column needs to show as it did: dates, times, durations."""
    dtype = column.dtype
    if dtype == pl.Date:
        return "yyyy-mm-dd"
    if dtype.is_temporal() and isinstance(dtype, pl.Datetime):
        times = column.drop_nulls().dt.time()
        midnight = times.len() == 0 or (times.cast(pl.Int64) == 0).all()
        return "yyyy-mm-dd" if midnight else "yyyy-mm-dd hh:mm:ss"
    if isinstance(dtype, pl.Duration):
        return "[h]:mm:ss"
    if dtype == pl.Time:
        return "hh:mm:ss"
    return None


def _numbers_of_texts(frame: pl.DataFrame, comma: pl.Series | None = None) -> dict[str, pl.Series]:
    """The cells of each text column that hold a plainly written number, as numbers (else null),
    for the columns that have such cells; taken for all columns in one select (wide inputs).

    A column with a few words among its numbers is text as a whole; its numbers go back to the
    sheet as numbers, as they were typed, not as "numbers stored as text". Codes with a leading
    zero or sign ("06090", "+44") and long digit strings stay text. comma: the rows read with a
    decimal comma, where only whole numbers are plain ("12.500" there is twelve thousand five
    hundred as written, not 12.5).
    """
    strings = [n for n, t in zip(frame.columns, frame.dtypes) if t == pl.String]
    if not strings or not frame.height:
        return {}
    # the pattern only where some cell reads as a number at all (a cheap cast first)
    castable = frame.select(pl.col(strings).cast(pl.Float64, strict=False).count()).row(0)
    strings = [n for n, c in zip(strings, castable) if c]
    if not strings:
        return {}
    text = pl.col(strings)
    exact = text.str.contains(PLAIN_NUMBER) & (text.str.count_matches(r"[0-9]") <= 15)  # a double holds 15 digits
    if comma is not None and comma.any():
        exact = exact & (pl.lit(comma).not_() | text.str.contains(PLAIN_INTEGER))
    numbers = frame.select(pl.when(exact).then(text.cast(pl.Float64, strict=False)))
    counts = numbers.count().row(0)
    return {n: numbers.get_column(n) for n, c in zip(strings, counts) if c}


def _display(value: Any) -> Any:
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return value


class _InOrder:
    """A worksheet proxy that collects cell writes and flushes them in row order.

    In streaming (constant-memory) mode a row cannot be written once a later one
    has been; small sheets built out of order (Summary) go through this.
    """

    WRITES = ("write", "write_string", "write_number", "write_blank", "write_boolean", "write_datetime",
              "write_url", "merge_range")

    def __init__(self, ws):
        self._ws = ws
        self._cells: list[tuple[int, int, int, str, tuple, dict]] = []

    def set_row(self, row, *args, **kwargs):  # before the row's cells
        self._cells.append((row, -1, len(self._cells), "set_row", args, kwargs))

    def heights(self) -> dict[int, float]:
        """The row heights set so far, in points, by row."""
        return {row: args[0] for row, col, _, name, args, _ in self._cells if name == "set_row"}

    def recorded(self) -> list[tuple[int, int, str, tuple]]:
        """(row, column, method, arguments) of every cell write so far."""
        return [(row, col, name, args) for row, col, _, name, args, _ in self._cells if col >= 0]

    def __getattr__(self, name):
        if name in self.WRITES:
            def record(row, col, *args, **kwargs):
                self._cells.append((row, col, len(self._cells), name, args, kwargs))
            return record
        return getattr(self._ws, name)

    def flush(self) -> None:
        for row, col, _, name, args, kwargs in sorted(self._cells, key=lambda c: c[:3]):
            if col < 0:
                getattr(self._ws, name)(row, *args, **kwargs)
            else:
                getattr(self._ws, name)(row, col, *args, **kwargs)
        self._cells.clear()


EXCEL_DATA_ROWS = 1_048_575  # rows under the header that one Excel sheet holds
MAX_LINKS = 65_530  # hyperlinks Excel allows on one sheet


KEPT = CELL_TEXT_MAX - len(CUT_MARK)  # characters of an over-long text a cell shows, before CUT_MARK
_CUT_WORDS = (f"an Excel cell holds at most {CELL_TEXT_MAX:,} characters, so the workbook shows the first "
              f"{KEPT:,} followed by {CUT_MARK} (the input, and a .csv or .parquet output, hold all of it)")


def _utf16_units(col: str) -> pl.Expr:
    return pl.col(col).str.len_chars() + pl.col(col).str.count_matches(r"[\x{10000}-\x{10FFFF}]")


def long_text_issues(result: Result) -> pl.DataFrame:
    """A warning for every text the workbook cannot hold whole: a Portfolio cell or a header over
    Excel's 32,767 characters (the Portfolio cell gets its comment from it, like any problem cell).

    Only rows with such a text are looked at: the sieve is the UTF-8 length, never below the
    UTF-16 length Excel counts.
    """
    cfg = result.config
    found: list[pl.DataFrame] = []
    for i, source in enumerate(result.sources):
        table = source.table
        for col in table.columns:
            n = utf16_len(col.header)
            if n > CELL_TEXT_MAX:
                found.append(pl.DataFrame([{
                    "file": table.file, "sheet": table.sheet, "row": table.header_row, "column": col.header,
                    "cell": f"{col.letter}{table.header_row}", "value": None,
                    "problem": f"this header holds {n:,} characters; {_CUT_WORDS}", "severity": "warning",
                }], schema=issues_mod.SCHEMA).with_columns(pl.lit(i, pl.Int64).alias(SRC)))
    long_parts, texts = [], []
    for part in result.portfolio_parts():
        texts = [c for c, t in part.schema.items() if t == pl.String]
        if texts:
            long_parts.append(part.filter(pl.any_horizontal([pl.col(c).str.len_bytes() > CELL_TEXT_MAX for c in texts])))
    long_rows = pl.concat(long_parts) if long_parts else None
    if long_rows is not None:
        for c in texts if long_rows.height else []:
            rows = long_rows.select(SRC, ROW, c, _utf16_units(c).alias("__n")).filter(pl.col("__n") > CELL_TEXT_MAX)
            for i, source in enumerate(result.sources):
                mine = rows.filter(pl.col(SRC) == i)
                if not mine.height:
                    continue
                table = source.table
                own = next((col for col in table.columns if col.name == c), None)
                if c.startswith(ANNOTATION_PREFIX):  # ftscore's own text about this row, on Portfolio
                    what = label(c[len(ANNOTATION_PREFIX):], cfg)
                    problem = pl.format("ftscore's {} for this row holds {} characters; " + _CUT_WORDS,
                                        pl.lit(what), pl.col("__n"))
                else:
                    problem = pl.format("this cell holds {} characters; " + _CUT_WORDS, pl.col("__n"))
                value = pl.col(c).str.slice(0, 60) + pl.lit("…")
                found.append(issues_mod.for_cells(table, mine, own, problem, severity="warning", value=value)
                             .with_columns(pl.lit(i, pl.Int64).alias(SRC)))
    if not found:
        return result.issues.clear()
    return pl.concat(found, how="vertical").select(result.issues.columns)


def _with_long_text_issues(result: Result) -> Result:
    extra = long_text_issues(result)
    if not extra.height:
        return result
    found = pl.concat([result.issues, extra], how="vertical").sort(
        [SRC, pl.col("row").fill_null(0), pl.col("severity").replace_strict(issues_mod.SEVERITY_ORDER, default=9)],
        maintain_order=True)
    return replace(result, issues=found)


def too_big_for_a_sheet(result: Result) -> bool:
    return result.rows > EXCEL_DATA_ROWS


EXCEL_COLUMNS = 16_384  # columns one Excel sheet holds (A to XFD)


def columns_left_out(result: Result) -> list[str]:
    """The user's columns that do not fit on Portfolio beside the annotation columns (past XFD).

    The annotations always fit (they are what ftscore adds); the user's last columns give way,
    and the Parquet file beside the workbook holds every column (see needs_companion).
    """
    notes = {ANNOTATION_PREFIX + n for n in result.annotation_names()}
    user = [c for c in result.portfolio_columns if c not in notes and c not in KEY]
    room = max(EXCEL_COLUMNS - len(notes), 0)
    return user[room:]


def option_rows(result: Result) -> int:
    """Rows of the Options sheet's frame (options.long_frame): one per scored use case and option;
    0 while the run has no option columns."""
    return result.ranking.height * len(OPTIONS) if has_options(result.ranking) else 0


def options_past_a_sheet(result: Result) -> bool:
    return option_rows(result) > EXCEL_DATA_ROWS


def needs_companion(result: Result) -> bool:
    """Rows or columns that a sheet cannot hold: every row and column goes to a Parquet file beside it
    (and every option row to the -options file beside that)."""
    return too_big_for_a_sheet(result) or bool(columns_left_out(result)) or options_past_a_sheet(result)


def _columns_left_out_issues(result: Result, left_out: list[str], companion: Path | None) -> pl.DataFrame:
    """One warning per input whose columns are left off Portfolio, naming how many and which."""
    from pipeline import issues

    gone = set(left_out)
    where = f"they are in {companion.name}, with every other column" if companion else "they are left out"
    found = []
    for source in result.sources:
        mine = [c for c in source.table.columns if c.name in gone]
        if mine:
            found.append(issues.for_file(
                source.table,
                f"{len(mine):,} columns ({mine[0].letter} '{mine[0].header}' to {mine[-1].letter} "
                f"'{mine[-1].header}') do not fit on the Portfolio sheet beside the ftscore columns "
                f"(Excel holds {EXCEL_COLUMNS:,} columns); {where}",
                severity="warning",
            ))
    files = [s.table.file for s in result.sources]
    return issues.order_issues(issues.combine([result.issues.drop(SRC), *found]), files)


def write(result: Result, output: str | Path, *, streaming: bool | None = None,
          companion: Path | None = None) -> Path:
    """Write the workbook for ``result`` to ``output`` atomically; return the path.

    Large portfolios (``output.streaming_rows`` and up) are written in xlsxwriter's
    constant-memory mode: rows stream to disk, and Ranking gets a filter instead of
    an Excel table (the streaming writer cannot make tables). A portfolio past Excel's
    row limit gets no Portfolio sheet: Summary points to ``companion``, the file that
    holds every row, and Ranking and Issues show as many rows as a sheet holds.
    """
    output = Path(output)
    left_out = columns_left_out(result)
    if left_out:  # said on Issues (and so counted on Summary)
        result = replace(result, issues=_columns_left_out_issues(result, left_out, companion))
    cfg = result.config
    result = _with_long_text_issues(result)
    overflow = too_big_for_a_sheet(result)
    if streaming is None:
        streaming = overflow or result.rows >= cfg["output"]["streaming_rows"]
    with replace_when_done(output) as tmp:
        # use_zip64: a streamed workbook can pass the 4 GB a plain ZIP member may hold.
        wb = TextWorkbook(tmp, {**WORKBOOK_OPTIONS, "constant_memory": streaming, "use_zip64": streaming})
        _mark(wb, result)
        fmt = _Formats(wb)
        summary = wb.add_worksheet("Summary")
        changes_ws = wb.add_worksheet("Changes")
        ranking = wb.add_worksheet("Ranking")
        options_ws = wb.add_worksheet("Options") if has_options(result.ranking) else None
        portfolio = None if overflow else wb.add_worksheet("Portfolio")
        issues_ws = wb.add_worksheet("Issues")
        assumptions = wb.add_worksheet("Assumptions")
        places = _places(result) if portfolio is not None else None
        # streamed: wrapped rows get their height in the first streaming_rows rows only
        height_rows = cfg["output"]["streaming_rows"] if streaming else None
        _changes(changes_ws, result, fmt)
        _ranking(ranking, result, fmt, table=not streaming, height_rows=height_rows)
        if options_ws is not None:
            _options(options_ws, result, fmt)
        if portfolio is not None:
            _portfolio(portfolio, result, fmt, places, height_rows)
        _issues(issues_ws, result, fmt, places)
        _assumptions(assumptions, result, fmt)
        cuts = {ws.name: len(ws.cut) for ws in wb.worksheets() if ws.cut}
        in_order = _InOrder(summary)
        _summary(in_order, wb, result, fmt, streaming=streaming, places=places, companion=companion, cuts=cuts)
        in_order.flush()
        wb.close()
    return output


def _mark(wb: xlsxwriter.Workbook, result: Result) -> None:
    """The marker that says ftscore wrote this workbook (pipeline/own.py reads it): custom document
    properties, which survive re-saving in Excel, with how many Portfolio columns are the user's."""
    from pipeline import own

    notes = {ANNOTATION_PREFIX + n for n in result.annotation_names()}
    user = [c for c in result.portfolio_columns if c not in notes and c not in KEY]
    wb.set_custom_property(own.MARKER, __version__)
    wb.set_custom_property(own.USER_COLUMNS, len(user))


def _ranking_columns(cfg: dict, present: list[str] | None = None) -> list[str]:
    cols = [c.format(horizon=horizon_column(cfg)) for c in RANKING_COLUMNS
            if c != "{horizon}" or horizon_column(cfg) != "net_savings_12m"]
    optional = [c for c in OPTIONAL_RANKING if present is not None and c in present]
    at = cols.index("rationale")
    return cols[:at] + optional + cols[at:]


def _num_format(name: str, cfg: dict, unit: str | None = None) -> str | None:
    """The number format of a column: of its unit (given, else COLUMN_UNITS'; the net savings over the
    horizon are USD), None for a column without one."""
    return UNIT_FORMATS.get(unit or ("usd" if name == horizon_column(cfg) else COLUMN_UNITS.get(name, "")))


def _writer(ws, dtype: pl.DataType):
    """The one xlsxwriter call for every cell of a column of this type (chosen once, not per cell)."""
    if dtype.is_numeric():  # NaN and infinities were made empty before (see _rows)
        return ws.write_number
    if dtype == pl.Boolean:
        return ws.write_boolean
    if isinstance(dtype, pl.Duration):
        return lambda r, c, v, f: ws.write_number(r, c, v.total_seconds() / 86400, f)
    if dtype.is_temporal():
        return ws.write_datetime
    if dtype == pl.String:
        return ws.write_string  # TextSheet's door: cut and rich-string-shaped text handled
    return lambda r, c, v, f: _write(ws, r, c, _display(v), f)


def _wrap_widths(cfg: dict) -> dict[str, float]:
    """The widths of the wrapped columns (WRAPPED): output.text_width."""
    return dict.fromkeys(WRAPPED, float(cfg["output"]["text_width"]))


def _fixed_widths(names: list[str], widths: list[float], cfg: dict) -> list[float]:
    """widths, where a column has a set width (WIDTHS, the wrapped texts') that one."""
    fixed = WIDTHS | _wrap_widths(cfg)
    return [fixed.get(name, width) for name, width in zip(names, widths)]


# Letters a wrapped line holds per digit of its column's width, as _row_heights counts them over whole
# columns (a vectorised count of letters, below _lines' TEXT_PER_DIGIT: it cannot see where words break).
WRAPPED_PER_DIGIT = 1.1


def _row_heights(frame: pl.DataFrame, widths: dict[str, float], limit: int | None = None) -> list[float | None]:
    """Heights for rows whose wrapped text needs more than one line (None: the default); widths: of
    the wrapped columns of the frame, by name.

    Only the first ``limit`` rows when given: the writer keeps every row height it is given for
    the whole run (about 300 bytes a row, 600 MB for two sheets of 1M rows), so a streamed
    workbook sets them where people read, at the top, and leaves the rest one line high.
    """
    if limit is not None:
        frame = frame.head(limit)
    wrapped = [c for c in widths if c in frame.columns]
    if not wrapped or not frame.height:
        return [None] * frame.height
    lines = frame.select(pl.max_horizontal([
        (pl.col(c).cast(pl.String).str.len_chars().fill_null(0) / (widths[c] * WRAPPED_PER_DIGIT)).ceil()
        for c in wrapped
    ]).clip(1, MAX_LINES).alias("lines")).get_column("lines")
    return [LINE_PT * n if n > 1 else None for n in lines.to_list()]


LINE_PT = 15.0  # a line of 11 pt text: the default row height
MAX_LINES = 6  # the tallest a row is made for its wrapped text (a longer text shows in the cell)


def _header_row(ws, row: int, heads: list[str], widths: list[float], header_format: Any, *,
                comments: list[str] | None = None, column_formats: list | None = None, first: int = 0,
                written: bool = False) -> None:
    """A header row from sheet column ``first``: each header in header_format (written: there already,
    as an Excel table's), with its comment, its column's width and format (column_formats)."""
    for k, (head, width) in enumerate(zip(heads, widths, strict=True)):
        if not written:
            ws.write_string(row, first + k, head, header_format)
        if comments is not None:
            ws.write_comment(row, first + k, comments[k], COMMENT_SIZE)
        ws.set_column(first + k, first + k, width, column_formats[k] if column_formats else None)


def _header_height(ws, row: int, headers: list[str], widths: list[float]) -> None:
    """The header row as tall as its longest wrapped header needs (spreadsheets do not grow it)."""
    lines = min(max((_lines(h, w) for h, w in zip(headers, widths)), default=1), MAX_LINES)
    if lines > 1:
        ws.set_row(row, LINE_PT * lines)


def _rows(ws, frame: pl.DataFrame, first_row: int, formats: list, *, fill_formats: list | None = None,
          filled: list[bool] | None = None, heights: list[float | None] | None = None,
          comments: dict[tuple[int, int], str] | None = None, targets: list[int] | None = None) -> None:
    """Write a frame's rows in order: one prepared call and one format per column, no per-cell lookups;
    on a streamed sheet as XML rendered by polars (pipeline/sheetxml.py), odd rows cell by cell.

    targets: the sheet column of every frame column (default: the same position). Two frame
    columns may share one sheet column when at most one of them has a value in any row.
    """
    frame = _finite_or_empty(frame)
    cells = sheetxml.Cells(list(range(frame.width)) if targets is None else targets, formats, fill_formats)
    one = _RowByCell(ws, frame, first_row, cells, filled, heights or [], _comments_by_row(comments or {}))
    if sheetxml.can_write(ws, frame, cells):
        sheetxml.write_rows(ws, frame, first_row, cells, filled=filled, heights=heights or [],
                            odd_row=lambda i: one.write(i, frame.row(i)), comment=one.comment, commented=one.by_row)
        return
    for i, values in enumerate(frame.iter_rows()):
        one.write(i, values)


class _RowByCell:
    """A frame's row written cell by cell with xlsxwriter's calls (prepared once per column)."""

    def __init__(self, ws, frame: pl.DataFrame, first_row: int, cells: sheetxml.Cells, filled: list[bool] | None,
                 heights: list[float | None], by_row: dict[int, list[tuple[int, str]]]):
        writers = [_writer(ws, dtype) for dtype in frame.dtypes]
        self.ws, self.first_row, self.filled, self.heights, self.by_row = ws, first_row, filled, heights, by_row
        self.plain = list(zip(cells.targets, writers, cells.formats))
        self.filled_cells = list(zip(cells.targets, writers, cells.fill_formats or []))

    def write(self, i: int, values: tuple) -> None:
        ws, r = self.ws, self.first_row + i
        if i < len(self.heights) and self.heights[i] is not None:
            ws.set_row(r, self.heights[i])
        if self.filled is not None and self.filled[i]:
            _filled_row(ws, r, values, self.filled_cells)
        else:
            for (j, write, fmt), v in zip(self.plain, values):
                if v is not None:
                    write(r, j, v, fmt)
        self.comment(i)

    def comment(self, i: int) -> None:
        for j, text in self.by_row.get(i, ()):
            self.ws.write_comment(self.first_row + i, j, text, {"x_scale": 2, "y_scale": 1.5})


def _finite_or_empty(frame: pl.DataFrame) -> pl.DataFrame:
    """NaN and infinities in float columns made null: written as empty cells."""
    floats = [c for c, t in frame.schema.items() if t.is_float()]
    if not floats:
        return frame
    counts = frame.select(pl.col(floats).is_finite().not_().sum()).row(0)
    odd = [c for c, n in zip(floats, counts) if n]
    if not odd:
        return frame
    return frame.with_columns(pl.when(pl.col(c).is_finite()).then(pl.col(c)).alias(c) for c in odd)


def _comments_by_row(comments: dict[tuple[int, int], str]) -> dict[int, list[tuple[int, str]]]:
    by_row: dict[int, list[tuple[int, str]]] = {}
    for (i, j), text in comments.items():
        by_row.setdefault(i, []).append((j, text))
    return by_row


def _filled_row(ws, r: int, values: tuple, cells: list[tuple[int, Any, Any]]) -> None:
    """A highlighted row: every cell in the fill, the blanks first (a column's twin may fill the cell after)."""
    for (j, _, fmt), v in zip(cells, values):
        if v is None:
            ws.write_blank(r, j, None, fmt)
    for (j, write, fmt), v in zip(cells, values):
        if v is not None:
            write(r, j, v, fmt)


def _ranking(ws, result: Result, fmt: _Formats, *, table: bool, height_rows: int | None = None) -> None:
    cfg = result.config
    cols, groups = print_order(_ranking_columns(cfg, result.ranking.columns), "Ranking", cfg)
    frame = result.ranking.select(cols).head(EXCEL_DATA_ROWS)
    n = frame.height
    last_col = len(cols) - 1
    formats = [fmt.get(_num_format(c, cfg), wrap=c in WRAPPED) for c in cols]
    heads = [label(c, cfg) for c in cols]
    if table:
        columns = [{"header": head, "header_format": fmt.header} for head in heads]
        # an empty table keeps one blank row: Excel wants a data row under the header
        ws.add_table(0, 0, max(n, 1), last_col, {"name": "Ranking", "columns": columns,
                                                  "style": "Table Style Medium 2"})
    else:
        ws.autofilter(0, 0, max(n, 1), last_col)
    widths = _fixed_widths(cols, _widths(frame, heads), cfg)
    _header_row(ws, 0, heads, widths, fmt.header, comments=[meaning(c, cfg) for c in cols], written=table)
    _header_height(ws, 0, heads, widths)
    _rows(ws, frame, 1, formats, heights=_row_heights(frame, _wrap_widths(cfg), height_rows))
    ws.freeze_panes(1, groups[0])
    _ranking_looks(ws, cols, n, cfg, fmt)
    _print_setup(ws, result, widths[:groups[-1]], groups=groups, last_row=max(n, 1))


def _ranking_looks(ws, cols: list[str], n: int, cfg: dict, fmt: _Formats) -> None:
    """Ranking's colour scales on the scores, recommendation fills and data bars on the net savings."""
    if n:
        for name in SCORES:
            i = cols.index(name)
            # White (no case for fine-tuning) to green (a strong one): a low score is not "bad".
            ws.conditional_format(1, i, n, i, {"type": "2_color_scale", "min_type": "num", "min_value": 0,
                                                "max_type": "num", "max_value": 10,
                                                "min_color": "#FFFFFF", "max_color": "#63BE7B"})
        i = cols.index("recommendation")
        for rec, colour in REC_COLOURS.items():
            ws.conditional_format(1, i, n, i, {"type": "cell", "criteria": "==", "value": f'"{rec}"',
                                                "format": fmt.get(fill=colour)})
        i = cols.index(horizon_column(cfg))
        ws.conditional_format(1, i, n, i, {"type": "data_bar", "bar_color": "#63BE7B", "bar_negative_color": "#F8696B",
                                            "bar_axis_position": "middle", "data_bar_2010": True})


def _options_parts(result: Result, columns: list[str] | None = None) -> Iterator[pl.DataFrame]:
    """The Options sheet's rows, a part at a time (options.long_parts): the best ranked use cases' options,
    as many as a sheet holds, with ``columns`` in that order (default: long_frame's)."""
    fits = -(-EXCEL_DATA_ROWS // len(OPTIONS))
    for part in long_parts(result.ranking.head(fits), result.config, row=ROW, rows=EXCEL_DATA_ROWS):
        yield part if columns is None else part.select(columns)


def _options(ws, result: Result, fmt: _Formats) -> None:
    """Every option of every scored use case (SPEC section 7), in rank order: offered or why not,
    allowed or why not, latency and money; the chosen option's row filled. A filter, a frozen header.
    Built and written in chunks: widths from a first pass over them, then the rows."""
    cfg = result.config
    described = long_columns(cfg)
    empty = long_frame(result.ranking.clear(), cfg, row=ROW)  # its columns
    cols, groups = print_order(empty.columns, "Options", cfg)
    heads = [described[c].label if c in described else label(c, cfg) for c in cols]
    widths = _widths(empty.select(cols), heads, _longest(_options_parts(result, cols)))
    _header_height(ws, 0, heads, widths)
    _header_row(ws, 0, heads, widths, fmt.header,
                comments=[described[c].meaning if c in described else meaning(c, cfg) for c in cols])
    kinds = [_num_format(c, cfg, described[c].unit if c in described else None) for c in cols]
    formats, fill_formats = [fmt.get(nf) for nf in kinds], [fmt.get(nf, CHOSEN_FILL) for nf in kinds]
    rows = 0
    for part in _options_parts(result, cols):
        chosen = (part.get_column("chosen") == "yes").fill_null(False).to_list()
        _rows(ws, part, 1 + rows, formats, fill_formats=fill_formats, filled=chosen)
        rows += part.height
    ws.freeze_panes(1, groups[0])
    ws.autofilter(0, 0, max(rows, 1), len(cols) - 1)
    _print_setup(ws, result, widths[:groups[-1]], groups=groups, last_row=rows)


CHANGES_WIDTHS = {"change": 15, "use_case_id": 14, "use_case": 34, "business_unit": 18, "before": 18,
                  "after": 18, "what_moved": 58}  # fits a Letter page at 8 pt


def _changes(ws, result: Result, fmt: _Formats) -> None:
    """Since the last run of the portfolio: the headline (which run, or why nothing is compared), then one
    row per change by kind and use case id (pipeline/changes.py), under a frozen header with a filter."""
    given = result.changes if result.changes is not None else changes_mod.empty()
    frame = changes_mod.ordered(given).head(EXCEL_DATA_ROWS - 1)
    ws.write_string(0, 0, changes_mod.headline(result.changes_facts), fmt.h2)
    heads, widths = list(changes_mod.LABELS.values()), [CHANGES_WIDTHS[name] for name in changes_mod.LABELS]
    _header_row(ws, 1, heads, widths, fmt.header, comments=[changes_mod.MEANINGS[n] for n in changes_mod.LABELS])
    _header_height(ws, 1, heads, widths)
    heights = _row_heights(frame, {"what_moved": CHANGES_WIDTHS["what_moved"]}, result.config["output"]["streaming_rows"])
    _rows(ws, frame, 2, [fmt.wrap if name == "what_moved" else fmt.top for name in frame.columns], heights=heights)
    ws.freeze_panes(2, 0)
    ws.autofilter(1, 0, frame.height + 1 if frame.height else 2, frame.width - 1)
    _print_setup(ws, result, widths, header_rows=(0, 1))


@dataclass
class _Places:
    """Where input rows and cells land on Portfolio, which rows to highlight, and the cell comments."""

    user_cols: list[str]
    notes: list[str]
    links: dict[tuple[int, int, str], str]  # (input, input row, letter or "") -> Portfolio cell
    filled: list[bool]  # per Portfolio row: has an error
    comments: dict[tuple[int, int], str]  # (Portfolio data row index, column) -> comment text
    comments_left_out: int


def _places(result: Result) -> _Places:
    cfg = result.config
    notes = [ANNOTATION_PREFIX + n for n in result.annotation_names()]
    left_out = set(columns_left_out(result))  # past Excel's last column: not on Portfolio
    user_cols = [c for c in result.portfolio_columns if c not in notes and c not in KEY and c not in left_out]
    index = result.input_rows.select(*KEY).with_row_index("__i")
    error_keys = issues_mod.error_rows(result.issues)
    filled = index.join(error_keys.with_columns(pl.lit(True).alias("__bad")), on=KEY, how="left",
                        maintain_order="left").get_column("__bad").fill_null(False).to_list()
    column_of = {name: j for j, name in enumerate(user_cols)}
    letter_col = pl.DataFrame(
        [(i, c.letter, column_of[c.name]) for i, s in enumerate(result.sources) for c in s.table.columns
         if c.name in column_of],
        schema={SRC: pl.Int64, "__letter": pl.String, "__col": pl.Int64}, orient="row",
    )
    located = (
        result.issues.filter(pl.col("row").is_not_null())
        .select(pl.col(SRC), pl.col("row").alias(ROW), "cell", "problem", "severity")
        .join(index, on=KEY, how="inner", maintain_order="left")
        .with_columns(pl.col("cell").str.replace(r"[0-9]+$", "").alias("__letter"))
        .join(letter_col, on=[SRC, "__letter"], how="left", maintain_order="left")
    )
    links: dict[tuple[int, int, str], str] = {}
    for src, row, i, letter, col in located.select(SRC, ROW, "__i", "__letter", "__col").iter_rows():
        links.setdefault((src, row, ""), f"A{i + 2}")
        if letter and col is not None:
            links[(src, row, letter)] = f"{xl_col_to_name(col)}{i + 2}"
    limit = cfg["output"]["max_cell_comments"]
    texts = (
        located.filter(pl.col("__col").is_not_null())
        .group_by("__i", "__col", maintain_order=True)
        .agg((pl.col("severity") + pl.lit(": ") + pl.col("problem")).str.join("\n").alias("text"))
    )
    comments = {(i, c): t for i, c, t in texts.head(limit).iter_rows()}
    return _Places(user_cols, notes, links, filled, comments, max(texts.height - limit, 0))


def _portfolio(ws, result: Result, fmt: _Formats, places: _Places, height_rows: int | None = None) -> None:
    """Every input row in input order: the user's columns, then the annotations, set apart. Made and
    written a part at a time (Result.portfolio_parts): widths and the columns with numbers among
    their texts from a first pass over the parts, then the rows."""
    cfg = result.config
    user_cols, notes = places.user_cols, places.notes
    comma_sources = [i for i, s in enumerate(result.sources) if s.table.decimal == ","]

    def numbers(part: pl.DataFrame) -> dict[str, pl.Series]:
        comma = part.get_column(SRC).is_in(comma_sources) if comma_sources else None
        return _numbers_of_texts(part.select(user_cols), comma)

    twins: set[str] = set()  # the user's text columns with numbers in them: written as two (_cell_columns)

    def first_pass() -> Iterator[pl.DataFrame]:
        for part in result.portfolio_parts():
            twins.update(numbers(part))
            yield part.select(user_cols + notes)

    longest = _longest(first_pass())
    texts, widths = _user_headers(ws, result, user_cols, longest, fmt)
    widths += _note_headers(ws, cfg, notes, longest, len(user_cols), fmt)
    _header_height(ws, 0, texts + [label(_canonical(n), cfg) for n in notes], widths)
    kinds = [(_user_format(result.input_rows.get_column(c)), False) for c in user_cols] + [
        (_num_format(_canonical(n), cfg), _canonical(n) in WRAPPED) for n in notes
    ]
    wrapped = [_canonical(n) for n in notes if _canonical(n) in WRAPPED]
    top = result.portfolio_part(0, result.rows if height_rows is None else height_rows)
    heights = _row_heights(top.select([pl.col(ANNOTATION_PREFIX + n).alias(n) for n in wrapped]),
                           _wrap_widths(cfg), height_rows)
    del top
    twins_in_order = [c for c in user_cols if c in twins]
    targets, kinds = _cell_targets(user_cols + notes, twins_in_order, kinds)
    formats = [fmt.get(nf, None, w) for nf, w in kinds]
    fill_formats = [fmt.get(nf, SEVERITY_COLOURS["error"], w) for nf, w in kinds]
    done = 0
    for part in result.portfolio_parts():  # the numbers among texts made again: held from the first pass,
        n = part.height                    # every part's would be held at once
        columns = _cell_columns(part.select(user_cols + notes), numbers(part), twins_in_order)
        comments = {(i - done, j): t for (i, j), t in places.comments.items() if done <= i < done + n}
        _rows(ws, pl.DataFrame(columns), 1 + done, formats, fill_formats=fill_formats,
              filled=places.filled[done:done + n], heights=heights[done:done + n], comments=comments, targets=targets)
        done += n
    ws.freeze_panes(1, 1)
    if result.rows:
        ws.autofilter(0, 0, result.rows, len(user_cols) + len(notes) - 1)
    _print_setup(ws, result, widths[:_fitting(widths, cfg)], last_row=result.rows)  # what one page width holds


def _canonical(note: str) -> str:
    """An annotation column's canonical name: 'ftscore:fit_score' -> 'fit_score'."""
    return note[len(ANNOTATION_PREFIX):]


def _user_headers(ws, result: Result, user_cols: list[str], longest: dict[str, int], fmt: _Formats
                  ) -> tuple[list[str], list[float]]:
    """The user's headers as given, each with a comment saying which column ftscore read it as; their
    texts and widths (longest: _longest of the columns' values)."""
    headers: dict[str, str] = {}
    for source in result.sources:
        for col in source.table.columns:
            headers.setdefault(col.name, col.header)
    used = {col.name: field for source in result.sources for field, col in source.mapping.fields.items()}
    texts = [headers.get(name, name) for name in user_cols]
    widths = _named_widths(user_cols, texts, longest)
    notes = [f"Read as {used[name]}: {FIELDS[used[name]].meaning}" if name in used
             else "Not used by ftscore; carried through as given" for name in user_cols]
    _header_row(ws, 0, texts, widths, fmt.header, comments=notes)
    return texts, widths


def _note_headers(ws, cfg: dict, notes: list[str], longest: dict[str, int], first: int, fmt: _Formats) -> list[float]:
    """The annotation columns' labels, meanings and widths (returned; longest: _longest of their values),
    from sheet column ``first``."""
    names = [_canonical(note) for note in notes]
    heads = [label(name, cfg) for name in names]
    widths = _fixed_widths(names, _named_widths(notes, heads, longest), cfg)
    _header_row(ws, 0, heads, widths, fmt.note_header, comments=[meaning(n, cfg) for n in names], first=first)
    return widths


def _cell_targets(names: list[str], twins: list[str], kinds: list[tuple]) -> tuple[list[int], list[tuple]]:
    """The sheet column of every column _cell_columns makes from these columns, and its (number format, wrap)."""
    targets, out_kinds = [], []
    for j, name in enumerate(names):
        copies = 2 if name in twins else 1
        targets += [j] * copies
        out_kinds += [kinds[j]] * copies
    return targets, out_kinds


def _cell_columns(frame: pl.DataFrame, number_cells: dict[str, pl.Series], twins: list[str]) -> list[pl.Series]:
    """The columns to write (sheet columns: _cell_targets). A user's text column with numbers in it
    (twins; number_cells: _numbers_of_texts of these rows) is written as two: its numbers, then its other text."""
    columns = []
    for column in frame.get_columns():
        if column.name in twins:
            numbers = number_cells.get(column.name, pl.Series(column.name, [None] * frame.height, pl.Float64))
            columns += [numbers.alias(f"{column.name}\x00number"), column.set(numbers.is_not_null(), None)]
        else:
            columns.append(column)
    return columns


def _issues(ws, result: Result, fmt: _Formats, places: _Places | None) -> None:
    headers = ["Severity", "File", "Sheet", "Row", "Column", "Cell", "Value", "Problem", "Portfolio cell"]
    widths = [10, 24, 14, 7, 22, 8, 24, 56, 14]  # fits a page at the legible print scale
    wraps = ("File", "Column", "Value", "Problem")
    _header_row(ws, 0, headers, widths, fmt.header, column_formats=[fmt.wrap if h in wraps else fmt.top for h in headers])
    sev_formats = {s: fmt.get(fill=c) for s, c in SEVERITY_COLOURS.items()}
    frame = result.issues.select("severity", "file", "sheet", "row", "column", "cell", "value", "problem", SRC)
    frame = frame.head(EXCEL_DATA_ROWS)
    heights = _issue_heights(frame, {c: w for c, h, w in zip(frame.columns, headers, widths) if h in wraps},
                             result.config["output"]["streaming_rows"])
    links = places.links if places is not None else {}
    linked = 0
    for i, values in enumerate(frame.iter_rows(), start=1):
        if i <= len(heights) and heights[i - 1] is not None:
            ws.set_row(i, heights[i - 1])
        ws.write_string(i, 0, values[0], sev_formats.get(values[0]))
        for j in range(1, 8):
            if values[j] is not None:
                _write(ws, i, j, values[j])
        row, cell, src = values[3], values[5], values[8]
        if row is not None:
            letter = cell.rstrip("0123456789") if cell else ""
            target = links.get((src, row, letter)) or links.get((src, row, ""))
            if target and linked < MAX_LINKS:
                ws.write_url(i, 8, f"internal:'Portfolio'!{target}", fmt.link, string=target)
                linked += 1
            elif target:  # past Excel's limit of links on a sheet: the address, as text
                ws.write_string(i, 8, target)
    ws.freeze_panes(1, 0)
    if frame.height:
        ws.autofilter(0, 0, frame.height, len(headers) - 1)
    _print_setup(ws, result, widths)


def _issue_heights(frame: pl.DataFrame, wrapped: dict[str, float], limit: int) -> list[float | None]:
    """The heights of the Issues rows whose wrapped texts (widths by column) need more than one line."""
    return _row_heights(frame.with_columns(pl.col(c).cast(pl.String) for c in wrapped), wrapped, limit)


def _assumptions(ws, result: Result, fmt: _Formats) -> None:
    widths = [14, 36, 30, 60]
    _header_row(ws, 0, ["Group", "Setting", "Value", "Meaning"], widths, fmt.header, column_formats=[fmt.wrap] * 4)
    rows = [
        ("run", "ftscore version", __version__, "Version of the tool"),
        ("run", "run at (UTC)", result.started.strftime("%Y-%m-%d %H:%M:%S"), "When the run started"),
    ]
    for source in result.sources:
        table = source.table
        group = "input" if len(result.sources) == 1 else f"input {Path(table.file).name}"
        rows += [
            (group, "file", table.file, "The file scored"),
            (group, "sha256", source.checksum, "Checksum of the input file"),
            (group, "sheet", table.sheet or "(text file)", "The sheet read"),
            (group, "header row", table.header_row, "Row of the input that holds the headers"),
            (group, "encoding", table.encoding or "(spreadsheet)", "Text encoding of the input"),
            (group, "use cases", table.rows, "Rows read (blank rows skipped)"),
        ]
        rows += [
            (group, f"column {col.letter}: {col.header}", name, "Header matched to this column")
            for name, col in source.mapping.fields.items()
        ]
    printed = len(rows)  # the run, the inputs and their columns; the settings are on screen
    means = meanings()
    for key, value in flatten(result.config):
        group = key.split(".")[0]
        rows.append((group, key, json.dumps(value) if isinstance(value, list) else value, meaning_of(key, means)))
    lines = [min(max(_lines(str(v), w) for v, w in zip(values, widths)), MAX_LINES) for values in rows]
    for i, (values, n) in enumerate(zip(rows, lines), start=1):
        if n > 1:
            ws.set_row(i, LINE_PT * n)
        for j, value in enumerate(values):
            _write(ws, i, j, value)
    ws.freeze_panes(1, 0)
    _print_setup(ws, result, widths, last_row=printed, height=LINE_PT * (1 + sum(lines[:printed])))


def _summary(ws, wb, result: Result, fmt: _Formats, *, streaming: bool = False, places: _Places | None = None,
             companion: Path | None = None, cuts: dict[str, int] | None = None) -> None:
    cfg = result.config
    horizon = horizon_column(cfg)
    # only the columns Summary reads: a filter over the whole ranking copies every column
    ranking = result.ranking.select(list(dict.fromkeys([
        "rank", "use_case", "recommendation", "fit_score", "break_even_months", "annual_api_cost",
        "monthly_api_cost", horizon, *summary_mod.inputs()])))
    ws.write_string(0, 0, "ftscore: fine-tune or keep prompting?", fmt.title)
    ws.set_row(0, 26)
    r = 2
    for name, value in _summary_facts(result, streaming=streaming, places=places, companion=companion, cuts=cuts):
        ws.write_string(r, 0, name, fmt.bold)
        if isinstance(value, str):
            _summary_text(ws, r, value, fmt, last=FACTS_LAST)
        else:
            _write(ws, r, 1, value, fmt.left)
        r += 1
    r = max(r - 1, _summary_changes(ws, result, 2, fmt)) + 1  # beside the facts
    table = summary_mod.by_recommendation(ranking, cfg)
    counts_top = r + 2
    r = _summary_counts(ws, ranking, table, r + 1, cfg, fmt)
    counts_bottom = counts_top + table.height - 1
    r = _summary_insufficient(ws, ranking, r, fmt)
    r = _summary_stability_and_budget(ws, result, r, fmt)
    r = _summary_top(ws, ranking, r + 2, cfg, fmt)
    recommendations = table["recommendation"].to_list()
    charts = [_recommendations_chart(wb, counts_top, counts_bottom, recommendations),
              _savings_chart(wb, counts_top, counts_bottom, recommendations, cfg),
              *_summary_charts(ws, wb, result, fmt)]
    widths = _summary_widths(ws, fmt)
    _summary_page(ws, result, widths, charts, r)


SUMMARY_COLUMNS = 6  # Summary's tables use columns A to F; the charts stand right of them
FACTS_LAST = 2  # the facts' texts stand in columns B and C
SUMMARY_MAX_WIDTH = 32  # the widest a Summary table column is made (a longer text wraps)
SUMMARY_GAP = 2  # the width of the empty column between the tables and the charts
PIXEL_PT = 0.75  # a screen pixel in points
ROW_PX = LINE_PT / PIXEL_PT  # a default row's height in pixels (20)


def _summary_text(ws, r: int, text: str, fmt: _Formats, col: int = 1, last: int = SUMMARY_COLUMNS - 1,
                  cell_format: Any = None) -> None:
    """A text of Summary at row r, across columns col to last, wrapped (in cell_format, which wraps)."""
    cell_format = cell_format or fmt.wrap
    ws.merge_range(r, col, r, last, "", cell_format)
    ws.write_string(r, col, text, cell_format)


def _summary_widths(ws: _InOrder, fmt: _Formats) -> list[float]:
    """The widths of Summary's table columns from what is written in them, in characters (titles and
    the merged text lines left out; a header may take two lines), and the row heights that the
    wrapped texts need with them."""
    cells = [c for c in ws.recorded() if c[3] and c[2] != "merge_range"]
    merged = {(row, col): args[1] for row, col, name, args in ws.recorded() if name == "merge_range"}
    longest = [0] * SUMMARY_COLUMNS
    for row, col, _, args in cells:
        cell_format = args[1] if len(args) > 1 else None
        if col < SUMMARY_COLUMNS and (row, col) not in merged and cell_format not in (fmt.title, fmt.h2):
            shown = _shown(args[0], cell_format)
            if cell_format is fmt.header:  # two lines at most
                shown = max(max(shown.split(), key=len, default=""), shown[:math.ceil(len(shown) / 2)], key=len)
            longest[col] = max(longest[col], len(shown))
    widths = [float(max(6, min(SUMMARY_MAX_WIDTH, n + 2))) for n in longest]
    _summary_heights(ws, cells, merged, widths)
    return widths


def _summary_heights(ws: _InOrder, cells: list, merged: dict[tuple[int, int], int], widths: list[float]) -> None:
    """Each Summary row with a wrapped text as tall as that text needs in its column(s)."""
    lines: dict[int, int] = {}
    for row, col, _, args in cells:
        cell_format = args[1] if len(args) > 1 else None
        if isinstance(args[0], str) and col < SUMMARY_COLUMNS and getattr(cell_format, "text_wrap", 0):
            room = sum(widths[col:merged.get((row, col), col) + 1])
            lines[row] = max(lines.get(row, 1), _lines(args[0], room))
    for row, n in lines.items():
        if n > 1:
            ws.set_row(row, LINE_PT * min(n, MAX_LINES))


TEXT_PER_DIGIT = 1.15  # letters of a text that fit in the width of one digit (a column width counts digits)


def _lines(text: str, width: float) -> int:
    """About how many lines a text takes in a wrapped cell of this width (characters), word by word."""
    n, used, room = 1, 0, max(width * TEXT_PER_DIGIT - 1, 1)
    for word in text.split():
        if len(word) > room:  # a word longer than a line breaks inside it (counted as digit-wide)
            n += (1 if used else 0) + math.ceil(len(word) / max(width - 1, 1)) - 1
            used = room  # the next word starts a line
        elif used and used + 1 + len(word) > room:
            n, used = n + 1, len(word)
        else:
            used += (1 if used else 0) + len(word)
    return n


def _shown(value: Any, cell_format: Any) -> str:
    """About what a Summary cell shows (to size its column)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"${value:,.0f}" if getattr(cell_format, "num_format", "") == USD else f"{value:,.1f}"
    return "" if value is None else str(value)


def _summary_page(ws, result: Result, widths: list[float], charts: list, last_row: int) -> None:
    """Summary's column widths, its charts right of the tables, sized so that the sheet prints on one
    page at the legible scale (print_scale), and the print set-up."""
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    ws.set_column(SUMMARY_COLUMNS, SUMMARY_COLUMNS, SUMMARY_GAP)
    room_w, room_h = (points / PIXEL_PT for points in page_room(result.config))
    heights = ws.heights()
    tables_h = sum(heights[r] / PIXEL_PT if r in heights else ROW_PX for r in range(last_row + 1))
    height = max(min(room_h, tables_h) - 2 * ROW_PX, 2 * CHART_MIN_PX)
    width = max(room_w - sum(_column_points(w) for w in [*widths, SUMMARY_GAP]) / PIXEL_PT, 2 * CHART_MIN_PX)
    for chart, (x, y, w, h) in zip(charts, _chart_boxes(width, height)):
        if chart is not None:
            chart.set_size({"width": int(w), "height": int(h)})
            ws.insert_chart(2, SUMMARY_COLUMNS + 1, chart, {"x_offset": int(x), "y_offset": int(y),
                                                            "object_position": 3})
    _page_frame(ws, result, None)
    ws.set_print_scale(print_scale(result.config))  # laid out to fit one page at this scale
    last_col = SUMMARY_COLUMNS + math.ceil(width / DEFAULT_COLUMN_PX)  # the columns under the charts
    ws.print_area(0, 0, max(last_row, 2 + math.ceil(height / ROW_PX)), min(last_col, CHART_DATA_COL - 2))


DEFAULT_COLUMN_PX = 64  # a column of the default width, in pixels
CHART_GAP_PX = 10
COUNTS_SHARE = 0.58  # of the charts' width: the counts chart (with the names), the savings chart beside it
TOP_ROW_SHARE = 0.3  # of the charts' height: the two recommendation charts; the other two share the rest


def _chart_boxes(width: float, height: float) -> list[tuple[float, float, float, float]]:
    """(x, y, width, height) in pixels of Summary's four charts in a box of width x height: the counts
    and the savings per recommendation side by side, then the portfolio, then the top use cases' factors."""
    g = CHART_GAP_PX
    top = height * TOP_ROW_SHARE
    rest = (height - top) / 2
    left = width * COUNTS_SHARE
    return [(0, 0, left - g / 2, top - g), (left + g / 2, 0, width - left - g / 2, top - g),
            (0, top, width, rest - g), (0, top + rest, width, rest - g)]


def _summary_facts(result: Result, *, streaming: bool, places: _Places | None, companion: Path | None,
                   cuts: dict[str, int] | None) -> list[tuple[str, object]]:
    """The (name, value) lines at the top of Summary: inputs, counts, notes, run time, version."""
    return [
        *[("Input", s.table.file + (f" (sheet {s.table.sheet})" if s.table.sheet else "")) for s in result.sources],
        ("Use cases", result.rows),
        ("Scored", result.scored),
        ("Not scored (errors)", result.error_rows),
        ("Warnings", result.warnings),
        *_summary_notes(result, streaming=streaming, places=places, cuts=cuts),
        *_summary_too_big(result, companion),
        ("Run at (UTC)", result.started.strftime("%Y-%m-%d %H:%M")),
        ("ftscore version", __version__),
    ]


def _summary_notes(result: Result, *, streaming: bool, places: _Places | None,
                   cuts: dict[str, int] | None) -> list[tuple[str, str]]:
    """Summary's "Note" lines: sheets not read, texts cut, comments left out, streaming."""
    return [
        *[("Note", f"{Path(s.table.file).name}: sheet{'s' if len(s.table.other_sheets) > 1 else ''} "
                   f"{', '.join(repr(n) for n in s.table.other_sheets)} also hold"
                   f"{'' if len(s.table.other_sheets) > 1 else 's'} use cases and {'were' if len(s.table.other_sheets) > 1 else 'was'} "
                   "not read; read each with --sheet NAME, or run once per sheet")
          for s in result.sources if s.table.other_sheets],
        *([("Note", f"{sum(cuts.values()):,} {'text is' if sum(cuts.values()) == 1 else 'texts are'} longer than "
                    f"an Excel cell holds ({CELL_TEXT_MAX:,} characters) and end in {CUT_MARK} ("
                    + ", ".join(f"{name} {n:,}" for name, n in cuts.items())
                    + "); Issues names each such cell of the input")] if cuts else []),
        *([("Note", f"{places.comments_left_out:,} more problem cells have no comment on Portfolio; "
                    "every problem is on Issues")] if places and places.comments_left_out else []),
        *([("Note", "Large portfolio: written streaming; Ranking has a filter instead of an Excel table, and "
                    f"rows past the first {result.config['output']['streaming_rows']:,} are one line high "
                    "(Home > Format > AutoFit Row Height shows long text)")]
          if streaming else []),
    ]


def _summary_too_big(result: Result, companion: Path | None) -> list[tuple[str, str]]:
    """The "Every row" / "Every column" line when the portfolio does not fit on one Excel sheet, and
    the "Every option" line when the Options sheet does not."""
    return _summary_rows_or_columns(result, companion) + _summary_options(result, companion)


def _summary_options(result: Result, companion: Path | None) -> list[tuple[str, str]]:
    if not options_past_a_sheet(result):
        return []
    where = side_file(companion, "options") if companion else "no companion file"
    return [("Every option", f"{option_rows(result):,} option rows ({len(OPTIONS)} per scored use case) are more "
                             f"than an Excel sheet holds: Options shows the first {EXCEL_DATA_ROWS:,} (the best ranked "
                             f"use cases); every option of every use case is in {where}")]


def _summary_rows_or_columns(result: Result, companion: Path | None) -> list[tuple[str, str]]:
    if too_big_for_a_sheet(result):
        return [("Every row", f"{result.rows:,} rows are more than an Excel sheet holds: every row, scored or not, is in "
                              f"{companion}; Ranking shows the top {min(result.scored, EXCEL_DATA_ROWS):,} of "
                              f"{result.scored:,}, Issues the first {min(result.issues.height, EXCEL_DATA_ROWS):,} of "
                              f"{result.issues.height:,}")]
    if columns_left_out(result):
        return [("Every column", f"{len(columns_left_out(result)):,} of your columns do not fit on Portfolio beside "
                                 f"the ftscore columns (Excel holds {EXCEL_COLUMNS:,}); every column is in "
                                 f"{companion or 'no companion file'}")]
    return []


NOT_SHOWN = "\u2013"  # an amount Summary does not give (the money columns are empty there, or unknown)


def _summary_counts(ws, ranking: pl.DataFrame, table: pl.DataFrame, r: int, cfg: dict, fmt: _Formats) -> int:
    """The table of use cases, today's monthly API spend and the recommended option's net savings per
    recommendation (header at row r; summary.by_recommendation), its total row and the annual spend.
    Returns the last row written."""
    heads = ["Recommendation", "Use cases", label("monthly_api_cost", cfg), label(horizon_column(cfg), cfg)]
    for j, head in enumerate(heads):
        ws.write_string(r, j, head, fmt.header)
    blank = fmt.get("@")
    for rec, n, spend, savings in table.iter_rows():
        r += 1
        ws.write_string(r, 0, rec, fmt.get(fill=REC_COLOURS[rec]))
        ws.write_number(r, 1, n, fmt.left)
        for j, amount in ((2, spend), (3, savings)):
            if amount is None:
                ws.write_string(r, j, NOT_SHOWN, blank)
            else:
                ws.write_number(r, j, amount, fmt.money)
    total = summary_mod.totals(table)
    r += 1
    ws.write_string(r, 0, "Total", fmt.bold)
    ws.write_number(r, 1, total["use_cases"], fmt.bold_left)
    ws.write_number(r, 2, total[summary_mod.SPEND], fmt.money)
    ws.write_number(r, 3, total[summary_mod.SAVINGS], fmt.money)
    r += 2
    ws.write_string(r, 0, "Total annual API spend", fmt.bold)
    ws.write_number(r, 1, float(ranking["annual_api_cost"].sum() or 0), fmt.money)
    return r


INSUFFICIENT_LINE = f"Inputs missing ({INSUFFICIENT})"


def _summary_insufficient(ws, ranking: pl.DataFrame, r: int, fmt: _Formats) -> int:
    """The line naming the Insufficient data rows and the inputs that would decide them, when there are
    any. Returns the last row written."""
    line = summary_mod.insufficient_line(summary_mod.lacking(ranking))
    if line is None:
        return r
    r += 1
    ws.write_string(r, 0, INSUFFICIENT_LINE, fmt.bold)
    _summary_text(ws, r, line, fmt)
    return r


def _summary_stability_and_budget(ws, result: Result, r: int, fmt: _Formats) -> int:
    """The stability line and the budget block, when the run has them. Returns the last row written."""
    cfg = result.config
    if result.stability:
        r += 2
        st = result.stability
        ws.write_string(r, 0, f"Stability ({st['draws']:,} draws, seed {st['seed']})", fmt.bold)
        _summary_text(ws, r, st["line"], fmt)
    if result.budget:
        b = result.budget
        r += 2
        ws.write_string(r, 0, "Budget", fmt.h2)
        for name, value, money in (
            ("Budget for one-off costs", b["amount"], True),
            ("Use cases funded", f"{b['chosen']} of {b['candidates']} recommended changes", False),
            ("One-off cost of the funded set", b["setup_cost"], True),
            (f"Net savings of the funded set ({cfg['money']['horizon_months']} months)", b["savings"], True),
            ("Method", b["method"], False),
        ):
            r += 1
            ws.write_string(r, 0, name, fmt.bold)
            if isinstance(value, str):
                _summary_text(ws, r, value, fmt)
            else:
                _write(ws, r, 1, value, fmt.money if money else fmt.left)
    return r


CHANGES_COL = 3  # Summary's "Since the last run" block stands beside the facts, in columns D to F


def _summary_changes(ws, result: Result, r: int, fmt: _Formats) -> int:
    """The "Since the last run (date)" block titled at row r of column D: the count of each kind of
    change (pipeline/changes.py), each label across D and E and its count in F, or why there is
    nothing to compare. Returns the last row written."""
    facts = result.changes_facts
    since, found = facts.get("since"), facts.get("counts")
    c = CHANGES_COL
    ws.write_string(r, c, f"Since the last run ({changes_mod.stamp(since)})" if since else "Since the last run", fmt.h2)
    if since is None or found is None:
        _summary_text(ws, r + 1, changes_mod.headline(facts), fmt, col=c)
        return r + 1
    for kind, name in changes_mod.count_labels(result.config).items():
        r += 1
        _summary_text(ws, r, name, fmt, col=c, last=SUMMARY_COLUMNS - 2, cell_format=fmt.bold)
        ws.write_number(r, SUMMARY_COLUMNS - 1, found.get(kind, 0), fmt.left)
    return r


def _summary_top(ws, ranking: pl.DataFrame, r: int, cfg: dict, fmt: _Formats) -> int:
    """The ten best ranked use cases, titled at row r: the name in the label column, then its rank.
    Returns the last row written."""
    ws.write_string(r, 0, "Top use cases", fmt.h2)
    r += 1
    top_cols = ["use_case", "rank", "recommendation", "fit_score", "break_even_months", horizon_column(cfg)]
    for j, name in enumerate(top_cols):
        ws.write_string(r, j, label(name, cfg), fmt.header)
    formats = [fmt.wrap, fmt.left, *[fmt.get(_num_format(c, cfg)) for c in top_cols[2:]]]
    for values in ranking.select(top_cols).head(10).iter_rows():
        r += 1
        for j, value in enumerate(values):
            _write(ws, r, j, value, formats[j])
    return r


def _recommendations_chart(wb, counts_top: int, counts_bottom: int, recommendations: list[str]) -> Any:
    """Bar chart of the use cases per recommendation, from the counts table."""
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({
        "name": "Use cases",
        "categories": ["Summary", counts_top, 0, counts_bottom, 0],
        "values": ["Summary", counts_top, 1, counts_bottom, 1],
        "points": [{"fill": {"color": REC_COLOURS[rec]}, "border": {"color": "#7F7F7F"}} for rec in recommendations],
    })
    chart.set_title({"name": "Recommendations", "name_font": TITLE_FONT})
    chart.set_x_axis({"num_font": CHART_FONT})
    chart.set_y_axis({"num_font": CHART_FONT, "reverse": True})
    chart.set_legend({"none": True})
    return chart


def _savings_chart(wb, counts_top: int, counts_bottom: int, recommendations: list[str], cfg: dict) -> Any:
    """Bar chart of the net savings per recommendation, from the counts table, beside the counts
    chart (the recommendations that change nothing have no bar)."""
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({
        "name": label(horizon_column(cfg), cfg),
        "categories": ["Summary", counts_top, 0, counts_bottom, 0],
        "values": ["Summary", counts_top, 3, counts_bottom, 3],
        "points": [{"fill": {"color": REC_COLOURS[rec]}, "border": {"color": "#7F7F7F"}} for rec in recommendations],
    })
    chart.set_title({"name": f"Net savings over {cfg['money']['horizon_months']} months", "name_font": TITLE_FONT})
    chart.set_x_axis({"num_format": USD, "num_font": CHART_FONT})
    # beside the counts chart, bar for bar: the names are there
    chart.set_y_axis({"num_font": CHART_FONT, "reverse": True, "label_position": "none"})
    chart.set_legend({"none": True})
    return chart


CHART_DATA_COL = 26  # column AA: the data behind the Summary charts, right of the printed area
BAND_COLOURS = ("#9DC3E6", "#5B9BD5", "#2E75B6", "#1F4E78")


def _short_usd(amount: float) -> str:
    """$10k, $1M, $2.5M: a chart band's bound."""
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if amount >= size:
            return f"${amount / size:g}{unit}"
    return f"${amount:g}"


def _summary_charts(ws, wb, result: Result, fmt: _Formats) -> list:
    """Bubble chart of the portfolio (fit score against break-even, size = annual API spend) and
    the four factor scores of the top use cases side by side. Their data is a small table at AA1."""
    ranking = result.ranking.select("use_case", "break_even_months", "fit_score", "annual_api_cost",
                                    *[f"{f}_score" for f in FACTOR_NAMES])
    c0 = CHART_DATA_COL
    ws.write_string(0, c0, "Data for the charts", fmt.bold)
    # The chart data stays out of sight (hidden columns); the charts still plot it.
    ws.set_column(c0, c0 + 4, 14, fmt.top, {"hidden": True})
    bands = _spend_bands(result.config["output"]["chart_spend_bands"])
    breaking_even = ranking.filter(pl.col("break_even_months").is_not_null())
    bubbles = _bubble_data(ws, breaking_even, bands, result.config["output"]["chart_points"], fmt)
    bubble = None
    if bubbles.height:
        bubble = _bubble_chart(wb, bubbles, bands, never=ranking.height - breaking_even.height,
                               breaking_even=breaking_even.height)
    return [bubble, _factor_chart(ws, wb, ranking, 3 + max(bubbles.height, 1), fmt)]


def _spend_bands(edges: list[float]) -> list[tuple[float, float, int, str]]:
    """The four bands of annual API spend (low, high, marker size, legend name) from the three
    bounds in output.chart_spend_bands."""
    # xlsxwriter has no bubble chart: the bubble size is drawn as marker size, one series per
    # band of annual API spend, so the legend says what a size means.
    return [(0, edges[0], 6, f"under {_short_usd(edges[0])} a year"),
            (edges[0], edges[1], 10, f"{_short_usd(edges[0])}-{_short_usd(edges[1])} a year"),
            (edges[1], edges[2], 15, f"{_short_usd(edges[1])}-{_short_usd(edges[2])} a year"),
            (edges[2], float("inf"), 21, f"{_short_usd(edges[2])}+ a year")]


def _bubble_data(ws, breaking_even: pl.DataFrame, bands: list, points: int, fmt: _Formats) -> pl.DataFrame:
    """Write the bubble chart's data at AA2 (best ranked first, grouped by spend band) and return
    it with its band number."""
    c0 = CHART_DATA_COL
    spend = pl.col("annual_api_cost").fill_null(0.0)
    band = pl.lit(len(bands) - 1)
    for k in range(len(bands) - 2, -1, -1):
        band = pl.when(spend < bands[k][1]).then(pl.lit(k)).otherwise(band)
    # Ranking is in rank order: the best ranked are plotted, up to output.chart_points.
    bubbles = (
        breaking_even.head(points)
        .select("use_case", "break_even_months", "fit_score", spend.alias("annual_api_cost"), band.alias("band"))
        .sort("band", maintain_order=True)
    )
    heads = ["Use case", "Break-even months", "Fit score", "Annual API cost"]
    for j, h in enumerate(heads):
        ws.write_string(1, c0 + j, h, fmt.header)
    for i, values in enumerate(bubbles.drop("band").iter_rows(), start=2):
        for j, v in enumerate(values):
            _write(ws, i, c0 + j, v)
    return bubbles


def _bubble_chart(wb, bubbles: pl.DataFrame, bands: list, *, never: int, breaking_even: int) -> Any:
    """The portfolio as a scatter chart, one series per spend band; `never` use cases do not break
    even and are left out, and only the best ranked of the `breaking_even` ones are plotted."""
    c0 = CHART_DATA_COL
    chart = wb.add_chart({"type": "scatter"})
    first = 2
    for k, (_, _, size, name) in enumerate(bands):
        count = bubbles.filter(pl.col("band") == k).height
        if not count:
            continue
        last = first + count - 1
        chart.add_series({
            "name": f"API spend {name}",
            "categories": ["Summary", first, c0 + 1, last, c0 + 1],
            "values": ["Summary", first, c0 + 2, last, c0 + 2],
            # LibreOffice draws no marker with a transparent fill, and none at all for a series
            # with custom (cell-referenced) labels: plain fills, names in the data table.
            "marker": {"type": "circle", "size": size, "fill": {"color": BAND_COLOURS[k]},
                       "border": {"color": "#404040"}},
        })
        first = last + 1
    title = "The portfolio: fit score against break-even"
    if breaking_even - bubbles.height:
        title += f" (the {bubbles.height:,} best ranked of {breaking_even:,})"
    chart.set_title({"name": title, "name_font": TITLE_FONT})
    x_name = "Break-even (months)" + (f"; {never} use cases never break even and are not shown" if never else "")
    chart.set_x_axis({"name": x_name, "min": 0, "name_font": CHART_FONT, "num_font": CHART_FONT})
    chart.set_y_axis({"name": "Fit score", "min": 0, "max": 10, "name_font": CHART_FONT, "num_font": CHART_FONT})
    chart.set_legend({"position": "right", "font": CHART_FONT})
    chart.show_hidden_data()
    return chart


def _factor_chart(ws, wb, ranking: pl.DataFrame, t0: int, fmt: _Formats) -> Any:
    """The four factor scores of the ten best ranked use cases: data at row t0 of AA, a bar chart."""
    c0 = CHART_DATA_COL
    top = ranking.head(10).select("use_case", *[f"{f}_score" for f in FACTOR_NAMES])
    for j, h in enumerate(["Use case", "Privacy", "Cost", "Accuracy", "Speed"]):
        ws.write_string(t0, c0 + j, h, fmt.header)
    for i, values in enumerate(top.iter_rows(), start=t0 + 1):
        for j, v in enumerate(values):
            _write(ws, i, c0 + j, v)
    if not top.height:
        return None
    bars = wb.add_chart({"type": "bar"})
    for j, name in enumerate(["Privacy", "Cost", "Accuracy", "Speed"], start=1):
        bars.add_series({
            "name": name,
            "categories": ["Summary", t0 + 1, c0, t0 + top.height, c0],
            **category_cache(wb, top.get_column("use_case").to_list()),  # a rich-string name too
            "values": ["Summary", t0 + 1, c0 + j, t0 + top.height, c0 + j],
        })
    bars.set_title({"name": "The four factors of the top use cases", "name_font": TITLE_FONT})
    bars.set_x_axis({"min": 0, "max": 10, "num_font": CHART_FONT})
    bars.set_y_axis({"reverse": True, "num_font": CHART_FONT})
    bars.set_legend({"position": "right", "font": CHART_FONT})
    bars.show_hidden_data()
    return bars
