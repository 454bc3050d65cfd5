from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from cnocare.records.clock import UtcDateTime


class CentreCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$",
                      description="Short code shown in lists, e.g. BRI or MUC-1")
    name: str = Field(min_length=1, max_length=200)


class CentreRead(CentreCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: UtcDateTime
    created_by: str
