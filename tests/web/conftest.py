"""Web fixtures: the app on a fresh database per module (SQLite, and PostgreSQL through ``db_url``),
a centre, three staff accounts, and clients that sign in through the real login form."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web.browser import ARTIFACTS, CHROMIUM_ARGS, require_chromium, serving

from cnocare.records.db import transaction
from cnocare.security.settings import SecuritySettings, get_settings

PASSWORD = "Correct-Horse-Battery-7"


@dataclass(frozen=True)
class Clinic:
    app: FastAPI
    centre_id: int
    other_centre_id: int


def fast_security_env(mp: pytest.MonkeyPatch, data_dir: Path) -> None:
    """Cheap argon2 and a fixed key, for this module only (settings are cached process-wide)."""
    mp.setenv("CNOCARE_ENVIRONMENT", "test")
    mp.setenv("CNOCARE_SECRET_KEY", "web-test-secret-key-0123456789")
    mp.setenv("CNOCARE_DATA_DIR", str(data_dir))
    mp.setenv("CNOCARE_ARGON2_TIME_COST", "1")
    mp.setenv("CNOCARE_ARGON2_MEMORY_KIB", "1024")
    mp.setenv("CNOCARE_ARGON2_PARALLELISM", "1")
    mp.setenv("CNOCARE_IP_FAILURE_LIMIT", "1000")
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def clinic(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Clinic]:
    from cnocare.records.accounts.service import create_user
    from cnocare.records.centres.service import create_centre
    from cnocare.web.app import create_app

    with pytest.MonkeyPatch.context() as mp:
        fast_security_env(mp, tmp_path_factory.mktemp("web-data"))
        app = create_app(SecuritySettings(database_url=db_url))
        with transaction(app.state.web.sessions) as db:
            centre = create_centre(db_session=db, data={"code": "BRI", "name": "Bristol Children's"}, actor="setup")
            other = create_centre(db_session=db, data={"code": "MUC", "name": "Munich"}, actor="setup")
        with transaction(app.state.web.sessions) as db:
            for username, role, centres in (("ada", "clinician", [centre.id]), ("nell", "nurse", [centre.id]),
                                            ("rhea", "researcher", [centre.id]),
                                            ("otto", "clinician", [other.id])):
                create_user(db_session=db, data={"username": username, "email": f"{username}@example.org",
                                                 "display_name": username.title(), "role": role,
                                                 "centre_ids": centres, "password": PASSWORD})
        yield Clinic(app, centre.id, other.id)
        get_settings.cache_clear()


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


def sign_in(client: TestClient, username: str = "ada") -> TestClient:
    form = client.get("/login")
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": csrf_of(form.text), "next": "/patients"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return client


@pytest.fixture
def anonymous(clinic: Clinic) -> Iterator[TestClient]:
    with TestClient(clinic.app) as client:
        yield client


@pytest.fixture
def ada(anonymous: TestClient) -> TestClient:
    """A clinician at the Bristol centre, signed in."""
    return sign_in(anonymous, "ada")


def new_patient(client: TestClient, clinic: Clinic, **fields: str) -> str:
    form = client.get("/patients/new")
    data = {"csrf_token": csrf_of(form.text), "centre_id": str(clinic.centre_id), "name": "Mia Example",
            "hospital_number": f"H-{uuid.uuid4().hex[:10]}", "sex": "female", "date_of_birth": "2014-05-02",
            **fields}
    response = client.post("/patients/new", data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"].rsplit("/", 1)[-1]


# Browser tests: the clinic app served on loopback, a Chromium page, and a signed-in clinician.
@pytest.fixture(scope="module")
def base_url(clinic: Clinic) -> Iterator[str]:
    with serving(clinic.app) as url:
        yield url


@pytest.fixture
def browser_page(base_url: str) -> Iterator[Any]:
    chromium = require_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        context = browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 1000})
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.csp_violations = []  # type: ignore[attr-defined]
        page.on("console", lambda m: page.csp_violations.append(m.text)  # type: ignore[attr-defined]
                if "Content Security Policy" in m.text else None)
        try:
            yield page
        finally:
            context.close()
            browser.close()


def sign_in_browser(page: Any) -> None:
    page.goto("/patients")
    assert "/login" in page.url
    page.get_by_label("User name").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/patients")
