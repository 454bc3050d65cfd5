"""The follow-up schedule of one patient: what is due, overdue or not yet due, and why.

Rules are cited or site-set data (knowledge/data/followup.yaml); a rule without an interval is shown as
"interval not set by the site" rather than given a made-up one. Each item says what made it due
(the medicine and its start, the last result, the lesion that calls for surveillance).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cnocare.clinical.case import Case
from cnocare.knowledge.catalogue import bone_sites, lab_tests, label
from cnocare.knowledge.followup import FollowupRules, Rule, default_followup_rules

ScheduleStatus = Literal["overdue", "due", "not_yet_due", "interval_not_set"]


class ScheduleItem(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rule: str
    label: str
    kind: str
    status: ScheduleStatus
    due_from: dt.date | None
    due_by: dt.date | None
    last_done: dt.date | None
    reason: str
    source: str


def schedule(case: Case, on: dt.date, rules: FollowupRules | None = None) -> tuple[ScheduleItem, ...]:
    """Every applicable rule for ``case`` on day ``on``, overdue first."""
    out: list[ScheduleItem] = []
    for rule in (rules or default_followup_rules()).rules:
        why = _applies(rule, case, on)
        if why is None:
            continue
        anchor, reason = why
        last = _last_done(rule, case, on, since=anchor if rule.when_medicine else None)
        out.append(_item(rule, on, anchor, last, reason))
    order = {"overdue": 0, "due": 1, "interval_not_set": 2, "not_yet_due": 3}
    return tuple(sorted(out, key=lambda i: (order[i.status], i.due_by or dt.date.max, i.label)))


def _applies(rule: Rule, case: Case, on: dt.date) -> tuple[dt.date | None, str] | None:
    if rule.when_medicine:
        active = [m for m in case.medicines if m.drug_class in rule.when_medicine and m.start is not None
                  and m.start <= on and (m.stop is None or m.stop >= on)]
        if not active:
            return None
        first = min(active, key=lambda m: m.start or on)
        return first.start, f"on {first.drug} ({label('drug_classes', first.drug_class)}) since {first.start}"
    if rule.when == "always":
        return None, "for every patient"
    lesions = [(s.date, les) for s in case.imaging if s.date <= on for les in s.lesions]
    if rule.when == "vertebral_lesion":
        hits = [(d, les) for d, les in lesions if bone_sites()[les.site].kind == "vertebra"]
        return (hits[0][0], f"vertebral lesion at {bone_sites()[hits[0][1].site].label} ({hits[0][0]})") if hits \
            else None
    if rule.when == "lower_limb_lesion":
        hits = [(d, les) for d, les in lesions if bone_sites()[les.site].region == "lower_limb"]
        return (hits[0][0], f"lower-limb lesion at {bone_sites()[hits[0][1].site].label}") if hits else None
    if rule.when == "active_disease_course":
        latest = max((s for s in case.imaging if s.date <= on and s.lesions), key=lambda s: s.date, default=None)
        if latest is None or not any(les.is_active for les in latest.lesions):
            return None
        return latest.date, f"active lesion(s) on the imaging of {latest.date}"
    return None


def _last_done(rule: Rule, case: Case, on: dt.date, since: dt.date | None) -> dt.date | None:
    dates: list[dt.date] = []
    if rule.labs:
        per_test = [{r.date for r in case.labs if r.test == t and r.date <= on and r.result != "pending"}
                    for t in rule.labs]
        complete = set.intersection(*per_test) if per_test else set()
        dates = sorted(complete)
    elif rule.modalities:
        dates = sorted(s.date for s in case.imaging if s.modality in rule.modalities and s.date <= on)
    elif rule.measurements:
        dates = sorted(m.date for m in case.measurements if m.kind in rule.measurements and m.date <= on)
    elif rule.checks:
        dates = sorted(c.date for c in case.checks if c.kind in rule.checks and c.date <= on)
    if since is not None:
        dates = [d for d in dates if d >= since]
    return dates[-1] if dates else None


def _item(rule: Rule, on: dt.date, anchor: dt.date | None, last: dt.date | None, reason: str) -> ScheduleItem:
    what = _what(rule)
    if last is None and anchor is not None and rule.first_weeks is not None:
        lo, hi = rule.first_weeks
        base, text = anchor, f"{reason}: first {what} {lo:g}–{hi:g} weeks after the start"
    elif rule.every_weeks is not None:
        lo, hi = rule.every_weeks
        if last is None:
            base, text = (anchor or on), f"{reason}: {what} not yet recorded"
            lo = hi = 0
        else:
            base, text = last, f"{reason}: last {what} {last.isoformat()}; repeat every {lo:g}–{hi:g} weeks"
    else:
        done = f"; last {last.isoformat()}" if last else "; not yet recorded"
        return ScheduleItem(rule=rule.id, label=rule.label, kind=rule.kind, status="interval_not_set",
                            due_from=None, due_by=None, last_done=last, source=rule.source,
                            reason=f"{reason}{done}. Interval not set by the site ({rule.status}).")
    due_from = base + dt.timedelta(weeks=lo)
    due_by = base + dt.timedelta(weeks=hi)
    status: ScheduleStatus = "overdue" if on > due_by else ("due" if on >= due_from else "not_yet_due")
    return ScheduleItem(rule=rule.id, label=rule.label, kind=rule.kind, status=status, due_from=due_from,
                        due_by=due_by, last_done=last, reason=text + ".", source=rule.source)


def _what(rule: Rule) -> str:
    if rule.labs:
        return ", ".join(lab_tests()[t].name for t in rule.labs)
    if rule.measurements:
        return ", ".join(label("measurements", m) for m in rule.measurements)
    if rule.checks:
        return ", ".join(label("checks", c) for c in rule.checks)
    return ", ".join(label("modalities", m) for m in rule.modalities)
