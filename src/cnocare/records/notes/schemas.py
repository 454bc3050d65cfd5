from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from cnocare.records.versioned import RecordMeta


class ClinicalNoteCreate(BaseModel):
    """One note as entered."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    date: dt.date
    category: str | None = Field(default=None, max_length=60, description="e.g. clinic letter, telephone")
    text: str = Field(min_length=1, max_length=20000)


class ClinicalNoteUpdate(BaseModel):
    """Only the fields given change; the result is validated as a whole."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    date: dt.date | None = None
    category: str | None = None
    text: str | None = None


class ClinicalNoteRead(RecordMeta, ClinicalNoteCreate):
    pass
