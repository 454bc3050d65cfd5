from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from cnocare.records.accounts.models import User, UserSession
from cnocare.records.accounts.service import create_user, principal_for
from cnocare.records.accounts.sessions import (
    complete_second_factor,
    end_session,
    live_sessions,
    load_session,
    start_session,
)
from cnocare.records.base import Base
from cnocare.security.policy import scope_patient_query
from cnocare.security.settings import SecuritySettings
from cnocare.security.tokens import fingerprint

PASSWORD = "Ward round passphrase"
START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def nurse(db: Session, settings: SecuritySettings) -> User:
    user, _ = create_user(db_session=db, settings=settings, data={
        "username": "nurse.kim", "email": "kim@clinic.example", "display_name": "Kim", "role": "nurse",
        "password": "Ward round passphrase"})
    return user


def test_only_the_fingerprint_of_the_session_id_is_stored(db: Session, nurse: User, settings: SecuritySettings) -> None:
    raw = start_session(db_session=db, user=nurse, settings=settings)
    [row] = db.scalars(select(UserSession)).all()
    assert row.id_hash == fingerprint(raw) and raw != row.id_hash


def test_a_session_ends_after_the_idle_timeout_even_within_its_lifetime(
        db: Session, nurse: User, settings: SecuritySettings) -> None:
    with time_machine.travel(START, tick=False):
        raw = start_session(db_session=db, user=nurse, settings=settings)
    with time_machine.travel(START + dt.timedelta(minutes=settings.session_idle_minutes - 1), tick=False):
        assert load_session(db_session=db, raw_id=raw, settings=settings) is not None  # activity renews it
    with time_machine.travel(START + dt.timedelta(minutes=2 * settings.session_idle_minutes - 2), tick=False):
        assert load_session(db_session=db, raw_id=raw, settings=settings) is not None
    with time_machine.travel(START + dt.timedelta(minutes=3 * settings.session_idle_minutes), tick=False):
        assert load_session(db_session=db, raw_id=raw, settings=settings) is None


def test_a_busy_session_still_ends_at_its_absolute_lifetime(db: Session, nurse: User,
                                                            settings: SecuritySettings) -> None:
    with time_machine.travel(START, tick=False):
        raw = start_session(db_session=db, user=nurse, settings=settings)
    at = START
    while at < START + dt.timedelta(hours=settings.session_lifetime_hours) - dt.timedelta(minutes=10):
        at += dt.timedelta(minutes=10)
        with time_machine.travel(at, tick=False):
            assert load_session(db_session=db, raw_id=raw, settings=settings) is not None
    with time_machine.travel(START + dt.timedelta(hours=settings.session_lifetime_hours), tick=False):
        assert load_session(db_session=db, raw_id=raw, settings=settings) is None


def test_signing_out_ends_the_session_and_writes_a_logout_event(db: Session, nurse: User,
                                                                settings: SecuritySettings) -> None:
    raw = start_session(db_session=db, user=nurse, settings=settings)
    assert end_session(db_session=db, raw_id=raw) and not end_session(db_session=db, raw_id=raw)
    assert load_session(db_session=db, raw_id=raw, settings=settings) is None
    assert live_sessions(db_session=db, user_id=nurse.id) == []


def test_a_session_waiting_for_the_second_factor_grants_nothing_until_completed(
        db: Session, nurse: User, settings: SecuritySettings) -> None:
    pending = start_session(db_session=db, user=nurse, second_factor_pending=True, settings=settings)
    assert load_session(db_session=db, raw_id=pending, settings=settings) is None
    assert load_session(db_session=db, raw_id=pending, allow_pending=True, settings=settings) is not None
    full = complete_second_factor(db_session=db, raw_id=pending)
    assert full != pending and load_session(db_session=db, raw_id=full, settings=settings) is not None
    assert load_session(db_session=db, raw_id=pending, allow_pending=True, settings=settings) is None


def test_deactivated_users_lose_their_sessions(db: Session, nurse: User, settings: SecuritySettings) -> None:
    raw = start_session(db_session=db, user=nurse, settings=settings)
    nurse.is_active = False
    db.commit()
    assert load_session(db_session=db, raw_id=raw, settings=settings) is None


def test_patient_lists_are_narrowed_to_what_the_principal_may_see(
        db: Session, settings: SecuritySettings, make_centre: Callable[[], Any],
        make_patient: Callable[[Any], Any]) -> None:
    north, south = make_centre(), make_centre()
    maya, noah, other = make_patient(north), make_patient(north), make_patient(south)
    nurse, _ = create_user(db_session=db, settings=settings, data={
        "username": "nurse.n", "email": "n@c.example", "display_name": "N", "role": "nurse", "centre_ids": [north],
        "password": PASSWORD})
    mum, _ = create_user(db_session=db, settings=settings, data={
        "username": "mum", "email": "m@h.example", "display_name": "M", "role": "parent", "patient_ids": [maya],
        "password": PASSWORD})
    researcher, _ = create_user(db_session=db, settings=settings, data={
        "username": "res", "email": "r@u.example", "display_name": "R", "role": "researcher",
        "centre_ids": [south], "password": PASSWORD})
    patients = Base.metadata.tables["patients"]

    def visible(user: User, action: str = "patient:read") -> set[Any]:
        stmt = scope_patient_query(select(patients.c.id), principal_for(db_session=db, user=user),
                                   patient_id=patients.c.id, centre_id=patients.c.centre_id, action=action)
        return set(db.scalars(stmt))

    assert visible(nurse) == {maya, noah}
    assert visible(mum, "family:read") == {maya}  # the family's own pages, for their linked child only
    assert visible(mum) == set()  # families never get the clinic's identified patient list
    assert visible(researcher) == set()  # identified lists are not for researchers
    assert other not in visible(nurse)
    newcomer, one_time = create_user(db_session=db, settings=settings, data={
        "username": "new.nurse", "email": "nn@c.example", "display_name": "NN", "role": "nurse",
        "centre_ids": [north]})
    assert one_time and visible(newcomer) == set()  # nothing until the one-time password is changed
