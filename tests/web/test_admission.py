"""A worker lets at most ``web_concurrency`` requests into the app at once; the rest wait their turn and are
all served. Without it, more requests than connections could each hold a thread waiting for a connection
held by a request waiting for a thread: the worker stopped until the pool's timeout (seen with 45 sign-ins
at once). Here a pool of two connections and twenty people signing in and opening the patient list at once."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import httpx
import pytest
from tests.web.browser import serving
from tests.web.conftest import PASSWORD, Clinic

from cnocare.security.settings import SecuritySettings
from cnocare.web.app import create_app
from cnocare.web.context import AdmissionMiddleware

PEOPLE = 20


async def _sign_in_and_open_the_list(base: str) -> tuple[int, int]:
    async with httpx.AsyncClient(base_url=base, timeout=15) as client:
        form = await client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token
        signed = await client.post("/login", data={"username": "ada", "password": PASSWORD,
                                                   "csrf_token": token.group(1)}, follow_redirects=False)
        listed = await client.get("/patients")
        return signed.status_code, listed.status_code


async def _everyone(base: str) -> list[tuple[int, int]]:
    return await asyncio.gather(*(_sign_in_and_open_the_list(base) for _ in range(PEOPLE)))


def test_more_people_at_once_than_connections_are_all_served_in_turn(clinic: Clinic) -> None:
    url = clinic.app.state.web.database_url
    # Two connections, a five-second wait for one: without admission this stops (all threads wait).
    app = create_app(SecuritySettings(database_url=url, migrate=False, web_concurrency=2),
                     engine_options={"pool_size": 2, "max_overflow": 0, "pool_timeout": 5})
    started = time.monotonic()
    with serving(app, lifespan="on") as base:  # its start-up sizes the thread pool
        answers = asyncio.run(_everyone(base))
    assert answers == [(303, 200)] * PEOPLE
    assert time.monotonic() - started < 30


@pytest.mark.anyio
async def test_no_more_than_the_limit_are_inside_and_the_probe_never_waits() -> None:
    inside, most = 0, 0

    async def slow_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        nonlocal inside, most
        inside += 1
        most = max(most, inside)
        await asyncio.sleep(0.02 if scope["path"] != "/healthz" else 0)
        inside -= 1
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    admitted = AdmissionMiddleware(slow_app, limit=3)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=admitted), base_url="http://test") as client:
        pages = [client.get(f"/patients/{i}") for i in range(12)]
        answers = await asyncio.gather(*pages)
        assert [a.status_code for a in answers] == [200] * 12 and most == 3
        most = 0
        probes = await asyncio.gather(*(client.get("/patients/slow") for _ in range(3)),
                                      *(client.get("/healthz") for _ in range(3)))
        assert [p.status_code for p in probes] == [200] * 6 and most > 3  # the probes went straight in
