"""The skeleton map in the browser: sternum and thoracic vertebrae are separate targets in the front
view, each view has one tab stop and the arrow keys move between bones."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.web.conftest import Clinic
from tests.web.conftest import sign_in_browser as sign_in

from cnocare.records.db import transaction
from cnocare.records.patients.service import create_patient

pytestmark = pytest.mark.browser

BONE_AT = """([x, y]) => { const el = document.elementFromPoint(x, y);
  const bone = el && el.closest('[data-site]'); return bone ? bone.getAttribute('data-site') : null; }"""


@pytest.fixture(scope="module")
def patient_id(clinic: Clinic) -> str:
    with transaction(clinic.app.state.web.sessions) as db:
        return create_patient(db_session=db, actor="setup", data={
            "centre_id": clinic.centre_id, "name": "Stella Sternum", "hospital_number": "BR-STERN",
            "sex": "female", "date_of_birth": dt.date(2014, 5, 2)}).id


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).bounding_box()
    assert found is not None, selector
    return dict(found)


def test_in_the_front_view_the_sternum_and_t3_to_t9_each_take_their_own_clicks(
        browser_page: Any, patient_id: str) -> None:
    page = browser_page
    sign_in(page)
    page.goto(f"/patients/{patient_id}")
    page.locator("#sk-front-sternum-midline").scroll_into_view_if_needed()  # elementFromPoint: on screen
    sternum = box(page, "#sk-front-sternum-midline")
    assert page.evaluate(BONE_AT, [sternum["x"] + sternum["width"] / 2, sternum["y"] + sternum["height"] / 2]) \
        == "sternum"
    for level in range(3, 10):
        # Across the middle of each vertebra, at least two thirds of its width take its own clicks
        # (the sternum used to cover 12 of its 28 units, and clicks near its middle recorded the sternum).
        vertebra = box(page, f"#sk-front-T{level}-midline")
        middle_y = vertebra["y"] + vertebra["height"] / 2
        xs = [vertebra["x"] + vertebra["width"] * (i + 0.5) / 28 for i in range(28)]
        hits = [page.evaluate(BONE_AT, [x, middle_y]) for x in xs]
        assert set(hits) <= {f"T{level}", "sternum"}
        assert hits.count(f"T{level}") >= 2 / 3 * len(xs), f"T{level}: {hits}"
    t5 = box(page, "#sk-front-T5-midline")
    page.mouse.click(t5["x"] + 2, t5["y"] + t5["height"] / 2)
    page.wait_for_url("**/lesions/new?**")
    assert page.locator("#f-site").input_value() == "T5"


def test_each_view_has_one_tab_stop_and_arrow_keys_move_between_bones(browser_page: Any, patient_id: str) -> None:
    page = browser_page
    sign_in(page)
    page.goto(f"/patients/{patient_id}")
    for view in ("front", "back"):
        assert page.locator(f"#sk-{view} [data-site][tabindex='0']").count() == 1
        assert page.locator(f"#sk-{view} .view-label").text_content() == view.capitalize()
    stop = page.locator("#sk-front [data-site][tabindex='0']")
    stop.focus()
    start = page.evaluate("document.activeElement.id")
    page.keyboard.press("ArrowDown")
    moved = page.evaluate("document.activeElement.id")
    assert moved != start and moved.startswith("sk-front-")
    assert page.evaluate("document.activeElement.getAttribute('tabindex')") == "0"
    assert page.locator("#sk-front [data-site][tabindex='0']").count() == 1
    page.keyboard.press("Enter")
    page.wait_for_url("**/lesions/new?**")
