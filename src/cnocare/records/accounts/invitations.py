"""Invitations to the family pages: the care team invites a young person or a parent by e-mail.

The link carries a random nonce; only its SHA-256 is stored (like password-reset links). It works once,
for ``SecuritySettings.family_invitation_days``, unless the care team revokes it; a new invitation to the
same address for the same patient retires the earlier ones. Accepting creates the account (the password
policy applies) or, for a family account already signed in, adds the child to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cnocare.records.accounts.family_access import link_account, require_care_team
from cnocare.records.accounts.models import FAMILY_RELATIONSHIPS, ROLE_OF_RELATIONSHIP, FamilyInvitation, User
from cnocare.records.accounts.service import create_user
from cnocare.records.audit.service import record_event
from cnocare.records.clock import utcnow
from cnocare.records.errors import FieldProblem, RecordNotFoundError, RecordValidationError
from cnocare.records.patients.models import PatientRecord
from cnocare.security import policy
from cnocare.security.mail import MailMessage
from cnocare.security.passwords import normalise_email
from cnocare.security.settings import SecuritySettings, get_settings
from cnocare.security.tokens import fingerprint, new_nonce

RELATIONSHIP_WORDS = {"young_person": "the young person themself", "parent": "parent or guardian"}


class InvitationUnusable(ValueError):
    """The link cannot be used; the message says why in plain words, for the page."""


@dataclass(frozen=True)
class InvitationRead:
    id: int
    patient_id: str
    email: str
    relationship: str
    created_at: dt.datetime
    created_by: str
    expires_at: dt.datetime

    @property
    def relationship_words(self) -> str:
        return RELATIONSHIP_WORDS[self.relationship]


def _read(row: FamilyInvitation) -> InvitationRead:
    return InvitationRead(row.id, row.patient_id, row.email, row.relationship, row.created_at, row.created_by,
                          row.expires_at)


def invite(*, db_session: Session, principal: policy.Principal, patient_id: str, email: str, relationship: str,
           settings: SecuritySettings | None = None) -> tuple[InvitationRead, str]:
    """Store an invitation and return it with the token for the link (queue ``invitation_mail`` in the same
    transaction; the token is never stored or shown on a page)."""
    require_care_team(db_session=db_session, principal=principal, patient_id=patient_id, action="family:manage")
    settings = settings or get_settings()
    problems: list[FieldProblem] = []
    try:
        address = normalise_email(email)
    except ValueError as exc:
        problems.append({"field": "email", "value": email, "message": str(exc)})
    if relationship not in FAMILY_RELATIONSHIPS:
        problems.append({"field": "relationship", "value": relationship,
                         "message": "accepted: the young person themself, or a parent or guardian"})
    if problems:
        raise RecordValidationError(problems)
    now = utcnow()
    db_session.execute(update(FamilyInvitation).where(
        FamilyInvitation.patient_id == str(patient_id), func.lower(FamilyInvitation.email) == address.lower(),
        FamilyInvitation.used_at.is_(None), FamilyInvitation.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by=principal.actor))
    nonce = new_nonce()
    row = FamilyInvitation(patient_id=str(patient_id), email=address, relationship=relationship,
                           nonce_hash=fingerprint(nonce), created_at=now, created_by=principal.actor,
                           expires_at=now + dt.timedelta(days=settings.family_invitation_days))
    db_session.add(row)
    db_session.flush()
    record_event(db_session=db_session, action="create", principal=principal, record_type="family_invitation",
                 record_id=row.id, patient_id=patient_id, fields=["email", "relationship"])
    return _read(row), nonce


def invitation_mail(*, invitation: InvitationRead, token: str, invite_url: str,
                    settings: SecuritySettings | None = None) -> MailMessage:
    """The invitation e-mail (sent by the caller through the job queue, in the invitation's transaction).
    ``invite_url`` is the public address of ``/invite``. It names neither the child nor the clinic's
    patient: a mailbox is not the place for them."""
    settings = settings or get_settings()
    days = settings.family_invitation_days
    return MailMessage(
        to=invitation.email, subject=f"{settings.site_name}: your invitation to the family pages",
        body=(f"Hello,\n\nYour care team has invited you, as {invitation.relationship_words}, to the family "
              f"pages of {settings.site_name}: a daily diary, the care plan and messages from the team.\n\n"
              f"Open this link to make your account. It works once and only for {days} days:\n\n"
              f"{invite_url.rstrip('/')}/{token}\n\nIf you did not expect this message, ignore it; nothing "
              "happens until the link is opened.\n"))


def pending_invitations(*, db_session: Session, patient_id: str) -> list[InvitationRead]:
    rows = db_session.scalars(select(FamilyInvitation).where(
        FamilyInvitation.patient_id == str(patient_id), FamilyInvitation.used_at.is_(None),
        FamilyInvitation.revoked_at.is_(None), FamilyInvitation.expires_at > utcnow())
        .order_by(FamilyInvitation.created_at.desc()))
    return [_read(r) for r in rows]


def revoke_invitation(*, db_session: Session, principal: policy.Principal, patient_id: str,
                      invitation_id: int) -> bool:
    """The link stops working now. False if it was already used or revoked."""
    require_care_team(db_session=db_session, principal=principal, patient_id=patient_id, action="family:manage")
    row = db_session.get(FamilyInvitation, invitation_id)
    if row is None or row.patient_id != str(patient_id):
        raise RecordNotFoundError("invitation", invitation_id)
    done = db_session.execute(update(FamilyInvitation).where(
        FamilyInvitation.id == invitation_id, FamilyInvitation.used_at.is_(None),
        FamilyInvitation.revoked_at.is_(None)).values(revoked_at=utcnow(), revoked_by=principal.actor))
    if done.rowcount != 1:  # type: ignore[attr-defined]
        return False
    record_event(db_session=db_session, action="void", principal=principal, record_type="family_invitation",
                 record_id=invitation_id, patient_id=patient_id, fields=["revoked_at"])
    return True


@dataclass(frozen=True)
class OpenInvitation:
    id: int
    patient_id: str
    patient_name: str
    email: str
    relationship: str
    role: str  # the role of the account it makes


def check_invitation(*, db_session: Session, token: str) -> OpenInvitation:
    """The invitation a link opens, or InvitationUnusable saying why in plain words."""
    row = db_session.scalar(select(FamilyInvitation).where(FamilyInvitation.nonce_hash == fingerprint(token or "")))
    if row is None:
        raise InvitationUnusable("This invitation link is not valid. Check that the whole link was copied, or "
                                 "ask your care team for a new invitation.")
    if row.used_at is not None:
        raise InvitationUnusable("This invitation link has already been used. If that was you, sign in; "
                                 "otherwise ask your care team for a new invitation.")
    if row.revoked_at is not None:
        raise InvitationUnusable("This invitation was withdrawn by your care team. Ask them for a new one if "
                                 "you still need access.")
    if row.expires_at <= utcnow():
        raise InvitationUnusable("This invitation link has expired. Ask your care team to send a new one.")
    patient = db_session.get(PatientRecord, row.patient_id)
    if patient is None or patient.voided_at is not None:
        raise InvitationUnusable("This invitation link is not valid. Ask your care team for a new invitation.")
    return OpenInvitation(row.id, row.patient_id, patient.name, row.email, row.relationship,
                          ROLE_OF_RELATIONSHIP[row.relationship])


def _claim(db_session: Session, invitation_id: int) -> None:
    """Spend the link atomically: two racing submissions cannot both use it."""
    now = utcnow()
    claimed = db_session.execute(update(FamilyInvitation).where(
        FamilyInvitation.id == invitation_id, FamilyInvitation.used_at.is_(None),
        FamilyInvitation.revoked_at.is_(None), FamilyInvitation.expires_at > now).values(used_at=now))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise InvitationUnusable("This invitation link has already been used. If that was you, sign in; "
                                 "otherwise ask your care team for a new invitation.")


def accept_with_new_account(*, db_session: Session, token: str, username: str, display_name: str,
                            password: str, settings: SecuritySettings | None = None) -> tuple[User, str]:
    """Create the family account the invitation is for, linked to the child; one transaction, committed.
    Returns (user, patient id). A refused name or password leaves the link usable."""
    invitation = check_invitation(db_session=db_session, token=token)
    try:
        _claim(db_session, invitation.id)
        user, _ = create_user(db_session=db_session, settings=settings, commit=False,
                              how="created from a family invitation", data={
                                  "username": username, "email": invitation.email, "display_name": display_name,
                                  "role": invitation.role, "password": password})
        _finish(db_session, invitation, user)
    except Exception:
        db_session.rollback()
        raise
    db_session.commit()
    return user, invitation.patient_id


def accept_into_account(*, db_session: Session, token: str, principal: policy.Principal) -> str:
    """Add the child to the signed-in family account (a parent following several children); committed.
    Returns the patient id."""
    invitation = check_invitation(db_session=db_session, token=token)
    refusal = refusal_for(principal, invitation)
    if refusal is not None:
        raise InvitationUnusable(refusal)
    user = db_session.get(User, principal.user_id)
    assert user is not None
    try:
        _claim(db_session, invitation.id)
        _finish(db_session, invitation, user)
    except Exception:
        db_session.rollback()
        raise
    db_session.commit()
    return invitation.patient_id


def refusal_for(principal: policy.Principal, invitation: OpenInvitation) -> str | None:
    """Why the signed-in account cannot take this invitation, in plain words; None when it can."""
    if not principal.is_family:
        return ("This invitation is for a family account. Sign out of your care-team account first, then open "
                "the link again.")
    if principal.role != invitation.role:
        return (f"This invitation is for {RELATIONSHIP_WORDS[invitation.relationship]}, and you are signed in "
                "with another kind of account. Sign out, then open the link again to make the right account.")
    if principal.role == "patient" and set(map(str, principal.patient_ids)) - {invitation.patient_id}:
        return ("A young person's account belongs to one person's care. Sign out, then open the link again to "
                "make a separate account.")
    return None


def _finish(db_session: Session, invitation: OpenInvitation, user: User) -> None:
    db_session.execute(update(FamilyInvitation).where(FamilyInvitation.id == invitation.id)
                       .values(used_by_user_id=user.id))
    link_account(db_session=db_session, user=user, patient_id=invitation.patient_id, invitation_id=invitation.id)

