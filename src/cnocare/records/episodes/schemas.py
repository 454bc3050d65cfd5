from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from cnocare.clinical.vocabulary import EpisodeKind
from cnocare.records.versioned import RecordMeta


class EpisodeCreate(BaseModel):
    """One episode as entered."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: EpisodeKind
    start: dt.date
    end: dt.date | None = None
    note: str | None = Field(default=None, max_length=4000)


class EpisodeUpdate(BaseModel):
    """Only the fields given change; the result is validated as a whole."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: EpisodeKind | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    note: str | None = None


class EpisodeRead(RecordMeta, EpisodeCreate):
    pass
