"""A record's history in the browser: a voided CRP stays on the timeline struck through, and its history
page lists every version with who saved it, when and why."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.web.conftest import Clinic
from tests.web.conftest import sign_in_browser as sign_in

from cnocare.records import writes
from cnocare.records.db import transaction
from cnocare.records.kinds import KINDS
from cnocare.records.patients.service import create_patient

pytestmark = pytest.mark.browser


def test_a_voided_lab_is_struck_through_and_its_history_shows_each_version_who_and_why(
        browser_page: Any, clinic: Clinic) -> None:
    page = browser_page
    labs = KINDS["labs"]
    with transaction(clinic.app.state.web.sessions) as db:
        patient_id = create_patient(db_session=db, actor="setup", data={
            "centre_id": clinic.centre_id, "name": "Hana History", "hospital_number": "BR-HIST",
            "sex": "female", "date_of_birth": dt.date(2012, 1, 1)}).id
        lab = writes.add(labs, db_session=db, patient_id=patient_id, actor="ada", data={
            "test": "crp", "date": dt.date(2026, 3, 2), "value": 12, "unit": "mg/L"})
        writes.revise(labs, db_session=db, record_id=lab.record_id, changes={"value": 21}, expected_version=1,
                      actor="bob", reason="digits swapped")
        writes.void(labs, db_session=db, record_id=lab.record_id, expected_version=2, actor="cleo",
                    reason="entered for the wrong patient")
    sign_in(page)
    page.goto(f"/patients/{patient_id}")
    struck = page.locator("#timeline [data-voided]")
    assert struck.count() == 1
    assert "C-reactive protein 21 mg/L" in str(struck.locator("del").text_content())
    assert "line-through" in page.eval_on_selector("#timeline [data-voided] del",
                                                   "e => getComputedStyle(e).textDecorationLine")
    assert "voided by cleo" in str(struck.text_content()) and "entered for the wrong patient" in str(
        struck.text_content())
    assert page.locator("#timeline [data-voided] a", has_text="edit").count() == 0
    struck.get_by_role("link", name="History of the voided Lab result", exact=False).click()
    page.wait_for_selector("[data-withdrawn]")
    assert "Voided by cleo" in str(page.locator("[data-withdrawn]").text_content())
    second, first = page.locator("[data-version='2']"), page.locator("[data-version='1']")
    assert "Saved by bob" in str(second.text_content()) and "Why: digits swapped" in str(second.text_content())
    assert "Saved by ada" in str(first.text_content()) and "Why: first entry" in str(first.text_content())
    assert "21" in str(second.locator("tr.changed").text_content())
