"""Who is told: a centre's clinicians (escalations), its care team (a family's message) and a child's
family accounts (reminders, the care team's messages, triage notices)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cnocare.records.accounts.models import User, user_centres, user_patients
from cnocare.security.policy import FAMILY_ROLES


def centre_clinicians(db_session: Session, centre_id: int) -> list[User]:
    return centre_staff(db_session, centre_id, roles=("clinician",))


def centre_staff(db_session: Session, centre_id: int, *, roles: tuple[str, ...]) -> list[User]:
    """The centre's active accounts with one of ``roles``."""
    return list(db_session.scalars(
        select(User).join(user_centres, user_centres.c.user_id == User.id)
        .where(user_centres.c.centre_id == centre_id, User.role.in_(roles), User.is_active.is_(True))
        .order_by(User.id)))


def family_of(db_session: Session, patient_id: str) -> list[User]:
    return list(db_session.scalars(
        select(User).join(user_patients, user_patients.c.user_id == User.id)
        .where(user_patients.c.patient_id == patient_id, User.role.in_(sorted(FAMILY_ROLES)),
               User.is_active.is_(True))
        .order_by(User.id)))
