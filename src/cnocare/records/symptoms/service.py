from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from cnocare.clinical.case import Symptom
from cnocare.records import versioned
from cnocare.records.symptoms.models import SymptomRecord
from cnocare.records.symptoms.schemas import SymptomCreate, SymptomRead, SymptomUpdate


def _case(d: dict[str, Any]) -> Symptom:
    return Symptom(**d)


CONCEPT: versioned.Concept[SymptomRecord, SymptomRead] = versioned.Concept(
    label="symptom", model=SymptomRecord, fields=SymptomCreate, read=SymptomRead, to_case=_case)



def add_symptom(
        *, db_session: Session, patient_id: str, data: SymptomCreate | Mapping[str, Any], actor: str,
) -> SymptomRead:
    return versioned.add(CONCEPT, db_session=db_session, patient_id=patient_id, data=data, actor=actor)


def update_symptom(
        *, db_session: Session, record_id: str, changes: SymptomUpdate | Mapping[str, Any],
        expected_version: int, actor: str, reason: str = "corrected",
) -> SymptomRead:
    return versioned.revise(CONCEPT, db_session=db_session, record_id=record_id, changes=changes,
                            expected_version=expected_version, actor=actor, reason=reason)


def void_symptom(
        *, db_session: Session, record_id: str, expected_version: int, reason: str, actor: str,
) -> SymptomRead:
    return versioned.void(CONCEPT, db_session=db_session, record_id=record_id,
                          expected_version=expected_version, reason=reason, actor=actor)


def get_symptom(*, db_session: Session, record_id: str) -> SymptomRead:
    return versioned.get(CONCEPT, db_session=db_session, record_id=record_id)


def list_symptoms(*, db_session: Session, patient_id: str, include_voided: bool = False) -> list[SymptomRead]:
    return versioned.list_for_patient(CONCEPT, db_session=db_session, patient_id=patient_id,
                                      include_voided=include_voided)


def symptom_history(*, db_session: Session, record_id: str) -> list[SymptomRead]:
    return versioned.history(CONCEPT, db_session=db_session, record_id=record_id)
