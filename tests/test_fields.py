"""The input contract defined once (pipeline.fields.FIELDS): every place that names input columns
is built from it, and each entry is well formed."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from pipeline import config, fields, template, workbook
from pipeline.columns import header_index, normalise
from pipeline.fields import FIELDS, GROUPS, KINDS, Field, markdown_table, shipped_aliases, template_order
from pipeline.score import FACTOR_FIELDS, FACTORS
from schemas import PortfolioInput
from schemas.portfolio import input_column

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cfg() -> dict:
    return config.load()


def test_readme_columns_table_is_generated_from_fields():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("<!-- input columns:")
    start = text.index("-->\n", start) + len("-->\n")
    end = text.index("<!-- end of input columns -->", start)
    assert text[start:end] == markdown_table(), (
        "README.md's input columns table is out of date: replace it with `python -m pipeline.fields`")


def test_every_entry_is_well_formed(cfg):
    for name, spec in FIELDS.items():
        assert spec.kind in KINDS, name
        assert spec.group in GROUPS, name
        assert spec.factor is None or spec.factor in FACTORS, name
        assert normalise(spec.label) == normalise(name), f"{name}: label {spec.label!r} does not read back"
        assert set(spec.checks) <= {"ge", "gt", "le"}, name
        assert not ("ge" in spec.checks and "gt" in spec.checks), name
        assert (spec.kind == "category") == (spec.vocab is not None), name
        if spec.vocab is not None:
            section, key = spec.vocab
            assert cfg[section][key], f"{name}: vocabulary {section}.{key} is empty"
        assert spec.required is False or spec.kind == "text", name


def test_no_header_names_two_columns():
    seen: dict[str, str] = {}
    for name, spec in FIELDS.items():
        for header in (name, *spec.aliases):
            key = normalise(header)
            assert seen.setdefault(key, name) == name, f"{header!r} names both {seen[key]} and {name}"


def test_shipped_aliases_live_in_fields_and_a_config_adds_to_them(tmp_path):
    shipped = tomllib.loads((ROOT / "pipeline" / "defaults.toml").read_text(encoding="utf-8"))
    assert shipped["columns"]["aliases"] == {}, "shipped aliases belong in pipeline/fields.py"
    assert config.defaults()["columns"]["aliases"] == shipped_aliases()
    path = tmp_path / "mine.toml"
    path.write_text('[columns.aliases]\neval_examples = ["x"]\n', encoding="utf-8")
    with pytest.raises(config.ConfigError, match="names no known column"):
        config.load(path)
    path.write_text('[columns.aliases]\nmonthly_calls = ["Calls (monthly)"]\n', encoding="utf-8")
    loaded = config.load(path)["columns"]["aliases"]["monthly_calls"]
    assert loaded == [*FIELDS["monthly_calls"].aliases, "Calls (monthly)"]
    assert header_index(config.load(path))[normalise("Calls (monthly)")] == ("monthly_calls", 1)


def test_the_pandera_contract_is_built_from_fields():
    assert list(PortfolioInput.columns) == list(FIELDS)
    for name, spec in FIELDS.items():
        column = PortfolioInput.columns[name]
        bounds = {c.name: c.statistics for c in column.checks if c.name != "str_length"}
        expected = {{"ge": "greater_than_or_equal_to", "gt": "greater_than", "le": "less_than_or_equal_to"}[op]:
                    {"max_value" if op == "le" else "min_value": value} for op, value in spec.checks.items()}
        assert bounds == expected, name
        assert column.nullable is not spec.required, name
    use_case = PortfolioInput.columns["use_case"]
    assert [c.name for c in use_case.checks] == ["str_length"]


def test_kind_defaults_and_overrides():
    assert FIELDS["monthly_calls"].checks == {"ge": 0}
    assert FIELDS["throughput_tokens_per_s"].checks == {"gt": 0}
    assert FIELDS["target_accuracy"].checks == {"gt": 0, "le": 1}
    assert FIELDS["usage_growth_pct"].checks == {"gt": -1, "le": 10}
    assert fields.unit("gpu_utilisation") == KINDS["rate"].unit
    assert fields.unit("monthly_calls") == "calls per month"
    assert fields.number_format("team_size") == "#,##0.0#"
    assert fields.number_format("monthly_calls") == "#,##0"


def test_template_order_is_by_group_then_fields_order():
    order = template_order()
    assert sorted(order) == sorted(FIELDS)
    groups = [GROUPS.index(FIELDS[n].group) for n in order]
    assert groups == sorted(groups)
    assert order[:4] == ["use_case_id", "use_case", "business_unit", "owner"]
    assert order[-4:] == ["privacy_score", "cost_score", "accuracy_score", "speed_score"]
    assert order.index("cached_input_tokens") == order.index("output_tokens") + 1
    assert template.columns() == order


def test_labels_of_the_template_and_workbook_are_the_fields_labels(cfg):
    for name, spec in FIELDS.items():
        assert template.header(name) == spec.label
        assert workbook.label(name, cfg) == spec.label
    assert workbook.label("fit_score", cfg) == "Fit score"  # an output column keeps its own label


def test_factor_inputs_come_from_fields():
    # the sets the missing-data warnings used before the table (moved here from score.py)
    assert {f: set(names) for f, names in FACTOR_FIELDS.items()} == {
        "privacy": {"data_sensitivity", "contains_pii", "trade_secrets", "data_residency", "regulations",
                    "privacy_score"},
        "cost": {"monthly_api_cost", "monthly_calls", "input_tokens", "output_tokens", "input_price_per_1k",
                 "output_price_per_1k", "input_price_per_1m", "output_price_per_1m", "cost_score"},
        "accuracy": {"current_accuracy", "critical_error_rate", "edge_case_error_rate", "accuracy_score"},
        "speed": {"latency_class", "max_latency_s", "speed_score"},
    }


def test_a_new_entry_reaches_template_config_and_contract(monkeypatch, cfg):
    """Adding an input column is one entry: the template, the shipped aliases, the factor list and
    its pandera column all follow it."""
    spec = Field("count", "Examples in the evaluation set", "Eval set size", "accuracy",
                 aliases=("eval examples",), unit="examples", factor="accuracy", example=500)
    monkeypatch.setitem(FIELDS, "eval_set_size", spec)
    order = template.columns()
    assert order.index("eval_set_size") == order.index("edge_case_error_rate") + 1
    assert template.header("eval_set_size") == "Eval set size"
    assert template.unit("eval_set_size") == "examples"
    assert template.number_format("eval_set_size") == "#,##0"
    assert template.bounds()["eval_set_size"] == template.Bounds(0.0, False, None, False)
    assert "A number, at least 0" == template.accepted("eval_set_size", cfg, template.bounds()["eval_set_size"])
    assert shipped_aliases()["eval_set_size"] == ["eval examples"]
    assert "eval_set_size" in fields.factor_fields("accuracy")
    column = input_column(spec)
    assert [c.name for c in column.checks] == ["greater_than_or_equal_to"] and column.nullable
    assert "| `eval_set_size` | Eval set size | count | examples |" in markdown_table()
