"""Forms and the patient list as a clinician uses them, in a real browser: Enter saves a lab result,
impossible dates are refused beside their field, the list sorts by any column and shows ages, and a
page number past the end shows the last page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.web.conftest import Clinic
from tests.web.conftest import sign_in_browser as sign_in

from cnocare.records import versioned
from cnocare.records.db import transaction
from cnocare.records.kinds import KINDS
from cnocare.records.patients.service import create_patient, search_patients

pytestmark = pytest.mark.browser


def add_patient(clinic: Clinic, name: str, date_of_birth: dt.date | None = dt.date(2014, 5, 2)) -> str:
    with transaction(clinic.app.state.web.sessions) as db:
        return create_patient(db_session=db, actor="setup", data={
            "centre_id": clinic.centre_id, "name": name, "hospital_number": f"BR-{name.replace(' ', '-')}",
            "sex": "female", "date_of_birth": date_of_birth}).id


def lab_values(clinic: Clinic, patient_id: str) -> list[float | None]:
    with transaction(clinic.app.state.web.sessions) as db:
        return [lab.value for lab in versioned.list_for_patient(KINDS["labs"].concept, db_session=db,
                                                                patient_id=patient_id)]


def test_pressing_enter_in_the_value_of_a_lab_result_saves_it(browser_page: Any, clinic: Clinic) -> None:
    page, patient_id = browser_page, add_patient(clinic, "Ena Enter")
    sign_in(page)
    page.goto(f"/patients/{patient_id}/labs/new?test=crp")
    page.get_by_label("Date").fill("2026-03-02")
    page.get_by_label("Unit").select_option("mg/L")
    page.get_by_label("Value").fill("12")
    page.get_by_label("Value").press("Enter")
    page.wait_for_selector("#patient-title")
    assert "Lab result saved" in str(page.locator(".flash").text_content())
    assert lab_values(clinic, patient_id) == [12.0]


def test_a_lab_dated_after_today_is_refused_beside_its_date_and_nothing_is_saved(
        browser_page: Any, clinic: Clinic) -> None:
    page, patient_id = browser_page, add_patient(clinic, "Fay Future")
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    sign_in(page)
    page.goto(f"/patients/{patient_id}/labs/new?test=crp")
    page.get_by_label("Date").fill(tomorrow.isoformat())
    page.get_by_label("Unit").select_option("mg/L")
    page.get_by_label("Value").fill("12")
    page.get_by_role("button", name="Save", exact=True).click()
    error = page.locator("#f-date-error")
    assert "after today" in str(error.text_content()) and "cannot be in the future" in str(error.text_content())
    assert page.locator("#f-date").get_attribute("aria-invalid") == "true"
    assert lab_values(clinic, patient_id) == []


@pytest.mark.parametrize("date_of_birth", ["2030-01-01", "1850-06-01"])
def test_a_date_of_birth_in_the_future_or_before_1900_is_refused_beside_the_field(
        browser_page: Any, clinic: Clinic, date_of_birth: str) -> None:
    page = browser_page
    name = f"Dot Birth {date_of_birth[:4]}"
    sign_in(page)
    page.goto("/patients/new")
    page.get_by_label("Centre").select_option(label="BRI — Bristol Children's")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Hospital number").fill(f"BR-{date_of_birth}")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Date of birth").fill(date_of_birth)
    page.get_by_role("button", name="Save").click()
    message = str(page.locator("#f-date_of_birth-error").text_content())
    assert ("after today" in message) if date_of_birth > "2026" else ("before 1900" in message)
    with transaction(clinic.app.state.web.sessions) as db:
        assert search_patients(db_session=db, text=name).total == 0


def test_the_patient_list_shows_ages_and_sorts_by_age_either_way(browser_page: Any, clinic: Clinic) -> None:
    today = dt.date.today()
    births = {"Sortable Teen": dt.date(today.year - 13, 1, 1), "Sortable Baby": today - dt.timedelta(days=200),
              "Sortable Mid": dt.date(today.year - 7, 1, 1)}
    for name, born in births.items():
        add_patient(clinic, name, born)
    page = browser_page
    sign_in(page)
    page.goto("/patients?q=Sortable")

    def names() -> list[str]:
        return [str(t).strip() for t in page.locator("tbody tr td:first-child").all_text_contents()]

    def sort_by(column: str) -> None:  # wait for the sorted page: reading rows mid-load finds none
        with page.expect_navigation():
            page.get_by_role("link", name=column).click()

    def age_of(name: str) -> str:
        row = page.locator("tbody tr", has=page.get_by_role("link", name=name))
        return str(row.locator("td").nth(3).text_content()).strip()

    assert names() == ["Sortable Baby", "Sortable Mid", "Sortable Teen"]  # by name
    assert age_of("Sortable Teen").startswith("13 years") and age_of("Sortable Baby").startswith("6 months")
    sort_by("Age")
    assert names() == ["Sortable Baby", "Sortable Mid", "Sortable Teen"]
    assert page.locator('th[aria-sort="ascending"]').text_content().startswith("Age")
    sort_by("Age")
    assert names() == ["Sortable Teen", "Sortable Mid", "Sortable Baby"]
    assert page.locator('th[aria-sort="descending"]').text_content().startswith("Age")
    sort_by("Name")
    assert names() == ["Sortable Baby", "Sortable Mid", "Sortable Teen"]


def test_a_page_number_past_the_end_shows_the_last_page(browser_page: Any, clinic: Clinic) -> None:
    for i in range(27):
        add_patient(clinic, f"Pager {i:02d}")
    page = browser_page
    sign_in(page)
    page.goto("/patients?q=Pager&page_number=99")
    status = str(page.get_by_role("status").text_content())
    assert "27 patients found — page 2 of 2" in status and "99" not in status
    assert [str(t).strip() for t in page.locator("tbody tr td:first-child").all_text_contents()] == \
        ["Pager 25", "Pager 26"]
    page.get_by_role("link", name="Previous page").click()
    assert "page 1 of 2" in str(page.get_by_role("status").text_content())
