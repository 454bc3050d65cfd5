from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from cnocare.records.clock import UtcDateTime

EMERGENCY_NUMBER_PATTERN = r"^\+?[0-9][0-9 ()-]*$"


class CentreCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$",
                      description="Short code shown in lists, e.g. BRI or MUC-1")
    name: str = Field(min_length=1, max_length=200)
    emergency_number: str | None = Field(
        default=None, min_length=2, max_length=32, pattern=EMERGENCY_NUMBER_PATTERN,
        description="The local emergency number families are told to call, e.g. 112 or 999; digits, spaces, "
                    "+ ( ) and - only")


class CentreRead(CentreCreate):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: UtcDateTime
    created_by: str
