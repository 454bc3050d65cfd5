"""Every API route × role × token scope: a token does only what both its owner's role and its scopes allow,
the scope is checked before any lookup or version check (403 even for a nonexistent patient), and a token
that may write but not read never receives patient data in any answer.

The expected outcome comes from ``policy.Principal.permitted_actions`` with the token's scopes, exactly as
``test_route_access`` computes it for sessions; the requests are made by the same ``request_for``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.web.security import figures
from tests.web.security.conftest import EXAMPLES, USERNAMES, World
from tests.web.security.routes import app_routes, rule_for
from tests.web.security.test_route_access import (
    Check,
    Seen,
    expected_outcome,
    matches,
    observe,
    situations_for,
)

from cnocare.records.accounts.api_tokens import create_api_token, principal_from_api_token
from cnocare.records.accounts.service import find_by_username
from cnocare.security.policy import SCOPES

# The clinician holds every patient action, the researcher none: between them every scope both works and is
# narrowed by the role. (Sessions of every role are covered by test_route_access.)
TOKEN_ROLES = ("clinician", "researcher")
DATA_MARKERS = ("Patient own_centre", "Patient other_centre", "Patient linked", "Patient unlinked",
                "hospital_number", "date_of_birth", *(str(v) for ex in EXAMPLES.values()
                                                      for k, v in ex.items() if k in ("notes", "text", "note")))


@pytest.fixture(scope="module")
def token_callers(world: World) -> Iterator[list[str]]:
    callers, clients = [], []
    for role in TOKEN_ROLES:
        for scope in SCOPES:
            with world.db() as db:
                user = find_by_username(db_session=db, username=USERNAMES[role])
                assert user is not None
                _, raw = create_api_token(db_session=db, user=user, data={"name": f"{role} {scope}",
                                                                           "scopes": [scope]})
                principal = principal_from_api_token(db_session=db, raw=raw)
            assert principal is not None
            name = f"{role}+{scope}"
            client = TestClient(world.app, headers={"Authorization": f"Bearer {raw}"})
            client.__enter__()
            client.get("/login")  # a browser CSRF cookie, so request_for can add its (ignored) header
            clients.append(client)
            world.clients[name], world.principals[name] = client, principal
            callers.append(name)
    yield callers
    for client in clients:
        client.__exit__(None, None, None)
    for name in callers:
        world.clients.pop(name), world.principals.pop(name)


@pytest.fixture(scope="module")
def scoped(world: World, token_callers: list[str]) -> list[Seen]:
    seen = []
    index = 0
    for route in app_routes(world.app):
        rule = rule_for(route)
        if rule is None or not route.is_api or rule.access != "action":
            continue
        for caller in token_callers:
            for situation in situations_for(rule):
                check = Check(route, rule, caller, situation, expected_outcome(world, route, rule, caller, situation))
                seen.append(observe(world, check, index))
                index += 1
    figures.add("API route x role x scope checks (summed over databases)", len(seen))
    return seen


def test_each_token_gets_exactly_what_its_role_and_scope_allow(scoped: list[Seen]) -> None:
    wrong = [str(s) for s in scoped if not matches(s)]
    assert not wrong, f"{len(wrong)} of {len(scoped)} cells wrong, e.g.:\n" + "\n".join(wrong[:15])
    assert len(scoped) > 1000 and {s.check.expected for s in scoped} >= {"allowed", "forbidden", "not_found"}


def test_a_token_without_the_scope_is_refused_before_the_patient_is_looked_up(scoped: list[Seen]) -> None:
    refused = [s for s in scoped if s.check.expected == "forbidden"]
    absent = [s for s in refused if s.check.situation == "nonexistent"]
    assert absent and all(s.status == 403 for s in absent)
    # Same words for a real and an absent patient: the refusal says nothing about either.
    by_cell: dict[tuple[str, str], set[str]] = {}
    for s in refused:
        by_cell.setdefault((str(s.check.route), s.check.caller), set()).add(s.body)
    assert all(len(bodies) == 1 for bodies in by_cell.values())


def test_a_write_only_token_never_receives_patient_data(scoped: list[Seen], world: World) -> None:
    def writes_only(caller: str) -> bool:
        actions = world.principals[caller].permitted_actions()
        return bool(actions & {"patient:write", "record:write"}) and not actions & {"patient:read", "record:read"}

    write_only = [s for s in scoped if writes_only(s.check.caller)]
    answered = [s for s in write_only if 200 <= s.status < 300]
    assert answered, "no write-only token reached a write route"
    leaks = [f"{s}: {marker!r}" for s in answered for marker in DATA_MARKERS if marker in s.body]
    assert not leaks, leaks[:10]
    assert all(set(json.loads(s.body)) == {"id", "version"} for s in answered)


def test_a_no_op_edit_by_any_caller_writes_no_new_version(world: World, token_callers: list[str]) -> None:
    from cnocare.records.patients.service import get_patient

    pid = world.fresh_patient("own_centre")
    client = world.clients["clinician+records:write"]
    with world.db() as db:
        version = get_patient(db_session=db, patient_id=pid).row_version
    stale = client.patch(f"/api/v1/patients/{pid}", json={"expected_version": 999, "changes": {}})
    assert stale.status_code == 409 and "Patient" not in stale.text
    for _ in range(3):
        again = client.patch(f"/api/v1/patients/{pid}", json={"expected_version": version, "changes": {}})
        assert again.status_code == 200 and again.json() == {"id": pid, "version": version}
    same = client.patch(f"/api/v1/patients/{pid}", json={"expected_version": version,
                                                          "changes": {"sex": "female"}})
    assert same.status_code == 200 and same.json()["version"] == version
    slug = "notes"
    rid = world.fresh_record("own_centre", slug)
    note = client.patch(f"/api/v1/patients/{world.patient_id('own_centre')}/{slug}/{rid}",
                        json={"expected_version": 1, "changes": {"text": EXAMPLES[slug]["text"]}})
    assert note.status_code == 200 and note.json() == {"id": rid, "version": 1}
    with world.db() as db:
        assert get_patient(db_session=db, patient_id=pid).row_version == version


def test_an_api_token_opens_no_page(world: World, token_callers: list[str]) -> None:
    """Pages are for people with a session: with a token every page sends to sign-in, showing nothing."""
    client = world.clients["clinician+records:write"]
    pid = world.patient_id("own_centre")
    pages = [f"/patients/{pid}", f"/patients/{pid}/edit", f"/patients/{pid}/visits/new", "/patients",
             f"/patients/{pid}/notes/{world.record_id('own_centre', 'notes')}/edit", "/account/tokens"]
    for url in pages:
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login"), url
        assert "Patient own_centre" not in response.text
