"""Records → Case: the current rows become the clinical snapshot; voided and later rows stay out."""

from __future__ import annotations

import datetime as dt

import pytest
from records_personas import CLINICIAN, COLLEAGUE, NewPatient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from cnocare.records import writes
from cnocare.records.casebuilder import build_case
from cnocare.records.chart import load_chart
from cnocare.records.db import transaction
from cnocare.records.kinds import KINDS
from cnocare.records.labs.models import LabResultRecord

D = dt.date

ALTERNATIVES = KINDS["alternatives"]
BIOPSIES = KINDS["biopsies"]
CONDITIONS = KINDS["conditions"]
EPISODES = KINDS["episodes"]
FAMILY_HISTORY = KINDS["family-history"]
GENETICS = KINDS["genetics"]
IMAGING = KINDS["imaging"]
LABS = KINDS["labs"]
MEDICINES = KINDS["medicines"]
NOTES = KINDS["notes"]
SYMPTOMS = KINDS["symptoms"]
VISITS = KINDS["visits"]


def _maya_course(s: Session, patient_id: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    writes.add(EPISODES, db_session=s, patient_id=patient_id, actor=CLINICIAN,
               data={"kind": "presentation", "start": D(2025, 9, 1), "end": D(2026, 1, 10)})
    writes.add(SYMPTOMS, db_session=s, patient_id=patient_id, actor=CLINICIAN,
               data={"kind": "bone_pain", "present": True, "date": D(2025, 9, 1), "site": "clavicle",
                     "side": "right", "severity_0_10": 6})
    ids["mri"] = writes.add(IMAGING, db_session=s, patient_id=patient_id, actor=CLINICIAN, data={
        "date": D(2025, 11, 3), "modality": "whole_body_mri", "whole_body": True, "lesions": [
            {"site": "clavicle", "side": "right", "segment": "diaphysis",
             "findings": ["marrow_oedema", "hyperostosis"], "activity": "active"},
            {"site": "T7", "side": "midline", "segment": "vertebral_body", "findings": ["marrow_oedema"]}]}).record_id
    ids["crp"] = writes.add(LABS, db_session=s, patient_id=patient_id, actor=CLINICIAN, data={
        "test": "crp", "date": D(2025, 11, 1), "value": 1.4, "unit": "mg/dL", "reference_high": 0.5}).record_id
    ids["wrong_esr"] = writes.add(LABS, db_session=s, patient_id=patient_id, actor=CLINICIAN, data={
        "test": "esr", "date": D(2025, 11, 1), "value": 80, "unit": "mm/h"}).record_id
    writes.add(LABS, db_session=s, patient_id=patient_id, actor=CLINICIAN,
               data={"test": "crp", "date": D(2026, 4, 1), "value": 2, "unit": "mg/L"})
    writes.add(BIOPSIES, db_session=s, patient_id=patient_id, actor=CLINICIAN, data={
        "date": D(2025, 12, 1), "site": "clavicle", "side": "right", "histology": ["chronic_inflammation"],
        "culture": "negative"})
    writes.add(MEDICINES, db_session=s, patient_id=patient_id, actor=CLINICIAN, data={
        "drug": "naproxen", "drug_class": "nsaid", "start": D(2025, 11, 10), "stop": D(2026, 2, 1),
        "stop_reason": "remission", "response": "complete"})
    writes.add(CONDITIONS, db_session=s, patient_id=patient_id, actor=CLINICIAN,
               data={"kind": "palmoplantar_pustulosis", "onset": D(2025, 10, 1)})
    writes.add(ALTERNATIVES, db_session=s, patient_id=patient_id, actor=CLINICIAN,
               data={"kind": "malignancy", "status": "excluded", "date": D(2025, 12, 8),
                     "basis": "biopsy histology"})
    writes.add(FAMILY_HISTORY, db_session=s, patient_id=patient_id, actor=CLINICIAN,
               data={"relation": "first_degree", "condition": "psoriasis"})
    writes.add(GENETICS, db_session=s, patient_id=patient_id, actor=CLINICIAN,
               data={"gene": "LPIN2", "classification": "benign"})
    writes.add(VISITS, db_session=s, patient_id=patient_id, actor=CLINICIAN,
               data={"date": D(2025, 11, 3), "kind": "new_patient", "pain_0_10": 6, "physician_global_0_10": 5,
                     "next_review_due": D(2026, 2, 3)})
    writes.add(NOTES, db_session=s, patient_id=patient_id, actor=CLINICIAN,
               data={"date": D(2025, 11, 3), "text": "Discussed NSAID trial."})
    return ids


def test_the_case_holds_every_current_record_with_units_normalised(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient()
    with transaction(db_factory) as s:
        ids = _maya_course(s, patient.id)
    with transaction(db_factory) as s:
        writes.void(LABS, db_session=s, record_id=ids["wrong_esr"], expected_version=1,
                    reason="entered on the wrong patient", actor=COLLEAGUE)
        writes.revise(IMAGING, db_session=s, record_id=ids["mri"], expected_version=1, actor=COLLEAGUE,
                      changes={"report": "Right clavicular and T7 oedema."})
    with transaction(db_factory) as s:
        case = build_case(db_session=s, patient_id=patient.id)
    assert case.case_id == patient.id and case.patient.sex == "female"
    assert [(lab.test, lab.canonical_value) for lab in case.labs] == [("crp", 14.0), ("crp", 2.0)]
    [study] = case.imaging
    assert study.id == ids["mri"] and study.report == "Right clavicular and T7 oedema."
    assert [(lesion.site, lesion.side, lesion.findings) for lesion in study.lesions] == [
        ("clavicle", "right", ("marrow_oedema", "hyperostosis")), ("T7", "midline", ("marrow_oedema",))]
    assert case.biopsies[0].histology == ("chronic_inflammation",)
    assert (case.medicines[0].drug, case.medicines[0].stop) == ("naproxen", D(2026, 2, 1))
    assert [c.kind for c in case.conditions] == ["palmoplantar_pustulosis"]
    assert [a.status for a in case.alternative_diagnoses] == ["excluded"]
    assert [f.condition for f in case.family_history] == ["psoriasis"]
    assert [g.gene for g in case.genetics] == ["LPIN2"]
    assert [e.kind for e in case.episodes] == ["presentation"]
    assert case.symptoms[0].site == "clavicle"


def test_a_case_as_of_a_past_date_leaves_out_later_entries_and_shows_later_stops_as_running(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient()
    with transaction(db_factory) as s:
        _maya_course(s, patient.id)
        case = build_case(db_session=s, patient_id=patient.id, as_of=D(2025, 12, 31))
    assert case.as_of == D(2025, 12, 31)
    assert [lab.date for lab in case.labs] == [D(2025, 11, 1), D(2025, 11, 1)]
    assert case.medicines[0].stop is None and case.medicines[0].stop_reason is None
    assert case.episodes[0].end is None


def test_the_patient_chart_has_every_section_and_the_latest_assessment(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    patient = new_patient()
    with transaction(db_factory) as s:
        _maya_course(s, patient.id)
    with transaction(db_factory) as s:
        chart = load_chart(db_session=s, patient_id=patient.id)
    assert chart.patient.id == patient.id and len(chart["labs"]) == 3 and len(chart["imaging"][0].lesions) == 2
    assert chart["visits"][0].next_review_due == D(2026, 2, 3) and chart["notes"][0].text == "Discussed NSAID trial."
    assert chart.latest_snapshot is not None and chart.latest_snapshot.assessment["case_id"] == patient.id


def test_a_stored_result_reaches_the_case_with_the_canonical_value_converted_once_at_entry(
        db_factory: sessionmaker[Session], new_patient: NewPatient) -> None:
    """The Case takes the canonical value stored at entry: the refresh neither re-parses nor re-converts it."""
    patient = new_patient()
    with transaction(db_factory) as s:
        writes.add(KINDS["labs"], db_session=s, patient_id=patient.id, actor="t",
                   data={"test": "crp", "date": dt.date(2026, 3, 2), "value": 1.2, "unit": "mg/dL",
                         "reference_high": 0.5})
    with transaction(db_factory) as s:
        assert build_case(db_session=s, patient_id=patient.id).labs[0].canonical_value == pytest.approx(12)
        # Mark the stored canonical value: if the Case still converted 1.2 mg/dL itself it would read 12.
        s.execute(update(LabResultRecord).values(canonical_value=12.5))
    with transaction(db_factory) as s:
        lab = build_case(db_session=s, patient_id=patient.id).labs[0]
    assert lab.canonical_value == 12.5 and lab.canonical_reference_high == pytest.approx(5)
