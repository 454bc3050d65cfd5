"""Web benchmark (not a test): patient page and patient list on a clinic-sized database.

    .venv/bin/python bench/web_bench.py --db sqlite --db postgresql --patients 5000 --users 50 --duration 60

For each database: seed N synthetic patients (the records layer's generator, written through the record
services, every patient with at least --visits visits), then

1. server time in-process (TestClient): the patient page and the searched / filtered patient list, p50/p95;
2. a bounded load test on loopback: --users concurrent signed-in users (all signing in at once first,
   timed on its own, before the clock starts) for --duration seconds against uvicorn in a separate process,
   beside the bare /healthz endpoint of the same server in the same run, so the ratio says what the app
   costs over FastAPI itself.

Prints JSON and writes it to bench/results/web_bench.json. Seeded databases are kept in --work-dir and
reused by the next run (PostgreSQL: database ``cnocare_bench_<patients>``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

BENCH_PASSWORD = "Load-Test-Passphrase-2026!"
PG_SERVER = os.environ.get("CNOCARE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/cnocare_test")
RESULTS = Path(__file__).parent / "results" / "web_bench.json"
SERVER_ENV = {"CNOCARE_SECRET_KEY": "bench-secret-key-not-for-production-0123456789",
              "CNOCARE_ENVIRONMENT": "development", "CNOCARE_IP_FAILURE_LIMIT": "100000",
              "CNOCARE_ARGON2_MEMORY_KIB": "8192", "CNOCARE_ARGON2_TIME_COST": "1"}


def stats(samples_s: list[float], seconds: float | None = None, errors: int = 0) -> dict[str, Any]:
    ms = sorted(s * 1000 for s in samples_s)
    if not ms:
        return {"ok": 0, "errors": errors}
    cuts = statistics.quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else [ms[0]] * 99
    out: dict[str, Any] = {"ok": len(ms), "errors": errors, "p50_ms": round(cuts[49], 2),
                           "p95_ms": round(cuts[94], 2), "p99_ms": round(cuts[98], 2), "max_ms": round(ms[-1], 2)}
    if seconds:
        out["requests_per_s"] = round(len(ms) / seconds, 1)
    return out


def database(kind: str, patients: int, work_dir: Path, pg_name: str | None = None) -> str:
    if kind == "sqlite":
        work_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{work_dir / f'web-bench-{patients}.sqlite3'}"
    name = pg_name or f"cnocare_bench_{patients}"
    admin = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}) is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(PG_SERVER).set(database=name).render_as_string(hide_password=False)


def seed(url: str, patients: int, visits: int) -> dict[str, Any]:
    """The synthetic cohort through the record services (validated, versioned and assessed like the
    clinic's own entries), every patient with at least ``visits`` visits (``generate_cohort(min_visits=)``)."""
    from cnocare.analytics.seed import seed_demo
    from cnocare.records.db import make_engine, session_factory, upgrade
    from cnocare.records.models import VisitRecord
    from cnocare.records.patients.models import PatientRecord

    upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    started = time.perf_counter()
    with factory() as db:
        have = db.scalar(select(func.count()).select_from(PatientRecord)) or 0
    if have < patients:
        seed_demo(factory, n=patients, seed=2026, min_visits=visits, progress=lambda done, total: print(
            f"  seeded {done}/{total}", file=sys.stderr) if done % 500 == 0 else None)
    with factory() as db:
        total_visits = db.scalar(select(func.count()).select_from(VisitRecord)) or 0
        total_patients = db.scalar(select(func.count()).select_from(PatientRecord)) or 0
        per_patient = (select(func.count().label("n")).select_from(VisitRecord)
                       .where(VisitRecord.is_current.is_(True)).group_by(VisitRecord.patient_id).subquery())
        fewest = db.scalar(select(func.min(per_patient.c.n)))
    engine.dispose()
    return {"patients": total_patients, "visits": total_visits, "fewest_visits_of_a_patient": fewest,
            "seed_s": round(time.perf_counter() - started, 1)}


def bench_user(url: str) -> str:
    """A clinician linked to every centre (created once per database)."""
    from cnocare.records.accounts.service import create_user, find_by_username
    from cnocare.records.centres.models import Centre
    from cnocare.records.db import make_engine, session_factory

    engine = make_engine(url)
    with session_factory(engine)() as db:
        if find_by_username(db_session=db, username="bench") is None:
            centres = list(db.scalars(select(Centre.id)))
            create_user(db_session=db, data={"username": "bench", "email": "bench@example.org", "display_name": "Bench",
                                             "role": "clinician", "centre_ids": centres, "password": BENCH_PASSWORD})
        ids = [str(i) for i in db.scalars(text("SELECT id FROM patients WHERE voided_at IS NULL"))]
    engine.dispose()
    return json.dumps(ids)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


LIST_QUERIES = ("lind", "okafor", "maya", "ros", "DEMO", "h0", "zz-nobody")


class ServerClock:
    """ASGI wrapper timing each request inside the server: from the app being called to the last body
    byte handed to the server (no client, no TestClient thread hops)."""

    def __init__(self, app: Any) -> None:
        self.app, self.last = app, 0.0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started = time.perf_counter()

        async def timed_send(message: Any) -> None:
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.last = time.perf_counter() - started
            await send(message)

        await self.app(scope, receive, timed_send)


def in_process(url: str, patient_ids: list[str], samples: int) -> dict[str, Any]:
    """Server time of each page, one request at a time. ``patient_page_first_view``: a patient's first view
    in this process (the page is drawn: what every view cost before the cache, and what the first view
    after a write costs); ``patient_page``: a plain view of a patient whose record did not change since it
    was drawn (served from the cache); ``healthz``: FastAPI's floor in the same process."""
    from fastapi.testclient import TestClient

    from cnocare.security.settings import SecuritySettings
    from cnocare.web.app import create_app

    app = create_app(SecuritySettings(database_url=url, migrate=False))
    clock = ServerClock(app)
    rng = random.Random(7)
    sample = rng.sample(patient_ids, min(samples, len(patient_ids)))
    out: dict[str, Any] = {"distinct_patients": len(sample)}
    with TestClient(clock) as client:
        token = csrf_of(client.get("/login").text)
        assert client.post("/login", data={"username": "bench", "password": BENCH_PASSWORD,
                                           "csrf_token": token}, follow_redirects=False).status_code == 303
        warm = next(p for p in patient_ids if p not in sample)
        client.get(f"/patients/{warm}")  # warm the process (catalogues, templates), not the sampled pages
        views = iter([*sample, *rng.choices(sample, k=2 * len(sample))])
        for label, count, make_path in (
                ("healthz", samples, lambda: "/healthz"),
                ("patient_page_first_view", len(sample), lambda: f"/patients/{next(views)}"),
                ("patient_page", 2 * len(sample), lambda: f"/patients/{next(views)}"),
                ("list_search", samples, lambda: f"/patients?q={rng.choice(LIST_QUERIES)}"),
                ("list_filtered", samples,
                 lambda: "/patients?red_flags=1&overdue=1&page_number=" + str(rng.randint(1, 3)))):
            server, round_trip, errors = [], [], 0
            for _ in range(count):
                started = time.perf_counter()
                response = client.get(make_path())
                elapsed = time.perf_counter() - started
                if response.status_code == 200:
                    server.append(clock.last)
                    round_trip.append(elapsed)
                else:
                    errors += 1
            out[label] = {"server": stats(server, errors=errors), "round_trip_testclient": stats(round_trip)}
        out["page_cache"] = {name: {"entries": len(cache), "bytes": cache.size_bytes, "hits": cache.hits,
                                    "misses": cache.misses}
                             for name, cache in app.state.page_caches._asdict().items()}
    app.state.web.engine.dispose()
    return out


async def _sign_in(client: httpx.AsyncClient) -> tuple[bool, int]:
    """Signs one user in through the form, as a person would: a 503 ("busy, try again", with Retry-After)
    is tried again after the time it names, up to SIGN_IN_TRIES times. Returns (signed in, tries)."""
    for attempt in range(1, SIGN_IN_TRIES + 1):
        try:
            token = csrf_of((await client.get("/login")).text)
            response = await client.post("/login", data={"username": "bench", "password": BENCH_PASSWORD,
                                                          "csrf_token": token}, follow_redirects=False)
        except httpx.HTTPError:
            return False, attempt
        if response.status_code == 303:
            return True, attempt
        if response.status_code != 503:
            return False, attempt
        await asyncio.sleep(float(response.headers.get("retry-after", "1")))
    return False, SIGN_IN_TRIES


SIGN_IN_TRIES = 5


async def _ask(client: httpx.AsyncClient, paths: Any, deadline: float, times: list[float],
               errors: list[int]) -> None:
    while time.perf_counter() < deadline:
        path = paths()
        if path is None:  # a bounded phase (the warm-up) ran out of pages to ask for
            return
        started = time.perf_counter()
        try:
            response = await client.get(path)
            ok = response.status_code == 200
        except httpx.HTTPError:
            ok = False
        if ok:
            times.append(time.perf_counter() - started)
        else:
            errors.append(1)


async def _phase(clients: list[httpx.AsyncClient], duration: float, paths: Any) -> dict[str, Any]:
    """Every client asks, each waiting for its previous answer, until ``duration`` has passed."""
    times: list[float] = []
    errors: list[int] = []
    started = time.perf_counter()
    await asyncio.gather(*(_ask(c, paths, started + duration, times, errors) for c in clients))
    return stats(times, time.perf_counter() - started, len(errors))


async def _phases(base: str, users: int, warmup: float, duration: float, warm_paths: Any,
                  page_paths: Any) -> dict[str, Any]:
    """All ``users`` sign in at once (timed on its own, before the clock of the page phase starts), then the
    warm-up and the page phase with those signed-in users, then /healthz by as many clients."""
    async with AsyncExitStack() as stack:
        clients = [await stack.enter_async_context(httpx.AsyncClient(base_url=base, timeout=30.0))
                   for _ in range(users)]
        started = time.perf_counter()
        outcomes = await asyncio.gather(*(_sign_in(c) for c in clients))
        signed_in = [c for c, (ok, _) in zip(clients, outcomes, strict=True) if ok]
        sign_in = {"users": users, "signed_in": len(signed_in), "errors": users - len(signed_in),
                   "tried_again_after_busy": sum(tries - 1 for _, tries in outcomes),
                   "seconds": round(time.perf_counter() - started, 1)}
        warm = await _phase(signed_in, warmup, warm_paths) if warmup > 0 else None
        pages = await _phase(signed_in, duration, page_paths)
        pages["errors"] += users - len(signed_in)  # a user who could not sign in is a user whose pages failed
        bare = await _phase(clients, duration, lambda: "/healthz")
    return {"sign_in": sign_in, "warmup": warm, "patient_pages": pages, "bare_healthz": bare}


WARM_PASSES = 6


def load_test(url: str, patient_ids: list[str], users: int, duration: float, port: int, workers: int,
              load_patients: int, warmup: float, work_dir: Path) -> dict[str, Any]:
    """``cnocare serve --workers N`` on loopback; ``users`` signed-in users ask for patient pages of
    ``load_patients`` patients drawn from the whole cohort, after a warm-up that is not counted (every
    page asked for WARM_PASSES times, at most ``warmup`` seconds: the first views, which draw the pages),
    then the bare /healthz of the same server for the same time."""
    # The server's own data folder is the work folder (its development keys are written there, and the folder
    # is made private): never a shared one such as /tmp, which would be closed to every other user.
    env = {**os.environ, **SERVER_ENV, "CNOCARE_DATABASE_URL": url, "CNOCARE_MIGRATE": "false",
           "CNOCARE_DATA_DIR": str(work_dir)}
    command = [str(Path(sys.executable).parent / "cnocare"), "serve", "--host", "127.0.0.1", "--port", str(port),
               "--workers", str(workers)]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("cnocare serve did not start")
            time.sleep(0.2)
        time.sleep(2)  # every worker up, not just the first
        rng = random.Random(11)
        working_set = rng.sample(patient_ids, min(load_patients, len(patient_ids)))
        # Each page asked for WARM_PASSES times: with requests spread over the workers, a worker misses a
        # given page with a chance of (1 - 1/workers) ** WARM_PASSES (2 workers: 1 in 64).
        warm_views = iter([f"/patients/{p}" for _ in range(WARM_PASSES) for p in working_set])

        def page_paths() -> str:
            return f"/patients/{rng.choice(working_set)}"

        measured = asyncio.run(_phases(base, users, warmup, duration, lambda: next(warm_views, None), page_paths))
    finally:
        server.terminate()
        server.wait(timeout=30)
    app, bare = measured["patient_pages"], measured["bare_healthz"]
    rate = (round(app["requests_per_s"] / bare["requests_per_s"], 3)
            if app.get("requests_per_s") and bare.get("requests_per_s") else None)
    ratio = round(app["p50_ms"] / bare["p50_ms"], 1) if app.get("p50_ms") and bare.get("p50_ms") else None
    return {"command": " ".join(["cnocare", *command[1:]]), "workers": workers, "users": users,
            "duration_s": duration, "patients_in_load": len(working_set), **measured, "rate_ratio_pages_to_bare": rate,
            "p50_ratio_pages_to_bare": ratio}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--visits", type=int, default=10)
    parser.add_argument("--samples", type=int, default=200, help="in-process requests per page kind")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per load phase")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2, help="cnocare serve --workers for the load test")
    parser.add_argument("--load-patients", type=int, default=300,
                        help="patients whose pages the load test asks for (drawn from the whole cohort)")
    parser.add_argument("--warmup", type=float, default=90.0, help="at most this many seconds of warm-up")
    parser.add_argument("--pg-database", help="PostgreSQL database name (default cnocare_bench_<patients>)")
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/cnocare-bench"))
    parser.add_argument("--no-load", action="store_true", help="skip the loopback load test")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where the JSON goes")
    args = parser.parse_args()
    for key, value in SERVER_ENV.items():
        os.environ.setdefault(key, value)
    os.environ.setdefault("CNOCARE_DATA_DIR", str(args.work_dir))
    results: dict[str, Any] = {"patients": args.patients, "visits_per_patient": args.visits, "machine": machine(),
                               "command": " ".join(["python", *sys.argv])}
    for kind in args.db or ["sqlite", "postgresql"]:
        print(f"[{kind}] seeding {args.patients} patients", file=sys.stderr)
        url = database(kind, args.patients, args.work_dir, args.pg_database)
        entry: dict[str, Any] = {"seed": seed(url, args.patients, args.visits)}
        patient_ids = json.loads(bench_user(url))
        print(f"[{kind}] in-process timings", file=sys.stderr)
        entry["in_process"] = in_process(url, patient_ids, args.samples)
        if not args.no_load:
            print(f"[{kind}] load test: {args.users} users x {args.duration:g} s, then /healthz", file=sys.stderr)
            entry["load"] = load_test(url, patient_ids, args.users, args.duration, args.port, args.workers,
                                      args.load_patients, args.warmup, args.work_dir)
        results[kind] = entry
    results["machine_after"] = machine()
    text_out = json.dumps(results, indent=2)
    print(text_out)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text_out + "\n", encoding="utf-8")


def machine() -> dict[str, Any]:
    """What the figures were measured on, and how busy it was (other users share these machines)."""
    import platform
    import sqlite3

    return {"cpus": os.cpu_count(), "load_average_1_5_15": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}


if __name__ == "__main__":
    main()
