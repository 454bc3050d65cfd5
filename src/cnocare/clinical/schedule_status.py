"""Is something that should happen on a schedule overdue? (pure; healthchecks-style)

A diary entry or a medicine dose is expected on a schedule: once each local day by a set time in the
family's time zone, or every N hours. From the last time it happened, the schedule, a grace period and
"now", the status is one of

- ``new``   nothing has happened yet and the first due time has not come;
- ``up``    the next due time has not come;
- ``grace`` the due time has passed, the grace period has not;
- ``late``  the grace period has passed too (the family is reminded, the clinic sees it as missed).

Daily schedules belong to the local calendar: an entry counts for the local day it was made on, so
any entry on Monday meets Monday's due time (even one after it), and the next due time is Tuesday's.
Times are computed with ``zoneinfo``: a due time on a day when the clocks change keeps its wall-clock
time; one that falls in the hour the clocks skip is the same moment an hour later on the new clock,
and one in the repeated hour is its first occurrence. Every-N-hours schedules count real hours.

Times in and out are timezone-aware (a naive time has no zone, so it is refused).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class Status(StrEnum):
    new = "new"
    up = "up"
    grace = "grace"
    late = "late"


@dataclass(frozen=True)
class DailyAt:
    """Once each local day, due by ``time`` (wall clock) in the IANA zone ``zone``."""

    time: dt.time
    zone: str

    def __post_init__(self) -> None:
        if self.time.tzinfo is not None:
            raise ValueError(f"time {self.time.isoformat()}: give the wall-clock time without a zone; the zone is "
                             "the field 'zone'")
        try:
            ZoneInfo(self.zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"zone {self.zone!r} is not a time zone; accepted: an IANA name such as "
                             "Europe/London or America/Chicago") from None

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    def due_on(self, day: dt.date) -> dt.datetime:
        """The due moment (UTC) of a local calendar day."""
        return dt.datetime.combine(day, self.time, tzinfo=self.tz).astimezone(dt.UTC)

    def first_due_from(self, start: dt.datetime) -> dt.datetime:
        day = start.astimezone(self.tz).date()
        due = self.due_on(day)
        return due if due >= start else self.due_on(day + dt.timedelta(days=1))

    def due_after_event(self, event: dt.datetime) -> dt.datetime:
        return self.due_on(event.astimezone(self.tz).date() + dt.timedelta(days=1))

    def skip_to(self, due: dt.datetime, since: dt.datetime) -> dt.datetime:
        """The first due time from ``since`` in the series that ``due`` belongs to (one per local day)."""
        return max(due, self.first_due_from(since))


@dataclass(frozen=True)
class EveryHours:
    """Again ``hours`` real hours after the last time (a dose every 12 hours)."""

    hours: float

    def __post_init__(self) -> None:
        if not (0 < self.hours <= 24 * 31):
            raise ValueError(f"hours {self.hours}: accepted more than 0 and at most {24 * 31} (31 days)")

    @property
    def period(self) -> dt.timedelta:
        return dt.timedelta(hours=self.hours)

    def first_due_from(self, start: dt.datetime) -> dt.datetime:
        return start + self.period

    def due_after_event(self, event: dt.datetime) -> dt.datetime:
        return event + self.period

    def skip_to(self, due: dt.datetime, since: dt.datetime) -> dt.datetime:
        """The first due time from ``since`` in the series ``due``, ``due`` + N hours, ..."""
        if due >= since:
            return due
        return due + self.period * math.ceil((since - due) / self.period)


Schedule: TypeAlias = DailyAt | EveryHours


@dataclass(frozen=True)
class ScheduleStatus:
    status: Status
    due_at: dt.datetime | None  # the due time the status speaks of (next, or the one passed); None: no start yet
    late_at: dt.datetime | None  # due_at + grace: from then on the status is late
    last_event: dt.datetime | None

    @property
    def changes_at(self) -> dt.datetime | None:
        """When the status changes next without a new event (None: not before one)."""
        if self.status in (Status.new, Status.up):
            return self.due_at
        return self.late_at if self.status is Status.grace else None


def _aware(name: str, when: dt.datetime | None) -> dt.datetime | None:
    if when is None:
        return None
    if when.tzinfo is None or when.utcoffset() is None:
        raise ValueError(f"{name} {when.isoformat()} has no time zone; accepted: a timezone-aware time")
    return when.astimezone(dt.UTC)


def _check_grace(grace: dt.timedelta) -> None:
    if grace < dt.timedelta(0):
        raise ValueError(f"grace {grace}: accepted zero or more")


def next_due(schedule: Schedule, *, last_event: dt.datetime | None, started: dt.datetime | None) -> dt.datetime | None:
    """The next due time: the later of "the first due time from the start" and "the next after the last
    event" (an entry made before the schedule began still covers its own day)."""
    last_event, started = _aware("last_event", last_event), _aware("started", started)
    candidates = []
    if started is not None:
        candidates.append(schedule.first_due_from(started))
    if last_event is not None:
        candidates.append(schedule.due_after_event(last_event))
    return max(candidates) if candidates else None


def schedule_status(schedule: Schedule, *, grace: dt.timedelta, now: dt.datetime,
                    last_event: dt.datetime | None = None, started: dt.datetime | None = None) -> ScheduleStatus:
    """The status at ``now``. Without an event and without a start there is nothing to be late for: new."""
    _check_grace(grace)
    now_utc = _aware("now", now)
    assert now_utc is not None
    last = _aware("last_event", last_event)
    due = next_due(schedule, last_event=last, started=started)
    if due is None:
        return ScheduleStatus(Status.new, None, None, None)
    late_at = due + grace
    if now_utc >= late_at:
        status = Status.late
    elif now_utc >= due:
        status = Status.grace
    else:
        status = Status.new if last is None else Status.up
    return ScheduleStatus(status, due, late_at, last)


def missed_due_times(schedule: Schedule, *, grace: dt.timedelta, now: dt.datetime, started: dt.datetime,
                     events: list[dt.datetime] | tuple[dt.datetime, ...],
                     since: dt.datetime | None = None) -> list[dt.datetime]:
    """Every due time from ``started`` up to ``now`` that went late without an event before its grace ran
    out: one per missed local day (daily) or per missed period (every N hours), oldest first. With ``since``,
    only those from ``since`` on (the periods before it are skipped, not walked through one by one)."""
    _check_grace(grace)
    now_utc, start, from_ = _aware("now", now), _aware("started", started), _aware("since", since)
    assert now_utc is not None and start is not None
    times = sorted(t for t in (_aware("events", e) for e in events) if t is not None)
    before = [t for t in times if t <= start]
    due = next_due(schedule, last_event=before[-1] if before else None, started=start)
    after = iter(t for t in times if t > start)
    upcoming = next(after, None)
    missed: list[dt.datetime] = []
    while due is not None and due + grace <= now_utc:
        if upcoming is not None and upcoming < due + grace:
            due = max(due, schedule.due_after_event(upcoming))
            upcoming = next(after, None)
            continue
        if from_ is not None and due < from_ and (upcoming is None or upcoming >= from_):
            due = schedule.skip_to(due, from_)  # nothing happens before ``since``: every period there is missed
            continue
        if from_ is None or due >= from_:
            missed.append(due)
        # The missed time stands in for the event that did not come, so each period is counted once.
        due = schedule.due_after_event(due)
    return missed
