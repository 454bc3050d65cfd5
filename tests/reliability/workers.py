"""Write workloads run as child processes by the crash trials: ``python workers.py <workload> '<json args>'``.

Every workload writes through the record services (one transaction per write, as the web app does) and
calls ``emit("ACK", ...)`` only after ``transaction()`` has committed, so an ack is a promise the write is
durable. Errors a user would see are reported as ``ERROR`` lines, never retried here: the trials count them.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, so `reliability` imports

from sqlalchemy.orm import Session, sessionmaker

import cnocare.records.registry  # noqa: F401  - every table, so foreign keys resolve in a fresh process
from cnocare.records import versioned, writes
from cnocare.records.db import make_engine, session_factory, transaction
from cnocare.records.kinds import KINDS
from reliability.harness import emit

FIRST_LAB_DAY = dt.date(2025, 9, 1)  # the trial patient's onset; every lab is dated after it, before mid-2026

LABS = KINDS["labs"]
NOTES = KINDS["notes"]


def lab(rng: random.Random, note: str) -> dict[str, Any]:
    day = FIRST_LAB_DAY + dt.timedelta(days=rng.randint(0, 280))
    value = round(rng.uniform(0.5, 60.0), 1)
    return {"test": "crp", "date": day, "value": value, "unit": "mg/L", "note": note}


def seed(factory: sessionmaker[Session], args: dict[str, Any]) -> None:
    """The demo cohort, acknowledged patient by patient (seed_demo's progress runs after each commit)."""
    from cnocare.analytics.seed import seed_demo

    emit("READY")
    added = seed_demo(factory, n=args["n"], seed=args["seed"],
                      progress=lambda done, _total: emit("ACK", done=done))
    emit("DONE", added=added)


def burst(factory: sessionmaker[Session], args: dict[str, Any]) -> None:
    """Add, correct (with the version the writer last saw) and void lab results of one patient."""

    rng, actor, live = random.Random(args["seed"]), args["actor"], {}
    emit("READY")
    for op in range(args["count"]):
        roll, tag = rng.random(), f"{actor} op {op}"
        with transaction(factory) as s:
            if not live or roll < 0.45:
                read = writes.add(LABS, db_session=s, patient_id=args["patient_id"], data=lab(rng, tag),
                                  actor=actor)
                kind, fields = "add", {"value": read.value, "note": read.note}
            elif roll < 0.8:
                record_id = rng.choice(sorted(live))
                changes = {"value": round(rng.uniform(0.5, 60.0), 1), "note": tag}
                read = writes.revise(LABS, db_session=s, record_id=record_id, changes=changes,
                                     expected_version=live[record_id], actor=actor, reason=tag)
                kind, fields = "update", {"value": read.value, "note": read.note}
            else:
                record_id = rng.choice(sorted(live))
                read = writes.void(LABS, db_session=s, record_id=record_id, expected_version=live[record_id],
                                   reason=tag, actor=actor)
                kind, fields = "void", {"reason": tag}
        if kind == "void":
            del live[read.record_id]
        else:
            live[read.record_id] = read.version
        emit("ACK", op=kind, record_id=read.record_id, version=read.version, **fields)
    emit("DONE")


def edit(factory: sessionmaker[Session], args: dict[str, Any]) -> None:
    """Edit one shared note again and again; a stale version (someone else saved first) means read again."""

    from cnocare.records.errors import StaleRecordError

    name, conflicts, done = args["name"], 0, 0
    emit("READY")
    while done < args["count"]:
        with transaction(factory) as s:
            seen = versioned.get(NOTES.concept, db_session=s, record_id=args["record_id"]).version
        text = f"{name} edit {done}"
        try:
            with transaction(factory) as s:
                saved = writes.revise(NOTES, db_session=s, record_id=args["record_id"], changes={"text": text},
                                      expected_version=seen, actor=name, reason=text)
        except StaleRecordError:
            conflicts += 1
            continue
        done += 1
        emit("ACK", version=saved.version, text=text, actor=name)
    emit("DONE", conflicts=conflicts)


def writer(factory: sessionmaker[Session], args: dict[str, Any]) -> None:
    """One of several concurrent writers on one patient: add a lab, then correct it, over and over."""

    rng, name = random.Random(args["seed"]), args["name"]
    emit("READY")
    for op in range(args["count"]):
        tag = f"{name} op {op}"
        try:
            with transaction(factory) as s:
                read = writes.add(LABS, db_session=s, patient_id=args["patient_id"], data=lab(rng, tag),
                                  actor=name)
            emit("ACK", op="add", record_id=read.record_id, version=read.version, note=tag, value=read.value)
            with transaction(factory) as s:
                read = writes.revise(LABS, db_session=s, record_id=read.record_id,
                                     changes={"note": tag + " checked"}, expected_version=read.version,
                                     actor=name, reason="checked")
            emit("ACK", op="update", record_id=read.record_id, version=read.version, note=read.note,
                 value=read.value)
        except Exception as exc:  # what a user would see: reported, counted by the trial, not retried
            emit("ERROR", type=type(exc).__name__, message=str(exc)[:500], op=op)
    emit("DONE")


def backups(_factory: sessionmaker[Session], args: dict[str, Any]) -> None:
    """Take backups one after another into a folder, acknowledging each once backup() returned."""
    from cnocare.records.backup import backup

    emit("READY")
    for number in range(args["count"]):
        target = Path(args["folder"]) / f"backup-{number}.db"
        report = backup(args["url"], target, verify=args.get("verify", True))
        emit("ACK", path=str(report.path), sha256=report.sha256)
    emit("DONE")


WORKLOADS = {"seed": seed, "burst": burst, "edit": edit, "writer": writer, "backups": backups}


def main(argv: list[str]) -> None:
    workload, args = WORKLOADS[argv[1]], json.loads(argv[2])
    engine = make_engine(args["url"])
    try:
        workload(session_factory(engine), args)
    finally:
        engine.dispose()


if __name__ == "__main__":
    main(sys.argv)
