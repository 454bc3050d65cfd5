"""The family's reminders page and the missed-entry status (a plain POST, as with JavaScript off), with the
server's clock frozen where days matter; the care team's summary on its family-access page."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
import uuid
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import PASSWORD, Clinic, csrf_of, sign_in
from tests.web.family.helpers import family_of

from cnocare.records.accounts.service import create_user
from cnocare.records.audit.models import AuditEvent
from cnocare.records.db import transaction
from cnocare.records.reminders.models import ReminderSchedule

ZONE = "Europe/London"
MONDAY = dt.date(2026, 3, 9)  # a week without a change of the clocks


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(ZONE))


@pytest.fixture
def clock() -> Iterator[Any]:
    with time_machine.travel(_at(MONDAY, 10), tick=True) as traveller:
        yield traveller


def _family(clinic: Clinic, **kw: Any) -> tuple[str, TestClient]:
    patient, username = family_of(clinic, **kw)
    client = TestClient(clinic.app)
    sign_in(client, username)
    client.headers["x-test-username"] = username  # for signing in again after the clock moves
    return patient, client


def _move(clock: Any, when: dt.datetime, *clients: TestClient) -> None:
    """Hours pass: the sessions have timed out, so each client signs in again."""
    clock.move_to(when)
    for client in clients:
        client.cookies.clear()
        sign_in(client, client.headers["x-test-username"])


def _csrf(client: TestClient, patient: str) -> str:
    page = client.get(f"/family/{patient}/reminders?tz={ZONE}")
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


def _set_diary(client: TestClient, patient: str, **fields: str) -> Any:
    data = {"reminder": "on", "time": "19:00", "time_zone": ZONE, "grace": "60", **fields}
    return client.post(f"/family/{patient}/reminders/diary", data={**data, "csrf_token": _csrf(client, patient)},
                       follow_redirects=False)


def _schedules(clinic: Clinic, patient: str) -> list[ReminderSchedule]:
    with transaction(clinic.app.state.web.sessions) as db:
        rows = list(db.scalars(select(ReminderSchedule).where(ReminderSchedule.patient_id == patient)
                               .order_by(ReminderSchedule.id)))
        db.expunge_all()
        return rows


def _fill(client: TestClient, patient: str, day: dt.date) -> None:
    saved = client.post(f"/family/{patient}/diary", data={
        "csrf_token": _csrf(client, patient), "day": day.isoformat(), "time_zone": ZONE,
        "pain_scale": "numeric", "pain_0_10": "0"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text


def _line(html: str) -> str:
    found = re.search(r"<p class=\"reminder-line[^\"]*\" data-reminder-line>(.*?)</p>", html, re.S)
    assert found, "no reminder status line"
    return html_lib.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def test_the_keeper_sets_changes_and_stops_the_diary_reminder_and_each_write_is_audited(
        clinic: Clinic, clock: Any) -> None:
    patient, client = _family(clinic, name="Rosa Remind")
    assert 'name="reminder" value="off" checked' in client.get(f"/family/{patient}/reminders").text
    saved = _set_diary(client, patient)
    assert saved.status_code == 303 and saved.headers["location"] == f"/family/{patient}/reminders"
    [row] = _schedules(clinic, patient)
    assert (row.kind, row.daily_time, row.time_zone, row.grace_minutes, row.stopped_at) == (
        "diary", dt.time(19), ZONE, 60, None)
    shown = client.get(f"/family/{patient}/reminders").text
    assert "Saved: the diary reminder is at 19:00 (Europe/London)." in shown
    assert 'value="on" checked' in shown and 'value="19:00"' in shown and '<option value="60" selected>' in shown
    # The same again changes nothing (the reminder keeps its start); a new time replaces it.
    _set_diary(client, patient)
    assert len(_schedules(clinic, patient)) == 1
    _set_diary(client, patient, time="20.30", grace="120")
    old, new = _schedules(clinic, patient)
    assert old.stopped_at is not None and (new.daily_time, new.grace_minutes, new.stopped_at) == (
        dt.time(20, 30), 120, None)
    off = client.post(f"/family/{patient}/reminders/diary", data={"reminder": "off",
                                                                  "csrf_token": _csrf(client, patient)},
                      follow_redirects=False)
    assert off.status_code == 303
    assert all(r.stopped_at is not None for r in _schedules(clinic, patient))
    assert "The diary reminder is off." in client.get(f"/family/{patient}/reminders").text
    with transaction(clinic.app.state.web.sessions) as db:
        events = db.execute(select(AuditEvent.action, AuditEvent.fields).where(
            AuditEvent.patient_id == patient, AuditEvent.record_type == "reminder_schedule")
            .order_by(AuditEvent.id)).all()
    assert [a for a, _ in events] == ["create", "create", "update"] and events[-1][1] == ["stopped_at"]


@pytest.mark.parametrize(("field", "typed", "words"), [
    ("time", "25:00", "“25:00” is not a time of day"),
    ("time", "7pm", "“7pm” is not a time of day"),
    ("time_zone", "Mars/Olympus", "“Mars/Olympus” is not a time zone we know"),
    ("grace", "999", "Choose when to be reminded from the list"),
])
def test_a_bad_value_is_refused_beside_its_field_and_what_was_typed_is_kept(
        clinic: Clinic, field: str, typed: str, words: str) -> None:
    patient, client = _family(clinic)
    refused = _set_diary(client, patient, **{"time": "06:45", field: typed})
    assert refused.status_code == 422
    assert f'id="diary-{field}-error"' in refused.text and words in refused.text
    assert f'aria-describedby="diary-{field}-error"' in refused.text
    if field != "grace":
        assert f'value="{typed}"' in refused.text or f"<option selected>{typed}</option>" in refused.text
    if field != "time":
        assert 'value="06:45"' in refused.text  # the rest of the form as typed too
    assert _schedules(clinic, patient) == []


def test_a_medicine_reminder_is_for_a_running_course_only(clinic: Clinic) -> None:
    patient, client = _family(clinic, medicines=("naproxen",))
    page = client.get(f"/family/{patient}/reminders").text
    courses = re.findall(r'name="course" value="([^"]+)"', page)
    assert len(courses) == 1, "the stopped ibuprofen course has no reminder"
    saved = client.post(f"/family/{patient}/reminders/medicine", data={
        "csrf_token": csrf_of(page), "course": courses[0], "reminder": "on", "time": "08:00", "time_zone": ZONE,
        "grace": "30"}, follow_redirects=False)
    assert saved.status_code == 303
    [row] = _schedules(clinic, patient)
    assert (row.kind, row.medicine_record_id, row.daily_time) == ("medicine", courses[0], dt.time(8))
    unknown = client.post(f"/family/{patient}/reminders/medicine", data={
        "csrf_token": csrf_of(page), "course": "not-a-course", "reminder": "on", "time": "08:00",
        "time_zone": ZONE, "grace": "30"})
    assert unknown.status_code == 422 and "“not-a-course” is not one of" in unknown.text
    assert len(_schedules(clinic, patient)) == 1


def test_missed_days_show_on_today_and_the_reminders_page_and_a_day_before_the_start_is_not_missed(
        clinic: Clinic, clock: Any) -> None:
    patient, client = _family(clinic, name="Milo Missed")
    assert "data-reminder-line" not in client.get(f"/family/{patient}?tz={ZONE}").text  # no reminder: nothing due
    _set_diary(client, patient)  # Monday 10:00, due at 19:00, reminded at 20:00
    assert _line(client.get(f"/family/{patient}?tz={ZONE}").text).startswith("Reminder due at 19:00")
    _move(clock, _at(MONDAY, 19, 30), client)  # due, still within the grace period: not missed yet
    assert _line(client.get(f"/family/{patient}?tz={ZONE}").text).startswith("Reminder due at 19:00")
    _move(clock, _at(MONDAY + dt.timedelta(days=2), 12), client)  # Wednesday noon: Monday and Tuesday missed
    today = client.get(f"/family/{patient}?tz={ZONE}").text
    tuesday = MONDAY + dt.timedelta(days=1)
    assert _line(today).startswith("Yesterday's diary is missing (and 1 more day in the last two weeks) — fill it in")
    assert f'href="/family/{patient}/diary/new?day={tuesday.isoformat()}&amp;tz={ZONE}"' in today
    page = client.get(f"/family/{patient}/reminders").text
    missed = re.findall(r"diary/new\?day=([\d-]+)", page.split('id="missed-title"')[1])
    assert missed == [tuesday.isoformat(), MONDAY.isoformat()]  # Sunday, before the start, is not there
    _fill(client, patient, tuesday)  # filled in late: counts for its day
    assert _line(client.get(f"/family/{patient}?tz={ZONE}").text).startswith(
        f"The diary for {MONDAY:%A %-d %B} is missing — fill it in")
    _fill(client, patient, MONDAY)
    assert _line(client.get(f"/family/{patient}?tz={ZONE}").text).startswith("Reminder due at 19:00")
    _fill(client, patient, MONDAY + dt.timedelta(days=2))
    assert _line(client.get(f"/family/{patient}?tz={ZONE}").text).startswith("Diary up to date")
    assert "None: every day since the reminder began" in client.get(f"/family/{patient}/reminders").text


def test_the_young_person_sees_the_reminders_their_parent_keeps_but_cannot_change_them(clinic: Clinic) -> None:
    patient, parent = _family(clinic, name="Yara Young")
    assert _set_diary(parent, patient).status_code == 303
    username = f"young{uuid.uuid4().hex[:8]}"
    with transaction(clinic.app.state.web.sessions) as db:
        create_user(db_session=db, data={"username": username, "email": f"{username}@example.org",
                                         "display_name": "Yara", "role": "patient", "patient_ids": [patient],
                                         "password": PASSWORD})
    young = sign_in(TestClient(clinic.app), username)
    page = young.get(f"/family/{patient}/reminders")
    assert page.status_code == 200 and "Someone else in the family keeps this diary" in page.text
    assert 'value="19:00"' in page.text and "Save the diary reminder" not in page.text
    refused = young.post(f"/family/{patient}/reminders/diary", data={
        "csrf_token": csrf_of(page.text), "reminder": "off"}, follow_redirects=False)
    assert refused.status_code == 403
    assert all(r.stopped_at is None for r in _schedules(clinic, patient))


def test_another_familys_child_is_not_found(clinic: Clinic) -> None:
    theirs, _ = family_of(clinic, name="Other Child")
    mine, client = _family(clinic)
    csrf = _csrf(client, mine)
    assert client.get(f"/family/{theirs}/reminders").status_code == 404
    for form in ("diary", "medicine"):
        refused = client.post(f"/family/{theirs}/reminders/{form}", data={
            "csrf_token": csrf, "reminder": "off", "course": "x"})
        assert refused.status_code == 404
    assert _schedules(clinic, theirs) == []


def test_the_care_team_reads_a_summary_not_the_diary(clinic: Clinic, clock: Any) -> None:
    patient, family = _family(clinic, name="Sam Summary")
    ada = sign_in(TestClient(clinic.app), "ada")
    ada.headers["x-test-username"] = "ada"
    before = ada.get(f"/patients/{patient}/family").text
    assert "Diary: 0 of the last 14 days filled in; no reminders set" in before
    _set_diary(family, patient)
    _fill(family, patient, MONDAY)
    _move(clock, _at(MONDAY + dt.timedelta(days=3), 12), family, ada)  # Tuesday and Wednesday missed
    summary = ada.get(f"/patients/{patient}/family").text
    assert "Diary: 1 of the last 14 days filled in; reminders on" in summary
    assert "Diary: 2 missed in the last 14 days" in summary
    worklist = ada.get("/worklist").text.split("data-diary-reminders")[1]
    assert re.search(r"Sam Summary</a> \([^)]+\): Diary 2 missed", worklist)


def test_a_parent_who_may_not_read_the_diary_sees_nothing_of_its_reminders(clinic: Clinic) -> None:
    patient, parent = _family(clinic, name="Pia Private")
    assert _set_diary(parent, patient).status_code == 303
    ada = sign_in(TestClient(clinic.app), "ada")
    form = ada.get(f"/patients/{patient}/family").text
    kept = ada.post(f"/patients/{patient}/family/diary", data={
        "csrf_token": csrf_of(form), "keeper": "young_person", "parents_see_diary": "no"}, follow_redirects=False)
    assert kept.status_code == 303
    page = parent.get(f"/family/{patient}/reminders").text
    assert "keeps their own diary" in page and 'value="19:00"' not in page and "data-reminder-line" not in page
    assert parent.post(f"/family/{patient}/reminders/diary", data={
        "csrf_token": csrf_of(page), "reminder": "off"}, follow_redirects=False).status_code == 403
