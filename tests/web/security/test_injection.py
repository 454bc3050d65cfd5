"""SQL injection and path traversal: hostile text is data, never code; no file outside the static folder.

Payloads go into the search box, into every id in a path, and into every free-text field of every record
kind. Each must be harmless: no 5xx, stored and read back verbatim (or refused naming the field), and no
row changes beyond the one record written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, inspect, select
from tests.web.security import figures
from tests.web.security.conftest import EXAMPLES, World
from tests.web.security.payloads import NUL, SQL_INJECTION, bearer, text_fields

from cnocare.records.base import Base
from cnocare.web.kinds import available_kinds

TRAVERSALS = (
    "/static/../../etc/passwd",
    "/static/../../../../../../etc/passwd",
    "/static/%2e%2e/%2e%2e/etc/passwd",
    "/static/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/static/..%2f..%2f..%2fetc/passwd",
    "/static/%252e%252e/%252e%252e/etc/passwd",
    "/static/..\\..\\..\\etc\\passwd",
    "/static//etc/passwd",
    "/static/%00../../etc/passwd",
    "/static/....//....//etc/passwd",
    "/static/../../../src/cnocare/web/app.py",
    "/static/../templates/base.html",
    "/docs-assets/../../../../etc/passwd",
    "/docs-assets/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
)
SECRETS = ("root:x:0:0", "root:", "def create_app", "{% block")


@pytest.fixture(scope="module")
def api(world: World) -> Iterator[TestClient]:
    with bearer(world) as client:
        yield client


def row_counts(world: World) -> dict[str, int]:
    import cnocare.records.registry  # noqa: F401  - every table

    with world.db() as db:
        present = set(inspect(db.get_bind()).get_table_names())
        return {name: int(db.scalar(select(func.count()).select_from(table)) or 0)
                for name, table in Base.metadata.tables.items() if name in present}


def changed(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: after.get(name, 0) - count for name, count in before.items() if after.get(name, 0) != count}


# Tables every write legitimately touches besides its own: the audit trail and the assessment snapshots.
BOOKKEEPING = {"audit_events", "audit_chain", "audit_checkpoints", "assessment_snapshots", "patient_summaries"}


def test_injection_payloads_in_the_search_box_find_nothing_and_change_nothing(world: World, api: TestClient) -> None:
    before = row_counts(world)
    for payload in SQL_INJECTION:
        response = api.get("/api/v1/patients", params={"q": payload})
        assert response.status_code == 200, (payload, response.text)
        assert response.json()["items"] == [], f"{payload!r} matched patients: the text was not taken literally"
        page = world.clients["clinician"].get("/patients", params={"q": payload})
        assert page.status_code == 200, payload
    assert {k: v for k, v in changed(before, row_counts(world)).items() if k not in BOOKKEEPING} == {}
    figures.add("SQL-injection payloads x search entry points", 2 * len(SQL_INJECTION))


def test_injection_payloads_as_ids_answer_404_or_422_and_never_500(world: World, api: TestClient) -> None:
    pid = world.patient_id("own_centre")
    page = world.clients["clinician"]
    checked = 0
    for payload in SQL_INJECTION:
        segment = quote(payload, safe="")
        for url in (f"/api/v1/patients/{segment}", f"/api/v1/patients/{segment}/labs",
                    f"/api/v1/patients/{pid}/labs/{segment}", f"/api/v1/patients/{pid}/labs/{segment}/history",
                    f"/api/v1/patients/{segment}/assessment"):
            response = api.get(url)
            assert response.status_code in (404, 422), (url, response.status_code, response.text[:200])
            checked += 1
        for url in (f"/patients/{segment}", f"/patients/{pid}/labs/{segment}/edit", f"/patients/{pid}/{segment}/new"):
            response = page.get(url, follow_redirects=False)
            assert response.status_code in (404, 422), (url, response.status_code)
            checked += 1
    figures.add("SQL-injection payloads x id positions", checked)


def test_injection_payloads_in_every_free_text_field_are_stored_verbatim_and_touch_nothing_else(
        world: World, api: TestClient) -> None:
    pid = world.patient_id("own_centre")
    tables = {slug: kind.concept.model.__tablename__ for slug, kind in available_kinds().items()}
    refused: list[str] = []
    checked = 0
    for slug in available_kinds():
        fields = text_fields(world, api, slug)
        # A coexisting condition and a CHAQ (scores only) have no free text by design.
        assert fields or slug in ("conditions", "chaq"), f"{slug}: no free-text field found"
        for payload in SQL_INJECTION:
            before = row_counts(world)
            body: dict[str, Any] = {**EXAMPLES[slug], **dict.fromkeys(fields, payload)}
            response = api.post(f"/api/v1/patients/{pid}/{slug}", json=body)
            assert response.status_code in (201, 422), (slug, payload, response.status_code, response.text[:300])
            diff = {k: v for k, v in changed(before, row_counts(world)).items() if k not in BOOKKEEPING}
            if response.status_code == 422:
                named = {p["field"] for p in response.json()["detail"]}
                assert named and named <= set(fields), (slug, payload, response.json())
                refused.append(f"{slug}.{sorted(named)} refused {payload!r}")
                assert diff == {}, (slug, payload, diff)
                continue
            saved = response.json()
            assert {f: saved[f] for f in fields} == dict.fromkeys(fields, payload), (slug, payload)
            own = {tables[slug]: 1, **({"imaging_lesions": len(body["lesions"])} if slug == "imaging" else {})}
            assert diff == own, (slug, payload, diff)
            checked += len(fields)
    figures.add("SQL-injection payloads x free-text fields stored verbatim", checked)
    assert refused == [], refused




def test_a_nul_byte_in_search_ids_and_free_text_is_refused_or_stored_never_a_server_error(
        world: World, api: TestClient, request: pytest.FixtureRequest) -> None:
    pid = world.patient_id("own_centre")
    answers = {
        "search": api.get("/api/v1/patients", params={"q": NUL}).status_code,
        "patient id": api.get(f"/api/v1/patients/{quote(NUL, safe='')}").status_code,
        "record id": api.get(f"/api/v1/patients/{pid}/notes/{quote(NUL, safe='')}").status_code,
    }
    for slug in ("notes", "visits", "labs"):
        fields = text_fields(world, api, slug)
        response = api.post(f"/api/v1/patients/{pid}/{slug}", json={**EXAMPLES[slug], **dict.fromkeys(fields, NUL)})
        answers[slug] = response.status_code
        if response.status_code == 422:
            assert {p["field"] for p in response.json()["detail"]} <= set(fields)
    assert all(status < 500 for status in answers.values()), answers


def test_the_database_is_whole_after_the_injection_attempts(world: World) -> None:
    from cnocare.records.integrity import check

    report = check(world.app.state.web.database_url, recompute_assessments=False)
    assert report.ok, str(report)
    assert report.counts["patients"] >= 4


def raw_get(app: Any, raw_path: str) -> tuple[int, bytes]:
    """GET exactly this path through the ASGI app (an HTTP client would normalise the dots away)."""
    from urllib.parse import unquote

    messages: list[dict[str, Any]] = []
    asked = 0

    async def receive() -> dict[str, Any]:
        nonlocal asked
        asked += 1
        if asked == 1:
            return {"type": "http.request", "body": b"", "more_body": False}
        while not any(m["type"] == "http.response.body" and not m.get("more_body") for m in messages):
            await asyncio.sleep(0)  # a file response waits for the client to go away: only after it is sent
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    path, _, query = raw_path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": unquote(path), "raw_path": path.encode(), "query_string": query.encode(),
             "root_path": "", "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 1),
             "server": ("testserver", 80)}
    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in messages if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return status, body


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_on_static_files_answers_404_or_400_and_never_a_file_outside(world: World, path: str) -> None:
    status, body = raw_get(world.app, path)
    assert status in (400, 404), (path, status, body[:200])
    assert not any(secret.encode() in body for secret in SECRETS), path
    figures.add("path traversal attempts", 1)


def test_a_real_static_file_is_still_served(world: World) -> None:
    status, body = raw_get(world.app, "/static/app.css")
    assert status == 200 and body
