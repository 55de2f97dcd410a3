"""The one place that knows the order of the stages. No click, no printing.

read -> columns -> validate -> score -> money -> decide -> rank, then the
accounting check: every input row is on Portfolio and is either scored or has
an error on Issues.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import polars as pl

from pipeline import __version__, issues
from pipeline.columns import Mapping, header_scorer, map_columns, parse
from pipeline.fields import ANNOTATIONS
from pipeline.money import horizon_column, money
from pipeline.rank import decide, rank
from pipeline.read import HINT_HEADER, ROW, ReadError, Table, read_table
from pipeline.score import FACTOR_FIELDS, FACTOR_INPUTS, FACTORS, factor_scores
from pipeline.validate import ContractBroken, check
from schemas import ScoredPortfolio

ANNOTATION_PREFIX = "ftscore:"  # annotation columns on Portfolio, apart from the user's


@dataclass
class Result:
    table: Table
    mapping: Mapping
    config: dict
    portfolio: pl.DataFrame  # user's columns in input order, then ANNOTATION_PREFIX columns
    ranking: pl.DataFrame  # scored rows sorted by rank (canonical names)
    issues: pl.DataFrame
    started: datetime
    checksum: str
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return self.portfolio.height

    @property
    def scored(self) -> int:
        return self.ranking.height

    @property
    def error_rows(self) -> int:
        return self.rows - self.scored

    def annotation_names(self) -> list[str]:
        return annotation_columns(self.config)


def annotation_columns(cfg: dict) -> list[str]:
    names = [n for n in ANNOTATIONS if n != "net_savings_24m"]
    at = names.index("net_savings_12m") + 1
    if horizon_column(cfg) != "net_savings_12m":
        names.insert(at, horizon_column(cfg))
    return names


def checksum(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _missing_data_warnings(table: Table, mapping: Mapping, scored: pl.DataFrame, cfg: dict) -> list[pl.DataFrame]:
    """Per row where the file has the columns but the row lacks values; once where it has none."""
    out = []
    for f in FACTORS:
        rows = scored.filter(pl.col(f"__{f}_known").not_()).select(ROW)
        if not rows.height:
            continue
        if not any(name in mapping.fields for name in FACTOR_FIELDS[f]):
            out.append(issues.for_file(
                table,
                f"no column gives {f} data, so all {rows.height} scored rows score {f} {cfg[f]['default']} "
                f"(add {FACTOR_INPUTS[f]})",
                severity="warning",
            ))
            continue
        problem = f"no {f} data: {f} scored {cfg[f]['default']} (give {FACTOR_INPUTS[f]})"
        out.append(issues.for_cells(table, rows, None, problem, severity="warning"))
    assumed = scored.filter(pl.col("cost_basis") == "assumed").height
    if assumed:
        m = cfg["money"]
        out.append(issues.for_file(
            table,
            f"{assumed} scored rows lack fine-tuning costs; the defaults were used (setup "
            f"${m['finetune_setup_cost']:,}, ${m['finetune_monthly_cost']:,} a month) and cost_basis says 'assumed'",
        ))
    return out


def _formula_errors(table: Table, mapping: Mapping) -> list[pl.DataFrame]:
    """A cell whose cached value is a formula error: an error where ftscore uses the column."""
    out = []
    used = {c.name for c in mapping.fields.values()}
    for col in table.columns:
        cells = table.cell_errors.filter(pl.col("column") == col.name)
        if cells.height:
            severity = "error" if col.name in used else "warning"
            problem = pl.format("the formula in this cell gives {}; fix it or type the value", pl.col("value"))
            out.append(issues.for_cells(table, cells, col, problem, severity=severity, value=pl.col("value")))
    return out


def score_table(table: Table, cfg: dict) -> tuple[Mapping, pl.DataFrame, pl.DataFrame, dict[str, float]]:
    """(mapping, scored rows sorted by rank, issues, timings) for one read table."""
    t0 = time.perf_counter()
    mapping = map_columns(table, cfg)
    if "use_case" not in mapping.fields:
        where = f" of sheet '{table.sheet}'" if table.sheet else ""
        raise ReadError(f"{table.file}: row {table.header_row}{where} has no use case name column; {HINT_HEADER}")
    parsed, parse_issues = parse(table, mapping, cfg)
    found = [parse_issues, check(table, mapping, parsed, cfg)]
    found += [issues.for_file(table, note) for note in table.notes + mapping.notes]
    found += _formula_errors(table, mapping)
    bad = issues.error_rows(issues.combine(found))
    t1 = time.perf_counter()

    has_id = "use_case_id" in mapping.fields
    valid = parsed.filter(pl.col(ROW).is_in(bad.implode()).not_()).with_columns(
        pl.coalesce(pl.col("use_case_id"), pl.lit("row ") + pl.col(ROW).cast(pl.String)).alias("use_case_id"),
        (pl.col("use_case_id") if has_id else pl.col(ROW).cast(pl.String).str.zfill(12)).alias("__key"),
    )
    scored = factor_scores(valid, cfg)
    scored = money(scored, cfg)
    scored = decide(scored, cfg)
    scored = rank(scored, cfg, "__key")
    found += _missing_data_warnings(table, mapping, scored, cfg)
    try:
        ScoredPortfolio.validate(scored, lazy=True)
    except Exception as exc:  # pandera's SchemaErrors; anything here is our bug
        raise ContractBroken(f"scored portfolio breaks its contract: {exc}") from None
    t2 = time.perf_counter()
    return mapping, scored, issues.combine(found), {"validate": t1 - t0, "score": t2 - t1}


def _portfolio(table: Table, scored: pl.DataFrame, found: pl.DataFrame, cfg: dict) -> pl.DataFrame:
    names = annotation_columns(cfg)
    errors = (
        found.filter((pl.col("severity") == "error") & pl.col("row").is_not_null())
        .group_by("row", maintain_order=True)
        .agg(pl.col("problem").first(), pl.len().alias("__n"))
        .select(
            pl.col("row").alias(ROW),
            (
                pl.lit("not scored: ") + pl.col("problem")
                + pl.when(pl.col("__n") > 1).then(pl.format(" (+{} more, see Issues)", pl.col("__n") - 1)).otherwise(pl.lit(""))
            ).alias("__error"),
        )
    )
    notes = scored.select(ROW, *[pl.col(n).alias(ANNOTATION_PREFIX + n) for n in names if n != "source_row"])
    out = table.frame.join(notes, on=ROW, how="left", maintain_order="left").join(
        errors, on=ROW, how="left", maintain_order="left"
    )
    return out.with_columns(
        pl.coalesce(pl.col(ANNOTATION_PREFIX + "rationale"), pl.col("__error")).alias(ANNOTATION_PREFIX + "rationale"),
        pl.col(ROW).alias(ANNOTATION_PREFIX + "source_row"),
    ).drop("__error").select(*table.frame.columns, *[ANNOTATION_PREFIX + n for n in names])


def account(table: Table, portfolio: pl.DataFrame, scored: pl.DataFrame, found: pl.DataFrame) -> None:
    """Nothing lost: every input row on Portfolio, scored or with an error. Raises if not."""
    rows_in = table.frame.get_column(ROW)
    if portfolio.height != table.frame.height or not portfolio.get_column(ROW).equals(rows_in):
        raise ContractBroken(f"{table.file}: Portfolio has {portfolio.height} rows, the input {table.frame.height}")
    scored_rows = set(scored.get_column(ROW).to_list())
    error_rows = set(issues.error_rows(found).to_list())
    lost = sorted(set(rows_in.to_list()) - scored_rows - error_rows)
    if lost:
        raise ContractBroken(f"{table.file}: rows {lost[:10]} are neither scored nor reported as errors")
    both = sorted(scored_rows & error_rows)
    if both:
        raise ContractBroken(f"{table.file}: rows {both[:10]} are scored although they have errors")


def read_input(path: str | Path, cfg: dict, **options) -> Table:
    """Read one file with the header matching of this config (options: see read.read_table)."""
    return read_table(path, header_scorer(cfg), search_rows=cfg["input"]["header_search_rows"], **options)


def score_file(path: str | Path, cfg: dict, **options) -> Result:
    """Read, check, score and rank one file. Raises read.ReadError when it is unusable.

    options go to read.read_table: sheet, header_row, encoding, delimiter.
    """
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    table = read_input(path, cfg, **options)
    t_read = time.perf_counter() - t0
    mapping, scored, found, timings = score_table(table, cfg)
    portfolio = _portfolio(table, scored, found, cfg)
    account(table, portfolio, scored, found)
    ranking = scored.drop([c for c in scored.columns if c.startswith("__")])
    return Result(
        table=table,
        mapping=mapping,
        config=cfg,
        portfolio=portfolio,
        ranking=ranking,
        issues=found,
        started=started,
        checksum=checksum(path),
        timings={"read": t_read, **timings},
    )


__all__ = ["Result", "score_file", "score_table", "account", "annotation_columns", "ANNOTATION_PREFIX", "__version__"]
