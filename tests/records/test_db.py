"""The PostgreSQL pool: a connection used in the last few seconds is handed out as is (no round trip first),
one idle longer is checked first, and a dead one is replaced, so a restarted database server costs at most
the request that found the dead connection."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from tests.conftest import fresh_pg_database

from cnocare.records import db as records_db
from cnocare.records.db import make_engine


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    with fresh_pg_database() as url:
        yield url


def _backend(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text("SELECT pg_backend_pid()")))


def _terminate(url: str, pid: int) -> None:
    admin = create_engine(url)
    with admin.connect() as connection:
        connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        connection.commit()
    admin.dispose()


def test_an_idle_connection_is_checked_and_a_dead_one_replaced(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = make_engine(pg_url, pool_size=1, max_overflow=0)
    first = _backend(engine)
    _terminate(pg_url, first)
    monkeypatch.setattr(records_db, "PING_AFTER_IDLE_S", 0.0)  # every connection counts as idle
    assert _backend(engine) not in (first, 0)  # the check found it dead; a fresh one was used
    engine.dispose()


def test_a_recently_used_connection_is_not_pinged_and_one_failure_renews_the_pool(pg_url: str) -> None:
    engine = make_engine(pg_url, pool_size=1, max_overflow=0)
    first = _backend(engine)
    _terminate(pg_url, first)
    # Used a moment ago: handed out without a check, so this one request meets the dead connection...
    with pytest.raises(OperationalError), engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    assert _backend(engine) != first  # ...and the next gets a live one
    engine.dispose()
