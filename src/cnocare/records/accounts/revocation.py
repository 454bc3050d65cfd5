"""Revoking every token of an account, on its own so the account service and the token module both use it
without importing each other."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from cnocare.records.accounts.models import ApiToken
from cnocare.records.audit.service import record_event
from cnocare.records.clock import utcnow
from cnocare.security.policy import Principal

__all__ = ["revoke_all_tokens"]


def revoke_all_tokens(*, db_session: Session, user_id: int, why: str, by: Principal | None = None) -> int:
    """Revoke every live token of an account (deactivation, password change); returns how many."""
    live = list(db_session.scalars(select(ApiToken.id).where(ApiToken.user_id == user_id,
                                                            ApiToken.revoked_at.is_(None))))
    if live:
        db_session.execute(update(ApiToken).where(ApiToken.id.in_(live)).values(revoked_at=utcnow()))
        record_event(db_session=db_session, action="void", principal=by, record_type="api_token",
                     record_id=",".join(map(str, live))[:64], fields=["revoked_at"],
                     detail=f"{len(live)} API token(s) of user {user_id} revoked: {why}")
    return len(live)
