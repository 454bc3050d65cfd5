from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cnocare.clinical.schedule_status import DailyAt, EveryHours
from cnocare.records.clock import UtcDateTime


class ReminderScheduleCreate(BaseModel):
    """Daily by ``daily_time`` (the family's wall clock in ``time_zone``) or every ``every_hours`` hours;
    late ``grace_minutes`` after the due time."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["diary", "medicine"]
    medicine_record_id: str | None = Field(default=None, max_length=36)
    daily_time: dt.time | None = None
    every_hours: float | None = None
    time_zone: str = Field(max_length=64)
    grace_minutes: int = Field(ge=0, le=24 * 60)

    @model_validator(mode="after")
    def _one_rule_that_works(self) -> ReminderScheduleCreate:
        if (self.daily_time is None) == (self.every_hours is None):
            raise ValueError("daily_time: give a time of day or every_hours, not both and not neither")
        if self.kind == "medicine" and not self.medicine_record_id:
            raise ValueError("medicine_record_id: a medicine reminder names the medicine")
        if self.kind == "diary" and self.medicine_record_id:
            raise ValueError("medicine_record_id: a diary reminder names no medicine")
        DailyAt(self.daily_time or dt.time(0), self.time_zone)  # refuses an unknown zone, naming it
        if self.every_hours is not None:
            EveryHours(self.every_hours)
        return self


class ReminderScheduleRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    patient_id: str
    kind: str
    medicine_record_id: str | None
    daily_time: dt.time | None
    every_hours: float | None
    time_zone: str
    grace_minutes: int
    started_at: UtcDateTime
    stopped_at: UtcDateTime | None
    last_reminded_due: UtcDateTime | None
