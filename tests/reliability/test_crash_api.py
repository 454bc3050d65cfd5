"""kill -9 the web server in the middle of a burst of API writes: every write that was answered 2xx is there
after a restart, and nothing is half-written.

The server is real (uvicorn in a child process on 127.0.0.1, a scratch SQLite file or PostgreSQL
database); writes come over HTTP with a bearer token from several threads at once.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from cnocare.records.accounts.api_tokens import create_api_token
from cnocare.records.accounts.service import create_user
from cnocare.records.centres.service import create_centre
from cnocare.records.db import make_engine, session_factory, transaction
from cnocare.records.integrity import check
from cnocare.records.models import ClinicalNoteRecord
from cnocare.records.patients.service import create_patient
from reliability.conftest import ReplayableRandom
from reliability.harness import ScratchDatabases
from reliability.scenarios import FIGURES

TRIALS = int(os.environ.get("CNOCARE_API_CRASH_TRIALS", "2"))
STARTUP_LIMIT_S = 30.0
WRITERS = 4
PASSWORD = "Correct-Horse-Battery-7"


@dataclass
class Setup:
    url: str
    token: str
    patient_id: str
    env: dict[str, str] = field(default_factory=dict)


def prepare(url: str, data_dir: Path) -> Setup:
    env = {"CNOCARE_DATABASE_URL": url, "CNOCARE_ENVIRONMENT": "test", "CNOCARE_DATA_DIR": str(data_dir),
           "CNOCARE_SECRET_KEY": "crash-api-secret-key-0123456789", "CNOCARE_ARGON2_TIME_COST": "1",
           "CNOCARE_ARGON2_MEMORY_KIB": "1024", "CNOCARE_ARGON2_PARALLELISM": "1"}
    from cnocare.security.settings import get_settings

    with pytest.MonkeyPatch.context() as mp:
        for name, value in env.items():
            mp.setenv(name, value)
        get_settings.cache_clear()
        engine = make_engine(url)
        try:
            with transaction(session_factory(engine)) as db:
                centre = create_centre(db_session=db, data={"code": "CRA", "name": "Crash"}, actor="setup")
                patient = create_patient(db_session=db, actor="setup", data={
                    "centre_id": centre.id, "name": "Crash Patient", "hospital_number": "C-1", "sex": "male"})
            with session_factory(engine)() as db:
                user, _ = create_user(db_session=db, data={
                    "username": "crash.clinician", "email": "c@example.org", "display_name": "C",
                    "role": "clinician", "centre_ids": [centre.id], "password": PASSWORD})
                _, raw = create_api_token(db_session=db, user=user, data={"name": "burst",
                                                                         "scopes": ["records:read", "records:write"]})
        finally:
            engine.dispose()
        get_settings.cache_clear()
    return Setup(url, raw, str(patient.id), env)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def server(setup: Setup, workdir: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    log = (workdir / f"uvicorn-{port}.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "uvicorn", "cnocare.web.app:create_app", "--factory",
                                "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                               env={**os.environ, **setup.env}, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_LIMIT_S
        while True:  # wait for the socket to answer, not a fixed time
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"uvicorn did not start: {(workdir / log.name).read_text()[-2000:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        yield process, base
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        log.close()


def burst(base: str, setup: Setup, process: subprocess.Popen[bytes], kill_after: int) -> dict[str, str]:
    """Writers post notes until the server dies; the kill lands after ``kill_after`` acknowledged writes.
    Returns {record_id: text} of every write answered 2xx."""
    acked: dict[str, str] = {}
    lock = threading.Lock()
    killed = threading.Event()
    headers = {"Authorization": f"Bearer {setup.token}"}
    url = f"{base}/api/v1/patients/{setup.patient_id}/notes"

    def writer() -> None:
        with httpx.Client(headers=headers, timeout=10.0) as client:
            while not killed.is_set():
                text = f"burst {uuid.uuid4().hex}"
                try:
                    response = client.post(url, json={"date": "2026-03-02", "text": text, "category": "crash"})
                except httpx.TransportError:
                    continue  # the server is gone (or going): this write was never acknowledged
                if response.status_code >= 300:
                    continue
                with lock:
                    acked[response.json()["record_id"]] = text
                    if len(acked) >= kill_after and not killed.is_set():
                        process.send_signal(signal.SIGKILL)  # mid-burst: other writers are in flight
                        killed.set()

    with ThreadPoolExecutor(WRITERS) as pool:
        for future in [pool.submit(writer) for _ in range(WRITERS)]:
            future.result(timeout=60)
    return acked


@pytest.fixture
def api_rng() -> ReplayableRandom:
    return ReplayableRandom(int(os.environ.get("CNOCARE_CRASH_SEED", str(int(time.time()) % (1 << 30)))))


def test_every_api_write_answered_2xx_before_a_kill_9_is_there_after_restart_and_nothing_is_half_written(
        scratch: ScratchDatabases, tmp_path: Path, api_rng: ReplayableRandom) -> None:
    for trial in range(TRIALS):
        setup = prepare(scratch.fresh(), tmp_path / f"data-{trial}")
        with server(setup, tmp_path) as (process, base):
            acked = burst(base, setup, process, kill_after=api_rng.randint(3, 25))
            assert process.wait(timeout=30) == -signal.SIGKILL, "the server was not killed by the test"
        assert acked, api_rng.replay
        with server(setup, tmp_path) as (_, base):  # restart on the same database
            listed = httpx.get(f"{base}/api/v1/patients/{setup.patient_id}/notes",
                               headers={"Authorization": f"Bearer {setup.token}"}, timeout=10.0)
            assert listed.status_code == 200
            served = {r["record_id"]: r["text"] for r in listed.json()}
        missing = {rid: text for rid, text in acked.items() if served.get(rid) != text}
        report = check(setup.url)
        figures = FIGURES[("api-kill-9", scratch.dialect)]
        figures["trials"] += 1
        figures["killed"] += 1
        figures["acked"] += len(acked)
        figures["lost"] += len(missing)
        figures["failed"] += int(bool(missing) or not report.ok)
        assert not missing, f"acknowledged writes lost after kill -9: {missing} ({api_rng.replay})"
        assert report.ok, f"{report}\n{api_rng.replay}"
        engine = make_engine(setup.url)
        try:
            with session_factory(engine)() as db:
                rows = db.scalars(select(ClinicalNoteRecord).where(ClinicalNoteRecord.patient_id == setup.patient_id))
                assert all(r.text.startswith("burst ") and r.version == 1 for r in rows)
        finally:
            engine.dispose()
