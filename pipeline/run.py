"""The one place that knows the order of the stages. No click, no printing.

For each input: read -> columns -> validate. Then, over the whole portfolio:
prices (today's and the options') -> score -> money -> decide (rank.decide: the options of
SPEC §3, the decision of §4, the recommended option's money of §5) -> rank (§6), and the
accounting check: every input row is on Portfolio and is either scored or has an error on Issues.

Rows are identified by (SRC, ROW): the input's position in the run and the
row as Excel shows it in that input.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path

import polars as pl

from pipeline import __version__, budget as budget_mod, issues, prices, stability, summary
from pipeline.history import HeldInputs
from pipeline.columns import header_like_rows, header_scorer, map_columns, parse
from pipeline.config import horizon_column, max_unpacked_bytes
from pipeline.money import computed_checks, money, overflow
from pipeline.options import OPTIONS, long_inputs
from pipeline.rank import NO_MONEY, decide, rank
from pipeline.atomic import display
from pipeline.core import (ANNOTATION_PREFIX, ERROR, KEY, RANKED, ROW, SRC, Mapping, Result, Source, Table,
                           annotation_columns, as_categories)
from pipeline.read import HINT_HEADER, NotAPortfolio, ReadError, read_table
from pipeline.score import FACTOR_FIELDS, FACTOR_INPUTS, FACTORS, factor_scores
from pipeline.slices import parts
from pipeline.validate import ContractBroken, check, repeated_ids
from schemas import ScoredPortfolio

# What the outputs show of a scored row besides its annotations. The rest of the scored frame
# (the inputs as parsed, the reasons behind each score) serves `ftscore explain`.
SHOWN = ("use_case_id", "use_case", "business_unit", "funded", "p_top10", "p_same_decision")


def shown_columns(scored: pl.DataFrame, cfg: dict, inputs: int) -> list[str]:
    # long_inputs: the Options sheet; summary.inputs: Summary's Insufficient data line; input_checksum:
    # the checksum of the parsed inputs, for the history (score_files keep_inputs)
    keep = {*KEY, *SHOWN, *annotation_columns(cfg, inputs), *long_inputs(), *summary.inputs(), "input_checksum"}
    return [c for c in scored.columns if c in keep]


def checksum(path: str | Path) -> str:
    """SHA-256 of a file's bytes, in hex (hashlib.file_digest reads it in blocks)."""
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def read_input(path: str | Path, cfg: dict, **options) -> Table:
    """Read one file with the header matching of this config (options: see read.read_table)."""
    i = cfg["input"]
    options["decimal"] = options.get("decimal") or i["decimal"]
    return read_table(path, header_scorer(cfg), search_rows=i["header_search_rows"],
                      max_unpacked_bytes=max_unpacked_bytes(cfg), max_cells=i["max_cells"], **options)


def _formula_errors(table: Table, mapping: Mapping) -> list[pl.DataFrame]:
    """A cell whose cached value is a formula error: an error where ftscore uses the column."""
    out = []
    used = {c.name for c in mapping.fields.values()}
    if not table.cell_errors.height:
        return out
    having = set(table.cell_errors.get_column("column").unique().to_list())
    for col in table.columns:  # only the columns with errors are filtered for (wide inputs)
        if col.name not in having:
            continue
        cells = table.cell_errors.filter(pl.col("column") == col.name)
        if cells.height:
            severity = "error" if col.name in used else "warning"
            problem = pl.format("the formula in this cell gives {}; fix it or type the value", pl.col("value"))
            out.append(issues.for_cells(table, cells, col, problem, severity=severity, value=pl.col("value")))
    return out


def check_table(table: Table, cfg: dict) -> tuple[Mapping, pl.DataFrame, list[pl.DataFrame]]:
    """(mapping, parsed canonical frame, issues) for one input; no scoring."""
    mapping = map_columns(table, cfg)
    if "use_case" not in mapping.fields:
        where = f" of sheet '{table.sheet}'" if table.sheet else ""
        raise NotAPortfolio(f"{table.file}: row {table.header_row}{where} has no use case name column; {HINT_HEADER}")
    parsed, parse_issues = parse(table, mapping, cfg)
    found = [parse_issues, check(table, mapping, parsed, cfg)]
    found += [issues.for_file(table, note) for note in table.notes + mapping.notes]
    found += [issues.for_file(table, warning, severity="warning") for warning in table.warnings]
    repeated = header_like_rows(table, mapping, cfg)
    if repeated.height:
        found.append(issues.for_cells(
            table, repeated.join(table.frame, on=ROW, how="left"), mapping.fields["use_case"],
            "looks like a second header row (its cells are column names), not a use case; delete it, "
            "or give the header row with --header-row"))
    found += _formula_errors(table, mapping)
    if table.row_errors:
        rows = pl.DataFrame(table.row_errors, schema={ROW: pl.Int64, "problem": pl.String}, orient="row")
        found.append(issues.for_cells(table, rows, None, pl.col("problem")))
    return mapping, parsed, found


def _missing_data_warnings(sources: list[Source], known: pl.DataFrame, cfg: dict) -> list[pl.DataFrame]:
    """Per input: per row where the file has the columns but the row lacks values; once where it has none."""
    out = []
    for source, scored in issues.by_input(sources, known):
        out += _missing_data_in(source, scored, cfg)
    return out


def _missing_data_in(source: Source, scored: pl.DataFrame, cfg: dict) -> list[pl.DataFrame]:
    table, mapping = source.table, source.mapping
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
        out.append(issues.for_file(
            table,
            f"{assumed} scored rows are recommended to run on own GPUs without the facts to size them (calls and "
            "tokens, gpus, or finetune_monthly_cost): one always-on GPU was assumed and cost_basis says 'assumed'",
        ))
    return out


def valid_rows(sources: list[Source], parsed: pl.DataFrame, found: pl.DataFrame) -> pl.DataFrame:
    """The parsed rows without an error, with use_case_id filled in and the tie-break __key."""
    files = [s.table.file for s in sources]
    bad = issues.error_rows(found)
    has_id = any("use_case_id" in s.mapping.fields for s in sources)
    row_key = pl.col(SRC).cast(pl.String).str.zfill(4) + pl.lit(":") + pl.col(ROW).cast(pl.String).str.zfill(12)
    names = [Path(f).name for f in files]
    row_id = (
        pl.lit("row ") + pl.col(ROW).cast(pl.String)
        if len(sources) == 1
        else pl.col(SRC).replace_strict(dict(enumerate(names)), return_dtype=pl.String) + pl.lit(" row ") + pl.col(ROW).cast(pl.String)
    )
    return parsed.join(bad, on=KEY, how="anti", maintain_order="left").with_columns(
        pl.coalesce(pl.col("use_case_id"), row_id).alias("use_case_id"),
        (pl.coalesce(pl.col("use_case_id"), row_key) if has_id else row_key).alias("__key"),
    )


# Why each option is not offered or not allowed: a few reasons (with their numbers) over and over,
# read by the Options sheet and explain, held as categories (4 bytes a row; a text is 16 bytes a row
# and its letters): at 1M rows ~250 MB less.
REASONS = [f"{o}__{why}" for o in OPTIONS for why in ("why_not", "why_not_allowed")]
DECIDED_AT_ONCE = 250_000  # rows decided at once (1,000,000 at once: the work columns peak ~500 MB higher; 100,000: 20 % slower)


def score_sources(sources: list[Source], valid: list[pl.DataFrame], found: pl.DataFrame, cfg: dict,
                  at: date | None = None, *, shown: bool = False) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(scored rows sorted by rank, all issues) for the valid rows of the whole portfolio.

    valid holds the one frame of valid rows and is emptied: the rows are handed over, so that
    once ranked the unsorted input columns are let go (at 1M rows, some 400 MB). ``at``: the
    price date of the options' prices (today by default). shown: only the columns the outputs show
    (shown_columns) are ranked and come back; the others are let go before the sort copies them.
    """
    files = [s.table.file for s in sources]
    rows, decided, known, extra = valid.pop(), [], [], []
    # DECIDED_AT_ONCE rows at a time: the decision's work columns are held for one slice
    for part in parts(rows, DECIDED_AT_ONCE):
        kept, more = _decided(sources, part, cfg, at or date.today())
        extra += more
        # only the columns the warnings read: a filter over the whole scored frame copies all of it
        known.append(kept.select(SRC, ROW, "cost_basis", *[f"__{f}_known" for f in FACTORS]))
        decided.append((kept.select(*shown_columns(kept, cfg, len(sources)), "__key") if shown else kept)
                       .with_columns(pl.col(c).cast(pl.Categorical) for c in REASONS if c in kept.columns))
        del part, kept
    del rows
    extra += _missing_data_warnings(sources, pl.concat(known), cfg)
    del known
    handed = [pl.concat(decided, rechunk=False)]
    del decided
    scored = rank(handed, cfg, "__key")
    if shown:
        scored = scored.drop("__key")
    found = issues.order_issues(issues.combine([found.drop(SRC), *extra]), files)
    try:
        ScoredPortfolio.validate(scored, lazy=True)
    except Exception as exc:  # pandera's SchemaErrors; anything here is our bug
        cases = getattr(exc, "failure_cases", None)
        if isinstance(cases, pl.DataFrame) and {"column", "check"} <= set(cases.columns):
            pairs = cases.select("column", "check").unique(maintain_order=True)
            what = "; ".join(f"{c}: {k}" for c, k in pairs.head(5).iter_rows())
        else:
            what = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        raise ContractBroken(f"scored portfolio breaks its contract ({what})") from None
    return scored, found


def _decided(sources: list[Source], rows: pl.DataFrame, cfg: dict, at: date) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """(the rows scored, priced and decided, an error for each row left out). A row whose computed
    money overflows (or passes money.max_amount) is an error on its row, never an exception in a
    later stage: checked on today's money (before the options are priced) and on every option's
    (after the decision; the recommended option's columns are among them), so no such amount
    reaches Ranking or the Options sheet; such a row is not ranked. Row by row: any slice of the
    rows gives the same rows (score_sources decides them a slice at a time)."""
    computed, extra = _without_overflow(sources, money(factor_scores(rows, cfg), cfg), cfg)
    computed, more = _without_overflow(sources, decide(computed, cfg, at), cfg)
    return computed, extra + more


def _without_overflow(sources: list[Source], computed: pl.DataFrame, cfg: dict
                      ) -> tuple[pl.DataFrame, list[pl.DataFrame]]:
    """(the rows whose computed amounts can be reported, an error for each of the others)."""
    bad = overflow(computed, cfg)
    if not bad.height:
        return computed, []
    return (computed.join(bad.select(KEY), on=KEY, how="anti", maintain_order="left"),
            _overflow_issues(sources, bad, cfg))


def _overflow_issues(sources: list[Source], bad: pl.DataFrame, cfg: dict) -> list[pl.DataFrame]:
    """An error per row whose computed amount cannot be reported, at the cell of the first input
    it comes from that the file has (else on the row)."""
    checks = computed_checks(cfg)
    most = f"{cfg['money']['max_amount']:,.0f}"
    out = []
    for source, mine in issues.by_input(sources, bad):
        for (what,), group in mine.group_by(["__what"], maintain_order=True):
            label, inputs = checks[what]
            named = [f for f in inputs if f in source.mapping.fields]
            col = source.mapping.fields[named[0]] if named else None
            rows = group.select(ROW, "__amount")
            if col is not None:
                rows = rows.join(source.table.frame.select(ROW, col.name), on=ROW, how="left", maintain_order="left")
            problem = pl.format(
                f"the computed {label} ({{}}) is past the largest amount ftscore reports ({most}, money.max_amount)"
                + (f"; check {', '.join(named)}" if named else ""),
                pl.col("__amount").cast(pl.String),
            )
            out.append(issues.for_cells(source.table, rows, col, problem))
    return out


def _input_rows(sources: list[Source], scored: pl.DataFrame, found: pl.DataFrame) -> pl.DataFrame:
    """Result.input_rows: every input row in input order, the user's columns, KEY, RANKED (its position
    in the scored rows) and ERROR (why a row is not scored: its first error, and how many more)."""
    errors = (
        found.filter(issues.row_error())
        .group_by([SRC, "row"], maintain_order=True)
        .agg(pl.col("problem").first(), pl.len().alias("__n"))
        .select(
            pl.col(SRC),
            pl.col("row").alias(ROW),
            (
                pl.lit("not scored: ") + pl.col("problem")
                + pl.when(pl.col("__n") > 1).then(pl.format(" (+{} more, see Issues)", pl.col("__n") - 1)).otherwise(pl.lit(""))
            ).alias(ERROR),
        )
    )
    frames = [s.table.frame.with_columns(pl.lit(i, pl.Int64).alias(SRC)) for i, s in enumerate(sources)]
    if len(frames) > 1:  # a column of several inputs takes one type: text, where it differs (as_categories below)
        frames = [f.with_columns(pl.col(pl.Categorical).cast(pl.String)) for f in frames]
    user = pl.concat(frames, how="diagonal_relaxed") if len(frames) > 1 else frames[0]
    ranked = scored.select(KEY).with_row_index(RANKED).with_columns(pl.col(RANKED).cast(pl.Int64))
    # The positions and errors are lined up with the input rows and set beside them: joining onto
    # the user's columns would copy every one of them (at 1M rows, hundreds of MB).
    aligned = user.select(KEY).join(ranked, on=KEY, how="left", maintain_order="left").join(
        errors, on=KEY, how="left", maintain_order="left")
    if aligned.height != user.height:
        raise ContractBroken(f"annotations for {aligned.height} rows, the inputs have {user.height}")
    out = pl.concat([user, aligned.drop(KEY)], how="horizontal")
    user_cols = [c for c in user.columns if c not in KEY]
    # one input's columns took categories when it was checked; several inputs' stacked as text take them here
    return as_categories(out.select(*user_cols, *KEY, RANKED, ERROR), [ERROR, *(user_cols if len(frames) > 1 else [])])


def account(sources: list[Source], rows: pl.DataFrame, scored: pl.DataFrame, found: pl.DataFrame) -> None:
    """Nothing lost: every input row on Portfolio, scored or with an error, never both. Raises if not.

    For a text file the records are also counted the way the file holds them (Python's csv module,
    newline=''): title and header rows, blank rows and data rows must add up to them.
    """
    for s in sources:
        t = s.table
        if t.records is not None and t.data_start + t.skipped_blank_rows + t.frame.height != t.records:
            raise ContractBroken(
                f"{t.file}: the file holds {t.records} records, read as {t.data_start} title/header, "
                f"{t.skipped_blank_rows} blank and {t.frame.height} data rows")
    expected = pl.concat([s.table.frame.select(pl.lit(i, pl.Int64).alias(SRC), ROW) for i, s in enumerate(sources)])
    if not rows.select(KEY).equals(expected):  # rows: Portfolio's (Result.input_rows)
        raise ContractBroken(f"Portfolio has {rows.height} rows, the inputs {expected.height}")
    scored_keys = scored.select(KEY)
    error_keys = issues.error_rows(found)
    lost = expected.join(scored_keys, on=KEY, how="anti").join(error_keys, on=KEY, how="anti")
    if lost.height:
        raise ContractBroken(f"rows {lost.head(10).rows()} are neither scored nor reported as errors")
    both = scored_keys.join(error_keys, on=KEY, how="semi")
    if both.height:
        raise ContractBroken(f"rows {both.head(10).rows()} are scored although they have errors")


def _price_issues(sources: list[Source], parsed: pl.DataFrame) -> list[pl.DataFrame]:
    """An unknown model is an error where its price is needed (no monthly cost given), else a warning."""
    failed = parsed.filter(pl.col("price_error").is_not_null()).select(SRC, ROW, "price_error", "monthly_api_cost")
    severity = pl.when(pl.col("monthly_api_cost").is_null()).then(pl.lit("error")).otherwise(pl.lit("warning"))
    return issues.for_inputs(sources, failed, "model", pl.col("price_error"), severity=severity)


def _alt_price_issues(sources: list[Source], parsed: pl.DataFrame) -> list[pl.DataFrame]:
    """A named alt model without a price is a warning at its cell: the API done cheaper is then
    priced without it (SPEC §3)."""
    failed = parsed.filter(pl.col("alt_price_error").is_not_null()).select(SRC, ROW, "alt_price_error")
    problem = pl.lit("alt model not priced, so not used: ") + pl.col("alt_price_error")
    return issues.for_inputs(sources, failed, "alt_model", problem, severity="warning")


def _deprecated_issues(sources: list[Source], parsed: pl.DataFrame) -> list[pl.DataFrame]:
    """A model the price catalog marks deprecated is a warning at its cell: its provider will retire it."""
    old = parsed.filter(pl.col("model_deprecated").fill_null(False)).select(SRC, ROW, pl.col("model").alias("__model"))
    problem = pl.col("__model") + pl.lit(" is deprecated by its provider: plan a migration")
    return issues.for_inputs(sources, old, "model", problem, severity="warning")


def _stability(valid: pl.DataFrame, scored: pl.DataFrame, cfg: dict, draws: int, at: date
               ) -> tuple[pl.DataFrame, dict]:
    """p_top10 and p_same_decision per use case from `draws` perturbed runs (fixed seed; options priced
    at the run's price date `at`)."""
    seed = stability.settings(cfg)["seed"]
    found = stability.stability(valid, scored, cfg, draws, seed=seed, at=at)
    scored = scored.join(found, on=KEY, how="left", maintain_order="left")
    line = stability.fragile_line(stability.fragile(found, scored), draws)
    return scored, {"draws": draws, "seed": seed, "line": line}


def _budget(scored: pl.DataFrame, cfg: dict, amount: float) -> tuple[pl.DataFrame, dict]:
    """Fund the set of recommended changes (not Keep prompting, Add retrieval or Insufficient data)
    whose one-off costs fit the budget and that saves most over the horizon.

    A recommendation whose option saves nothing (the need is not a saving) is a candidate of value
    <= 0, never chosen for its value.
    """
    horizon = horizon_column(cfg)
    candidates = scored.filter(~pl.col("recommendation").is_in(NO_MONEY) & pl.col("__one_off").is_not_null()).select(
        *KEY, pl.col("__one_off").alias("cost"), pl.col(horizon).fill_null(0.0).alias("value")
    )
    chosen, method = budget_mod.choose(candidates, amount, **budget_mod.limits(cfg))
    scored = scored.join(chosen.select(*KEY, "funded"), on=KEY, how="left", maintain_order="left").with_columns(
        pl.col("funded").fill_null(False)
    )
    funded = scored.filter(pl.col("funded"))
    facts = {
        "amount": amount,
        "method": method,
        "chosen": funded.height,
        "candidates": candidates.height,
        "setup_cost": float(funded["__one_off"].sum() or 0),
        "savings": float(funded[horizon].sum() or 0),
    }
    return scored, facts


def _extras(kept: pl.DataFrame | None, scored: pl.DataFrame, cfg: dict, draws: int | None,
            budget: float | None, at: date) -> tuple[pl.DataFrame, dict | None, dict | None]:
    """--stability (on ``kept``, the valid rows) and --budget: (scored, stability facts, budget facts)."""
    stability_facts = budget_facts = None
    if draws:
        if kept.height != scored.height:  # rows whose money overflowed are not scored
            kept = kept.join(scored.select(KEY), on=KEY, how="semi", maintain_order="left")
        scored, stability_facts = _stability(kept, scored, cfg, draws, at)
    if budget is not None:
        scored, budget_facts = _budget(scored, cfg, budget)
    return scored, stability_facts, budget_facts


def _first_clause(exc: Exception) -> str:
    """What is wrong, without the hints meant for a file the user chose ('FILE: no header row ...')."""
    return str(exc).split("; ")[0]


@dataclass
class _Read:
    """The inputs as read and checked: one Source and parsed frame each, their issues, counts."""
    sources: list[Source] = field(default_factory=list)
    parsed: list[pl.DataFrame] = field(default_factory=list)
    found: list[pl.DataFrame] = field(default_factory=list)
    total: int = 0
    seconds_read: float = 0.0
    seconds_check: float = 0.0


def _read_inputs(paths: list[str | Path], cfg: dict, max_rows: int | None, progress, optional: frozenset,
                 skipped: list | None, options: dict) -> _Read:
    """Read and check each input; a folder's stray file (in `optional`, holding no use cases) is
    left out and listed in `skipped`; a damaged one stops the run (ReadError)."""
    done = _Read()
    for i, path in enumerate(paths):
        if progress:
            progress(f"reading {Path(path).name} ({i + 1} of {len(paths)})")
        t = time.perf_counter()
        try:
            table = read_input(path, cfg, **options)
            done.seconds_read += time.perf_counter() - t
            if max_rows is not None and done.total + table.frame.height > max_rows:
                raise ReadError(f"{path}: the input has more than {max_rows:,} rows (--max-rows); "
                                "split it or raise the limit")
            t = time.perf_counter()
            mapping, parsed, table_issues = check_table(table, cfg)  # no use case column: NotAPortfolio
        except NotAPortfolio as exc:
            if path not in optional:
                raise
            if skipped is not None:
                skipped.append((path, _first_clause(exc)))
            continue
        done.total += table.frame.height
        # held until every row is on Portfolio: its few-valued texts as categories (at 1M rows ~300 MB less
        # through scoring, where the run peaks)
        table.frame = as_categories(table.frame, [c for c in table.frame.columns if c != ROW])
        done.parsed.append(parsed.with_columns(pl.lit(len(done.sources), pl.Int64).alias(SRC)))
        done.sources.append(Source(table, mapping, checksum(path)))
        done.found += table_issues
        done.seconds_check += time.perf_counter() - t
    if not done.sources:
        reasons = "; ".join(reason for _, reason in (skipped or [])[:3]) + ("; ..." if len(skipped or []) > 3 else "")
        raise ReadError(f"{display(Path(paths[0]).parent)}: no file there is a usable portfolio ({reasons})")
    return done


def _priced_valid_rows(read: _Read, cfg: dict, at: date, keep_inputs: bool
                       ) -> tuple[list[pl.DataFrame], pl.DataFrame, HeldInputs | None]:
    """([the rows without an error, with their prices], every issue so far, with SRC, the inputs texts
    held); read.parsed is emptied. keep_inputs: the rows carry the checksum of their inputs as parsed
    (input_checksum) and the texts are held aside (history.HeldInputs), else None."""
    sources, found = read.sources, read.found
    parsed = pl.concat(read.parsed, how="vertical")
    held = None
    if keep_inputs:  # as parsed: before prices and scores fill in what a row did not give
        checksums, held = HeldInputs.of(parsed)
        parsed = parsed.with_columns(checksums)
        del checksums
    parsed = prices.option_prices(prices.apply(parsed, cfg, at), cfg, at)
    read.parsed.clear()  # big portfolios: hold one copy of the parsed input, not two
    found.append(repeated_ids(sources, parsed))
    found += _price_issues(sources, parsed) + _alt_price_issues(sources, parsed) + _deprecated_issues(sources, parsed)
    all_issues = issues.with_src(issues.combine(found), [s.table.file for s in sources])
    return [valid_rows(sources, parsed, all_issues)], all_issues, held  # a copy: parsed is let go on return


def score_files(paths: list[str | Path], cfg: dict, *, max_rows: int | None = None,
                price_date: date | None = None, draws: int | None = None, budget: float | None = None,
                progress=None, detail: bool = True, optional: frozenset = frozenset(),
                skipped: list | None = None, keep_inputs: bool = False, **options) -> Result:
    """Read, check, score and rank one or more files as one portfolio.

    detail=False keeps in Result.ranking only the columns the outputs show (shown_columns),
    not what `explain` reads: at 1M rows some 300 MB less at the peak.

    Raises read.ReadError when an input is unusable. An input in `optional` (a file found in a
    folder) that holds no use cases is left out instead, and (path, reason) added to `skipped`;
    when every input is left out, ReadError. options go to
    read.read_table: sheet, header_row, encoding, delimiter. keep_inputs: for the history, Result.ranking
    carries each row's input_checksum (of its inputs as parsed) and Result.inputs their texts
    (history.HeldInputs).
    """
    started = datetime.now(timezone.utc)
    t0 = time.perf_counter()
    read = _read_inputs(paths, cfg, max_rows, progress, optional, skipped, options)
    sources = read.sources
    if progress:
        progress(f"scoring {read.total:,} use cases")
    t = time.perf_counter()
    at = price_date or started.date()
    valid, all_issues, held = _priced_valid_rows(read, cfg, at, keep_inputs)
    kept = valid[0] if draws else None  # stability scores the valid rows again, perturbed
    # without --stability or --budget, which read more of it, only what the outputs show is ranked
    shown = not detail and not draws and budget is None
    scored, all_issues = score_sources(sources, valid, all_issues, cfg, at, shown=shown)
    scored, stability_facts, budget_facts = _extras(kept, scored, cfg, draws, budget, at)
    del kept
    if not detail:  # (shown: these columns already)
        scored = scored.select(shown_columns(scored, cfg, len(sources)))
    input_rows = _input_rows(sources, scored, all_issues)
    account(sources, input_rows, scored, all_issues)
    for source in sources:  # every row is in Portfolio now, or an error says why
        source.table.let_go()
    # Ranking keeps the helper columns (reasons, setup and running cost) for explain;
    # the workbook selects what it shows.
    ranking = scored.drop("price_error", strict=False)
    timings = {"read": read.seconds_read, "validate": read.seconds_check, "score": time.perf_counter() - t,
               "total": time.perf_counter() - t0}
    return Result(sources=sources, config=cfg, input_rows=input_rows, ranking=ranking, issues=all_issues,
                  started=started, timings=timings, stability=stability_facts, budget=budget_facts, inputs=held)


def score_file(path: str | Path, cfg: dict, **options) -> Result:
    """One file as a portfolio (see score_files)."""
    return score_files([path], cfg, **options)


__all__ = ["Result", "Source", "score_file", "score_files", "account", "annotation_columns", "ANNOTATION_PREFIX",
           "SRC", "KEY", "__version__"]
