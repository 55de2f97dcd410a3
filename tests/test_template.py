"""The fill-in template: headers that read back, explanations, drop-downs, checks, examples that score."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from pipeline import config
from pipeline.columns import header_index, map_columns, normalise
from pipeline.fields import FIELDS
from pipeline.run import read_input, score_file
from pipeline.template import HELP_SHEET, LISTS_SHEET, SHEET, write_template


@pytest.fixture(scope="module")
def cfg() -> dict:
    return config.load()


@pytest.fixture(scope="module")
def template(tmp_path_factory, cfg) -> Path:
    return write_template(tmp_path_factory.mktemp("tpl") / "use-cases-template.xlsx", cfg)


@pytest.fixture(scope="module")
def book(template):
    wb = openpyxl.load_workbook(template)
    yield wb
    wb.close()


def _columns(ws) -> dict[str, int]:
    """canonical field -> 1-based column index, from the header row."""
    index = {}
    for cell in ws[1]:
        if cell.value is not None:
            index[normalise(cell.value)] = cell.column
    return {name: index[normalise(name)] for name in FIELDS if normalise(name) in index}


def _validation(ws, name: str):
    letter = get_column_letter(_columns(ws)[name])
    found = [dv for dv in ws.data_validations.dataValidation if str(dv.sqref) == f"{letter}2:{letter}1000"]
    assert len(found) == 1, f"{name}: expected one validation on {letter}2:{letter}1000, got {len(found)}"
    return found[0]


def test_sheets(book):
    assert book.sheetnames == [SHEET, HELP_SHEET] == ["Use cases", "How to fill it in"]


def test_every_field_once_and_reads_back_as_itself(book, template, cfg):
    ws = book[SHEET]
    headers = [c.value for c in ws[1] if c.value is not None]
    assert len(headers) == len(FIELDS)
    index = header_index(cfg)
    hits = [index[normalise(h)] for h in headers]
    assert sorted(name for name, _ in hits) == sorted(FIELDS)
    assert all(rank == 0 for _, rank in hits)  # the canonical name, not an alias
    for h in headers:
        assert h != index[normalise(h)][0], f"header {h!r} is the raw canonical name, not a readable one"
    # The order the brief asks for: who/what first, growth before the optional direct scores.
    order = [index[normalise(h)][0] for h in headers]
    assert order[:4] == ["use_case_id", "use_case", "business_unit", "owner"]
    assert order.index("monthly_api_cost") < order.index("monthly_calls") < order.index("current_accuracy")
    assert order.index("current_accuracy") < order.index("latency_class") < order.index("finetune_setup_cost")
    assert order.index("finetune_setup_cost") < order.index("gpu_hourly_cost") < order.index("usage_growth_pct")

    # The real reader and column matching find every field, each by its canonical name.
    table = read_input(template, cfg)
    assert table.sheet == SHEET and table.header_row == 1
    mapping = map_columns(table, cfg)
    assert set(mapping.fields) == set(FIELDS)
    assert {c.name for c in mapping.fields.values()} == {c.name for c in table.columns}  # none carried through
    for name, col in mapping.fields.items():
        assert normalise(col.header) == normalise(name)
        assert mapping.how[col.name] == f"{name} (canonical name)"


def test_header_comments(book):
    ws = book[SHEET]
    columns = _columns(ws)
    for name, col in columns.items():
        cell = ws.cell(1, col)
        assert cell.comment is not None, f"no comment on {cell.coordinate} ({name})"
        assert FIELDS[name].meaning in cell.comment.text
        assert "Unit:" in cell.comment.text
    assert "USD per month" in ws.cell(1, columns["monthly_api_cost"]).comment.text
    assert "seconds" in ws.cell(1, columns["max_latency_s"]).comment.text


def test_drop_downs(book, cfg):
    ws = book[SHEET]
    sens = _validation(ws, "data_sensitivity")
    assert sens.type == "list"
    assert sens.formula1 == '"' + ",".join(cfg["privacy"]["sensitivity"]) + '"'
    assert sens.formula1 == '"none,internal,confidential,personal,regulated"'
    lat = _validation(ws, "latency_class")
    assert lat.type == "list"
    assert lat.formula1 == '"none,batch,quick,real-time"'
    for flag in ("contains_pii", "trade_secrets", "data_residency"):
        dv = _validation(ws, flag)
        assert (dv.type, dv.formula1) == ("list", '"yes,no"')
        assert dv.showErrorMessage and dv.error


def test_the_v2_columns_are_offered_with_drop_downs_and_checks(book, cfg):
    """SPEC §4's optional inputs: where the model may run and the yes/no facts as drop-downs, the
    measured latency above 0, the golden set and training examples as counts, alt_model as text."""
    ws = book[SHEET]
    columns = _columns(ws)
    assert {"deployment_allowed", "knowledge_bound", "current_latency_s", "batch_eligible", "alt_model",
            "golden_set_size", "training_examples"} <= set(columns)
    deployment = _validation(ws, "deployment_allowed")
    assert (deployment.type, deployment.formula1) == ("list", '"' + ",".join(cfg["deployment"]["levels"]) + '"')
    assert deployment.formula1 == '"api,enterprise_api,self_hosted"'
    for flag in ("knowledge_bound", "batch_eligible"):
        dv = _validation(ws, flag)
        assert (dv.type, dv.formula1) == ("list", '"yes,no"'), flag
    latency = _validation(ws, "current_latency_s")
    assert (latency.type, latency.operator, float(latency.formula1)) == ("decimal", "greaterThan", 0.0)
    for count in ("golden_set_size", "training_examples"):
        dv = _validation(ws, count)
        assert (dv.type, dv.operator, float(dv.formula1)) == ("decimal", "greaterThanOrEqual", 0.0), count
    alt = _validation(ws, "alt_model")  # free text: only a prompt saying what it takes
    assert alt.type is None and alt.showInputMessage and "gpt-4o-mini" in alt.prompt


def test_number_checks(book):
    ws = book[SHEET]
    rate = _validation(ws, "current_accuracy")
    assert (rate.type, rate.operator) == ("decimal", None)  # None = between
    assert (float(rate.formula1), float(rate.formula2)) == (0.0, 1.0)
    score = _validation(ws, "privacy_score")
    assert (score.type, float(score.formula1), float(score.formula2)) == ("decimal", 0.0, 10.0)
    money = _validation(ws, "monthly_api_cost")
    assert (money.type, money.operator, float(money.formula1)) == ("decimal", "greaterThanOrEqual", 0.0)
    count = _validation(ws, "monthly_calls")
    assert (count.type, count.operator, float(count.formula1)) == ("decimal", "greaterThanOrEqual", 0.0)
    seconds = _validation(ws, "max_latency_s")
    assert (seconds.type, seconds.operator, float(seconds.formula1)) == ("decimal", "greaterThan", 0.0)
    # An open lower end (target accuracy must be above 0) is stepped just inside.
    target = _validation(ws, "target_accuracy")
    assert 0 < float(target.formula1) < 0.001 and float(target.formula2) == 1.0
    for name, spec in FIELDS.items():
        if spec.kind in ("money", "count", "rate", "change", "score", "seconds"):
            dv = _validation(ws, name)
            assert dv.type == "decimal", name
            assert dv.showInputMessage and dv.promptTitle and dv.prompt, name
            assert dv.showErrorMessage and dv.errorTitle and dv.error, name
    assert "0%" in rate.error and "100%" in rate.error


def test_layout_and_examples(book):
    ws = book[SHEET]
    columns = _columns(ws)
    assert ws.freeze_panes is not None and ws.freeze_panes.endswith("2")  # header row frozen
    rows = [r for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]
    assert len(rows) == 3
    names = [ws.cell(r, columns["use_case"]).value for r in (2, 3, 4)]
    assert all(isinstance(n, str) and n for n in names)
    claims = 2
    assert ws.cell(claims, columns["data_sensitivity"]).value == "regulated"
    assert ws.cell(claims, columns["monthly_api_cost"]).value == 18500
    assert ws.cell(3, columns["model"]).value == "gpt-4o"
    assert ws.cell(3, columns["monthly_calls"]).value and ws.cell(3, columns["input_tokens"]).value
    assert ws.cell(claims, columns["current_accuracy"]).number_format.endswith("%")
    assert ws.cell(claims, columns["usage_growth_pct"]).number_format.endswith("%")
    assert ws.cell(claims, columns["monthly_api_cost"]).number_format.startswith("$")
    assert ws.cell(claims, columns["finetune_setup_cost"]).number_format.startswith("$")
    for name, col in columns.items():
        width = ws.column_dimensions[get_column_letter(col)].width
        assert width >= len(ws.cell(1, col).value), f"{name}: width {width} narrower than its header"


def test_help_sheet(book, cfg):
    ws = book[HELP_SHEET]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("Column", "Meaning", "Unit", "Accepted values", "Example")
    body = [r for r in rows[1:] if any(v is not None for v in r)]
    template_headers = [c.value for c in book[SHEET][1] if c.value is not None]
    assert [r[0] for r in body] == template_headers
    by_field = {header_index(cfg)[normalise(r[0])][0]: r for r in body}
    assert set(by_field) == set(FIELDS)
    for name, (_, meaning, unit, accepted, _example) in by_field.items():
        assert meaning == FIELDS[name].meaning
        assert unit and accepted
    assert "regulated" in by_field["data_sensitivity"][3]
    assert "yes, no" in by_field["contains_pii"][3]
    assert by_field["monthly_api_cost"][4] == "$18,500"


def test_examples_score(template, cfg):
    result = score_file(template, cfg)
    assert result.rows == 3
    assert result.portfolio.height == 3
    assert result.scored == 3
    assert result.error_rows == 0
    assert result.issues.filter(result.issues["severity"] == "error").height == 0
    recs = dict(zip(result.ranking["use_case_id"], result.ranking["recommendation"]))
    assert "Fine-tune" in recs.values()
    assert recs["UC-001"] == "Fine-tune"  # claims at 91.5 % against 97 % with fit 7.79: the accuracy need, not privacy
    summariser = result.ranking.filter(result.ranking["use_case_id"] == "UC-002").row(0, named=True)
    assert summariser["price_source"] == "row"
    assert summariser["monthly_api_cost"] == pytest.approx(900_000 * (1800 * 2.5 + 250 * 10) / 1e6)


def test_written_atomically_and_readable(tmp_path, cfg):
    target = tmp_path / "template.xlsx"
    target.write_bytes(b"old")
    assert write_template(target, cfg) == target
    assert target.read_bytes()[:2] == b"PK"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["template.xlsx"]  # no temp file left behind
    mode = stat.S_IMODE(os.stat(target).st_mode)
    assert mode & stat.S_IRUSR and mode & stat.S_IRGRP and mode & stat.S_IROTH


def test_config_levels_and_long_lists(tmp_path):
    own = tmp_path / "own.toml"
    own.write_text('[privacy.sensitivity]\nrestricted = 9\n"secret, board only" = 10\n', encoding="utf-8")
    cfg = config.load(own)
    path = write_template(tmp_path / "t.xlsx", cfg)
    wb = openpyxl.load_workbook(path)
    try:
        # A level with a comma cannot go in an inline list: the list is a range on a hidden sheet.
        assert wb.sheetnames[:2] == [SHEET, HELP_SHEET]
        assert wb[LISTS_SHEET].sheet_state == "hidden"
        dv = _validation(wb[SHEET], "data_sensitivity")
        assert dv.type == "list" and dv.formula1.startswith(f"'{LISTS_SHEET}'!")
        levels = [c.value for c in wb[LISTS_SHEET]["A"][1:] if c.value is not None]
        assert levels == list(cfg["privacy"]["sensitivity"])
        assert "restricted" in levels and "secret, board only" in levels
        assert _validation(wb[SHEET], "latency_class").formula1 == '"none,batch,quick,real-time"'
    finally:
        wb.close()
    result = score_file(path, cfg)
    assert (result.scored, result.error_rows) == (3, 0)
