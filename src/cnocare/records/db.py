"""Database selection, engines, sessions and migrations.

The URL comes from the one settings object (``database_url``, from ``CNOCARE_DATABASE_URL`` or the
``CNOCARE_CONFIG`` file): PostgreSQL (psycopg 3), or by default a SQLite file
``<data_dir>/cnocare.sqlite3`` in WAL mode, so readers never block the writer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from cnocare.security.settings import SecuritySettings

SQLITE_BUSY_TIMEOUT_MS = 5000  # local choice: a clinic-sized write never holds the lock this long
MIGRATIONS = Path(__file__).parent / "migrations"


def database_url(settings: SecuritySettings | None = None) -> str:
    # Read afresh by default (not the cached get_settings()): scripts and tests that change the
    # environment between calls get the database they now name.
    return normalise_url((settings or SecuritySettings()).database)


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean the psycopg 3 driver (the only one installed)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    # Every mapper must be known before the first flush (foreign keys name other concepts' tables), even
    # in a script that imports a single service module.
    from cnocare.records import registry  # noqa: F401

    url = normalise_url(url or database_url())
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            _private_sqlite_engine(engine, Path(parsed.database))
        return engine
    engine = create_engine(url, **kwargs)
    event.listen(engine, "checkout", _ping_if_idle)
    event.listen(engine, "checkin", _note_last_use)
    return engine


# A pooled connection idle longer than this is checked with a round trip before use; one used more recently
# is used as is (the web holds one connection per request: a ping before each would be a tenth of a cached
# page's round trips). Local choice. A connection that still turns out dead fails that one request, and the
# pool then drops every connection it holds (SQLAlchemy's handling of a disconnect).
PING_AFTER_IDLE_S = 10.0
LAST_USE = "cnocare_last_use"


def _note_last_use(_dbapi_connection: Any, record: Any) -> None:
    record.info[LAST_USE] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    last = record.info.get(LAST_USE)
    if last is not None and time.monotonic() - last < PING_AFTER_IDLE_S:
        return
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as exc:  # the pool discards this connection and tries a fresh one
        raise DisconnectionError(f"pooled connection failed its check: {exc}") from exc


def _private_sqlite_engine(engine: Engine, path: Path) -> None:
    """The database holds identified health data: its folder is created 0700 and the file kept 0600
    (SQLite gives its -wal/-shm files the database file's mode, so they follow)."""
    from cnocare.security.files import private_dir, private_sqlite
    from cnocare.security.settings import get_settings

    if not path.parent.exists():
        private_dir(path.parent)
    elif path.parent.resolve() == get_settings().data_dir.resolve():
        private_dir(path.parent)  # our own data folder: tighten one a previous version left 0755

    def _tighten(_dbapi_connection: Any, _record: Any) -> None:
        private_sqlite(path)

    event.listen(engine, "connect", _tighten)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")  # safe with WAL; a crash loses no committed data
    finally:
        cursor.close()


# Waits that outlasted their limit, not faults: SQLite's busy timeout, and PostgreSQL's deadlock victim,
# serialization failure and lock-not-available (SQLSTATE 40P01, 40001, 55P03). Trying again may succeed.
BUSY_SQLSTATES = frozenset({"40P01", "40001", "55P03"})


def is_busy(exc: OperationalError) -> bool:
    """The database was too busy to finish this transaction (it was rolled back): worth trying again."""
    original = exc.orig
    if getattr(original, "sqlstate", None) in BUSY_SQLSTATES:
        return True
    text = str(original).lower()
    return "database is locked" in text or "database is busy" in text


def session_factory(engine: Engine) -> sessionmaker[Session]:
    # Objects stay readable after commit: pages render from them after the transaction ends.
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: everything inside commits together, or nothing does."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["database_url"] = normalise_url(url)
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (default: the newest migration)."""
    from alembic import command

    url = normalise_url(url or database_url())
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = connection
            command.upgrade(cfg, revision)
    finally:
        engine.dispose()
