"""What every stage shares: row keys, reserved names, the table a reader hands on, the run's result.

Readers (read, guard), the run and the writers (workbook, export, explain) import these names
from here, never from each other, so no stage depends on another's module for a shared fact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

from pipeline.fields import ANNOTATIONS
from pipeline.config import horizon_column

ROW = "__row"  # the record's row number as Excel shows it (1-based)
SRC = "__src"  # which input of the run a record came from (0-based position)
KEY = [SRC, ROW]  # a row of the run: its input and its row in that input
ANNOTATION_PREFIX = "ftscore:"  # annotation columns on Portfolio, apart from the user's
# Names ftscore gives its own columns start with these ("__row", "__error", "ftscore:rank"). A user's
# header that does too is kept for display (Column.header) under the key USER_KEY + header, so no
# header of the user's can reach (and overwrite, or be overwritten by) an internal column.
RESERVED_PREFIXES = ("__", "ftscore:")
USER_KEY = "user:"

SPREADSHEET_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
TEXT_SUFFIXES = {".csv", ".tsv", ".txt"}

# A number written as text that reads back exactly: the reader parses these, the workbook writes them as numbers.
PLAIN_NUMBER = r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$"
PLAIN_INTEGER = r"^-?(?:0|[1-9][0-9]*)$"


def side_file(path: Path, what: str) -> Path:
    """A file written beside an output, named after it: NAME-issues.parquet, NAME-options.csv."""
    return path.with_name(f"{path.stem}-{what}{path.suffix}")


def is_reserved(name: str) -> bool:
    """A name in ftscore's own namespace (compared case-insensitively)."""
    return name.lower().startswith(RESERVED_PREFIXES)


@dataclass(frozen=True)
class Column:
    name: str  # unique name used in the frame (the header, de-duplicated)
    header: str  # the header text as the user wrote it
    letter: str  # Excel column letter(s)


@dataclass
class Table:
    file: str
    sheet: str | None
    header_row: int  # 1-based, as Excel shows it
    columns: list[Column]
    frame: pl.DataFrame  # one column per Column.name, plus ROW
    notes: list[str] = field(default_factory=list)
    encoding: str | None = None
    skipped_blank_rows: int = 0
    # Cells whose cached value is a formula error (#DIV/0!, #N/A, ...): ROW, "column" (the
    # Column.name), "value" (the error as Excel shows it). Such a cell reads as empty.
    cell_errors: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema={ROW: pl.Int64, "column": pl.String, "value": pl.String}))
    # File-level problems that do not stop the run but may lose data (Issues, severity warning).
    warnings: list[str] = field(default_factory=list)
    # Later visible sheets of the workbook that also have a use case header (not read: no --sheet given).
    other_sheets: list[str] = field(default_factory=list)
    # Text files only. records: the file's records as Python's csv module counts them (newline=''),
    # checked against title + header + blank + data rows; data_start: records before the first data row.
    records: int | None = None
    data_start: int = 0
    delimiter: str | None = None
    # The decimal mark numbers written as text are read with: "." or ","; decimal_given: chosen by
    # the user (--decimal, input.decimal), not suggested by the delimiter.
    decimal: str = "."
    decimal_given: bool = False
    # (row, problem) of rows that cannot be trusted as read (a last row cut off mid-write).
    row_errors: list[tuple[int, str]] = field(default_factory=list)
    # Once every row is in the run's Portfolio, the frame is let go (emptied) and its height kept here.
    let_go_rows: int | None = None

    @property
    def rows(self) -> int:
        """The data rows read (blank rows skipped), also after the frame was let go."""
        return self.frame.height if self.let_go_rows is None else self.let_go_rows

    def let_go(self) -> None:
        """Empty the frame (its columns stay): at 1,000,000 rows the input as read holds ~390 MB."""
        self.let_go_rows, self.frame = self.rows, self.frame.clear()


@dataclass
class Mapping:
    """How a table's headers were matched to ftscore's fields (columns.map_columns)."""

    fields: dict[str, Column]  # canonical field -> the user's column
    notes: list[str] = field(default_factory=list)
    how: dict[str, str] = field(default_factory=dict)  # Column.name -> how it was matched


@dataclass
class Source:
    """One input file as read: its table, how its headers were matched, its checksum."""

    table: Table
    mapping: Mapping
    checksum: str


@dataclass
class Result:
    sources: list[Source]
    config: dict
    portfolio: pl.DataFrame  # every input row, in input order: user columns, then ANNOTATION_PREFIX columns
    ranking: pl.DataFrame  # scored rows sorted by rank (canonical names, SRC and ROW kept)
    issues: pl.DataFrame
    started: datetime
    timings: dict[str, float] = field(default_factory=dict)
    stability: dict | None = None  # draws, seed, the line naming the most fragile decisions
    budget: dict | None = None  # amount, method, chosen count, setup cost and savings of the chosen set
    # Since the last run of the same portfolio (issue 13, pipeline/changes.py): the changes (None when there is
    # nothing to compare) and the facts: since, run_id, portfolio, reason (why nothing is compared), counts.
    changes: pl.DataFrame | None = None
    changes_facts: dict = field(default_factory=dict)
    snapshot: pl.DataFrame | None = None  # the rows as the history records them (history.snapshot), once taken
    inputs: object | None = None  # history.HeldInputs: the texts of the rows' input_checksum (keep_inputs)

    @property
    def recommendations(self) -> dict[str, int]:
        """Use cases per recommendation met, in rank order (--json's "recommendations", the history's counts)."""
        counts = self.ranking.group_by("recommendation", maintain_order=True).len().iter_rows()
        return {k: int(v) for k, v in counts if k is not None}

    @property
    def rows(self) -> int:
        return self.portfolio.height

    @property
    def scored(self) -> int:
        return self.ranking.height

    @property
    def error_rows(self) -> int:
        return self.rows - self.scored

    @property
    def warnings(self) -> int:
        return self.issues.filter(pl.col("severity") == "warning").height

    def annotation_names(self) -> list[str]:
        return annotation_columns(self.config, len(self.sources))


def annotation_columns(cfg: dict, inputs: int = 1) -> list[str]:
    """The columns ftscore adds to Portfolio, in order (source file and sheet when several inputs)."""
    names = [n for n in ANNOTATIONS if n != "net_savings_24m"]
    if inputs < 2:
        names = [n for n in names if n not in ("source_file", "source_sheet")]
    at = names.index("net_savings_12m") + 1
    if horizon_column(cfg) != "net_savings_12m":
        names.insert(at, horizon_column(cfg))
    return names
