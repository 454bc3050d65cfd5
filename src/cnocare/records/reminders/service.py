"""Reminder schedules and their status: is the diary (or a medicine) overdue, and which days were missed?

A diary entry counts for the day it describes: one made on that day counts at the moment it was made, one
filled in afterwards counts as on time for its day (the family caught up; the day is not missed). A
medicine counts on a day whose diary says it was taken. The status itself is the pure core's
(``clinical.schedule_status``). Flushes, never commits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from cnocare.clinical.schedule_status import (
    DailyAt,
    EveryHours,
    Schedule,
    ScheduleStatus,
    missed_due_times,
    schedule_status,
)
from cnocare.records.clock import as_aware_utc, as_naive_utc, utcnow
from cnocare.records.errors import RecordNotFoundError, RecordValidationError
from cnocare.records.family.models import DiaryEntryRecord
from cnocare.records.models import MedicineCourseRecord
from cnocare.records.reminders.models import ReminderSchedule
from cnocare.records.reminders.schemas import ReminderScheduleCreate, ReminderScheduleRead


def set_schedule(*, db_session: Session, patient_id: str, data: ReminderScheduleCreate | Mapping[str, Any],
                 actor: str, now: dt.datetime | None = None) -> ReminderScheduleRead:
    """Starts a schedule; one for the same thing (the diary, or the same medicine) is stopped first."""
    try:
        fields = data if isinstance(data, ReminderScheduleCreate) else ReminderScheduleCreate.model_validate(dict(data))
    except ValidationError as exc:
        raise RecordValidationError.from_pydantic(exc) from None
    when = as_naive_utc(now) if now else utcnow()
    if fields.kind == "medicine" and not db_session.scalar(select(MedicineCourseRecord.id).where(
            MedicineCourseRecord.record_id == fields.medicine_record_id,
            MedicineCourseRecord.patient_id == patient_id, MedicineCourseRecord.is_current.is_(True))):
        raise RecordValidationError.single("medicine_record_id", fields.medicine_record_id,
                                           "is not one of this child's medicines; choose one from the list")
    db_session.execute(update(ReminderSchedule).where(
        ReminderSchedule.patient_id == patient_id, ReminderSchedule.kind == fields.kind,
        ReminderSchedule.stopped_at.is_(None),
        ReminderSchedule.medicine_record_id.is_(None) if fields.medicine_record_id is None
        else ReminderSchedule.medicine_record_id == fields.medicine_record_id).values(stopped_at=when))
    row = ReminderSchedule(patient_id=patient_id, **fields.model_dump(), started_at=when, created_at=when,
                           created_by=actor)
    db_session.add(row)
    db_session.flush()
    return ReminderScheduleRead.model_validate(row)


def stop_schedule(*, db_session: Session, schedule_id: int, now: dt.datetime | None = None) -> ReminderScheduleRead:
    row = db_session.get(ReminderSchedule, schedule_id)
    if row is None:
        raise RecordNotFoundError("reminder schedule", schedule_id)
    if row.stopped_at is None:
        row.stopped_at = as_naive_utc(now) if now else utcnow()
        db_session.flush()
    return ReminderScheduleRead.model_validate(row)


def active_schedules(*, db_session: Session, patient_ids: Collection[str] | None = None) -> list[ReminderSchedule]:
    statement = select(ReminderSchedule).where(ReminderSchedule.stopped_at.is_(None))
    if patient_ids is not None:
        statement = statement.where(ReminderSchedule.patient_id.in_(list(patient_ids)))
    return list(db_session.scalars(statement.order_by(ReminderSchedule.patient_id, ReminderSchedule.id)))


def rule_of(row: ReminderSchedule | ReminderScheduleRead) -> Schedule:
    if row.daily_time is not None:
        return DailyAt(row.daily_time, row.time_zone)
    assert row.every_hours is not None
    return EveryHours(row.every_hours)


def diary_entries(db_session: Session, patient_id: str) -> list[Any]:
    """The child's current diary entries: (day, when it was made, the medicines it says were taken)."""
    return list(db_session.execute(select(DiaryEntryRecord.day, DiaryEntryRecord.created_at,
                                          DiaryEntryRecord.medicines_taken).where(
        DiaryEntryRecord.patient_id == patient_id, DiaryEntryRecord.is_current.is_(True),
        DiaryEntryRecord.voided_at.is_(None))))


def entry_times(row: ReminderSchedule, entries: list[Any]) -> list[dt.datetime]:
    """When each diary entry (of those that count for this schedule) happened, as the schedule reads it."""
    rule = rule_of(row)
    times = []
    for day, created_at, taken in entries:
        if row.kind == "medicine" and not (taken or {}).get(row.medicine_record_id or ""):
            continue
        made = as_aware_utc(created_at)
        times.append(min(made, rule.due_on(day)) if isinstance(rule, DailyAt) else made)
    return sorted(times)


@dataclass(frozen=True)
class ReminderState:
    schedule: ReminderScheduleRead
    label: str  # "Diary" or the medicine's name
    status: ScheduleStatus
    missed: list[dt.datetime]  # due times missed in the window, oldest first (aware UTC)
    last_entry: dt.datetime | None

    @property
    def missed_days(self) -> list[dt.date]:
        """The missed due times as the family's local dates."""
        zone = DailyAt(dt.time(0), self.schedule.time_zone).tz
        return [m.astimezone(zone).date() for m in self.missed]


def _replaced(db_session: Session, row: ReminderSchedule, *, since: dt.datetime) -> list[ReminderSchedule]:
    """The earlier schedules for the same thing (the diary, or the same medicine) that ran in the window: the
    ones this replaced, or ones stopped before it. Each counts only while it ran: a day with no reminder set
    is never a missed one."""
    return list(db_session.scalars(select(ReminderSchedule).where(
        ReminderSchedule.patient_id == row.patient_id, ReminderSchedule.kind == row.kind,
        ReminderSchedule.medicine_record_id.is_(None) if row.medicine_record_id is None
        else ReminderSchedule.medicine_record_id == row.medicine_record_id,
        ReminderSchedule.id != row.id, ReminderSchedule.stopped_at.is_not(None),
        ReminderSchedule.stopped_at >= as_naive_utc(since), ReminderSchedule.started_at < row.started_at)))


def _label(db_session: Session, row: ReminderSchedule) -> str:
    if row.kind == "diary":
        return "Diary"
    drug = db_session.scalar(select(MedicineCourseRecord.drug).where(
        MedicineCourseRecord.record_id == row.medicine_record_id, MedicineCourseRecord.is_current.is_(True)))
    return str(drug) if drug else "Medicine"


def state_of(db_session: Session, row: ReminderSchedule, *, now: dt.datetime,
             window: dt.timedelta = dt.timedelta(days=14)) -> ReminderState:
    rule, grace = rule_of(row), dt.timedelta(minutes=row.grace_minutes)
    moment = as_aware_utc(now)
    entries = diary_entries(db_session, row.patient_id)
    times = entry_times(row, entries)
    started = as_aware_utc(row.started_at)
    status = schedule_status(rule, grace=grace, now=moment, last_event=times[-1] if times else None,
                             started=started)
    missed = missed_due_times(rule, grace=grace, now=moment, started=started, events=times, since=moment - window)
    # A changed reminder (a new time, a new grace) keeps the days missed under the one it replaced.
    for before in _replaced(db_session, row, since=moment - window):
        assert before.stopped_at is not None  # _replaced finds stopped schedules only
        missed += missed_due_times(rule_of(before), grace=dt.timedelta(minutes=before.grace_minutes),
                                   now=min(moment, as_aware_utc(before.stopped_at)),
                                   started=as_aware_utc(before.started_at), events=entry_times(before, entries),
                                   since=moment - window)
    missed = sorted(set(missed))
    return ReminderState(ReminderScheduleRead.model_validate(row), _label(db_session, row), status, missed,
                         times[-1] if times else None)


def reminder_states(*, db_session: Session, patient_id: str, now: dt.datetime | None = None,
                    window: dt.timedelta = dt.timedelta(days=14)) -> list[ReminderState]:
    """The family's view: each active schedule's status and the days missed in the window."""
    moment = now or as_aware_utc(utcnow())
    return [state_of(db_session, row, now=moment, window=window)
            for row in active_schedules(db_session=db_session, patient_ids=[patient_id])]


@dataclass(frozen=True)
class ClinicSummary:
    """What the clinic sees of one child's reminders: a count per schedule, not the diary itself."""

    patient_id: str
    late: list[str]  # labels of the schedules late now
    missed_in_window: dict[str, int]  # label -> missed due times in the window
    last_entry: dt.datetime | None

    @property
    def needs_attention(self) -> bool:
        return bool(self.late) or any(self.missed_in_window.values())


def clinic_summary(*, db_session: Session, patient_ids: Collection[str], now: dt.datetime | None = None,
                   window: dt.timedelta = dt.timedelta(days=14)) -> list[ClinicSummary]:
    """One line per child with a reminder schedule (scoped by the caller's ``patient_ids``)."""
    moment = now or as_aware_utc(utcnow())
    by_patient: dict[str, list[ReminderState]] = {}
    for row in active_schedules(db_session=db_session, patient_ids=patient_ids):
        by_patient.setdefault(row.patient_id, []).append(state_of(db_session, row, now=moment, window=window))
    summaries = []
    for patient_id, states in by_patient.items():
        entries = [s.last_entry for s in states if s.last_entry is not None]
        summaries.append(ClinicSummary(patient_id, [s.label for s in states if s.status.status == "late"],
                                       {s.label: len(s.missed) for s in states}, max(entries) if entries else None))
    return summaries


def claim_reminder(db_session: Session, row: ReminderSchedule, due: dt.datetime) -> bool:
    """Records that the family is being reminded of ``due``; False when someone already did (once per period,
    however many workers look)."""
    naive_due = as_naive_utc(due)
    result = db_session.execute(update(ReminderSchedule).where(
        ReminderSchedule.id == row.id,
        or_(ReminderSchedule.last_reminded_due.is_(None), ReminderSchedule.last_reminded_due < naive_due))
        .values(last_reminded_due=naive_due).execution_options(synchronize_session=False))
    return bool(result.rowcount)  # type: ignore[attr-defined]
