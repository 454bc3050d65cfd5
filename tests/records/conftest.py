"""Personas for records tests: a centre and a patient created fresh in each test."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from records_personas import CLINICIAN, NewPatient
from sqlalchemy.orm import Session, sessionmaker

from cnocare.records.centres.service import create_centre
from cnocare.records.db import transaction
from cnocare.records.patients.schemas import PatientRead
from cnocare.records.patients.service import create_patient


@pytest.fixture
def centre_id(db_factory: sessionmaker[Session]) -> int:
    with transaction(db_factory) as s:
        return create_centre(db_session=s, data={"code": f"C{uuid.uuid4().hex[:8]}", "name": "Test centre"},
                             actor=CLINICIAN).id


@pytest.fixture
def new_patient(db_factory: sessionmaker[Session], centre_id: int) -> NewPatient:
    """Create a committed patient (Maya, 11, girl with clavicle CNO unless told otherwise)."""

    def make(**overrides: object) -> PatientRead:
        data: dict[str, object] = {"centre_id": centre_id, "name": "Maya Lind",
                                   "hospital_number": f"H{uuid.uuid4().hex[:10]}", "sex": "female",
                                   "date_of_birth": dt.date(2014, 5, 2), "onset_date": dt.date(2025, 9, 1)}
        data.update(overrides)
        with transaction(db_factory) as s:
            return create_patient(db_session=s, data=data, actor=CLINICIAN)

    return make
