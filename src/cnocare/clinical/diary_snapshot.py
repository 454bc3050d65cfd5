"""One day of the family's diary as the clinical core reads it.

Only what the family answered: every field may be None (not asked or not answered), which is never
read as "no" or zero. The zone, the scale used, the temperature as typed, the warning-sign answers and
the free note stay in the record (the triage reads the entry itself, not the Case).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, field_validator

from cnocare.clinical.snapshot import Snapshot, check_site

SchoolDay = Literal["went", "part_missed", "whole_missed", "no_school"]
Mood = Literal["good", "okay", "low", "very_low"]
Fatigue = Literal["none", "some", "a_lot"]


class DiaryDay(Snapshot):
    day: dt.date
    pain_0_10: float | None = Field(default=None, ge=0, le=10, allow_inf_nan=False)
    painful_sites: tuple[str, ...] | None = Field(default=None, description="Bone ids; () none; None not answered")
    night_pain: bool | None = None
    limp: bool | None = None
    activity_limited: bool | None = None
    swelling: bool | None = None
    fever: bool | None = None
    temperature_c: float | None = Field(default=None, ge=30, le=45, allow_inf_nan=False)
    fatigue: Fatigue | None = None
    school: SchoolDay | None = None
    medicines_taken: dict[str, bool] | None = Field(
        default=None, description="Medicine course record id -> taken that day; None: not asked")
    side_effects: str | None = None
    mood: Mood | None = None

    @field_validator("painful_sites")
    @classmethod
    def _known_sites(cls, v: tuple[str, ...] | None) -> tuple[str, ...] | None:
        for site in v or ():
            check_site(site)
        return v

    @property
    def painful_site_count(self) -> int | None:
        return None if self.painful_sites is None else len(set(self.painful_sites))

    @property
    def school_missed(self) -> Literal["whole", "part", "none"] | None:
        """"none" for a school day attended or a day without school; None when not answered."""
        if self.school == "whole_missed":
            return "whole"
        if self.school == "part_missed":
            return "part"
        return None if self.school is None else "none"

    @property
    def adherence(self) -> tuple[int, int] | None:
        """(taken, asked) over the medicines the diary asked about that day; None when none was asked."""
        if not self.medicines_taken:
            return None
        return sum(1 for taken in self.medicines_taken.values() if taken), len(self.medicines_taken)
