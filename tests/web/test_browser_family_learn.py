"""The education library as a parent uses it, on a phone (390x844): sign in from a link, the topics, a page
and its contents list, search with Enter, odd text in the search box, and the page on paper."""

from __future__ import annotations

from typing import Any

import pytest
from tests.web.conftest import PASSWORD, Clinic, new_patient, sign_in

from cnocare.records.accounts.service import create_user
from cnocare.records.db import transaction

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
HIDDEN = "el => getComputedStyle(el).display === 'none' || el.offsetParent === null"


@pytest.fixture(scope="module")
def parent_name(clinic: Clinic) -> str:
    from fastapi.testclient import TestClient

    with TestClient(clinic.app) as staff:
        child = new_patient(sign_in(staff, "ada"), clinic, name="Pia Phone")
    with transaction(clinic.app.state.web.sessions) as db:
        create_user(db_session=db, data={"username": "paula", "email": "paula@example.org", "display_name": "Paula",
                                         "role": "parent", "patient_ids": [child], "password": PASSWORD})
    return "paula"


def _fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def test_a_parent_reads_searches_and_prints_on_a_phone(browser_page: Any, parent_name: str) -> None:
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto("/family/learn")
    assert "/login" in page.url  # signed-in readers only; the link comes back here after signing in
    page.get_by_label("User name").fill(parent_name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/family/learn")
    assert page.get_by_role("heading", name="Learn about CNO", level=1).is_visible()
    _fits(page)

    # Index -> a topic -> a section from its contents list.
    page.get_by_role("link", name="Medicines and their warnings").click()
    page.wait_for_url("**/family/learn/medicines")
    _fits(page)
    assert page.get_by_text("Your care team sets the dose").first.is_visible()
    page.get_by_role("navigation", name="On this page").get_by_role("link", name="Drip medicines for the bones "
                                                                           "(bisphosphonates)").click()
    page.wait_for_url("**/family/learn/medicines#bisphosphonates")
    top = page.evaluate("document.getElementById('bisphosphonates').getBoundingClientRect().top")
    assert 0 <= top < PHONE["height"] / 2, f"the section starts {top} px down the screen"

    # Search from the page's own form, with Enter; the matched words are marked; a hit opens its section.
    box = page.get_by_label("Search the pages")
    box.fill("black stools")
    box.press("Enter")
    page.wait_for_url("**/family/learn/search?q=black+stools")
    _fits(page)
    assert page.locator(".learn-hits mark").first.is_visible()
    page.locator(".learn-hits a[href$='#contact-the-team']").click()
    page.wait_for_url("**/family/learn/when-to-get-help#contact-the-team")
    assert page.get_by_text("Black stools", exact=True).is_visible()

    # Odd text gets words back, and the box keeps what was typed.
    page.goto("/family/learn/search?q=x")
    box = page.get_by_label("Search the pages")
    box.fill('"*NEAR(')
    box.press("Enter")
    page.wait_for_load_state()
    assert page.get_by_role("status").first.is_visible()
    assert page.get_by_label("Search the pages").input_value() == '"*NEAR('
    _fits(page)
    assert page.csp_violations == []


def test_a_printed_page_has_the_words_and_sources_but_no_navigation_search_or_buttons(
        browser_page: Any, parent_name: str) -> None:
    page = browser_page
    page.set_viewport_size(PHONE)
    page.goto("/family/learn/when-to-get-help")
    page.get_by_label("User name").fill(parent_name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/family/learn/when-to-get-help")
    print_button = page.get_by_role("button", name="Print this page")
    assert print_button.is_visible()  # shown once the page's script runs
    assert not page.eval_on_selector(".family-nav", HIDDEN)
    page.emulate_media(media="print")
    for selector in (".family-bar", ".family-nav", ".learn-search", ".learn-toc", "button", "form"):
        shown = page.eval_on_selector_all(selector, f"els => els.filter(el => !({HIDDEN})(el)).length")
        assert shown == 0, f"{selector}: {shown} still printed"
    for selector in ("h1", "#emergency", "#contact-the-team", ".learn-sources"):
        assert not page.eval_on_selector(selector, HIDDEN), f"{selector} is missing from the print"
    assert page.evaluate("getComputedStyle(document.querySelector('.learn-section')).breakInside") == "avoid"
