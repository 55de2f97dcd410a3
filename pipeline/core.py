"""What every stage shares: row keys, reserved names, the table a reader hands on, the run's result.

Readers (read, guard), the run and the writers (workbook, export, explain) import these names
from here, never from each other, so no stage depends on another's module for a shared fact.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import polars as pl

from pipeline.errors import ContractBroken
from pipeline.fields import ANNOTATIONS
from pipeline.config import horizon_column

ROW = "__row"  # the record's row number as Excel shows it (1-based)
SRC = "__src"  # which input of the run a record came from (0-based position)
KEY = [SRC, ROW]  # a row of the run: its input and its row in that input
RANKED = "__ranked"  # Result.input_rows: the row's position in Result.ranking (null: not scored)
ERROR = "__error"  # Result.input_rows: why the row is not scored (null: scored)
# Portfolio's rows made at once where it is written (Result.portfolio_parts): a part's annotation
# columns are held while it is written, not the whole sheet's.
PORTFOLIO_PART_ROWS = 100_000
# A text column of the input rows that repeats a few values (Industry, Model, ...) is held as categories
# (4 bytes a row; a text is 16 bytes a row and its letters): at 1M rows ~320 MB less for the
# benchmark's 25 such columns. "Few": at most a quarter as many distinct values as rows among the
# first CATEGORY_SAMPLE_ROWS rows. Portfolio shows them as text again (Result.portfolio_part).
CATEGORY_SAMPLE_ROWS = 10_000
CATEGORY_SHARE = 0.25
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
    frame: pl.DataFrame  # one column per Column.name, plus ROW (once checked, few-valued texts as categories)
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
    # Every input row, in input order: the user's columns (few-valued texts as categories: as_categories),
    # KEY, RANKED and ERROR. Portfolio's
    # ANNOTATION_PREFIX columns are taken from ranking when a part is shown (portfolio_part), never
    # held for every row: at 1M rows they are ~570 MB beside the ranking they repeat.
    input_rows: pl.DataFrame
    ranking: pl.DataFrame  # scored rows sorted by rank (canonical names, SRC and ROW kept); never reordered
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
        return self.input_rows.height

    @property
    def portfolio_columns(self) -> list[str]:
        """Portfolio's columns: the user's, then the ANNOTATION_PREFIX ones, then KEY."""
        user = [c for c in self.input_rows.columns if c not in (*KEY, RANKED, ERROR)]
        return user + [ANNOTATION_PREFIX + n for n in self.annotation_names()] + KEY

    @property
    def portfolio(self) -> pl.DataFrame:
        """Portfolio whole (for a part of it at a time: portfolio_part)."""
        return self.portfolio_part(0, self.input_rows.height)

    def portfolio_parts(self, rows: int | None = None):
        """Portfolio ``rows`` (default PORTFOLIO_PART_ROWS) rows at a time, in order (one part when it has
        no rows)."""
        rows = rows or PORTFOLIO_PART_ROWS
        for offset in range(0, max(self.input_rows.height, 1), rows):
            yield self.portfolio_part(offset, rows)

    def portfolio_part(self, offset: int, length: int) -> pl.DataFrame:
        """Portfolio's rows offset to offset + length: every input row in input order, the user's columns,
        then the annotation columns (the scored row's from ranking, the error of a row not scored in its
        rationale), then KEY."""
        rows = self.input_rows.slice(offset, length)
        error = rows.get_column(ERROR).cast(pl.String)
        names = self.annotation_names()
        computed = [n for n in names if n in self.ranking.columns]
        notes = self.ranking.select(pl.col(*KEY, *computed).gather(rows.get_column(RANKED)))
        ranked = rows.get_column(RANKED).is_not_null()
        if not notes.select(KEY).filter(ranked).equals(rows.select(KEY).filter(ranked)):
            raise ContractBroken("Portfolio's annotations are not its rows' (the ranking was reordered)")
        several = len(self.sources) > 1  # the source file and sheet are shown (annotation_columns) only then
        files = {i: s.table.file for i, s in enumerate(self.sources)}
        sheets = {i: s.table.sheet for i, s in enumerate(self.sources)}
        own = {
            **{n: pl.col(n) for n in computed},
            "rationale": pl.coalesce(pl.col("rationale"), error) if "rationale" in computed else error,
            "source_row": rows.get_column(ROW),
            **({"source_file": rows.get_column(SRC).replace_strict(files, return_dtype=pl.String),
                "source_sheet": rows.get_column(SRC).replace_strict(sheets, return_dtype=pl.String)} if several else {}),
        }
        added = notes.select(own[n].alias(ANNOTATION_PREFIX + n) for n in names if n in own)
        return pl.concat([self.user_columns(rows), added, rows.select(KEY)], how="horizontal").select(self.portfolio_columns)

    @property
    def scored(self) -> int:
        return self.ranking.height

    @property
    def error_rows(self) -> int:
        return self.rows - self.scored

    @property
    def warnings(self) -> int:
        return self.issues.filter(pl.col("severity") == "warning").height

    def user_columns(self, rows: pl.DataFrame) -> pl.DataFrame:
        """The user's columns of some input rows, as read (texts held as categories made text again)."""
        return rows.drop(*KEY, RANKED, ERROR, strict=False).with_columns(pl.col(pl.Categorical).cast(pl.String))

    def annotation_names(self) -> list[str]:
        return annotation_columns(self.config, len(self.sources))


def as_categories(frame: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
    """The frame with each text column of ``columns`` that repeats a few values (CATEGORY_SHARE of
    the first CATEGORY_SAMPLE_ROWS rows) held as categories; the others as they are."""
    schema = frame.schema  # once: it is made anew on each call (wide inputs)
    texts = [c for c in columns if schema[c] == pl.String]
    if not texts or not frame.height:
        return frame
    sample = frame.head(CATEGORY_SAMPLE_ROWS)
    distinct = sample.select(pl.col(texts).n_unique()).row(0)
    few = [c for c, n in zip(texts, distinct) if n <= CATEGORY_SHARE * sample.height]
    return frame.with_columns(pl.col(few).cast(pl.Categorical)) if few else frame


def annotation_columns(cfg: dict, inputs: int = 1) -> list[str]:
    """The columns ftscore adds to Portfolio, in order (source file and sheet when several inputs)."""
    names = [n for n in ANNOTATIONS if n != "net_savings_24m"]
    if inputs < 2:
        names = [n for n in names if n not in ("source_file", "source_sheet")]
    at = names.index("net_savings_12m") + 1
    if horizon_column(cfg) != "net_savings_12m":
        names.insert(at, horizon_column(cfg))
    return names
