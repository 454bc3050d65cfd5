"""Voiding and merging patients from the patient page, as a clinician: with a reason, audited, and never
across centres."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import Clinic
from tests.web.conftest import sign_in_browser as sign_in

from cnocare.records import versioned, writes
from cnocare.records.audit.models import AuditEvent
from cnocare.records.db import transaction
from cnocare.records.errors import RecordValidationError
from cnocare.records.kinds import KINDS
from cnocare.records.patients.merge import merge_patients
from cnocare.records.patients.service import create_patient, get_patient, search_patients

pytestmark = pytest.mark.browser


def add_patient(clinic: Clinic, name: str, number: str, centre_id: int | None = None) -> str:
    with transaction(clinic.app.state.web.sessions) as db:
        return create_patient(db_session=db, actor="setup", data={
            "centre_id": centre_id or clinic.centre_id, "name": name, "hospital_number": number,
            "sex": "male", "date_of_birth": dt.date(2012, 6, 1)}).id


def test_a_duplicate_is_merged_into_the_kept_patient_with_all_its_records_and_then_hidden(
        browser_page: Any, clinic: Clinic) -> None:
    page = browser_page
    duplicate, kept = add_patient(clinic, "Dan Duplicate", "BR-DUP-1"), add_patient(clinic, "Dan Kept", "BR-KEEP-1")
    with transaction(clinic.app.state.web.sessions) as db:
        writes.add(KINDS["labs"], db_session=db, patient_id=duplicate, actor="setup",
                   data={"test": "crp", "date": dt.date(2026, 3, 2), "value": 18, "unit": "mg/L"})
    sign_in(page)
    page.goto(f"/patients/{duplicate}")
    page.get_by_role("link", name="Merge a duplicate").click()
    page.get_by_label("Hospital number of the patient to keep").fill("BR-KEEP-1")
    page.get_by_role("button", name="Merge into the patient kept").click()  # no reason yet
    assert "say why these are the same person" in str(page.locator("#f-reason-error").text_content())
    page.get_by_label("Reason for the change").fill("registered twice on the same day")
    page.get_by_role("button", name="Merge into the patient kept").click()
    page.wait_for_selector("#patient-title")
    assert page.locator("#patient-title").text_content() == "Dan Kept"
    assert "1 record moved" in str(page.locator(".flash").text_content())
    assert "C-reactive protein 18 mg/L" in str(page.locator("#timeline").text_content())
    with transaction(clinic.app.state.web.sessions) as db:
        labs = versioned.list_for_patient(KINDS["labs"].concept, db_session=db, patient_id=kept)
        gone = get_patient(db_session=db, patient_id=duplicate)
        assert search_patients(db_session=db, text="Dan Duplicate").total == 0
        events = db.scalars(select(AuditEvent).where(AuditEvent.patient_id == duplicate,
                                                     AuditEvent.action == "void")).all()
    assert [lab.value for lab in labs] == [18]
    assert gone.voided_at is not None and gone.merged_into == kept and "registered twice" in str(gone.void_reason)
    assert {e.record_type for e in events} >= {"patient", "lab_results"} and {e.username for e in events} == {"ada"}


def test_a_patient_of_another_centre_is_never_merged(browser_page: Any, clinic: Clinic) -> None:
    page = browser_page
    duplicate = add_patient(clinic, "Ida Bristol", "BR-X-1")
    munich = add_patient(clinic, "Ida Munich", "MUC-X-1", centre_id=clinic.other_centre_id)
    sign_in(page)
    page.goto(f"/patients/{duplicate}/merge")
    page.get_by_label("Hospital number of the patient to keep").fill("MUC-X-1")
    page.get_by_label("Reason for the change").fill("same child")
    page.get_by_role("button", name="Merge into the patient kept").click()
    assert "no other patient at this centre" in str(page.locator("#f-keep-error").text_content())
    with pytest.raises(RecordValidationError, match="different centres"), \
            transaction(clinic.app.state.web.sessions) as db:
        merge_patients(db_session=db, duplicate_id=duplicate, keep_id=munich, expected_version=1,
                       reason="same child", actor="ada")
    with transaction(clinic.app.state.web.sessions) as db:
        assert get_patient(db_session=db, patient_id=duplicate).voided_at is None


def test_voiding_a_patient_needs_a_reason_and_takes_them_off_the_list(browser_page: Any, clinic: Clinic) -> None:
    page = browser_page
    patient_id = add_patient(clinic, "Vera Void", "BR-VOID-1")
    sign_in(page)
    page.goto(f"/patients/{patient_id}")
    page.get_by_role("link", name="Void this patient").click()
    page.get_by_label("Reason for the change").fill("test registration, not a real patient")
    page.get_by_role("button", name="Void this patient").click()
    page.wait_for_url("**/patients")
    assert "Vera Void voided" in str(page.locator(".flash").text_content())
    page.goto("/patients?q=Vera+Void")
    assert "Vera Void" not in str(page.locator("tbody").text_content())


def test_a_nurse_may_not_void_or_merge_a_patient(clinic: Clinic) -> None:
    from tests.web.conftest import sign_in as sign_in_client

    patient_id = add_patient(clinic, "Nora Nurse-Proof", "BR-NURSE-1")
    with TestClient(clinic.app) as client:
        sign_in_client(client, "nell")
        assert client.get(f"/patients/{patient_id}/void").status_code == 403
        assert client.get(f"/patients/{patient_id}/merge").status_code == 403
        assert "Void this patient" not in client.get(f"/patients/{patient_id}").text
