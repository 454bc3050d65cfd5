"""Records benchmark (not a test): patient page and patient list latency at clinic scale.

Builds N patients x 10 visits (default 5,000) on SQLite and, when a server is given, PostgreSQL:
60 patients are written through the services (validated and assessed); the rest are cloned from
them with bulk inserts, to keep the set-up short. Prints JSON with p50/p95 in milliseconds.

    .venv/bin/python bench/records_bench.py --patients 5000 [--pg-url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from cnocare.analytics.seed import seed_demo
from cnocare.records.chart import load_chart
from cnocare.records.db import make_engine, session_factory, transaction, upgrade
from cnocare.records.patients.service import search_patients
from cnocare.records.registry import metadata

TEMPLATES = 60
VISITS_PER_PATIENT = 10
CLONED = ("lab_results", "symptoms", "medicine_courses", "episodes", "coexisting_conditions",
          "alternative_diagnoses", "biopsies", "imaging_studies", "assessment_snapshots")
TODAY = dt.date(2026, 7, 1)


def populate(factory: sessionmaker[Session], patients: int, rng: random.Random) -> None:
    seed_demo(factory, n=min(TEMPLATES, patients), seed=2026)
    with transaction(factory) as s:
        t = metadata.tables
        templates = [dict(r._mapping) for r in s.execute(select(t["patients"]))]
        by_patient: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
        for name in CLONED:
            for r in s.execute(select(t[name])):
                by_patient[r.patient_id][name].append(dict(r._mapping))
        lesions: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for r in s.execute(select(t["imaging_lesions"])):
            lesions[r.study_row_id].append(dict(r._mapping))
        next_id = {name: (s.scalar(select(func.max(t[name].c.id))) or 0) + 1 for name in (*CLONED, "imaging_lesions",
                                                                                          "visits")}
        # Template patients get exactly VISITS_PER_PATIENT visits too: replace theirs.
        s.execute(t["visits"].delete())
    rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
    summaries = []
    for i in range(patients):
        template = templates[i % len(templates)]
        pid = template["id"] if i < len(templates) else str(uuid.uuid4())
        if i >= len(templates):
            rows["patients"].append({**template, "id": pid, "hospital_number": f"BENCH-{i:06d}",
                                     "name": f"{template['name']} {i}",
                                     "search_key": f"{template['name']} {i} bench-{i:06d}".casefold()})
            for name, items in by_patient[template["id"]].items():
                for item in items:
                    new = {**item, "id": next_id[name], "patient_id": pid}
                    if "record_id" in item:
                        new["record_id"] = str(uuid.uuid4())
                    next_id[name] += 1
                    rows[name].append(new)
                    for lesion in lesions.get(item["id"], []) if name == "imaging_studies" else []:
                        rows["imaging_lesions"].append({**lesion, "id": next_id["imaging_lesions"],
                                                        "study_row_id": new["id"]})
                        next_id["imaging_lesions"] += 1
        day = template["onset_date"] or dt.date(2020, 1, 1)
        for _ in range(VISITS_PER_PATIENT):
            day += dt.timedelta(days=rng.randint(60, 150))
            rows["visits"].append({"id": next_id["visits"], "record_id": str(uuid.uuid4()), "version": 1,
                                   "is_current": True, "patient_id": pid, "created_at": dt.datetime(2026, 1, 1),
                                   "created_by": "bench", "date": day, "kind": "follow_up",
                                   "pain_0_10": rng.randint(0, 8), "physician_global_0_10": rng.randint(0, 6),
                                   "notes": None, "next_review_due": day + dt.timedelta(days=120),
                                   "voided_at": None, "voided_by": None, "void_reason": None})
            next_id["visits"] += 1
        snapshot = (by_patient[template["id"]]["assessment_snapshots"] or [{}])[-1]
        summaries.append({"patient_id": pid, "red_flag_count": snapshot.get("red_flag_count", 0),
                          "urgent_red_flag_count": snapshot.get("urgent_red_flag_count", 0),
                          "next_review_due": day + dt.timedelta(days=120), "last_visit_date": day,
                          "latest_snapshot_id": None, "updated_at": dt.datetime(2026, 1, 1)})
    with transaction(factory) as s:
        t = metadata.tables
        s.execute(t["patient_summaries"].delete())
        for name in ("patients", *CLONED, "imaging_lesions", "visits"):
            _bulk(s, t[name], rows[name])
        _bulk(s, t["patient_summaries"], summaries)
        s.execute(text("ANALYZE"))  # fresh planner statistics, as a live database would have


def _bulk(s: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), 2000):
        if rows[start:start + 2000]:
            s.execute(table.insert(), rows[start:start + 2000])


def timed(samples: int, action: Callable[[int], object]) -> dict[str, float]:
    times = []
    for i in range(samples):
        start = time.perf_counter()
        action(i)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {"n": samples, "p50_ms": round(statistics.median(times), 2),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 2), "max_ms": round(times[-1], 2)}


def run(url: str, patients: int, samples: int) -> dict[str, Any]:
    rng = random.Random(1)
    upgrade(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    start = time.perf_counter()
    populate(factory, patients, rng)
    setup_s = time.perf_counter() - start
    with transaction(factory) as s:
        ids = list(s.scalars(select(metadata.tables["patients"].c.id)))
        centre = s.scalar(select(metadata.tables["centres"].c.id))
        counts = {name: s.scalar(select(func.count()).select_from(metadata.tables[name]))
                  for name in ("patients", "visits", "lab_results", "imaging_lesions")}
    session = factory()
    words = ["ma", "BENCH-0012", "lind", "zz-no-match", "o"]
    searches: dict[str, Callable[[int], object]] = {
        "list_first_page": lambda i: search_patients(db_session=session),
        "list_text": lambda i: search_patients(db_session=session, text=words[i % len(words)]),
        "list_red_flags": lambda i: search_patients(db_session=session, red_flags_only=True, offset=(i % 5) * 50),
        "list_overdue": lambda i: search_patients(db_session=session, overdue_only=True, today=TODAY),
        "list_centre_text": lambda i: search_patients(db_session=session, centre_id=centre, text="a"),
    }
    result: dict[str, Any] = {"backend": make_url(url).get_backend_name(), "rows": counts,
                              "setup_seconds": round(setup_s, 1)}
    result["patient_page"] = timed(samples, lambda i: load_chart(db_session=session,
                                                                 patient_id=ids[rng.randrange(len(ids))]))
    for name, action in searches.items():
        result[name] = timed(samples, action)
    session.close()
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--pg-url", default=os.environ.get("CNOCARE_TEST_PG_URL", ""),
                        help="PostgreSQL server URL; a scratch database is created and dropped")
    args = parser.parse_args()
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        out.append(run(f"sqlite:///{tmp}/bench.sqlite3", args.patients, args.samples))
    if args.pg_url:
        server = make_url(args.pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
        name = f"cnocare_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            out.append(run(server.set(database=name).render_as_string(hide_password=False), args.patients,
                           args.samples))
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    print(json.dumps({"benchmark": "records", "patients": args.patients, "visits_per_patient": VISITS_PER_PATIENT,
                      "results": out}, indent=2))


if __name__ == "__main__":
    main()
