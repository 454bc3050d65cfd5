"""The family's Today page and diary: fill in a day in under a minute on a phone, late or back-dated
entries, "same as yesterday", edits with their history, and the triage answer after every save.

The entry, its triage and the care team's alert are saved in one transaction (``records.family.diary``).
A refused form comes back as typed with the problem beside its field. The page works without JavaScript
(plain POST); with it (static/diary.js) a draft is kept on the phone and a save that cannot reach the
server keeps what was typed and says so.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy.orm import Session

from cnocare.knowledge.body_map import body_areas
from cnocare.knowledge.education import learn_url
from cnocare.knowledge.medicines import medicine
from cnocare.knowledge.triage import triage_rules
from cnocare.records import versioned
from cnocare.records.accounts.family_access import DiaryAccess, diary_visibility
from cnocare.records.errors import RecordNotFoundError, RecordValidationError, StaleRecordError
from cnocare.records.family import diary, queue
from cnocare.records.kinds import KINDS
from cnocare.security import policy
from cnocare.web.context import Db
from cnocare.web.forms import diary as diary_form
from cnocare.web.services import principal
from cnocare.web.ui.body_map import BACK, FRONT
from cnocare.web.ui.deps import CheckedForm, User
from cnocare.web.ui.family import Child, family_child
from cnocare.web.ui.reminder_status import diary_today_line
from cnocare.web.ui.render import page, redirect

router = APIRouter(include_in_schema=False)
FALLBACK_ZONE = "UTC"
RECENT = 14


@cache
def zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


def _access(db: Session, user: Any, child: Child) -> DiaryAccess:
    """Who keeps the diary decides who writes it, and whether parents read it (``diary_visibility``)."""
    return diary_visibility(db_session=db, user_id=principal(user).user_id, patient_id=child.id)


def _writer(db: Session, user: Any, patient_id: str) -> Child:
    child = family_child(db, user, patient_id, action="diary:write")
    if not _access(db, user, child).can_write:
        raise policy.Forbidden(f"{child.name}'s diary is kept by someone else in the family: you can read it "
                               "but not change it")
    return child


def _reader(db: Session, user: Any, patient_id: str) -> Child:
    child = family_child(db, user, patient_id, action="family:read")
    if not _access(db, user, child).can_read:
        raise policy.Forbidden(f"{child.name} keeps their own diary and has chosen not to share it")
    return child


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _zone(request: Request, db: Session, child: Child) -> str:
    """The family's zone: the browser's (``?tz=``, set by diary.js), else the last entry's, else UTC."""
    asked = request.query_params.get("tz", "")
    if asked in zones():
        return asked
    latest = diary.entries(db_session=db, patient_id=child.id)
    return str(latest[0].time_zone) if latest else FALLBACK_ZONE


def _medicines(db: Session, child: Child, day: dt.date, entry: Any = None) -> list[tuple[str, str]]:
    """The courses the diary asks about: those running on ``day``, and any an edited entry already answers
    (a course stopped since keeps its answer)."""
    courses = diary.active_medicines(db_session=db, patient_id=child.id, day=day)
    answered = set((entry.medicines_taken or {}) if entry is not None else ()) - {str(c.record_id) for c in courses}
    if answered:
        courses += [c for c in versioned.list_for_patient(KINDS["medicines"].concept, db_session=db,
                                                          patient_id=child.id) if str(c.record_id) in answered]
    out = []
    for c in courses:
        known = medicine(c.drug)
        out.append((str(c.record_id), known.label if known else c.drug))
    return out


def _form_page(request: Request, db: Session, child: Child, values: dict[str, Any], *, entry: Any = None,
               errors: dict[str, str] | None = None, notice: str | None = None, status_code: int = 200,
               template: str = "family/diary_entry.html", extra: dict[str, Any] | None = None) -> Response:
    zone = values.get("time_zone") or FALLBACK_ZONE
    today = diary.today_in(_now(), zone if zone in zones() else FALLBACK_ZONE)
    try:
        day = dt.date.fromisoformat(values.get("day") or "")
    except ValueError:
        day = today
    previous = diary.previous_entry(db_session=db, patient_id=child.id, day=day)
    context = {
        "child": child, "section": "today", "values": values, "errors": errors or {}, "entry": entry,
        "notice": notice, "faces": diary_form.FACES, "yes_no": diary_form.YES_NO_QUESTIONS,
        "choices": diary_form.CHOICES, "areas": list(body_areas().values()), "front": FRONT, "back": BACK,
        "signs": triage_rules().rules, "medicines": _medicines(db, child, day, entry), "zones": zones(),
        "max_day": today.isoformat(), "is_late": day < today, "day": day,
        "previous": previous if entry is None else None,
        "action": f"/family/{child.id}/diary/{entry.record_id}/edit" if entry else f"/family/{child.id}/diary",
        **(extra or {}),
    }
    return page(request, template, context, status_code=status_code)


def _new_values(db: Session, child: Child, zone: str, day: dt.date | None, copy: bool) -> dict[str, Any]:
    latest = diary.entries(db_session=db, patient_id=child.id)
    values: dict[str, Any] = {"areas": set(), "signs": set(), "medicines": {}, "nowhere": False,
                              "pain_scale": (latest[0].pain_scale or "faces") if latest else "faces",
                              "temperature_unit": _last_unit(latest)}
    if day is None:
        day = diary.default_day(_now(), zone)[0]
    if copy:
        previous = diary.previous_entry(db_session=db, patient_id=child.id, day=day)
        if previous is not None:
            values.update(diary_form.values_from_entry(_Copied(diary.carried_forward(previous))))
            values["copied_from"] = previous.day
    values.update(day=day.isoformat(), time_zone=zone)
    return values


def _scale(request: Request, values: dict[str, Any]) -> dict[str, Any]:
    """``?scale=`` (the no-script switch between faces and numbers) overrides the remembered choice."""
    if request.query_params.get("scale") in ("faces", "numeric"):
        values["pain_scale"] = request.query_params["scale"]
    return values


class _Copied:
    """A previous entry's carried answers, read like an entry by ``values_from_entry``."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.__dict__.update(answers)


def _last_unit(latest: list[Any]) -> str:
    for e in latest:
        if e.temperature_as_entered:
            return "F" if str(e.temperature_as_entered).endswith("°F") else "C"
    return "C"


@router.get("/family/{patient_id}", response_class=HTMLResponse)
def today(request: Request, user: User, db: Db, patient_id: str) -> Response:
    child = family_child(db, user, patient_id, action="family:read")
    access = _access(db, user, child)
    if not access.can_read:  # nothing of the diary, not even whether today has an entry
        return page(request, "family/today.html", {"child": child, "section": "today", "hidden": True})
    zone = _zone(request, db, child)
    day, early = diary.default_day(_now(), zone)
    existing = diary.entry_for_day(db_session=db, patient_id=child.id, day=day)
    recent = diary.entries(db_session=db, patient_id=child.id)[:RECENT]
    result = None
    wanted = request.query_params.get("entry")
    shown = _entry(db, child, wanted) if wanted else existing  # ?entry=: the entry just saved
    number = diary.emergency_number_for(db_session=db, patient_id=child.id)
    if shown is not None:
        result = diary.triage_entry(db_session=db, entry=shown, emergency_number=number)
    by_words = {r.family: r.id for r in triage_rules().rules}
    reasons = [(words, learn_url("triage_rule", by_words[words]) if words in by_words else None)
               for words in (result.family_reasons if result else ())]
    copy = request.query_params.get("copy") == "1"
    extra = {"recent": recent, "existing": existing, "early": early, "result": result,
             "reasons": reasons, "emergency_number": number, "zone": zone, "can_write": access.can_write,
             "reminder_line": diary_today_line(db, child.id, _now())}
    if existing is not None or not access.can_write:
        return page(request, "family/today.html", {"child": child, "section": "today", "day": day, **extra,
                                                   "max_day": diary.today_in(_now(), zone).isoformat()})
    values = _scale(request, _new_values(db, child, zone, day, copy))
    return _form_page(request, db, child, values, template="family/today.html", extra=extra)


@router.get("/family/{patient_id}/diary/new", response_class=HTMLResponse)
def new_entry(request: Request, user: User, db: Db, patient_id: str) -> Response:
    """A late or back-dated entry (``?day=``); a day that has an entry opens that entry instead."""
    child = _writer(db, user, patient_id)
    zone = _zone(request, db, child)
    try:
        day = dt.date.fromisoformat(request.query_params.get("day", ""))
    except ValueError:
        day = diary.default_day(_now(), zone)[0]
    existing = diary.entry_for_day(db_session=db, patient_id=child.id, day=day)
    if existing is not None:
        return redirect(request, f"/family/{child.id}/diary/{existing.record_id}/edit",
                        flash=f"There is already an entry for {day:%A %-d %B}; you can change it here.")
    values = _scale(request, _new_values(db, child, zone, day, request.query_params.get("copy") == "1"))
    return _form_page(request, db, child, values)


@router.post("/family/{patient_id}/diary", response_class=HTMLResponse)
def save_new(request: Request, user: User, db: Db, patient_id: str, form: CheckedForm) -> Response:
    child = _writer(db, user, patient_id)
    return _save(request, db, child, form, actor=principal(user).actor, entry=None)


@router.get("/family/{patient_id}/diary/{record_id}/edit", response_class=HTMLResponse)
def edit_entry(request: Request, user: User, db: Db, patient_id: str, record_id: str) -> Response:
    child = _writer(db, user, patient_id)
    entry = _entry(db, child, record_id)
    values = {"areas": set(), "signs": set(), "medicines": {}, "nowhere": False, "temperature_unit": "C",
              **diary_form.values_from_entry(entry), "version": str(entry.version)}
    return _form_page(request, db, child, values, entry=entry)


@router.post("/family/{patient_id}/diary/{record_id}/edit", response_class=HTMLResponse)
def save_edit(request: Request, user: User, db: Db, patient_id: str, record_id: str,
              form: CheckedForm) -> Response:
    child = _writer(db, user, patient_id)
    entry = _entry(db, child, record_id)
    return _save(request, db, child, form, actor=principal(user).actor, entry=entry)


@router.get("/family/{patient_id}/diary/{record_id}/history", response_class=HTMLResponse)
def entry_history(request: Request, user: User, db: Db, patient_id: str, record_id: str) -> Response:
    child = _reader(db, user, patient_id)
    entry = _entry(db, child, record_id)
    versions = versioned.history(diary.DIARY.concept, db_session=db, record_id=record_id)
    names = queue.display_names(db_session=db, usernames=[v.created_by for v in versions])
    rows = [(names.get(v.created_by, v.created_by), _local(v.created_at, v.time_zone), _changes(before, v))
            for before, v in zip([None, *versions[:-1]], versions, strict=True)]
    return page(request, "family/diary_history.html", {"child": child, "section": "today", "entry": entry,
                                                        "rows": list(reversed(rows)),
                                                        "can_write": _access(db, user, child).can_write})


def _local(when: dt.datetime, zone: str) -> str:
    aware = when if when.tzinfo is not None else when.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZoneInfo(zone)).strftime(f"%A %-d %B %Y at %H:%M ({zone})")


HISTORY_FIELDS = {"day": "Day", "pain_0_10": "Pain", "painful_areas": "Where it hurt", "night_pain": "Night pain",
                  "limp": "Limping", "activity_limited": "Activity cut down", "swelling": "Swelling",
                  "fever": "Fever", "temperature_as_entered": "Temperature", "fatigue": "Tiredness",
                  "school": "School", "medicines_taken": "Medicines", "side_effects": "Side effects",
                  "mood": "Mood", "warning_signs": "Warning signs", "note": "Note"}


def _changes(before: Any, after: Any) -> list[str]:
    if before is None:
        return ["First saved"]
    return [label for name, label in HISTORY_FIELDS.items() if getattr(before, name) != getattr(after, name)]


def _entry(db: Session, child: Child, record_id: str) -> Any:
    try:
        entry = versioned.get(diary.DIARY.concept, db_session=db, record_id=record_id)
    except RecordNotFoundError:
        entry = None
    if entry is None or str(entry.patient_id) != child.id:
        raise RecordNotFoundError("diary entry", record_id)
    return entry


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _save(request: Request, db: Session, child: Child, form: Any, *, actor: str, entry: Any) -> Response:
    values = diary_form.values_from_form(form)
    medicine_ids = {rid for rid, _ in _medicines(db, child, _day_or_today(values), entry)}
    try:
        data = diary_form.parse(values, medicine_ids)
        saved = diary.save_entry(db_session=db, patient_id=child.id, data=data, actor=actor,
                                 record_id=entry.record_id if entry is not None else None,
                                 expected_version=int(values["version"] or 0) if entry is not None else None)
        db.commit()
    except RecordValidationError as exc:
        db.rollback()
        errors = diary_form.field_errors(exc.errors)
        if _wants_json(request):
            return JSONResponse({"errors": errors}, status_code=422)
        return _form_page(request, db, child, values, entry=entry, errors=errors, status_code=422,
                          notice="Not saved yet: please check the answers marked below.")
    except StaleRecordError as exc:
        db.rollback()
        values["version"] = str(exc.current_version or values["version"])
        if _wants_json(request):
            return JSONResponse({"errors": {"form": str(exc)}}, status_code=409)
        return _form_page(request, db, child, values, entry=entry, status_code=409, notice=(
            "Someone else changed this entry after you opened it. Your answers are kept below; saving again "
            "replaces theirs (both stay in the entry's history)."))
    location = f"/family/{child.id}?entry={saved.entry.record_id}"
    if _wants_json(request):
        return JSONResponse({"location": location, "level": saved.triage.level})
    return redirect(request, location)


def _day_or_today(values: dict[str, Any]) -> dt.date:
    try:
        return dt.date.fromisoformat(values["day"])
    except ValueError:
        zone = values["time_zone"] if values["time_zone"] in zones() else FALLBACK_ZONE
        return dt.datetime.now(ZoneInfo(zone)).date()
