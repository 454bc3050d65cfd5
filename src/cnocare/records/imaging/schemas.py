from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from cnocare.clinical.case import RaiGrades
from cnocare.clinical.vocabulary import Finding, LesionActivity, Modality, Side


class LesionFields(BaseModel):
    """One lesion: bone-site id (bone_sites.yaml), side for paired bones, segment, findings, activity."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, from_attributes=True)

    site: str
    side: Side | None = None
    segment: str | None = None
    findings: tuple[Finding, ...] = ()
    absent_findings: tuple[Finding, ...] = Field(default=(), description="Findings the reader looked for and "
                                                 "did not see")
    findings_complete: bool = Field(default=False, description="The findings listed are the whole reading: "
                                    "anything not listed is absent")
    activity: LesionActivity | None = None
    rai_grades: RaiGrades | None = Field(default=None, description="RAI-CROMRIS parameters as graded")
    note: str | None = Field(default=None, max_length=2000)


class ImagingStudyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    date: dt.date
    modality: Modality
    whole_body: bool = False
    report: str | None = Field(default=None, max_length=20000)
    lesions: tuple[LesionFields, ...] = ()

