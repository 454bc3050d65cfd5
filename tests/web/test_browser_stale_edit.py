"""Two people edit the same record: the second save merges with the first and never undoes it.

The colleague's save happens through the records layer between the page opening and the click, as it
would from another desk. Fields only one side changed are combined; a field both changed is shown side
by side and the user chooses."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.web.conftest import Clinic
from tests.web.conftest import sign_in_browser as sign_in

from cnocare.records import versioned, writes
from cnocare.records.db import transaction
from cnocare.records.kinds import KINDS
from cnocare.records.patients.service import create_patient, get_patient, update_patient

pytestmark = pytest.mark.browser


def add_patient(clinic: Clinic, name: str, number: str) -> str:
    with transaction(clinic.app.state.web.sessions) as db:
        return create_patient(db_session=db, actor="setup", data={
            "centre_id": clinic.centre_id, "name": name, "hospital_number": number, "sex": "male",
            "date_of_birth": dt.date(2013, 2, 3)}).id


def colleague_edits_patient(clinic: Clinic, patient_id: str, **changes: Any) -> None:
    with transaction(clinic.app.state.web.sessions) as db:
        update_patient(db_session=db, patient_id=patient_id, changes=changes, expected_version=1,
                       actor="bob", reason="new information")


def test_my_name_change_and_a_colleagues_hospital_number_change_are_both_kept(
        browser_page: Any, clinic: Clinic) -> None:
    page, patient_id = browser_page, add_patient(clinic, "Theo Three", "BR-300")
    sign_in(page)
    page.goto(f"/patients/{patient_id}/edit")
    colleague_edits_patient(clinic, patient_id, hospital_number="BR-301")
    page.get_by_label("Name").fill("Theo Threeway")
    page.get_by_label("Reason for the change").fill("spelling")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("#patient-title")
    flash = str(page.locator(".flash").text_content())
    assert "your change to Name was saved" in flash and "bob's change to Hospital number was kept" in flash
    with transaction(clinic.app.state.web.sessions) as db:
        saved = get_patient(db_session=db, patient_id=patient_id)
    assert (saved.name, saved.hospital_number, saved.row_version) == ("Theo Threeway", "BR-301", 3)


def test_a_field_both_changed_is_shown_side_by_side_and_theirs_stays_unless_i_choose_mine(
        browser_page: Any, clinic: Clinic) -> None:
    page, patient_id = browser_page, add_patient(clinic, "Cora Clash", "BR-400")
    sign_in(page)
    page.goto(f"/patients/{patient_id}/edit")
    colleague_edits_patient(clinic, patient_id, hospital_number="BR-401")
    page.get_by_label("Hospital number").fill("BR-402")
    page.get_by_label("Reason for the change").fill("typing error")
    page.get_by_role("button", name="Save").click()
    box = str(page.locator("[data-conflict]").text_content())
    assert "bob saved a change to this record" in box and "reload" not in box and patient_id not in box
    choice = page.locator("#f-hospital_number")
    assert "Keep yours: BR-402" in str(choice.text_content()) and "Keep theirs, saved now: BR-401" in str(
        choice.text_content())
    page.get_by_role("button", name="Save").click()  # no choice made: asked again, nothing saved
    assert "choose which value to keep" in str(page.locator("#f-hospital_number-error").text_content())
    with transaction(clinic.app.state.web.sessions) as db:
        assert get_patient(db_session=db, patient_id=patient_id).hospital_number == "BR-401"
    page.get_by_label("Keep theirs, saved now: BR-401").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("#patient-title")
    with transaction(clinic.app.state.web.sessions) as db:
        saved = get_patient(db_session=db, patient_id=patient_id)
    # Keeping theirs changes nothing, and an edit that changes nothing writes no new version (issue 9).
    assert (saved.hospital_number, saved.row_version) == ("BR-401", 2)


def test_a_stale_lab_edit_applies_my_value_and_keeps_the_colleagues_reference_range(
        browser_page: Any, clinic: Clinic) -> None:
    page, patient_id = browser_page, add_patient(clinic, "Lena Lab", "BR-500")
    with transaction(clinic.app.state.web.sessions) as db:
        lab = writes.add(KINDS["labs"], db_session=db, patient_id=patient_id, actor="setup", data={
            "test": "crp", "date": dt.date(2026, 3, 2), "value": 12, "unit": "mg/L"})
    sign_in(page)
    page.goto(f"/patients/{patient_id}/labs/{lab.record_id}/edit")
    with transaction(clinic.app.state.web.sessions) as db:
        writes.revise(KINDS["labs"], db_session=db, record_id=lab.record_id, changes={"reference_high": 5},
                      expected_version=1, actor="bob", reason="lab sent the range")
    page.get_by_label("Value").fill("14")
    page.get_by_label("Reason for the change").fill("typing error")
    page.get_by_role("button", name="Save", exact=True).last.click()
    page.wait_for_selector("#patient-title")
    with transaction(clinic.app.state.web.sessions) as db:
        now = versioned.get(KINDS["labs"].concept, db_session=db, record_id=lab.record_id)
    assert (now.value, now.reference_high, now.version) == (14, 5, 3)
