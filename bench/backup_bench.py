"""Benchmark: backup and restore of a clinic-sized database, with verification (issue: security, point 4).

    .venv/bin/python bench/backup_bench.py --patients 300 [--pg-url postgresql+psycopg://...]

A CNO clinic follows tens to a few hundred children; 300 synthetic patients with multi-year courses
(and their audit trail) are written through the services, then `backup()` (verified) and `restore()`
(verified) are timed, beside a plain file copy of the same SQLite file as the baseline. Prints JSON
and writes bench/results/backup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from cnocare.analytics.seed import seed_demo
from cnocare.records.audit.listener import audit_context, install
from cnocare.records.backup import backup, restore
from cnocare.records.db import make_engine, session_factory, upgrade


def _seed(url: str, patients: int) -> None:
    upgrade(url)
    install()
    engine = make_engine(url)
    with audit_context(actor="bench"):
        seed_demo(session_factory(engine), n=patients, seed=7)
    engine.dispose()


def _timed(fn: Any) -> tuple[float, Any]:
    t0 = time.perf_counter()
    out = fn()
    return round(time.perf_counter() - t0, 3), out


def sqlite_run(patients: int, work: Path) -> dict[str, Any]:
    db = work / "clinic.sqlite3"
    url = f"sqlite:///{db}"
    seed_s, _ = _timed(lambda: _seed(url, patients))
    copy_s, _ = _timed(lambda: shutil.copyfile(db, work / "plain-copy.sqlite3"))
    backup_s, report = _timed(lambda: backup(url, work / "backup.sqlite3"))
    restore_s, restored = _timed(lambda: restore(work / "backup.sqlite3", f"sqlite:///{work / 'restored.sqlite3'}"))
    return {"seed_s": seed_s, "size_bytes": report.size_bytes, "rows": sum(report.tables.values()),
            "plain_file_copy_s": copy_s, "backup_verified_s": backup_s, "restore_verified_s": restore_s,
            "restore_verified": restored.verified,
            "ratio_backup_to_copy": round(backup_s / max(copy_s, 1e-6), 1)}


def postgres_run(patients: int, server_url: str, work: Path) -> dict[str, Any]:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    names = [f"cnocare_bench_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    with admin.connect() as c:
        for name in names:
            c.execute(text(f'CREATE DATABASE "{name}"'))
    base = server_url.rsplit("/", 1)[0]
    source, target = (f"{base}/{n}" for n in names)
    try:
        seed_s, _ = _timed(lambda: _seed(source, patients))
        backup_s, report = _timed(lambda: backup(source, work / "backup.pgdump"))
        restore_s, restored = _timed(lambda: restore(work / "backup.pgdump", target))
        return {"seed_s": seed_s, "size_bytes": report.size_bytes, "rows": sum(report.tables.values()),
                "backup_verified_s": backup_s, "restore_verified_s": restore_s, "restore_verified": restored.verified}
    finally:
        with admin.connect() as c:
            for name in names:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=300)
    ap.add_argument("--pg-url", default=os.environ.get("CNOCARE_TEST_PG_URL"))
    args = ap.parse_args()
    result: dict[str, Any] = {"command": f"python bench/backup_bench.py --patients {args.patients}",
                              "patients": args.patients}
    with tempfile.TemporaryDirectory() as tmp:
        result["sqlite"] = sqlite_run(args.patients, Path(tmp))
    if args.pg_url:
        with tempfile.TemporaryDirectory() as tmp:
            result["postgresql"] = postgres_run(args.patients, args.pg_url, Path(tmp))
    text_out = json.dumps(result, indent=2)
    Path(__file__).parent.joinpath("results", "backup.json").write_text(text_out + "\n")
    print(text_out)


if __name__ == "__main__":
    main()
