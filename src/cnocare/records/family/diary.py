"""Saving a family's diary entry: store it, triage it and, when it is urgent, alert the care team — all in
the caller's one transaction, so an entry is never saved without its alert (or an alert without its entry).

An edit is triaged again. An alert is raised only for warning signs the team has not already been alerted
to for this entry, so saving an unchanged edit raises nothing and an edit that newly makes the entry
urgent raises one. One entry per day: a second entry for a day that has one is refused (edit that one).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from cnocare.clinical.triage import DiaryAnswers, TriageResult, triage
from cnocare.records import versioned, writes
from cnocare.records.centres.models import Centre
from cnocare.records.errors import RecordValidationError
from cnocare.records.family.alerts import raise_alert
from cnocare.records.family.messages import tell_the_family
from cnocare.records.family.models import FamilyAlert
from cnocare.records.family.schemas import AlertRead
from cnocare.records.kinds import KINDS
from cnocare.records.patients.models import PatientRecord

DIARY = KINDS["diary"]
# Entries begun after midnight but before this hour describe the day that just ended (a parent filling it
# in at 01:00 means "today" as they lived it); the form says so and the family can change the day.
EARLY_HOURS_END = 3
LOCAL_EMERGENCY_NUMBER = "your local emergency number"
# A body temperature is accepted from 30 to 45 °C (the diary schema); the same span in °F is 86-113.
CELSIUS_RANGE = (30.0, 45.0)
FAHRENHEIT_RANGE = (86.0, 113.0)


def default_day(now: dt.datetime, time_zone: str) -> tuple[dt.date, bool]:
    """The day a new entry describes by default, and whether the early-hours rule moved it back a day.
    ``now`` is aware (any zone) or naive UTC."""
    aware = now if now.tzinfo is not None else now.replace(tzinfo=dt.UTC)
    local = aware.astimezone(ZoneInfo(time_zone))
    if local.hour < EARLY_HOURS_END:
        return local.date() - dt.timedelta(days=1), True
    return local.date(), False


def today_in(now: dt.datetime, time_zone: str) -> dt.date:
    aware = now if now.tzinfo is not None else now.replace(tzinfo=dt.UTC)
    return aware.astimezone(ZoneInfo(time_zone)).date()


def parse_temperature(text: str, unit: str) -> tuple[float, str]:
    """A temperature as typed (``38.4`` or ``38,4``) in "C" or "F" -> (°C to one decimal, as entered).
    An impossible value is refused with the unit it probably was."""
    raw = text.strip().replace(",", ".")
    if unit not in ("C", "F"):
        raise RecordValidationError.single("temperature_unit", unit, "accepted: °C or °F")
    if not re.fullmatch(r"\d{1,3}(\.\d{1,2})?", raw):
        raise RecordValidationError.single("temperature", text, "enter the thermometer's reading as a number, "
                                           "e.g. 38.2 (°C) or 100.8 (°F)")
    value = float(raw)
    symbol = f"°{unit}"
    low, high = CELSIUS_RANGE if unit == "C" else FAHRENHEIT_RANGE
    if not low <= value <= high:
        other_low, other_high = FAHRENHEIT_RANGE if unit == "C" else CELSIUS_RANGE
        other = "°F" if unit == "C" else "°C"
        hint = (f"; it looks like {other} — choose {other} and save again" if other_low <= value <= other_high
                else "")
        raise RecordValidationError.single(
            "temperature", text, f"{raw} {symbol} is not a possible body temperature{hint} (accepted: "
            f"{CELSIUS_RANGE[0]:g}–{CELSIUS_RANGE[1]:g} °C or {FAHRENHEIT_RANGE[0]:g}–{FAHRENHEIT_RANGE[1]:g} °F)")
    celsius = value if unit == "C" else (value - 32) * 5 / 9
    return round(celsius, 1), f"{raw} {symbol}"


def entries(*, db_session: Session, patient_id: str) -> list[Any]:
    """The current diary entries of a patient, newest day first."""
    rows = versioned.list_for_patient(DIARY.concept, db_session=db_session, patient_id=patient_id)
    return sorted(rows, key=lambda e: (e.day, e.created_at), reverse=True)


def entry_for_day(*, db_session: Session, patient_id: str, day: dt.date) -> Any | None:
    return next((e for e in entries(db_session=db_session, patient_id=patient_id) if e.day == day), None)


def previous_entry(*, db_session: Session, patient_id: str, day: dt.date) -> Any | None:
    """The latest entry for a day before ``day`` (the triage compares with it; "same as yesterday" copies it)."""
    return next((e for e in entries(db_session=db_session, patient_id=patient_id) if e.day < day), None)


def active_medicines(*, db_session: Session, patient_id: str, day: dt.date) -> list[Any]:
    """The medicine courses running on ``day``: started by then (or start not known) and not stopped
    before it. The diary asks about these."""
    courses = versioned.list_for_patient(KINDS["medicines"].concept, db_session=db_session, patient_id=patient_id)
    running = [c for c in courses if (c.start is None or c.start <= day) and (c.stop is None or c.stop >= day)]
    return sorted(running, key=lambda c: c.drug.lower())


def emergency_number_for(*, db_session: Session, patient_id: str) -> str | None:
    number: str | None = db_session.scalar(select(Centre.emergency_number).join(
        PatientRecord, PatientRecord.centre_id == Centre.id).where(PatientRecord.id == patient_id))
    return number


def answers_of(entry: Any) -> DiaryAnswers:
    return DiaryAnswers(day=entry.day, pain_0_10=entry.pain_0_10, painful_sites=entry.painful_sites,
                        temperature_c=entry.temperature_c, fever=entry.fever,
                        warning_signs=dict(entry.warning_signs or {}))


def triage_entry(*, db_session: Session, entry: Any, emergency_number: str | None) -> TriageResult:
    previous = previous_entry(db_session=db_session, patient_id=str(entry.patient_id), day=entry.day)
    return triage(answers_of(entry), answers_of(previous) if previous is not None else None,
                  emergency_number=emergency_number or LOCAL_EMERGENCY_NUMBER)


@dataclass(frozen=True)
class SavedEntry:
    entry: Any
    triage: TriageResult
    alert: AlertRead | None  # None: routine, or the team already has an alert for every sign in it


def save_entry(*, db_session: Session, patient_id: str, data: BaseModel | Mapping[str, Any], actor: str,
               record_id: str | None = None, expected_version: int | None = None,
               reason: str = "changed by the family") -> SavedEntry:
    """Add (``record_id`` None) or edit a diary entry, triage it and raise the alert it needs. Flushes only:
    the caller commits the entry, its triage alert and the assessment refresh together."""
    fields = data if isinstance(data, BaseModel) else DIARY.create.model_validate(dict(data))
    day: dt.date = fields.day  # type: ignore[attr-defined]
    born = db_session.scalar(select(PatientRecord.date_of_birth).where(PatientRecord.id == patient_id))
    if born is not None and day < born:
        raise RecordValidationError.single("day", day.isoformat(), f"{day:%-d %B %Y} is before the date of birth "
                                           f"({born:%-d %B %Y}); choose a day from then on")
    clash = entry_for_day(db_session=db_session, patient_id=patient_id, day=day)
    if clash is not None and clash.record_id != record_id:
        raise RecordValidationError.single(
            "day", day.isoformat(), f"there is already an entry for {day:%A %-d %B %Y}; change that entry "
            "instead (one entry per day)")
    if record_id is None:
        saved = writes.add(DIARY, db_session=db_session, patient_id=patient_id, data=fields, actor=actor)
    else:
        if expected_version is None:
            raise ValueError("an edit names the version it started from")
        saved = writes.revise(DIARY, db_session=db_session, record_id=record_id, changes=fields,
                              expected_version=expected_version, actor=actor, reason=reason)
    number = emergency_number_for(db_session=db_session, patient_id=patient_id)
    result = triage_entry(db_session=db_session, entry=saved, emergency_number=number)
    alert = None
    if result.level != "routine":
        alerted = {r for reasons in db_session.scalars(
            select(FamilyAlert.family_reasons).where(FamilyAlert.diary_record_id == saved.record_id))
            for r in reasons}
        if not set(result.family_reasons) <= alerted:
            alert = raise_alert(db_session=db_session, patient_id=patient_id, level=result.level,
                                family_reasons=result.family_reasons, staff_reasons=result.staff_reasons,
                                actor=actor, diary_record_id=saved.record_id, diary_version=saved.version)
            # The message to the family: every linked account sees it, not only whoever typed the entry
            # (a parent at work learns what the other parent recorded).
            tell_the_family(db_session=db_session, patient_id=patient_id, kind=f"triage_{result.level}",
                            text=f"Diary for {day:%A %-d %B}: {'; '.join(result.family_reasons)}. "
                            f"{result.instruction}"[:2000], link=f"/family/{patient_id}?entry={saved.record_id}",
                            diary_readers_only=True)
    return SavedEntry(entry=saved, triage=result, alert=alert)


# What "same as yesterday" copies: the answers that tend to carry over. Never the day, the note, a
# fever or its reading, or the warning signs (each of those is asked afresh every day).
CARRIED = ("pain_scale", "pain_0_10", "painful_areas", "painful_sites", "night_pain", "limp",
           "activity_limited", "swelling", "fatigue", "school", "medicines_taken", "side_effects", "mood")


def carried_forward(entry: Any) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in CARRIED}
