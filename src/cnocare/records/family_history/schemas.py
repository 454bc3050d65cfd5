from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from cnocare.clinical.vocabulary import Relation
from cnocare.records.versioned import RecordMeta


class FamilyHistoryCreate(BaseModel):
    """One family history entry as entered."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    relation: Relation
    condition: str = Field(min_length=1, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class FamilyHistoryUpdate(BaseModel):
    """Only the fields given change; the result is validated as a whole."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    relation: Relation | None = None
    condition: str | None = None
    note: str | None = None


class FamilyHistoryRead(RecordMeta, FamilyHistoryCreate):
    pass
