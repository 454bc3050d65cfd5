"""Red-flag triage of a family's diary entry (pure; rules in knowledge/data/triage.yaml).

The warning-sign questions of the diary map to three levels: emergency (seek emergency help now),
contact the care team today (and alert the team), or routine. A fever is also read from the temperature
(at or above the site's fever threshold) and from the family's "fever today", and a new painful site from
the previous entry, so a family that only records numbers is still triaged. Unanswered is not "no": the
result lists what was not answered.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from cnocare.clinical.facts import FEVER_THRESHOLD_C
from cnocare.knowledge.catalogue import bone_sites
from cnocare.knowledge.triage import TriageLevel, triage_rules


class DiaryAnswers(BaseModel):
    """What the family recorded for a day: numbers, sites and the warning-sign questions (None: not
    answered)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    day: dt.date
    pain_0_10: float | None = Field(default=None, ge=0, le=10, allow_inf_nan=False)
    painful_sites: tuple[str, ...] | None = None
    temperature_c: float | None = Field(default=None, ge=30, le=45, allow_inf_nan=False)
    fever: bool | None = None  # the family's own "fever today?", with or without a reading
    warning_signs: dict[str, bool] = Field(default_factory=dict)


class TriageResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    level: TriageLevel
    family_reasons: tuple[str, ...]
    staff_reasons: tuple[str, ...]
    instruction: str
    unanswered: tuple[str, ...]


INSTRUCTIONS = {
    "emergency": "Seek emergency help now: call {emergency_number} or go to the nearest emergency department.",
    "contact_team": "Contact your care team today. We have also let them know.",
    "routine": "Thank you. Keep recording; contact your care team if anything worries you.",
}


def _feverish(answers: DiaryAnswers) -> bool:
    reading = answers.temperature_c
    return answers.fever is True or (reading is not None and reading >= FEVER_THRESHOLD_C)


def triage(entry: DiaryAnswers, previous: DiaryAnswers | None = None, *,
           emergency_number: str = "your local emergency number") -> TriageResult:
    rules = triage_rules().rules
    known = {r.answer for r in rules}
    unknown = sorted(set(entry.warning_signs) - known)
    if unknown:
        raise ValueError(f"warning sign {unknown[0]!r}; accepted: {', '.join(sorted(known))}")
    answers = dict(entry.warning_signs)
    family: list[str] = []
    staff: list[str] = []
    if _feverish(entry) and not (previous and _feverish(previous)):
        answers["new_fever_or_chills"] = True
        staff.append(f"temperature {entry.temperature_c:g} °C" if entry.temperature_c is not None
                     and entry.temperature_c >= FEVER_THRESHOLD_C else "the family reports a fever")
    if previous is not None and entry.painful_sites and previous.painful_sites is not None:
        new = sorted(set(entry.painful_sites) - set(previous.painful_sites))
        if new:
            answers["new_or_spreading_pain"] = True
            staff.append("new painful site(s): " + ", ".join(bone_sites()[s].label for s in new if s in bone_sites()))
    fired = [r for r in rules if answers.get(r.answer) is True]
    level: TriageLevel = "emergency" if any(r.level == "emergency" for r in fired) else \
        ("contact_team" if fired else "routine")
    family += [r.family for r in fired]
    staff = [r.staff for r in fired] + staff
    unanswered = tuple(r.family for r in rules if r.answer not in answers)
    return TriageResult(level=level, family_reasons=tuple(family), staff_reasons=tuple(staff),
                        instruction=INSTRUCTIONS[level].format(emergency_number=emergency_number),
                        unanswered=unanswered)
