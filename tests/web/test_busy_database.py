"""A database too busy to take a write in time (another writer holds the lock past the wait limit) gets a
503 in words with Retry-After, nothing saved, and the same form works once the lock is gone: on SQLite its
busy timeout, on PostgreSQL a lock timeout. Before, it was "Internal error" (a 500)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event, select, text
from tests.web.conftest import Clinic, csrf_of

from cnocare.records import db as records_db
from cnocare.records.db import transaction
from cnocare.records.patients.models import PatientRecord


@contextmanager
def another_writer_holds_the_lock(clinic: Clinic, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The app's connections wait at most ~0.2 s for a lock while another connection holds one on patients."""
    engine = clinic.app.state.web.engine
    url = engine.url
    if url.get_backend_name() == "sqlite":
        monkeypatch.setattr(records_db, "SQLITE_BUSY_TIMEOUT_MS", 200)
        engine.dispose()  # new connections take the short timeout
        holder = sqlite3.connect(str(url.database), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the database's one write lock
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()
            monkeypatch.undo()
            engine.dispose()
        return

    def short_lock_wait(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        dbapi_connection.commit()

    event.listen(engine, "connect", short_lock_wait)
    engine.dispose()
    other = create_engine(url)
    try:
        with other.connect() as holder:
            holder.execute(text("BEGIN"))
            holder.execute(text("LOCK TABLE patients IN EXCLUSIVE MODE"))  # reads pass, writes wait
            try:
                yield
            finally:
                holder.execute(text("ROLLBACK"))
    finally:
        other.dispose()
        event.remove(engine, "connect", short_lock_wait)
        engine.dispose()


def _registration(clinic: Clinic, token: str, number: str) -> dict[str, str]:
    return {"csrf_token": token, "centre_id": str(clinic.centre_id), "name": "Bea Busy", "hospital_number": number,
            "sex": "female", "date_of_birth": "2014-05-02"}


def _saved(clinic: Clinic, number: str) -> int:
    with transaction(clinic.app.state.web.sessions) as db:
        return len(db.scalars(select(PatientRecord.id).where(PatientRecord.hospital_number == number)).all())


def test_a_save_that_waits_too_long_for_the_lock_says_busy_and_keeps_nothing(
        clinic: Clinic, ada: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    token = csrf_of(ada.get("/patients/new").text)
    with another_writer_holds_the_lock(clinic, monkeypatch):
        busy = ada.post("/patients/new", data=_registration(clinic, token, "H-BUSY-1"), follow_redirects=False)
    assert busy.status_code == 503, busy.text
    assert busy.headers["retry-after"] == "2"
    assert "too busy" in busy.text and "try again" in busy.text and "Internal error" not in busy.text
    assert _saved(clinic, "H-BUSY-1") == 0
    again = ada.post("/patients/new", data=_registration(clinic, token, "H-BUSY-1"), follow_redirects=False)
    assert again.status_code == 303 and _saved(clinic, "H-BUSY-1") == 1


def test_the_api_says_busy_in_json(clinic: Clinic, ada: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    token = csrf_of(ada.get("/patients/new").text)
    body = {"centre_id": clinic.centre_id, "name": "Bo Busy", "hospital_number": "H-BUSY-2", "sex": "male",
            "date_of_birth": "2013-01-09"}
    with another_writer_holds_the_lock(clinic, monkeypatch):
        busy = ada.post("/api/v1/patients", json=body, headers={"X-CSRF-Token": token})
    assert busy.status_code == 503 and busy.headers["retry-after"] == "2"
    assert "too busy" in busy.json()["detail"]
    assert _saved(clinic, "H-BUSY-2") == 0
