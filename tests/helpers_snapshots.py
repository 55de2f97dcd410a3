"""Snapshot frames (the issue-13 contract: history.snapshot's columns and dtypes) for the Changes tests.

``snapshot`` builds one from a list of dicts: a column a dict does not name gets a plain value
(UC-id from the position, rank from the position, scores 5, money null...). ``inputs`` may be
given as a dict: it is written as the JSON object the history keeps, and input_checksum is the
sha256 of that JSON, as history computes one per row. The frame carries that text beside the
contract's columns, in a column ``inputs``: what changes.compare looks the texts up in when it is
given no other lookup (changes.texts_in).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone

import polars as pl

# The columns and dtypes of the contract (COMMON13.md), written out here independently of
# pipeline.changes.SNAPSHOT so a test can hold the two against each other.
SNAPSHOT_COLUMNS: dict[str, pl.DataType] = {
    "portfolio": pl.String, "use_case_id": pl.String, "use_case": pl.String, "business_unit": pl.String,
    "recommendation": pl.String, "best_option": pl.String,
    "privacy_score": pl.Float64, "cost_score": pl.Float64, "accuracy_score": pl.Float64,
    "speed_score": pl.Float64, "fit_score": pl.Float64,
    "monthly_api_cost": pl.Float64, "net_savings": pl.Float64, "break_even_months": pl.Float64,
    "rank": pl.Int64, "input_checksum": pl.String,
}


@dataclass(frozen=True)
class RunInfo:
    """What History.previous gives besides the snapshot (the fields the Changes sheet reads)."""

    run_id: int
    started_at: datetime
    version: str = "test"


WHEN = datetime(2026, 11, 29, 2, 0, tzinfo=timezone.utc)


def _row(i: int, given: dict, portfolio: str) -> dict:
    inputs = given.get("inputs", {"use_case_id": given.get("use_case_id", f"UC-{i + 1:02d}"), "monthly_calls": 1000})
    text = inputs if isinstance(inputs, str) or inputs is None else json.dumps(inputs, sort_keys=True)
    row = {
        "portfolio": portfolio, "use_case_id": f"UC-{i + 1:02d}", "use_case": f"Use case {i + 1}",
        "business_unit": "Ops", "recommendation": "Keep prompting", "best_option": "api_current",
        "privacy_score": 5.0, "cost_score": 5.0, "accuracy_score": 5.0, "speed_score": 5.0, "fit_score": 5.0,
        "monthly_api_cost": None, "net_savings": None, "break_even_months": None, "rank": i + 1,
        "input_checksum": hashlib.sha256(text.encode()).hexdigest() if text is not None else None,
    }
    row.update({k: v for k, v in given.items() if k != "inputs"})
    row["inputs"] = text
    return row


def snapshot(rows: list[dict], portfolio: str = "emea") -> pl.DataFrame:
    """A snapshot frame with exactly the contract's columns and dtypes, then the rows' inputs texts."""
    schema = {**SNAPSHOT_COLUMNS, "inputs": pl.String}
    for r in rows:
        unknown = set(r) - set(schema)
        assert not unknown, f"test bug: unknown snapshot columns {unknown}"
    built = [_row(i, r, portfolio) for i, r in enumerate(rows)]
    return pl.DataFrame({name: [b[name] for b in built] for name in schema}, schema=schema)
