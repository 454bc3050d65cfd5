"""The session cookie, the CSRF token and the outer layers (headers, body limit) over a small app of their
own, on the security tables only (the fixtures of tests/security, imported: pytest finds them by name)."""
# ruff: noqa: F811

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Form, HTTPException, Request, Response
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from tests.security.conftest import db, engine, factory, insert_row, settings, sqlite_url  # noqa: F401

from cnocare.records.accounts.api_tokens import create_api_token
from cnocare.records.accounts.login import authenticate
from cnocare.records.accounts.service import create_user
from cnocare.security.policy import Forbidden, NotFound, require
from cnocare.security.settings import SecuritySettings
from cnocare.web.auth import CSRF_FIELD, CSRF_HEADER, csrf_ok
from cnocare.web.middleware import CONTENT_SECURITY_POLICY, install_security
from cnocare.web.sessions import (
    CSRF_COOKIE,
    SAFE_METHODS,
    SESSION_COOKIE,
    bearer_token,
    csrf_token,
    end_session,
    principal_from_request,
    start_session,
)

PASSWORD = "Whole body MRI 2026"


def get_db(request: Request) -> Iterator[Session]:
    with request.app.state.factory() as session:
        yield session


DB = Annotated[Session, Depends(get_db)]


async def require_csrf(request: Request) -> None:
    """As the app's pages (the form field) and API (the header) check it, over one test app."""
    if request.method in SAFE_METHODS or bearer_token(request):
        return
    sent = request.headers.get(CSRF_HEADER) or (await request.form()).get(CSRF_FIELD)
    if not csrf_ok(request, sent if isinstance(sent, str) else None):
        raise HTTPException(status_code=403, detail="CSRF token missing or invalid")


@pytest.fixture
def app(factory: sessionmaker[Session], settings: SecuritySettings, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    import cnocare.security.settings as settings_module

    monkeypatch.setattr(settings_module, "get_settings", lambda: settings)
    monkeypatch.setattr("cnocare.web.sessions.get_settings", lambda: settings)
    monkeypatch.setattr("cnocare.security.tokens.get_settings", lambda: settings)
    app = FastAPI()
    app.state.factory = factory
    install_security(app, settings.model_copy(update={"body_limit_bytes": 2048}))

    @app.get("/form")
    def form(request: Request) -> dict[str, str]:
        return {"csrf_token": csrf_token(request)}

    @app.post("/login")
    def login(request: Request, response: Response, session: DB, username: Annotated[str, Form()],
              password: Annotated[str, Form()], _: None = Depends(require_csrf)) -> dict[str, str]:
        result = authenticate(db_session=session, username=username, password=password, settings=settings)
        if not result.ok or result.user is None:
            raise HTTPException(401, result.message)
        start_session(request, response, db_session=session, user=result.user, settings=settings)
        return {"ok": "yes", "next_csrf_token": csrf_token(request)}

    @app.post("/logout")
    def logout(request: Request, response: Response, session: DB, _: None = Depends(require_csrf)) -> dict[str, bool]:
        return {"ended": end_session(request, response, db_session=session, settings=settings)}

    @app.get("/me")
    def me(request: Request, session: DB) -> dict[str, object]:
        principal = principal_from_request(request, db_session=session, settings=settings)
        if principal is None:
            raise HTTPException(401, "sign in")
        return {"username": principal.username, "via_token": principal.via_token}

    @app.post("/records")
    def write(request: Request, session: DB, _: None = Depends(require_csrf)) -> dict[str, str]:
        principal = principal_from_request(request, db_session=session, settings=settings)
        try:
            require(principal, "record:write", patient={"id": "p", "centre_id": 1})
        except Forbidden as exc:
            raise HTTPException(403, str(exc)) from None
        except NotFound:
            raise HTTPException(404, "not found") from None
        return {"written": "yes"}

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    return app


@pytest.fixture
def client(app: FastAPI) -> TestClient:
    return TestClient(app, base_url="http://testserver")


@pytest.fixture
def nurse(db: Session, settings: SecuritySettings, insert_row: Callable[..., Any]) -> object:
    insert_row(db, "centres", id=1)
    db.commit()
    user, _ = create_user(db_session=db, settings=settings, data={
        "username": "nurse.kim", "email": "kim@clinic.example", "display_name": "Kim", "role": "nurse",
        "centre_ids": [1], "password": PASSWORD})
    return user


def test_every_response_carries_the_security_headers(client: TestClient) -> None:
    response = client.get("/form")
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self';" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in response.headers


def test_a_body_over_the_limit_gets_413_with_a_clear_message(client: TestClient) -> None:
    assert client.post("/echo", content=b"x" * 2048).json() == {"bytes": 2048}
    declared = client.post("/echo", content=b"x" * 2049)
    assert declared.status_code == 413 and "limit is 2048 bytes" in declared.json()["detail"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must count what actually arrives
        for _ in range(5):
            yield b"y" * 1000

    streamed = client.post("/echo", content=chunks())
    assert streamed.status_code == 413 and "too large" in streamed.json()["detail"]


def test_a_form_post_without_the_csrf_token_is_refused(client: TestClient, nurse: object) -> None:
    client.get("/form")
    response = client.post("/login", data={"username": "nurse.kim", "password": PASSWORD})
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    forged = client.post("/login", data={"username": "nurse.kim", "password": PASSWORD, "csrf_token": "0" * 64})
    assert forged.status_code == 403


def test_sign_in_sets_a_hardened_cookie_and_the_session_identifies_the_user(client: TestClient,
                                                                           nurse: object) -> None:
    token = client.get("/form").json()["csrf_token"]
    assert CSRF_COOKIE in client.cookies
    response = client.post("/login", data={"username": "nurse.kim", "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 200, response.text
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert client.get("/me").json() == {"username": "nurse.kim", "via_token": False}
    # A page rendered in the sign-in response itself already carries the new session's token.
    assert client.post("/records", data={"csrf_token": response.json()["next_csrf_token"]}).status_code == 200
    # The token changes with the session: the pre-sign-in token no longer works.
    assert client.post("/records", data={"csrf_token": token}).status_code == 403
    fresh = client.get("/form").json()["csrf_token"]
    assert client.post("/records", data={"csrf_token": fresh}).json() == {"written": "yes"}
    assert client.post("/records", headers={"X-CSRF-Token": fresh}).status_code == 200  # scripts use the header
    assert client.post("/logout", data={"csrf_token": fresh}).json() == {"ended": True}
    assert client.get("/me").status_code == 401


def test_cookies_are_secure_over_https(app: FastAPI, nurse: object) -> None:
    client = TestClient(app, base_url="https://testserver")
    token = client.get("/form").json()["csrf_token"]
    response = client.post("/login", data={"username": "nurse.kim", "password": PASSWORD, "csrf_token": token})
    cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith(SESSION_COOKIE))
    assert "Secure" in cookie


def test_bearer_token_calls_skip_csrf_and_ignore_cookies(client: TestClient, db: Session, nurse: object) -> None:
    _, raw = create_api_token(db_session=db, user=nurse, data={"name": "x", "scopes": ["records:write"]})  # type: ignore[arg-type]
    response = client.post("/records", headers={"Authorization": f"Bearer {raw}"})
    assert response.json() == {"written": "yes"}
    assert client.get("/me", headers={"Authorization": "Bearer cno_wrong"}).status_code == 401
    assert client.get("/me", headers={"Authorization": f"Bearer {raw}"}).json()["via_token"] is True


def test_hsts_is_sent_when_the_site_runs_on_https(settings: SecuritySettings) -> None:
    app = FastAPI()
    install_security(app, settings.model_copy(update={"https": True}))

    @app.get("/")
    def root() -> dict[str, str]:
        return {}

    assert "max-age=" in TestClient(app).get("/").headers["strict-transport-security"]
