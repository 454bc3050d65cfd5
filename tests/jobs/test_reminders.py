"""Diary and medicine reminders: a notice and a mail once per late due time, the family's missed days and the
clinic's summary; with frozen time on SQLite and PostgreSQL (thread backend)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy.orm import Session, sessionmaker
from tests.fixtures.smtp_sink import SmtpSink
from tests.jobs.clinic import Clinic, diary, make_clinic, notices

from cnocare.jobs.thread import run_pending
from cnocare.records import writes
from cnocare.records.db import transaction
from cnocare.records.errors import RecordValidationError
from cnocare.records.kinds import KINDS
from cnocare.records.reminders.service import clinic_summary, reminder_states, set_schedule
from cnocare.security.mail import default_mailer

LONDON = ZoneInfo("Europe/London")
MONDAY = dt.date(2026, 6, 1)


def london(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


@pytest.fixture
def clinic(sessions: sessionmaker[Session]) -> Clinic:
    return make_clinic(sessions)


def start_diary_schedule(sessions: sessionmaker[Session], clinic: Clinic, at: dt.datetime) -> None:
    with transaction(sessions) as db:
        set_schedule(db_session=db, patient_id=clinic.patient_id, actor="parent:pam", now=at, data={
            "kind": "diary", "daily_time": "19:00", "time_zone": "Europe/London", "grace_minutes": 60})


def run(sessions: sessionmaker[Session], sink: SmtpSink, now: dt.datetime) -> None:
    settings = sink.settings(jobs_backend="thread", site_name="CNO diary")
    with time_machine.travel(now, tick=False):
        run_pending(sessions, now=now, settings=settings, mailer=default_mailer(settings))


def test_a_late_diary_reminds_the_family_once_per_day(sessions: sessionmaker[Session], smtp_sink: SmtpSink,
                                                      clinic: Clinic) -> None:
    start_diary_schedule(sessions, clinic, london(MONDAY, 9))
    with time_machine.travel(london(MONDAY, 18), tick=False):
        diary(sessions, clinic.patient_id, MONDAY, pain_0_10=3)
    run(sessions, smtp_sink, london(MONDAY + days(1), 19, 59))  # Tuesday, within the grace
    assert notices(sessions, clinic.parent) == []
    run(sessions, smtp_sink, london(MONDAY + days(1), 20))
    [notice] = notices(sessions, clinic.parent)
    assert notice.kind == "diary_reminder" and notice.link == f"/family/{clinic.patient_id}"
    assert notice.text == "Kit Marlowe's diary for Tuesday 02 June has not been filled in yet."
    mail = smtp_sink.wait_for(lambda m: m["To"] == clinic.parent_email)
    assert mail["Subject"] == "Diary reminder for Kit Marlowe" and "Open CNO diary" in mail.get_content()
    run(sessions, smtp_sink, london(MONDAY + days(1), 23))
    assert len(notices(sessions, clinic.parent)) == 1  # once for Tuesday
    run(sessions, smtp_sink, london(MONDAY + days(2), 20, 5))  # Wednesday missed too: its own reminder
    assert [n.text for n in notices(sessions, clinic.parent)][-1].startswith("Kit Marlowe's diary for Wednesday")
    with time_machine.travel(london(MONDAY + days(3), 10), tick=False):
        diary(sessions, clinic.patient_id, MONDAY + days(3))
    run(sessions, smtp_sink, london(MONDAY + days(3), 21))  # Thursday filled in: no reminder
    assert len(notices(sessions, clinic.parent)) == 2 and notices(sessions, clinic.clinicians[0]) == []
    assert len(smtp_sink.messages) == 2


def test_the_family_sees_missed_days_and_the_clinic_a_summary(sessions: sessionmaker[Session],
                                                               clinic: Clinic) -> None:
    start_diary_schedule(sessions, clinic, london(MONDAY, 9))
    with time_machine.travel(london(MONDAY + days(4), 12), tick=False):
        diary(sessions, clinic.patient_id, MONDAY)  # Monday filled in on Friday: caught up, not missed
        diary(sessions, clinic.patient_id, MONDAY + days(2))
    now = london(MONDAY + days(4), 21)
    with sessions() as db:
        [state] = reminder_states(db_session=db, patient_id=clinic.patient_id, now=now)
        [summary] = clinic_summary(db_session=db, patient_ids=[clinic.patient_id], now=now)
    assert state.label == "Diary" and state.status.status == "late"
    assert state.missed_days == [MONDAY + days(1), MONDAY + days(3), MONDAY + days(4)]
    assert summary.late == ["Diary"] and summary.missed_in_window == {"Diary": 3} and summary.needs_attention


def test_a_medicine_reminder_counts_the_days_the_diary_says_it_was_taken(
        sessions: sessionmaker[Session], smtp_sink: SmtpSink, clinic: Clinic) -> None:
    with time_machine.travel(london(MONDAY, 8), tick=False), transaction(sessions) as db:
        course = writes.add(KINDS["medicines"], db_session=db, patient_id=clinic.patient_id, actor="ada",
                            data={"drug": "naproxen", "start": "2026-05-01"})
        set_schedule(db_session=db, patient_id=clinic.patient_id, actor="ada", now=london(MONDAY, 8), data={
            "kind": "medicine", "medicine_record_id": str(course.record_id), "daily_time": "20:00",
            "time_zone": "Europe/London", "grace_minutes": 0})
    with time_machine.travel(london(MONDAY, 19), tick=False):
        diary(sessions, clinic.patient_id, MONDAY, medicines_taken={str(course.record_id): True})
    with time_machine.travel(london(MONDAY + days(1), 19), tick=False):
        diary(sessions, clinic.patient_id, MONDAY + days(1), medicines_taken={str(course.record_id): False})
    run(sessions, smtp_sink, london(MONDAY, 20, 30))
    assert notices(sessions, clinic.parent) == []
    run(sessions, smtp_sink, london(MONDAY + days(1), 20))
    [notice] = notices(sessions, clinic.parent)
    assert notice.kind == "medicine_reminder"
    assert notice.text == "Has Kit Marlowe had naproxen? The diary for Tuesday 02 June does not say so yet."


def test_a_schedule_that_cannot_work_is_refused_naming_the_field(sessions: sessionmaker[Session],
                                                                 clinic: Clinic) -> None:
    with sessions() as db:
        for data, field in (({"kind": "diary", "time_zone": "Europe/London", "grace_minutes": 60}, "daily_time"),
                            ({"kind": "diary", "daily_time": "19:00", "time_zone": "Mars/Base", "grace_minutes": 0},
                             "zone"),
                            ({"kind": "medicine", "medicine_record_id": "nope", "daily_time": "08:00",
                              "time_zone": "Europe/London", "grace_minutes": 0}, "medicine_record_id")):
            with pytest.raises(RecordValidationError, match=field):
                set_schedule(db_session=db, patient_id=clinic.patient_id, actor="t", data=data)


def test_changing_the_reminder_time_keeps_the_days_missed_before(sessions: sessionmaker[Session],
                                                                  clinic: Clinic) -> None:
    """Moving the reminder from 19:00 to 20:00 on Thursday keeps Tuesday and Wednesday as missed; the days
    with no reminder set at all (before Monday) are never missed."""
    start_diary_schedule(sessions, clinic, london(MONDAY, 9))
    with time_machine.travel(london(MONDAY, 19, 30), tick=False):
        diary(sessions, clinic.patient_id, MONDAY)
    with transaction(sessions) as db:
        set_schedule(db_session=db, patient_id=clinic.patient_id, actor="parent:pam",
                     now=london(MONDAY + days(3), 9), data={"kind": "diary", "daily_time": "20:00",
                                                            "time_zone": "Europe/London", "grace_minutes": 60})
    with time_machine.travel(london(MONDAY + days(3), 20, 30), tick=False):
        diary(sessions, clinic.patient_id, MONDAY + days(3))
    now = london(MONDAY + days(4), 22)
    with sessions() as db:
        [state] = reminder_states(db_session=db, patient_id=clinic.patient_id, now=now)
        [summary] = clinic_summary(db_session=db, patient_ids=[clinic.patient_id], now=now)
    assert state.schedule.daily_time == dt.time(20, 0)
    assert state.missed_days == [MONDAY + days(1), MONDAY + days(2), MONDAY + days(4)]
    assert summary.missed_in_window == {"Diary": 3}
