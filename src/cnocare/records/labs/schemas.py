from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from cnocare.clinical.vocabulary import Comparator, QualitativeResult
from cnocare.records.versioned import RecordMeta


class LabResultCreate(BaseModel):
    """A result as the laboratory reported it; unit and plausibility are checked against labs.yaml."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    test: str = Field(description="Lab catalogue id, e.g. crp, esr, wbc, haemoglobin")
    date: dt.date
    value: float | None = None
    comparator: Comparator | None = Field(default=None, description="A censored result: '<' 5 means below 5")
    unit: str | None = None
    reference_low: float | None = None
    reference_high: float | None = None
    reference_source: str | None = Field(default=None, max_length=200,
                                         description="Who gave the reference interval (lab name; 'synthetic')")
    result: QualitativeResult | None = None
    organism: str | None = Field(default=None, max_length=200)
    note: str | None = Field(default=None, max_length=4000)


class LabResultRead(RecordMeta, LabResultCreate):
    canonical_value: float | None = None
    canonical_unit: str | None = None
