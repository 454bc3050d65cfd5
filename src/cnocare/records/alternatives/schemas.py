from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from cnocare.clinical.vocabulary import AlternativeDiagnosisKind, AlternativeStatus
from cnocare.records.versioned import RecordMeta


class AlternativeDiagnosisCreate(BaseModel):
    """One alternative diagnosis as entered."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: AlternativeDiagnosisKind
    status: AlternativeStatus
    date: dt.date | None = None
    basis: str | None = Field(default=None, max_length=2000, description="How it was confirmed or excluded")


class AlternativeDiagnosisUpdate(BaseModel):
    """Only the fields given change; the result is validated as a whole."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: AlternativeDiagnosisKind | None = None
    status: AlternativeStatus | None = None
    date: dt.date | None = None
    basis: str | None = None


class AlternativeDiagnosisRead(RecordMeta, AlternativeDiagnosisCreate):
    pass
