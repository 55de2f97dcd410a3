"""A fill-in template workbook: every input column, explained, with drop-downs and checks.

Sheet "Use cases" has one header per canonical column of ``FIELDS``, in its
template order (its label: a readable header that still normalises to the
canonical name, so ftscore reads it back without aliases), a comment on each
header with the column's meaning and unit, drop-down lists for the category and
yes/no columns, number checks with input and error messages for the numeric
columns (the fixed bounds of ``FIELDS``, which the pandera contract
``schemas.PortfolioInput`` is built from), and three worked examples. Sheet
"How to fill it in" explains every column in one row. Every fact about a column
comes from its entry in ``pipeline.fields.FIELDS``.

Written with xlsxwriter to a temporary file beside the target and renamed into
place, like the scored workbook.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, NamedTuple

import xlsxwriter

from pipeline.atomic import replace_when_done
from pipeline.columns import header_index, normalise
from pipeline.fields import CATEGORY_VOCAB, FIELDS, number_format, template_order, unit
from pipeline.xlsxtext import TextWorkbook

SHEET = "Use cases"
HELP_SHEET = "How to fill it in"
LISTS_SHEET = "Lists"  # hidden; only used when a drop-down list is too long to write inline
LAST_ROW = 1000  # validations and formats cover rows 2..LAST_ROW, as Excel numbers them

NUMERIC_KINDS = ("money", "count", "rate", "change", "score", "seconds")
# Excel's checks are closed at both ends; an open end of a two-sided range (a rate above 0,
# a change above -100 %) is stepped inside by this much, so the obvious mistake is caught.
OPEN_STEP = 0.0001

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "nan_inf_to_errors": True,
}

# Three worked examples: one that fine-tunes on privacy, one priced from calls x tokens with
# GPU facts for the hosting estimate, and one with little data.
EXAMPLES: list[dict[str, Any]] = [
    {
        "use_case_id": "UC-001",
        "use_case": "Claims triage assistant",
        "business_unit": "Claims",
        "owner": "Dana Whitfield",
        "description": "Reads first-notice-of-loss claims, extracts policy and injury details and routes each claim to the right adjuster queue",
        "stage": "production",
        "industry": "insurance",
        "data_sensitivity": "regulated",
        "contains_pii": "yes",
        "trade_secrets": "no",
        "data_residency": "yes",
        "regulations": "HIPAA; GLBA",
        "monthly_api_cost": 18500,
        "monthly_calls": 260000,
        "current_accuracy": 0.915,
        "target_accuracy": 0.97,
        "critical_error_rate": 0.03,
        "edge_case_error_rate": 0.08,
        "latency_class": "quick",
        "max_latency_s": 5,
        "finetune_setup_cost": 60000,
        "finetune_monthly_cost": 4500,
        "team_size": 0.5,
        "team_monthly_cost": 14000,
        "usage_growth_pct": 0.15,
        "api_price_change_pct": -0.2,
    },
    {
        "use_case_id": "UC-002",
        "use_case": "Customer-service call summariser",
        "business_unit": "Customer Service",
        "owner": "Priya Raman",
        "description": "Summarises each support call transcript into reason, resolution and follow-up for the CRM",
        "stage": "pilot",
        "industry": "general",
        "data_sensitivity": "personal",
        "contains_pii": "yes",
        "trade_secrets": "no",
        "data_residency": "no",
        "regulations": "none",
        "model": "gpt-4o",
        "monthly_calls": 900000,
        "input_tokens": 1800,
        "output_tokens": 250,
        "input_price_per_1m": 2.5,
        "output_price_per_1m": 10,
        "current_accuracy": 0.88,
        "target_accuracy": 0.9,
        "critical_error_rate": 0.01,
        "edge_case_error_rate": 0.06,
        "latency_class": "batch",
        "max_latency_s": 30,
        "finetune_setup_cost": 35000,
        "gpu_hourly_cost": 2.5,
        "throughput_tokens_per_s": 2500,
        "gpu_utilisation": 0.6,
        "team_size": 0.25,
        "team_monthly_cost": 12000,
        "usage_growth_pct": 0.25,
        "api_price_change_pct": -0.15,
    },
    {
        "use_case_id": "UC-003",
        "use_case": "Marketing copy drafts",
        "business_unit": "Marketing",
        "owner": "Tom Okafor",
        "description": "First drafts of campaign emails and social posts for the team to edit",
        "stage": "idea",
        "data_sensitivity": "internal",
        "contains_pii": "no",
        "latency_class": "batch",
    },
]

class Bounds(NamedTuple):
    low: float | None
    low_open: bool
    high: float | None
    high_open: bool


def columns() -> list[str]:
    """Every input column of FIELDS in template order."""
    return template_order()


def header(name: str) -> str:
    return FIELDS[name].label


def levels(name: str, cfg: dict) -> list[str]:
    """Drop-down values of a category or yes/no column."""
    if FIELDS[name].kind == "flag":
        return ["yes", "no"]
    section, key = CATEGORY_VOCAB[name]
    return list(cfg[section][key])


def bounds() -> dict[str, Bounds]:
    """Fixed numeric bounds of each input column (FIELDS: the same checks as the pandera contract)."""
    out: dict[str, Bounds] = {}
    for name, spec in FIELDS.items():
        checks = spec.checks
        low, high = checks.get("gt", checks.get("ge")), checks.get("le")
        if low is not None or high is not None:
            out[name] = Bounds(None if low is None else float(low), "gt" in checks,
                               None if high is None else float(high), False)
    return out


def _number(value: float, kind: str) -> str:
    if kind in ("rate", "change"):
        return f"{value * 100:g}%"
    if kind == "money":
        if value != 0 and abs(value) < 1:
            return f"${value:,.6f}".rstrip("0")
        return f"${value:,.2f}".removesuffix(".00")
    return f"{value:,g}"


def shown(name: str, value: Any) -> str:
    """A value as the template shows it (for the help sheet and column widths)."""
    if value is None:
        return ""
    kind = FIELDS[name].kind
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number(float(value), kind)
    return str(value)


def rule(name: str, bound: Bounds | None) -> str:
    """The accepted range in words: 'from 0% to 100%', 'above 0', 'at least 0'."""
    if bound is None:
        return ""
    kind = FIELDS[name].kind
    low = None if bound.low is None else _number(bound.low, kind if kind in ("rate", "change") else "count")
    high = None if bound.high is None else _number(bound.high, kind if kind in ("rate", "change") else "count")
    if low is not None and high is not None:
        if not bound.low_open and not bound.high_open:
            return f"from {low} to {high}"
        return f"{'above' if bound.low_open else 'at least'} {low} and {'below' if bound.high_open else 'at most'} {high}"
    if low is not None:
        return f"{'above' if bound.low_open else 'at least'} {low}"
    return f"{'below' if bound.high_open else 'at most'} {high}"


def accepted(name: str, cfg: dict, bound: Bounds | None) -> str:
    """What a cell of this column may hold, in one line."""
    kind = FIELDS[name].kind
    if FIELDS[name].accepted:
        return FIELDS[name].accepted
    if name == "industry":  # the targets come from the config
        a = cfg["accuracy"]
        targets = ", ".join(f"{k} {v:.0%}" for k, v in a["targets"].items())
        return f"Any text; sets the target accuracy where none is given ({targets}; others {a['default_target']:.0%})"
    if kind == "text":
        return "Any text"
    if kind in ("category", "flag"):
        return "One of: " + ", ".join(levels(name, cfg)) + " (drop-down)"
    words = rule(name, bound)
    if kind == "rate":
        return f"A share {words}; type 85% or 0.85"
    if kind == "change":
        return f"A yearly change {words}; type 10% or -20%"
    if kind == "score":
        return f"A score {words}; leave empty to let ftscore derive it"
    if kind == "seconds":
        return f"Seconds, {words} (e.g. 2 or 0.5)"
    if kind == "money":
        return f"A USD amount, {words}"
    return f"A number, {words}"


# A drop-down value that can sit in an inline list formula ("a,b,c"): no comma, no quote, no control
# character, no leading "=" or whitespace.
_INLINE_LEVEL = re.compile(r"[^,\"\x00-\x1f\x7f=\s][^,\"\x00-\x1f\x7f]*")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _validation(name: str, cfg: dict, bound: Bounds | None, list_source: str | list[str] | None) -> dict:
    """The xlsxwriter data_validation options for one column."""
    kind = FIELDS[name].kind
    title = _clip(header(name), 32)
    meaning = FIELDS[name].meaning
    if kind in ("category", "flag"):
        options = {
            "validate": "list",
            "source": list_source,
            "error_title": "Not in the list",
            "error_message": _clip(f"{header(name)}: choose one of {', '.join(levels(name, cfg))}.", 255),
            "error_type": "stop",
        }
    elif kind in NUMERIC_KINDS and bound is not None:
        options = {"validate": "decimal", "error_type": "stop", "error_title": "Out of range"}
        low, high = bound.low, bound.high
        if low is not None and high is not None:
            options["criteria"] = "between"
            options["minimum"] = low + OPEN_STEP if bound.low_open else low
            options["maximum"] = high - OPEN_STEP if bound.high_open else high
        elif low is not None:
            options["criteria"] = ">" if bound.low_open else ">="
            options["value"] = low
        else:
            options["criteria"] = "<" if bound.high_open else "<="
            options["value"] = high
        plain = kind in ("rate", "change", "score")  # the range already says the unit
        suffix = "" if plain else f" ({unit(name)})"
        options["error_message"] = _clip(f"{header(name)} must be a number {rule(name, bound)}{suffix}.", 255)
    else:
        options = {"validate": "any"}
    options["input_title"] = title
    options["input_message"] = _clip(f"{meaning.rstrip('. ')}. {accepted(name, cfg, bound)}.", 255)
    options["ignore_blank"] = True
    return options


def check_headers(cfg: dict) -> None:
    """Every template header reads back as its own column (raises ValueError otherwise)."""
    index = header_index(cfg)
    for name in columns():
        hit = index.get(normalise(header(name)))
        if hit is None or hit[0] != name or normalise(header(name)) != normalise(name):
            raise ValueError(f"template header '{header(name)}' does not read back as {name}")


def write_template(path: Path, cfg: dict) -> Path:
    """Write the fill-in template to ``path`` atomically; return the path."""
    path = Path(path)
    check_headers(cfg)
    with replace_when_done(path) as tmp:
        wb = TextWorkbook(tmp, WORKBOOK_OPTIONS)
        ws = wb.add_worksheet(SHEET)
        help_ws = wb.add_worksheet(HELP_SHEET)
        _fill(wb, ws, help_ws, cfg)
        wb.close()
    return path


def _fill(wb: xlsxwriter.Workbook, ws, help_ws, cfg: dict) -> None:
    names = columns()
    limits = bounds()
    head = wb.add_format({"bold": True, "bg_color": "#1F4E78", "font_color": "#FFFFFF",
                          "text_wrap": True, "valign": "top", "border": 1})
    score_head = wb.add_format({"bold": True, "bg_color": "#7F7F7F", "font_color": "#FFFFFF",
                                "text_wrap": True, "valign": "top", "border": 1})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    formats = _column_formats(wb, names)
    lists = _Lists(wb)
    for col, name in enumerate(names):
        bound = limits.get(name)
        _column_head(ws, col, name, cfg, bound, formats[name], score_head if FIELDS[name].kind == "score" else head)
        ws.data_validation(1, col, LAST_ROW - 1, col, _validation(name, cfg, bound, lists.source(name, cfg)))
        _examples(ws, col, name, formats[name])
    ws.set_row(0, 32)
    ws.freeze_panes(1, 2)
    ws.autofilter(0, 0, LAST_ROW - 1, len(names) - 1)
    _help(wb, help_ws, names, cfg, limits, wrap)


def _column_formats(wb: xlsxwriter.Workbook, names: list[str]) -> dict[str, Any]:
    """One cell format per column: its number format, or wrapped text for the description."""
    formats = {}
    for name in names:
        num = number_format(name)
        if num is not None:
            formats[name] = wb.add_format({"num_format": num, "valign": "top"})
        else:
            formats[name] = wb.add_format({"valign": "top", "text_wrap": name == "description"})
    return formats


def _column_head(ws, col: int, name: str, cfg: dict, bound, fmt, head_fmt) -> None:
    """A column's width and format, and its header with a comment saying meaning, unit and accepted values."""
    # Column width: the header or the widest example, within limits; long text wraps.
    widest = max([len(header(name)) + 2] + [len(shown(name, ex.get(name))) + 2 for ex in EXAMPLES])
    width = min(max(widest, 9), 40 if name != "description" else 50)
    ws.set_column(col, col, width, fmt)
    ws.write_string(0, col, header(name), head_fmt)
    comment = f"{header(name)} ({name})\n{FIELDS[name].meaning}\nUnit: {unit(name)}\n{accepted(name, cfg, bound)}"
    ws.write_comment(0, col, comment, {"x_scale": 2.2, "y_scale": 1.6})


class _Lists:
    """The drop-down lists of the category and yes/no columns: inline when they fit, else a range
    on the hidden Lists sheet, added at its first use."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        self.wb = wb
        self.ws = None
        self.col = 0

    def source(self, name: str, cfg: dict) -> str | list[str] | None:
        if FIELDS[name].kind not in ("category", "flag"):
            return None
        values = levels(name, cfg)
        if len(",".join(values)) <= 255 and all(_INLINE_LEVEL.fullmatch(v) for v in values):
            return values
        # too long (or a level with a comma, quote or control character) for an inline
        # list formula: a range on a hidden sheet, whose cells hold any text as it is
        if self.ws is None:
            self.ws = self.wb.add_worksheet(LISTS_SHEET)
            self.ws.hide()
        self.ws.write_string(0, self.col, name)
        for r, v in enumerate(values, start=1):
            self.ws.write_string(r, self.col, v)
        letter = xlsxwriter.utility.xl_col_to_name(self.col)
        self.col += 1
        return f"='{LISTS_SHEET}'!${letter}$2:${letter}${len(values) + 1}"


def _examples(ws, col: int, name: str, fmt) -> None:
    """The worked examples' values of one column, from row 2."""
    for r, example in enumerate(EXAMPLES, start=1):
        value = example.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            ws.write_string(r, col, value, fmt)
        else:
            ws.write_number(r, col, value, fmt)


def _help(wb: xlsxwriter.Workbook, help_ws, names: list[str], cfg: dict, limits: dict, wrap) -> None:
    """How to fill it in: one row per column."""
    help_head = wb.add_format({"bold": True, "bg_color": "#375623", "font_color": "#FFFFFF",
                               "text_wrap": True, "valign": "top", "border": 1})
    help_ws.write_row(0, 0, ["Column", "Meaning", "Unit", "Accepted values", "Example"], help_head)
    for r, name in enumerate(names, start=1):
        example = next((ex[name] for ex in EXAMPLES if ex.get(name) is not None), FIELDS[name].example)
        help_ws.write_string(r, 0, header(name), wrap)
        help_ws.write_string(r, 1, FIELDS[name].meaning, wrap)
        help_ws.write_string(r, 2, unit(name), wrap)
        help_ws.write_string(r, 3, accepted(name, cfg, limits.get(name)), wrap)
        help_ws.write_string(r, 4, shown(name, example), wrap)
    help_ws.set_column(0, 0, 26)
    help_ws.set_column(1, 1, 60)
    help_ws.set_column(2, 2, 28)
    help_ws.set_column(3, 3, 60)
    help_ws.set_column(4, 4, 36)
    help_ws.freeze_panes(1, 1)
