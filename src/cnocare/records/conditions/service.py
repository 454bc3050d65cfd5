from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from cnocare.clinical.case import CoexistingCondition
from cnocare.records import versioned
from cnocare.records.conditions.models import CoexistingConditionRecord
from cnocare.records.conditions.schemas import (
    CoexistingConditionCreate,
    CoexistingConditionRead,
    CoexistingConditionUpdate,
)


def _case(d: dict[str, Any]) -> CoexistingCondition:
    return CoexistingCondition(**d)


CONCEPT: versioned.Concept[CoexistingConditionRecord, CoexistingConditionRead] = versioned.Concept(
    label="coexisting condition", model=CoexistingConditionRecord, fields=CoexistingConditionCreate,
    read=CoexistingConditionRead, to_case=_case)


def add_condition(
        *, db_session: Session, patient_id: str, data: CoexistingConditionCreate | Mapping[str, Any],
        actor: str,
) -> CoexistingConditionRead:
    return versioned.add(CONCEPT, db_session=db_session, patient_id=patient_id, data=data, actor=actor)


def update_condition(
        *, db_session: Session, record_id: str, changes: CoexistingConditionUpdate | Mapping[str, Any],
        expected_version: int, actor: str, reason: str = "corrected",
) -> CoexistingConditionRead:
    return versioned.revise(CONCEPT, db_session=db_session, record_id=record_id, changes=changes,
                            expected_version=expected_version, actor=actor, reason=reason)


def void_condition(
        *, db_session: Session, record_id: str, expected_version: int, reason: str, actor: str,
) -> CoexistingConditionRead:
    return versioned.void(CONCEPT, db_session=db_session, record_id=record_id,
                          expected_version=expected_version, reason=reason, actor=actor)


def get_condition(*, db_session: Session, record_id: str) -> CoexistingConditionRead:
    return versioned.get(CONCEPT, db_session=db_session, record_id=record_id)


def list_conditions(
        *, db_session: Session, patient_id: str, include_voided: bool = False,
) -> list[CoexistingConditionRead]:
    return versioned.list_for_patient(CONCEPT, db_session=db_session, patient_id=patient_id,
                                      include_voided=include_voided)


def condition_history(*, db_session: Session, record_id: str) -> list[CoexistingConditionRead]:
    return versioned.history(CONCEPT, db_session=db_session, record_id=record_id)
