"""No event is recorded before it happened, and no date is before 1900: refused with the field named."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from records_personas import CLINICIAN, NewPatient
from sqlalchemy.orm import Session, sessionmaker

from cnocare.records import versioned, writes
from cnocare.records.db import transaction
from cnocare.records.errors import RecordValidationError
from cnocare.records.kinds import KINDS

D = dt.date
TODAY = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)


def refused(call: object) -> list[tuple[str, str]]:
    with pytest.raises(RecordValidationError) as caught:
        call()  # type: ignore[operator]
    return [(p["field"], p["message"]) for p in caught.value.errors]


@time_machine.travel(TODAY, tick=False)
@pytest.mark.parametrize(("slug", "data"), [
    ("labs", {"test": "crp", "value": 12, "unit": "mg/L"}),
    ("visits", {"kind": "follow_up"}),
    ("imaging", {"modality": "mri"}),
    ("biopsies", {"culture": "negative"}),
])
def test_a_result_visit_study_or_biopsy_dated_after_today_is_refused_on_its_date_field(
        db_factory: sessionmaker[Session], new_patient: NewPatient, slug: str, data: dict[str, object]) -> None:
    patient = new_patient()
    with transaction(db_factory) as s:
        problems = refused(lambda: writes.add(KINDS[slug], db_session=s, patient_id=patient.id, actor=CLINICIAN,
                                              data={**data, "date": D(2026, 3, 3)}))
        assert problems == [("date", "2026-03-03 is after today (2026-03-02): this date cannot be in the future")]
        saved = writes.add(KINDS[slug], db_session=s, patient_id=patient.id, actor=CLINICIAN,
                           data={**data, "date": D(2026, 3, 2)})
        assert saved.date == D(2026, 3, 2)


@time_machine.travel(TODAY, tick=False)
def test_a_planned_review_may_be_after_today_but_not_in_another_millennium(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient()
    visits = KINDS["visits"]
    with transaction(db_factory) as s:
        saved = writes.add(visits, db_session=s, patient_id=patient.id, actor=CLINICIAN,
                           data={"date": D(2026, 3, 2), "kind": "follow_up", "next_review_due": D(2026, 9, 1)})
        assert saved.next_review_due == D(2026, 9, 1)
        problems = refused(lambda: writes.revise(visits, db_session=s, record_id=saved.record_id,
                                                 changes={"date": D(1, 1, 1)}, expected_version=1, actor=CLINICIAN))
        assert problems == [("date", "0001-01-01 is before 1900: please check the year")]


@time_machine.travel(TODAY, tick=False)
def test_a_medicine_started_before_1900_is_refused(db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient()
    with transaction(db_factory) as s:
        problems = refused(lambda: writes.add(KINDS["medicines"], db_session=s, patient_id=patient.id,
                                              actor=CLINICIAN, data={"drug": "naproxen", "drug_class": "nsaid",
                                                                     "start": D(1899, 12, 31)}))
        assert [field for field, _ in problems] == ["start"]
        assert versioned.list_for_patient(KINDS["medicines"].concept, db_session=s, patient_id=patient.id) == []


@time_machine.travel(TODAY, tick=False)
def test_a_date_of_birth_or_onset_in_the_future_is_refused(new_patient: NewPatient) -> None:
    problems = refused(lambda: new_patient(date_of_birth=D(2030, 1, 1), onset_date=D(2026, 4, 1)))
    assert [field for field, _ in problems] == ["date_of_birth", "onset_date"]
    assert "after today (2026-03-02)" in problems[0][1]
    assert [field for field, _ in refused(lambda: new_patient(date_of_birth=D(1899, 1, 1)))] == ["date_of_birth"]
