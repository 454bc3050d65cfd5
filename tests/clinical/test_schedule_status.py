"""Schedule status (new/up/grace/late) of diary and medicine reminders, across boundaries and clock changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnocare.clinical.schedule_status import (
    DailyAt,
    EveryHours,
    Status,
    missed_due_times,
    next_due,
    schedule_status,
)

LONDON = ZoneInfo("Europe/London")
EVENING = DailyAt(dt.time(19, 0), "Europe/London")
HOUR = dt.timedelta(hours=1)


def london(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def status_at(now: dt.datetime, *, last: dt.datetime | None = None, started: dt.datetime | None = None,
              grace: dt.timedelta = HOUR) -> Status:
    return schedule_status(EVENING, grace=grace, now=now, last_event=last, started=started).status


def test_a_monday_entry_meets_monday_and_tuesday_evening_is_the_next_due_time() -> None:
    result = schedule_status(EVENING, grace=HOUR, now=london(2026, 6, 1, 20), last_event=london(2026, 6, 1, 8))
    assert result.status is Status.up
    assert result.due_at == london(2026, 6, 2, 19) and result.late_at == london(2026, 6, 2, 20)
    assert result.changes_at == result.due_at


def test_up_until_the_due_time_grace_from_it_late_from_its_end() -> None:
    last = london(2026, 6, 1, 8)
    assert status_at(london(2026, 6, 2, 18, 59, 59), last=last) is Status.up
    assert status_at(london(2026, 6, 2, 19), last=last) is Status.grace
    assert status_at(london(2026, 6, 2, 19, 59, 59), last=last) is Status.grace
    assert status_at(london(2026, 6, 2, 20), last=last) is Status.late


def test_without_grace_the_due_time_itself_is_late() -> None:
    last = london(2026, 6, 1, 8)
    assert status_at(london(2026, 6, 2, 19), last=last, grace=dt.timedelta(0)) is Status.late
    assert status_at(london(2026, 6, 2, 18, 59), last=last, grace=dt.timedelta(0)) is Status.up


def test_a_late_entry_still_counts_for_its_own_day() -> None:
    result = schedule_status(EVENING, grace=HOUR, now=london(2026, 6, 1, 23), last_event=london(2026, 6, 1, 22))
    assert result.status is Status.up and result.due_at == london(2026, 6, 2, 19)


def test_nothing_recorded_and_no_start_is_new_with_no_due_time() -> None:
    result = schedule_status(EVENING, grace=HOUR, now=london(2026, 6, 1, 23))
    assert result.status is Status.new and result.due_at is None and result.changes_at is None


def test_a_new_schedule_is_due_the_same_evening_when_started_before_it() -> None:
    assert next_due(EVENING, last_event=None, started=london(2026, 6, 1, 9)) == london(2026, 6, 1, 19)
    assert next_due(EVENING, last_event=None, started=london(2026, 6, 1, 19)) == london(2026, 6, 1, 19)
    assert next_due(EVENING, last_event=None, started=london(2026, 6, 1, 19, 1)) == london(2026, 6, 2, 19)
    assert status_at(london(2026, 6, 1, 18), started=london(2026, 6, 1, 9)) is Status.new
    assert status_at(london(2026, 6, 1, 20, 30), started=london(2026, 6, 1, 9)) is Status.late


def test_an_entry_before_the_schedule_began_still_covers_its_day() -> None:
    assert next_due(EVENING, last_event=london(2026, 6, 1, 8), started=london(2026, 6, 1, 9)) \
        == london(2026, 6, 2, 19)
    assert next_due(EVENING, last_event=london(2026, 5, 1, 8), started=london(2026, 6, 1, 9)) \
        == london(2026, 6, 1, 19)


def test_the_due_time_keeps_its_wall_clock_time_when_the_clocks_go_forward_and_back() -> None:
    # UK clocks went forward on 29 March 2026 and go back on 25 October 2026.
    before = london(2026, 3, 28, 12)
    due = schedule_status(EVENING, grace=HOUR, now=before, last_event=before).due_at
    assert due is not None and due.astimezone(LONDON).time() == dt.time(19) and due.hour == 18  # BST: UTC+1
    autumn = schedule_status(EVENING, grace=HOUR, now=london(2026, 10, 24, 12),
                             last_event=london(2026, 10, 24, 12)).due_at
    assert autumn is not None and autumn.astimezone(LONDON).time() == dt.time(19) and autumn.hour == 19


def test_a_due_time_in_the_skipped_hour_is_the_same_moment_on_the_new_clock() -> None:
    night = DailyAt(dt.time(1, 30), "Europe/London")  # 01:00-02:00 did not exist on 29 March 2026
    due = night.due_on(dt.date(2026, 3, 29))
    assert due == dt.datetime(2026, 3, 29, 1, 30, tzinfo=dt.UTC)
    assert due.astimezone(LONDON).time() == dt.time(2, 30)


def test_a_due_time_in_the_repeated_hour_is_its_first_occurrence() -> None:
    night = DailyAt(dt.time(1, 30), "Europe/London")  # 01:00-02:00 happened twice on 25 October 2026
    assert night.due_on(dt.date(2026, 10, 25)) == dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)


def test_every_n_hours_counts_real_hours_across_a_clock_change() -> None:
    dose = EveryHours(12)
    last = london(2026, 3, 28, 22)
    due = next_due(dose, last_event=last, started=None)
    assert due is not None and due - last == dt.timedelta(hours=12)
    assert due.astimezone(LONDON) == london(2026, 3, 29, 11)  # 12 real hours, 11:00 on the new clock


def test_bad_schedules_and_naive_times_are_refused_with_the_field_named() -> None:
    with pytest.raises(ValueError, match="zone 'Mars/Olympus' is not a time zone"):
        DailyAt(dt.time(19), "Mars/Olympus")
    with pytest.raises(ValueError, match="hours 0: accepted more than 0"):
        EveryHours(0)
    with pytest.raises(ValueError, match="now 2026-06-01T12:00:00 has no time zone"):
        schedule_status(EVENING, grace=HOUR, now=dt.datetime(2026, 6, 1, 12))
    with pytest.raises(ValueError, match="grace -1 day"):
        schedule_status(EVENING, grace=-HOUR, now=london(2026, 6, 1, 12))


def test_missed_days_are_counted_once_each_and_a_late_entry_does_not_cover_the_next_day() -> None:
    started = london(2026, 6, 1, 9)
    events = [london(2026, 6, 1, 18), london(2026, 6, 3, 21), london(2026, 6, 5, 12)]
    missed = missed_due_times(EVENING, grace=HOUR, now=london(2026, 6, 6, 22), started=started, events=events)
    # 2 June: nothing. 3 June: the entry came after the grace (missed, though it counts for the day's record).
    # 4 June: nothing. 5 June: met. 6 June: nothing by 20:00.
    assert missed == [london(2026, 6, d, 19).astimezone(dt.UTC) for d in (2, 3, 4, 6)]


def test_an_entry_within_the_grace_is_not_missed() -> None:
    missed = missed_due_times(EVENING, grace=HOUR, now=london(2026, 6, 2, 23), started=london(2026, 6, 1, 9),
                              events=[london(2026, 6, 1, 19, 59), london(2026, 6, 2, 20)])
    assert missed == [london(2026, 6, 2, 19).astimezone(dt.UTC)]


def test_missed_doses_every_n_hours_restart_from_a_late_dose() -> None:
    dose = EveryHours(12)
    start = dt.datetime(2026, 6, 1, 8, tzinfo=dt.UTC)
    events = [dt.datetime(2026, 6, 2, 10, tzinfo=dt.UTC)]  # 20:00 and 08:00 missed; late dose at 10:00, so 22:00 next
    missed = missed_due_times(dose, grace=HOUR, now=dt.datetime(2026, 6, 2, 22, 59, tzinfo=dt.UTC), started=start,
                              events=events)
    assert missed == [dt.datetime(2026, 6, 1, 20, tzinfo=dt.UTC), dt.datetime(2026, 6, 2, 8, tzinfo=dt.UTC)]


# Properties ------------------------------------------------------------------------------------------

ZONES = st.sampled_from(["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
                         "Pacific/Chatham", "America/Sao_Paulo", "Europe/Berlin", "UTC"])
MOMENTS = st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 1, 1),
                       timezones=st.just(dt.UTC))
TIMES = st.times()
GRACES = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(hours=6))


@st.composite
def daily(draw: st.DrawFn) -> DailyAt:
    return DailyAt(draw(TIMES), draw(ZONES))


SCHEDULES = st.one_of(daily(), st.floats(min_value=0.25, max_value=72).map(EveryHours))


@given(SCHEDULES, MOMENTS, GRACES, st.lists(st.timedeltas(min_value=dt.timedelta(0),
                                                          max_value=dt.timedelta(days=3)), max_size=6))
@settings(max_examples=300)
def test_without_a_new_event_the_status_only_gets_worse(schedule: DailyAt | EveryHours, last: dt.datetime,
                                                        grace: dt.timedelta, steps: list[dt.timedelta]) -> None:
    order = [Status.up, Status.grace, Status.late]
    now, seen = last, []
    for step in sorted(steps):
        seen.append(order.index(schedule_status(schedule, grace=grace, now=now + step, last_event=last).status))
    assert seen == sorted(seen)


@given(SCHEDULES, MOMENTS, GRACES)
def test_an_event_now_makes_the_status_up_with_a_later_due_time(schedule: DailyAt | EveryHours,
                                                                now: dt.datetime, grace: dt.timedelta) -> None:
    result = schedule_status(schedule, grace=grace, now=now, last_event=now)
    assert result.status is Status.up and result.due_at is not None and result.due_at > now


@given(daily(), st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 1, 1)))
def test_daily_due_times_are_a_day_apart_give_or_take_the_clock_change(schedule: DailyAt, day: dt.date) -> None:
    first, second = schedule.due_on(day), schedule.due_on(day + dt.timedelta(days=1))
    # A day is 24 hours, give or take a clock change (at most 1 hour anywhere today; Lord Howe moves 30 minutes).
    assert dt.timedelta(hours=23) <= second - first <= dt.timedelta(hours=25)
    wall = first.astimezone(schedule.tz).replace(tzinfo=None)
    asked = dt.datetime.combine(day, schedule.time)
    # The wall time asked for, unless the clocks skipped it: then later by at most the skipped hour.
    assert dt.timedelta(0) <= wall - asked <= dt.timedelta(hours=1)


@given(daily(), MOMENTS, st.integers(min_value=1, max_value=40), GRACES)
@settings(max_examples=100)
def test_with_no_entries_every_local_day_is_missed_once(schedule: DailyAt, start: dt.datetime, days: int,
                                                        grace: dt.timedelta) -> None:
    now = start + dt.timedelta(days=days)
    missed = missed_due_times(schedule, grace=grace, now=now, started=start, events=[])
    local_days = [m.astimezone(schedule.tz).date() for m in missed]
    assert len(set(local_days)) == len(local_days) == len(missed)
    assert missed == sorted(missed) and all(start <= m and m + grace <= now for m in missed)
    assert days - 1 <= len(missed) <= days + 1


@given(SCHEDULES, MOMENTS, GRACES, st.lists(st.timedeltas(min_value=dt.timedelta(minutes=1),
                                                          max_value=dt.timedelta(days=10)), max_size=8))
@settings(max_examples=200)
def test_missed_agrees_with_the_status_now(schedule: DailyAt | EveryHours, start: dt.datetime,
                                           grace: dt.timedelta, offsets: list[dt.timedelta]) -> None:
    events = sorted(start + o for o in offsets)
    now = start + dt.timedelta(days=11)
    status = schedule_status(schedule, grace=grace, now=now, last_event=events[-1] if events else None,
                             started=start)
    missed = missed_due_times(schedule, grace=grace, now=now, started=start, events=events)
    # Late since the first due time missed after the last event; not late: nothing missed from that time on.
    assert status.due_at is not None
    from_then = [m for m in missed if m >= status.due_at]
    assert (status.status is Status.late) == bool(from_then)
    assert from_then[:1] in ([], [status.due_at])


@given(SCHEDULES, MOMENTS, GRACES, st.lists(st.timedeltas(min_value=dt.timedelta(minutes=1),
                                                          max_value=dt.timedelta(days=20)), max_size=8),
       st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=21)))
@settings(max_examples=200)
def test_since_only_skips_what_came_before_it(schedule: DailyAt | EveryHours, start: dt.datetime,
                                              grace: dt.timedelta, offsets: list[dt.timedelta],
                                              since_offset: dt.timedelta) -> None:
    events, now, since = sorted(start + o for o in offsets), start + dt.timedelta(days=21), start + since_offset
    everything = missed_due_times(schedule, grace=grace, now=now, started=start, events=events)
    assert missed_due_times(schedule, grace=grace, now=now, started=start, events=events, since=since) == \
        [m for m in everything if m >= since]
