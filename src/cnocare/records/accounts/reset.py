"""Password reset by e-mail: a signed, expiring, single-use link.

The link is an itsdangerous signature over (user id, nonce): the signature stops forgery and bounds the age;
the stored nonce fingerprint with ``used_at`` makes it single-use, and issuing or using one link retires the
others. The request answers the same whether or not the address is known, so it reveals no accounts.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cnocare.records.accounts.models import PasswordReset, User
from cnocare.records.accounts.service import set_password
from cnocare.records.clock import utcnow
from cnocare.security.mail import Mailer, MailMessage, default_mailer
from cnocare.security.passwords import burn_time, normalise_email, normalise_username
from cnocare.security.settings import SecuritySettings, get_settings
from cnocare.security.tokens import (
    InvalidResetToken,
    fingerprint,
    new_nonce,
    read_reset_token,
    sign_reset_token,
)

__all__ = ["InvalidResetToken", "request_password_reset", "reset_password"]


def _find(db_session: Session, username_or_email: str) -> User | None:
    value = username_or_email.strip()
    try:
        if "@" in value:
            # Mailboxes are case-insensitive in practice, whatever RFC 5321 allows.
            address = normalise_email(value).lower()
            return db_session.scalars(select(User).where(func.lower(User.email) == address)
                                      .order_by(User.id)).first()
        return db_session.scalar(select(User).where(User.username == normalise_username(value)))
    except ValueError:
        return None


def request_password_reset(*, db_session: Session, username_or_email: str, reset_url: str,
                           mailer: Mailer | None = None, settings: SecuritySettings | None = None) -> str | None:
    """Mail a reset link to the account's address if the account exists and is active.

    ``reset_url`` is the page that takes the token, e.g. ``https://clinic.example/reset``; the token is
    appended as ``?token=``. Returns the token (for the caller's tests only; never show it on a page).
    """
    settings = settings or get_settings()
    # The same slow step on every path, so the answer time does not tell whether the account exists.
    burn_time(username_or_email, settings=settings)
    user = _find(db_session, username_or_email)
    if user is None or not user.is_active:
        return None
    now = utcnow()
    recent = db_session.scalar(select(func.count()).select_from(PasswordReset).where(
        PasswordReset.user_id == user.id, PasswordReset.created_at >= now - dt.timedelta(hours=1))) or 0
    if recent >= settings.reset_requests_per_hour:
        return None  # same answer to the caller; no more mail this hour
    _retire_open_links(db_session, user.id, now)
    nonce = new_nonce()
    db_session.add(PasswordReset(user_id=user.id, nonce_hash=fingerprint(nonce), created_at=now,
                                 expires_at=now + dt.timedelta(minutes=settings.password_reset_minutes)))
    token = sign_reset_token(user.id, nonce, settings=settings)
    db_session.flush()
    separator = "&" if "?" in reset_url else "?"
    # Before the commit: a mailer that queues (the web's send_mail job) queues in this transaction, so the
    # link and its mail are kept together or not at all.
    (mailer or default_mailer(settings)).send(MailMessage(
        to=user.email, subject=f"{settings.site_name}: reset your password",
        body=(f"Hello {user.display_name},\n\nSomeone asked to reset the password of the account "
              f"'{user.username}'. If it was you, open this link within {settings.password_reset_minutes} "
              f"minutes:\n\n{reset_url}{separator}token={token}\n\nIf it was not you, ignore this message: "
              "your password has not changed.\n")))
    db_session.commit()
    return token


def _retire_open_links(db_session: Session, user_id: int, now: dt.datetime) -> None:
    db_session.execute(update(PasswordReset).where(PasswordReset.user_id == user_id,
                                                   PasswordReset.used_at.is_(None)).values(used_at=now))


def check_reset_token(*, db_session: Session, token: str, settings: SecuritySettings | None = None
                      ) -> tuple[User, PasswordReset]:
    """The account and link a token opens, or InvalidResetToken saying why (for the reset form)."""
    settings = settings or get_settings()
    user_id, nonce = read_reset_token(token, max_age_seconds=settings.password_reset_minutes * 60,
                                      settings=settings)
    link = db_session.scalar(select(PasswordReset).where(PasswordReset.nonce_hash == fingerprint(nonce)))
    if link is None or link.user_id != user_id:
        raise InvalidResetToken("this password-reset link is not valid; ask for a new one")
    if link.used_at is not None:
        raise InvalidResetToken("this password-reset link was already used or replaced; ask for a new one")
    if link.expires_at <= utcnow():
        raise InvalidResetToken("this password-reset link has expired; ask for a new one")
    user = db_session.get(User, user_id)
    if user is None or not user.is_active:
        raise InvalidResetToken("this password-reset link is not valid; ask for a new one")
    return user, link


def reset_password(*, db_session: Session, token: str, new_password: str,
                   settings: SecuritySettings | None = None) -> User:
    """Set a new password from a reset link; the link (and any other open link) is spent, all sessions end.
    A password the policy refuses leaves the link usable, so the person can try again."""
    user, link = check_reset_token(db_session=db_session, token=token, settings=settings)
    # Claim the link atomically first: two racing submissions cannot both use it.
    claimed = db_session.execute(update(PasswordReset).where(PasswordReset.id == link.id,
                                                             PasswordReset.used_at.is_(None))
                                 .values(used_at=utcnow()))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        db_session.rollback()
        raise InvalidResetToken("this password-reset link was already used or replaced; ask for a new one")
    try:
        set_password(db_session=db_session, user=user, new_password=new_password, settings=settings, commit=False)
    except Exception:
        db_session.rollback()
        raise
    _retire_open_links(db_session, user.id, utcnow())
    db_session.commit()
    return user
