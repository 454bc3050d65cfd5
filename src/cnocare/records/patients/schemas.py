from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cnocare.clinical.vocabulary import Sex
from cnocare.records.clock import UtcDateTime

# Where the patient is in the clinic's care; only "active" patients are due for follow-up.
PatientStatus = Literal["active", "discharged", "transferred", "deceased"]


class PatientCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    centre_id: int
    name: str = Field(min_length=1, max_length=200)
    hospital_number: str = Field(min_length=1, max_length=64, description="Hospital number / MRN")
    sex: Sex
    date_of_birth: dt.date | None = None
    onset_date: dt.date | None = Field(default=None, description="Date the bone symptoms began")
    diagnosis_date: dt.date | None = Field(default=None, description="End of the diagnostic window the criteria "
                                           "read; default: the first disease-modifying treatment")
    status: PatientStatus = "active"
    status_date: dt.date | None = Field(default=None, description="When the patient was discharged, "
                                        "transferred or died (required for those statuses)")

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        from cnocare.security.identity_text import normalise_name

        return normalise_name(value)

    @field_validator("hospital_number")
    @classmethod
    def _number(cls, value: str) -> str:
        from cnocare.security.identity_text import normalise_identifier

        return normalise_identifier(value)


class PatientUpdate(BaseModel):
    """Only the fields given change; give ``None`` to clear an optional date."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    centre_id: int | None = None
    name: str | None = Field(default=None, min_length=1, max_length=200)
    hospital_number: str | None = Field(default=None, min_length=1, max_length=64)
    sex: Sex | None = None
    date_of_birth: dt.date | None = None
    onset_date: dt.date | None = None
    diagnosis_date: dt.date | None = None
    status: PatientStatus | None = None
    status_date: dt.date | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        from cnocare.security.identity_text import normalise_name

        return None if value is None else normalise_name(value)

    @field_validator("hospital_number")
    @classmethod
    def _number(cls, value: str | None) -> str | None:
        from cnocare.security.identity_text import normalise_identifier

        return None if value is None else normalise_identifier(value)


class PatientRead(PatientCreate):
    model_config = ConfigDict(from_attributes=True)

    id: str
    row_version: int
    created_at: UtcDateTime
    created_by: str
    updated_at: UtcDateTime
    updated_by: str
    voided_at: UtcDateTime | None = None
    voided_by: str | None = None
    void_reason: str | None = None
    warnings: list[str] = Field(default_factory=list, description="Things to check, e.g. look-alike letters")

    @model_validator(mode="after")
    def _warn(self) -> PatientRead:
        from cnocare.security.identity_text import name_warnings

        self.warnings = name_warnings(self.name)
        return self
    merged_into: str | None = None


class PatientRevisionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    row_version: int
    data: dict[str, Any]
    replaced_at: UtcDateTime
    replaced_by: str
    reason: str


class PatientListItem(BaseModel):
    id: str
    name: str
    hospital_number: str
    centre_id: int
    centre_code: str
    sex: Sex
    date_of_birth: dt.date | None
    red_flag_count: int
    urgent_red_flag_count: int
    next_review_due: dt.date | None
    last_visit_date: dt.date | None
    status: PatientStatus = "active"
    overdue: bool | None = Field(description="None when no 'today' was given; never for a patient who "
                                 "is not active")


class PatientSearchResult(BaseModel):
    total: int
    items: list[PatientListItem]
