"""A small clinic for the escalation and reminder jobs: two centres, their clinicians, one child and a parent."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cnocare.records import writes
from cnocare.records.accounts.service import create_user
from cnocare.records.audit.models import AuditEvent
from cnocare.records.centres.service import create_centre
from cnocare.records.db import transaction
from cnocare.records.kinds import KINDS
from cnocare.records.notices.models import Notice
from cnocare.records.patients.service import create_patient
from cnocare.security.settings import SecuritySettings

CHEAP = SecuritySettings(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)


@dataclass(frozen=True)
class Clinic:
    code: str
    patient_id: str
    clinicians: tuple[int, int]
    other_clinician: int
    nurse: int
    parent: int
    parent_email: str


def make_clinic(sessions: sessionmaker[Session]) -> Clinic:
    tag = uuid.uuid4().hex[:6].upper()
    with transaction(sessions) as db:
        centre = create_centre(db_session=db, data={"code": f"B{tag}", "name": "Bristol Children's"}, actor="t")
        other = create_centre(db_session=db, data={"code": f"M{tag}", "name": "Munich"}, actor="t")
        patient = create_patient(db_session=db, data={"centre_id": centre.id, "name": "Kit Marlowe", "sex": "male",
                                                      "hospital_number": f"H{tag}"}, actor="t")

    def user(name: str, role: str, **links: Any) -> int:
        with sessions() as db:
            made, _ = create_user(db_session=db, settings=CHEAP, data={
                "username": f"{name}{tag}".lower(), "email": f"{name}.{tag}@example.org".lower(),
                "display_name": name, "role": role, **links})
            return made.id

    return Clinic(
        code=centre.code, patient_id=str(patient.id),
        clinicians=(user("ada", "clinician", centre_ids=[centre.id]), user("bea", "clinician", centre_ids=[centre.id])),
        other_clinician=user("otto", "clinician", centre_ids=[other.id]),
        nurse=user("nell", "nurse", centre_ids=[centre.id]),
        parent=user("pam", "parent", patient_ids=[patient.id]), parent_email=f"pam.{tag}@example.org".lower())


def diary(sessions: sessionmaker[Session], patient_id: str, day: dt.date, **answers: Any) -> str:
    with transaction(sessions) as db:
        saved = writes.add(KINDS["diary"], db_session=db, patient_id=patient_id, actor="parent:pam",
                           data={"day": day.isoformat(), "time_zone": "Europe/London", **answers})
        return str(saved.record_id)


def notices(sessions: sessionmaker[Session], user_id: int) -> list[Notice]:
    with sessions() as db:
        return list(db.scalars(select(Notice).where(Notice.user_id == user_id).order_by(Notice.id)))


def audit_details(sessions: sessionmaker[Session], record_type: str, patient_id: str) -> list[str]:
    with sessions() as db:
        return [e.detail or "" for e in db.scalars(select(AuditEvent).where(
            AuditEvent.record_type == record_type, AuditEvent.patient_id == patient_id))]
