"""Rebuild the Case after every write and keep what the clinical core said, dated.

Writes call ``request_refresh``; inside ``deferred_refresh`` (imports, seeding) each touched patient
is refreshed once when the block ends, still inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select
from sqlalchemy.orm import Session

from cnocare.records.assessments.engine import assess_to_json, red_flags
from cnocare.records.assessments.models import AssessmentSnapshot
from cnocare.records.assessments.schemas import SnapshotRead
from cnocare.records.casebuilder import build_case
from cnocare.records.clock import as_naive_utc, utcnow
from cnocare.records.models import VisitRecord
from cnocare.records.patients.models import PatientRecord, PatientSummary

_DEFERRED = "cnocare_deferred_refresh"


def refresh(*, db_session: Session, patient_id: str, actor: str) -> SnapshotRead:
    """Assess the patient's current records; store a snapshot when the answer changed; update the summary."""
    # Serialise refreshes per patient: under READ COMMITTED two concurrent writes could otherwise each
    # assess without the other's row and the later summary would mix both. SQLite ignores FOR UPDATE
    # (its writers are serialised already). The row is read whole under the lock and replaces any copy the
    # session holds: the Case below is built from the patient as of now, without reading the row again.
    patient = db_session.scalars(select(PatientRecord).where(PatientRecord.id == patient_id)
                                 .with_for_update(key_share=True).execution_options(populate_existing=True)).first()
    # Durations (weeks of bone pain) run to the day of the assessment, not to the last record.
    case = build_case(db_session=db_session, patient_id=patient_id, assessed_on=utcnow().date(), patient=patient)
    assessment, engine = assess_to_json(case)
    digest = hashlib.sha256(json.dumps(assessment, sort_keys=True, default=str).encode()).hexdigest()
    latest = _latest(db_session, patient_id)
    if latest is None or latest.content_hash != digest or latest.engine != engine:
        flags = red_flags(assessment)
        latest = AssessmentSnapshot(
            patient_id=patient_id, as_of=case.reference_date, created_at=utcnow(), created_by=actor,
            engine=engine, content_hash=digest, assessment=assessment,
            instrument_versions={i["instrument"]: i["version"] for i in assessment.get("instruments", [])},
            red_flag_count=len(flags),
            urgent_red_flag_count=sum(1 for f in flags if f.get("severity") == "urgent"))
        db_session.add(latest)
        db_session.flush()
    _update_summary(db_session, patient_id, latest)
    return SnapshotRead.model_validate(latest)


def request_refresh(*, db_session: Session, patient_id: str, actor: str) -> None:
    pending: dict[str, str] | None = db_session.info.get(_DEFERRED)
    if pending is None:
        refresh(db_session=db_session, patient_id=patient_id, actor=actor)
    else:
        pending[patient_id] = actor


@contextmanager
def deferred_refresh(db_session: Session) -> Iterator[None]:
    """Batch writes: refresh each touched patient once at the end instead of after every row."""
    if _DEFERRED in db_session.info:  # nested: the outer block refreshes
        yield
        return
    pending: dict[str, str] = {}
    db_session.info[_DEFERRED] = pending
    try:
        yield
    finally:
        del db_session.info[_DEFERRED]
    for patient_id, actor in sorted(pending.items()):  # one lock order, so batches cannot deadlock
        refresh(db_session=db_session, patient_id=patient_id, actor=actor)


def latest_snapshot(*, db_session: Session, patient_id: str) -> SnapshotRead | None:
    row = _latest(db_session, patient_id)
    return None if row is None else SnapshotRead.model_validate(row)


def snapshot_as_of(*, db_session: Session, patient_id: str, when: dt.datetime) -> SnapshotRead | None:
    """What the assessment said at ``when`` (aware, or naive UTC): the last snapshot made by then."""
    row = db_session.scalars(
        select(AssessmentSnapshot)
        .where(AssessmentSnapshot.patient_id == patient_id, AssessmentSnapshot.created_at <= as_naive_utc(when))
        .order_by(AssessmentSnapshot.created_at.desc(), AssessmentSnapshot.id.desc())).first()
    return None if row is None else SnapshotRead.model_validate(row)


def _latest(db_session: Session, patient_id: str) -> AssessmentSnapshot | None:
    return db_session.scalars(
        select(AssessmentSnapshot).where(AssessmentSnapshot.patient_id == patient_id)
        .order_by(AssessmentSnapshot.created_at.desc(), AssessmentSnapshot.id.desc())).first()


def _update_summary(db_session: Session, patient_id: str, snapshot: AssessmentSnapshot) -> None:
    last_visit = db_session.scalars(
        select(VisitRecord).where(VisitRecord.patient_id == patient_id, VisitRecord.is_current.is_(True))
        .order_by(VisitRecord.date.desc(), VisitRecord.id.desc())).first()
    summary = db_session.get(PatientSummary, patient_id)
    if summary is None:
        summary = PatientSummary(patient_id=patient_id)
        db_session.add(summary)
    summary.red_flag_count = snapshot.red_flag_count
    summary.urgent_red_flag_count = snapshot.urgent_red_flag_count
    summary.latest_snapshot_id = snapshot.id
    summary.last_visit_date = last_visit.date if last_visit else None
    summary.next_review_due = last_visit.next_review_due if last_visit else None
    summary.updated_at = utcnow()
    db_session.flush()
