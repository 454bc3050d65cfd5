"""The patient list: text, centre, red-flag and overdue filters, paging."""

from __future__ import annotations

import datetime as dt

import pytest
from records_personas import CLINICIAN, NewPatient
from sqlalchemy.orm import Session, sessionmaker

from cnocare.records import writes
from cnocare.records.db import transaction
from cnocare.records.errors import RecordValidationError
from cnocare.records.kinds import KINDS
from cnocare.records.patients.service import search_patients, void_patient

D = dt.date
TODAY = D(2026, 6, 1)

LABS = KINDS["labs"]
VISITS = KINDS["visits"]


def test_text_matches_name_or_hospital_number_ignoring_case(
        db_factory: sessionmaker[Session], new_patient: NewPatient, centre_id: int) -> None:
    maya = new_patient(name="Maya Lind", hospital_number="RX-1001")
    new_patient(name="Tom Berg", hospital_number="RX-2002")
    with transaction(db_factory) as s:
        by_name = search_patients(db_session=s, text="mAyA", centre_id=centre_id)
        by_number = search_patients(db_session=s, text="rx-100", centre_id=centre_id)
        everyone = search_patients(db_session=s, centre_id=centre_id)
        wildcard = search_patients(db_session=s, text="%", centre_id=centre_id)
    assert [p.id for p in by_name.items] == [maya.id] == [p.id for p in by_number.items]
    assert [p.name for p in everyone.items] == ["Maya Lind", "Tom Berg"] and everyone.total == 2
    assert wildcard.total == 0


def test_red_flags_only_lists_patients_whose_latest_assessment_has_a_red_flag(
        db_factory: sessionmaker[Session], new_patient: NewPatient, centre_id: int) -> None:
    flagged, calm = new_patient(name="Ada Flag"), new_patient(name="Ben Calm")
    with transaction(db_factory) as s:
        writes.add(LABS, db_session=s, patient_id=flagged.id, actor=CLINICIAN,
                   data={"test": "platelets", "date": D(2026, 4, 20), "value": 40, "unit": "10^9/L"})
        writes.add(LABS, db_session=s, patient_id=calm.id, actor=CLINICIAN,
                   data={"test": "platelets", "date": D(2026, 4, 20), "value": 300, "unit": "10^9/L"})
    with transaction(db_factory) as s:
        result = search_patients(db_session=s, centre_id=centre_id, red_flags_only=True)
    assert [p.id for p in result.items] == [flagged.id] and result.items[0].red_flag_count >= 1


def test_overdue_only_uses_the_latest_visit_review_date_against_today(
        db_factory: sessionmaker[Session], new_patient: NewPatient, centre_id: int) -> None:
    late, due_later, never = new_patient(name="Cara Late"), new_patient(name="Dan Later"), new_patient(name="Eve")
    with transaction(db_factory) as s:
        writes.add(VISITS, db_session=s, patient_id=late.id, actor=CLINICIAN,
                   data={"date": D(2026, 1, 5), "kind": "follow_up", "next_review_due": D(2026, 4, 5)})
        booked = writes.add(VISITS, db_session=s, patient_id=due_later.id, actor=CLINICIAN,
                            data={"date": D(2026, 1, 5), "kind": "follow_up", "next_review_due": D(2026, 5, 1)})
    with transaction(db_factory) as s:
        writes.revise(VISITS, db_session=s, record_id=booked.record_id, expected_version=1, actor=CLINICIAN,
                      changes={"next_review_due": D(2026, 7, 1)}, reason="review moved")
    with transaction(db_factory) as s:
        overdue = search_patients(db_session=s, centre_id=centre_id, overdue_only=True, today=TODAY)
        listed = search_patients(db_session=s, centre_id=centre_id, today=TODAY)
    assert [p.id for p in overdue.items] == [late.id]
    assert {p.id: p.overdue for p in listed.items} == {late.id: True, due_later.id: False, never.id: False}


def test_voided_patients_are_not_listed_and_paging_counts_the_whole_list(
        db_factory: sessionmaker[Session], new_patient: NewPatient, centre_id: int) -> None:
    patients = [new_patient(name=f"Pat {i}") for i in range(5)]
    with transaction(db_factory) as s:
        void_patient(db_session=s, patient_id=patients[0].id, expected_version=patients[0].row_version,
                     reason="duplicate registration", actor=CLINICIAN)
    with transaction(db_factory) as s:
        page = search_patients(db_session=s, centre_id=centre_id, limit=2, offset=2)
    assert page.total == 4 and [p.name for p in page.items] == ["Pat 3", "Pat 4"]


def test_overdue_only_without_today_is_refused(db_factory: sessionmaker[Session]) -> None:
    with pytest.raises(RecordValidationError) as refused, transaction(db_factory) as s:
        search_patients(db_session=s, overdue_only=True)
    assert refused.value.errors[0]["field"] == "today"


def test_the_list_sorts_by_age_youngest_first_with_unknown_birth_dates_last_either_way(
        db_factory: sessionmaker[Session], new_patient: NewPatient, centre_id: int) -> None:
    baby = new_patient(name="Baby", date_of_birth=D(2025, 1, 1), onset_date=None)
    teen = new_patient(name="Teen", date_of_birth=D(2011, 1, 1), onset_date=None)
    unknown = new_patient(name="Aaron", date_of_birth=None, onset_date=None)
    with transaction(db_factory) as s:
        youngest = search_patients(db_session=s, centre_id=centre_id, sort="age")
        oldest = search_patients(db_session=s, centre_id=centre_id, sort="age", descending=True)
        by_name_down = search_patients(db_session=s, centre_id=centre_id, sort="name", descending=True)
    assert [p.id for p in youngest.items] == [baby.id, teen.id, unknown.id]
    assert [p.id for p in oldest.items] == [teen.id, baby.id, unknown.id]
    assert [p.name for p in by_name_down.items] == ["Teen", "Baby", "Aaron"]


def test_an_unknown_sort_is_refused_with_the_accepted_ones(db_factory: sessionmaker[Session]) -> None:
    with pytest.raises(RecordValidationError) as refused, transaction(db_factory) as s:
        search_patients(db_session=s, sort="date_of_birth; drop table patients")
    assert refused.value.errors[0]["field"] == "sort" and "age" in refused.value.errors[0]["message"]
