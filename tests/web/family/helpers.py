"""Shared set-up for the family diary tests: a child at the clinic's centre, a parent linked to it, the
centre's emergency number."""

from __future__ import annotations

import datetime as dt
import uuid

from tests.web.conftest import PASSWORD, Clinic

from cnocare.records import writes
from cnocare.records.accounts.service import create_user
from cnocare.records.centres.service import set_emergency_number
from cnocare.records.db import transaction
from cnocare.records.kinds import KINDS
from cnocare.records.patients.service import create_patient


def family_of(clinic: Clinic, *, name: str = "Ivy Diary", medicines: tuple[str, ...] = ("naproxen",),
              centre_id: int | None = None) -> tuple[str, str]:
    """A new child (with running medicine courses) and a parent account linked to them: (patient id, username)."""
    username = f"parent{uuid.uuid4().hex[:8]}"
    with transaction(clinic.app.state.web.sessions) as db:
        patient = create_patient(db_session=db, actor="setup", data={
            "centre_id": centre_id or clinic.centre_id, "name": name, "sex": "female",
            "hospital_number": f"H-{uuid.uuid4().hex[:10]}", "date_of_birth": dt.date(2015, 3, 1)})
        for drug in medicines:
            writes.add(KINDS["medicines"], db_session=db, patient_id=patient.id, actor="setup",
                       data={"drug": drug, "start": dt.date(2025, 1, 1)})
        writes.add(KINDS["medicines"], db_session=db, patient_id=patient.id, actor="setup",
                   data={"drug": "ibuprofen", "start": dt.date(2024, 1, 1), "stop": dt.date(2024, 6, 1)})
        create_user(db_session=db, data={"username": username, "email": f"{username}@example.org",
                                         "display_name": f"Parent of {name}", "role": "parent",
                                         "patient_ids": [str(patient.id)], "password": PASSWORD})
    return str(patient.id), username


def set_number(clinic: Clinic, number: str | None, centre_id: int | None = None) -> None:
    with transaction(clinic.app.state.web.sessions) as db:
        set_emergency_number(db_session=db, centre_id=centre_id or clinic.centre_id, number=number)
