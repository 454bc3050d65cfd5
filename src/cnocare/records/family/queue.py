"""The care team's view of the alerts: by centre (the staff member's centres), open ones and those
acknowledged recently, with the patient's name and the names of who raised and acknowledged each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, ScalarSelect, func, or_, select
from sqlalchemy.orm import Session

from cnocare.records.accounts.models import User
from cnocare.records.clock import as_naive_utc
from cnocare.records.family.models import FamilyAlert
from cnocare.records.family.schemas import AlertRead
from cnocare.records.patients.models import PatientRecord


@dataclass(frozen=True)
class QueuedAlert:
    alert: AlertRead
    patient_name: str
    raised_by_name: str
    acknowledged_by_name: str | None


def display_names(*, db_session: Session, usernames: Iterable[str | None]) -> dict[str, str]:
    """Account names as people know them (the display name); a name with no account stays as written."""
    wanted = {u for u in usernames if u}
    found = dict(db_session.execute(select(User.username, User.display_name).where(User.username.in_(wanted)))
                 .tuples().all()) if wanted else {}
    return {u: found.get(u, u) for u in wanted}


def _in_centres(centre_ids: Collection[int] | BindParameter[Any]) -> ColumnElement[bool]:
    wanted = centre_ids if isinstance(centre_ids, BindParameter) else list(centre_ids)
    return FamilyAlert.patient_id.in_(select(PatientRecord.id).where(PatientRecord.centre_id.in_(wanted)))


def centre_queue(*, db_session: Session, centre_ids: Collection[int], acknowledged_since: dt.datetime,
                 limit: int = 200) -> list[QueuedAlert]:
    """Open alerts (emergencies first, newest first), then those acknowledged since ``acknowledged_since``."""
    since = as_naive_utc(acknowledged_since)
    stmt = (select(FamilyAlert, PatientRecord.name).join(PatientRecord, PatientRecord.id == FamilyAlert.patient_id)
            .where(_in_centres(centre_ids),
                   or_(FamilyAlert.acknowledged_at.is_(None), FamilyAlert.acknowledged_at >= since))
            .order_by(FamilyAlert.acknowledged_at.is_not(None), (FamilyAlert.level == "emergency").desc(),
                      FamilyAlert.raised_at.desc(), FamilyAlert.acknowledged_at.desc())
            .limit(limit))
    rows = db_session.execute(stmt).tuples().all()
    names = display_names(db_session=db_session, usernames=[u for a, _ in rows for u in
                                                             (a.raised_by, a.acknowledged_by)])
    return [QueuedAlert(AlertRead.model_validate(a), name, names.get(a.raised_by, a.raised_by),
                        names.get(a.acknowledged_by, a.acknowledged_by) if a.acknowledged_by else None)
            for a, name in rows]


def open_count(*, db_session: Session, centre_ids: Collection[int]) -> int:
    if not centre_ids:
        return 0
    return int(db_session.scalar(select(open_count_query(centre_ids))) or 0)


def open_count_query(centre_ids: Collection[int] | BindParameter[Any]) -> ScalarSelect[int]:
    """The open alerts at these centres, as a scalar subquery (the navigation counts it with the notices);
    ``centre_ids`` may be an expanding bind parameter, for a statement built once."""
    return select(func.count(FamilyAlert.id)).where(
        _in_centres(centre_ids), FamilyAlert.acknowledged_at.is_(None)).scalar_subquery()


def open_for_patient(*, db_session: Session, patient_id: str) -> list[AlertRead]:
    stmt = (select(FamilyAlert).where(FamilyAlert.patient_id == patient_id, FamilyAlert.acknowledged_at.is_(None))
            .order_by((FamilyAlert.level == "emergency").desc(), FamilyAlert.raised_at.desc()))
    return [AlertRead.model_validate(a) for a in db_session.scalars(stmt)]


def alert_centre(*, db_session: Session, alert_id: int) -> int | None:
    """The centre of the alert's patient (the acknowledge route checks it against the staff's centres)."""
    centre: int | None = db_session.scalar(select(PatientRecord.centre_id).join(
        FamilyAlert, FamilyAlert.patient_id == PatientRecord.id).where(FamilyAlert.id == alert_id))
    return centre
