from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from cnocare.records import versioned
from cnocare.records.notes.models import ClinicalNoteRecord
from cnocare.records.notes.schemas import ClinicalNoteCreate, ClinicalNoteRead, ClinicalNoteUpdate

CONCEPT: versioned.Concept[ClinicalNoteRecord, ClinicalNoteRead] = versioned.Concept(
    label="note", model=ClinicalNoteRecord, fields=ClinicalNoteCreate, read=ClinicalNoteRead)



def add_note(
        *, db_session: Session, patient_id: str, data: ClinicalNoteCreate | Mapping[str, Any], actor: str,
) -> ClinicalNoteRead:
    return versioned.add(CONCEPT, db_session=db_session, patient_id=patient_id, data=data, actor=actor)


def update_note(
        *, db_session: Session, record_id: str, changes: ClinicalNoteUpdate | Mapping[str, Any],
        expected_version: int, actor: str, reason: str = "corrected",
) -> ClinicalNoteRead:
    return versioned.revise(CONCEPT, db_session=db_session, record_id=record_id, changes=changes,
                            expected_version=expected_version, actor=actor, reason=reason)


def void_note(
        *, db_session: Session, record_id: str, expected_version: int, reason: str, actor: str,
) -> ClinicalNoteRead:
    return versioned.void(CONCEPT, db_session=db_session, record_id=record_id,
                          expected_version=expected_version, reason=reason, actor=actor)


def get_note(*, db_session: Session, record_id: str) -> ClinicalNoteRead:
    return versioned.get(CONCEPT, db_session=db_session, record_id=record_id)


def list_notes(
        *, db_session: Session, patient_id: str, include_voided: bool = False,
) -> list[ClinicalNoteRead]:
    return versioned.list_for_patient(CONCEPT, db_session=db_session, patient_id=patient_id,
                                      include_voided=include_voided)


def note_history(*, db_session: Session, record_id: str) -> list[ClinicalNoteRead]:
    return versioned.history(CONCEPT, db_session=db_session, record_id=record_id)
