"""Refusals beside the field they are about, in the clinic's words, as a clinician sees them.

Each case is one the app used to get wrong: a rule of the whole Case ("case.record: labs[0] date ...")
landed in the summary with no field; "unit None for crp"; pydantic's "Input should be less than or
equal to 10" with no field; the same message twice without saying which field; a fever typed in °F
refused without a word about °F; the label "Pain 0 10"."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.web.conftest import Clinic
from tests.web.conftest import sign_in_browser as sign_in

from cnocare.records.db import transaction
from cnocare.records.patients.service import create_patient

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def patient_id(clinic: Clinic) -> str:
    with transaction(clinic.app.state.web.sessions) as db:
        return create_patient(db_session=db, actor="setup", data={
            "centre_id": clinic.centre_id, "name": "Wanda Words", "hospital_number": "BR-WORDS",
            "sex": "female", "date_of_birth": dt.date(2014, 5, 2)}).id


def error_of(page: Any, name: str) -> str:
    assert page.locator(f"#f-{name}").get_attribute("aria-invalid") == "true"
    return str(page.locator(f"#f-{name}-error").text_content())


def summary(page: Any) -> list[str]:
    return [str(t).strip() for t in page.locator("[data-error-summary] li").all_text_contents()]


def test_a_lab_dated_before_birth_is_refused_beside_its_date(browser_page: Any, patient_id: str) -> None:
    page = browser_page
    sign_in(page)
    page.goto(f"/patients/{patient_id}/labs/new?test=crp")
    page.get_by_label("Date").fill("2010-03-02")
    page.get_by_label("Unit").select_option("mg/L")
    page.get_by_label("Value").fill("12")
    page.get_by_role("button", name="Save", exact=True).last.click()
    assert error_of(page, "date") == "2010-03-02 is before the date of birth 2014-05-02"
    assert summary(page) == ["Date: 2010-03-02 is before the date of birth 2014-05-02"]


def test_a_lab_without_its_unit_asks_for_the_unit_the_laboratory_reported(browser_page: Any, patient_id: str) -> None:
    page = browser_page
    sign_in(page)
    page.goto(f"/patients/{patient_id}/labs/new?test=crp")
    page.get_by_label("Date").fill("2026-03-02")
    page.get_by_label("Value").fill("12")
    page.get_by_role("button", name="Save", exact=True).last.click()
    assert error_of(page, "unit") == "choose the unit the laboratory reported (mg/L or mg/dL)"
    assert "None" not in " ".join(summary(page))


def test_a_pain_score_above_ten_is_refused_beside_the_labelled_field(browser_page: Any, patient_id: str) -> None:
    page = browser_page
    sign_in(page)
    page.goto(f"/patients/{patient_id}/visits/new")
    assert page.locator("label[for='f-pain_0_10']").text_content() == "Pain (0–10)"
    assert page.locator("label[for='f-physician_global_0_10']").text_content() == \
        "Physician global assessment (0–10)"
    page.get_by_label("Date").fill("2026-03-02")
    page.get_by_label("Kind").select_option("follow_up")
    page.get_by_label("Pain (0–10)").fill("11")
    page.get_by_role("button", name="Save").click()
    assert error_of(page, "pain_0_10") == "must be 10 or less"
    assert summary(page) == ["Pain (0–10): must be 10 or less"]


def test_a_new_study_names_each_missing_field_once(browser_page: Any, patient_id: str) -> None:
    page = browser_page
    sign_in(page)
    page.goto(f"/patients/{patient_id}/lesions/new?site=femur&side=left")
    page.get_by_role("group", name="Findings", exact=True).get_by_label("marrow oedema").check()
    page.get_by_role("button", name="Save lesion").click()
    assert summary(page) == ["Study date: give the date of the new study",
                             "Modality: choose how the new study was made"]


def test_a_fever_typed_in_fahrenheit_is_refused_with_the_celsius_value(browser_page: Any, patient_id: str) -> None:
    page = browser_page
    sign_in(page)
    page.goto(f"/patients/{patient_id}/symptoms/new")
    page.get_by_label("Kind").select_option("fever")
    page.get_by_label("Date").fill("2026-03-02")
    page.get_by_label("Highest temperature (°C)").fill("101.3")
    page.get_by_role("button", name="Save").click()
    message = error_of(page, "temperature_max_c")
    assert "101.3 °F is 38.5 °C" in message and "temperature_max_c" not in message
