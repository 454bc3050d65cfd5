"""The web layer's calls into records, each behind the policy check for the signed-in user.

Routes never call a records service directly for patient data: they come through here, so the
"who may see this patient" rule is applied in one place for pages and API alike.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.orm import Session

from cnocare.records import versioned
from cnocare.records.errors import RecordNotFoundError
from cnocare.records.patients.models import PatientRecord
from cnocare.records.patients.schemas import PatientRead
from cnocare.security import policy
from cnocare.web.auth import WebUser
from cnocare.web.kinds import RecordKind

Widening = Callable[[Select[Any]], Select[Any]]  # adds columns (and joins) to the patient's statement


def principal(user: WebUser) -> policy.Principal:
    p: policy.Principal = user.principal
    return p


def visible_patient(db: Session, user: WebUser, patient_id: str, action: str = "patient:read",
                    part: str | None = None) -> PatientRead:
    """The patient, if this user may do ``action`` on them; otherwise indistinguishable from absent.
    Every pass is an audited read of the patient (``part``: what was read; default from the route)."""
    patient, _ = visible_patient_with(db, user, patient_id, action, part)
    return patient


def visible_patient_with(db: Session, user: WebUser, patient_id: str, action: str = "patient:read",
                         part: str | None = None, extend: tuple[Widening, ...] = (),
                         params: dict[str, Any] | None = None) -> tuple[PatientRead, Row[Any]]:
    """``visible_patient``, and the row of one query that ``extend`` may widen, in turn, with what else the
    caller needs beside the patient (the page: its data version and centre, the navigation's counts), read in
    the same statement; ``params``: the widenings' own parameters."""
    # The role check comes first, so a role without the action gets 403 whether or not the id exists;
    # an absent, voided-for-writing or invisible patient all answer with the same words.
    policy.require(principal(user), action)
    # One lookup narrowed to what the caller may see: a hidden patient is never loaded, so it costs
    # exactly what an absent one costs, and both refusals are audited alike (same work, same words).
    row = db.execute(_visible_query(principal(user), action, extend),
                     {**(params or {}), "patient_id": str(patient_id)[:64]}).first()
    if row is None:
        _audit_read(db, user, patient_id, action, part, denied=True)
        raise policy.NotFound("patient not found")
    # The session's identity map holds rows weakly: kept for the session, this one serves the write path's
    # own check (``require_active_patient``) and the Case builder without another SELECT of the patient.
    db.info.setdefault(PATIENTS_READ, {})[row[0].id] = row[0]
    patient = PatientRead.model_validate(row[0])
    if patient.voided_at is not None and action != "patient:read":
        _audit_read(db, user, patient.id, action, part, denied=True)
        raise policy.NotFound("patient not found")
    try:
        policy.require(principal(user), action, patient=patient)
    except policy.NotFound:
        _audit_read(db, user, patient.id, action, part, denied=True)
        raise
    _audit_read(db, user, patient.id, action, part)
    return patient, row


PATIENTS_READ = "cnocare_patients_read"  # Session.info: patient rows this session has let through


@functools.lru_cache(maxsize=1024)
def _visible_query(who: policy.Principal, action: str, extend: tuple[Widening, ...]) -> Select[Any]:
    """The patient by id, narrowed to what ``who`` may see for ``action``: made once per caller, action and
    extension (making a statement and its cache key costs more than running it)."""
    query = policy.scope_patient_query(select(PatientRecord).where(PatientRecord.id == bindparam("patient_id")),
                                       who, patient_id=PatientRecord.id, centre_id=PatientRecord.centre_id,
                                       action=action)
    for widen in extend:
        query = widen(query)
    return query


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

