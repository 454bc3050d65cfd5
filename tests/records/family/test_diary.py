"""Saving a diary entry: one entry per day, triage on every save, one alert per new warning sign (an
unchanged edit raises none, an edit that newly makes it urgent raises one), all in one transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from cnocare.records import writes
from cnocare.records.centres.service import create_centre, set_emergency_number
from cnocare.records.db import make_engine, session_factory, transaction, upgrade
from cnocare.records.errors import RecordValidationError
from cnocare.records.family import diary, queue
from cnocare.records.family.alerts import alert_queue
from cnocare.records.family.models import DiaryEntryRecord, FamilyAlert
from cnocare.records.kinds import KINDS
from cnocare.records.patients.service import create_patient, get_patient

ZONE = "Europe/London"
YESTERDAY = (dt.datetime.now(dt.UTC) - dt.timedelta(days=1)).date()


@pytest.fixture(scope="module")
def factory(db_url: str) -> sessionmaker[Session]:
    upgrade(db_url)
    return session_factory(make_engine(db_url))


@pytest.fixture
def db(factory: sessionmaker[Session]) -> Iterator[Session]:
    with transaction(factory) as session:
        yield session


def _patient(db: Session, number: str | None = None) -> str:
    centre = create_centre(db_session=db, data={"code": f"C{uuid.uuid4().hex[:8]}", "name": "Centre"}, actor="t")
    if number:
        set_emergency_number(db_session=db, centre_id=centre.id, number=number)
    return str(create_patient(db_session=db, actor="t", data={
        "centre_id": centre.id, "name": "Kit", "sex": "male", "hospital_number": uuid.uuid4().hex[:10]}).id)


def _day(days_ago: int) -> str:
    return (YESTERDAY - dt.timedelta(days=days_ago - 1)).isoformat()


def _alerts(db: Session, patient: str) -> int:
    return int(db.scalar(select(func.count(FamilyAlert.id)).where(FamilyAlert.patient_id == patient)) or 0)


# --- the day an entry is for ------------------------------------------------------------------------------

@pytest.mark.parametrize(("utc", "zone", "expected", "moved"), [
    ("2026-03-10T02:59", "UTC", "2026-03-09", True),
    ("2026-03-10T03:00", "UTC", "2026-03-10", False),
    ("2026-03-10T00:00", "UTC", "2026-03-09", True),
    # 23:30 UTC is already 00:30 in Berlin (the family's zone decides), and 20:30 in New York.
    ("2026-03-09T23:30", "Europe/Berlin", "2026-03-09", True),
    ("2026-03-10T01:30", "America/New_York", "2026-03-09", False),
])
def test_an_entry_begun_between_midnight_and_three_is_for_the_day_before_where_the_family_is(
        utc: str, zone: str, expected: str, moved: bool) -> None:
    now = dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC)
    assert diary.default_day(now, zone) == (dt.date.fromisoformat(expected), moved)


# --- temperatures -----------------------------------------------------------------------------------------

def test_fahrenheit_is_converted_at_the_door_and_kept_as_entered() -> None:
    assert diary.parse_temperature("101.3", "F") == (38.5, "101.3 °F")
    assert diary.parse_temperature("38,4", "C") == (38.4, "38.4 °C")
    assert diary.parse_temperature("86", "F") == (30.0, "86 °F")
    assert diary.parse_temperature("45", "C") == (45.0, "45 °C")


@pytest.mark.parametrize(("text", "unit", "hint"), [
    ("101", "C", "it looks like °F"), ("38", "F", "it looks like °C"), ("20", "C", "accepted: 30–45 °C"),
    ("hot", "C", "as a number"), ("45.1", "C", "not a possible body temperature")])
def test_an_impossible_temperature_is_refused_naming_the_unit_it_probably_was(text: str, unit: str,
                                                                              hint: str) -> None:
    with pytest.raises(RecordValidationError) as caught:
        diary.parse_temperature(text, unit)
    assert caught.value.errors[0]["field"] == "temperature" and hint in caught.value.errors[0]["message"]


@given(st.floats(min_value=86, max_value=113, allow_nan=False))
def test_every_possible_fahrenheit_reading_lands_in_the_celsius_range(value: float) -> None:
    celsius, as_entered = diary.parse_temperature(f"{value:.1f}", "F")
    assert 30 <= celsius <= 45 and as_entered.endswith("°F")


# --- saving, triage and alerts ----------------------------------------------------------------------------

def test_a_routine_entry_raises_no_alert_and_unanswered_stays_unanswered(db: Session) -> None:
    patient = _patient(db)
    saved = diary.save_entry(db_session=db, patient_id=patient, actor="pam",
                             data={"day": _day(1), "time_zone": ZONE, "pain_0_10": 2, "painful_areas": []})
    assert saved.triage.level == "routine" and saved.alert is None
    assert saved.entry.limp is None and saved.entry.warning_signs == {} and saved.entry.painful_sites == ()
    assert len(saved.triage.unanswered) > 0 and _alerts(db, patient) == 0


def test_body_map_areas_become_the_catalogues_bone_sites(db: Session) -> None:
    patient = _patient(db)
    saved = diary.save_entry(db_session=db, patient_id=patient, actor="pam", data={
        "day": _day(1), "time_zone": ZONE, "painful_areas": ["right_knee", "lower_back"]})
    assert saved.entry.painful_areas == ("right_knee", "lower_back")
    assert set(saved.entry.painful_sites) == {"femur", "patella", "tibia", "L1", "L2", "L3", "L4", "L5"}


def test_an_emergency_names_the_centres_number_and_alerts_the_team_once(db: Session) -> None:
    patient = _patient(db, number="112")
    data = {"day": _day(1), "time_zone": ZONE, "warning_signs": {"suddenly_cannot_walk": True}}
    saved = diary.save_entry(db_session=db, patient_id=patient, actor="pam", data=data)
    assert saved.triage.level == "emergency" and "call 112" in saved.triage.instruction
    assert saved.alert is not None and saved.alert.staff_reasons == ["sudden inability to walk"]
    again = diary.save_entry(db_session=db, patient_id=patient, actor="pam", data={**data, "note": "same"},
                             record_id=saved.entry.record_id, expected_version=saved.entry.version)
    assert again.triage.level == "emergency" and again.alert is None and _alerts(db, patient) == 1


def test_without_a_centre_number_the_family_reads_their_local_emergency_number(db: Session) -> None:
    patient = _patient(db)
    saved = diary.save_entry(db_session=db, patient_id=patient, actor="pam", data={
        "day": _day(1), "time_zone": ZONE, "warning_signs": {"lost_consciousness": True}})
    assert "call your local emergency number" in saved.triage.instruction


def test_an_edit_that_newly_makes_the_entry_urgent_raises_an_alert(db: Session) -> None:
    patient = _patient(db)
    first = diary.save_entry(db_session=db, patient_id=patient, actor="pam",
                             data={"day": _day(1), "time_zone": ZONE, "pain_0_10": 3})
    assert first.alert is None
    edit = diary.save_entry(db_session=db, patient_id=patient, actor="pam", record_id=first.entry.record_id,
                            expected_version=1, data={"day": _day(1), "time_zone": ZONE, "pain_0_10": 3,
                                                      "temperature_c": 38.9, "temperature_as_entered": "38.9 °C"})
    assert edit.triage.level == "contact_team" and edit.alert is not None
    assert edit.alert.staff_reasons[-1] == "temperature 38.9 °C"
    worse = diary.save_entry(db_session=db, patient_id=patient, actor="pam", record_id=first.entry.record_id,
                             expected_version=2, data={"day": _day(1), "time_zone": ZONE, "temperature_c": 38.9,
                                                       "warning_signs": {"severe_breathing_problems": True}})
    assert worse.alert is not None and worse.alert.level == "emergency" and _alerts(db, patient) == 2


def test_a_new_painful_place_since_the_day_before_asks_the_team(db: Session) -> None:
    patient = _patient(db)
    diary.save_entry(db_session=db, patient_id=patient, actor="pam",
                     data={"day": _day(2), "time_zone": ZONE, "painful_areas": ["right_thigh"]})
    saved = diary.save_entry(db_session=db, patient_id=patient, actor="pam", data={
        "day": _day(1), "time_zone": ZONE, "painful_areas": ["right_thigh", "left_forearm"]})
    assert saved.triage.level == "contact_team"
    assert any("Radius" in r and "Ulna" in r for r in saved.triage.staff_reasons)


def test_one_entry_per_day(db: Session) -> None:
    patient = _patient(db)
    diary.save_entry(db_session=db, patient_id=patient, actor="pam", data={"day": _day(1), "time_zone": ZONE})
    with pytest.raises(RecordValidationError, match="already an entry") as caught:
        diary.save_entry(db_session=db, patient_id=patient, actor="pam", data={"day": _day(1), "time_zone": ZONE})
    assert caught.value.errors[0]["field"] == "day"


def test_a_failed_alert_leaves_no_entry_behind(factory: sessionmaker[Session],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with transaction(factory) as db:
        patient = _patient(db)

    def broken(**_: object) -> None:
        raise RuntimeError("the alert table is unavailable")

    monkeypatch.setattr(diary, "raise_alert", broken)
    with pytest.raises(RuntimeError), transaction(factory) as db:
        diary.save_entry(db_session=db, patient_id=patient, actor="pam", data={
            "day": _day(1), "time_zone": ZONE, "warning_signs": {"chest_pain": True}})
    with transaction(factory) as db:
        rows = db.scalar(select(func.count(DiaryEntryRecord.id)).where(DiaryEntryRecord.patient_id == patient))
        assert rows == 0 and alert_queue(db_session=db, patient_ids=[patient]) == []


def test_the_diary_asks_about_the_medicines_running_that_day(db: Session) -> None:
    patient = _patient(db)
    for drug, start, stop in (("naproxen", "2025-01-01", None), ("ibuprofen", "2024-01-01", "2024-06-01"),
                              ("methotrexate", None, None)):
        writes.add(KINDS["medicines"], db_session=db, patient_id=patient, actor="t",
                   data={"drug": drug, "start": start, "stop": stop})
    running = diary.active_medicines(db_session=db, patient_id=patient, day=dt.date(2025, 3, 1))
    assert [c.drug for c in running] == ["methotrexate", "naproxen"]
    assert [c.drug for c in diary.active_medicines(db_session=db, patient_id=patient, day=dt.date(2024, 3, 1))] \
        == ["ibuprofen", "methotrexate"]


def test_same_as_yesterday_never_copies_the_warning_signs_fever_or_note(db: Session) -> None:
    patient = _patient(db)
    saved = diary.save_entry(db_session=db, patient_id=patient, actor="pam", data={
        "day": _day(1), "time_zone": ZONE, "pain_0_10": 6, "fever": True, "note": "bad day",
        "warning_signs": {"chest_pain": True}, "mood": "low"})
    copied = diary.carried_forward(saved.entry)
    assert copied["pain_0_10"] == 6 and copied["mood"] == "low"
    assert not {"fever", "note", "warning_signs", "temperature_c", "day"} & set(copied)


def test_a_day_before_the_date_of_birth_is_refused(db: Session) -> None:
    centre = create_centre(db_session=db, data={"code": f"C{uuid.uuid4().hex[:8]}", "name": "Centre"}, actor="t")
    patient = str(create_patient(db_session=db, actor="t", data={
        "centre_id": centre.id, "name": "Kit", "sex": "male", "hospital_number": uuid.uuid4().hex[:10],
        "date_of_birth": dt.date(2020, 5, 1)}).id)
    with pytest.raises(RecordValidationError, match="before the date of birth") as caught:
        diary.save_entry(db_session=db, patient_id=patient, actor="pam", data={"day": "2020-04-30", "time_zone": ZONE})
    assert caught.value.errors[0]["field"] == "day"
    diary.save_entry(db_session=db, patient_id=patient, actor="pam", data={"day": "2020-05-01", "time_zone": ZONE})


def test_the_centres_queue_puts_emergencies_first_then_the_newest_and_names_people(db: Session) -> None:
    patient = _patient(db)
    centre = get_patient(db_session=db, patient_id=patient).centre_id
    base = dt.datetime(2026, 3, 2, 9, 0)
    for minutes, level in ((0, "emergency"), (10, "contact_team"), (20, "contact_team")):
        diary.raise_alert(db_session=db, patient_id=patient, level=level, family_reasons=[level],
                          staff_reasons=[level], actor="pam", now=base + dt.timedelta(minutes=minutes))
    found = queue.centre_queue(db_session=db, centre_ids=[centre], acknowledged_since=base)
    assert [(q.alert.level, q.alert.raised_at.minute) for q in found] == [
        ("emergency", 0), ("contact_team", 20), ("contact_team", 10)]
    assert found[0].patient_name == "Kit" and queue.open_count(db_session=db, centre_ids=[centre]) == 3
    assert queue.centre_queue(db_session=db, centre_ids=[centre + 1000], acknowledged_since=base) == []
