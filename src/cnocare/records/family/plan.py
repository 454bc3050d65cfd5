"""The care plan as the family sees it: medicines in plain words, the next review and tests, the goals.

Everything comes from the records and the cited catalogues, in the family's words: a medicine's name,
what it does and what to watch for come from the medicine catalogue (never the clinic's dose note, and
no dose at all: a dose is shown only where the site formulary set it, and this page has none to show);
the tests from the follow-up schedule, without the staff's reasons; the goals of the care plan without
the clinic's notes. Nothing clinical is invented: an interval the site did not set says so.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from cnocare.clinical import followup
from cnocare.knowledge.education import learn_url
from cnocare.knowledge.medicines import medicine
from cnocare.records import versioned
from cnocare.records.accounts.family_access import require_family_link
from cnocare.records.casebuilder import build_case
from cnocare.records.kinds import KINDS
from cnocare.security import policy

OPEN_GOALS = ("planned", "active", "paused")
GOAL_STATUS_WORDS = {"planned": "planned", "active": "under way", "paused": "paused for now"}


@dataclass(frozen=True)
class PlanMedicine:
    name: str
    what_it_does: str | None  # None: not in the catalogue (the care team explains it)
    good_to_know: tuple[str, ...]
    side_effects: tuple[str, ...]
    since: dt.date | None
    learn: str | None = None  # the education section about it, when the library has one


@dataclass(frozen=True)
class PlanCheck:
    what: str
    when: str  # in words: "between 3 March and 14 April 2027", "your care team will tell you when"
    overdue: bool
    last_done: dt.date | None


@dataclass(frozen=True)
class PlanGoal:
    what: str
    goal: str
    with_whom: str
    review: dt.date | None
    status: str
    learn: str | None = None


@dataclass(frozen=True)
class FamilyPlan:
    medicines: tuple[PlanMedicine, ...]
    next_review: dt.date | None
    review_overdue: bool
    blood_tests: tuple[PlanCheck, ...]
    other_checks: tuple[PlanCheck, ...]
    goals: tuple[PlanGoal, ...]


def day_words(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _when(item: followup.ScheduleItem) -> str:
    if item.status == "interval_not_set" or item.due_by is None:
        return "your care team will tell you when"
    if item.status == "overdue":
        return f"was due by {day_words(item.due_by)}: please ask your care team for a date"
    if item.due_from is None or item.due_from == item.due_by:
        return f"by {day_words(item.due_by)}"
    return f"between {day_words(item.due_from)} and {day_words(item.due_by)}"


def _medicines(db_session: Session, patient_id: str, today: dt.date) -> tuple[PlanMedicine, ...]:
    out = []
    for course in versioned.list_for_patient(KINDS["medicines"].concept, db_session=db_session, patient_id=patient_id):
        if (course.start is not None and course.start > today) or (course.stop is not None and course.stop < today):
            continue
        entry = medicine(course.drug)
        if entry is None:
            out.append(PlanMedicine(course.drug, None, (), (), course.start, learn_url("medicine", course.drug)))
            continue
        out.append(PlanMedicine(entry.label, entry.how_it_works, tuple(w.text for w in entry.warnings),
                                tuple(a.text for a in entry.adverse_effects), course.start,
                                learn_url("medicine", course.drug)))
    return tuple(sorted(out, key=lambda m: m.name.casefold()))


def _checks(items: tuple[followup.ScheduleItem, ...], *, blood: bool) -> tuple[PlanCheck, ...]:
    return tuple(PlanCheck(i.label, _when(i), i.status == "overdue", i.last_done) for i in items
                 if (i.kind == "laboratory") == blood)


def family_plan(*, db_session: Session, principal: policy.Principal, patient_id: str, today: dt.date) -> FamilyPlan:
    """The plan of a child this family account is linked to now (else NotFound)."""
    require_family_link(db_session=db_session, principal=principal, patient_id=patient_id, action="family:read")
    visits = versioned.list_for_patient(KINDS["visits"].concept, db_session=db_session, patient_id=patient_id)
    latest = max(visits, key=lambda v: v.date, default=None)
    next_review = latest.next_review_due if latest is not None else None
    schedule = followup.schedule(build_case(db_session=db_session, patient_id=patient_id, assessed_on=today), today)
    goals = [g for g in versioned.list_for_patient(KINDS["care-plan"].concept, db_session=db_session,
                                                    patient_id=patient_id) if g.status in OPEN_GOALS]
    return FamilyPlan(
        medicines=_medicines(db_session, patient_id, today), next_review=next_review,
        review_overdue=next_review is not None and next_review < today,
        blood_tests=_checks(schedule, blood=True), other_checks=_checks(schedule, blood=False),
        goals=tuple(PlanGoal(g.therapy.replace("_", " ").capitalize(), g.goal, g.owner, g.review_date,
                             GOAL_STATUS_WORDS[g.status], learn_url("care_plan", g.therapy))
                    for g in sorted(goals, key=lambda g: g.therapy)))
