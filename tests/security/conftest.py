"""Security fixtures: fast argon2 settings, and a database holding the account and audit tables.

Tables are made with ``Base.metadata.create_all`` (only ours plus centres/patients, which ours reference)
on a fresh SQLite file per test, and on a fresh PostgreSQL database per module when
CNOCARE_TEST_PG_URL is set (skipped on a laptop without it; a failure when CI=true).
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Engine,
    Integer,
    String,
    Table,
    Text,
    create_engine,
    insert,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

import cnocare.records.registry  # noqa: F401  - every model, so foreign keys resolve
from cnocare.records.accounts import models as _account_models  # noqa: F401
from cnocare.records.audit import models as audit_models
from cnocare.records.base import Base
from cnocare.records.db import make_engine, normalise_url, session_factory
from cnocare.security.settings import SecuritySettings

OUR_TABLES = ("centres", "patients", "users", "user_centres", "user_patients", "user_sessions", "api_tokens",
              "password_resets", audit_models.TABLE, audit_models.CHAIN_TABLE, audit_models.CHECKPOINT_TABLE)


def pg_server_url() -> str:
    url = os.environ.get("CNOCARE_TEST_PG_URL", "").strip()
    if url:
        return normalise_url(url)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("CNOCARE_TEST_PG_URL is not set but CI=true: PostgreSQL tests must run in CI")
    pytest.skip("PostgreSQL not configured (set CNOCARE_TEST_PG_URL)")
    raise AssertionError("unreachable")


def create_security_tables(engine: Engine) -> None:
    Base.metadata.create_all(engine, tables=[Base.metadata.tables[name] for name in OUR_TABLES])


@pytest.fixture
def settings(tmp_path: Path) -> SecuritySettings:
    # Cheap argon2 parameters keep the suite fast; production defaults are tested separately.
    return SecuritySettings(environment="test", data_dir=tmp_path, secret_key="test-secret-key-0123456789",
                            argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1,
                            lockout_threshold=3, lockout_minutes=15, ip_failure_limit=10)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cnocare.sqlite3'}"


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    engine = make_engine(sqlite_url)
    create_security_tables(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)


@pytest.fixture
def db(factory: sessionmaker[Session]) -> Iterator[Session]:
    with factory() as session:
        yield session


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database with our tables, dropped after the module."""
    server = pg_server_url()
    name = f"cnocare_sec_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    create_security_tables(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _filler(column: Any) -> Any:
    """A harmless value for a required column of a table owned by another module."""
    kind = column.type
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Integer):
        return 1
    if isinstance(kind, DateTime):
        return dt.datetime(2026, 1, 1)
    if isinstance(kind, Date):
        return dt.date(2015, 6, 1)
    if isinstance(kind, JSON):
        return {}
    if isinstance(kind, String | Text):
        return f"x{uuid.uuid4().hex[: max(1, min(8, (kind.length or 9) - 1))]}"
    raise TypeError(f"no filler for {column}")


def _insert_row(session: Session, table_name: str, **values: Any) -> Any:
    """Insert a row into another module's table, filling required columns we do not care about."""
    table: Table = Base.metadata.tables[table_name]
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.nullable or column.default is not None or column.server_default is not None:
            continue
        if column.primary_key and isinstance(column.type, Integer):
            continue  # autoincrement
        row[column.name] = _filler(column)
    result = session.execute(insert(table).values(**row))
    return values.get("id") or result.inserted_primary_key[0]


@pytest.fixture
def insert_row() -> Callable[..., Any]:
    """``insert_row(session, table_name, **values)`` for tables other modules own."""
    return _insert_row


@pytest.fixture
def make_centre(db: Session) -> Callable[[], Any]:
    def make() -> Any:
        centre_id = _insert_row(db, "centres")
        db.commit()
        return centre_id
    return make


@pytest.fixture
def make_patient(db: Session) -> Callable[[Any], Any]:
    def make(centre_id: Any) -> Any:
        patient_id = _insert_row(db, "patients", id=str(uuid.uuid4()), centre_id=centre_id)
        db.commit()
        return patient_id
    return make
