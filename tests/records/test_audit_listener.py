"""The write listener: every created, edited or voided row of personal data leaves one audit event in the
same transaction, naming fields but never values (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cnocare.records import writes
from cnocare.records.audit import listener
from cnocare.records.audit.listener import NO_CONTEXT, audit_context
from cnocare.records.audit.models import AuditEvent
from cnocare.records.centres.service import create_centre
from cnocare.records.errors import RecordValidationError
from cnocare.records.kinds import KINDS
from cnocare.records.patients.service import create_patient, update_patient, void_patient
from cnocare.security.policy import Principal

ADA = Principal(user_id=7, username="ada", role="clinician", centre_ids=frozenset({1}))

IMAGING = KINDS["imaging"]
LABS = KINDS["labs"]


@pytest.fixture(scope="module", autouse=True)
def _listener() -> Iterator[None]:
    was = listener.is_installed()
    listener.install()
    yield
    if not was:
        listener.uninstall()


@pytest.fixture
def centre_id(db_factory: sessionmaker[Session]) -> int:
    with db_factory() as db:
        centre = create_centre(db_session=db, data={"code": f"C{uuid.uuid4().hex[:6]}", "name": "Test"}, actor="setup")
        db.commit()
        return int(centre.id)


def _patient(db: Session, centre_id: int, **extra: Any) -> str:
    data = {"centre_id": centre_id, "name": "Iris Quill", "hospital_number": f"H-{uuid.uuid4().hex[:8]}",
            "sex": "female", "date_of_birth": dt.date(2014, 5, 2), **extra}
    return create_patient(db_session=db, data=data, actor="ada").id


def _events(db: Session, **where: Any) -> list[AuditEvent]:
    stmt = select(AuditEvent).order_by(AuditEvent.id)
    for name, value in where.items():
        stmt = stmt.where(getattr(AuditEvent, name) == value)
    return list(db.scalars(stmt))


CRP = {"test": "crp", "date": dt.date(2024, 3, 1), "value": 12.0, "unit": "mg/L"}


def test_registering_a_patient_records_who_from_where_and_the_field_names(db_session: Session, centre_id: int) -> None:
    with audit_context(principal=ADA, actor="web", ip="198.51.100.4", user_agent="Probe/1"):
        patient_id = _patient(db_session, centre_id)
    (event,) = _events(db_session, patient_id=patient_id, record_type="patient")
    assert (event.action, event.username, event.user_id, event.role) == ("create", "ada", 7, "clinician")
    assert (event.ip, event.user_agent) == ("198.51.100.4", "Probe/1")
    assert event.fields == sorted(["centre_id", "date_of_birth", "hospital_number", "name", "sex", "status"])
    assert "Iris" not in repr([getattr(event, c) for c in ("fields", "detail", "record_id")])


def test_an_edit_names_only_the_changed_fields_and_never_their_values(db_session: Session, centre_id: int) -> None:
    patient_id = _patient(db_session, centre_id)
    lab = writes.add(LABS, db_session=db_session, patient_id=patient_id, data=CRP, actor="ada")
    with audit_context(principal=ADA):
        update_patient(db_session=db_session, patient_id=patient_id, changes={"name": "Iris Quillon"},
                       expected_version=1, actor="ada", reason="typing error")
        writes.revise(LABS, db_session=db_session, record_id=lab.record_id, changes={"value": 48.5},
                      expected_version=1, actor="ada", reason="lab corrected")
    patient_update = _events(db_session, patient_id=patient_id, action="update", record_type="patient")
    assert [e.fields for e in patient_update] == [["name"]]
    (lab_update,) = _events(db_session, record_id=lab.record_id, action="update")
    # The stored canonical value follows the typed one; the date, test and unit did not change.
    assert lab_update.fields == ["canonical_value", "value"] and lab_update.record_type == "lab_results"
    # The edited version is voided by the edit; that is part of the update, not a withdrawal.
    assert _events(db_session, record_id=lab.record_id, action="void") == []
    # The revision row keeping the old demographics is folded into the patient's update event.
    assert _events(db_session, patient_id=patient_id, record_type="patient_revision") == []
    values = {"Iris Quillon", "48.5", "Iris Quill"}
    for event in _events(db_session, patient_id=patient_id):
        assert not values & {str(event.detail), str(event.fields), str(event.record_id)}


def test_voiding_a_record_and_a_patient_records_void_events(db_session: Session, centre_id: int) -> None:
    patient_id = _patient(db_session, centre_id)
    lab = writes.add(LABS, db_session=db_session, patient_id=patient_id, data=CRP, actor="ada")
    with audit_context(principal=ADA):
        writes.void(LABS, db_session=db_session, record_id=lab.record_id, expected_version=1,
                    reason="entered for the wrong patient", actor="ada")
        void_patient(db_session=db_session, patient_id=patient_id, expected_version=1, reason="duplicate",
                     actor="ada")
    (lab_void,) = _events(db_session, record_id=lab.record_id, action="void")
    assert lab_void.username == "ada" and lab_void.patient_id == patient_id
    assert lab_void.fields == ["void_reason", "voided_at", "voided_by"]
    assert [e.record_type for e in _events(db_session, patient_id=patient_id, action="void")] == [
        "lab_results", "patient"]


def test_a_write_without_context_is_attributed_to_the_row_and_says_so(db_session: Session, centre_id: int) -> None:
    patient_id = _patient(db_session, centre_id)
    (event,) = _events(db_session, patient_id=patient_id, record_type="patient")
    assert (event.username, event.user_id, event.detail) == ("ada", None, NO_CONTEXT)


def test_the_cli_context_names_itself(db_session: Session, centre_id: int) -> None:
    with audit_context(actor="cli"):
        patient_id = _patient(db_session, centre_id)
    (event,) = _events(db_session, patient_id=patient_id, record_type="patient")
    assert (event.username, event.detail) == ("ada", "cli")


def test_a_lesion_change_is_audited_with_its_imaging_study(db_session: Session, centre_id: int) -> None:
    patient_id = _patient(db_session, centre_id)
    lesion = {"site": "femur", "side": "left", "segment": "distal_metaphysis", "findings": ["marrow_oedema"]}
    study = writes.add(IMAGING, db_session=db_session, patient_id=patient_id, actor="ada", data={
        "date": dt.date(2024, 3, 2), "modality": "mri", "whole_body": True, "lesions": [lesion]})
    writes.revise(IMAGING, db_session=db_session, record_id=study.record_id, expected_version=1, actor="ada",
                  changes={"lesions": [lesion, {**lesion, "site": "tibia"}]})
    created, updated = _events(db_session, record_id=study.record_id)
    assert created.action == "create" and "lesions" in created.fields
    assert (updated.action, updated.fields, updated.record_type) == ("update", ["lesions"], "imaging_studies")


def test_a_rolled_back_write_leaves_no_audit_event(db_factory: sessionmaker[Session], centre_id: int) -> None:
    with db_factory() as db:
        patient_id = _patient(db, centre_id)
        db.commit()
    with db_factory() as db:
        with pytest.raises(RecordValidationError):  # a lab before the date of birth fails the Case check
            writes.add(LABS, db_session=db, patient_id=patient_id, actor="ada",
                       data={**CRP, "date": dt.date(2010, 1, 1)})
        db.rollback()
        assert _events(db, patient_id=patient_id, record_type="lab_results") == []
        assert len(_events(db, patient_id=patient_id)) == 1  # the committed registration only


def test_installing_twice_adds_one_listener(db_session: Session, centre_id: int) -> None:
    listener.install()
    listener.install()
    patient_id = _patient(db_session, centre_id)
    assert len(_events(db_session, patient_id=patient_id)) == 1
