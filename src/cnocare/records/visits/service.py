from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from cnocare.records import versioned
from cnocare.records.visits.models import VisitRecord
from cnocare.records.visits.schemas import VisitCreate, VisitRead, VisitUpdate

CONCEPT: versioned.Concept[VisitRecord, VisitRead] = versioned.Concept(
    label="visit", model=VisitRecord, fields=VisitCreate, read=VisitRead)



def add_visit(
        *, db_session: Session, patient_id: str, data: VisitCreate | Mapping[str, Any], actor: str,
) -> VisitRead:
    return versioned.add(CONCEPT, db_session=db_session, patient_id=patient_id, data=data, actor=actor)


def update_visit(
        *, db_session: Session, record_id: str, changes: VisitUpdate | Mapping[str, Any],
        expected_version: int, actor: str, reason: str = "corrected",
) -> VisitRead:
    return versioned.revise(CONCEPT, db_session=db_session, record_id=record_id, changes=changes,
                            expected_version=expected_version, actor=actor, reason=reason)


def void_visit(
        *, db_session: Session, record_id: str, expected_version: int, reason: str, actor: str,
) -> VisitRead:
    return versioned.void(CONCEPT, db_session=db_session, record_id=record_id,
                          expected_version=expected_version, reason=reason, actor=actor)


def get_visit(*, db_session: Session, record_id: str) -> VisitRead:
    return versioned.get(CONCEPT, db_session=db_session, record_id=record_id)


def list_visits(*, db_session: Session, patient_id: str, include_voided: bool = False) -> list[VisitRead]:
    return versioned.list_for_patient(CONCEPT, db_session=db_session, patient_id=patient_id,
                                      include_voided=include_voided)


def visit_history(*, db_session: Session, record_id: str) -> list[VisitRead]:
    return versioned.history(CONCEPT, db_session=db_session, record_id=record_id)
