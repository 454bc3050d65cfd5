from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from cnocare.clinical.case import GeneticFinding
from cnocare.records import versioned
from cnocare.records.genetics.models import GeneticFindingRecord
from cnocare.records.genetics.schemas import GeneticFindingCreate, GeneticFindingRead, GeneticFindingUpdate


def _case(d: dict[str, Any]) -> GeneticFinding:
    return GeneticFinding(**d)


CONCEPT: versioned.Concept[GeneticFindingRecord, GeneticFindingRead] = versioned.Concept(
    label="genetic result", model=GeneticFindingRecord, fields=GeneticFindingCreate, read=GeneticFindingRead,
    to_case=_case)


def add_genetic_finding(
        *, db_session: Session, patient_id: str, data: GeneticFindingCreate | Mapping[str, Any], actor: str,
) -> GeneticFindingRead:
    return versioned.add(CONCEPT, db_session=db_session, patient_id=patient_id, data=data, actor=actor)


def update_genetic_finding(
        *, db_session: Session, record_id: str, changes: GeneticFindingUpdate | Mapping[str, Any],
        expected_version: int, actor: str, reason: str = "corrected",
) -> GeneticFindingRead:
    return versioned.revise(CONCEPT, db_session=db_session, record_id=record_id, changes=changes,
                            expected_version=expected_version, actor=actor, reason=reason)


def void_genetic_finding(
        *, db_session: Session, record_id: str, expected_version: int, reason: str, actor: str,
) -> GeneticFindingRead:
    return versioned.void(CONCEPT, db_session=db_session, record_id=record_id,
                          expected_version=expected_version, reason=reason, actor=actor)


def get_genetic_finding(*, db_session: Session, record_id: str) -> GeneticFindingRead:
    return versioned.get(CONCEPT, db_session=db_session, record_id=record_id)


def list_genetic_findings(
        *, db_session: Session, patient_id: str, include_voided: bool = False,
) -> list[GeneticFindingRead]:
    return versioned.list_for_patient(CONCEPT, db_session=db_session, patient_id=patient_id,
                                      include_voided=include_voided)


def genetic_finding_history(*, db_session: Session, record_id: str) -> list[GeneticFindingRead]:
    return versioned.history(CONCEPT, db_session=db_session, record_id=record_id)
