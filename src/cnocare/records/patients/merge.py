"""Merging a duplicate patient into the one the clinic keeps.

Every current record of the duplicate is written again for the kept patient through ``records.writes``
and then voided on the duplicate with a reason naming where it went, so both sides stay in the history
and the audit listener records each step (a changed ``patient_id`` in place would be bookkeeping it
ignores, and would rewrite history). The duplicate is then voided with ``merged_into`` set. Patients of
two centres are never merged: a hospital number means nothing outside its own centre.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cnocare.records import versioned, writes
from cnocare.records.assessments.service import deferred_refresh
from cnocare.records.errors import RecordValidationError, StaleRecordError
from cnocare.records.kinds import ALL_KINDS
from cnocare.records.patients.models import PatientRecord
from cnocare.records.patients.schemas import PatientRead
from cnocare.records.patients.service import get_patient, void_patient

__all__ = ["merge_patients"]


def _content(kind: Any, read: Any) -> dict[str, Any]:
    """The clinical content of a record, as its Create schema accepts it."""
    dumped = read.model_dump()
    return {name: dumped[name] for name in kind.create.model_fields if name in dumped}


def merge_patients(*, db_session: Session, duplicate_id: str, keep_id: str, expected_version: int, reason: str,
                   actor: str) -> tuple[PatientRead, int]:
    """Move the duplicate's records to the kept patient and void the duplicate; returns the kept
    patient and how many records moved. Nothing is written if any record is refused."""
    if not reason or not reason.strip():
        raise RecordValidationError.single("reason", reason, "say why these are the same person")
    if duplicate_id == keep_id:
        raise RecordValidationError.single("keep", keep_id, "a patient cannot be merged into themselves")
    duplicate, keep = get_patient(db_session=db_session, patient_id=duplicate_id), get_patient(
        db_session=db_session, patient_id=keep_id)
    if keep.voided_at is not None:
        raise RecordValidationError.single("keep", keep.hospital_number, "the patient to keep was voided")
    if duplicate.centre_id != keep.centre_id:
        raise RecordValidationError.single("keep", keep.hospital_number, "patients of different centres are "
                                           "never merged; transfer the patient instead")
    if duplicate.voided_at is not None or duplicate.row_version != expected_version:
        raise StaleRecordError("patient", duplicate.id, expected_version, duplicate.row_version,
                               duplicate.updated_by, duplicate.updated_at, voided=duplicate.voided_at is not None)
    moved = 0
    note = f"merged: moved to {keep.name} ({keep.hospital_number}); {reason.strip()}"
    with deferred_refresh(db_session):
        for kind in ALL_KINDS:
            for read in versioned.list_for_patient(kind.concept, db_session=db_session, patient_id=duplicate_id):
                writes.add(kind, db_session=db_session, patient_id=keep_id, data=_content(kind, read), actor=actor)
                writes.void(kind, db_session=db_session, record_id=read.record_id, expected_version=read.version,
                            reason=note, actor=actor)
                moved += 1
    void_patient(db_session=db_session, patient_id=duplicate_id, expected_version=expected_version,
                 reason=f"duplicate of {keep.name} ({keep.hospital_number}): {reason.strip()}", actor=actor)
    row = db_session.get(PatientRecord, duplicate_id)
    assert row is not None  # loaded above
    row.merged_into = keep_id
    db_session.flush()
    return get_patient(db_session=db_session, patient_id=keep_id), moved
