"""A clinician's first visit, in a real browser: sign in, register a patient, mark lesions on the
skeleton map by clicking (and by keyboard), add a CRP and a blood count, and watch the Bristol and
Jansson results change in the assessment panel."""

from __future__ import annotations

from typing import Any

import pytest
from tests.web.browser import ARTIFACTS
from tests.web.conftest import sign_in_browser as sign_in

pytestmark = pytest.mark.browser


def instrument(page: Any, instrument_id: str) -> Any:
    return page.locator(f'[data-instrument="{instrument_id}"]')


def item_value(page: Any, instrument_id: str, item_label: str) -> str:
    # By the item's id (its label is the instrument's own wording, which the core may refine).
    row = instrument(page, instrument_id).locator(f'tr[data-item="{item_label.replace(" ", "_")}"]')
    return str(row.locator("td").nth(1).text_content()).strip()


def attainable_range(page: Any, instrument_id: str) -> tuple[float, float]:
    text = str(instrument(page, instrument_id).locator('[data-field="range"]').text_content()).strip()
    low, high = text.split("–")
    return float(low), float(high)


def register_patient(page: Any, name: str) -> None:
    page.get_by_role("link", name="New patient").click()
    page.get_by_label("Centre").select_option(label="BRI — Bristol Children's")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Hospital number").fill(f"BR-{name.split()[0]}")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Date of birth").fill("2014-05-02")
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("#patient-title")


def save_lesion(page: Any, *, new_study: bool) -> None:
    if new_study:
        page.get_by_label("Study date").fill("2026-03-02")
        page.get_by_label("Modality").select_option("mri")
        # Whole body: the core reads "clavicle alone" only from a study that looked at every bone.
        page.get_by_label("Whole-body study").select_option("yes")
    page.get_by_role("group", name="Findings", exact=True).get_by_label("marrow oedema").check()
    page.get_by_role("button", name="Save lesion").click()
    page.wait_for_selector("#patient-title")


def test_clinician_marks_lesions_and_labs_and_sees_bristol_and_jansson_update(browser_page: Any) -> None:
    page = browser_page
    sign_in(page)
    register_patient(page, "Mia Browser")
    assert instrument(page, "bristol-2016").count() == 1
    assert instrument(page, "jansson-2009").count() == 1
    assert item_value(page, "bristol-2016", "more than one bone") == "unknown"
    page.screenshot(path=str(ARTIFACTS / "browser-01-new-patient.png"), full_page=True)

    # Click the left clavicle on the front view: the lesion form opens with bone and side filled in.
    page.locator('svg.skeleton-map--front [data-site="clavicle"][data-side="left"]').click()
    page.wait_for_url("**/lesions/new?**")
    assert page.locator("#f-site").input_value() == "clavicle"
    assert page.locator("#f-side").input_value() == "left"
    page.screenshot(path=str(ARTIFACTS / "browser-02-lesion-form.png"), full_page=True)
    save_lesion(page, new_study=True)
    assert "Lesion saved" in page.locator(".flash").text_content()
    assert item_value(page, "bristol-2016", "clavicle alone") == "True"

    # The right tibia, by keyboard: Tab focus and Enter, as a keyboard user would.
    tibia = page.locator('svg.skeleton-map--front [data-site="tibia"][data-side="right"]')
    tibia.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/lesions/new?**")
    assert page.locator("#f-site").input_value() == "tibia"
    save_lesion(page, new_study=False)  # appended to the study of the first lesion
    assert item_value(page, "bristol-2016", "more than one bone") == "True"
    assert page.locator('svg.skeleton-map--front [data-site="tibia"][data-side="right"]'
                        ).get_attribute("data-state") in ("active", "new")
    jansson_before = attainable_range(page, "jansson-2009")

    # A CRP, from the quick-add link.
    page.get_by_role("link", name="CRP", exact=True).click()
    page.get_by_label("Date").fill("2026-03-02")
    page.get_by_label("Value").fill("12")
    page.get_by_label("Unit").select_option("mg/L")
    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_selector("#patient-title")
    assert item_value(page, "bristol-2016", "crp below 30 mg l") == "True"

    # A blood count with the laboratory's reference intervals.
    page.get_by_role("link", name="Blood count").click()
    page.locator("#f-date").fill("2026-03-02")
    for test, value, low, high in (("wbc", "7.1", "4.5", "13.5"), ("haemoglobin", "128", "115", "155"),
                                   ("platelets", "310", "150", "450")):
        page.locator(f"#f-{test}-value").fill(value)
        page.locator(f"#f-{test}-reference_low").fill(low)
        page.locator(f"#f-{test}-reference_high").fill(high)
    page.get_by_role("button", name="Save blood count").click()
    page.wait_for_selector("#patient-title")
    assert "Blood count saved" in page.locator(".flash").text_content()
    assert item_value(page, "jansson-2009", "normal blood count") == "True"
    jansson_after = attainable_range(page, "jansson-2009")
    assert jansson_after[0] > jansson_before[0], "a normal blood count adds points to the lower bound"
    page.screenshot(path=str(ARTIFACTS / "browser-03-assessment.png"), full_page=True)

    script_violations = [v for v in page.csp_violations if "script" in v.lower()]
    assert script_violations == []


def test_the_api_docs_page_renders_offline_under_the_content_security_policy(browser_page: Any) -> None:
    page = browser_page
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.goto("/docs")
    page.wait_for_selector(".swagger-ui .information-container", timeout=15_000)
    assert "cnocare" in page.locator(".swagger-ui .info .title").text_content()
    base = page.url.split("/docs")[0]
    assert all(url.startswith(base) or url.startswith("data:") for url in requested), requested
    page.screenshot(path=str(ARTIFACTS / "browser-04-api-docs.png"))
    assert [v for v in page.csp_violations if "script" in v.lower()] == []
