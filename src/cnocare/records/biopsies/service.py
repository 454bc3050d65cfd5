from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from cnocare.clinical.case import Biopsy
from cnocare.records import versioned
from cnocare.records.biopsies.models import BiopsyRecord
from cnocare.records.biopsies.schemas import BiopsyCreate, BiopsyRead, BiopsyUpdate


def _case(d: dict[str, Any]) -> Biopsy:
    return Biopsy(**d)


CONCEPT: versioned.Concept[BiopsyRecord, BiopsyRead] = versioned.Concept(
    label="biopsy", model=BiopsyRecord, fields=BiopsyCreate, read=BiopsyRead, to_case=_case)



def add_biopsy(
        *, db_session: Session, patient_id: str, data: BiopsyCreate | Mapping[str, Any], actor: str,
) -> BiopsyRead:
    return versioned.add(CONCEPT, db_session=db_session, patient_id=patient_id, data=data, actor=actor)


def update_biopsy(
        *, db_session: Session, record_id: str, changes: BiopsyUpdate | Mapping[str, Any],
        expected_version: int, actor: str, reason: str = "corrected",
) -> BiopsyRead:
    return versioned.revise(CONCEPT, db_session=db_session, record_id=record_id, changes=changes,
                            expected_version=expected_version, actor=actor, reason=reason)


def void_biopsy(
        *, db_session: Session, record_id: str, expected_version: int, reason: str, actor: str,
) -> BiopsyRead:
    return versioned.void(CONCEPT, db_session=db_session, record_id=record_id,
                          expected_version=expected_version, reason=reason, actor=actor)


def get_biopsy(*, db_session: Session, record_id: str) -> BiopsyRead:
    return versioned.get(CONCEPT, db_session=db_session, record_id=record_id)


def list_biopsies(*, db_session: Session, patient_id: str, include_voided: bool = False) -> list[BiopsyRead]:
    return versioned.list_for_patient(CONCEPT, db_session=db_session, patient_id=patient_id,
                                      include_voided=include_voided)


def biopsy_history(*, db_session: Session, record_id: str) -> list[BiopsyRead]:
    return versioned.history(CONCEPT, db_session=db_session, record_id=record_id)
