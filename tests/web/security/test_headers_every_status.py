"""Every status the app emits carries the security headers: 2xx, redirects (the forced-password-change
303 included), every 4xx, an unhandled 500 and the 503 audit refusal."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import PASSWORD
from tests.web.security.conftest import World, patient_data, sign_in
from tests.web.security.payloads import bearer

from cnocare.records.accounts.service import create_user
from cnocare.records.db import transaction
from cnocare.web.audit import AuditContextMiddleware

REQUIRED = ("content-security-policy", "x-content-type-options", "x-frame-options", "referrer-policy",
            "cache-control")


def _missing(response: Any) -> list[str]:
    return [h for h in REQUIRED if h not in {k.lower() for k in response.headers}]


def test_every_status_the_app_emits_carries_the_security_headers(world: World, monkeypatch: pytest.MonkeyPatch,
                                                                  tmp_path: Any) -> None:
    seen: dict[int, Any] = {}

    def note(response: Any) -> None:
        seen.setdefault(response.status_code, response)

    clinician, anonymous = world.clients["clinician"], world.clients["anonymous"]
    pid = world.patient_id("own_centre")
    with bearer(world) as api:
        note(api.get("/healthz"))                                              # 200
        note(api.post("/api/v1/patients", json=patient_data(world.centre_a, "Status")))  # 201
        note(anonymous.get("/patients", follow_redirects=False))               # 303 to sign in
        note(api.get("/api/v1/patients/%00"))                                  # 400
        note(anonymous.get("/api/v1/patients"))                                # 401
        note(world.clients["researcher"].get(f"/api/v1/patients/{pid}"))       # 403
        note(api.get(f"/api/v1/patients/{uuid.uuid4()}"))                      # 404
        note(api.put("/api/v1/patients"))                                      # 405
        note(api.patch(f"/api/v1/patients/{pid}", json={"expected_version": 999, "changes": {"sex": "male"}}))
        note(api.post("/api/v1/patients", content=b"x" * 2_000_000,
                      headers={"content-type": "application/json"}))           # 413
        note(api.post("/api/v1/patients", json={}))                            # 422
    with transaction(world.app.state.web.sessions) as db:
        create_user(db_session=db, data={"username": "fresh.nurse", "email": "f@example.org", "display_name": "F",
                                         "role": "nurse", "centre_ids": [world.centre_a]})
        from cnocare.records.accounts.service import find_by_username, set_password

        user = find_by_username(db_session=db, username="fresh.nurse")
        assert user is not None
        set_password(db_session=db, user=user, new_password=PASSWORD, commit=False)
        user.must_change_password = True
    with TestClient(world.app) as forced:
        sign_in(forced, "fresh.nurse")
        redirect = forced.get("/patients", follow_redirects=False)
        assert redirect.status_code == 303 and redirect.headers["location"].startswith("/account/password")
        assert not _missing(redirect), _missing(redirect)

    def broken_write(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(AuditContextMiddleware, "_write", staticmethod(broken_write))
    note(clinician.get(f"/api/v1/patients/{pid}"))                             # 503: read not recordable
    monkeypatch.undo()

    def boom() -> None:
        raise RuntimeError("a bug")

    world.app.add_api_route("/test-only/boom", boom)
    with TestClient(world.app, raise_server_exceptions=False) as plain:
        note(plain.get("/test-only/boom"))                                     # 500
    expected = {200, 201, 303, 400, 401, 403, 404, 405, 409, 413, 422, 500, 503}
    assert expected <= set(seen), sorted(seen)
    missing = {status: _missing(r) for status, r in seen.items() if _missing(r)}
    assert not missing, missing
    assert "a bug" not in seen[500].text  # no internals in the answer
