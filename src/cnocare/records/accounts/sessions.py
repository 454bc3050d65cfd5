"""Server-side sessions: the browser holds a random id; the table holds its SHA-256, expiry and idle time.

A session ends at the first of: sign-out, ``session_lifetime_hours`` after sign-in, ``session_idle_minutes``
without a request, a password change, or the account being deactivated.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

from sqlalchemy import Integer, String, bindparam, cast, null, select, update
from sqlalchemy.orm import Session

from cnocare.records.accounts.models import User, UserSession, user_centres, user_patients
from cnocare.records.audit.service import record_event
from cnocare.records.clock import utcnow
from cnocare.security.settings import SecuritySettings, get_settings
from cnocare.security.tokens import fingerprint, new_session_id

TOUCH_EVERY = dt.timedelta(seconds=60)  # write last_seen_at at most once a minute, not on every request


def start_session(*, db_session: Session, user: User, ip: str | None = None, user_agent: str | None = None,
                  second_factor_pending: bool = False, settings: SecuritySettings | None = None) -> str:
    """Create a session and return the raw id for the cookie (the only time it exists in clear)."""
    settings = settings or get_settings()
    raw = new_session_id()
    now = utcnow()
    db_session.add(UserSession(
        id_hash=fingerprint(raw), user_id=user.id, created_at=now, last_seen_at=now,
        expires_at=now + dt.timedelta(hours=settings.session_lifetime_hours),
        second_factor_pending=second_factor_pending, ip=(ip or None) and ip[:64],
        user_agent=(user_agent or None) and user_agent[:255]))
    db_session.commit()
    return raw


class LiveSession(NamedTuple):
    """A live session, its active user, and the centres and patients the user is linked to."""

    session: UserSession
    user: User
    centre_ids: list[int]
    patient_ids: list[str]


def _signed_in_query() -> Any:
    """The session by its id hash, its user, and each of the user's centres and patients as one row of a
    subquery (user_id, centre_id or NULL, patient_id or NULL)."""
    links = select(user_centres.c.user_id, user_centres.c.centre_id,
                   cast(null(), String(64)).label("patient_id")).union_all(
        select(user_patients.c.user_id, cast(null(), Integer), user_patients.c.patient_id)).subquery("links")
    return (select(UserSession, User, links.c.centre_id, links.c.patient_id)
            .join(User, User.id == UserSession.user_id).outerjoin(links, links.c.user_id == User.id)
            .where(UserSession.id_hash == bindparam("id_hash")))


# Built once: making the statement and its cache key costs more than running it (about 0.5 ms a request).
SIGNED_IN = _signed_in_query()


def load_session(*, db_session: Session, raw_id: str | None, allow_pending: bool = False,
                 settings: SecuritySettings | None = None) -> LiveSession | None:
    """The live session and its active user, or None (expired, idle, ended, unknown, user deactivated).

    One query reads the session, its user and the user's links (every request signed in by cookie asks)."""
    if not raw_id:
        return None
    settings = settings or get_settings()
    rows = db_session.execute(SIGNED_IN, {"id_hash": fingerprint(raw_id)}).all()
    now = utcnow()
    if not rows:
        return None
    row, user = rows[0][0], rows[0][1]
    if row.ended_at is not None or row.expires_at <= now:
        return None
    if row.last_seen_at + dt.timedelta(minutes=settings.session_idle_minutes) <= now:
        row.ended_at = now
        db_session.commit()
        return None
    if row.second_factor_pending and not allow_pending:
        return None
    if not user.is_active:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        db_session.commit()
    return LiveSession(row, user, [r.centre_id for r in rows if r.centre_id is not None],
                       [r.patient_id for r in rows if r.patient_id is not None])


def complete_second_factor(*, db_session: Session, raw_id: str) -> str:
    """After a correct TOTP code: end the pending session and issue a fresh id (no session fixation)."""
    row = db_session.get(UserSession, fingerprint(raw_id))
    if row is None or not row.second_factor_pending or row.ended_at is not None:
        raise LookupError("no sign-in is waiting for a second factor in this browser")
    user = db_session.get(User, row.user_id)
    assert user is not None
    row.ended_at = utcnow()
    return start_session(db_session=db_session, user=user, ip=row.ip, user_agent=row.user_agent)


def end_session(*, db_session: Session, raw_id: str | None, ip: str | None = None,
                user_agent: str | None = None) -> bool:
    """Sign out. True if a live session was ended (and a logout event written)."""
    if not raw_id:
        return False
    row = db_session.get(UserSession, fingerprint(raw_id))
    if row is None or row.ended_at is not None:
        return False
    row.ended_at = utcnow()
    user = db_session.get(User, row.user_id)
    record_event(db_session=db_session, action="logout", user_id=row.user_id,
                 username=user.username if user else None, role=user.role if user else None,
                 ip=ip, user_agent=user_agent)
    db_session.commit()
    return True


def end_all_sessions(*, db_session: Session, user_id: int, commit: bool = True) -> None:
    db_session.execute(update(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
                       .values(ended_at=utcnow()))
    if commit:
        db_session.commit()


def live_sessions(*, db_session: Session, user_id: int) -> list[UserSession]:
    now = utcnow()
    return list(db_session.scalars(select(UserSession).where(
        UserSession.user_id == user_id, UserSession.ended_at.is_(None), UserSession.expires_at > now)))
