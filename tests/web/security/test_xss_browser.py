"""Stored XSS, in a real browser: script-shaped text in every free-text field of every record type never
runs, and shows as the text that was typed.

Each payload becomes a patient (its name) with one record of every kind whose every free-text field holds
the payload. Chromium then opens the patient page (timeline, assessment panel), the list, the patient's
edit form and every record's edit form, and checks that ``window.__xss`` was never set and the payload is
visible as text or as a field's value. Every served page is also parsed: no inline script, no ``on*=``
handler attribute, no ``javascript:`` link, and a Content-Security-Policy header.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web.browser import CHROMIUM_ARGS, require_chromium, serving
from tests.web.conftest import PASSWORD
from tests.web.security import figures
from tests.web.security.conftest import EXAMPLES, USERNAMES, World
from tests.web.security.payloads import XSS, bearer, text_fields

from cnocare.web.kinds import available_kinds

pytestmark = pytest.mark.browser


class ActiveContent(HTMLParser):
    """Collects anything in a page that could run script: inline <script>, on* handlers, javascript: URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.found.append("inline <script>")
        for name, value in attrs:
            if name.lower().startswith("on"):
                self.found.append(f"<{tag} {name}=...>")
            if name.lower() in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                    "javascript:"):
                self.found.append(f"<{tag} {name}={value}>")


def active_content(html: str) -> list[str]:
    parser = ActiveContent()
    parser.feed(html)
    return parser.found


@pytest.fixture(scope="module")
def stored(world: World) -> dict[str, Any]:
    """For each payload: a patient named with it and one record of every kind carrying it."""
    out: dict[str, Any] = {"patients": {}, "fields": 0}
    with bearer(world) as api:
        fields = {slug: text_fields(world, api, slug) for slug in available_kinds()}
        for payload in XSS:
            patient = api.post("/api/v1/patients", json={
                "centre_id": world.centre_a, "name": payload, "hospital_number": f"X-{len(out['patients'])}",
                "sex": "female", "date_of_birth": "2014-05-02"})
            assert patient.status_code == 201, patient.text
            pid = patient.json()["id"]
            records = {}
            for slug, names in fields.items():
                body: dict[str, Any] = {**EXAMPLES[slug], **dict.fromkeys(names, payload)}
                if slug == "imaging":
                    body["lesions"] = [{**lesion, "note": payload} for lesion in body["lesions"]]
                saved = api.post(f"/api/v1/patients/{pid}/{slug}", json=body)
                assert saved.status_code == 201, (slug, saved.text)
                records[slug] = saved.json()["record_id"]
                out["fields"] += len(names) + (1 if slug == "imaging" else 0)
            out["patients"][payload] = {"id": pid, "records": records}
            out["fields"] += 1  # the patient's name
    return out


def pages_of(stored: dict[str, Any], payload: str) -> list[str]:
    info = stored["patients"][payload]
    pid = info["id"]
    return [f"/patients/{pid}", f"/patients/{pid}/assessment", "/patients?q=", f"/patients/{pid}/edit",
            *(f"/patients/{pid}/{slug}/{rid}/edit" for slug, rid in info["records"].items()),
            *(f"/patients/{pid}/{slug}/{rid}/void" for slug, rid in list(info["records"].items())[:2])]


def test_every_served_page_has_a_csp_and_no_inline_script_handler_or_javascript_url(
        world: World, stored: dict[str, Any]) -> None:
    client: TestClient = world.clients["clinician"]
    checked = 0
    for payload in XSS:
        for url in [*pages_of(stored, payload), "/login", "/docs", "/account/password"]:
            response = client.get(url)
            assert response.status_code == 200, url
            assert "script-src 'self'" in response.headers["content-security-policy"]
            assert active_content(response.text) == [], (url, active_content(response.text))
            checked += 1
    figures.add("served pages parsed for active content", checked)


@pytest.fixture(scope="module")
def browser(world: World) -> Iterator[Any]:
    chromium = require_chromium()
    from playwright.sync_api import sync_playwright

    with serving(world.app) as base_url, sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        context = launched.new_context(base_url=base_url)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto("/login")
        page.get_by_label("User name").fill(USERNAMES["clinician"])
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/patients**")
        try:
            yield page
        finally:
            context.close()
            launched.close()


SHOWN = """payload => document.body.innerText.includes(payload)
    || Array.from(document.querySelectorAll('input, textarea')).some(e => e.value === payload)"""


def test_stored_payloads_never_run_in_chromium_and_show_as_typed(browser: Any, stored: dict[str, Any]) -> None:
    loads = 0
    for payload in XSS:
        for url in pages_of(stored, payload):
            response = browser.goto(url + (payload if url.endswith("q=") else ""))
            assert response is not None and response.status == 200, url
            assert response.headers.get("content-security-policy"), url
            browser.wait_for_load_state("load")
            assert browser.evaluate("typeof window.__xss") == "undefined", f"{payload!r} ran on {url}"
            if not url.endswith("/assessment"):  # the panel shows results, no free text
                assert browser.evaluate(SHOWN, payload), f"{payload!r} is not shown as text on {url}"
            loads += 1
    figures.add("XSS payloads x stored free-text fields", stored["fields"])
    figures.add("XSS page loads in Chromium", loads)
