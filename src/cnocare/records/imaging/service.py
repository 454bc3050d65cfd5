from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from cnocare.clinical.case import ImagingStudy
from cnocare.records import versioned
from cnocare.records.imaging.models import ImagingLesionRecord, ImagingStudyRecord
from cnocare.records.imaging.schemas import (
    ImagingStudyCreate,
    ImagingStudyRead,
    ImagingStudyUpdate,
    LesionFields,
)

_STUDY_FIELDS = ("date", "modality", "whole_body", "report")


def _case(d: dict[str, Any]) -> ImagingStudy:
    return ImagingStudy(**d)


def _dump(row: ImagingStudyRecord) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(row, name) for name in _STUDY_FIELDS}
    out["lesions"] = [LesionFields.model_validate(lesion).model_dump() for lesion in row.lesions]
    return out


def _load(row: ImagingStudyRecord, fields: dict[str, Any], _study: ImagingStudy) -> None:
    for name in _STUDY_FIELDS:
        setattr(row, name, fields[name])
    row.lesions = [ImagingLesionRecord(position=i, **{**lesion, "findings": list(lesion["findings"])})
                   for i, lesion in enumerate(fields["lesions"])]


CONCEPT: versioned.Concept[ImagingStudyRecord, ImagingStudyRead] = versioned.Concept(
    label="imaging study", model=ImagingStudyRecord, fields=ImagingStudyCreate, read=ImagingStudyRead,
    to_case=_case, dump_row=_dump, load_row=_load)



def add_imaging_study(
        *, db_session: Session, patient_id: str, data: ImagingStudyCreate | Mapping[str, Any], actor: str,
) -> ImagingStudyRead:
    return versioned.add(CONCEPT, db_session=db_session, patient_id=patient_id, data=data, actor=actor)


def update_imaging_study(
        *, db_session: Session, record_id: str, changes: ImagingStudyUpdate | Mapping[str, Any],
        expected_version: int, actor: str, reason: str = "corrected",
) -> ImagingStudyRead:
    return versioned.revise(CONCEPT, db_session=db_session, record_id=record_id, changes=changes,
                            expected_version=expected_version, actor=actor, reason=reason)


def void_imaging_study(
        *, db_session: Session, record_id: str, expected_version: int, reason: str, actor: str,
) -> ImagingStudyRead:
    return versioned.void(CONCEPT, db_session=db_session, record_id=record_id,
                          expected_version=expected_version, reason=reason, actor=actor)


def get_imaging_study(*, db_session: Session, record_id: str) -> ImagingStudyRead:
    return versioned.get(CONCEPT, db_session=db_session, record_id=record_id)


def list_imaging_studies(
        *, db_session: Session, patient_id: str, include_voided: bool = False,
) -> list[ImagingStudyRead]:
    return versioned.list_for_patient(CONCEPT, db_session=db_session, patient_id=patient_id,
                                      include_voided=include_voided)


def imaging_study_history(*, db_session: Session, record_id: str) -> list[ImagingStudyRead]:
    return versioned.history(CONCEPT, db_session=db_session, record_id=record_id)
