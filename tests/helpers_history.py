"""The history databases the tests record into: an SQLite file, and a fresh database on the real
PostgreSQL server that .ci/run starts (.ci/with-postgres exports FTSCORE_TEST_POSTGRES_URL).

In CI (CI=true) a missing server is a failure, never a skip; on a developer's machine without it
the PostgreSQL cases are skipped with the reason.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

POSTGRES_ENV = "FTSCORE_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", "postgresql"]


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {POSTGRES_ENV} is not set: .ci/run starts PostgreSQL (.ci/with-postgres)")
        pytest.skip(f"no PostgreSQL server: run under .ci/with-postgres (or set {POSTGRES_ENV})")
    return url


def _admin(url: str):
    import sqlalchemy as sa

    return sa.create_engine(sa.engine.make_url(url).set(drivername="postgresql+psycopg"),
                            isolation_level="AUTOCOMMIT")


def fresh_database(url: str) -> tuple[str, str]:
    """(URL of a new empty database on the server of url, its name)."""
    import sqlalchemy as sa

    name = f"ftscore_t_{uuid.uuid4().hex[:12]}"
    engine = _admin(url)
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    made = sa.engine.make_url(url).set(database=name)
    return made.render_as_string(hide_password=False), name


def drop_database(url: str, name: str) -> None:
    import sqlalchemy as sa

    engine = _admin(url)
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def history_target(request, tmp_path: Path):
    """Where a test's history is: an SQLite file in tmp_path, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        (tmp_path / "history").mkdir()
        yield str(tmp_path / "history" / "ftscore-history.sqlite")
        return
    server = postgres_url()
    url, name = fresh_database(server)
    yield url
    drop_database(server, name)


def sql(target: str, statement: str) -> list[tuple]:
    """Run one statement on a history directly (as another program would) and commit."""
    if not target.startswith("postgresql"):
        import sqlite3

        conn = sqlite3.connect(target)
        try:
            rows = conn.execute(statement).fetchall()
            conn.commit()
            return rows
        finally:
            conn.close()
    import sqlalchemy as sa

    engine = _admin(target)
    with engine.connect() as conn:
        result = conn.execute(sa.text(statement))
        rows = [tuple(r) for r in result] if result.returns_rows else []
    engine.dispose()
    return rows
