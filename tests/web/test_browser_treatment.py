"""Treatment and follow-up as a clinician uses it, in a real browser (issue 10): record an NSAID failure,
see step-up eligibility and the outstanding checks, start a methotrexate course from the site formulary
(a SYNTHETIC one here), record CHAQ and globals at follow-up, find the next blood test on the worklist,
and print both letters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from tests.web.conftest import Clinic
from tests.web.conftest import sign_in_browser as sign_in

from cnocare import analytics
from cnocare.knowledge.formulary import load_formulary
from cnocare.records import versioned, writes
from cnocare.records.db import transaction
from cnocare.records.kinds import KINDS
from cnocare.records.patients.service import create_patient

pytestmark = pytest.mark.browser
TODAY = dt.date.today()


@pytest.fixture(autouse=True)
def synthetic_formulary(clinic: Clinic) -> Iterator[None]:
    clinic.app.state.web.formulary = load_formulary(Path(analytics.__file__).parent / "synthetic_formulary.yaml")
    yield
    clinic.app.state.web.formulary = None


def child_with_typical_cno(clinic: Clinic, name: str) -> str:
    """A 12-year-old with symmetric tibial metaphyseal lesions on a recent whole-body MRI, mimics excluded."""
    with transaction(clinic.app.state.web.sessions) as db:
        pid = create_patient(db_session=db, actor="setup", data={
            "centre_id": clinic.centre_id, "name": name, "hospital_number": f"BR-{name.replace(' ', '-')}",
            "sex": "female", "date_of_birth": TODAY.replace(year=TODAY.year - 12) - dt.timedelta(days=30)}).id
        mri = TODAY - dt.timedelta(days=20)
        writes.add(KINDS["imaging"], db_session=db, patient_id=pid, actor="setup", data={
            "date": mri, "modality": "whole_body_mri", "whole_body": True, "lesions": [
                {"site": "tibia", "side": s, "segment": "distal_metaphysis", "findings": ["marrow_oedema"],
                 "findings_complete": True} for s in ("left", "right")]})
        for kind in ("malignancy", "infection"):
            writes.add(KINDS["alternatives"], db_session=db, patient_id=pid, actor="setup",
                       data={"kind": kind, "status": "excluded", "date": mri})
        writes.add(KINDS["measurements"], db_session=db, patient_id=pid, actor="setup",
                   data={"kind": "weight_kg", "date": TODAY - dt.timedelta(days=3), "value": 30})
    return pid


def courses(clinic: Clinic, pid: str) -> list[Any]:
    with transaction(clinic.app.state.web.sessions) as db:
        return list(versioned.list_for_patient(KINDS["medicines"].concept, db_session=db, patient_id=pid))


def pdf_text(body: bytes) -> str:
    doc = pdfium.PdfDocument(body)
    return " ".join(" ".join(doc[i].get_textpage().get_text_range().split()) for i in range(len(doc)))


def test_nsaid_failure_step_up_formulary_course_chaq_worklist_and_letters(browser_page: Any, clinic: Clinic) -> None:
    page, pid = browser_page, child_with_typical_cno(clinic, "Tess Treatment")
    sign_in(page)

    # 1. The NSAID failure: eight weeks of naproxen with only a partial response.
    page.goto(f"/patients/{pid}/medicines/new")
    page.locator("#f-drug").fill("naproxen")
    page.locator("#f-start").fill((TODAY - dt.timedelta(days=56)).isoformat())
    page.locator("#f-response").select_option("partial")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("#patient-title")
    assert courses(clinic, pid)[0].drug_class == "nsaid"  # derived from the medicine catalogue

    # 2. Step-up eligibility and what is outstanding before each plan.
    page.goto(f"/patients/{pid}/treatment")
    assert page.locator('[data-field="eligibility"]').get_attribute("data-classification") == "met"
    dmard = page.locator('[data-plan="methotrexate_or_sulfasalazine"]')
    assert dmard.locator('[data-check="blood_count"]').get_attribute("data-status") == "outstanding"
    assert "Tuberculosis screening" in str(page.locator('[data-plan="tnf_inhibitor"]').text_content())
    assert "does not choose a drug" in str(page.locator("#step-up").text_content())

    # 3. A methotrexate course from the (synthetic) site formulary: dose, working, weight and its date.
    page.locator("#drug").select_option("methotrexate")
    page.get_by_role("button", name="Calculate").click()
    dose = page.locator('[data-dose="methotrexate"]')
    assert "15.0 mg subcutaneous once weekly" in str(dose.text_content())
    assert "0.5 mg/kg × 30 kg = 15 mg" in str(dose.text_content()) and "SYNTHETIC" in str(dose.text_content())
    dose.get_by_role("link", name="Start a course with this dose").click()
    assert page.locator("#f-drug").input_value() == "methotrexate"
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("#patient-title")
    mtx = next(c for c in courses(clinic, pid) if c.drug == "methotrexate")
    assert (mtx.drug_class, mtx.dose_mg, mtx.route) == ("methotrexate", 15, "subcutaneous")
    assert "SYNTHETIC" in (mtx.dose_note or "")

    # 4. Follow-up: globals and painful sites at a visit, and a CHAQ.
    page.goto(f"/patients/{pid}/visits/new")
    page.locator("#f-date").fill(TODAY.isoformat())
    page.locator("#f-kind").select_option("follow_up")
    page.locator("#f-physician_global_0_10").fill("4")
    page.locator("#f-patient_global_0_10").fill("6")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("#patient-title")
    page.goto(f"/patients/{pid}/chaq")
    page.locator("#f-date").fill(TODAY.isoformat())
    for key in ("dressing_grooming", "arising", "eating", "walking", "hygiene", "reach", "grip", "activities"):
        page.locator(f"#f-{key}_1").select_option("1")
    page.locator("#f-grip_2").select_option("3")
    page.get_by_role("button", name="Save CHAQ").click()
    page.wait_for_url(f"**/patients/{pid}/treatment")
    assert "4" in str(page.locator('[data-item="physician_global"]').text_content())
    assert "attainable" in str(page.locator('[data-field="chaq"]').text_content())  # items left unanswered

    # 5. The worklist shows the first blood tests on methotrexate.
    page.goto("/worklist?within_days=60")
    row = page.locator('tr[data-rule="dmard_bloods"]', has_text="Tess Treatment")
    assert row.count() == 1 and "methotrexate" in str(row.text_content())

    # 6. Both letters print as PDF with the patient's data.
    for kind, phrase in (("clinic", "Basis of the diagnosis"), ("school", "Rest breaks")):
        response = page.request.get(f"/patients/{pid}/letters/{kind}.pdf")
        assert response.status == 200 and response.headers["content-type"] == "application/pdf"
        text = pdf_text(response.body())
        assert phrase in text and "Tess Treatment" in text
    assert "methotrexate" in pdf_text(page.request.get(f"/patients/{pid}/letters/clinic.pdf").body())


def test_a_dose_without_a_current_weight_is_refused_with_what_to_record(browser_page: Any, clinic: Clinic) -> None:
    page = browser_page
    with transaction(clinic.app.state.web.sessions) as db:
        pid = create_patient(db_session=db, actor="setup", data={
            "centre_id": clinic.centre_id, "name": "Wes Weightless", "hospital_number": "BR-Wes",
            "sex": "male", "date_of_birth": dt.date(2014, 1, 1)}).id
    sign_in(page)
    page.goto(f"/patients/{pid}/treatment?drug=methotrexate")
    assert "No weight recorded" in str(page.locator('[data-field="dose-refused"]').text_content())


def test_an_infusion_without_its_pre_checks_is_refused(browser_page: Any, clinic: Clinic) -> None:
    page, pid = browser_page, child_with_typical_cno(clinic, "Ivy Infusion")
    sign_in(page)
    page.goto(f"/patients/{pid}/infusions/new")
    page.locator("#f-drug").fill("pamidronate")
    page.locator("#f-date").fill(TODAY.isoformat())
    page.get_by_role("button", name="Save", exact=True).click()
    error = str(page.locator("#f-checks_done-error").text_content())
    assert "no pre-infusion check recorded" in error and "calcium" in error


def test_the_treatment_page_fits_a_phone_without_sideways_scrolling(browser_page: Any, clinic: Clinic) -> None:
    page, pid = browser_page, child_with_typical_cno(clinic, "Pia Phone")
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page)
    page.goto(f"/patients/{pid}/treatment?drug=methotrexate")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
