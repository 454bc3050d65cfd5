from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from cnocare.clinical.case import LabResult
from cnocare.knowledge.catalogue import lab_tests
from cnocare.records import versioned
from cnocare.records.labs.models import LabResultRecord
from cnocare.records.labs.schemas import LabResultCreate, LabResultRead, LabResultUpdate

_RECORD_ONLY = ("reference_source",)  # kept in records, not part of the clinical snapshot


def to_case_lab(d: dict[str, Any]) -> LabResult:
    """The Case ``LabResult`` owns unit, conversion and plausibility rules; records reuse them."""
    return LabResult(**{k: v for k, v in d.items() if k not in _RECORD_ONLY})


def _load(row: LabResultRecord, fields: dict[str, Any], lab: LabResult) -> None:
    for name, value in fields.items():
        setattr(row, name, value)
    row.canonical_value = lab.canonical_value
    row.canonical_unit = lab_tests()[lab.test].unit if lab.canonical_value is not None else None


CONCEPT: versioned.Concept[LabResultRecord, LabResultRead] = versioned.Concept(
    label="lab result", model=LabResultRecord, fields=LabResultCreate, read=LabResultRead,
    to_case=to_case_lab, load_row=_load)



def add_lab_result(
        *, db_session: Session, patient_id: str, data: LabResultCreate | Mapping[str, Any], actor: str,
) -> LabResultRead:
    return versioned.add(CONCEPT, db_session=db_session, patient_id=patient_id, data=data, actor=actor)


def update_lab_result(
        *, db_session: Session, record_id: str, changes: LabResultUpdate | Mapping[str, Any],
        expected_version: int, actor: str, reason: str = "corrected",
) -> LabResultRead:
    return versioned.revise(CONCEPT, db_session=db_session, record_id=record_id, changes=changes,
                            expected_version=expected_version, actor=actor, reason=reason)


def void_lab_result(
        *, db_session: Session, record_id: str, expected_version: int, reason: str, actor: str,
) -> LabResultRead:
    return versioned.void(CONCEPT, db_session=db_session, record_id=record_id,
                          expected_version=expected_version, reason=reason, actor=actor)


def get_lab_result(*, db_session: Session, record_id: str) -> LabResultRead:
    return versioned.get(CONCEPT, db_session=db_session, record_id=record_id)


def list_lab_results(
        *, db_session: Session, patient_id: str, include_voided: bool = False,
) -> list[LabResultRead]:
    return versioned.list_for_patient(CONCEPT, db_session=db_session, patient_id=patient_id,
                                      include_voided=include_voided)


def lab_result_history(*, db_session: Session, record_id: str) -> list[LabResultRead]:
    return versioned.history(CONCEPT, db_session=db_session, record_id=record_id)
