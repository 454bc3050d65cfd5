"""Invitations to the family pages: single-use, expiring, revocable links; the account they make; the end of
access when the clinic removes it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from tests.records.accounts.family_personas import FAST, PASSWORD, FamilyClinic, child, me, unique

from cnocare.records.accounts import family_access, invitations
from cnocare.records.accounts.invitations import InvitationUnusable
from cnocare.records.accounts.models import FamilyInvitation, FamilyLink, User
from cnocare.records.audit.models import AuditEvent
from cnocare.records.errors import RecordValidationError
from cnocare.security.policy import Forbidden, NotFound


def _invite(db: Session, clinic: FamilyClinic, patient_id: str, relationship: str = "parent",
            email: str | None = None) -> str:
    _, token = invitations.invite(db_session=db, principal=clinic.clinician, patient_id=patient_id,
                                  email=email or f"{unique('p')}@home.example", relationship=relationship,
                                  settings=FAST)
    db.commit()
    return token


def _accept(db: Session, token: str, name: str = "Pam Lind") -> tuple[User, str]:
    return invitations.accept_with_new_account(db_session=db, token=token, username=unique("pam"),
                                               display_name=name, password=PASSWORD, settings=FAST)


def test_a_parent_accepts_the_invitation_and_is_linked_to_that_child_only(db: Session, clinic: FamilyClinic) -> None:
    maya, other = child(db, clinic.centre_id), child(db, clinic.centre_id, "Otis Other")
    user, patient_id = _accept(db, _invite(db, clinic, maya))
    assert patient_id == maya
    assert me(db, user).role == "parent" and set(map(str, me(db, user).patient_ids)) == {maya}
    assert family_access.is_linked(db_session=db, user_id=user.id, patient_id=maya)
    assert not family_access.is_linked(db_session=db, user_id=user.id, patient_id=other)
    accounts = family_access.family_accounts(db_session=db, patient_id=maya)
    assert [(a.display_name, a.relationship) for a in accounts] == [("Pam Lind", "parent or guardian")]
    assert accounts[0].linked_at is not None


def test_only_the_fingerprint_of_the_link_is_stored(db: Session, clinic: FamilyClinic) -> None:
    token = _invite(db, clinic, child(db, clinic.centre_id))
    stored = db.scalars(select(FamilyInvitation.nonce_hash)).all()
    assert token not in stored and all(len(h) == 64 for h in stored)


def test_a_link_works_once(db: Session, clinic: FamilyClinic) -> None:
    token = _invite(db, clinic, child(db, clinic.centre_id))
    _accept(db, token)
    with pytest.raises(InvitationUnusable, match="already been used"):
        _accept(db, token)


def test_an_expired_link_says_so_and_makes_no_account(db: Session, clinic: FamilyClinic) -> None:
    token = _invite(db, clinic, child(db, clinic.centre_id))
    db.execute(update(FamilyInvitation).values(expires_at=dt.datetime(2020, 1, 1)))
    db.commit()
    with pytest.raises(InvitationUnusable, match="expired"):
        _accept(db, token)


def test_the_link_expires_after_the_days_the_site_set(db: Session, clinic: FamilyClinic) -> None:
    read, _ = invitations.invite(db_session=db, principal=clinic.clinician, patient_id=child(db, clinic.centre_id),
                                 email="a@home.example", relationship="parent",
                                 settings=FAST.model_copy(update={"family_invitation_days": 3}))
    assert read.expires_at - read.created_at == dt.timedelta(days=3)


def test_a_revoked_link_says_the_care_team_withdrew_it(db: Session, clinic: FamilyClinic) -> None:
    maya = child(db, clinic.centre_id)
    token = _invite(db, clinic, maya)
    [pending] = invitations.pending_invitations(db_session=db, patient_id=maya)
    assert invitations.revoke_invitation(db_session=db, principal=clinic.nurse, patient_id=maya,
                                         invitation_id=pending.id)
    assert not invitations.revoke_invitation(db_session=db, principal=clinic.nurse, patient_id=maya,
                                             invitation_id=pending.id)
    db.commit()
    assert invitations.pending_invitations(db_session=db, patient_id=maya) == []
    with pytest.raises(InvitationUnusable, match="withdrawn"):
        _accept(db, token)


def test_a_new_invitation_to_the_same_address_retires_the_earlier_link(db: Session, clinic: FamilyClinic) -> None:
    maya = child(db, clinic.centre_id)
    first = _invite(db, clinic, maya, email="Pam@Home.example")
    second = _invite(db, clinic, maya, email="pam@home.example")
    with pytest.raises(InvitationUnusable):
        _accept(db, first)
    _accept(db, second)


def test_a_forged_link_is_not_valid(db: Session) -> None:
    with pytest.raises(InvitationUnusable, match="not valid"):
        invitations.check_invitation(db_session=db, token="not-a-real-link")


def test_a_refused_password_names_the_field_and_leaves_the_link_usable(db: Session, clinic: FamilyClinic) -> None:
    token = _invite(db, clinic, child(db, clinic.centre_id))
    with pytest.raises(RecordValidationError) as refused:
        invitations.accept_with_new_account(db_session=db, token=token, username=unique("pam"),
                                            display_name="Pam", password="short", settings=FAST)
    assert refused.value.errors[0]["field"] == "password"
    _accept(db, token)


def test_a_bad_address_or_relationship_is_refused_by_field(db: Session, clinic: FamilyClinic) -> None:
    with pytest.raises(RecordValidationError) as refused:
        invitations.invite(db_session=db, principal=clinic.clinician, patient_id=child(db, clinic.centre_id),
                           email="not an address", relationship="uncle", settings=FAST)
    assert [e["field"] for e in refused.value.errors] == ["email", "relationship"]


def test_a_parent_follows_a_second_child_with_the_same_account(db: Session, clinic: FamilyClinic) -> None:
    maya, ben = child(db, clinic.centre_id), child(db, clinic.centre_id, "Ben Lind")
    user, _ = _accept(db, _invite(db, clinic, maya))
    assert invitations.accept_into_account(db_session=db, token=_invite(db, clinic, ben),
                                           principal=me(db, user)) == ben
    assert set(map(str, me(db, user).patient_ids)) == {maya, ben}


def test_a_young_persons_invitation_does_not_join_a_parents_account(db: Session, clinic: FamilyClinic) -> None:
    maya = child(db, clinic.centre_id)
    user, _ = _accept(db, _invite(db, clinic, maya))
    token = _invite(db, clinic, child(db, clinic.centre_id, "Ada Teen"), relationship="young_person")
    with pytest.raises(InvitationUnusable, match="another kind of account"):
        invitations.accept_into_account(db_session=db, token=token, principal=me(db, user))
    teen, _ = _accept(db, token, name="Ada Teen")
    assert me(db, teen).role == "patient"


def test_staff_accounts_cannot_take_an_invitation(db: Session, clinic: FamilyClinic) -> None:
    token = _invite(db, clinic, child(db, clinic.centre_id))
    with pytest.raises(InvitationUnusable, match="care-team account"):
        invitations.accept_into_account(db_session=db, token=token, principal=clinic.nurse)


def test_only_the_patients_own_care_team_invites(db: Session, clinic: FamilyClinic) -> None:
    maya = child(db, clinic.centre_id)
    with pytest.raises(NotFound):
        invitations.invite(db_session=db, principal=clinic.elsewhere, patient_id=maya, email="a@b.example",
                           relationship="parent", settings=FAST)
    user, _ = _accept(db, _invite(db, clinic, maya))
    with pytest.raises(Forbidden):
        invitations.invite(db_session=db, principal=me(db, user), patient_id=maya,
                           email="a@b.example", relationship="parent", settings=FAST)


def test_removing_access_ends_it_at_once_and_keeps_who_and_why(db: Session, clinic: FamilyClinic) -> None:
    maya = child(db, clinic.centre_id)
    user, _ = _accept(db, _invite(db, clinic, maya))
    with pytest.raises(RecordValidationError, match="say why"):
        family_access.remove_access(db_session=db, principal=clinic.clinician, patient_id=maya,
                                    user_id=user.id, reason=" ")
    assert family_access.remove_access(db_session=db, principal=clinic.clinician, patient_id=maya,
                                       user_id=user.id, reason="parental responsibility changed")
    db.commit()
    assert not family_access.is_linked(db_session=db, user_id=user.id, patient_id=maya)
    assert me(db, user).patient_ids == frozenset()
    assert family_access.diary_visibility(db_session=db, user_id=user.id, patient_id=maya) == (False, False)
    link = db.scalars(select(FamilyLink).where(FamilyLink.user_id == user.id)).one()
    assert (link.ended_by, link.end_reason) == (clinic.clinician.username, "parental responsibility changed")
    assert not family_access.remove_access(db_session=db, principal=clinic.clinician, patient_id=maya,
                                           user_id=user.id, reason="again")


def test_every_step_is_in_the_audit_trail(db: Session, clinic: FamilyClinic) -> None:
    maya = child(db, clinic.centre_id)
    user, _ = _accept(db, _invite(db, clinic, maya))
    family_access.remove_access(db_session=db, principal=clinic.clinician, patient_id=maya, user_id=user.id,
                                reason="moved to another clinic")
    db.commit()
    events = db.execute(select(AuditEvent.action, AuditEvent.record_type).where(
        AuditEvent.patient_id == maya, AuditEvent.record_type.like("family%")).order_by(AuditEvent.id)).all()
    assert [tuple(e) for e in events] == [("create", "family_invitation"), ("create", "family_link"),
                                          ("void", "family_link")]


def test_an_invitation_to_a_voided_patient_is_not_valid(db: Session, clinic: FamilyClinic) -> None:
    from cnocare.records.patients.models import PatientRecord

    maya = child(db, clinic.centre_id)
    token = _invite(db, clinic, maya)
    db.execute(update(PatientRecord).where(PatientRecord.id == maya).values(voided_at=dt.datetime(2026, 1, 1)))
    db.commit()
    with pytest.raises(InvitationUnusable, match="not valid"):
        _accept(db, token)


def test_the_mail_carries_the_public_link_and_says_how_long_it_works(db: Session, clinic: FamilyClinic) -> None:
    read, token = invitations.invite(db_session=db, principal=clinic.clinician, patient_id=child(db, clinic.centre_id),
                                     email="pam@home.example", relationship="parent", settings=FAST)
    sent = invitations.invitation_mail(invitation=read, token=token, invite_url="https://cno.example/invite/",
                                       settings=FAST)
    assert sent.to == "pam@home.example"
    assert f"https://cno.example/invite/{token}\n" in sent.body and "7 days" in sent.body
    assert "Maya" not in sent.body  # a mailbox is not the place for the child's name
