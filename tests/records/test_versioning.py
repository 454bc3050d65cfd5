"""Edits add versions, deletes void with a reason, and a concurrent edit is refused, not lost."""

from __future__ import annotations

import datetime as dt

import pytest
from records_personas import CLINICIAN, COLLEAGUE, NewPatient
from sqlalchemy.orm import Session, sessionmaker

from cnocare.records import versioned, writes
from cnocare.records.db import transaction
from cnocare.records.errors import RecordValidationError, StaleRecordError
from cnocare.records.kinds import KINDS
from cnocare.records.patients.service import get_patient, patient_revisions, update_patient

CRP = {"test": "crp", "date": dt.date(2026, 3, 2), "value": 12.0, "unit": "mg/L",
       "reference_low": 0, "reference_high": 5, "reference_source": "St Elsewhere lab"}

LABS = KINDS["labs"]


def test_an_edit_adds_a_version_and_voids_the_old_one_with_the_reason(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient()
    with transaction(db_factory) as s:
        lab = writes.add(LABS, db_session=s, patient_id=patient.id, data=CRP, actor=CLINICIAN)
    with transaction(db_factory) as s:
        edited = writes.revise(LABS, db_session=s, record_id=lab.record_id, changes={"value": 1.2, "unit": "mg/dL"},
                               expected_version=1, actor=COLLEAGUE, reason="transcribed in the wrong unit")
    assert (edited.version, edited.value, edited.unit, edited.canonical_value) == (2, 1.2, "mg/dL", 12.0)
    with transaction(db_factory) as s:
        versions = versioned.history(LABS.concept, db_session=s, record_id=lab.record_id)
        current = versioned.list_for_patient(LABS.concept, db_session=s, patient_id=patient.id)
    assert [(v.version, v.is_current) for v in versions] == [(1, False), (2, True)]
    assert versions[0].void_reason == "edited: transcribed in the wrong unit"
    assert versions[0].voided_by == COLLEAGUE and versions[1].created_by == COLLEAGUE
    assert versions[0].value == 12.0  # the original value is kept, not overwritten
    assert [c.record_id for c in current] == [lab.record_id]


def test_voiding_keeps_the_row_but_takes_it_out_of_the_current_list(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient()
    with transaction(db_factory) as s:
        lab = writes.add(LABS, db_session=s, patient_id=patient.id, data=CRP, actor=CLINICIAN)
    with transaction(db_factory) as s:
        writes.void(LABS, db_session=s, record_id=lab.record_id, expected_version=1,
                    reason="result belonged to another patient", actor=COLLEAGUE)
    with transaction(db_factory) as s:
        assert versioned.list_for_patient(LABS.concept, db_session=s, patient_id=patient.id) == []
        kept = versioned.list_for_patient(LABS.concept, db_session=s, patient_id=patient.id, include_voided=True)
    assert [(k.is_current, k.void_reason, k.voided_by) for k in kept] == [
        (False, "result belonged to another patient", COLLEAGUE)]


def test_voiding_without_a_reason_is_refused(db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient()
    with transaction(db_factory) as s:
        lab = writes.add(LABS, db_session=s, patient_id=patient.id, data=CRP, actor=CLINICIAN)
    with pytest.raises(RecordValidationError) as refused, transaction(db_factory) as s:
        writes.void(LABS, db_session=s, record_id=lab.record_id, expected_version=1, reason="  ", actor=CLINICIAN)
    assert refused.value.errors[0]["field"] == "reason"


def test_an_edit_of_an_old_version_is_refused_naming_who_changed_it_and_nothing_is_lost(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient()
    with transaction(db_factory) as s:
        lab = writes.add(LABS, db_session=s, patient_id=patient.id, data=CRP, actor=CLINICIAN)
    # Two clinicians open version 1; the colleague saves first.
    with transaction(db_factory) as s:
        writes.revise(LABS, db_session=s, record_id=lab.record_id, changes={"value": 14.0}, expected_version=1,
                      actor=COLLEAGUE)
    with pytest.raises(StaleRecordError) as conflict, transaction(db_factory) as s:
        writes.revise(LABS, db_session=s, record_id=lab.record_id, changes={"value": 99.0}, expected_version=1,
                      actor=CLINICIAN)
    assert conflict.value.current_version == 2 and conflict.value.changed_by == COLLEAGUE
    assert COLLEAGUE in str(conflict.value) and "Nothing was saved" in str(conflict.value)
    with transaction(db_factory) as s:
        versions = versioned.history(LABS.concept, db_session=s, record_id=lab.record_id)
    assert [(v.version, v.value, v.is_current) for v in versions] == [(1, 12.0, False), (2, 14.0, True)]


def test_a_racing_edit_in_an_open_session_is_refused_at_write_time(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient()
    with transaction(db_factory) as s:
        lab = writes.add(LABS, db_session=s, patient_id=patient.id, data=CRP, actor=CLINICIAN)
    with transaction(db_factory) as s:
        writes.revise(LABS, db_session=s, record_id=lab.record_id, changes={"value": 14.0}, expected_version=1,
                      actor=COLLEAGUE)
    with pytest.raises(StaleRecordError), transaction(db_factory) as s:
        writes.void(LABS, db_session=s, record_id=lab.record_id, expected_version=1, reason="duplicate",
                    actor=CLINICIAN)
    with transaction(db_factory) as s:
        current = versioned.list_for_patient(LABS.concept, db_session=s, patient_id=patient.id)
        assert [v.value for v in current] == [14.0]


def test_a_patient_edit_with_a_stale_row_version_is_refused_and_history_keeps_the_old_name(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient(name="Maya Lind")
    with transaction(db_factory) as s:
        renamed = update_patient(db_session=s, patient_id=patient.id, changes={"name": "Maya Lind-Berg"},
                                 expected_version=patient.row_version, actor=COLLEAGUE, reason="name change")
    assert renamed.row_version == patient.row_version + 1
    with pytest.raises(StaleRecordError) as conflict, transaction(db_factory) as s:
        update_patient(db_session=s, patient_id=patient.id, changes={"sex": "male"},
                       expected_version=patient.row_version, actor=CLINICIAN)
    assert conflict.value.changed_by == COLLEAGUE
    with transaction(db_factory) as s:
        assert get_patient(db_session=s, patient_id=patient.id).sex == "female"
        revisions = patient_revisions(db_session=s, patient_id=patient.id)
    assert [(r.data["name"], r.replaced_by, r.reason) for r in revisions] == [("Maya Lind", COLLEAGUE,
                                                                               "name change")]
