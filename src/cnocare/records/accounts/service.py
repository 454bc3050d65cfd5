"""Creating and changing accounts, and turning an account into a ``Principal``.

Services take ``db_session=`` keyword-only and commit their own unit of work, with its audit event.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from cnocare.records.accounts.models import User, user_centres, user_patients
from cnocare.records.accounts.revocation import revoke_all_tokens
from cnocare.records.accounts.schemas import UserCreate, UserRead, UserUpdate, _check_links
from cnocare.records.accounts.sessions import end_all_sessions
from cnocare.records.audit.service import record_event
from cnocare.records.clock import utcnow
from cnocare.records.errors import RecordNotFoundError, RecordValidationError
from cnocare.security.passwords import (
    PasswordPolicyError,
    check_password_policy,
    generate_one_time_password,
    hash_password,
    normalise_username,
)
from cnocare.security.policy import Principal, require
from cnocare.security.settings import SecuritySettings


class AdminAlreadyExists(RuntimeError):
    pass


SchemaT = TypeVar("SchemaT", bound=BaseModel)


def _validated(schema: type[SchemaT], data: BaseModel | Mapping[str, Any]) -> SchemaT:
    if isinstance(data, schema):
        return data
    raw = data.model_dump(exclude_unset=True) if isinstance(data, BaseModel) else dict(data)
    try:
        return schema.model_validate(raw)
    except ValidationError as exc:
        raise RecordValidationError.from_pydantic(exc, raw) from None


def _policy_checked(password: str, username: str) -> str:
    try:
        check_password_policy(password, username=username)
    except PasswordPolicyError as exc:
        raise RecordValidationError.single("password", "(hidden)", "; ".join(exc.problems)) from None
    return password


def get_user(*, db_session: Session, user_id: int) -> User:
    user = db_session.get(User, user_id)
    if user is None:
        raise RecordNotFoundError("user", user_id)
    return user


def find_by_username(*, db_session: Session, username: str) -> User | None:
    try:
        name = normalise_username(username)
    except ValueError:
        return None
    return db_session.scalar(select(User).where(User.username == name))


def linked_ids(*, db_session: Session, user_id: int) -> tuple[list[Any], list[Any]]:
    centres = list(db_session.scalars(select(user_centres.c.centre_id).where(user_centres.c.user_id == user_id)))
    patients = list(db_session.scalars(select(user_patients.c.patient_id).where(user_patients.c.user_id == user_id)))
    return centres, patients


def to_read(*, db_session: Session, user: User) -> UserRead:
    centres, patients = linked_ids(db_session=db_session, user_id=user.id)
    return UserRead.model_validate({**UserRead.model_validate(user).model_dump(exclude={"centre_ids", "patient_ids"}),
                                    "centre_ids": centres, "patient_ids": patients})


def principal_for(*, db_session: Session, user: User, scopes: Iterable[str] | None = None,
                  via_token: bool = False, token_id: int | None = None,
                  links: tuple[list[Any], list[Any]] | None = None) -> Principal:
    """``links``: the user's (centre ids, patient ids) when the caller has read them already."""
    centres, patients = links if links is not None else linked_ids(db_session=db_session, user_id=user.id)
    return Principal(user_id=user.id, username=user.username, role=user.role,  # type: ignore[arg-type]
                     centre_ids=frozenset(centres), patient_ids=frozenset(patients),
                     scopes=frozenset(scopes) if scopes is not None else None, via_token=via_token,
                     token_id=token_id, must_change_password=user.must_change_password)


def _set_links(db_session: Session, user_id: int, centre_ids: list[Any] | None,
               patient_ids: list[Any] | None) -> None:
    if centre_ids is not None:
        db_session.execute(delete(user_centres).where(user_centres.c.user_id == user_id))
        for centre_id in dict.fromkeys(centre_ids):
            db_session.execute(insert(user_centres).values(user_id=user_id, centre_id=centre_id))
    if patient_ids is not None:
        db_session.execute(delete(user_patients).where(user_patients.c.user_id == user_id))
        for patient_id in dict.fromkeys(patient_ids):
            db_session.execute(insert(user_patients).values(user_id=user_id, patient_id=patient_id))


def create_user(*, db_session: Session, data: UserCreate | Mapping[str, Any], by: Principal | None = None,
                settings: SecuritySettings | None = None, how: str | None = None,
                commit: bool = True) -> tuple[User, str | None]:
    """Create an account. Returns (user, one-time password or None if a password was given).
    ``by`` must hold user:manage; None is reserved for the command line run by the server operator, or
    for a path that says ``how`` the account came to be (a family accepting the clinic's invitation)."""
    if by is not None:
        require(by, "user:manage")
    data = _validated(UserCreate, data)
    if find_by_username(db_session=db_session, username=data.username) is not None:
        raise RecordValidationError.single("username", data.username, "is already taken")
    one_time = None
    if data.password is None:
        one_time = generate_one_time_password()
        password = one_time
    else:
        password = _policy_checked(data.password.get_secret_value(), data.username)
    user = User(username=data.username, email=data.email, display_name=data.display_name, role=data.role,
                is_active=True, password_hash=hash_password(password, settings=settings),
                must_change_password=one_time is not None, failed_login_count=0, created_at=utcnow(),
                password_changed_at=utcnow())
    db_session.add(user)
    db_session.flush()
    _set_links(db_session, user.id, data.centre_ids, data.patient_ids)
    record_event(db_session=db_session, action="create", principal=by, record_type="user", record_id=user.id,
                 fields=["username", "email", "display_name", "role", "centre_ids", "patient_ids"],
                 detail=how or (None if by else "created from the command line"))
    if commit:
        db_session.commit()
    return user, one_time


def create_first_admin(*, db_session: Session, username: str, email: str,
                       display_name: str = "Administrator", settings: SecuritySettings | None = None) -> str:
    """Create the first administrator and return its one-time password (shown once, changed at first login).
    Refuses when any administrator account already exists."""
    existing = db_session.scalar(select(func.count()).select_from(User).where(User.role == "admin"))
    if existing:
        raise AdminAlreadyExists("an administrator already exists; sign in as them to create more accounts")
    _, one_time = create_user(db_session=db_session, settings=settings, data={
        "username": username, "email": email, "display_name": display_name, "role": "admin"})
    assert one_time is not None
    return one_time


def update_user(*, db_session: Session, user_id: int, data: UserUpdate | Mapping[str, Any],
                by: Principal | None) -> User:
    if by is not None:
        require(by, "user:manage")
    changes = _validated(UserUpdate, data)
    user = get_user(db_session=db_session, user_id=user_id)
    touched = changes.model_dump(exclude_unset=True)
    centres, patients = linked_ids(db_session=db_session, user_id=user.id)
    role = touched.get("role", user.role)
    _check_links_or_refuse(role, touched.get("centre_ids", centres), touched.get("patient_ids", patients))
    if by is not None and by.user_id == user.id and (touched.get("is_active") is False or role != "admin"):
        raise RecordValidationError.single("role" if "role" in touched else "is_active", touched.get(
            "role", touched.get("is_active")), "administrators cannot demote or deactivate themselves")
    for name in ("email", "display_name", "role", "is_active"):
        if name in touched and touched[name] is not None:
            setattr(user, name, touched[name])
    _set_links(db_session, user.id, touched.get("centre_ids"), touched.get("patient_ids"))
    if touched.get("is_active") is False:
        end_all_sessions(db_session=db_session, user_id=user.id, commit=False)
        # Reactivating later must not revive them: revoked is final.
        revoke_all_tokens(db_session=db_session, user_id=user.id, why="account deactivated", by=by)
    record_event(db_session=db_session, action="update", principal=by, record_type="user", record_id=user.id,
                 fields=list(touched))
    db_session.commit()
    return user


def _check_links_or_refuse(role: str, centre_ids: list[Any] | None, patient_ids: list[Any] | None) -> None:
    try:
        _check_links(role, centre_ids, patient_ids)
    except ValueError as exc:
        field = str(exc).split(":", 1)[0]
        raise RecordValidationError.single(field, centre_ids if field == "centre_ids" else patient_ids,
                                           str(exc).split(": ", 1)[1]) from None


def set_password(*, db_session: Session, user: User, new_password: str, by: Principal | None = None,
                 settings: SecuritySettings | None = None, commit: bool = True) -> None:
    """Replace the password (policy checked), clear the lockout, and sign out every other session."""
    _policy_checked(new_password, user.username)
    user.password_hash = hash_password(new_password, settings=settings)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    user.failed_login_count = 0
    user.locked_until = None
    end_all_sessions(db_session=db_session, user_id=user.id, commit=False)
    revoke_all_tokens(db_session=db_session, user_id=user.id, why="password changed", by=by)
    record_event(db_session=db_session, action="update", principal=by, user_id=user.id, username=user.username,
                 role=user.role, record_type="user", record_id=user.id, fields=["password"])
    if commit:
        db_session.commit()


def change_password(*, db_session: Session, user: User, current_password: str, new_password: str,
                    settings: SecuritySettings | None = None) -> None:
    """The signed-in user's own change (also how a one-time password is replaced)."""
    from cnocare.security.passwords import verify_password

    ok, _ = verify_password(user.password_hash, current_password, settings=settings)
    if not ok:
        raise RecordValidationError.single("current_password", "(hidden)", "is not your current password")
    if current_password == new_password:
        raise RecordValidationError.single("new_password", "(hidden)", "must differ from the current password")
    set_password(db_session=db_session, user=user, new_password=new_password, settings=settings)
