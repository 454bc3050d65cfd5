"""What the family reads of the diary reminder: the one line on Today, and the days missed lately.

Shared by Today (``web.ui.diary``) and the reminders page (``web.ui.family_reminders``). A day counts as
missed only once its reminder had started and its grace period ran out without an entry: a day before the
reminder began stays unknown, and a day filled in late is no longer missed (``records.reminders``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from cnocare.clinical.schedule_status import DailyAt, Status
from cnocare.records.reminders.service import ReminderState, reminder_states


@dataclass(frozen=True)
class StatusLine:
    text: str
    link: str | None = None  # the late-entry form for the missing day
    link_text: str | None = None
    problem: bool = False


def diary_state(states: list[ReminderState]) -> ReminderState | None:
    return next((s for s in states if s.schedule.kind == "diary"), None)


def late_entry_url(patient_id: str, day: dt.date, zone: str) -> str:
    return f"/family/{patient_id}/diary/new?day={day.isoformat()}&tz={zone}"


def _day_words(day: dt.date, today: dt.date) -> str:
    if day == today:
        return "Today's diary"
    if day == today - dt.timedelta(days=1):
        return "Yesterday's diary"
    return f"The diary for {day:%A %-d %B}"


def today_line(state: ReminderState | None, patient_id: str, now: dt.datetime) -> StatusLine | None:
    """None without a diary reminder (nothing is expected, so nothing is missing)."""
    if state is None:
        return None
    zone = DailyAt(dt.time(0), state.schedule.time_zone).tz
    today = now.astimezone(zone).date()
    missed = state.missed_days
    if missed:
        last = missed[-1]
        more = len(missed) - 1
        return StatusLine(f"{_day_words(last, today)} is missing" + (
            f" (and {more} more day{'s' if more > 1 else ''} in the last two weeks)" if more else ""),
            late_entry_url(patient_id, last, state.schedule.time_zone), "fill it in", problem=True)
    due = state.status.due_at
    if due is not None and state.status.status in (Status.new, Status.up, Status.grace):
        local = due.astimezone(zone)
        if local.date() == today:
            return StatusLine(f"Reminder due at {local:%H:%M}")
        if state.status.status is Status.new:  # started after today's time: nothing was expected yet
            return StatusLine(f"Reminder due at {local:%H:%M} tomorrow")
    return StatusLine("Diary up to date")


def diary_today_line(db: Session, patient_id: str, now: dt.datetime) -> StatusLine | None:
    return today_line(diary_state(reminder_states(db_session=db, patient_id=patient_id, now=now)), patient_id, now)
