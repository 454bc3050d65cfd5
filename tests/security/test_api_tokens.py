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


# --- separation of duties and token lifecycle (issue 9) -------------------------------------------------

@pytest.fixture
def admin(db: Session, settings: SecuritySettings) -> User:
    user, _ = create_user(db_session=db, settings=settings, data={
        "username": "root", "email": "it@clinic.example", "display_name": "Root", "role": "admin",
        "password": "Registry passphrase 1"})
    return user


def _principal(db: Session, user: User) -> Any:
    from cnocare.records.accounts.service import principal_for

    return principal_for(db_session=db, user=user)


def test_an_administrator_can_never_mint_a_token_for_a_clinician(db: Session, clinician: User, admin: User) -> None:
    with pytest.raises(Forbidden, match="only by the account it acts for"):
        create_api_token(db_session=db, user=clinician, by=_principal(db, admin),
                         data={"name": "read as clinician", "scopes": ["records:read"]})
    db.rollback()
    assert db.scalars(select(ApiToken)).all() == []


def test_the_owner_mints_their_own_and_the_creation_event_names_owner_and_creator(
        db: Session, clinician: User) -> None:
    from cnocare.records.audit.models import AuditEvent

    token, raw = create_api_token(db_session=db, user=clinician, by=_principal(db, clinician),
                                  data={"name": "mine", "scopes": ["records:read"]})
    event = db.scalars(select(AuditEvent).where(AuditEvent.record_type == "api_token")).one()
    assert event.user_id == clinician.id and token.created_by == clinician.id
    assert f"API token {token.id} for dr.girschick (user {clinician.id}, clinician) created by dr.girschick" in (
        event.detail or "")
    principal = principal_from_api_token(db_session=db, raw=raw)
    assert principal is not None and principal.token_id == token.id


def test_a_token_cannot_mint_tokens(db: Session, clinician: User) -> None:
    _, raw = create_api_token(db_session=db, user=clinician, data={"name": "t", "scopes": ["records:read"]})
    principal = principal_from_api_token(db_session=db, raw=raw)
    with pytest.raises(Forbidden, match="cannot create API tokens"):
        create_api_token(db_session=db, user=clinician, by=principal, data={"name": "child",
                                                                              "scopes": ["records:read"]})


def test_deactivation_kills_tokens_and_reactivation_does_not_revive_them(
        db: Session, clinician: User, admin: User) -> None:
    from cnocare.records.accounts.service import update_user

    _, raw = create_api_token(db_session=db, user=clinician, data={"name": "t", "scopes": ["records:read"]})
    update_user(db_session=db, user_id=clinician.id, data={"is_active": False}, by=_principal(db, admin))
    update_user(db_session=db, user_id=clinician.id, data={"is_active": True}, by=_principal(db, admin))
    assert principal_from_api_token(db_session=db, raw=raw) is None
    assert db.scalars(select(ApiToken)).one().revoked_at is not None


def test_a_password_change_kills_the_accounts_tokens(db: Session, clinician: User, settings: SecuritySettings) -> None:
    from cnocare.records.accounts.service import set_password

    _, raw = create_api_token(db_session=db, user=clinician, data={"name": "t", "scopes": ["records:read"]})
    set_password(db_session=db, user=clinician, new_password="Another passphrase 22", settings=settings)
    assert principal_from_api_token(db_session=db, raw=raw) is None


def test_an_expiry_in_the_past_is_refused_naming_the_field(db: Session, clinician: User) -> None:
    import datetime as dt

    with pytest.raises(RecordValidationError) as refused:
        create_api_token(db_session=db, user=clinician, data={"name": "t", "scopes": ["records:read"],
                                                               "expires_at": dt.datetime(2020, 1, 1)})
    problem = refused.value.errors[0]
    assert problem["field"] == "expires_at" and "not in the future" in problem["message"]
    assert db.scalars(select(ApiToken)).all() == []
