"""Browser fixtures for the family's pages: Chromium at phone size (390×844), in the family's time zone."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from tests.web.browser import ARTIFACTS, CHROMIUM_ARGS, require_chromium
from tests.web.conftest import PASSWORD

PHONE = {"width": 390, "height": 844}
FAMILY_ZONE = "Europe/London"


@pytest.fixture
def family_phone(base_url: str) -> Iterator[Any]:
    """A phone-sized page whose browser reports the family's zone (Intl). ``bypass_csp`` only lets the axe
    check inject its script; ``page.csp_violations`` still records anything the app's own policy refused."""
    chromium = require_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base_url, viewport=PHONE, timezone_id=FAMILY_ZONE,
                                      has_touch=True, bypass_csp=True)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.errors = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda e: page.errors.append(str(e)))  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            context.close()
            browser.close()


def sign_in_family(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/family/**")


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a 390 px phone"
