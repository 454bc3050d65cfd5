"""API tokens for integrations: shown once, stored as SHA-256, limited by scopes, revocable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cnocare.records.accounts.models import ApiToken, User
from cnocare.records.accounts.schemas import ApiTokenCreate
from cnocare.records.accounts.service import _validated, principal_for
from cnocare.records.audit.service import record_event
from cnocare.records.clock import as_naive_utc, utcnow
from cnocare.records.errors import RecordNotFoundError
from cnocare.security.policy import Principal, require
from cnocare.security.tokens import API_TOKEN_PREFIX, fingerprint, new_api_token

TOUCH_EVERY = dt.timedelta(seconds=60)


def create_api_token(*, db_session: Session, user: User, data: ApiTokenCreate | Mapping[str, Any],
                     by: Principal | None = None) -> tuple[ApiToken, str]:
    """Returns (stored token, raw token). The raw token is never stored: show it once."""
    if by is not None and by.user_id != user.id:
        require(by, "user:manage")
    data = _validated(ApiTokenCreate, data)
    raw = new_api_token()
    token = ApiToken(user_id=user.id, name=data.name, token_hash=fingerprint(raw),
                     token_prefix=raw[: len(API_TOKEN_PREFIX) + 6], scopes=" ".join(data.scopes),
                     created_at=utcnow(), expires_at=as_naive_utc(data.expires_at) if data.expires_at else None)
    db_session.add(token)
    db_session.flush()
    record_event(db_session=db_session, action="create", principal=by, user_id=user.id, username=user.username,
                 role=user.role, record_type="api_token", record_id=token.id, fields=["name", "scopes"])
    db_session.commit()
    return token, raw


def revoke_api_token(*, db_session: Session, token_id: int, by: Principal | None = None) -> ApiToken:
    token = db_session.get(ApiToken, token_id)
    if token is None:
        raise RecordNotFoundError("API token", token_id)
    if by is not None and by.user_id != token.user_id:
        require(by, "user:manage")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record_event(db_session=db_session, action="void", principal=by, record_type="api_token",
                     record_id=token.id, fields=["revoked_at"])
        db_session.commit()
    return token


def list_api_tokens(*, db_session: Session, user_id: int) -> list[ApiToken]:
    return list(db_session.scalars(select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)))


def principal_from_api_token(*, db_session: Session, raw: str | None) -> Principal | None:
    """The principal a bearer token acts as: the owner's role narrowed to the token's scopes."""
    if not raw or not raw.startswith(API_TOKEN_PREFIX):
        return None
    token = db_session.scalar(select(ApiToken).where(ApiToken.token_hash == fingerprint(raw)))
    now = utcnow()
    if token is None or token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    user = db_session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now
        db_session.commit()
    return principal_for(db_session=db_session, user=user, scopes=token.scope_set, via_token=True,
                         token_id=token.id)
