"""Signing in: password check with lockout and per-address throttling, then the optional TOTP step.

Every path costs one argon2 verification (unknown users verify a dummy hash), and every refusal shows the
same message, so neither timing nor wording tells an attacker which usernames exist or are locked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import update
from sqlalchemy.orm import Session

from cnocare.records.accounts.models import User
from cnocare.records.accounts.service import find_by_username
from cnocare.records.audit.service import count_recent_failures, record_event
from cnocare.records.clock import utcnow
from cnocare.security.passwords import burn_time, verify_password
from cnocare.security.policy import Principal, require
from cnocare.security.settings import SecuritySettings, get_settings
from cnocare.security.totp import matching_step, new_totp_secret, open_secret, provisioning_uri, seal_secret

Outcome = Literal["ok", "needs_second_factor", "invalid", "locked", "inactive", "throttled"]
REFUSED = "Username or password is incorrect, or the account is temporarily locked."
THROTTLED = "Too many failed sign-ins from this network address. Wait a few minutes and try again."


@dataclass(frozen=True)
class LoginResult:
    outcome: Outcome  # for the audit trail and tests; show ``message`` to the person
    user: User | None
    message: str

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def _fail(db_session: Session, outcome: Outcome, *, user: User | None, username: str, ip: str | None,
          user_agent: str | None, detail: str) -> LoginResult:
    record_event(db_session=db_session, action="failed-login", outcome="failure",
                 user_id=user.id if user else None, username=(user.username if user else username[:64]),
                 role=user.role if user else None, ip=ip, user_agent=user_agent, detail=detail)
    db_session.commit()
    return LoginResult(outcome, None, THROTTLED if outcome == "throttled" else REFUSED)


def _count_failure(db_session: Session, user: User, settings: SecuritySettings, now: dt.datetime) -> bool:
    """Add one failure atomically (two racing attempts both count); lock at the threshold. True if locked now."""
    db_session.execute(update(User).where(User.id == user.id)
                       .values(failed_login_count=User.failed_login_count + 1))
    db_session.refresh(user, ["failed_login_count"])
    if user.failed_login_count >= settings.lockout_threshold:
        user.locked_until = now + dt.timedelta(minutes=settings.lockout_minutes)
        user.failed_login_count = 0  # after the lock ends, the next N failures lock again
        return True
    return False


def authenticate(*, db_session: Session, username: str, password: str, ip: str | None = None,
                 user_agent: str | None = None, settings: SecuritySettings | None = None) -> LoginResult:
    settings = settings or get_settings()
    now = utcnow()
    if ip is not None:
        since = now - dt.timedelta(minutes=settings.ip_failure_window_minutes)
        if count_recent_failures(db_session=db_session, ip=ip, since=since) >= settings.ip_failure_limit:
            burn_time(password, settings=settings)
            return _fail(db_session, "throttled", user=None, username=username, ip=ip, user_agent=user_agent,
                         detail="address throttled")
    user = find_by_username(db_session=db_session, username=username)
    if user is None:
        burn_time(password, settings=settings)
        return _fail(db_session, "invalid", user=None, username=username, ip=ip, user_agent=user_agent,
                     detail="unknown username")
    if user.locked_until is not None and user.locked_until > now:
        burn_time(password, settings=settings)
        return _fail(db_session, "locked", user=user, username=username, ip=ip, user_agent=user_agent,
                     detail=f"account locked until {user.locked_until:%Y-%m-%d %H:%M} UTC")
    ok, new_hash = verify_password(user.password_hash, password, settings=settings)
    if not ok:
        locked = _count_failure(db_session, user, settings, now)
        return _fail(db_session, "locked" if locked else "invalid", user=user, username=username, ip=ip,
                     user_agent=user_agent, detail="wrong password" + ("; account locked" if locked else ""))
    if not user.is_active:
        return _fail(db_session, "inactive", user=user, username=username, ip=ip, user_agent=user_agent,
                     detail="account deactivated")
    if new_hash is not None:
        user.password_hash = new_hash  # hashing parameters were raised since this password was set
    user.failed_login_count = 0
    user.locked_until = None
    if user.totp_enabled:
        db_session.commit()
        return LoginResult("needs_second_factor", user, "Enter the 6-digit code from your authenticator app.")
    _succeed(db_session, user, now, ip, user_agent)
    return LoginResult("ok", user, "Signed in.")


def _succeed(db_session: Session, user: User, now: dt.datetime, ip: str | None, user_agent: str | None) -> None:
    user.last_login_at = now
    record_event(db_session=db_session, action="login", user_id=user.id, username=user.username, role=user.role,
                 ip=ip, user_agent=user_agent)
    db_session.commit()


def verify_second_factor(*, db_session: Session, user: User, code: str, ip: str | None = None,
                         user_agent: str | None = None, settings: SecuritySettings | None = None) -> LoginResult:
    """The TOTP step after a correct password. Wrong codes count toward the same lockout as passwords."""
    settings = settings or get_settings()
    now = utcnow()
    if user.locked_until is not None and user.locked_until > now:
        return _fail(db_session, "locked", user=user, username=user.username, ip=ip, user_agent=user_agent,
                     detail="account locked (second factor)")
    secret = totp_secret_of(user) if user.totp_enabled else None
    step = matching_step(secret or "", code, last_step=user.totp_last_step) if secret else None
    if step is not None and not _claim_step(db_session, user, step):
        step = None  # another request used this code first (concurrent submissions of one code)
    if step is None:
        locked = _count_failure(db_session, user, settings, now)
        return _fail(db_session, "locked" if locked else "invalid", user=user, username=user.username, ip=ip,
                     user_agent=user_agent, detail="wrong second-factor code")
    user.failed_login_count = 0
    _succeed(db_session, user, now, ip, user_agent)
    return LoginResult("ok", user, "Signed in.")


def _claim_step(db_session: Session, user: User, step: int) -> bool:
    """Record ``step`` as used, atomically: of several requests carrying one code, exactly one wins (the
    others' UPDATE finds the step already taken, after waiting for the winner's commit)."""
    claimed = db_session.execute(update(User).where(
        User.id == user.id, (User.totp_last_step.is_(None)) | (User.totp_last_step < step))
        .values(totp_last_step=step))
    db_session.flush()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        db_session.rollback()
        db_session.refresh(user)
        return False
    db_session.refresh(user, ["totp_last_step"])
    return True


def totp_secret_of(user: User) -> str | None:
    """The clear secret, opened with the key outside the database; a legacy clear secret is sealed now."""
    if user.totp_secret_sealed is not None:
        return open_secret(user.totp_secret_sealed)
    if user.totp_secret is not None:
        secret = user.totp_secret
        _store_secret(user, secret)
        return secret
    return None


def _store_secret(user: User, secret: str | None) -> None:
    user.totp_secret_sealed = seal_secret(secret) if secret is not None else None
    user.totp_secret = None  # never in clear in the database


def begin_totp_enrolment(*, db_session: Session, user: User, issuer: str = "cnocare") -> tuple[str, str]:
    """A new secret (not yet active) and its otpauth:// URI for the QR code."""
    secret = new_totp_secret()
    _store_secret(user, secret)
    user.totp_enabled_at = None
    user.totp_last_step = None
    db_session.commit()
    return secret, provisioning_uri(secret, username=user.username, issuer=issuer)


def confirm_totp_enrolment(*, db_session: Session, user: User, code: str) -> bool:
    """Activate the second factor once the person proves their app shows the right codes."""
    secret = totp_secret_of(user)
    if secret is None:
        return False
    step = matching_step(secret, code)
    if step is None:
        return False
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    record_event(db_session=db_session, action="update", user_id=user.id, username=user.username, role=user.role,
                 record_type="user", record_id=user.id, fields=["totp"])
    db_session.commit()
    return True


def disable_totp(*, db_session: Session, user: User, by: Principal | None = None) -> None:
    """Remove the second factor (the person themself, or an administrator when a phone is lost)."""
    if by is not None and by.user_id != user.id:
        require(by, "user:manage")
    _store_secret(user, None)
    user.totp_enabled_at = None
    user.totp_last_step = None
    record_event(db_session=db_session, action="update", principal=by, user_id=user.id, username=user.username,
                 role=user.role, record_type="user", record_id=user.id, fields=["totp"],
                 detail="second factor removed")
    db_session.commit()
