"""Patient identity: create, edit with optimistic locking (``row_version``), void, search.

Creating or editing a patient refreshes their assessment, as record writes do (``records.writes``).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cnocare.clinical.case import Patient
from cnocare.records.assessments.service import request_refresh
from cnocare.records.centres.models import Centre
from cnocare.records.clock import utcnow
from cnocare.records.dates import refuse_impossible_dates
from cnocare.records.errors import RecordNotFoundError, RecordValidationError, StaleRecordError
from cnocare.records.patients.models import PatientRecord, PatientRevision
from cnocare.records.patients.schemas import (
    PatientCreate,
    PatientRead,
    PatientRevisionRead,
    PatientUpdate,
)
from cnocare.records.patients.search import search_patients
from cnocare.records.versioned import require_actor

__all__ = ["create_patient", "get_patient", "patient_revisions", "require_active_patient", "search_patients",
           "update_patient", "void_patient"]

_FIELDS = tuple(PatientCreate.model_fields)


def create_patient(
        *, db_session: Session, data: PatientCreate | Mapping[str, Any], actor: str,
) -> PatientRead:
    require_actor(actor)
    fields = _validated(_as_dict(data, PatientCreate))
    _check_centre_and_number(db_session, fields, patient_id=None)
    now = utcnow()
    patient = PatientRecord(id=str(uuid.uuid4()), created_at=now, created_by=actor, updated_at=now,
                            updated_by=actor, search_key=_search_key(fields), **fields)
    db_session.add(patient)
    db_session.flush()
    request_refresh(db_session=db_session, patient_id=patient.id, actor=actor)
    return PatientRead.model_validate(patient)


def update_patient(
        *, db_session: Session, patient_id: str, changes: PatientUpdate | Mapping[str, Any],
        expected_version: int, actor: str, reason: str = "corrected",
) -> PatientRead:
    require_actor(actor)
    patient = _load(db_session, patient_id)
    if patient.voided_at is not None or patient.row_version != expected_version:
        raise _stale(patient, expected_version)
    changed = _as_dict(changes, PatientUpdate)
    before = {name: getattr(patient, name) for name in _FIELDS}
    fields = _validated({**before, **changed})
    if fields == before:
        return PatientRead.model_validate(patient)  # a no-op edit writes no revision and no new version
    _check_centre_and_number(db_session, fields, patient_id=patient.id)
    db_session.add(PatientRevision(patient_id=patient.id, row_version=patient.row_version,
                                   data=PatientCreate.model_validate(before).model_dump(mode="json"),
                                   replaced_at=utcnow(), replaced_by=actor, reason=reason))
    for name, value in fields.items():
        setattr(patient, name, value)
    patient.search_key = _search_key(fields)
    patient.updated_at, patient.updated_by = utcnow(), actor
    _flush_guarded(db_session, patient, expected_version)
    request_refresh(db_session=db_session, patient_id=patient.id, actor=actor)
    return PatientRead.model_validate(patient)


def void_patient(
        *, db_session: Session, patient_id: str, expected_version: int, reason: str, actor: str,
) -> PatientRead:
    """Withdraw a patient entered in error (e.g. a duplicate); their records stay, out of lists."""
    require_actor(actor)
    if not reason or not reason.strip():
        raise RecordValidationError.single("reason", reason, "a reason is required to void a patient")
    patient = _load(db_session, patient_id)
    if patient.voided_at is not None or patient.row_version != expected_version:
        raise _stale(patient, expected_version)
    now = utcnow()
    patient.voided_at, patient.voided_by, patient.void_reason = now, actor, reason.strip()
    patient.updated_at, patient.updated_by = now, actor
    _flush_guarded(db_session, patient, expected_version)
    return PatientRead.model_validate(patient)


def get_patient(*, db_session: Session, patient_id: str) -> PatientRead:
    return PatientRead.model_validate(_load(db_session, patient_id))


def patient_revisions(*, db_session: Session, patient_id: str) -> list[PatientRevisionRead]:
    rows = db_session.scalars(select(PatientRevision).where(PatientRevision.patient_id == patient_id)
                              .order_by(PatientRevision.row_version))
    return [PatientRevisionRead.model_validate(r) for r in rows]


def require_active_patient(*, db_session: Session, patient_id: str) -> PatientRecord:
    patient = _load(db_session, patient_id)
    if patient.voided_at is not None:
        raise RecordValidationError.single("patient_id", patient_id,
                                           f"this patient was voided ({patient.void_reason}); records "
                                           "cannot be added")
    return patient


def _load(db_session: Session, patient_id: str) -> PatientRecord:
    patient = db_session.get(PatientRecord, patient_id)
    if patient is None:
        raise RecordNotFoundError("patient", patient_id)
    return patient


def _as_dict(data: BaseModel | Mapping[str, Any], schema: type[BaseModel]) -> dict[str, Any]:
    try:
        parsed = data if isinstance(data, schema) else schema.model_validate(
            data.model_dump(exclude_unset=True) if isinstance(data, BaseModel) else dict(data))
    except ValidationError as exc:
        raise RecordValidationError.from_pydantic(exc) from None
    return parsed.model_dump(exclude_unset=schema is PatientUpdate)


def _validated(fields: dict[str, Any]) -> dict[str, Any]:
    """Schema rules, then the Case ``Patient`` rules, so the clinical limits live in one place."""
    checked = _as_dict(fields, PatientCreate)
    refuse_impossible_dates(checked, past_events=("date_of_birth", "onset_date", "diagnosis_date", "status_date"))
    _check_status(checked)
    try:
        Patient(sex=checked["sex"], date_of_birth=checked["date_of_birth"], onset_date=checked["onset_date"],
                diagnosis_date=checked["diagnosis_date"])
    except ValidationError as exc:
        raise RecordValidationError.from_pydantic(exc, checked) from None
    dob, onset = checked["date_of_birth"], checked["onset_date"]
    if dob is not None and onset is not None and onset < dob:
        raise RecordValidationError.single("onset_date", onset, f"before the date of birth {dob}; accepted: "
                                           "on or after the date of birth")
    return checked


def _check_status(fields: dict[str, Any]) -> None:
    status, when, dob = fields["status"], fields["status_date"], fields["date_of_birth"]
    if status != "active" and when is None:
        raise RecordValidationError.single("status_date", when, f"say when the patient was {status}")
    if when is not None and dob is not None and when < dob:
        raise RecordValidationError.single("status_date", when, f"before the date of birth {dob}; accepted: "
                                           "on or after the date of birth")


def _check_centre_and_number(db_session: Session, fields: dict[str, Any], patient_id: str | None) -> None:
    if db_session.get(Centre, fields["centre_id"]) is None:
        raise RecordValidationError.single("centre_id", fields["centre_id"], "no such centre; create it first")
    # Case never makes a second patient: DEMO-00001 and demo-00001 are one number (the input was already
    # NFKC-normalised and cleaned of invisible characters by the schema).
    clash = db_session.scalar(select(PatientRecord.id).where(
        PatientRecord.centre_id == fields["centre_id"], PatientRecord.id != (patient_id or ""),
        func.lower(PatientRecord.hospital_number) == fields["hospital_number"].lower()).limit(1))
    if clash is not None:
        raise RecordValidationError.single("hospital_number", fields["hospital_number"],
                                           "another patient at this centre has this hospital number")


def _search_key(fields: dict[str, Any]) -> str:
    return f"{fields['name']} {fields['hospital_number']}".casefold()


def _flush_guarded(db_session: Session, patient: PatientRecord, expected_version: int) -> None:
    try:
        db_session.flush()
    except StaleDataError:  # another session committed an edit between our read and our write
        raise StaleRecordError("patient", patient.id, expected_version, None, None, None) from None


def _stale(patient: PatientRecord, expected_version: int) -> StaleRecordError:
    if patient.voided_at is not None:
        return StaleRecordError("patient", patient.id, expected_version, None, patient.voided_by,
                                patient.voided_at, voided=True)
    return StaleRecordError("patient", patient.id, expected_version, patient.row_version, patient.updated_by,
                            patient.updated_at)

