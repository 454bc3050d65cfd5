"""Session and CSRF cookies: HttpOnly and SameSite always, Secure under HTTPS; headers on error answers too.

(Every route's answers are checked for the security headers in test_route_access.py.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from http.cookies import SimpleCookie

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.web.security.conftest import USERNAMES, World

from cnocare.security.settings import get_settings
from cnocare.web.sessions import CSRF_COOKIE, SESSION_COOKIE


def set_cookies(response: object) -> dict[str, str]:
    """Each Set-Cookie header by cookie name (the raw header, attributes included)."""
    out = {}
    for header in response.headers.get_list("set-cookie"):  # type: ignore[attr-defined]
        cookie = SimpleCookie()
        cookie.load(header)
        for name in cookie:
            out[name] = header
    return out


def sign_in_response(client: TestClient, role: str = "clinician") -> object:
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token
    from tests.web.conftest import PASSWORD

    return client.post("/login", data={"username": USERNAMES[role], "password": PASSWORD,
                                       "csrf_token": token.group(1)}, follow_redirects=False)


def attributes(header: str) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}


def test_the_session_cookie_is_httponly_and_samesite_lax_and_not_secure_over_plain_http(world: World) -> None:
    with TestClient(world.app) as client:
        response = sign_in_response(client)
        cookie = set_cookies(response)[SESSION_COOKIE]
        assert {"httponly", "samesite"} <= attributes(cookie)
        assert "samesite=lax" in cookie.lower()
        assert "secure" not in attributes(cookie)


def test_the_pre_sign_in_csrf_cookie_is_httponly_and_samesite(world: World) -> None:
    with TestClient(world.app) as client:
        cookie = set_cookies(client.get("/login"))[CSRF_COOKIE]
        assert {"httponly", "samesite"} <= attributes(cookie)


@pytest.fixture
def https_app(world: World) -> Iterator[FastAPI]:
    from cnocare.security.settings import SecuritySettings
    from cnocare.web.app import create_app

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CNOCARE_HTTPS", "1")
        get_settings.cache_clear()
        yield create_app(SecuritySettings(database_url=world.app.state.web.database_url, migrate=False))
    get_settings.cache_clear()


def test_under_https_every_cookie_is_secure_and_hsts_is_sent(https_app: FastAPI) -> None:
    with TestClient(https_app, base_url="https://testserver") as client:
        response = sign_in_response(client)
        assert response.status_code == 303  # type: ignore[attr-defined]
        cookies = set_cookies(response)
        assert "secure" in attributes(cookies[SESSION_COOKIE])
        assert {"httponly", "samesite", "secure"} <= attributes(cookies[SESSION_COOKIE])
        first = set_cookies(TestClient(https_app, base_url="https://testserver").get("/login"))
        assert "secure" in attributes(first[CSRF_COOKIE])
        assert "max-age=" in response.headers["strict-transport-security"]  # type: ignore[attr-defined]




@pytest.mark.parametrize("how", ["missing page", "missing api", "wrong method",
                                 pytest.param("too large")])
def test_error_answers_carry_the_security_headers_too(world: World, how: str) -> None:
    client = world.clients["clinician"]
    response = {
        "missing page": lambda: client.get("/no/such/page"),
        "missing api": lambda: client.get("/api/v1/no-such-thing"),
        "wrong method": lambda: client.delete("/patients"),
        "too large": lambda: client.post("/api/v1/patients", content=b"x" * (get_settings().body_limit_bytes + 1),
                                         headers={"content-type": "application/json"}),
    }[how]()
    assert response.status_code >= 400
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"]
