"""Which family accounts may open a patient's family pages, and what each may do with the diary.

Access is the ``user_patients`` row, read fresh from the database by every service here (not the
principal loaded at the start of the request), so removing it ends the access at the next call. The
story of each link (who invited, who removed and why) is kept in ``family_links``.

Who keeps the diary is the clinic's choice per patient: a parent (the default: a young child), or the
young person themself; for a young person who keeps their own, whether parents see it is set by the care
team or, where the site's policy (``SecuritySettings.family_diary_choice``) allows, by the young person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from cnocare.records.accounts.models import (
    DIARY_KEEPERS,
    FamilyDiarySettings,
    FamilyLink,
    User,
    user_patients,
)
from cnocare.records.audit.service import record_event
from cnocare.records.clock import utcnow
from cnocare.records.errors import RecordValidationError
from cnocare.records.patients.models import PatientRecord
from cnocare.security import policy
from cnocare.security.settings import SecuritySettings, get_settings

RELATIONSHIP_LABELS = {"patient": "the young person themself", "parent": "parent or guardian"}
REASON_MAX = 400


class DiaryAccess(NamedTuple):
    can_read: bool
    can_write: bool


@dataclass(frozen=True)
class DiarySettings:
    keeper: str  # "parent" or "young_person"
    parents_see_diary: bool
    young_person_decides: bool  # as the clinician set it (read only under the "per_patient" policy)
    young_person_may_choose: bool  # the site's policy applied: may the young person change parents_see_diary


@dataclass(frozen=True)
class LinkedAccount:
    user_id: int
    username: str
    display_name: str
    email: str
    role: str
    relationship: str  # in words
    linked_at: Any  # None for a link made by an administrator before invitations existed


def is_linked(*, db_session: Session, user_id: int, patient_id: str) -> bool:
    """True while the account is active and linked to the patient (read now, never cached)."""
    row = db_session.execute(select(User.is_active).join(user_patients, user_patients.c.user_id == User.id)
                             .where(User.id == user_id, user_patients.c.patient_id == str(patient_id))).first()
    return bool(row and row.is_active)


def require_family_link(*, db_session: Session, principal: policy.Principal, patient_id: str, action: str) -> None:
    """The family side of every family service: the role may do ``action`` (else Forbidden) and this account
    is linked to this patient now (else NotFound, worded as for a patient that does not exist)."""
    policy.require(principal, action)
    if not principal.is_family:
        raise policy.Forbidden("the family's pages are for patients and their parents or guardians")
    if not is_linked(db_session=db_session, user_id=principal.user_id, patient_id=patient_id):
        raise policy.NotFound("patient not found")


def require_care_team(*, db_session: Session, principal: policy.Principal, patient_id: str, action: str) -> None:
    """The care team's side: the role may do ``action`` on this patient (their centre)."""
    policy.require(principal, action)
    patient = db_session.get(PatientRecord, str(patient_id)[:64])
    if patient is None:
        raise policy.NotFound("patient not found")
    policy.require(principal, action, patient={"id": patient.id, "centre_id": patient.centre_id})


def diary_settings(*, db_session: Session, patient_id: str, settings: SecuritySettings | None = None) -> DiarySettings:
    row = db_session.get(FamilyDiarySettings, str(patient_id))
    keeper = row.keeper if row else "parent"
    decides = bool(row and row.young_person_decides)
    choice = (settings or get_settings()).family_diary_choice
    may_choose = keeper == "young_person" and (choice == "young_person" or (choice == "per_patient" and decides))
    return DiarySettings(keeper=keeper, parents_see_diary=row.parents_see_diary if row else True,
                         young_person_decides=decides, young_person_may_choose=may_choose)


def diary_visibility(*, db_session: Session, user_id: int, patient_id: str,
                     settings: SecuritySettings | None = None) -> DiaryAccess:
    """What this family account may do with this patient's diary now: (can_read, can_write).

    Not linked (or removed, or deactivated): neither. The keeper reads and writes. A young person whose
    parent keeps the diary reads it. A parent of a young person who keeps their own reads it only while
    ``parents_see_diary`` holds, and never writes it. Staff accounts are not family: (False, False).
    """
    user = db_session.get(User, user_id)
    if user is None or user.role not in policy.FAMILY_ROLES or not is_linked(
            db_session=db_session, user_id=user_id, patient_id=patient_id):
        return DiaryAccess(False, False)
    return access_of(user.role, diary_settings(db_session=db_session, patient_id=patient_id, settings=settings))


def access_of(role: str, chosen: DiarySettings) -> DiaryAccess:
    """The rule itself, for a family account linked to the patient (``role``: patient or parent)."""
    if (role == "parent") == (chosen.keeper == "parent"):
        return DiaryAccess(True, True)  # the keeper
    if role == "patient":
        return DiaryAccess(True, False)  # a young person reads the diary their parent keeps
    return DiaryAccess(chosen.parents_see_diary, False)


def _store_settings(db_session: Session, patient_id: str, actor: str, **values: Any) -> None:
    row = db_session.get(FamilyDiarySettings, str(patient_id))
    if row is None:
        row = FamilyDiarySettings(patient_id=str(patient_id), keeper="parent", parents_see_diary=True,
                                  young_person_decides=False, updated_at=utcnow(), updated_by=actor)
        db_session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at, row.updated_by = utcnow(), actor
    db_session.flush()


def set_diary_settings(*, db_session: Session, principal: policy.Principal, patient_id: str, keeper: str,
                       parents_see_diary: bool, young_person_decides: bool = False) -> None:
    """The care team says who keeps the diary and whether parents see a young person's own diary."""
    require_care_team(db_session=db_session, principal=principal, patient_id=patient_id, action="family:manage")
    if keeper not in DIARY_KEEPERS:
        raise RecordValidationError.single("keeper", keeper, "accepted: parent, young_person (the young "
                                           "person themself)")
    _store_settings(db_session, patient_id, principal.actor, keeper=keeper, parents_see_diary=parents_see_diary,
                    young_person_decides=young_person_decides)
    record_event(db_session=db_session, action="update", principal=principal, record_type="family_diary_settings",
                 record_id=patient_id, patient_id=patient_id,
                 fields=["keeper", "parents_see_diary", "young_person_decides"])


def young_person_sets_parent_view(*, db_session: Session, principal: policy.Principal, patient_id: str,
                                  parents_see_diary: bool, settings: SecuritySettings | None = None) -> None:
    """A young person who keeps their own diary decides whether parents see it, where the policy allows."""
    require_family_link(db_session=db_session, principal=principal, patient_id=patient_id, action="diary:write")
    chosen = diary_settings(db_session=db_session, patient_id=patient_id, settings=settings)
    if principal.role != "patient" or not chosen.young_person_may_choose:
        raise policy.Forbidden("your care team decides who sees this diary; ask them if you would like a change")
    _store_settings(db_session, patient_id, principal.actor, parents_see_diary=parents_see_diary)
    record_event(db_session=db_session, action="update", principal=principal, record_type="family_diary_settings",
                 record_id=patient_id, patient_id=patient_id, fields=["parents_see_diary"])


def family_accounts(*, db_session: Session, patient_id: str) -> list[LinkedAccount]:
    """The family accounts that may open this patient's family pages now, by name."""
    rows = db_session.execute(select(User).join(user_patients, user_patients.c.user_id == User.id)
                              .where(user_patients.c.patient_id == str(patient_id)).order_by(User.display_name))
    out = []
    for user in rows.scalars():
        if user.role not in policy.FAMILY_ROLES:
            continue
        since = db_session.scalar(select(FamilyLink.linked_at).where(
            FamilyLink.user_id == user.id, FamilyLink.patient_id == str(patient_id), FamilyLink.ended_at.is_(None))
            .order_by(FamilyLink.linked_at.desc()).limit(1))
        out.append(LinkedAccount(user.id, user.username, user.display_name, user.email, user.role,
                                 RELATIONSHIP_LABELS[user.role], since))
    return out


def link_account(*, db_session: Session, user: User, patient_id: str, invitation_id: int | None) -> None:
    """Open the patient's family pages to this account (accepting an invitation); flushes, never commits."""
    if not is_linked(db_session=db_session, user_id=user.id, patient_id=patient_id):
        db_session.execute(insert(user_patients).values(user_id=user.id, patient_id=str(patient_id)))
    db_session.add(FamilyLink(user_id=user.id, patient_id=str(patient_id), invitation_id=invitation_id,
                              linked_at=utcnow()))
    db_session.flush()
    record_event(db_session=db_session, action="create", user_id=user.id, username=user.username, role=user.role,
                 record_type="family_link", record_id=user.id, patient_id=patient_id, fields=["patient_id"],
                 detail="invitation accepted")


def remove_access(*, db_session: Session, principal: policy.Principal, patient_id: str, user_id: int,
                  reason: str) -> bool:
    """End this account's access to this patient at once (its next request answers "not found").
    False when it had none. The reason is kept with the link; the audit event names the fields."""
    require_care_team(db_session=db_session, principal=principal, patient_id=patient_id, action="family:manage")
    why = " ".join((reason or "").split())
    if len(why) < 3 or len(why) > REASON_MAX:
        raise RecordValidationError.single("reason", reason, f"say why access ends, in 3 to {REASON_MAX} "
                                           "characters (e.g. 'parental responsibility changed')")
    user = db_session.get(User, user_id)
    if user is None or user.role not in policy.FAMILY_ROLES:
        return False
    removed = db_session.execute(delete(user_patients).where(user_patients.c.user_id == user_id,
                                                             user_patients.c.patient_id == str(patient_id)))
    if removed.rowcount == 0:  # type: ignore[attr-defined]
        return False
    now = utcnow()
    ended = db_session.execute(update(FamilyLink).where(
        FamilyLink.user_id == user_id, FamilyLink.patient_id == str(patient_id), FamilyLink.ended_at.is_(None))
        .values(ended_at=now, ended_by=principal.actor, end_reason=why))
    if ended.rowcount == 0:  # type: ignore[attr-defined]  # a link an administrator made: keep its end too
        db_session.add(FamilyLink(user_id=user_id, patient_id=str(patient_id), linked_at=now, ended_at=now,
                                  ended_by=principal.actor, end_reason=why))
    db_session.flush()
    record_event(db_session=db_session, action="void", principal=principal, record_type="family_link",
                 record_id=user_id, patient_id=patient_id, fields=["patient_id", "end_reason"],
                 detail=f"access of {user.username} ended")
    return True
