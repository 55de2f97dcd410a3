"""The history of runs: every `ftscore score` run that writes an output records its facts and one
row per scored use case, so that tonight's run of a portfolio can be compared with last night's.

Two backends behind one schema: an SQLite file (the standard library's sqlite3; WAL mode, a busy
timeout, the schema version in ``PRAGMA user_version``) and PostgreSQL through SQLAlchemy Core
(the optional extra ``postgres``; the schema version in the table ``ftscore_meta``). Both are made
on first use and brought up to date by MIGRATIONS, applied in order in one transaction; a database
written by a newer ftscore is refused, never changed.

Tables: ``runs`` (one row per run), ``use_cases`` (the run's snapshot, SNAPSHOT_COLUMNS) and
``row_inputs`` (each distinct inputs JSON once, by its input_checksum). A run is recorded in one
transaction: a run killed while recording leaves the earlier runs as they were, and the file is
never rewritten in place.

A row's inputs: HeldInputs.of makes, in one place, each row's parsed inputs as JSON (inputs_json)
and its input_checksum (SHA-256 of that JSON). The scored frames and the snapshot carry only the
checksum; the texts are held aside until the run is recorded, each distinct text once, in one
HeldInputs: a zstd Parquet buffer in memory, sorted by checksum (at 1,000,000 rows some 90 MB
instead of 415 MB of text riding along through scoring). It is read back in slices when row_inputs
is written, and by checksum when the Changes sheet says a few use cases' inputs (History.inputs
reads the previous run's from the history).

A fault is a HistoryProblem (one line, an exit code). The run uses RunHistory, which never raises:
its ``problem`` says why the history was not read or recorded, and the workbook is written anyway.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import polars as pl

from pipeline.slices import select_in_slices
from pipeline.errors import EXIT_BUSY, EXIT_UNUSABLE, EXIT_USAGE, FtscoreError, display

DEFAULT_NAME = "ftscore-history.sqlite"  # the default history: in the output's folder
OFF = "off"
SCHEMA_VERSION = 1
# Rows moved between the history and a frame at once: Python's own objects for every row of a
# 100,000-row run at once held some 60-80 MB more at the run's peak.
ROWS_AT_ONCE = 10_000
CHECKSUMS_AT_ONCE = 500  # inputs read by checksum in one query (SQLite's oldest limit: 999 parameters)
PAUSE_ENV = "FTSCORE_TEST_HISTORY_PAUSE"  # tests: seconds to wait inside the recording transaction

# One row per scored use case (the run's Ranking), as recorded and read back.
SNAPSHOT_COLUMNS: dict[str, pl.DataType] = {
    "portfolio": pl.String, "use_case_id": pl.String, "use_case": pl.String, "business_unit": pl.String,
    "recommendation": pl.String, "best_option": pl.String,
    "privacy_score": pl.Float64, "cost_score": pl.Float64, "accuracy_score": pl.Float64, "speed_score": pl.Float64,
    "fit_score": pl.Float64, "monthly_api_cost": pl.Float64, "net_savings": pl.Float64,
    "break_even_months": pl.Float64, "rank": pl.Int64, "input_checksum": pl.String,
}
TEXTS = {"input_checksum": pl.String, "inputs": pl.String}  # the inputs of a checksum (table row_inputs)
_SQL_TYPES = {pl.String: "TEXT", pl.Float64: "DOUBLE PRECISION", pl.Int64: "BIGINT"}
# A row's inputs are kept once per distinct value (table row_inputs, keyed by input_checksum): a
# nightly run whose rows did not change adds no text, only use_cases rows that point at it.
_RUN_COLUMNS = ("portfolio", "started_at", "version", "config_sha256", "inputs", "rows", "counts", "exit_code",
                "timings")


@dataclass(frozen=True)
class StoredInputs:
    """The input checksums of a recorded run (a frame of one column, input_checksum): their texts
    are in the history as long as the run is."""

    run_id: int
    checksums: pl.DataFrame


class HistoryProblem(FtscoreError):
    """The history cannot be used: cannot be opened, locked past its timeout, corrupt, from a newer
    ftscore, or not an ftscore history. ``reason`` is the line; the exit code is for `ftscore history`
    (a scoring run only reports it)."""

    def __init__(self, reason: str, exit_code: int = EXIT_UNUSABLE):
        super().__init__(reason)
        self.reason, self.exit_code = reason, exit_code


# ---- the snapshot ----------------------------------------------------------------------------

def inputs_json(frame: pl.DataFrame) -> pl.Series:
    """Each row's parsed input values (the FIELDS columns the frame has) as one JSON object, named
    "inputs", keys in FIELDS order; a key whose value is null (or a number that is not finite)
    is left out: a key absent is a value not given. Made ROWS_AT_ONCE rows at a time."""
    from pipeline.fields import FIELDS

    schema = frame.schema
    pairs = [_json_pair(name, schema[name]) for name in FIELDS if name in schema]
    joined = (pl.concat_str(pairs, separator=",", ignore_nulls=True).fill_null("") if pairs
              else pl.repeat(pl.lit("", pl.String), pl.len()))
    encoded = pl.concat_str(pl.lit("{"), joined, pl.lit("}")).alias("inputs")
    return select_in_slices(frame, ROWS_AT_ONCE, encoded).to_series()


def _json_pair(name: str, dtype: pl.DataType) -> pl.Expr:
    """'"name":value' as JSON writes it, null where the value is: numbers as polars writes them (the
    same text as its JSON encoder), texts through the JSON encoder (it escapes them)."""
    value = pl.col(name)
    if dtype.is_numeric():
        return pl.when(value.is_finite()).then(pl.concat_str(pl.lit(f'"{name}":'), value.cast(pl.String)))
    if dtype == pl.Boolean:
        return pl.when(value).then(pl.lit(f'"{name}":true')).when(value.not_()).then(pl.lit(f'"{name}":false'))
    return pl.when(value.is_not_null()).then(pl.struct(name).struct.json_encode().str.slice(1).str.strip_suffix("}"))


def _checksum(text: pl.Expr) -> pl.Expr:
    """SHA-256 (hex) of each text, vectorised (polars-hash); stable across versions."""
    import polars_hash  # noqa: F401  (registers the chash namespace)

    return text.chash.sha2_256().alias("input_checksum")


@dataclass(frozen=True)
class HeldInputs:
    """A run's inputs texts held aside until the run is recorded: each distinct (input_checksum,
    inputs) once, sorted by checksum, as one zstd Parquet buffer in memory (row groups of
    ROWS_AT_ONCE). The scored frames carry only the checksum (HeldInputs.of)."""

    parquet: bytes
    rows: int

    @classmethod
    def of(cls, frame: pl.DataFrame) -> tuple[pl.Series, HeldInputs]:
        """(each row's input_checksum, the texts held): the one place that makes a row's inputs JSON
        (inputs_json, of the frame's FIELDS columns as parsed) and its checksum (SHA-256 of it)."""
        texts = inputs_json(frame).to_frame()
        made = select_in_slices(texts, ROWS_AT_ONCE, _checksum(pl.col("inputs")), pl.col("inputs"))
        del texts
        return made.get_column("input_checksum"), cls.hold(made)

    @classmethod
    def hold(cls, texts: pl.DataFrame) -> HeldInputs:
        """Texts (TEXTS' columns; a checksum names one text) held: each once, in checksum order."""
        texts = texts.select(list(TEXTS)).sort("input_checksum")
        checksum = pl.col("input_checksum")
        if texts.select((checksum == checksum.shift()).any()).item():  # a text repeated (sorted: side by side)
            texts = texts.filter(checksum.is_first_distinct())
        buffer = io.BytesIO()
        texts.write_parquet(buffer, compression="zstd", compression_level=1, row_group_size=ROWS_AT_ONCE,
                           statistics=True)
        return cls(buffer.getvalue(), texts.height)

    def _scan(self) -> pl.LazyFrame:
        return pl.scan_parquet(io.BytesIO(self.parquet))

    def slices(self, among: pl.Series | None = None) -> Iterator[pl.DataFrame]:
        """The texts in checksum order, ROWS_AT_ONCE at a time (one row group each). ``among``: sorted
        checksums; only their texts, each slice matched against the run of ``among`` its checksums
        span (a join with all of ``among`` per slice cost 15 s at 1,000,000 rows, this one 0.4)."""
        for start in range(0, self.rows, ROWS_AT_ONCE):
            part = self._scan().slice(start, ROWS_AT_ONCE).collect()
            if among is not None and part.height:
                held = part.get_column("input_checksum")
                first, end = among.search_sorted(held[0], "left"), among.search_sorted(held[-1], "right")
                part = part.join(among.slice(first, end - first).to_frame("input_checksum"), on="input_checksum",
                                 how="semi", maintain_order="left")
            yield part

    def texts(self, checksums: pl.Series) -> pl.DataFrame:
        """input_checksum, inputs of those of these checksums held (meant for a few: the Changes sheet)."""
        wanted = checksums.drop_nulls().unique()
        if not wanted.len():
            return pl.DataFrame(schema=TEXTS)
        return self._scan().filter(pl.col("input_checksum").is_in(wanted.implode())).collect()


def snapshot(ranking: pl.DataFrame, portfolio: str, cfg: dict | None = None) -> pl.DataFrame:
    """The rows of a run's Ranking frame as the history keeps them (SNAPSHOT_COLUMNS, in that order).

    net_savings is the ranking's net savings over the horizon of ``cfg`` (default: the shipped
    config). input_checksum: SHA-256 of the row's inputs as parsed, before prices and scores fill in
    what the row did not give (HeldInputs.of; run.score_files(keep_inputs=True) keeps it, and the
    texts in Result.inputs).
    """
    from pipeline import config as config_mod
    from pipeline.config import horizon_column

    if "input_checksum" not in ranking.columns:
        raise ValueError("the ranking has no input_checksum column: score with keep_inputs=True")
    horizon = horizon_column(cfg or config_mod.defaults())
    given = {name: pl.col(name) for name in SNAPSHOT_COLUMNS if name in ranking.columns}
    given.update(portfolio=pl.lit(portfolio),
                 net_savings=pl.col(horizon) if horizon in ranking.columns else pl.lit(None))
    return ranking.select(
        (given[name] if name in given else pl.lit(None)).cast(dtype).alias(name)
        for name, dtype in SNAPSHOT_COLUMNS.items())


# ---- portfolio identity ------------------------------------------------------------------------

def portfolio_of(inputs: list[Path] | tuple[Path, ...]) -> str:
    """The portfolio a run's inputs are, when --portfolio does not name it: a folder by its name, a
    file by its name without the suffix; several, sorted and joined by "+". inbox/emea.xlsx is
    "emea" whatever it holds tonight; `ftscore score inbox/` is "inbox"."""
    names = sorted({(Path(p).resolve().name if Path(p).is_dir() else Path(p).stem) for p in inputs})
    return "+".join(display(n) for n in names) or "portfolio"


# ---- the facts of a run ------------------------------------------------------------------------

@dataclass
class RunFacts:
    """What a run records besides its snapshot."""

    portfolio: str
    started_at: datetime
    version: str
    config_sha256: str
    inputs: list[tuple[str, str]]  # (path, sha256)
    rows: int
    counts: dict[str, int]  # recommendation -> use cases
    exit_code: int
    timings: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class RunInfo:
    """A recorded run, read back."""

    run_id: int
    portfolio: str
    started_at: datetime  # UTC
    version: str
    config_sha256: str
    inputs: list
    rows: int
    counts: dict
    exit_code: int
    timings: dict


def config_checksum(cfg: dict) -> str:
    return hashlib.sha256(json.dumps(cfg, sort_keys=True, default=str).encode()).hexdigest()


def facts_of(result, portfolio: str, exit_code: int) -> RunFacts:
    """The RunFacts of a scored run (run.Result)."""
    from pipeline import __version__

    return RunFacts(portfolio=portfolio, started_at=result.started, version=__version__,
                    config_sha256=config_checksum(result.config),
                    inputs=[(display(s.table.file), s.checksum) for s in result.sources],
                    rows=result.rows, counts=result.recommendations, exit_code=exit_code,
                    timings={k: round(v, 3) for k, v in result.timings.items()})


def _stamp(moment: datetime) -> str:
    """A moment as stored: ISO 8601 in UTC, fixed width, so that text order is time order."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _moment(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


# ---- the schema and its migrations ---------------------------------------------------------------

def _v1(dialect: str) -> list[str]:
    """Version 1: runs, use_cases and their indexes."""
    key = "INTEGER PRIMARY KEY" if dialect == "sqlite" else "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    snap = ", ".join(f"{name} {_SQL_TYPES[SNAPSHOT_COLUMNS[name]]}" for name in SNAPSHOT_COLUMNS)
    return [
        f"CREATE TABLE runs (run_id {key}, portfolio TEXT NOT NULL, started_at TEXT NOT NULL, version TEXT NOT NULL,"
        " config_sha256 TEXT NOT NULL, inputs TEXT NOT NULL, rows BIGINT NOT NULL, counts TEXT NOT NULL,"
        " exit_code BIGINT NOT NULL, timings TEXT NOT NULL)",
        f"CREATE TABLE use_cases (run_id BIGINT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE, {snap})",
        "CREATE TABLE row_inputs (input_checksum TEXT PRIMARY KEY, inputs TEXT NOT NULL)",
        "CREATE INDEX runs_by_portfolio ON runs (portfolio, started_at)",
        "CREATE INDEX use_cases_by_run ON use_cases (run_id, use_case_id)",  # previous() and path()
    ]


# MIGRATIONS[i] takes a database from schema version i to i + 1 (statements per dialect).
MIGRATIONS: list[Callable[[str], list[str]]] = [_v1]
assert len(MIGRATIONS) == SCHEMA_VERSION


# ---- backends: the few things that differ between SQLite and PostgreSQL ---------------------------

class _SQLite:
    """An SQLite file (stdlib sqlite3): WAL mode, a busy timeout, the version in PRAGMA user_version."""

    dialect = "sqlite"

    def __init__(self, path: Path, timeout: float, create: bool):
        self.where = display(path)
        self.timeout = timeout
        if not create and not path.exists():
            raise HistoryProblem(f"no history at {self.where} (a run of `ftscore score` makes it)", EXIT_USAGE)
        try:
            self.conn = sqlite3.connect(path, timeout=timeout, isolation_level=None)
            self.conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self.conn.execute("PRAGMA journal_mode = WAL").fetchone()
            self.conn.execute("PRAGMA synchronous = NORMAL")  # WAL: a commit survives a crash of the process
        except sqlite3.Error as exc:
            raise self.problem(exc) from None

    def problem(self, exc: Exception) -> HistoryProblem:
        text = str(exc)
        if "locked" in text or "busy" in text:
            return HistoryProblem(f"the history {self.where} is locked by another run past its busy timeout "
                                  f"({self.timeout:g} s, history.busy_timeout_s)", EXIT_BUSY)
        if isinstance(exc, sqlite3.OperationalError) and "unable to open" in text:
            return HistoryProblem(f"cannot open the history {self.where} ({text})")
        if isinstance(exc, sqlite3.OperationalError):
            return HistoryProblem(f"the history {self.where} cannot be used ({text})")
        return HistoryProblem(f"the history {self.where} is damaged or not an SQLite file ({text})")

    @contextmanager
    def transaction(self, write: bool) -> Iterator[_SQLite]:
        try:
            self.conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        except sqlite3.Error as exc:
            raise self.problem(exc) from None
        try:
            yield self
            self.conn.execute("COMMIT")
        except BaseException as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise self.problem(exc) from None
            raise

    def rows(self, sql: str, params: dict | None = None) -> list[tuple]:
        return self.conn.execute(sql, params or {}).fetchall()

    def batches(self, sql: str, params: dict | None = None) -> Iterator[list[tuple]]:
        """A query's rows, ROWS_AT_ONCE at a time."""
        cursor = self.conn.execute(sql, params or {})
        while rows := cursor.fetchmany(ROWS_AT_ONCE):
            yield rows

    def many(self, table: str, names: list[str], rows: list[tuple], tail: str = "") -> None:
        marks = ", ".join("?" for _ in names)
        self.conn.executemany(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks}){tail}", rows)

    def version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def set_version(self, version: int) -> None:
        self.conn.execute(f"PRAGMA user_version = {int(version)}")

    def lock(self) -> None:
        """BEGIN IMMEDIATE has taken the write lock already."""

    def tables(self) -> set[str]:
        return {r[0] for r in self.rows("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def close(self) -> None:
        self.conn.close()


class _Postgres:
    """A PostgreSQL database through SQLAlchemy Core (psycopg 3); the version in ftscore_meta."""

    dialect = "postgresql"

    def __init__(self, url: str, timeout: float):
        try:
            import sqlalchemy as sa
            from sqlalchemy.pool import NullPool
        except ImportError:
            raise HistoryProblem("a PostgreSQL history needs the postgres extra: pip install 'ftscore[postgres]'",
                                 EXIT_USAGE) from None
        self.sa, self.timeout = sa, timeout
        try:
            parsed = sa.engine.make_url(url).set(drivername="postgresql+psycopg")
        except Exception as exc:
            raise HistoryProblem(f"--history {url!r} is not a PostgreSQL URL ({exc})", EXIT_USAGE) from None
        self.where = parsed.render_as_string(hide_password=True).replace("postgresql+psycopg", "postgresql", 1)
        self.engine = sa.create_engine(parsed, poolclass=NullPool, connect_args={
            "connect_timeout": max(1, round(timeout)), "options": f"-c lock_timeout={int(timeout * 1000)}"})
        self.connection = None  # one connection for the History's life, opened on first use
        self.conn = None  # the connection while a transaction is open

    def problem(self, exc: Exception) -> HistoryProblem:
        orig = getattr(exc, "orig", exc)
        text = " ".join(str(orig).split())[:300]
        if orig.__class__.__name__ in ("LockNotAvailable", "QueryCanceled"):
            return HistoryProblem(f"the history {self.where} is locked by another run past its busy timeout "
                                  f"({self.timeout:g} s, history.busy_timeout_s)", EXIT_BUSY)
        if isinstance(exc, self.sa.exc.OperationalError) and self.connection is None:
            return HistoryProblem(f"cannot connect to the history {self.where} ({text})")
        return HistoryProblem(f"the history {self.where} cannot be used ({text})")

    @contextmanager
    def transaction(self, write: bool) -> Iterator[_Postgres]:
        try:
            if self.connection is None:
                self.connection = self.engine.connect()
            with self.connection.begin():
                self.conn = self.connection
                yield self
        except self.sa.exc.SQLAlchemyError as exc:
            raise self.problem(exc) from None
        finally:
            self.conn = None

    def rows(self, sql: str, params: dict | None = None) -> list[tuple]:
        result = self.conn.execute(self.sa.text(sql), params or {})
        return [tuple(r) for r in result] if result.returns_rows else []

    def batches(self, sql: str, params: dict | None = None) -> Iterator[list[tuple]]:
        """A query's rows, ROWS_AT_ONCE at a time."""
        result = self.conn.execute(self.sa.text(sql), params or {})
        while rows := result.fetchmany(ROWS_AT_ONCE):
            yield [tuple(r) for r in rows]

    def many(self, table: str, names: list[str], rows: list[tuple], tail: str = "") -> None:
        marks = ", ".join("%s" for _ in names)  # psycopg's own placeholders: its executemany, in a pipeline
        self.conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({marks}){tail}", rows)

    def version(self) -> int:
        if self.rows("SELECT to_regclass('ftscore_meta')")[0][0] is None:
            return 0
        found = self.rows("SELECT value FROM ftscore_meta WHERE key = 'schema_version'")
        return int(found[0][0]) if found else 0

    def set_version(self, version: int) -> None:
        self.rows("CREATE TABLE IF NOT EXISTS ftscore_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        self.rows("DELETE FROM ftscore_meta WHERE key = 'schema_version'")
        self.rows("INSERT INTO ftscore_meta (key, value) VALUES ('schema_version', :v)", {"v": str(version)})

    def lock(self) -> None:
        """One migration at a time, across hosts: a lock held until the transaction ends."""
        self.rows("SELECT pg_advisory_xact_lock(7402413)")

    def tables(self) -> set[str]:
        return {r[0] for r in self.rows("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.engine.dispose()


# ---- the history ----------------------------------------------------------------------------------

class History:
    """A history database, made and migrated on first use. Every method raises HistoryProblem on a
    fault; RunHistory is the forgiving form a scoring run uses."""

    def __init__(self, backend: _SQLite | _Postgres):
        self.db = backend
        self.where = backend.where
        self._migrate()

    @classmethod
    def open(cls, target: str | Path, busy_timeout_s: float, *, create: bool = True) -> History:
        """A file path or a postgresql:// URL. create=False: a missing SQLite file is a problem."""
        text = os.fspath(target)
        if _is_url(text):
            backend: _SQLite | _Postgres = _Postgres(text, busy_timeout_s)
        else:
            backend = _SQLite(Path(text), busy_timeout_s, create)
        try:
            return cls(backend)
        except BaseException:
            backend.close()
            raise

    def close(self) -> None:
        self.db.close()

    def _migrate(self) -> None:
        with self.db.transaction(write=False):
            found = self.db.version()
        if found > SCHEMA_VERSION:
            raise self._newer(found)
        if found == SCHEMA_VERSION:
            return
        with self.db.transaction(write=True):
            self.db.lock()
            tables, found = self.db.tables(), self.db.version()  # again: another run may have just made it
            if found > SCHEMA_VERSION:
                raise self._newer(found)
            if found == 0 and tables & {"runs", "use_cases", "row_inputs"}:
                raise HistoryProblem(f"{self.where} holds tables named runs, use_cases or row_inputs that ftscore "
                                     "did not make; it is not an ftscore history (choose another --history)")
            for step in MIGRATIONS[found:]:
                for statement in step(self.db.dialect):
                    self.db.rows(statement)
            self.db.set_version(SCHEMA_VERSION)

    def _newer(self, found: int) -> HistoryProblem:
        return HistoryProblem(f"the history {self.where} was written by a newer ftscore (schema version {found}; "
                              f"this one knows up to {SCHEMA_VERSION}): upgrade ftscore, or choose another --history")

    def record(self, run: RunFacts, frame: pl.DataFrame, texts: HeldInputs,
               stored: StoredInputs | None = None) -> int:
        """Record a run, its snapshot and the texts of its inputs (those of ``texts`` whose checksum a
        row of ``frame`` has) in one transaction; returns the run's id. ``stored``: the checksums of
        an earlier run (read by previous): while that run is in the history, its texts are too (prune
        removes only texts no run points at), so they are not sent again."""
        row = {"portfolio": run.portfolio, "started_at": _stamp(run.started_at), "version": run.version,
               "config_sha256": run.config_sha256, "inputs": json.dumps([list(p) for p in run.inputs]),
               "rows": run.rows, "counts": json.dumps(run.counts, sort_keys=True), "exit_code": run.exit_code,
               "timings": json.dumps(run.timings, sort_keys=True)}
        names = ["run_id", *SNAPSHOT_COLUMNS]
        with self.db.transaction(write=True):
            run_id = self.db.rows(
                f"INSERT INTO runs ({', '.join(_RUN_COLUMNS)}) VALUES ({', '.join(':' + c for c in _RUN_COLUMNS)}) "
                "RETURNING run_id", row)[0][0]
            # in the order of the index previous() reads them by (run, use case): the rows it reads
            # are then one after the other in the file, not all over it
            use_cases = frame.select(pl.lit(run_id, pl.Int64).alias("run_id"), *SNAPSHOT_COLUMNS).sort(
                "use_case_id", nulls_last=False)
            for part in use_cases.iter_slices(ROWS_AT_ONCE):
                self.db.many("use_cases", names, part.rows())
            del use_cases
            wanted = frame.select("input_checksum").drop_nulls().unique()
            if stored is not None and self.db.rows("SELECT 1 FROM runs WHERE run_id = :r", {"r": stored.run_id}):
                wanted = wanted.join(stored.checksums, on="input_checksum", how="anti")
            # in checksum order (the texts are held in it): two runs recording the same inputs at once
            # take the rows' locks in one order (in any order, PostgreSQL can find them deadlocked)
            for part in texts.slices(among=wanted.get_column("input_checksum").sort()):
                if part.height:
                    self.db.many("row_inputs", list(TEXTS), part.rows(), " ON CONFLICT (input_checksum) DO NOTHING")
            if os.environ.get(PAUSE_ENV):  # tests: two runs recording at once, a run killed mid-record
                os.write(2, b"ftscore: test: recording paused\n")
                time.sleep(float(os.environ[PAUSE_ENV]))
        return int(run_id)

    def _run_rows(self, portfolio: str, limit: int | None = None) -> list[RunInfo]:
        sql = (f"SELECT run_id, {', '.join(_RUN_COLUMNS)} FROM runs WHERE portfolio = :p "
               "ORDER BY started_at DESC, run_id DESC" + (f" LIMIT {int(limit)}" if limit else ""))
        return [RunInfo(run_id=int(r[0]), portfolio=r[1], started_at=_moment(r[2]), version=r[3],
                        config_sha256=r[4], inputs=json.loads(r[5]), rows=int(r[6]), counts=json.loads(r[7]),
                        exit_code=int(r[8]), timings=json.loads(r[9]))
                for r in self.db.rows(sql, {"p": portfolio})]

    def previous(self, portfolio: str) -> tuple[RunInfo, pl.DataFrame] | None:
        """The last recorded run of a portfolio and its snapshot (SNAPSHOT_COLUMNS, by rank); None: none
        yet. No input text is read: inputs() reads the few the Changes sheet says."""
        with self.db.transaction(write=False):
            last = self._run_rows(portfolio, limit=1)
            if not last:
                return None
            parts = [pl.DataFrame(rows, schema=SNAPSHOT_COLUMNS, orient="row") for rows in self.db.batches(
                f"SELECT {', '.join(SNAPSHOT_COLUMNS)} FROM use_cases WHERE run_id = :r", {"r": last[0].run_id})]
        frame = pl.concat(parts) if parts else pl.DataFrame(schema=SNAPSHOT_COLUMNS)
        return last[0], frame.sort("rank", nulls_last=True)

    def inputs(self, checksums: pl.Series) -> pl.DataFrame:
        """input_checksum, inputs of these checksums that the history holds (CHECKSUMS_AT_ONCE in one query)."""
        wanted = checksums.drop_nulls().unique().sort().to_list()
        rows: list[tuple] = []
        with self.db.transaction(write=False):
            for i in range(0, len(wanted), CHECKSUMS_AT_ONCE):
                names = {f"c{k}": c for k, c in enumerate(wanted[i:i + CHECKSUMS_AT_ONCE])}
                rows += self.db.rows("SELECT input_checksum, inputs FROM row_inputs WHERE input_checksum IN "
                                     f"({', '.join(':' + n for n in names)})", names)
        return pl.DataFrame(rows, schema=TEXTS, orient="row")

    def portfolios(self) -> list[str]:
        with self.db.transaction(write=False):
            return [r[0] for r in self.db.rows("SELECT DISTINCT portfolio FROM runs ORDER BY portfolio")]

    def runs(self, portfolio: str) -> pl.DataFrame:
        """The runs of a portfolio, oldest first: run_id, started_at (UTC), version, rows, exit_code,
        then one column of counts per recommendation met in any of them (RECOMMENDATIONS order)."""
        from pipeline.rank import RECOMMENDATIONS

        with self.db.transaction(write=False):
            found = list(reversed(self._run_rows(portfolio)))
        met = {k for r in found for k in r.counts}
        names = [k for k in RECOMMENDATIONS if k in met] + sorted(met - set(RECOMMENDATIONS))
        schema = {"run_id": pl.Int64, "started_at": pl.Datetime("us", "UTC"), "version": pl.String,
                  "rows": pl.Int64, "exit_code": pl.Int64, **{n: pl.Int64 for n in names}}
        data = [(r.run_id, r.started_at, r.version, r.rows, r.exit_code, *[r.counts.get(n, 0) for n in names])
                for r in found]
        return pl.DataFrame(data, schema=schema, orient="row")

    def path(self, portfolio: str, use_case_id: str) -> pl.DataFrame:
        """One use case over the runs of its portfolio, oldest first: run_id, started_at, then its
        snapshot columns (null in a run without it). Empty when no run had it."""
        cols = ["recommendation", "best_option", "fit_score", "monthly_api_cost", "net_savings", "rank", "use_case"]
        sql = (f"SELECT r.run_id, r.started_at, {', '.join('u.' + c for c in cols)} FROM runs r "
               "LEFT JOIN use_cases u ON u.run_id = r.run_id AND u.use_case_id = :id "
               "WHERE r.portfolio = :p ORDER BY r.started_at, r.run_id")
        with self.db.transaction(write=False):
            rows = self.db.rows(sql, {"p": portfolio, "id": use_case_id})
        schema = {"run_id": pl.Int64, "started_at": pl.Datetime("us", "UTC"),
                  **{c: SNAPSHOT_COLUMNS[c] for c in cols}}
        frame = pl.DataFrame([(r[0], _moment(r[1]), *r[2:]) for r in rows], schema=schema, orient="row")
        return frame if frame["use_case"].is_not_null().any() else frame.clear()

    def prune(self, days: float, now: datetime | None = None) -> int:
        """Delete the runs (and their use cases) started more than ``days`` days ago; returns how many."""
        cutoff = _stamp((now or datetime.now(timezone.utc)) - timedelta(days=days))
        with self.db.transaction(write=True):
            old = "SELECT run_id FROM runs WHERE started_at < :c"
            count = len(self.db.rows(old, {"c": cutoff}))
            self.db.rows(f"DELETE FROM use_cases WHERE run_id IN ({old})", {"c": cutoff})
            self.db.rows("DELETE FROM runs WHERE started_at < :c", {"c": cutoff})
            self.db.rows("DELETE FROM row_inputs WHERE input_checksum NOT IN "
                         "(SELECT input_checksum FROM use_cases WHERE input_checksum IS NOT NULL)")
        return count


def target_for(given: str | None, cfg: dict, folder: Path | None) -> str | None:
    """Where a command's history is: ``given`` (--history) when not None, else the config's
    history.path. None when that is "off", or without a folder (a run that writes no output records
    nothing); "" is DEFAULT_NAME in ``folder`` (score: the output's folder; `ftscore history`: the
    current folder); else the path or URL as given."""
    choice = cfg["history"]["path"] if given is None else given
    if choice == OFF or folder is None:
        return None
    return choice or str(folder / DEFAULT_NAME)


def _is_url(target: str | Path) -> bool:
    """A PostgreSQL URL (else the path of an SQLite file)."""
    return os.fspath(target).startswith(("postgresql:", "postgres:", "postgresql+"))


class RunHistory:
    """The history as a scoring run uses it: never raises. ``problem`` is None while all is well,
    else the one line saying why the history was not read or the run not recorded; ``status`` is
    "ok", "off" or that line (the run's --json "history" field)."""

    def __init__(self, target: str | None, busy_timeout_s: float):
        self.target, self.timeout = target, busy_timeout_s
        self.problem: str | None = None
        self._history: History | None = None
        self._stored: StoredInputs | None = None  # the previous run's input checksums, once read

    @property
    def status(self) -> str:
        return OFF if self.target is None else self.problem or "ok"

    def _open(self) -> History | None:
        if self.target is None or self.problem:
            return None
        if self._history is None:
            try:
                self._history = History.open(self.target, self.timeout)
            except HistoryProblem as exc:
                self.problem = exc.reason
        return self._history

    def _guarded(self, call: Callable[[History], Any]) -> Any:
        history = self._open()
        if history is None:
            return None
        try:
            return call(history)
        except HistoryProblem as exc:
            self.problem = exc.reason
        except Exception as exc:  # a driver's error we did not map: a problem of the history, not the run
            self.problem = f"the history {history.where} cannot be used ({exc.__class__.__name__}: {exc})"
        return None

    def previous(self, portfolio: str) -> tuple[RunInfo, pl.DataFrame] | None:
        """The previous run of the portfolio (History.previous); None when there is none (problem None)
        or when the history cannot be read (problem says why). A history file not made yet has no
        runs: it is not created here (its folder may not exist before the output is written)."""
        if self.target is not None and self._history is None and not _is_url(self.target) \
                and not Path(self.target).exists():
            return None
        found = self._guarded(lambda h: h.previous(portfolio))
        if found is not None:
            info, frame = found
            self._stored = StoredInputs(info.run_id, frame.select("input_checksum").drop_nulls().unique())
        return found

    def inputs(self, checksums: pl.Series, held: HeldInputs) -> pl.DataFrame:
        """input_checksum, inputs of these checksums (a few: the Changes sheet's): from the run's own
        ``held`` texts, the others from the history (none where it cannot be read: problem says why)."""
        mine = held.texts(checksums)
        others = checksums.filter(~checksums.is_in(mine.get_column("input_checksum").implode()))
        found = self._guarded(lambda h: h.inputs(others)) if others.drop_nulls().len() else None
        return mine if found is None else pl.concat([mine, found])

    def snapshot_of(self, result, portfolio: str) -> pl.DataFrame | None:
        """The run's snapshot (history.snapshot); None where taking it fails, a problem of the history
        (``problem`` says it), never of the run."""
        try:
            return snapshot(result.ranking, portfolio, result.config)
        except Exception as exc:  # a bug in the snapshot must not cost the workbook
            self.problem = f"the run's rows cannot be taken for the history ({exc.__class__.__name__}: {exc})"
            return None

    def record_result(self, result, portfolio: str, exit_code: int, frame: pl.DataFrame) -> int | None:
        """Record a scored run (run.Result): its facts, its snapshot (snapshot_of) and its inputs texts
        (Result.inputs); the run's id, or None."""
        return self._guarded(lambda h: h.record(facts_of(result, portfolio, exit_code), frame, result.inputs,
                                                self._stored))

    def close(self) -> None:
        if self._history is not None:
            self._history.close()
            self._history = None
