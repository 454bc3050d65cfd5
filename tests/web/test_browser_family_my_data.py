"""My data on a phone (390×844): a parent chooses days, downloads the CSV (the file checked), opens the
summary for a doctor; nothing scrolls sideways, and printing leaves only the summary."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from tests.web.conftest import PASSWORD, Clinic, sign_in_browser

from cnocare.records import writes
from cnocare.records.accounts.service import create_user
from cnocare.records.db import transaction
from cnocare.records.kinds import KINDS
from cnocare.records.patients.service import create_patient

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
HIDDEN = "el => getComputedStyle(el).display === 'none' || el.offsetParent === null"


@pytest.fixture(scope="module")
def child(clinic: Clinic) -> str:
    with transaction(clinic.app.state.web.sessions) as db:
        patient_id = create_patient(db_session=db, actor="setup", data={
            "centre_id": clinic.centre_id, "name": "Philippa Phone-Diary-With-A-Rather-Long-Name",
            "hospital_number": "BR-DIARY-0001", "sex": "female", "date_of_birth": dt.date(2014, 2, 3)}).id
        create_user(db_session=db, data={"username": "pia.parent", "email": "pia@example.org", "display_name": "Pia",
                                         "role": "parent", "patient_ids": [patient_id], "password": PASSWORD})
        for n in range(10):
            writes.add(KINDS["diary"], db_session=db, patient_id=patient_id, actor="pia.parent", data={
                "day": dt.date(2026, 3, 1) + dt.timedelta(days=n), "time_zone": "Europe/London",
                "pain_0_10": None if n == 4 else n % 8, "painful_sites": ["tibia", "clavicle"][: n % 3],
                "school": "whole_missed" if n == 2 else "went",
                "note": "A long note without spaces: " + "ouchouchouch" * 12})
    return patient_id


def _sign_in(page: Any) -> None:
    page.goto("/login")
    page.get_by_label("User name").fill("pia.parent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/family/**")


def _fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def test_on_a_phone_a_parent_downloads_the_csv_and_opens_the_summary(browser_page: Any, child: str) -> None:
    page = browser_page
    page.set_viewport_size(PHONE)
    _sign_in(page)
    page.get_by_role("link", name="My data").click()
    page.wait_for_url(f"**/family/{child}/my-data")
    _fits(page)
    page.get_by_label("From", exact=True).fill("2026-03-01")
    page.get_by_label("To", exact=True).fill("2026-03-07")
    page.get_by_role("button", name="Show these days").click()
    page.wait_for_url("**start=2026-03-01**")
    _fits(page)
    with page.expect_download() as waiting:
        page.get_by_role("link", name="Download as a spreadsheet (CSV)").click()
    download = waiting.value
    assert download.suggested_filename == "diary-2026-03-01-to-2026-03-07.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert [r["Day (YYYY-MM-DD)"] for r in rows] == [f"2026-03-0{n}" for n in range(1, 8)]
    assert rows[4]["Pain (0–10)"] == "" and rows[3]["Pain (0–10)"] == "3"
    assert rows[2]["School"] == "missed the whole day"

    page.get_by_role("link", name="Summary for a doctor (to show or print)").click()
    page.wait_for_url("**/my-data/summary**")
    assert page.get_by_role("heading", level=1).inner_text().endswith("diary from 2026-03-01 to 2026-03-07")
    assert page.locator("[data-measure='diary_days'] td").first.inner_text() == "7"
    _fits(page)
    assert not getattr(page, "csp_violations", [])
    page.emulate_media(media="print")
    for selector in (".family-nav", ".family-bar", "button"):
        shown = page.eval_on_selector_all(selector, f"els => els.filter(el => !({HIDDEN})(el)).length")
        assert shown == 0, f"{selector} still printed"
    assert not page.eval_on_selector("#measures-title", HIDDEN)


def test_a_bad_period_is_shown_on_its_field_and_keeps_what_was_typed(browser_page: Any, child: str) -> None:
    page = browser_page
    page.set_viewport_size(PHONE)
    _sign_in(page)
    page.goto(f"/family/{child}/my-data?start=2026-03-07&end=2026-03-01")
    error = page.locator("#period-end-error")
    assert "To: 2026-03-01 is before From (2026-03-07)" in error.inner_text()
    assert page.get_by_label("From", exact=True).input_value() == "2026-03-07"
    assert page.get_by_label("To", exact=True).get_attribute("aria-invalid") == "true"
    assert page.get_by_role("link", name="Download as a spreadsheet (CSV)").count() == 0
    _fits(page)


def test_the_clinicians_patient_page_with_a_diary_fits_a_phone(browser_page: Any, child: str) -> None:
    page = browser_page
    page.set_viewport_size(PHONE)
    sign_in_browser(page)
    page.goto(f"/patients/{child}")
    assert page.locator(".activity-chart").count() == 1
    assert page.get_by_text("Diary pain (0–10)").count() >= 1
    _fits(page)
