"""What one request asks of the database, statement by statement: a patient page and a record save.

Each request has one session on one pooled connection (``web.context``); the page's reads and their audit
row commit in one transaction, and a save commits with the audit row of the read that led to it. A change
that adds a statement, a second connection or a second commit fails here, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from tests.web.conftest import Clinic, csrf_of, new_patient

from cnocare.records.kinds import ALL_KINDS


@dataclass
class Work:
    """What the app asked of its engine during one request."""

    statements: list[str] = field(default_factory=list)
    checkouts: int = 0  # each one a liveness check of the connection on PostgreSQL (pool_pre_ping)
    commits: int = 0
    rollbacks: int = 0


def label(sql: str) -> str:
    """A statement as its verb and the first table its outer query names (subqueries left out): ``SELECT
    patients``, ``INSERT audit_events``."""
    verb = sql.split(None, 1)[0].upper()
    outer = sql
    while (inner := re.sub(r"\([^()]*\)", " ", outer)) != outer:
        outer = inner
    table = re.search(r"\b(?:FROM|INTO|UPDATE)\s+\"?(\w+)", outer)
    return f"{verb} {table.group(1) if table else sql.split(None, 2)[1].split('(')[0]}"


@contextmanager
def counted(engine: Engine) -> Iterator[Work]:
    work = Work()

    def statement(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        work.statements.append(label(sql))

    def checkout(*_args: Any) -> None:
        work.checkouts += 1

    def commit(*_args: Any) -> None:
        work.commits += 1

    def rollback(*_args: Any) -> None:
        work.rollbacks += 1

    listeners = (("before_cursor_execute", statement), ("checkout", checkout), ("commit", commit),
                 ("rollback", rollback))
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield work
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


def chained(engine: Engine) -> list[str]:
    """Linking the transaction's audit rows into the hash chain at commit."""
    lock = ["SELECT pg_advisory_xact_lock"] if engine.dialect.name == "postgresql" else []
    return [*lock, "SELECT audit_events", "INSERT audit_chain"]  # the events with the chain's head, then links


def test_a_patient_page_is_one_connection_five_statements_and_one_commit(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic, name="Counted View")
    ada.get(f"/patients/{patient_id}")  # the registration's flash; the page is drawn and kept
    engine = clinic.app.state.web.engine
    with counted(engine) as work:
        assert ada.get(f"/patients/{patient_id}").status_code == 200
    assert work.statements == [
        "SELECT user_sessions",  # the sign-in: session, user and the user's centres and patients together
        # The patient through the policy gate, with the page's data version and centre and the navigation's
        # counts (open alerts, unread notices); none open at the patient's centre, so the patient's own open
        # alerts are not looked for.
        "SELECT patients",
        "INSERT audit_events",  # the read, recorded before the page is sent
        *chained(engine),
    ]
    assert (work.checkouts, work.commits, work.rollbacks) == (1, 1, 0)


def test_a_record_save_reads_the_patient_twice_and_commits_once(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic, name="Counted Save", date_of_birth="2014-05-02")
    url = f"/patients/{patient_id}/labs/new"
    token = csrf_of(ada.get(url + "?test=crp").text)
    engine = clinic.app.state.web.engine
    with counted(engine) as work:
        response = ada.post(url, data={"csrf_token": token, "test": "crp", "date": "2024-03-01", "value": "12",
                                       "unit": "mg/L"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    case_tables = [f"SELECT {kind.concept.model.__tablename__}" for kind in ALL_KINDS if kind.case_field]
    assert work.statements == [
        "SELECT user_sessions",
        "SELECT patients",  # through the policy gate; the write path's own check reuses this row
        "INSERT lab_results",
        "INSERT audit_events",  # the new record, in its own transaction
        "SELECT patients",  # the refresh: the row again, under the patient's lock; the Case is built from it
        *case_tables,
        "SELECT assessment_snapshots", "INSERT assessment_snapshots",
        "SELECT visits", "SELECT patient_summaries", "UPDATE patient_summaries",
        "INSERT audit_events",  # the read of the patient that led to the save, committed with it
        *chained(engine),
    ]
    assert (work.checkouts, work.commits, work.rollbacks) == (1, 1, 0)
