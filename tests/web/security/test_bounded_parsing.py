"""A hostile body never stalls the server: while bodies with 40,000 unknown keys are being refused,
``/healthz`` keeps answering within 100 ms. A real uvicorn server on loopback, real sockets."""

from __future__ import annotations

import json
import statistics
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from tests.web.security import figures
from tests.web.security.conftest import USERNAMES, World

from cnocare.records.accounts.api_tokens import create_api_token
from cnocare.records.accounts.service import find_by_username


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[str]:
    config = uvicorn.Config(world.app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert srv.started, "server did not start"
    port = srv.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def test_healthz_answers_within_100_ms_while_hostile_bodies_are_refused(world: World, server: str) -> None:
    with world.db() as db:
        user = find_by_username(db_session=db, username=USERNAMES["clinician"])
        assert user is not None
        _, raw = create_api_token(db_session=db, user=user, data={"name": "load", "scopes": ["records:write"]})
    hostile = json.dumps({f"k{i:05d}": 1 for i in range(40_000)}).encode()  # ~500 KB, as in the finding
    assert len(hostile) < 1_000_000
    stop = threading.Event()
    answers: list[tuple[int, int]] = []

    def attacker() -> None:
        with httpx.Client(base_url=server, timeout=30) as client:
            while not stop.is_set():
                response = client.post("/api/v1/patients", content=hostile, headers={
                    "Authorization": f"Bearer {raw}", "content-type": "application/json"})
                answers.append((response.status_code, len(response.content)))

    threads = [threading.Thread(target=attacker) for _ in range(2)]
    for t in threads:
        t.start()
    latencies = []
    try:
        with httpx.Client(base_url=server, timeout=5) as client:
            time.sleep(0.2)
            for _ in range(40):
                start = time.perf_counter()
                assert client.get("/healthz").text == "ok"
                latencies.append((time.perf_counter() - start) * 1000)
                time.sleep(0.02)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert answers and all(status == 422 and size < 2_000 for status, size in answers), answers[:3]
    p95 = sorted(latencies)[int(len(latencies) * 0.95) - 1]
    figures.add("hostile bodies refused while /healthz was timed", len(answers))
    print(f"\n/healthz under hostile load: median {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms, "
          f"max {max(latencies):.1f} ms; {len(answers)} hostile bodies refused")
    assert p95 < 100, latencies
