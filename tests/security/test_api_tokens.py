from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cnocare.records.accounts.api_tokens import create_api_token, principal_from_api_token, revoke_api_token
from cnocare.records.accounts.models import ApiToken, User
from cnocare.records.accounts.service import create_user
from cnocare.records.errors import RecordValidationError
from cnocare.security.policy import Forbidden, require
from cnocare.security.settings import SecuritySettings
from cnocare.security.tokens import fingerprint


@pytest.fixture
def clinician(db: Session, settings: SecuritySettings, make_centre: Callable[[], Any]) -> User:
    user, _ = create_user(db_session=db, settings=settings, data={
        "username": "dr.girschick", "email": "g@clinic.example", "display_name": "Dr G", "role": "clinician",
        "centre_ids": [make_centre()], "password": "Registry passphrase 1"})
    return user


def test_a_token_is_shown_once_and_only_its_hash_is_stored(db: Session, clinician: User) -> None:
    _, raw = create_api_token(db_session=db, user=clinician, data={"name": "REDCap sync",
                                                                       "scopes": ["records:read"]})
    stored = db.scalars(select(ApiToken)).one()
    assert raw.startswith("cno_") and len(raw) > 40
    assert stored.token_hash == fingerprint(raw) and raw not in (stored.token_hash, stored.token_prefix)
    assert raw.startswith(stored.token_prefix)


def test_a_token_acts_with_the_owners_role_narrowed_to_its_scopes(db: Session, clinician: User) -> None:
    _, raw = create_api_token(db_session=db, user=clinician, data={"name": "reader", "scopes": ["records:read"]})
    principal = principal_from_api_token(db_session=db, raw=raw)
    assert principal is not None and principal.via_token and principal.role == "clinician"
    require(principal, "record:read")
    with pytest.raises(Forbidden, match="this API token"):
        require(principal, "record:write")  # the clinician could, the token may not


def test_scopes_never_grant_more_than_the_role(db: Session, settings: SecuritySettings) -> None:
    researcher, _ = create_user(db_session=db, settings=settings, data={
        "username": "res.one", "email": "r@uni.example", "display_name": "R", "role": "researcher",
        "password": "Cohort passphrase 42"})
    _, raw = create_api_token(db_session=db, user=researcher, data={"name": "x",
                                                                    "scopes": ["records:write", "export:deidentified"]})
    principal = principal_from_api_token(db_session=db, raw=raw)
    assert principal is not None
    require(principal, "export:deidentified")
    with pytest.raises(Forbidden):
        require(principal, "record:write")


def test_a_revoked_token_stops_working_at_once_and_use_is_recorded(db: Session, clinician: User) -> None:
    token, raw = create_api_token(db_session=db, user=clinician, data={"name": "x", "scopes": ["records:read"]})
    assert principal_from_api_token(db_session=db, raw=raw) is not None
    db.refresh(token)
    assert token.last_used_at is not None
    revoke_api_token(db_session=db, token_id=token.id)
    assert principal_from_api_token(db_session=db, raw=raw) is None


def test_unknown_scopes_and_garbage_tokens_are_refused(db: Session, clinician: User) -> None:
    with pytest.raises(RecordValidationError, match="scopes"):
        create_api_token(db_session=db, user=clinician, data={"name": "x", "scopes": ["everything"]})
    assert principal_from_api_token(db_session=db, raw="cno_not-a-real-token") is None
    assert principal_from_api_token(db_session=db, raw="Basic abc") is None


def test_deactivating_the_owner_disables_their_tokens(db: Session, clinician: User) -> None:
    _, raw = create_api_token(db_session=db, user=clinician, data={"name": "x", "scopes": ["records:read"]})
    clinician.is_active = False
    db.commit()
    assert principal_from_api_token(db_session=db, raw=raw) is None
