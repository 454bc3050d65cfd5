"""The web layer's calls into records, each behind the policy check for the signed-in user.

Routes never call a records service directly for patient data: they come through here, so the
"who may see this patient" rule is applied in one place for pages and API alike.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cnocare.records import versioned
from cnocare.records.errors import RecordNotFoundError
from cnocare.records.patients.schemas import PatientRead
from cnocare.records.patients.service import get_patient
from cnocare.security import policy
from cnocare.web.auth import WebUser
from cnocare.web.kinds import RecordKind


def principal(user: WebUser) -> policy.Principal:
    p: policy.Principal = user.principal
    return p


def visible_patient(db: Session, user: WebUser, patient_id: str, action: str = "patient:read",
                    part: str | None = None) -> PatientRead:
    """The patient, if this user may do ``action`` on them; otherwise indistinguishable from absent.
    Every pass is an audited read of the patient (``part``: what was read; default from the route)."""
    # The role check comes first, so a role without the action gets 403 whether or not the id exists;
    # an absent, voided-for-writing or invisible patient all answer with the same words.
    policy.require(principal(user), action)
    # One lookup narrowed to what the caller may see: a hidden patient is never loaded, so it costs
    # exactly what an absent one costs, and both refusals are audited alike (same work, same words).
    if not _visible_id(db, user, patient_id, action):
        _audit_read(db, user, patient_id, action, part, denied=True)
        raise policy.NotFound("patient not found")
    try:
        patient = get_patient(db_session=db, patient_id=patient_id)
    except RecordNotFoundError:
        _audit_read(db, user, patient_id, action, part, denied=True)
        raise policy.NotFound("patient not found") from None
    if patient.voided_at is not None and action != "patient:read":
        _audit_read(db, user, patient.id, action, part, denied=True)
        raise policy.NotFound("patient not found")
    try:
        policy.require(principal(user), action, patient=patient)
    except policy.NotFound:
        _audit_read(db, user, patient.id, action, part, denied=True)
        raise
    _audit_read(db, user, patient.id, action, part)
    return patient


def _visible_id(db: Session, user: WebUser, patient_id: str, action: str) -> bool:
    from sqlalchemy import select

    from cnocare.records.patients.models import PatientRecord

    query = policy.scope_patient_query(select(PatientRecord.id).where(PatientRecord.id == str(patient_id)[:64]),
                                       principal(user), patient_id=PatientRecord.id,
                                       centre_id=PatientRecord.centre_id, action=action)
    return db.scalar(query) is not None


def _audit_read(db: Session, user: WebUser, patient_id: str, action: str, part: str | None,
                denied: bool = False) -> None:
    from cnocare.web.audit import note_read

    if not note_read(patient_id, action=action, part=part, denied=denied):
        # Outside a request (scripts, tests calling services directly): into the caller's transaction.
        from cnocare.records.audit.service import record_event

        record_event(db_session=db, action="read", outcome="denied" if denied else "success",
                     principal=principal(user), record_type="patient", record_id=patient_id,
                     patient_id=patient_id, fields=[part or action])


def record_of_patient(db: Session, user: WebUser, kind: RecordKind, patient_id: str, record_id: str,
                      action: str = "record:read") -> tuple[PatientRead, Any]:
    patient = visible_patient(db, user, patient_id, action, part=kind.slug)
    try:
        record = versioned.get(kind.concept, db_session=db, record_id=record_id)
    except RecordNotFoundError:
        record = None
    if record is None or str(record.patient_id) != str(patient.id):
        # One wording for a record that does not exist and another patient's record.
        raise RecordNotFoundError(kind.label, record_id)
    return patient, record


def records_of_patient(db: Session, kind: RecordKind, patient_id: str) -> list[Any]:
    return list(versioned.list_for_patient(kind.concept, db_session=db, patient_id=patient_id))

