"""A small clinic for the family-access tests: a centre, a clinician and a nurse there, a clinician
elsewhere, and cheap password hashing; the ``factory``/``db``/``clinic`` fixtures the tests import."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session, sessionmaker

from cnocare.records.accounts.models import User
from cnocare.records.accounts.service import create_user, principal_for
from cnocare.records.centres.service import create_centre
from cnocare.records.db import make_engine, session_factory, upgrade
from cnocare.records.patients.service import create_patient
from cnocare.security.policy import Principal
from cnocare.security.settings import SecuritySettings

PASSWORD = "Correct-Horse-Battery-41"
FAST = SecuritySettings(environment="test", secret_key="family-tests-secret-key-0123456789",  # type: ignore[arg-type]
                        argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)


@dataclass
class FamilyClinic:
    centre_id: int
    clinician: Principal
    nurse: Principal
    elsewhere: Principal  # a clinician of another centre


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def staff(db: Session, role: str, centre_id: int) -> Principal:
    user, _ = create_user(db_session=db, settings=FAST, data={
        "username": unique(role[:3]), "email": f"{unique('s')}@clinic.example", "display_name": f"Dr {role}",
        "role": role, "centre_ids": [centre_id], "password": PASSWORD})
    return principal_for(db_session=db, user=user)


def family_clinic(db: Session) -> FamilyClinic:
    here = create_centre(db_session=db, data={"code": unique("H"), "name": "Home"}, actor="setup").id
    away = create_centre(db_session=db, data={"code": unique("A"), "name": "Away"}, actor="setup").id
    db.commit()
    return FamilyClinic(here, staff(db, "clinician", here), staff(db, "nurse", here), staff(db, "clinician", away))


def child(db: Session, centre_id: int, name: str = "Maya Lind") -> str:
    created = create_patient(db_session=db, data={
        "centre_id": centre_id, "name": name, "hospital_number": unique("H"), "sex": "female",
        "date_of_birth": dt.date(2014, 5, 2)}, actor="setup")
    db.commit()
    return str(created.id)


def me(db: Session, user: User) -> Principal:
    """The account's principal as a request would load it now."""
    return principal_for(db_session=db, user=user)


@pytest.fixture(scope="module")
def factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    upgrade(db_url)
    engine = make_engine(db_url)
    yield session_factory(engine)
    engine.dispose()


@pytest.fixture
def db(factory: sessionmaker[Session]) -> Iterator[Session]:
    session = factory()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


@pytest.fixture
def clinic(db: Session) -> FamilyClinic:
    return family_clinic(db)
