"""Bad input is refused naming field, value and what is accepted, and a failed save writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from records_personas import CLINICIAN, NewPatient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from cnocare.records import versioned, writes
from cnocare.records.casebuilder import build_case
from cnocare.records.db import transaction
from cnocare.records.errors import RecordValidationError
from cnocare.records.kinds import KINDS
from cnocare.records.labs.models import LabResultRecord

IMAGING = KINDS["imaging"]
LABS = KINDS["labs"]
MEDICINES = KINDS["medicines"]
VISITS = KINDS["visits"]


def test_a_lab_in_an_unknown_unit_is_refused_listing_the_accepted_units(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient()
    with pytest.raises(RecordValidationError) as refused, transaction(db_factory) as s:
        writes.add(LABS, db_session=s, patient_id=patient.id, actor=CLINICIAN,
                   data={"test": "crp", "date": dt.date(2026, 3, 2), "value": 12, "unit": "mmol/L"})
    [problem] = refused.value.errors
    assert problem["field"] == "unit" and problem["value"] == "mmol/L"
    assert "mg/L" in problem["message"] and "mg/dL" in problem["message"]


def test_an_impossible_lab_value_is_refused_with_the_possible_range(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient()
    with pytest.raises(RecordValidationError) as refused, transaction(db_factory) as s:
        writes.add(LABS, db_session=s, patient_id=patient.id, actor=CLINICIAN,
                   data={"test": "haemoglobin", "date": dt.date(2026, 3, 2), "value": 500, "unit": "g/L"})
    [problem] = refused.value.errors
    assert problem["field"] == "value" and problem["value"] == 500 and "impossible" in problem["message"]


def test_a_lesion_on_a_paired_bone_may_leave_the_side_unreported_but_not_midline(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient()
    with transaction(db_factory) as s:  # a letter from another hospital often gives no side
        writes.add(IMAGING, db_session=s, patient_id=patient.id, actor=CLINICIAN, data={
            "date": dt.date(2026, 3, 3), "modality": "mri",
            "lesions": [{"site": "clavicle", "side": "left"}, {"site": "tibia", "findings": ["marrow_oedema"]}]})
    with pytest.raises(RecordValidationError) as refused, transaction(db_factory) as s:
        writes.add(IMAGING, db_session=s, patient_id=patient.id, actor=CLINICIAN, data={
            "date": dt.date(2026, 3, 3), "modality": "mri",
            "lesions": [{"site": "clavicle", "side": "left"}, {"site": "tibia", "side": "midline"}]})
    [problem] = refused.value.errors
    assert problem["field"].startswith("lesions.1") and "left" in problem["message"]


def test_a_vocabulary_mistake_lists_the_accepted_words(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient()
    with pytest.raises(RecordValidationError) as refused, transaction(db_factory) as s:
        writes.add(MEDICINES, db_session=s, patient_id=patient.id, actor=CLINICIAN,
                   data={"drug": "naproxen", "drug_class": "nsaids", "start": dt.date(2026, 3, 3)})
    [problem] = refused.value.errors
    assert problem["field"] == "drug_class" and problem["value"] == "nsaids" and "'nsaid'" in problem["message"]


def test_a_failed_save_inside_a_transaction_writes_nothing(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient()
    with pytest.raises(RecordValidationError), transaction(db_factory) as s:
        writes.add(VISITS, db_session=s, patient_id=patient.id, actor=CLINICIAN,
                   data={"date": dt.date(2026, 3, 2), "kind": "follow_up", "pain_0_10": 4})
        writes.add(LABS, db_session=s, patient_id=patient.id, actor=CLINICIAN,
                   data={"test": "esr", "date": dt.date(2026, 3, 2), "value": 900, "unit": "mm/h"})
    with transaction(db_factory) as s:
        assert versioned.list_for_patient(VISITS.concept, db_session=s, patient_id=patient.id) == []
        assert versioned.list_for_patient(LABS.concept, db_session=s, patient_id=patient.id) == []
        assert s.scalar(select(func.count()).select_from(LabResultRecord)
                        .where(LabResultRecord.patient_id == patient.id)) == 0


def test_a_record_dated_before_birth_is_refused_by_the_case_rules(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient(date_of_birth=dt.date(2014, 5, 2))
    with pytest.raises(RecordValidationError) as refused, transaction(db_factory) as s:
        writes.add(LABS, db_session=s, patient_id=patient.id, actor=CLINICIAN,
                   data={"test": "crp", "date": dt.date(2013, 1, 1), "value": 3, "unit": "mg/L"})
    assert refused.value.errors[0]["field"].startswith("case")
    assert "before the date of birth" in refused.value.errors[0]["message"]


def test_a_pain_score_above_ten_is_refused(db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient()
    with pytest.raises(RecordValidationError) as refused, transaction(db_factory) as s:
        writes.add(VISITS, db_session=s, patient_id=patient.id, actor=CLINICIAN,
                   data={"date": dt.date(2026, 3, 2), "kind": "follow_up", "pain_0_10": 11})
    assert refused.value.errors[0]["field"] == "pain_0_10" and refused.value.errors[0]["value"] == 11


def test_what_a_clinician_often_does_not_know_can_be_left_unreported(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    """Culture, medicine start, a censored CRP and lesion findings read absent reach the Case as such."""
    patient = new_patient()
    with transaction(db_factory) as s:
        writes.add(KINDS["biopsies"], db_session=s, patient_id=patient.id, actor=CLINICIAN,
                   data={"date": dt.date(2026, 3, 3), "histology": ["chronic_inflammation"]})
        writes.add(MEDICINES, db_session=s, patient_id=patient.id, actor=CLINICIAN,
                   data={"drug": "naproxen", "drug_class": "nsaid"})
        writes.add(KINDS["labs"], db_session=s, patient_id=patient.id, actor=CLINICIAN,
                   data={"test": "crp", "date": dt.date(2026, 3, 2), "value": 5, "comparator": "<", "unit": "mg/L"})
        writes.add(IMAGING, db_session=s, patient_id=patient.id, actor=CLINICIAN, data={
            "date": dt.date(2026, 3, 3), "modality": "xray", "lesions": [
                {"site": "tibia", "side": "left", "findings": ["lysis"], "absent_findings": ["soft_tissue_mass"],
                 "findings_complete": True}]})
    with transaction(db_factory) as s:
        case = build_case(db_session=s, patient_id=patient.id)
    assert case.biopsies[0].culture is None and case.medicines[0].start is None
    assert case.labs[0].comparator == "<" and case.labs[0].interval is not None and case.labs[0].interval.hi_open
    lesion = case.imaging[0].lesions[0]
    assert lesion.finding("soft_tissue_mass") is False and lesion.finding("marrow_oedema") is False
