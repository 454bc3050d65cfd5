from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from cnocare.records.accounts.login import authenticate
from cnocare.records.accounts.service import (
    AdminAlreadyExists,
    change_password,
    create_first_admin,
    create_user,
    find_by_username,
    principal_for,
    update_user,
)
from cnocare.records.errors import RecordValidationError
from cnocare.security.policy import Forbidden, require
from cnocare.security.settings import SecuritySettings


def test_the_first_admin_gets_a_one_time_password_that_must_be_changed(db: Session,
                                                                      settings: SecuritySettings) -> None:
    one_time = create_first_admin(db_session=db, username="Root.Admin", email="it@clinic.example",
                                  settings=settings)
    result = authenticate(db_session=db, username="root.admin", password=one_time, settings=settings)
    assert result.ok and result.user is not None and result.user.must_change_password
    principal = principal_for(db_session=db, user=result.user)
    with pytest.raises(Forbidden, match="one-time password"):
        require(principal, "user:manage")
    change_password(db_session=db, user=result.user, current_password=one_time,
                    new_password="A much better passphrase", settings=settings)
    require(principal_for(db_session=db, user=result.user), "user:manage")


def test_a_second_first_admin_is_refused(db: Session, settings: SecuritySettings) -> None:
    create_first_admin(db_session=db, username="root", email="it@clinic.example", settings=settings)
    with pytest.raises(AdminAlreadyExists):
        create_first_admin(db_session=db, username="other", email="it2@clinic.example", settings=settings)


def test_duplicate_usernames_are_refused_whatever_the_case(db: Session, settings: SecuritySettings) -> None:
    data = {"username": "nurse.kim", "email": "kim@clinic.example", "display_name": "Kim", "role": "nurse"}
    create_user(db_session=db, data=data, settings=settings)
    with pytest.raises(RecordValidationError, match=r"username='nurse\.kim': is already taken"):
        create_user(db_session=db, data={**data, "username": "NURSE.KIM"}, settings=settings)


def test_a_weak_chosen_password_is_refused_and_nothing_is_written(db: Session, settings: SecuritySettings) -> None:
    with pytest.raises(RecordValidationError, match=r"password.*at least 12"):
        create_user(db_session=db, settings=settings, data={
            "username": "dr.weak", "email": "w@clinic.example", "display_name": "W", "role": "clinician",
            "password": "short"})
    db.rollback()
    assert authenticate(db_session=db, username="dr.weak", password="short", settings=settings).outcome == "invalid"


@pytest.mark.parametrize(("role", "links", "field"), [
    ("patient", {"centre_ids": [1]}, "centre_ids"),
    ("clinician", {"patient_ids": ["p1"]}, "patient_ids"),
    ("patient", {"patient_ids": ["p1", "p2"]}, "patient_ids"),
])
def test_links_must_fit_the_role(db: Session, settings: SecuritySettings, role: str, links: dict[str, Any],
                                 field: str) -> None:
    with pytest.raises(RecordValidationError, match=field):
        create_user(db_session=db, settings=settings, data={
            "username": "someone", "email": "s@clinic.example", "display_name": "S", "role": role, **links})


def test_staff_principals_carry_their_centres_and_parents_their_children(
        db: Session, settings: SecuritySettings, make_centre: Callable[[], Any],
        make_patient: Callable[[Any], Any]) -> None:
    north, south = make_centre(), make_centre()
    child = make_patient(north)
    nurse, _ = create_user(db_session=db, settings=settings, data={
        "username": "nurse.kim", "email": "kim@clinic.example", "display_name": "Kim", "role": "nurse",
        "centre_ids": [north, south]})
    parent, _ = create_user(db_session=db, settings=settings, data={
        "username": "mum.lind", "email": "lind@home.example", "display_name": "Anna Lind", "role": "parent",
        "patient_ids": [child]})
    assert principal_for(db_session=db, user=nurse).centre_ids == {north, south}
    assert principal_for(db_session=db, user=parent).patient_ids == {child}


def test_only_user_managers_change_accounts_and_admins_cannot_demote_themselves(
        db: Session, settings: SecuritySettings) -> None:
    create_first_admin(db_session=db, username="root", email="it@clinic.example", settings=settings)
    admin = find_by_username(db_session=db, username="root")
    assert admin is not None
    admin.must_change_password = False
    db.commit()
    boss = principal_for(db_session=db, user=admin)
    nurse, _ = create_user(db_session=db, by=boss, settings=settings, data={
        "username": "nurse.kim", "email": "kim@clinic.example", "display_name": "Kim", "role": "nurse"})
    with pytest.raises(Forbidden):
        update_user(db_session=db, user_id=admin.id, data={"is_active": False},
                    by=principal_for(db_session=db, user=nurse))
    with pytest.raises(RecordValidationError, match="demote or deactivate themselves"):
        update_user(db_session=db, user_id=admin.id, data={"role": "nurse"}, by=boss)
    update_user(db_session=db, user_id=nurse.id, data={"is_active": False}, by=boss)
    db.refresh(nurse)
    assert nurse.is_active is False
