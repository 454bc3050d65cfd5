"""One crash trial per function: start writers, kill one at a random moment, compare acks with the database.

Shared by the tests (a few trials each) and ``bench/crash_trials.py`` (many). A trial never asserts; it
returns a ``Trial`` whose ``lost`` (acknowledged writes missing) and ``problems`` must both be empty.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cnocare.analytics.seed import seed_demo
from cnocare.analytics.synthetic import PatientBundle, generate_cohort
from cnocare.records import versioned, writes
from cnocare.records.centres.service import create_centre
from cnocare.records.db import make_engine, session_factory, transaction
from cnocare.records.integrity import check
from cnocare.records.kinds import ALL_KINDS, KINDS
from cnocare.records.labs.models import LabResultRecord
from cnocare.records.models import ClinicalNoteRecord
from cnocare.records.patients.models import PatientRecord
from cnocare.records.patients.service import create_patient
from reliability.harness import Child, ScratchDatabases, kill_at_random

WORKERS = Path(__file__).with_name("workers.py")
ACTOR = "crash-trial"

NOTES = KINDS["notes"]


@dataclass
class Trial:
    scenario: str
    dialect: str
    killed: bool = False  # False: the child finished before the kill landed (still checked)
    acked: int = 0  # acknowledged writes checked against the database
    lost: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    user_errors: list[str] = field(default_factory=list)  # errors the writers would have shown a user
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.lost or self.problems or self.user_errors)

    def explain(self) -> str:
        return json.dumps(asdict(self), indent=1, default=str)


FIGURES: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: dict.fromkeys(
    ("trials", "killed", "acked", "lost", "failed"), 0))


def crash_trials(default: int = 5) -> int:
    """How many trials per scenario and dialect (CNOCARE_CRASH_TRIALS; the bench runs many more)."""
    return max(1, int(os.environ.get("CNOCARE_CRASH_TRIALS", default)))


def record(trial: Trial) -> Trial:
    """Count the trial into the figures printed at the end of the run (and by the bench)."""
    figures = FIGURES[(trial.scenario, trial.dialect)]
    figures["trials"] += 1
    figures["killed"] += int(trial.killed)
    figures["acked"] += trial.acked
    figures["lost"] += len(trial.lost)
    figures["failed"] += int(not trial.ok)
    return trial


def worker(workload: str, **args: Any) -> Child:
    return Child.start([sys.executable, str(WORKERS), workload, json.dumps(args, default=str)])


@contextmanager
def session(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    try:
        with transaction(session_factory(engine)) as s:
            yield s
    finally:
        engine.dispose()


def integrity(url: str, trial: Trial) -> None:
    report = check(url)
    trial.problems += [str(p) for p in report.problems]
    trial.detail["records"] = report.records_checked


def new_patient(url: str) -> str:
    with session(url) as s:
        centre = create_centre(db_session=s, data={"code": f"T{uuid.uuid4().hex[:6]}", "name": "Trial"},
                               actor=ACTOR)
        return create_patient(db_session=s, actor=ACTOR, data={
            "centre_id": centre.id, "name": "Trial Patient", "hospital_number": uuid.uuid4().hex[:10],
            "sex": "female", "date_of_birth": dt.date(2014, 5, 2), "onset_date": dt.date(2025, 9, 1)}).id


# --- (a) kill -9 while seeding the demo cohort --------------------------------------------------------

def seed_trial(dbs: ScratchDatabases, rng: random.Random, n: int = 12) -> Trial:
    trial, url, cohort_seed = Trial("seed_demo", dbs.dialect), dbs.fresh(), rng.randrange(1_000_000)
    child = worker("seed", url=url, n=n, seed=cohort_seed)
    kill_at_random(child, rng, max_acks=n - 2)
    trial.killed = child.killed
    acked = max((a["done"] for a in child.acks), default=0)
    cohort = generate_cohort(n, cohort_seed)
    integrity(url, trial)
    with session(url) as s:
        present = dict(s.execute(select(PatientRecord.hospital_number, PatientRecord.id)).tuples().all())
        for index, bundle in enumerate(cohort):
            if bundle.hospital_number not in present:
                if index < acked:
                    trial.lost.append(f"patient {bundle.hospital_number} acknowledged but absent")
                continue
            if index > acked:  # only the patient in flight at the kill may be there unacknowledged
                trial.problems.append(f"patient {bundle.hospital_number} present though seeding had not "
                                      "reached it")
            trial.problems += patient_differences(s, present[bundle.hospital_number], bundle)
    trial.acked = acked
    # After the crash a second run completes the cohort, adding exactly the patients that were missing.
    engine = make_engine(url)
    try:
        added = seed_demo(session_factory(engine), n=n, seed=cohort_seed)
    finally:
        engine.dispose()
    if added != n - len(present):
        trial.problems.append(f"re-seeding added {added} patients; {n - len(present)} were missing")
    trial.detail.update(present_after_kill=len(present), readded=added)
    integrity(url, trial)
    return trial


def patient_differences(s: Session, patient_id: str, bundle: PatientBundle) -> list[str]:
    """Everything the generator made for this patient is stored, once, and nothing else (all or nothing)."""
    out = []
    patient = s.get(PatientRecord, patient_id)
    assert patient is not None
    if (patient.name, patient.sex, patient.date_of_birth) != (bundle.name, bundle.sex, bundle.date_of_birth):
        out.append(f"patient {bundle.hospital_number}: demographics differ from the generator")
    for kind in ALL_KINDS:
        name, concept = kind.name, kind.concept
        rows = versioned.current_rows(concept, s, patient_id)
        stored = sorted(canonical(concept.fields.model_validate(concept.row_fields(row))) for row in rows)
        expected = sorted(canonical(item) for item in getattr(bundle, name, ()))
        if stored != expected:
            out.append(f"patient {bundle.hospital_number}: {len(stored)} {name} stored, "
                       f"{len(expected)} generated (or contents differ)")
    return out


def canonical(item: Any) -> str:
    return json.dumps(item.model_dump(mode="json"), sort_keys=True)


# --- (b) kill -9 during a burst of adds, corrections and voids ----------------------------------------

def burst_trial(dbs: ScratchDatabases, rng: random.Random, count: int = 40) -> Trial:
    trial, url = Trial("write_burst", dbs.dialect), dbs.fresh()
    patient_id = new_patient(url)
    child = worker("burst", url=url, patient_id=patient_id, seed=rng.randrange(1_000_000), count=count,
                   actor="burst-writer")
    kill_at_random(child, rng, max_acks=count - 5, min_acks=1)
    trial.killed = child.killed
    integrity(url, trial)
    with session(url) as s:
        rows = {(r.record_id, r.version): r for r in
                s.scalars(select(LabResultRecord).where(LabResultRecord.patient_id == patient_id))}
        trial.acked, trial.lost = len(child.acks), acks_missing(child.acks, rows)
    expected: dict[str, int | None] = {}  # record -> current version after the last acknowledged write
    for ack in child.acks:
        expected[ack["record_id"]] = None if ack["op"] == "void" else ack["version"]
    actual = {rid: v for (rid, v), row in rows.items() if row.is_current}
    differing = [rid for rid in set(expected) | set(actual) if expected.get(rid) != actual.get(rid)]
    unacked = set(rows) - {(a["record_id"], a["version"]) for a in child.acks}
    if len(differing) > 1 or len(unacked) > 1:  # the one write in flight at the kill may have committed
        trial.problems.append(f"more changed than the one write in flight: records {differing}, "
                              f"rows {unacked}")
    return trial


def acks_missing(acks: list[dict[str, Any]], rows: dict[tuple[str, int], Any]) -> list[str]:
    """Acknowledged lab writes that are not in the database exactly as acknowledged."""
    lost = []
    for ack in acks:
        row = rows.get((ack["record_id"], ack["version"]))
        if ack["op"] == "void":
            good = row is not None and not row.is_current and row.void_reason == ack["reason"]
        else:
            good = row is not None and row.note == ack["note"] and row.value == ack["value"]
        if not good:
            lost.append(f"{ack['op']} of lab {ack['record_id']} v{ack['version']}")
    return lost


# --- (c) two editors of one record, one killed --------------------------------------------------------

def edit_trial(dbs: ScratchDatabases, rng: random.Random, count: int = 15) -> Trial:
    trial, url = Trial("concurrent_edit", dbs.dialect), dbs.fresh()
    patient_id = new_patient(url)
    with session(url) as s:
        record_id = writes.add(NOTES, db_session=s, patient_id=patient_id, actor=ACTOR,
                               data={"date": dt.date(2025, 9, 2), "text": "first letter"}).record_id
    victim = worker("edit", url=url, record_id=record_id, name="editor-killed", count=count)
    survivor = worker("edit", url=url, record_id=record_id, name="editor-survivor", count=count)
    survivor.wait_for("READY")
    kill_at_random(victim, rng, max_acks=count - 3, min_acks=1)
    survivor.finish()
    trial.killed = victim.killed
    acks = victim.acks + survivor.acks
    trial.acked = len(acks)
    integrity(url, trial)
    with session(url) as s:
        rows = {r.version: r for r in s.scalars(select(ClinicalNoteRecord)
                                                .where(ClinicalNoteRecord.record_id == record_id))}
    for ack in acks:
        row = rows.get(ack["version"])
        if row is None or (row.created_by, row.text) != (ack["actor"], ack["text"]):
            trial.lost.append(f"{ack['actor']}'s v{ack['version']} ({ack['text']})")
    versions = [a["version"] for a in acks]
    if len(versions) != len(set(versions)):
        trial.problems.append(f"two editors were both told they saved the same version: {sorted(versions)}")
    unacked = [v for v in rows if v > 1 and v not in versions]
    if len(unacked) > 1 or any(rows[v].created_by != "editor-killed" for v in unacked):
        trial.problems.append(f"versions nobody acknowledged beyond the killed editor's last one: {unacked}")
    if len(survivor.acks) != count:
        trial.problems.append(f"the survivor saved {len(survivor.acks)} of {count} edits")
    trial.detail["conflicts_survivor"] = (survivor.of("DONE") or [{}])[0].get("conflicts")
    return trial


# --- (d) several writers on one database at once ------------------------------------------------------

def writers_trial(dbs: ScratchDatabases, rng: random.Random, writers: int = 4, count: int = 15) -> Trial:
    trial, url = Trial("concurrent_writers", dbs.dialect), dbs.fresh()
    patient_id = new_patient(url)
    children = [worker("writer", url=url, patient_id=patient_id, name=f"writer-{i}", count=count,
                       seed=rng.randrange(1_000_000)) for i in range(writers)]
    for child in children:
        child.finish()
    acks = [a for c in children for a in c.acks]
    trial.user_errors = [f"{e['type']}: {e['message']}" for c in children for e in c.errors]
    integrity(url, trial)
    with session(url) as s:
        rows = {(r.record_id, r.version): r for r in
                s.scalars(select(LabResultRecord).where(LabResultRecord.patient_id == patient_id))}
    trial.acked, trial.lost = len(acks), acks_missing(acks, rows)
    return trial


# --- (e) kill -9 while a backup is being taken ---------------------------------------------------------

def backup_kill_trial(dbs: ScratchDatabases, rng: random.Random, folder: Path, count: int = 12) -> Trial:
    """Every backup reported as taken restores and passes the integrity check; a backup cut short by the
    kill is refused (no manifest, or a checksum that does not match), never restored half-written."""
    from cnocare.records.backup import BackupError, read_manifest, restore

    trial, url = Trial("backup_killed", dbs.dialect), dbs.fresh()
    engine = make_engine(url)
    seed_demo(session_factory(engine), n=3, seed=rng.randrange(1_000_000))
    engine.dispose()
    child = worker("backups", url=url, folder=str(folder), count=count, verify=False)
    kill_at_random(child, rng, max_acks=count - 3)  # backups run back to back: the kill lands inside one
    trial.killed, trial.acked = child.killed, len(child.acks)
    acked = [Path(ack["path"]) for ack in child.acks]
    on_disk = sorted(folder.glob("backup-*.db"))
    trial.lost += [f"acknowledged backup {p.name} is missing" for p in acked if p not in on_disk]
    verified = []
    for path in on_disk:
        try:
            read_manifest(path)
            verified.append(path)
        except BackupError as exc:
            if path in acked:
                trial.lost.append(f"acknowledged backup {path.name} does not verify: {exc}")
    # Restoring every backup would be slow; the newest acknowledged one and any that finished unacknowledged.
    for path in [p for p in verified if p not in acked] + acked[-1:]:
        target = dbs.empty()
        restore(path, target)
        trial.problems += [f"{path.name} restored: {p}" for p in check(target).problems]
    files = sorted(p.name for p in folder.iterdir())
    trial.detail["cut_short"] = [f for f in files if f.endswith(".partial")]
    return trial
