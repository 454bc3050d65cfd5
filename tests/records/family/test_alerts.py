"""The alert queue: raised from a diary entry, acknowledged once by a named person."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from cnocare.records import writes
from cnocare.records.centres.service import create_centre
from cnocare.records.db import make_engine, session_factory, transaction, upgrade
from cnocare.records.errors import RecordValidationError
from cnocare.records.family import alerts
from cnocare.records.kinds import KINDS
from cnocare.records.patients.service import create_patient


@pytest.fixture
def db(db_url: str) -> Iterator[Session]:
    upgrade(db_url)
    factory = session_factory(make_engine(db_url))
    with transaction(factory) as session:
        yield session


def _patient(db: Session) -> str:
    centre = create_centre(db_session=db, data={"code": f"C{dt.datetime.now().microsecond}", "name": "C"},
                           actor="t")
    return str(create_patient(db_session=db, data={"centre_id": centre.id, "name": "Kit", "sex": "male",
                                                   "hospital_number": f"H{dt.datetime.now().microsecond}"},
                              actor="t").id)


def test_a_diary_entry_is_a_versioned_record_and_its_alert_is_acknowledged_once(db: Session) -> None:
    patient = _patient(db)
    entry = writes.add(KINDS["diary"], db_session=db, patient_id=patient, actor="parent:pam",
                       data={"day": "2026-11-30", "time_zone": "Europe/London", "temperature_c": 38.6})
    raised = alerts.raise_alert(db_session=db, patient_id=patient, level="contact_team",
                                family_reasons=["a new fever"], staff_reasons=["temperature 38.6 °C"],
                                actor="parent:pam", diary_record_id=entry.record_id, diary_version=entry.version)
    assert [a.id for a in alerts.alert_queue(db_session=db, patient_ids=[patient])] == [raised.id]
    first = alerts.acknowledge_alert(db_session=db, alert_id=raised.id, actor="ada", note="rang the family")
    again = alerts.acknowledge_alert(db_session=db, alert_id=raised.id, actor="otto", note="me too")
    assert (again.acknowledged_by, again.acknowledgement_note) == ("ada", "rang the family")
    assert again.acknowledged_at == first.acknowledged_at
    assert alerts.alert_queue(db_session=db, patient_ids=[patient]) == []


def test_an_unknown_level_or_zone_is_refused_in_words(db: Session) -> None:
    patient = _patient(db)
    with pytest.raises(RecordValidationError, match="accepted: contact_team, emergency"):
        alerts.raise_alert(db_session=db, patient_id=patient, level="routine", family_reasons=[],
                           staff_reasons=[], actor="t")
    with pytest.raises(RecordValidationError, match="Mars/Olympus"):
        writes.add(KINDS["diary"], db_session=db, patient_id=patient, actor="t",
                   data={"day": "2026-11-30", "time_zone": "Mars/Olympus"})


def test_a_diary_day_after_today_where_the_family_lives_is_refused(db: Session) -> None:
    patient = _patient(db)
    tomorrow = dt.date.today() + dt.timedelta(days=2)
    with pytest.raises(RecordValidationError, match="cannot be in the future"):
        writes.add(KINDS["diary"], db_session=db, patient_id=patient, actor="t",
                   data={"day": tomorrow.isoformat(), "time_zone": "Pacific/Kiritimati"})
