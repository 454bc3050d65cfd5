from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from cnocare.clinical.vocabulary import CoexistingConditionKind
from cnocare.records.versioned import RecordMeta


class CoexistingConditionCreate(BaseModel):
    """One coexisting condition as entered."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: CoexistingConditionKind
    present: bool = True
    onset: dt.date | None = None


class CoexistingConditionUpdate(BaseModel):
    """Only the fields given change; the result is validated as a whole."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: CoexistingConditionKind | None = None
    present: bool | None = None
    onset: dt.date | None = None


class CoexistingConditionRead(RecordMeta, CoexistingConditionCreate):
    pass
