from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from cnocare.clinical.vocabulary import CultureResult, Histology, Side
from cnocare.records.versioned import RecordMeta


class BiopsyCreate(BaseModel):
    """One biopsy as entered."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    date: dt.date
    site: str | None = None
    side: Side | None = None
    histology: tuple[Histology, ...] = ()
    culture: CultureResult
    organism: str | None = Field(default=None, max_length=200)
    on_antibiotics: bool | None = None
    note: str | None = Field(default=None, max_length=4000)


class BiopsyUpdate(BaseModel):
    """Only the fields given change; the result is validated as a whole."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    date: dt.date | None = None
    site: str | None = None
    side: Side | None = None
    histology: tuple[Histology, ...] | None = None
    culture: CultureResult | None = None
    organism: str | None = None
    on_antibiotics: bool | None = None
    note: str | None = None


class BiopsyRead(RecordMeta, BiopsyCreate):
    pass
