"""A diary entry written through records.writes reaches the Case; an as-of cut hides later days."""

from __future__ import annotations

import datetime as dt

from records_personas import NewPatient
from sqlalchemy.orm import Session, sessionmaker

from cnocare.records import writes
from cnocare.records.casebuilder import build_case
from cnocare.records.db import transaction
from cnocare.records.kinds import KINDS

DIARY = KINDS["diary"]
D = dt.date


def test_the_case_carries_the_diary_days_and_an_as_of_cut_hides_later_ones(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient()
    with transaction(db_factory) as s:
        for day, value in ((D(2026, 3, 2), 6), (D(2026, 3, 1), 4), (D(2026, 3, 5), 8)):
            writes.add(DIARY, db_session=s, patient_id=patient.id, actor="parent:pam", data={
                "day": day, "time_zone": "Europe/London", "pain_0_10": value, "painful_sites": ["tibia"],
                "temperature_as_entered": "99.1 °F", "note": "a private note", "warning_signs": {}})
    with transaction(db_factory) as s:
        case = build_case(db_session=s, patient_id=patient.id)
        cut = build_case(db_session=s, patient_id=patient.id, as_of=D(2026, 3, 2))
    assert [(d.day, d.pain_0_10) for d in case.diary] == [(D(2026, 3, 1), 4), (D(2026, 3, 2), 6), (D(2026, 3, 5), 8)]
    assert case.diary[0].painful_sites == ("tibia",)
    assert [d.day for d in cut.diary] == [D(2026, 3, 1), D(2026, 3, 2)]
    # What the family typed for itself stays in the record, not in the clinical snapshot.
    assert "note" not in case.diary[0].model_dump() and "time_zone" not in case.diary[0].model_dump()


def test_a_revised_or_voided_diary_day_leaves_the_case(db_factory: sessionmaker[Session],
                                                       new_patient: NewPatient) -> None:
    patient = new_patient()
    with transaction(db_factory) as s:
        first = writes.add(DIARY, db_session=s, patient_id=patient.id, actor="parent:pam",
                           data={"day": D(2026, 3, 1), "time_zone": "UTC", "pain_0_10": 3})
        second = writes.add(DIARY, db_session=s, patient_id=patient.id, actor="parent:pam",
                            data={"day": D(2026, 3, 2), "time_zone": "UTC", "pain_0_10": 5})
        writes.revise(DIARY, db_session=s, record_id=first.record_id, changes={"pain_0_10": 2},
                      expected_version=1, actor="parent:pam", reason="typed the wrong number")
        writes.void(DIARY, db_session=s, record_id=second.record_id, expected_version=1, reason="wrong child",
                    actor="parent:pam")
    with transaction(db_factory) as s:
        assert [(d.day, d.pain_0_10) for d in build_case(db_session=s, patient_id=patient.id).diary] == [
            (D(2026, 3, 1), 2)]
