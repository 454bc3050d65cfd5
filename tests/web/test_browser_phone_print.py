"""The patient page on a phone (390×844) and on paper.

Phone: nothing scrolls sideways, signing out is on screen, and the assessment summary comes before the
skeleton map, charts and timeline. Print: no navigation, buttons or forms; the assessment and timeline
stay."""

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
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def busy_patient(clinic: Clinic) -> str:
    """A patient with a long course: labs, a study with lesions, visits and a medicine."""
    with transaction(clinic.app.state.web.sessions) as db:
        patient_id = create_patient(db_session=db, actor="setup", data={
            "centre_id": clinic.centre_id, "name": "Philippa Phone-Layout-With-A-Long-Name",
            "hospital_number": "BR-PHONE-000123456789", "sex": "female", "date_of_birth": dt.date(2013, 4, 5),
            "onset_date": dt.date(2025, 9, 1)}).id
        for month in range(1, 10):
            writes.add(KINDS["labs"], db_session=db, patient_id=patient_id, actor="setup", data={
                "test": "crp", "date": dt.date(2025, month, 3), "value": 5 + month, "unit": "mg/L"})
            writes.add(KINDS["visits"], db_session=db, patient_id=patient_id, actor="setup", data={
                "date": dt.date(2025, month, 3), "kind": "follow_up", "pain_0_10": month % 10,
                "notes": "Pain in the left distal femur and the right clavicle on walking; no fever."})
        writes.add(KINDS["imaging"], db_session=db, patient_id=patient_id, actor="setup", data={
            "date": dt.date(2025, 9, 10), "modality": "mri", "whole_body": True, "lesions": [
                {"site": "femur", "side": "left", "segment": "distal_metaphysis", "findings": ["marrow_oedema"]},
                {"site": "clavicle", "side": "right", "findings": ["marrow_oedema"]}]})
    return patient_id


def test_on_a_phone_the_patient_page_never_scrolls_sideways_and_the_summary_is_near_the_top(
        browser_page: Any, busy_patient: str) -> None:
    page = browser_page
    sign_in(page)
    page.set_viewport_size(PHONE)
    page.goto(f"/patients/{busy_patient}")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide"
    summary_top = page.evaluate("document.getElementById('assessment-summary').offsetTop")
    skeleton_top = page.evaluate("document.getElementById('skeleton-title').getBoundingClientRect().top"
                                 " + window.scrollY")
    assert summary_top < PHONE["height"], f"the assessment summary starts {summary_top} px down"
    assert summary_top < skeleton_top
    sign_out = page.get_by_role("button", name="Sign out")
    box = sign_out.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    sign_out.click()
    page.wait_for_url("**/login**")


def test_the_patient_list_and_a_form_fit_a_phone_too(browser_page: Any, busy_patient: str) -> None:
    page = browser_page
    sign_in(page)
    page.set_viewport_size(PHONE)
    for url in ("/patients", f"/patients/{busy_patient}/labs/new?test=crp", f"/patients/{busy_patient}/edit"):
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{url} is {width} px wide"


HIDDEN = "el => getComputedStyle(el).display === 'none' || el.offsetParent === null"


def test_printing_the_patient_page_hides_navigation_buttons_and_forms_and_keeps_the_record(
        browser_page: Any, busy_patient: str) -> None:
    page = browser_page
    sign_in(page)
    page.goto(f"/patients/{busy_patient}")
    assert not page.eval_on_selector("header.site nav", HIDDEN)  # on screen the navigation shows
    page.emulate_media(media="print")
    for selector in ("header.site nav", "nav[aria-labelledby='add-title']", "form", "button", ".record-actions"):
        shown = page.eval_on_selector_all(selector, f"els => els.filter(el => !({HIDDEN})(el)).length")
        assert shown == 0, f"{selector}: {shown} still printed"
    for selector in ("#assessment", "#timeline", "#patient-title"):
        assert not page.eval_on_selector(selector, HIDDEN), f"{selector} is missing from the print"
    assert page.evaluate("getComputedStyle(document.querySelector('.instrument')).breakInside") == "avoid"
    assert page.evaluate("getComputedStyle(document.querySelector('.layout')).display") == "block"
