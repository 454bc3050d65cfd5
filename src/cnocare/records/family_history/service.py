from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from cnocare.clinical.case import FamilyHistory
from cnocare.records import versioned
from cnocare.records.family_history.models import FamilyHistoryRecord
from cnocare.records.family_history.schemas import FamilyHistoryCreate, FamilyHistoryRead, FamilyHistoryUpdate


def _case(d: dict[str, Any]) -> FamilyHistory:
    return FamilyHistory(**d)


CONCEPT: versioned.Concept[FamilyHistoryRecord, FamilyHistoryRead] = versioned.Concept(
    label="family history entry", model=FamilyHistoryRecord, fields=FamilyHistoryCreate,
    read=FamilyHistoryRead, to_case=_case)


def add_family_history(
        *, db_session: Session, patient_id: str, data: FamilyHistoryCreate | Mapping[str, Any], actor: str,
) -> FamilyHistoryRead:
    return versioned.add(CONCEPT, db_session=db_session, patient_id=patient_id, data=data, actor=actor)


def update_family_history(
        *, db_session: Session, record_id: str, changes: FamilyHistoryUpdate | Mapping[str, Any],
        expected_version: int, actor: str, reason: str = "corrected",
) -> FamilyHistoryRead:
    return versioned.revise(CONCEPT, db_session=db_session, record_id=record_id, changes=changes,
                            expected_version=expected_version, actor=actor, reason=reason)


def void_family_history(
        *, db_session: Session, record_id: str, expected_version: int, reason: str, actor: str,
) -> FamilyHistoryRead:
    return versioned.void(CONCEPT, db_session=db_session, record_id=record_id,
                          expected_version=expected_version, reason=reason, actor=actor)


def get_family_history(*, db_session: Session, record_id: str) -> FamilyHistoryRead:
    return versioned.get(CONCEPT, db_session=db_session, record_id=record_id)


def list_family_history_entries(
        *, db_session: Session, patient_id: str, include_voided: bool = False,
) -> list[FamilyHistoryRead]:
    return versioned.list_for_patient(CONCEPT, db_session=db_session, patient_id=patient_id,
                                      include_voided=include_voided)


def family_history_history(*, db_session: Session, record_id: str) -> list[FamilyHistoryRead]:
    return versioned.history(CONCEPT, db_session=db_session, record_id=record_id)
