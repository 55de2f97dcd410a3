"""What changed since the last run of a portfolio: two snapshots compared (issue 13).

A snapshot is the frame ``history.snapshot`` makes of a run's Ranking, one row per scored use
case, keyed by ``use_case_id`` (history.SNAPSHOT_COLUMNS lists its columns). ``compare`` joins the previous and
the current snapshot once and finds, in vectorised expressions over the whole frame:

- added / removed: a use case id in one snapshot only;
- recommendation: the recommendation differs (before -> after);
- rank: the rank moved by ``history.rank_move`` places or more;
- money: today's monthly API spend or the net savings over the horizon moved by
  ``history.money_change_pct`` percent or more of its previous value (one row per amount that moved).
  From or to an empty amount (a row without money, such as Keep prompting) counts as a change when
  the other side is not 0; from 0 to anything else counts (no percentage is shown); 0 to 0 and
  empty to empty do not.

Each row says what moved: the inputs whose values differ (the inputs JSON of both sides, looked up
by checksum for the listed rows whose input checksum differs only (``texts``: the run's held texts
and the history's), read key by key with a JSON path: a loop over the input columns, never over
rows), the factor scores that moved (as shown, at output.score_decimals) and
the money. Pure: no file, no database; ``for_run`` gives the run the frame and the facts the
workbook and ``--json`` show.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable

import polars as pl

from pipeline.fields import FIELDS
from pipeline.history import SNAPSHOT_COLUMNS, TEXTS
from pipeline.score import thousands_text, usd_text

CHANGES = ("added", "removed", "recommendation", "rank", "money")  # kinds, in the order they are listed
COLUMNS = {"change": pl.String, "use_case_id": pl.String, "use_case": pl.String, "business_unit": pl.String,
           "before": pl.String, "after": pl.String, "what_moved": pl.String}
LABELS = {"change": "Change", "use_case_id": "Use case ID", "use_case": "Use case", "business_unit": "Business unit",
          "before": "Before", "after": "After", "what_moved": "What moved"}
MEANINGS = {
    "change": "added, removed, recommendation, rank or money",
    "use_case_id": "The use case (compared by its id)",
    "use_case": "Its name (in the last run where it was removed)",
    "business_unit": "Its business unit",
    "before": "In the last run: recommendation, rank or amount",
    "after": "In this run: recommendation, rank or amount",
    "what_moved": "The inputs that changed, the factor scores and the money that moved",
}
FACTORS = {"privacy_score": "privacy", "cost_score": "cost", "accuracy_score": "accuracy",
           "speed_score": "speed", "fit_score": "fit"}
WAS = "__was"  # suffix of the previous run's columns in the joined frame
NOTHING = "nothing to compare"
NO_HISTORY = f"this run keeps no history: {NOTHING}"
SAME = 1e-9  # relative: an amount that moved by the threshold, give or take float rounding, counts as at it


def empty() -> pl.DataFrame:
    return pl.DataFrame(schema=COLUMNS)


def money_names(cfg: dict) -> dict[str, str]:
    """The snapshot's amounts and their names as the Changes sheet says them."""
    return {"monthly_api_cost": "monthly API spend", "net_savings": f"net savings {cfg['money']['horizon_months']}m"}


# The inputs texts of some checksums: (input_checksum, inputs) of those it knows (TEXTS' columns).
Texts = Callable[[pl.Series], pl.DataFrame]


def texts_in(*frames: pl.DataFrame) -> Texts:
    """The texts frames carry beside their checksums (an ``inputs`` column), as a lookup."""
    known = pl.concat([f.select(list(TEXTS)) for f in frames]).unique("input_checksum")
    return lambda checksums: known.join(checksums.to_frame("input_checksum"), on="input_checksum", how="semi")


def compare(previous: pl.DataFrame | None, current: pl.DataFrame, cfg: dict, texts: Texts | None = None
            ) -> pl.DataFrame:
    """One row per change between two snapshots (COLUMNS), sorted by kind (CHANGES) then use_case_id.
    No previous snapshot: an empty frame (for_run says why). texts: the inputs of the checksums of
    the use cases listed whose inputs changed (a run: RunHistory.inputs); None: the snapshots carry
    them in an ``inputs`` column (texts_in)."""
    if previous is None:
        return empty()
    texts = texts or texts_in(previous, current)
    was = _keyed(previous)
    now = _keyed(current)
    # the use cases in both runs with something to list: only these get their what_moved written
    both = now.join(was, on="use_case_id", how="inner", suffix=WAS).filter(_listed(cfg))
    both = both.join(_inputs_moved(both, texts), on="use_case_id", how="left").with_columns(
        _factors_moved(cfg).alias("__factors"), _money_moved(cfg).alias("__money"))
    parts = [_added(now, was), _removed(now, was), _recommendations(both), _ranks(both, cfg), *_amounts(both, cfg)]
    return ordered(pl.concat([p.select(list(COLUMNS)).cast(COLUMNS) for p in parts], how="vertical"))


def ordered(frame: pl.DataFrame) -> pl.DataFrame:
    """The changes by kind (in CHANGES' order), then use_case_id; the order within those kept."""
    order = {kind: i for i, kind in enumerate(CHANGES)}
    return (frame.select(list(COLUMNS))
            .with_columns(pl.col("change").replace_strict(order, default=len(CHANGES), return_dtype=pl.Int64)
                          .alias("__kind"))
            .sort("__kind", "use_case_id", maintain_order=True).drop("__kind"))


def counts(frame: pl.DataFrame | None) -> dict[str, int]:
    """Rows of each kind of change (a use case whose spend and savings both moved counts twice under money)."""
    found = dict(frame.group_by("change").len().iter_rows()) if frame is not None else {}
    return {kind: int(found.get(kind, 0)) for kind in CHANGES}


def _keyed(snapshot: pl.DataFrame) -> pl.DataFrame:
    """The snapshot's columns that are compared (all but portfolio and best_option), one row per use case
    id (the first, should an id repeat)."""
    frame = snapshot.select(list(SNAPSHOT_COLUMNS)).cast(SNAPSHOT_COLUMNS).drop("portfolio", "best_option")
    if frame.get_column("use_case_id").n_unique() == frame.height:
        return frame
    return frame.unique("use_case_id", keep="first", maintain_order=True)


def _listed(cfg: dict) -> pl.Expr:
    """A use case in both runs whose recommendation, rank or money moved enough to be listed."""
    pct = cfg["history"]["money_change_pct"]
    return (pl.col("recommendation").ne_missing(pl.col("recommendation" + WAS))
            | _rank_moved(cfg).fill_null(False)
            | pl.any_horizontal([_amount_moved(name, pct) for name in money_names(cfg)]))


def _rank_moved(cfg: dict) -> pl.Expr:
    return (pl.col("rank" + WAS) - pl.col("rank")).abs() >= cfg["history"]["rank_move"]


def _added(now: pl.DataFrame, was: pl.DataFrame) -> pl.DataFrame:
    return now.join(was, on="use_case_id", how="anti").select(
        pl.lit("added").alias("change"), "use_case_id", "use_case", "business_unit",
        pl.lit(None, pl.String).alias("before"), pl.col("recommendation").alias("after"),
        pl.format("new since the last run, at rank {}", pl.col("rank")).alias("what_moved"))


def _removed(now: pl.DataFrame, was: pl.DataFrame) -> pl.DataFrame:
    return was.join(now, on="use_case_id", how="anti").select(
        pl.lit("removed").alias("change"), "use_case_id", "use_case", "business_unit",
        pl.col("recommendation").alias("before"), pl.lit(None, pl.String).alias("after"),
        pl.format("not in this run (rank {} in the last)", pl.col("rank")).alias("what_moved"))


def _why(*first: pl.Expr) -> pl.Expr:
    """what_moved: the given words, then the inputs, factor scores and money that moved."""
    text = pl.concat_str([*first, pl.col("__inputs"), pl.col("__factors"), pl.col("__money")],
                         separator="; ", ignore_nulls=True)
    return pl.when(text == "").then(pl.lit("none of its inputs changed (the config, prices or other rows did)")
                                    ).otherwise(text)


def _recommendations(both: pl.DataFrame) -> pl.DataFrame:
    return both.filter(pl.col("recommendation").ne_missing(pl.col("recommendation" + WAS))).select(
        pl.lit("recommendation").alias("change"), "use_case_id", "use_case", "business_unit",
        pl.col("recommendation" + WAS).alias("before"), pl.col("recommendation").alias("after"),
        _why().alias("what_moved"))


def _ranks(both: pl.DataFrame, cfg: dict) -> pl.DataFrame:
    moved = pl.col("rank" + WAS) - pl.col("rank")  # up is positive: rank 12 -> 4 is up 8 places
    direction = pl.when(moved > 0).then(pl.lit("up")).otherwise(pl.lit("down"))
    return both.filter(_rank_moved(cfg)).select(
        pl.lit("rank").alias("change"), "use_case_id", "use_case", "business_unit",
        pl.col("rank" + WAS).cast(pl.String).alias("before"), pl.col("rank").cast(pl.String).alias("after"),
        _why(pl.format("{} {} places", direction, moved.abs())).alias("what_moved"))


def _amount_moved(name: str, pct: float) -> pl.Expr:
    """Whether an amount moved by pct percent of its previous value or more (the module's docstring)."""
    a, b = pl.col(name), pl.col(name + WAS)
    both = a.is_not_null() & b.is_not_null() & (a != b) & ((a - b).abs() * 100 >= pct * b.abs() * (1 - SAME))
    return both | (a.is_null() & b.is_not_null() & (b != 0)) | (a.is_not_null() & b.is_null() & (a != 0))


def _amounts(both: pl.DataFrame, cfg: dict) -> list[pl.DataFrame]:
    """A money row per amount that moved enough: before and after as amounts, what_moved its change."""
    pct = cfg["history"]["money_change_pct"]
    out = []
    for name, said in money_names(cfg).items():
        out.append(both.filter(_amount_moved(name, pct)).select(
            pl.lit("money").alias("change"), "use_case_id", "use_case", "business_unit",
            usd(pl.col(name + WAS)).alias("before"), usd(pl.col(name)).alias("after"),
            pl.concat_str([_delta(name, said), pl.col("__inputs"), pl.col("__factors")], separator="; ",
                          ignore_nulls=True).alias("what_moved")))
    return out


def _delta(name: str, said: str) -> pl.Expr:
    """'monthly API spend +$15,000 (+150 %)'; 'net savings 24m: none before' where a side is empty."""
    a, b = pl.col(name), pl.col(name + WAS)
    pct = ((a - b) / b.abs() * 100).round(0).cast(pl.Int64, strict=False)
    share = pl.when(b != 0).then(pl.format(" ({}{} %)", pl.when(pct >= 0).then(pl.lit("+")).otherwise(pl.lit("")),
                                           pct)).otherwise(pl.lit(""))
    return (pl.when(b.is_null()).then(pl.lit(f"{said}: none before"))
            .when(a.is_null()).then(pl.lit(f"{said}: none now"))
            .otherwise(pl.concat_str([pl.lit(said + " "), usd(a - b, signed=True), share])))


def usd(amount: pl.Expr, *, signed: bool = False) -> pl.Expr:
    """An amount as shown (score.usd_text): $41,000, -$3,500 (+$41,000 when signed); empty stays empty."""
    plus = pl.when(amount.round(0) >= 0).then(pl.lit("+" if signed else "")).otherwise(pl.lit(""))
    return plus + usd_text(amount)


def _factors_moved(cfg: dict) -> pl.Expr:
    """'cost 4.1 -> 6.3; fit 5.2 -> 6.8': the factor scores that differ as shown (output.score_decimals)."""
    places = cfg["output"]["score_decimals"]
    parts = []
    for name, said in FACTORS.items():
        a, b = pl.col(name).round(places), pl.col(name + WAS).round(places)
        shown = pl.format("{} {} -> {}", pl.lit(said), b.cast(pl.String).fill_null("empty"),
                          a.cast(pl.String).fill_null("empty"))
        parts.append(pl.when(a.ne_missing(b)).then(shown))
    return pl.concat_str(parts, separator="; ", ignore_nulls=True).replace("", None)


def _money_moved(cfg: dict) -> pl.Expr:
    """'net savings 24m +$41,000': the amounts that differ in whole dollars (any change, no threshold)."""
    parts = []
    for name, said in money_names(cfg).items():
        a, b = pl.col(name), pl.col(name + WAS)
        parts.append(pl.when(a.round(0).ne_missing(b.round(0))).then(_delta(name, said)))
    return pl.concat_str(parts, separator="; ", ignore_nulls=True).replace("", None)


def _inputs_moved(both: pl.DataFrame, texts: Texts) -> pl.DataFrame:
    """use_case_id, __inputs: 'monthly_calls 100,000 -> 250,000; model gpt-4o -> gpt-4o-mini' for the use
    cases whose input checksum differs. Their inputs on both sides are looked up (texts); each input of
    FIELDS is read from both JSON objects with a JSON path, in one select over those rows; only the
    values that differ are said, in FIELDS' order."""
    changed = both.filter(pl.col("input_checksum").ne_missing(pl.col("input_checksum" + WAS)))
    if not changed.height:  # nothing to say: skip planning the ~150 expressions below (~50 ms)
        return changed.select("use_case_id", pl.lit(None, pl.String).alias("__inputs"))
    found = texts(pl.concat([changed.get_column("input_checksum"), changed.get_column("input_checksum" + WAS)]))
    found = found.select(list(TEXTS)).unique("input_checksum")
    changed = changed.join(found, on="input_checksum", how="left").join(
        found.rename(lambda name: name + WAS), on="input_checksum" + WAS, how="left")
    values = changed.select("use_case_id", *[
        pl.col(column).str.json_path_match(f"$.{name}").alias(f"{side}{name}")
        for name in FIELDS for column, side in (("inputs" + WAS, "b:"), ("inputs", "a:"))])
    said = [pl.when(_differs(pl.col(f"b:{name}"), pl.col(f"a:{name}")))
            .then(pl.format("{} {} -> {}", pl.lit(name), _shown(pl.col(f"b:{name}")), _shown(pl.col(f"a:{name}"))))
            for name in FIELDS]
    return values.select("use_case_id", pl.concat_str(said, separator="; ", ignore_nulls=True)
                         .replace("", None).alias("__inputs"))


def _differs(b: pl.Expr, a: pl.Expr) -> pl.Expr:
    """Two JSON values (as text) differ: as numbers where both are numbers (100000 is 100000.0), else as text."""
    na, nb = a.cast(pl.Float64, strict=False), b.cast(pl.Float64, strict=False)
    numbers = na.is_not_null() & nb.is_not_null()
    return pl.when(numbers).then(na != nb).otherwise(a.ne_missing(b))


def _shown(value: pl.Expr) -> pl.Expr:
    """An input value as shown: whole numbers with thousands separators, text as it is, empty as 'empty'."""
    number = value.cast(pl.Float64, strict=False)
    whole = number.is_not_null() & (number == number.round(0)) & (number.abs() < 1e15)
    sign = pl.when(number < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    return (pl.when(whole).then(sign + thousands_text(number))
            .otherwise(value).fill_null("empty"))


# ---------------------------------------------------------------- the run's facts
def for_run(previous: tuple[Any, pl.DataFrame] | None, current: pl.DataFrame, cfg: dict,
            reason: str | None = None, *, portfolio: str | None = None, texts: Texts | None = None
            ) -> tuple[pl.DataFrame | None, dict]:
    """(changes, facts) for a run: ``previous`` is History.previous(portfolio) (RunInfo, snapshot) or
    None; ``reason`` a history problem that leaves nothing to compare (the workbook says it); texts:
    the inputs looked up by checksum (compare).
    facts: since (the previous run's start, UTC), run_id, portfolio, reason, counts (None when
    there is nothing to compare), problem (whether reason is the history's problem)."""
    if portfolio is None and current.height:
        portfolio = current.get_column("portfolio")[0]
    facts: dict = {"since": None, "run_id": None, "portfolio": portfolio, "reason": reason, "counts": None,
                   "problem": reason is not None}
    if reason is not None:
        return None, facts
    if previous is None:
        facts["reason"] = f"first run of portfolio {portfolio}: {NOTHING} yet"
        return None, facts
    info, snapshot = previous
    frame = compare(snapshot, current, cfg, texts)
    facts.update(since=info.started_at, run_id=info.run_id, counts=counts(frame))
    return frame, facts


def stamp(since: datetime) -> str:
    """A run's start as the workbook shows it: 2026-11-29 02:15 UTC (a time without a zone is taken as UTC)."""
    if since.tzinfo is not None:
        since = since.astimezone(timezone.utc)
    return since.strftime("%Y-%m-%d %H:%M UTC")


def headline(facts: dict) -> str:
    """The Changes sheet's first line: since which run, or why there is nothing to compare (a history
    problem passed to for_run is said as "Nothing to compare: <problem>")."""
    if not facts or facts.get("since") is None:
        reason = facts.get("reason") or NO_HISTORY
        said = f"Nothing to compare: {reason}" if facts.get("problem") else reason
        return said[:1].upper() + said[1:]
    since = f"Since the last run of {facts['portfolio']} on {stamp(facts['since'])} (run {facts['run_id']})"
    return since + (": no changes" if facts.get("counts") and not any(facts["counts"].values()) else "")


def as_json(facts: dict) -> dict:
    """--json's "changes": since (ISO), run_id, portfolio, reason, and the count of each kind (null
    when there is nothing to compare)."""
    since = facts.get("since")
    found = facts.get("counts") or {}
    return {"since": since.isoformat() if since is not None else None, "run_id": facts.get("run_id"),
            "portfolio": facts.get("portfolio"),
            "reason": facts.get("reason") or (None if since is not None else NO_HISTORY),
            **{kind: found.get(kind) for kind in CHANGES}}


def count_labels(cfg: dict) -> dict[str, str]:
    """Summary's name for each kind of change."""
    h = cfg["history"]
    return {"added": "Use cases added", "removed": "Use cases removed",
            "recommendation": "Recommendations changed",
            "rank": f"Rank moves of {h['rank_move']:,} places or more",
            "money": f"Spend or net savings moved {h['money_change_pct']:g} % or more"}
