"""A database per module (SQLite and PostgreSQL) whose queue is emptied after each test; the thread backend."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from tests.jobs.helpers import CALLS, CALLS_LOCK

from cnocare.records.centres.models import Centre
from cnocare.records.db import session_factory
from cnocare.records.queue.models import QueuedJob
from cnocare.security.settings import get_settings


@pytest.fixture(autouse=True)
def fresh_calls() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    with CALLS_LOCK:
        CALLS.clear()
    yield CALLS


@pytest.fixture(scope="module")
def thread_backend() -> Iterator[None]:
    """The thread backend on either database (public ``defer`` reads the settings from the environment)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CNOCARE_JOBS_BACKEND", "thread")
        get_settings.cache_clear()
        yield
    get_settings.cache_clear()


@pytest.fixture
def sessions(migrated_engine: Engine, thread_backend: None) -> Iterator[sessionmaker[Session]]:
    factory = session_factory(migrated_engine)
    yield factory
    with factory.begin() as db:  # each test starts from an empty queue
        db.query(QueuedJob).delete()
        db.query(Centre).filter(Centre.created_by == "job").delete()
