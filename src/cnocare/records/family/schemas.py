"""One day of a family's diary, as entered. Every answer may be left empty: an unanswered question is
unknown, never "no", so the triage and the clinic's charts can say what was not asked."""

from __future__ import annotations

import datetime as dt
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from cnocare.clinical.diary_snapshot import Fatigue, Mood, SchoolDay
from cnocare.knowledge.body_map import body_areas, sites_of
from cnocare.knowledge.catalogue import bone_sites
from cnocare.knowledge.triage import triage_rules
from cnocare.records.clock import UtcDateTime

PainScale = Literal["faces", "numeric"]


class DiaryEntryCreate(BaseModel):
    """One day of the diary. ``day`` is the day described (a late entry names an earlier day);
    ``time_zone`` is the family's IANA zone when the entry was made, so "today" and the 00:00–03:00 rule
    are read where the family lives, not where the server is."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    day: dt.date
    time_zone: str = Field(max_length=64, description="IANA time zone, e.g. Europe/London")
    pain_scale: PainScale | None = None
    pain_0_10: float | None = Field(default=None, ge=0, le=10, allow_inf_nan=False)
    painful_sites: tuple[str, ...] | None = Field(default=None, description="Bone-site ids; () means none")
    painful_areas: tuple[str, ...] | None = Field(
        default=None, description="Body-map areas as the family ticked them (with side); their bone sites are "
                                  "added to painful_sites; () means none")
    night_pain: bool | None = None
    limp: bool | None = None
    activity_limited: bool | None = None
    swelling: bool | None = None
    fever: bool | None = None
    temperature_c: float | None = Field(default=None, ge=30, le=45, allow_inf_nan=False)
    temperature_as_entered: str | None = Field(default=None, max_length=16, description="e.g. '101.3 °F'")
    fatigue: Fatigue | None = None
    school: SchoolDay | None = None
    medicines_taken: dict[str, bool] | None = Field(
        default=None, description="Medicine course record id -> taken today; absent: not asked")
    side_effects: str | None = Field(default=None, max_length=2000)
    mood: Mood | None = None
    warning_signs: dict[str, bool] = Field(default={}, description="Triage rule answers; a missing key: not asked")
    note: str | None = Field(default=None, max_length=4000)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"time zone {value!r} is not known; accepted: an IANA name such as "
                             "Europe/London") from error
        return value

    @field_validator("painful_sites")
    @classmethod
    def _known_sites(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        unknown = [s for s in value if s not in bone_sites()]
        if unknown:
            raise ValueError(f"painful site {unknown[0]!r} is not a bone site of the body map")
        return tuple(dict.fromkeys(value))

    @field_validator("painful_areas")
    @classmethod
    def _known_areas(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        unknown = [a for a in value if a not in body_areas()]
        if unknown:
            raise ValueError(f"body area {unknown[0]!r} is not on the body map")
        return tuple(dict.fromkeys(value))

    @model_validator(mode="after")
    def _sites_from_areas(self) -> DiaryEntryCreate:
        if self.painful_areas is not None:
            union = set(sites_of(self.painful_areas)) | set(self.painful_sites or ())
            self.painful_sites = tuple(s for s in bone_sites() if s in union)
        return self

    @field_validator("warning_signs")
    @classmethod
    def _known_signs(cls, value: dict[str, bool]) -> dict[str, bool]:
        known = {r.answer for r in triage_rules().rules}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"warning sign {unknown[0]!r} is not a diary question; accepted: "
                             + ", ".join(sorted(known)))
        return value

    @model_validator(mode="after")
    def _not_after_today_where_the_family_is(self) -> DiaryEntryCreate:
        today = dt.datetime.now(ZoneInfo(self.time_zone)).date()
        if self.day > today:
            raise ValueError(f"day {self.day.isoformat()} is after today ({today.isoformat()} in "
                             f"{self.time_zone}): a diary day cannot be in the future")
        return self


class AlertRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    patient_id: str
    diary_record_id: str | None
    level: str
    raised_at: UtcDateTime
    family_reasons: list[str]
    staff_reasons: list[str]
    acknowledged_at: UtcDateTime | None
    acknowledged_by: str | None
    acknowledgement_note: str | None
    escalated_at: UtcDateTime | None
