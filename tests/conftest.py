"""Shared helpers: write real .xlsx/.csv inputs, run the CLI, read the workbook back."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import click
import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner

from pipeline.cli import cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
DATA = Path(__file__).resolve().parent / "data"

# fixtures and the scripts that made them: not test modules (pytest --doctest-modules imports every .py)
collect_ignore_glob = ["data/*"]


def write_xlsx(path: Path, headers: list[str], rows: list[list[Any]], *, sheet: str = "Portfolio",
               top: int = 0, left: int = 0, above: list[list[Any]] | None = None) -> Path:
    """A real workbook: optional rows above the header, header at (top, left), then rows.

    A row given as None is left blank.
    """
    wb = xlsxwriter.Workbook(path, {"strings_to_formulas": False, "strings_to_numbers": False})
    ws = wb.add_worksheet(sheet)
    for r, values in enumerate(above or []):
        for c, v in enumerate(values):
            if v is not None:
                ws.write(r, left + c, v)
    ws.write_row(top, left, headers)
    for i, row in enumerate(rows, start=top + 1):
        for j, v in enumerate(row or []):
            if v is not None:
                ws.write(i, left + j, v)
    wb.close()
    return path


def write_csv(path: Path, headers: list[str], rows: list[list[Any]], *, encoding: str = "utf-8",
              delimiter: str = ",") -> Path:
    with open(path, "w", newline="", encoding=encoding) as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(headers)
        for row in rows:
            w.writerow(["" if v is None else v for v in (row or [])])
    return path


class Run:
    def __init__(self, result):
        self.code = result.exit_code
        self.stderr = result.stderr
        self.stdout = result.stdout
        self.exception = result.exception


def run_cli(*args: Any) -> Run:
    result = CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)
    return Run(result)


def sheet_rows(path: Path, sheet: str) -> list[dict[str, Any]]:
    """A sheet whose first row is its header, as dicts (blank rows at the end dropped)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb[sheet].iter_rows(values_only=True))
    wb.close()
    header = rows[0]
    out = [dict(zip(header, r)) for r in rows[1:] if any(v is not None for v in r)]
    return out


def by_id(path: Path, sheet: str = "Ranking", key: str = "Use case ID") -> dict[str, dict[str, Any]]:
    return {r[key]: r for r in sheet_rows(path, sheet)}


def env_var_names() -> dict[str, tuple[str, click.Option]]:
    """FTSCORE_<COMMAND>_<OPTION> for every long option of every command, from click itself."""
    names = {}
    for command_name, command in cli.commands.items():
        for param in command.params:
            if not isinstance(param, click.Option):
                continue
            longs = [o for o in param.opts if o.startswith("--")]
            assert longs, f"{command_name}: option {param.opts} has no long name"
            name = f"FTSCORE_{command_name.upper()}_{longs[0][2:].upper().replace('-', '_')}"
            names[name] = (command_name, param)
    return names


@pytest.fixture
def tmp(tmp_path: Path) -> Path:
    return tmp_path


# A small file with one problem of each kind a row can have (tests of accounting and of validate's messages).
BAD_HEADERS = ["ID", "Use Case", "Monthly API Cost", "Current Accuracy", "Data Sensitivity", "Latency Class"]
BAD_ROWS = [
    ["A1", "Good one", 12000, "90%", "internal", "batch"],      # row 2
    ["A2", "Bad cost", "twelve grand", "90%", "internal", None],  # row 3: not an amount
    None,                                                        # row 4: blank, skipped
    ["A3", "Too accurate", 5000, "120%", "internal", "quick"],   # row 5: out of range
    ["A4", None, 3000, "90%", "personal", "batch"],              # row 6: no name
    ["A1", "Again", 3000, "90%", "internal", "batch"],           # row 7: repeats row 2
    ["A6", "Odd class", 3000, "90%", "top secret", "warp"],      # row 8: two unknown values
    ["A7", "Fine", "$2,500", 0.95, "confidential", "real time"],  # row 9
]
