"""Messages between the care team and a patient's family: the team writes, the family reads and replies.

One thread per patient, seen by the care team and by every family account linked to the patient. Each
service checks who is asking against the database (the family link read now), so a family account whose
access the clinic removed reads nothing more, whatever the route. Every write is audited (field names only);
a message from the care team leaves an in-app notice for each family account linked to the child, and a
family's message one for the care team (``tell_the_care_team``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from cnocare.records.accounts.family_access import diary_visibility, require_care_team, require_family_link
from cnocare.records.accounts.recipients import centre_staff, family_of
from cnocare.records.audit.service import record_event
from cnocare.records.base import Base
from cnocare.records.clock import utcnow
from cnocare.records.errors import RecordValidationError
from cnocare.records.notices.service import add_notice
from cnocare.records.patients.models import PatientRecord
from cnocare.security import policy

MESSAGE_MAX = 4000


class FamilyMessage(Base):
    __tablename__ = "family_messages"
    __table_args__ = (Index("ix_family_messages_patient_time", "patient_id", "sent_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    from_care_team: Mapped[bool] = mapped_column(Boolean)
    body: Mapped[str] = mapped_column(Text)
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime())
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(120))  # as the family sees it: the writer's display name


@dataclass(frozen=True)
class MessageRead:
    id: int
    from_care_team: bool
    body: str
    sent_at: dt.datetime
    author_name: str


def _require(db_session: Session, principal: policy.Principal, patient_id: str, *, write: bool) -> None:
    if principal.is_family:
        require_family_link(db_session=db_session, principal=principal, patient_id=patient_id,
                            action="message:reply" if write else "family:read")
    else:
        require_care_team(db_session=db_session, principal=principal, patient_id=patient_id, action="message:write")


def thread(*, db_session: Session, principal: policy.Principal, patient_id: str, limit: int = 200) -> list[MessageRead]:
    """The patient's messages, oldest first (the newest ``limit``), for the care team or a linked family."""
    _require(db_session, principal, patient_id, write=False)
    rows = list(db_session.scalars(select(FamilyMessage).where(FamilyMessage.patient_id == str(patient_id))
                                   .order_by(FamilyMessage.sent_at.desc(), FamilyMessage.id.desc()).limit(limit)))
    return [MessageRead(r.id, r.from_care_team, r.body, r.sent_at, r.author_name) for r in reversed(rows)]


def send_message(*, db_session: Session, principal: policy.Principal, patient_id: str, body: str,
                 author_name: str) -> MessageRead:
    """The care team writes to the family, or a linked family account replies; flushes, never commits."""
    _require(db_session, principal, patient_id, write=True)
    text = (body or "").strip()
    if not text or len(text) > MESSAGE_MAX:
        raise RecordValidationError.single("body", body[:200] if body else body,
                                           f"write the message: 1 to {MESSAGE_MAX} characters "
                                           f"(this one has {len(text)})")
    row = FamilyMessage(patient_id=str(patient_id), from_care_team=not principal.is_family, body=text,
                        sent_at=utcnow(), author_user_id=principal.user_id, author_name=author_name[:120])
    db_session.add(row)
    db_session.flush()
    record_event(db_session=db_session, action="create", principal=principal, record_type="family_message",
                 record_id=row.id, patient_id=patient_id, fields=["body"])
    if row.from_care_team:
        tell_the_family(db_session=db_session, patient_id=str(patient_id), text="A new message from your care team.",
                        kind="family_message", link=f"/family/{patient_id}/messages")
    else:
        tell_the_care_team(db_session=db_session, patient_id=str(patient_id), author_name=row.author_name)
    return MessageRead(row.id, row.from_care_team, row.body, row.sent_at, row.author_name)


def tell_the_family(*, db_session: Session, patient_id: str, text: str, kind: str, link: str,
                    diary_readers_only: bool = False) -> int:
    """An in-app notice for each active family account linked to the child now; returns how many. A notice
    says what happened and where to look, never a clinician's words. ``diary_readers_only``: the notice
    quotes the diary, so a parent a young person keeps their diary from is not told what it says."""
    family = [user.id for user in family_of(db_session, patient_id)]
    if diary_readers_only:
        family = [u for u in family
                  if diary_visibility(db_session=db_session, user_id=u, patient_id=patient_id).can_read]
    for user_id in family:
        add_notice(db_session=db_session, data={"user_id": user_id, "patient_id": patient_id, "kind": kind,
                                                "text": text, "link": link})
    return len(family)


CARE_TEAM_ROLES = ("clinician", "nurse")  # who may write to families (policy: message:write)


def tell_the_care_team(*, db_session: Session, patient_id: str, author_name: str) -> int:
    """A family's message: an in-app notice for the care team members who have written in this thread and
    still work at the child's centre, or, when none has, for every active clinician and nurse there.
    Returns how many. The notice names the child and the writer, never the message itself."""
    patient = db_session.get(PatientRecord, patient_id)
    if patient is None:
        return 0
    team = centre_staff(db_session, patient.centre_id, roles=CARE_TEAM_ROLES)
    wrote = set(db_session.scalars(select(FamilyMessage.author_user_id).where(
        FamilyMessage.patient_id == patient_id, FamilyMessage.from_care_team.is_(True))))
    told = [user for user in team if user.id in wrote] or team
    for user in told:
        add_notice(db_session=db_session, data={
            "user_id": user.id, "patient_id": patient_id, "kind": "family_message",
            "text": f"{patient.name}: a new message from {author_name}.",
            "link": f"/patients/{patient_id}/family/messages"})
    return len(told)
