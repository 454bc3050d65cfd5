"""Shared database fixtures: every records test runs on SQLite, and on PostgreSQL when it is available.

PostgreSQL is found through CNOCARE_TEST_PG_URL (any database on the server; a fresh database is
created per test module and dropped after). Without it the PostgreSQL half skips on a laptop and
FAILS when CI=true, so CI can never pass by silently not testing PostgreSQL.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from cnocare.records.db import make_engine, normalise_url, session_factory, upgrade

# Keys kept outside the database: fixed for the test run and inherited by worker processes (crash trials,
# servers), whose working folder differs from this one; a per-folder development key would differ.
os.environ.setdefault("CNOCARE_AUDIT_SIGNING_KEY", "test-run-audit-signing-key-0123456789abcdef")
os.environ.setdefault("CNOCARE_TOTP_ENCRYPTION_KEY", "dGVzdC1ydW4tdG90cC1lbmNyeXB0aW9uLWtleS0wMDA=")
# No app started by a test runs background jobs by itself; tests run them with run_pending(now=...), or ask.
os.environ.setdefault("CNOCARE_JOBS_WORKER_THREAD", "0")

# The SMTP sink on 127.0.0.1 (smtp_sink) for every test that sends mail; run_jobs to run queued jobs now.
pytest_plugins = ["tests.fixtures.smtp_sink", "tests.fixtures.jobs"]


def postgres_server_url() -> str | None:
    url = os.environ.get("CNOCARE_TEST_PG_URL", "").strip()
    if url:
        return normalise_url(url)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CNOCARE_TEST_PG_URL is not set but CI=true: PostgreSQL tests must run in CI")
    pytest.skip("PostgreSQL not configured (set CNOCARE_TEST_PG_URL)")
    return None


def _pg_admin(server_url: str) -> Engine:
    return create_engine(server_url, isolation_level="AUTOCOMMIT")


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """A new, empty database on the test PostgreSQL server, dropped afterwards."""
    server = postgres_server_url()
    assert server is not None
    name = f"cnocare_t_{uuid.uuid4().hex[:12]}"
    admin = _pg_admin(server)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An empty database URL, fresh for each test module."""
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "cnocare.sqlite3"
        yield f"sqlite:///{path}"
        return
    with fresh_pg_database() as url:
        yield url


@pytest.fixture(scope="module")
def pg_db_url() -> Iterator[str]:
    """An empty PostgreSQL database for tests of PostgreSQL-only parts (procrastinate), fresh per module."""
    with fresh_pg_database() as url:
        yield url


@pytest.fixture(scope="module")
def migrated_engine(db_url: str) -> Iterator[Engine]:
    """The module's database migrated to head."""
    upgrade(db_url)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def db_factory(migrated_engine: Engine) -> sessionmaker[Session]:
    return session_factory(migrated_engine)


@pytest.fixture
def db_session(db_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose work is committed only if the test commits it; rolled back and closed after."""
    session = db_factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()
