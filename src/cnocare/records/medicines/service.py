from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from cnocare.clinical.case import MedicineCourse
from cnocare.records import versioned
from cnocare.records.medicines.models import MedicineCourseRecord
from cnocare.records.medicines.schemas import MedicineCourseCreate, MedicineCourseRead, MedicineCourseUpdate


def _case(d: dict[str, Any]) -> MedicineCourse:
    return MedicineCourse(**d)


CONCEPT: versioned.Concept[MedicineCourseRecord, MedicineCourseRead] = versioned.Concept(
    label="medicine course", model=MedicineCourseRecord, fields=MedicineCourseCreate, read=MedicineCourseRead,
    to_case=_case)


def add_medicine_course(
        *, db_session: Session, patient_id: str, data: MedicineCourseCreate | Mapping[str, Any], actor: str,
) -> MedicineCourseRead:
    return versioned.add(CONCEPT, db_session=db_session, patient_id=patient_id, data=data, actor=actor)


def update_medicine_course(
        *, db_session: Session, record_id: str, changes: MedicineCourseUpdate | Mapping[str, Any],
        expected_version: int, actor: str, reason: str = "corrected",
) -> MedicineCourseRead:
    return versioned.revise(CONCEPT, db_session=db_session, record_id=record_id, changes=changes,
                            expected_version=expected_version, actor=actor, reason=reason)


def void_medicine_course(
        *, db_session: Session, record_id: str, expected_version: int, reason: str, actor: str,
) -> MedicineCourseRead:
    return versioned.void(CONCEPT, db_session=db_session, record_id=record_id,
                          expected_version=expected_version, reason=reason, actor=actor)


def get_medicine_course(*, db_session: Session, record_id: str) -> MedicineCourseRead:
    return versioned.get(CONCEPT, db_session=db_session, record_id=record_id)


def list_medicine_courses(
        *, db_session: Session, patient_id: str, include_voided: bool = False,
) -> list[MedicineCourseRead]:
    return versioned.list_for_patient(CONCEPT, db_session=db_session, patient_id=patient_id,
                                      include_voided=include_voided)


def medicine_course_history(*, db_session: Session, record_id: str) -> list[MedicineCourseRead]:
    return versioned.history(CONCEPT, db_session=db_session, record_id=record_id)
