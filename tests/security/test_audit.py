from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from cnocare.records.audit.fhir import to_fhir, to_fhir_bundle
from cnocare.records.audit.models import AuditEvent, AuditTrailIsAppendOnly, audit_guard_ddl, audit_guard_drop_ddl
from cnocare.records.audit.schemas import AuditFilter
from cnocare.records.audit.service import iter_events, list_events, record_event
from cnocare.records.db import make_engine
from cnocare.security.policy import Forbidden, Principal

DR = Principal(user_id=3, username="dr.hedrich", role="clinician", centre_ids=frozenset({1}))
ADMIN = Principal(user_id=1, username="root", role="admin")
EXAMPLES = Path(os.environ.get("CNOCARE_SHARED_DATA", Path(__file__).parents[3] / "shared" / "data")) / \
    "fhir-r4-examples"


def _one(db: Session, **kwargs: object) -> AuditEvent:
    event = record_event(db_session=db, **kwargs)  # type: ignore[arg-type]
    db.commit()
    return event


def _assert_append_only(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_events (occurred_at, action, outcome, via_token) "
                          "VALUES ('2026-03-02 09:00:00', 'read', 'success', false)"))
    for statement in ("UPDATE audit_events SET username = 'mallory'", "DELETE FROM audit_events"):
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*), max(username) FROM audit_events")).one() == (1, None)


def test_sqlite_refuses_update_and_delete_of_audit_rows(engine: Engine) -> None:
    _assert_append_only(engine)


@pytest.mark.postgres
def test_postgresql_refuses_update_delete_and_truncate_of_audit_rows(pg_url: str) -> None:
    engine = make_engine(pg_url)
    try:
        _assert_append_only(engine)
        with pytest.raises(DatabaseError, match="append-only"), engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_events"))
    finally:
        engine.dispose()


def test_the_orm_refuses_to_flush_a_changed_or_deleted_audit_event(db: Session) -> None:
    event = _one(db, action="read", principal=DR, record_type="lab", record_id="r1", patient_id="maya")
    event.username = "mallory"
    with pytest.raises(AuditTrailIsAppendOnly):
        db.flush()
    db.rollback()
    db.delete(db.get(AuditEvent, event.id))
    with pytest.raises(AuditTrailIsAppendOnly):
        db.flush()


def test_guard_ddl_is_offered_for_both_dialects_with_a_reverse() -> None:
    assert len(audit_guard_ddl("sqlite")) == 2 and len(audit_guard_drop_ddl("sqlite")) == 2
    assert any("BEFORE TRUNCATE" in s for s in audit_guard_ddl("postgresql"))
    with pytest.raises(ValueError, match="mysql"):
        audit_guard_ddl("mysql")


def test_events_record_who_what_and_from_where_but_never_values(db: Session) -> None:
    event = _one(db, action="update", principal=DR, record_type="lab", record_id="r1", patient_id="maya",
                 fields=["crp_mg_per_l", "esr_mm_per_h", "crp_mg_per_l"], ip="10.0.0.5", user_agent="Firefox")
    assert (event.user_id, event.username, event.role, event.fields) == (
        3, "dr.hedrich", "clinician", ["crp_mg_per_l", "esr_mm_per_h"])
    with pytest.raises(ValueError, match="audit action 'erase'"):
        record_event(db_session=db, action="erase")


def test_the_viewer_filters_by_user_patient_action_and_time_and_pages_newest_first(db: Session) -> None:
    base = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    for minute in range(7):
        with time_machine.travel(base + dt.timedelta(minutes=minute), tick=False):
            _one(db, action="read", principal=DR, record_type="visit", record_id=str(minute),
                 patient_id="maya" if minute % 2 == 0 else "noah")
    with time_machine.travel(base + dt.timedelta(minutes=10), tick=False):
        _one(db, action="failed-login", username="guess", outcome="failure", ip="203.0.113.9")
    maya = list_events(db_session=db, filters=AuditFilter(patient_id="maya", page_size=3))
    assert maya.total == 4 and maya.pages == 2 and [e.record_id for e in maya.items] == ["6", "4", "2"]
    window = list_events(db_session=db, filters=AuditFilter(
        since=base + dt.timedelta(minutes=2), until=base + dt.timedelta(minutes=4), action="read"))
    assert [e.record_id for e in window.items] == ["3", "2"]
    assert list_events(db_session=db, filters=AuditFilter(action="failed-login")).items[0].ip == "203.0.113.9"
    assert list_events(db_session=db, filters=AuditFilter(user_id=3)).total == 7
    assert list_events(db_session=db, filters=AuditFilter(page=9)).items == []


def test_only_principals_with_audit_read_may_view_the_trail(db: Session) -> None:
    with pytest.raises(Forbidden):
        list_events(db_session=db, principal=DR)
    assert list_events(db_session=db, principal=ADMIN).total == 0


def _shape(value: object) -> object:
    """Keys and nesting only, so our resource can be compared with the HL7 example's structure."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items() if k not in {"text", "id"}}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def test_a_login_event_has_the_structure_of_the_hl7_login_example(db: Session) -> None:
    event = _one(db, action="login", user_id=95, username="dr.hedrich", role="clinician", ip="127.0.0.1")
    ours = to_fhir(event)
    example = json.loads((EXAMPLES / "AuditEvent-example-login.json").read_text())
    assert ours["type"] == example["type"] and ours["subtype"] == example["subtype"]
    assert (ours["action"], ours["outcome"]) == (example["action"], example["outcome"]) == ("E", "0")
    example_agent, our_agent = _shape(example["agent"][0]), _shape(ours["agent"][0])
    assert isinstance(example_agent, dict) and isinstance(our_agent, dict)
    for key in ("type", "altId", "name", "requestor", "network"):
        assert our_agent[key] == example_agent[key], key
    assert ours["agent"][0]["who"]["identifier"]["value"] == "95"  # we add a system; the example has none
    assert ours["source"]["type"] == example["source"]["type"]


def test_a_read_event_names_the_patient_and_record_like_the_rest_example(db: Session) -> None:
    event = _one(db, action="read", principal=DR, record_type="lab", record_id="r1", patient_id="maya",
                 fields=["crp_mg_per_l"])
    ours = to_fhir(event)
    example = json.loads((EXAMPLES / "AuditEvent-example-rest.json").read_text())
    assert ours["type"] == example["type"] and ours["action"] == "R"
    assert ours["subtype"] == [{"system": "http://hl7.org/fhir/restful-interaction", "code": "read",
                                "display": "read"}]
    patient, record = ours["entity"]
    assert patient["what"] == {"reference": "Patient/maya"} and patient["role"]["code"] == "1"
    assert record["type"] == example["entity"][0]["type"] and record["lifecycle"] == example["entity"][0]["lifecycle"]
    assert record["detail"] == [{"type": "fields", "valueString": "crp_mg_per_l"}]
    assert ours["recorded"].endswith("Z")


@pytest.mark.parametrize("action", ["read", "create", "update", "void", "login", "logout", "export", "failed-login"])
def test_every_audit_action_validates_as_an_r4b_audit_event(db: Session, action: str) -> None:
    auditevent = pytest.importorskip("fhir.resources.R4B.auditevent")
    outcome = "failure" if action == "failed-login" else "success"
    event = _one(db, action=action, principal=DR, record_type="visit", record_id="v1", patient_id="maya",
                 fields=["pain_score"], ip="10.0.0.5", outcome=outcome)
    resource = to_fhir(event)
    parsed = auditevent.AuditEvent.model_validate(resource)
    assert parsed.action == resource["action"] and parsed.outcome == resource["outcome"]
    bundle = pytest.importorskip("fhir.resources.R4B.bundle")
    bundle.Bundle.model_validate(to_fhir_bundle(iter_events(db_session=db)))


def test_the_export_iterates_every_event_oldest_first(db: Session) -> None:
    for i in range(5):
        _one(db, action="read", principal=DR, record_id=str(i))
    assert [e.record_id for e in iter_events(db_session=db, batch=2)] == ["0", "1", "2", "3", "4"]
    assert len(db.scalars(select(AuditEvent)).all()) == 5
