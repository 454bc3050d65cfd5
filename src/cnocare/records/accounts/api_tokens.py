"""API tokens for integrations: shown once, stored as SHA-256, limited by scopes, revocable.

Separation of duties: a token is minted only by its owner (or by the operator at the server's command
line), so an administrator who manages accounts can never obtain a credential that reads clinical data
as someone else. Administrators may list and revoke anyone's tokens. Tokens die with their account's
deactivation and with a password change; reactivating an account does not revive them.
"""

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
from cnocare.security.policy import Forbidden, Principal, require
from cnocare.security.tokens import API_TOKEN_PREFIX, fingerprint, new_api_token

TOUCH_EVERY = dt.timedelta(seconds=60)


def create_api_token(*, db_session: Session, user: User, data: ApiTokenCreate | Mapping[str, Any],
                     by: Principal | None = None) -> tuple[ApiToken, str]:
    """Returns (stored token, raw token). The raw token is never stored: show it once, to its owner.

    ``by`` must be the owner (None: the operator at the server's command line). ``user:manage`` does not
    help: an administrator who could mint a token for a clinician could read patients as that clinician."""
    if by is not None and by.user_id != user.id:
        raise Forbidden("an API token can be created only by the account it acts for (administrators can "
                        "list and revoke tokens, never create one for someone else)")
    if by is not None:
        require_own_token_rights(by)
    if not user.is_active:
        raise Forbidden("a deactivated account cannot get API tokens")
    data = _validated(ApiTokenCreate, data)
    raw = new_api_token()
    token = ApiToken(user_id=user.id, name=data.name, token_hash=fingerprint(raw),
                     token_prefix=raw[: len(API_TOKEN_PREFIX) + 6], scopes=" ".join(data.scopes),
                     created_at=utcnow(), expires_at=as_naive_utc(data.expires_at) if data.expires_at else None,
                     created_by=by.user_id if by is not None else None)
    db_session.add(token)
    db_session.flush()
    creator = f"{by.username} (user {by.user_id})" if by is not None else "the operator (command line)"
    record_event(db_session=db_session, action="create", principal=by, user_id=user.id, username=user.username,
                 role=user.role, record_type="api_token", record_id=token.id, fields=["name", "scopes"],
                 detail=f"API token {token.id} for {user.username} (user {user.id}, {user.role}) created by "
                        f"{creator}; scopes: {token.scopes}")
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


def require_own_token_rights(by: Principal) -> None:
    """Only an interactive session may mint a token (a token cannot breed tokens), and not before the
    one-time password is replaced."""
    if by.via_token:
        raise Forbidden("an API token cannot create API tokens; sign in to create one")
    if by.must_change_password:
        raise Forbidden("change your one-time password before creating API tokens")


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
    if user.password_changed_at is not None and token.created_at < user.password_changed_at:
        return None  # defence in depth: a password change revokes tokens, and an older token never works
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        token.last_used_at = now
        db_session.commit()
    return principal_for(db_session=db_session, user=user, scopes=token.scope_set, via_token=True,
                         token_id=token.id)
