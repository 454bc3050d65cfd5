"""The family's reminders page: when the diary (and each running medicine) is expected, a grace period,
each switched on or off; and the diary days missed over the last two weeks, each a link to fill it in.

Anyone linked to the child may read the page (if they may read the diary); only the family member who
keeps the diary may change it (``diary_visibility``), since an entry in the diary is what a reminder waits
for. Schedules are the reminders service's (``records.reminders``); every change is an audited write.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from cnocare.knowledge.medicines import medicine
from cnocare.records.accounts.family_access import diary_visibility
from cnocare.records.audit.service import record_event
from cnocare.records.errors import RecordValidationError
from cnocare.records.family import diary
from cnocare.records.reminders.service import ReminderState, reminder_states, set_schedule, stop_schedule
from cnocare.security import policy
from cnocare.web.auth import WebUser
from cnocare.web.context import Db
from cnocare.web.services import principal
from cnocare.web.sessions import client_origin
from cnocare.web.ui.deps import CheckedForm, User, form_text
from cnocare.web.ui.diary import FALLBACK_ZONE, zones
from cnocare.web.ui.family import Child, family_child
from cnocare.web.ui.reminder_status import diary_state, late_entry_url, today_line
from cnocare.web.ui.render import page, redirect

router = APIRouter(include_in_schema=False)

# How long after the chosen time the family is reminded. A product choice (how soon a nudge helps rather
# than nags), not a clinical figure: nothing clinical is decided by it.
GRACE_CHOICES: tuple[tuple[int, str], ...] = ((0, "at that time"), (30, "30 minutes later"),
                                              (60, "1 hour later"), (120, "2 hours later"), (240, "4 hours later"))
DEFAULT_TIME, DEFAULT_GRACE = "19:00", 60
TIME = re.compile(r"([01]?\d|2[0-3])[:.]([0-5]\d)")
LABELS = {"reminder": "Reminder", "time": "Time", "time_zone": "Time zone", "grace": "Remind me",
          "course": "Medicine"}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _child(db: Session, user: WebUser, patient_id: str, *, write: bool) -> tuple[Child, bool]:
    child = family_child(db, user, patient_id, "diary:write" if write else "family:read", part="reminders")
    access = diary_visibility(db_session=db, user_id=principal(user).user_id, patient_id=child.id)
    if write and not access.can_write:
        raise policy.Forbidden(f"{child.name}'s diary is kept by someone else in the family, so they set its "
                               "reminders: you can see them but not change them")
    return child, access.can_read


def _courses(db: Session, child: Child, zone: str) -> list[tuple[str, str]]:
    """The child's running medicine courses, by the name the family knows."""
    day = diary.today_in(_now(), zone)
    out = []
    for c in diary.active_medicines(db_session=db, patient_id=child.id, day=day):
        known = medicine(c.drug)
        out.append((str(c.record_id), known.label if known else str(c.drug)))
    return out


def _values_of(state: ReminderState | None, zone: str) -> dict[str, str]:
    if state is None or state.schedule.daily_time is None:
        return {"reminder": "off", "time": DEFAULT_TIME, "time_zone": zone, "grace": str(DEFAULT_GRACE)}
    s = state.schedule
    assert s.daily_time is not None
    return {"reminder": "on", "time": s.daily_time.strftime("%H:%M"), "time_zone": s.time_zone,
            "grace": str(s.grace_minutes)}


def _zone(request: Request, db: Session, child: Child, states: list[ReminderState]) -> str:
    """The reminder's zone, else the browser's (``?tz=``), else the latest diary entry's, else UTC."""
    if states:
        return states[0].schedule.time_zone
    asked = request.query_params.get("tz", "")
    if asked in zones():
        return asked
    latest = diary.entries(db_session=db, patient_id=child.id)
    return str(latest[0].time_zone) if latest else FALLBACK_ZONE


def _page(request: Request, db: Session, user: WebUser, patient_id: str, *, posted: str | None = None,
          values: dict[str, str] | None = None, errors: dict[str, str] | None = None) -> HTMLResponse:
    child, can_read = _child(db, user, patient_id, write=False)
    if not can_read:  # the reminders would tell which days have an entry
        return page(request, "family/reminders.html", {"child": child, "section": "reminders", "hidden": True})
    now = _now()
    states = reminder_states(db_session=db, patient_id=child.id, now=now)
    zone = _zone(request, db, child, states)
    state = diary_state(states)
    by_course = {s.schedule.medicine_record_id: s for s in states if s.schedule.kind == "medicine"}
    courses = _courses(db, child, zone)
    forms = {"diary": _values_of(state, zone), **{rid: _values_of(by_course.get(rid), zone) for rid, _ in courses}}
    if posted is not None and values is not None:
        forms[posted] = values  # a refused form comes back as it was typed
    missed = [(d, late_entry_url(child.id, d, state.schedule.time_zone)) for d in reversed(state.missed_days)] \
        if state else []
    can_write = diary_visibility(db_session=db, user_id=principal(user).user_id, patient_id=child.id).can_write
    return page(request, "family/reminders.html", {
        "child": child, "section": "reminders", "forms": forms, "posted": posted, "errors": errors or {},
        "courses": courses, "grace_choices": GRACE_CHOICES, "zones": zones(), "can_write": can_write, "missed": missed,
        "line": today_line(state, child.id, now), "diary_on": state is not None,
        "fresh": not states and posted is None}, status_code=422 if errors else 200)


@router.get("/family/{patient_id}/reminders", response_class=HTMLResponse)
def reminders_page(request: Request, patient_id: str, user: User, db: Db) -> HTMLResponse:
    return _page(request, db, user, patient_id)


def _read(form: Any, *, zones_known: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str], dict[str, Any]]:
    """The form as typed, the problems by field (in plain words, with what was typed), the schedule's fields."""
    values = {name: form_text(form, name) for name in ("reminder", "time", "time_zone", "grace", "course")}
    errors: dict[str, str] = {}
    if values["reminder"] not in ("on", "off"):
        errors["reminder"] = "Choose on or off."
    if values["reminder"] == "off":
        return values, errors, {}
    match = TIME.fullmatch(values["time"])
    if not match:
        errors["time"] = (f"“{values['time']}” is not a time of day. Type hours and minutes on the 24-hour clock, "
                          "from 00:00 to 23:59, such as 19:00.")
    if values["time_zone"] not in zones_known:
        errors["time_zone"] = (f"“{values['time_zone']}” is not a time zone we know. Choose one from the list, "
                               "such as Europe/London.")
    graces = {str(minutes) for minutes, _ in GRACE_CHOICES}
    if values["grace"] not in graces:
        errors["grace"] = "Choose when to be reminded from the list."
    if errors:
        return values, errors, {}
    assert match is not None
    return values, errors, {"daily_time": dt.time(int(match.group(1)), int(match.group(2))),
                            "time_zone": values["time_zone"], "grace_minutes": int(values["grace"])}


def _save(request: Request, db: Session, user: WebUser, child: Child, state: ReminderState | None,
          fields: dict[str, Any], what: dict[str, Any], label: str) -> str:
    """Starts, changes or stops one reminder and audits it; the flash message."""
    ip, agent = client_origin(request)
    me = principal(user)
    if not fields:
        if state is None:
            return f"The {label} reminder was already off."
        stopped = stop_schedule(db_session=db, schedule_id=state.schedule.id)
        record_event(db_session=db, action="update", principal=me, record_type="reminder_schedule",
                     record_id=stopped.id, patient_id=child.id, fields=["stopped_at"], ip=ip, user_agent=agent)
        return f"The {label} reminder is off."
    s = state.schedule if state else None
    if s is not None and (s.daily_time, s.time_zone, s.grace_minutes) == (
            fields["daily_time"], fields["time_zone"], fields["grace_minutes"]):
        return f"The {label} reminder was already set like this."  # unchanged: its start (and record) stays
    saved = set_schedule(db_session=db, patient_id=child.id, data={**what, **fields}, actor=me.actor)
    record_event(db_session=db, action="create", principal=me, record_type="reminder_schedule",
                 record_id=saved.id, patient_id=child.id, fields=["daily_time", "grace_minutes", "time_zone"],
                 ip=ip, user_agent=agent, detail="replaces an earlier schedule" if s else None)
    return f"Saved: the {label} reminder is at {fields['daily_time']:%H:%M} ({fields['time_zone']})."


@router.post("/family/{patient_id}/reminders/diary", response_class=HTMLResponse)
def set_diary_reminder(request: Request, patient_id: str, user: User, db: Db, form: CheckedForm) -> Response:
    child, _ = _child(db, user, patient_id, write=True)
    values, errors, fields = _read(form, zones_known=zones())
    if errors:
        return _page(request, db, user, patient_id, posted="diary", values=values, errors=errors)
    state = diary_state(reminder_states(db_session=db, patient_id=child.id))
    message = _save(request, db, user, child, state, fields, {"kind": "diary"}, "diary")
    db.commit()
    return redirect(request, f"/family/{child.id}/reminders", flash=message)


@router.post("/family/{patient_id}/reminders/medicine", response_class=HTMLResponse)
def set_medicine_reminder(request: Request, patient_id: str, user: User, db: Db, form: CheckedForm) -> Response:
    child, _ = _child(db, user, patient_id, write=True)
    values, errors, fields = _read(form, zones_known=zones())
    states = reminder_states(db_session=db, patient_id=child.id)
    names = dict(_courses(db, child, _zone(request, db, child, states)))
    course = values["course"]
    if course not in names:
        errors = {"course": f"“{course}” is not one of {child.name}'s running medicines; choose one from the list."}
        return _page(request, db, user, patient_id, posted="unknown", values=values, errors=errors)
    if errors:
        return _page(request, db, user, patient_id, posted=course, values=values, errors=errors)
    state = next((s for s in states if s.schedule.medicine_record_id == course), None)
    try:
        message = _save(request, db, user, child, state, fields,
                        {"kind": "medicine", "medicine_record_id": course}, names[course])
    except RecordValidationError as exc:  # the course stopped between the page and the save
        db.rollback()
        return _page(request, db, user, patient_id, posted="unknown", values=values,
                     errors={"course": str(exc.errors[0]["message"])})
    db.commit()
    return redirect(request, f"/family/{child.id}/reminders", flash=message)
