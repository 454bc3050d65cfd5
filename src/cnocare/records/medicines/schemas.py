from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from cnocare.clinical.vocabulary import DrugClass, Response
from cnocare.records.versioned import RecordMeta


class MedicineCourseCreate(BaseModel):
    """One medicine course as entered."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    drug: str
    drug_class: DrugClass
    start: dt.date
    stop: dt.date | None = None
    stop_reason: str | None = Field(default=None, max_length=400)
    response: Response | None = None
    dose_note: str | None = Field(default=None, max_length=400)


class MedicineCourseUpdate(BaseModel):
    """Only the fields given change; the result is validated as a whole."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    drug: str | None = None
    drug_class: DrugClass | None = None
    start: dt.date | None = None
    stop: dt.date | None = None
    stop_reason: str | None = None
    response: Response | None = None
    dose_note: str | None = None


class MedicineCourseRead(RecordMeta, MedicineCourseCreate):
    pass
