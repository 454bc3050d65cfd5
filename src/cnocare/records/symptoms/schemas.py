from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from cnocare.clinical.vocabulary import Side, SymptomKind
from cnocare.records.versioned import RecordMeta


class SymptomCreate(BaseModel):
    """One symptom as entered."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: SymptomKind
    present: bool
    date: dt.date | None = None
    site: str | None = Field(default=None, description="Bone-site id, e.g. clavicle")
    side: Side | None = None
    severity_0_10: float | None = Field(default=None, ge=0, le=10)
    duration_weeks: float | None = Field(default=None, ge=0)
    temperature_max_c: float | None = None
    note: str | None = Field(default=None, max_length=4000)


class SymptomUpdate(BaseModel):
    """Only the fields given change; the result is validated as a whole."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: SymptomKind | None = None
    present: bool | None = None
    date: dt.date | None = None
    site: str | None = None
    side: Side | None = None
    severity_0_10: float | None = None
    duration_weeks: float | None = None
    temperature_max_c: float | None = None
    note: str | None = None


class SymptomRead(RecordMeta, SymptomCreate):
    pass
