"""Patient status: a discharged, transferred or deceased patient is never "overdue" for review."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import Clinic, csrf_of, new_patient

from cnocare.records import writes
from cnocare.records.db import transaction
from cnocare.records.errors import RecordValidationError
from cnocare.records.kinds import KINDS
from cnocare.records.patients.service import get_patient, search_patients, update_patient


def _overdue_patient(ada: TestClient, clinic: Clinic, name: str) -> str:
    """A mimic seen once in 2021: the follow-up plan has long been due."""
    patient_id = new_patient(ada, clinic, name=name, onset_date="2021-01-10")
    with transaction(clinic.app.state.web.sessions) as db:
        writes.add(KINDS["visits"], db_session=db, patient_id=patient_id, actor="ada",
                   data={"date": dt.date(2021, 2, 1), "kind": "follow_up", "pain_0_10": 3,
                         "next_review_due": dt.date(2021, 8, 1)})
    return patient_id


def _overdue_names(clinic: Clinic) -> set[str]:
    with transaction(clinic.app.state.web.sessions) as db:
        found = search_patients(db_session=db, overdue_only=True, today=dt.date.today(), limit=500)
    return {p.name for p in found.items}


def test_a_discharged_patient_leaves_the_overdue_filter_and_list(ada: TestClient, clinic: Clinic) -> None:
    patient_id = _overdue_patient(ada, clinic, "Dora Discharged")
    assert "Dora Discharged" in _overdue_names(clinic)
    edit = ada.get(f"/patients/{patient_id}/edit").text
    assert "Status in the clinic&#39;s care" in edit and "Date of discharge, transfer or death" in edit
    response = ada.post(f"/patients/{patient_id}/edit", follow_redirects=False, data={
        "csrf_token": csrf_of(edit), "version": "1", "centre_id": str(clinic.centre_id), "name": "Dora Discharged",
        "hospital_number": get_hn(clinic, patient_id), "sex": "female", "date_of_birth": "2014-05-02",
        "onset_date": "2021-01-10", "status": "discharged", "status_date": "2021-06-01",
        "reason": "mimic: leukaemia, care moved to oncology"})
    assert response.status_code == 303, response.text
    assert "Dora Discharged" not in _overdue_names(clinic)
    listing = ada.get("/patients?q=Dora+Discharged").text.split("<tbody>", 1)[1]
    assert "discharged" in listing and "overdue" not in listing
    assert "discharged since 2021-06-01" in ada.get(f"/patients/{patient_id}").text
    assert "Dora Discharged" not in ada.get("/patients?overdue=1").text.split("<tbody>", 1)[1]


def get_hn(clinic: Clinic, patient_id: str) -> str:
    with transaction(clinic.app.state.web.sessions) as db:
        return get_patient(db_session=db, patient_id=patient_id).hospital_number


@pytest.mark.parametrize("status", ["transferred", "deceased"])
def test_a_status_other_than_active_needs_its_date(ada: TestClient, clinic: Clinic, status: str) -> None:
    patient_id = new_patient(ada, clinic, name=f"Sam {status}")
    with pytest.raises(RecordValidationError) as refused, transaction(clinic.app.state.web.sessions) as db:
        update_patient(db_session=db, patient_id=patient_id, changes={"status": status}, expected_version=1,
                       actor="ada")
    assert refused.value.errors[0]["field"] == "status_date"
    assert refused.value.errors[0]["message"] == f"say when the patient was {status}"
