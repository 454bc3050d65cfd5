"""An imaging study is stored as one row per version plus one row per lesion of that version."""

from __future__ import annotations

from typing import Any

from cnocare.clinical.case import ImagingStudy
from cnocare.records.imaging.models import ImagingLesionRecord, ImagingStudyRecord
from cnocare.records.imaging.schemas import LesionFields

_STUDY_FIELDS = ("date", "modality", "whole_body", "report")


def study_fields(row: ImagingStudyRecord) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(row, name) for name in _STUDY_FIELDS}
    out["lesions"] = [LesionFields.model_validate(lesion).model_dump() for lesion in row.lesions]
    return out


def store_study(row: ImagingStudyRecord, fields: dict[str, Any], _study: ImagingStudy) -> None:
    for name in _STUDY_FIELDS:
        setattr(row, name, fields[name])
    row.lesions = [ImagingLesionRecord(position=i, **{**lesion, "findings": list(lesion["findings"]),
                                                      "absent_findings": list(lesion.get("absent_findings") or ()),
                                                      "rai_grades": _plain(lesion.get("rai_grades"))})
                   for i, lesion in enumerate(fields["lesions"])]


def _plain(grades: Any) -> dict[str, Any] | None:
    """JSON column: the grades as a plain mapping."""
    if grades is None:
        return None
    return dict(grades) if isinstance(grades, dict) else grades.model_dump()
