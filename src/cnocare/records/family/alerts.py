"""The care team's alert queue: raised from a diary entry's triage, acknowledged by a named person.

Only ``contact_team`` and ``emergency`` entries raise an alert; a routine entry raises none. The queue is
scoped by the caller (``patient_ids`` from the centre scope); acknowledging twice keeps the first
acknowledgement, so "who acknowledged what and when" never changes after the fact.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cnocare.records.clock import as_naive_utc, utcnow
from cnocare.records.errors import RecordNotFoundError, RecordValidationError
from cnocare.records.family.models import ALERT_LEVELS, FamilyAlert
from cnocare.records.family.schemas import AlertRead


def raise_alert(*, db_session: Session, patient_id: str, level: str, family_reasons: Sequence[str],
                staff_reasons: Sequence[str], actor: str, diary_record_id: str | None = None,
                diary_version: int | None = None, now: dt.datetime | None = None) -> AlertRead:
    if level not in ALERT_LEVELS:
        raise RecordValidationError([{"field": "level", "value": level,
                                      "message": f"accepted: {', '.join(ALERT_LEVELS)}"}])
    alert = FamilyAlert(patient_id=patient_id, level=level, raised_at=as_naive_utc(now or utcnow()),
                        raised_by=actor, family_reasons=list(family_reasons), staff_reasons=list(staff_reasons),
                        diary_record_id=diary_record_id, diary_version=diary_version)
    db_session.add(alert)
    db_session.flush()
    return AlertRead.model_validate(alert)


def acknowledge_alert(*, db_session: Session, alert_id: int, actor: str, note: str | None = None,
                      now: dt.datetime | None = None) -> AlertRead:
    """Acknowledge once; a second acknowledgement (another colleague, a double click) changes nothing."""
    when = as_naive_utc(now or utcnow())
    db_session.execute(update(FamilyAlert).where(FamilyAlert.id == alert_id, FamilyAlert.acknowledged_at.is_(None))
                       .values(acknowledged_at=when, acknowledged_by=actor,
                               acknowledgement_note=(note or "").strip() or None))
    alert = db_session.get(FamilyAlert, alert_id)
    if alert is None:
        raise RecordNotFoundError("alert", alert_id)
    db_session.refresh(alert)
    return AlertRead.model_validate(alert)


def get_alert(*, db_session: Session, alert_id: int) -> AlertRead:
    alert = db_session.get(FamilyAlert, alert_id)
    if alert is None:
        raise RecordNotFoundError("alert", alert_id)
    return AlertRead.model_validate(alert)


def alert_queue(*, db_session: Session, patient_ids: Collection[str] | None, open_only: bool = True,
                limit: int = 200) -> list[AlertRead]:
    """Newest first; emergencies before the rest. ``patient_ids`` None: every patient (a caller that has
    already scoped the query, e.g. a job)."""
    stmt = select(FamilyAlert)
    if patient_ids is not None:
        stmt = stmt.where(FamilyAlert.patient_id.in_(list(patient_ids)))
    if open_only:
        stmt = stmt.where(FamilyAlert.acknowledged_at.is_(None))
    stmt = stmt.order_by((FamilyAlert.level == "emergency").desc(), FamilyAlert.raised_at.desc()).limit(limit)
    return [AlertRead.model_validate(a) for a in db_session.scalars(stmt)]


def patient_alerts(*, db_session: Session, patient_id: str, limit: int = 50) -> list[AlertRead]:
    stmt = (select(FamilyAlert).where(FamilyAlert.patient_id == patient_id)
            .order_by(FamilyAlert.raised_at.desc()).limit(limit))
    return [AlertRead.model_validate(a) for a in db_session.scalars(stmt)]
