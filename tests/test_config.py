"""Configuration: shipped defaults, a user's override file, and the checks.

The defaults must be those the SPEC states (§2-§4 "Every number below is a
default that lives in the configuration").
"""

from __future__ import annotations

import copy
import re

import pytest

from pipeline import config
from pipeline.config import ConfigError


def write(tmp_path, text: str):
    path = tmp_path / "user.toml"
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------- defaults
def test_defaults_load_and_pass_check():
    cfg = config.load()
    config.validate(cfg)  # no exception
    assert cfg == config.defaults()


def test_defaults_are_the_spec_numbers():
    cfg = config.load()
    assert cfg["weights"] == {"privacy": 0.25, "cost": 0.25, "accuracy": 0.25, "speed": 0.25}
    assert cfg["privacy"]["sensitivity"] == {
        "none": 0, "internal": 2, "confidential": 5, "personal": 8, "regulated": 10,
    }
    p = cfg["privacy"]
    assert (p["contains_pii"], p["trade_secrets"], p["data_residency"], p["named_regulation"]) == (8, 5, 8, 10)
    assert cfg["cost"]["anchors"] == [[1000, 0], [5000, 5], [15000, 5], [30000, 10]]
    a = cfg["accuracy"]
    assert a["targets"] == {"legal": 0.95, "healthcare": 0.99, "finance": 0.99}
    assert a["default_target"] == 0.85
    assert (a["critical_error_threshold"], a["critical_error_full"]) == (0.02, 0.04)
    assert (a["edge_case_error_threshold"], a["edge_case_error_full"]) == (0.05, 0.10)
    assert (a["breach_score"], a["max_score"], a["accuracy_gap_full"]) == (5, 10, 0.05)
    s = cfg["speed"]
    assert s["latency_class"] == {"none": 0, "batch": 0, "quick": 5, "real-time": 10}
    assert sorted(s["latency_anchors"]) == [[0.5, 10], [5, 5], [60, 0]]
    assert cfg["decision"] == {
        "accuracy_breach_score": 6, "fit_need": 6, "materiality_min": 10000, "materiality_share": 0.1,
        "min_factors": 2, "golden_set_min": 200, "training_examples_min": 1000,
    }
    m = cfg["money"]
    assert (m["horizon_months"], m["break_even_search_months"]) == (24, 120)
    assert m["finetune_setup_cost"] == 20000 and "finetune_monthly_cost" not in m  # hosting where not given
    assert (m["usage_growth_pct"], m["api_price_change_pct"]) == (0, 0)
    for factor in ("privacy", "cost", "accuracy", "speed"):
        assert cfg[factor]["default"] == 0, factor


# ---------------------------------------------------------------- overrides
def test_override_file_changes_a_value_and_keeps_the_rest(tmp_path):
    cfg = config.load(write(tmp_path, "[decision]\nfit_need = 7\n\n[money]\nhorizon_months = 36\n"))
    assert cfg["decision"]["fit_need"] == 7
    assert cfg["money"]["horizon_months"] == 36
    shipped = config.defaults()
    assert cfg["decision"]["materiality_min"] == shipped["decision"]["materiality_min"]
    assert cfg["money"]["finetune_setup_cost"] == shipped["money"]["finetune_setup_cost"]
    assert cfg["weights"] == shipped["weights"]


def test_override_replaces_anchor_list(tmp_path):
    cfg = config.load(write(tmp_path, "[cost]\nanchors = [[0, 0], [10000, 10]]\n"))
    assert cfg["cost"]["anchors"] == [[0, 0], [10000, 10]]


def test_override_weights_that_sum_to_one(tmp_path):
    cfg = config.load(write(tmp_path, "[weights]\nprivacy = 0.4\ncost = 0.3\naccuracy = 0.2\nspeed = 0.1\n"))
    assert cfg["weights"] == {"privacy": 0.4, "cost": 0.3, "accuracy": 0.2, "speed": 0.1}


def test_new_industry_target_may_be_added(tmp_path):
    cfg = config.load(write(tmp_path, "[accuracy.targets]\ninsurance = 0.97\n"))
    assert cfg["accuracy"]["targets"]["insurance"] == 0.97
    assert cfg["accuracy"]["targets"]["healthcare"] == 0.99


def test_user_aliases_extend_the_shipped_list(tmp_path):
    shipped = config.defaults()["columns"]["aliases"]["monthly_api_cost"]
    cfg = config.load(write(tmp_path, '[columns.aliases]\nmonthly_api_cost = ["Spend USD", "api cost per month"]\n'))
    aliases = cfg["columns"]["aliases"]["monthly_api_cost"]
    assert "Spend USD" in aliases
    for alias in shipped:
        assert alias in aliases, alias
    assert aliases.count("api cost per month") == 1  # no duplicate
    # other columns' aliases untouched
    assert cfg["columns"]["aliases"]["use_case"] == config.defaults()["columns"]["aliases"]["use_case"]


def test_user_value_answers_extend_the_shipped_list(tmp_path):
    shipped = config.defaults()["values"]["latency_class"]["batch"]
    cfg = config.load(write(tmp_path, '[values.latency_class]\nbatch = ["weekly run"]\n'))
    assert cfg["values"]["latency_class"]["batch"] == shipped + ["weekly run"]


# ------------------------------------------------------------------- errors
def test_unknown_key_is_an_error_naming_the_key(tmp_path):
    with pytest.raises(ConfigError) as err:
        config.load(write(tmp_path, "[money]\nhorizon_monthz = 36\n"))
    assert "money.horizon_monthz" in str(err.value)


@pytest.mark.parametrize("text, said", [
    ("[money]\nfinetune_monthly_cost = 2000\n", "money.finetune_monthly_cost -> nothing: the row's finetune_monthly_cost "
                                                 "where given, else hosting sized"),
    ("[options]\nbatch_latency_s = 3600\n", "options.batch_latency_s -> latency.class_limit_s.batch"),
    ("[output]\ndriver_min_score = 5\n", "output.driver_min_score -> nothing: the rationale names what decided"),
])
def test_a_removed_key_is_refused_naming_what_replaced_it(tmp_path, text, said):
    # Without the message the key would only be "unknown"; a file that set it meant something by it.
    with pytest.raises(ConfigError) as err:
        config.load(write(tmp_path, text))
    line = str(err.value)
    assert err.value.exit_code == 2 and "\n" not in line and "user.toml" in line
    assert said in line and "Remove it" in line
    # ... whatever else the file sets, and several removed keys are named together.
    with pytest.raises(ConfigError, match="decision.finetune_fit_score -> .*options.batch_latency_s -> "):
        config.load(write(tmp_path, "[decision]\nfinetune_fit_score = 6\n[options]\nbatch_latency_s = 1\n"))


def test_every_shipped_key_is_read_by_the_code():
    """Every leaf key of defaults.toml is read somewhere in pipeline/ (by its name; open tables and
    lists of answers aside): a key nothing reads is a setting that does nothing."""
    from pathlib import Path

    folder = Path(config.__file__).parent
    code = "\n".join(p.read_text(encoding="utf-8") for p in folder.glob("*.py") if p.name != "config.py")
    # config.py names every key in its models and messages; only its helpers' reads count
    code += "".join(f'["{k}"]' for k in re.findall(r'\["(\w+)"\]', (folder / "config.py").read_text(encoding="utf-8")))
    open_tables = {"prices.models", "prices.step_down", "columns.aliases", "accuracy.targets",
                   "privacy.sensitivity", "speed.latency_class", "latency.class_limit_s", "input.max_value",
                   "stability.relative", "stability.absolute"}
    unread = [key for key, _ in config.flatten(config.defaults())
              if not key.startswith("values.") and not any(key.startswith(t + ".") for t in open_tables)
              and f'"{key.rsplit(".", 1)[-1]}"' not in code and f"'{key.rsplit('.', 1)[-1]}'" not in code]
    assert unread == []


def test_unknown_section_is_an_error_naming_it(tmp_path):
    with pytest.raises(ConfigError) as err:
        config.load(write(tmp_path, "[moneys]\nhorizon_months = 36\n"))
    assert "moneys" in str(err.value)


def test_weights_not_summing_to_one_is_an_error_naming_weights(tmp_path):
    with pytest.raises(ConfigError) as err:
        config.load(write(tmp_path, "[weights]\nprivacy = 0.5\n"))  # 0.5 + 3 x 0.25 = 1.25
    assert "weights" in str(err.value)


def test_check_rejects_weights_not_summing_to_one():
    cfg = copy.deepcopy(config.load())
    cfg["weights"] = {"privacy": 0.2, "cost": 0.2, "accuracy": 0.2, "speed": 0.2}
    with pytest.raises(ConfigError) as err:
        config.validate(cfg)
    assert "weights" in str(err.value)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[money]\nhorizon_months = "two years"\n', "money.horizon_months"),
        ('[decision]\nfit_need = "six"\n', "decision.fit_need"),
        ("[cost]\nanchors = 5\n", "cost.anchors"),
        ('[input]\nmissing = "n/a"\n', "input.missing"),
        ("[privacy]\ncontains_pii = true\n", "privacy.contains_pii"),
    ],
)
def test_wrong_type_is_an_error_naming_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError) as err:
        config.load(write(tmp_path, text))
    assert key in str(err.value)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[privacy]\ncontains_pii = 11\n", "privacy.contains_pii"),  # a score above 10
        ("[money]\nhorizon_months = 6\n", "money.horizon_months"),
        ("[cost]\nanchors = [[1000, 0]]\n", "cost.anchors"),  # one point is no line
        ("[speed]\nlatency_anchors = [[0, 10], [60, 0]]\n", "speed.latency_anchors"),  # log of 0
    ],
)
def test_value_out_of_range_is_an_error_naming_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError) as err:
        config.load(write(tmp_path, text))
    assert key in str(err.value)


def test_alias_for_unknown_column_is_an_error(tmp_path):
    with pytest.raises(ConfigError) as err:
        config.load(write(tmp_path, '[columns.aliases]\nmonthly_api_costs = ["spend"]\n'))
    assert "columns.aliases.monthly_api_costs" in str(err.value)


def test_missing_and_invalid_files_are_config_errors(tmp_path):
    with pytest.raises(ConfigError):
        config.load(tmp_path / "nope.toml")
    with pytest.raises(ConfigError):
        config.load(write(tmp_path, "[money\nhorizon_months = 36\n"))


def test_value_bounds_by_kind_and_by_column(tmp_path):
    cfg = config.load(write(tmp_path, "[input.max_value]\nmonthly_calls = 5e6\n"))
    assert config.max_value(cfg, "monthly_calls") == 5e6  # the column's own bound wins
    assert config.max_value(cfg, "gpus") == cfg["input"]["max_value"]["count"]
    assert config.max_value(cfg, "input_tokens") == 1e9
    assert config.max_value(cfg, "monthly_api_cost") == 1e12
    assert config.max_value(cfg, "current_accuracy") is None  # rates have their own range


@pytest.mark.parametrize("text, key", [
    ("[hosting]\nhours_per_month = 0\n", "hosting.hours_per_month"),
    ("[hosting]\nhours_per_month = 745\n", "hosting.hours_per_month"),
    ("[input.max_value]\nseconds = -1\n", "input.max_value.seconds"),
    ("[stability]\nmax_draws = 0\n", "stability.max_draws"),
    ("[output]\nlock_wait_seconds = 100000\n", "output.lock_wait_seconds"),
])
def test_numbers_that_multiply_or_divide_are_bounded(tmp_path, text, key):
    with pytest.raises(ConfigError, match=f"'{key}'"):
        config.load(write(tmp_path, text))


# ------------------------------------------------------- the typed model (issue 11)
@pytest.mark.parametrize("text, message", [
    # a wrong type: a whole number written with decimals
    ("[stability]\nseed = 1.5\n", "config key 'stability.seed' must be a whole number, got 1.5"),
    ("[budget]\nexact_limit = true\n", "config key 'budget.exact_limit' must be a number, got true/false True"),
    # a value out of bounds
    ("[hosting]\npeak_factor = 101\n",
     "config key 'hosting.peak_factor' must be a multiple of the average above 0 and at most 100, got 101"),
    ("[stability]\nweight_range = 1\n", "config key 'stability.weight_range' must be a number from 0 to below 1, got 1"),
    # an unknown key, at the top and in a table
    ("[output]\nchart_pointz = 5\n", "unknown config key 'output.chart_pointz' (known here: chart_points, "
     "chart_spend_bands, lock_wait_seconds, max_cell_comments, max_lock_wait_seconds, paper, print_columns, "
     "print_font_pt, print_header_in, print_margin_in, print_side_margin_in, score_decimals, streaming_rows, "
     "text_width)"),
    ('[prices.models]\n"our-llama" = { input_per_1m = 0.5, output_per_1m = 1.5, per_call = 1 }\n',
     "config key 'prices.models.our-llama' has unknown keys: per_call"),
    # an entry a user adds to an open table, of the wrong type inside
    ('[prices.models]\n"our-llama" = { input_per_1m = "cheap", output_per_1m = 1.5 }\n',
     "config key 'prices.models.our-llama.input_per_1m' must be an amount from 0 to 1e+15, got 'cheap'"),
    ('[columns.aliases]\nmonthly_api_cost = ["spend", 12]\n',
     "config key 'columns.aliases.monthly_api_cost' must be a list of header texts"),
    ('[values.latency_class]\nbatch = ["weekly", true]\n', "config key 'values.latency_class.batch' must be a list of answers"),
    ("[stability.relative]\nmonthly_calls = nan\n",
     "config key 'stability.relative.monthly_calls' must be a share from 0 to 1, got nan"),
    ("[output]\nchart_spend_bands = [100000, 10000, 1000000]\n",
     "config key 'output.chart_spend_bands' must be three amounts above 0, ascending (the chart has four bubble sizes)"),
])
def test_the_model_names_the_dotted_key_in_one_line_and_the_cli_exits_2(tmp_path, text, message):
    from conftest import SAMPLES, run_cli

    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        config.load(path)
    assert str(err.value) == message
    out = tmp_path / "never.xlsx"
    run = run_cli("score", SAMPLES / "portfolio.csv", "--config", path, "-o", out)
    assert run.code == 2 and message in run.stderr and len(run.stderr.strip().splitlines()) == 1, run.stderr
    assert not out.exists()


def test_validate_names_the_key_of_a_dict_built_in_code():
    cfg = copy.deepcopy(config.load())
    cfg["speed"]["latency_class"]["quick"] = "fast"
    with pytest.raises(ConfigError, match=r"^config key 'speed.latency_class.quick' must be a score from 0 to 10, got 'fast'$"):
        config.validate(cfg)
    cfg = copy.deepcopy(config.load())
    del cfg["output"]["chart_points"]
    with pytest.raises(ConfigError, match=r"^config key 'output.chart_points' is missing$"):
        config.validate(cfg)


def test_validate_returns_the_dict_as_written():
    cfg = config.load()
    assert config.validate(cfg) is cfg
    assert isinstance(cfg["decision"]["fit_need"], int)  # not made a float by the model


def test_the_model_has_a_section_per_table_of_defaults_toml():
    assert set(config.Config.model_fields) == set(config.defaults())


def test_defaults_repeated_nowhere_in_code():
    from pipeline import budget, stability

    shipped = config.defaults()
    assert stability.settings({}) == shipped["stability"]
    assert budget.limits({}) == shipped["budget"]
    assert (budget.EXACT_LIMIT, budget.NODE_LIMIT) == (shipped["budget"]["exact_limit"], shipped["budget"]["node_limit"])


def test_the_deployment_levels_are_the_decisions_own(tmp_path):
    """The decision knows each deployment level by name: the shipped list is config.DEPLOYMENTS (not
    written again in defaults.toml); a config may reorder it (the drop-down's order), not rename it."""
    import tomllib
    from pathlib import Path

    from pipeline import decide, template

    shipped = tomllib.loads((Path(config.__file__).parent / "defaults.toml").read_text(encoding="utf-8"))
    assert "levels" not in shipped["deployment"]
    assert config.defaults()["deployment"]["levels"] == ["api", "enterprise_api", "self_hosted"]
    assert (decide.API, decide.ENTERPRISE, decide.SELF_HOSTED) == ("api", "enterprise_api", "self_hosted")
    mine = config.load(write(tmp_path, '[deployment]\nlevels = ["self_hosted", "api", "enterprise_api"]\n'))
    assert template.levels("deployment_allowed", mine) == ["self_hosted", "api", "enterprise_api"]
    with pytest.raises(ConfigError, match="deployment.levels"):
        config.load(write(tmp_path, '[deployment]\nlevels = ["api", "enterprise", "self_hosted"]\n'))


def test_every_key_has_a_meaning():
    meanings = config.meanings()
    for key, _ in config.flatten(config.defaults()):
        assert config.meaning_of(key, meanings), key


def test_the_chart_bands_come_from_the_config(tmp_path):
    import zipfile

    from conftest import SAMPLES, run_cli

    def legend(out):
        with zipfile.ZipFile(out) as zf:
            return "".join(zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/charts/"))

    shipped = tmp_path / "shipped.xlsx"
    assert run_cli("score", SAMPLES / "portfolio.csv", "-o", shipped).code in (0, 1)
    # the use cases that break even on the sample spend $28,500 (UC-10) to $222,000 (UC-04) a year
    assert "API spend $10k-$100k a year" in legend(shipped) and "$100k-$1M a year" in legend(shipped)
    own = tmp_path / "own.xlsx"
    path = write(tmp_path, "[output]\nchart_spend_bands = [1000, 20000, 2500000]\n")
    assert run_cli("score", SAMPLES / "portfolio.csv", "--config", path, "-o", own).code in (0, 1)
    names = legend(own)
    assert "$10k" not in names and "$100k" not in names
    assert any(f"API spend {n} a year" in names for n in ("under $1k", "$1k-$20k", "$20k-$2.5M", "$2.5M+")), names
