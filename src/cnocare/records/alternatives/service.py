from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from cnocare.clinical.case import AlternativeDiagnosis
from cnocare.records import versioned
from cnocare.records.alternatives.models import AlternativeDiagnosisRecord
from cnocare.records.alternatives.schemas import (
    AlternativeDiagnosisCreate,
    AlternativeDiagnosisRead,
    AlternativeDiagnosisUpdate,
)


def _case(d: dict[str, Any]) -> AlternativeDiagnosis:
    return AlternativeDiagnosis(**d)


CONCEPT: versioned.Concept[AlternativeDiagnosisRecord, AlternativeDiagnosisRead] = versioned.Concept(
    label="alternative diagnosis", model=AlternativeDiagnosisRecord, fields=AlternativeDiagnosisCreate,
    read=AlternativeDiagnosisRead, to_case=_case)


def add_alternative_diagnosis(
        *, db_session: Session, patient_id: str, data: AlternativeDiagnosisCreate | Mapping[str, Any],
        actor: str,
) -> AlternativeDiagnosisRead:
    return versioned.add(CONCEPT, db_session=db_session, patient_id=patient_id, data=data, actor=actor)


def update_alternative_diagnosis(
        *, db_session: Session, record_id: str, changes: AlternativeDiagnosisUpdate | Mapping[str, Any],
        expected_version: int, actor: str, reason: str = "corrected",
) -> AlternativeDiagnosisRead:
    return versioned.revise(CONCEPT, db_session=db_session, record_id=record_id, changes=changes,
                            expected_version=expected_version, actor=actor, reason=reason)


def void_alternative_diagnosis(
        *, db_session: Session, record_id: str, expected_version: int, reason: str, actor: str,
) -> AlternativeDiagnosisRead:
    return versioned.void(CONCEPT, db_session=db_session, record_id=record_id,
                          expected_version=expected_version, reason=reason, actor=actor)


def get_alternative_diagnosis(*, db_session: Session, record_id: str) -> AlternativeDiagnosisRead:
    return versioned.get(CONCEPT, db_session=db_session, record_id=record_id)


def list_alternative_diagnoses(
        *, db_session: Session, patient_id: str, include_voided: bool = False,
) -> list[AlternativeDiagnosisRead]:
    return versioned.list_for_patient(CONCEPT, db_session=db_session, patient_id=patient_id,
                                      include_voided=include_voided)


def alternative_diagnosis_history(*, db_session: Session, record_id: str) -> list[AlternativeDiagnosisRead]:
    return versioned.history(CONCEPT, db_session=db_session, record_id=record_id)
