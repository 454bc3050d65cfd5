from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cnocare.records.versioned import RecordMeta

VisitKind = Literal["new_patient", "follow_up", "flare", "telephone", "other"]


class VisitCreate(BaseModel):
    """One clinic contact. Scores are 0–10 (patient pain; physician global assessment of activity)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    date: dt.date
    kind: VisitKind
    pain_0_10: float | None = Field(default=None, ge=0, le=10)
    physician_global_0_10: float | None = Field(default=None, ge=0, le=10)
    notes: str | None = Field(default=None, max_length=20000)
    next_review_due: dt.date | None = Field(default=None, description="When the patient should next be seen")

    @model_validator(mode="after")
    def _review_after_visit(self) -> VisitCreate:
        if self.next_review_due is not None and self.next_review_due < self.date:
            raise ValueError(f"next_review_due {self.next_review_due} is before the visit date {self.date}; "
                             "accepted: on or after the visit")
        return self


class VisitUpdate(BaseModel):
    """Only the fields given change; the result is validated as a whole."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    date: dt.date | None = None
    kind: VisitKind | None = None
    pain_0_10: float | None = Field(default=None, ge=0, le=10)
    physician_global_0_10: float | None = Field(default=None, ge=0, le=10)
    notes: str | None = None
    next_review_due: dt.date | None = None


class VisitRead(RecordMeta, VisitCreate):
    pass
