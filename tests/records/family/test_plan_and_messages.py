"""The family's plan (plain words from the catalogue, no dose, no staff notes) and the messages thread,
each open only to the care team or to a family account linked to the child now."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.records.accounts.family_personas import FAST, PASSWORD, FamilyClinic, child, me, unique

from cnocare.knowledge.education import learn_url
from cnocare.knowledge.medicines import medicine
from cnocare.records import writes
from cnocare.records.accounts import family_access, invitations
from cnocare.records.accounts.models import User
from cnocare.records.audit.models import AuditEvent
from cnocare.records.errors import RecordValidationError
from cnocare.records.family import messages
from cnocare.records.family.plan import family_plan
from cnocare.records.kinds import KINDS
from cnocare.records.notices.service import list_unread
from cnocare.security.policy import Forbidden, NotFound

TODAY = dt.date(2026, 6, 1)



def _parent(db: Session, clinic: FamilyClinic, patient_id: str) -> User:
    _, token = invitations.invite(db_session=db, principal=clinic.clinician, patient_id=patient_id,
                                  email=f"{unique('f')}@home.example", relationship="parent", settings=FAST)
    db.commit()
    user, _ = invitations.accept_with_new_account(db_session=db, token=token, username=unique("f"),
                                                  display_name="Pam Lind", password=PASSWORD, settings=FAST)
    return user


def _add(db: Session, slug: str, patient_id: str, **data: object) -> None:
    writes.add(KINDS[slug], db_session=db, patient_id=patient_id, data=data, actor="dr.rivera")
    db.commit()


def test_the_plan_names_current_medicines_in_the_catalogues_words_without_a_dose(
        db: Session, clinic: FamilyClinic) -> None:
    maya = child(db, clinic.centre_id)
    _add(db, "medicines", maya, drug="naproxen", start=dt.date(2026, 3, 1), dose_note="250 mg twice, ask re GI",
         dose_mg=250, frequency="twice daily")
    _add(db, "medicines", maya, drug="ibuprofen", start=dt.date(2025, 1, 1), stop=dt.date(2025, 6, 1))
    _add(db, "medicines", maya, drug="Fish-oil drops", drug_class="other", start=dt.date(2026, 1, 1))
    plan = family_plan(db_session=db, principal=me(db, _parent(db, clinic, maya)), patient_id=maya, today=TODAY)
    naproxen = medicine("naproxen")
    assert naproxen is not None
    assert [m.name for m in plan.medicines] == ["Fish-oil drops", "Naproxen"]
    drops, shown = plan.medicines
    assert shown.what_it_does == naproxen.how_it_works
    assert shown.good_to_know == tuple(w.text for w in naproxen.warnings)
    assert drops.what_it_does is None and drops.good_to_know == () and drops.learn is None
    assert shown.learn == learn_url("medicine", "naproxen") and shown.learn and shown.learn.startswith("/family/learn/")
    words = repr(plan)
    assert "250" not in words and "GI" not in words and "twice daily" not in words


def test_the_plan_gives_the_next_review_tests_and_open_goals_without_staff_notes(
        db: Session, clinic: FamilyClinic) -> None:
    maya = child(db, clinic.centre_id)
    _add(db, "visits", maya, date=dt.date(2026, 5, 1), kind="follow_up", next_review_due=dt.date(2026, 8, 1),
         notes="mother anxious; consider CBT")
    _add(db, "medicines", maya, drug="naproxen", start=dt.date(2026, 3, 1))
    _add(db, "care-plan", maya, therapy="physiotherapy", goal="walk to school without pain", owner="physiotherapist",
         review_date=dt.date(2026, 7, 1), status="active", note="poor engagement so far")
    _add(db, "care-plan", maya, therapy="hydrotherapy", goal="swim weekly", owner="physiotherapist",
         status="completed")
    plan = family_plan(db_session=db, principal=me(db, _parent(db, clinic, maya)), patient_id=maya, today=TODAY)
    assert plan.next_review == dt.date(2026, 8, 1) and not plan.review_overdue
    assert plan.blood_tests, "an NSAID course calls for blood tests in the follow-up schedule"
    assert all(t.when for t in plan.blood_tests)
    assert [(g.what, g.goal, g.status) for g in plan.goals] == [
        ("Physiotherapy", "walk to school without pain", "under way")]
    assert plan.goals[0].learn == learn_url("care_plan", "physiotherapy") and plan.goals[0].learn
    words = repr(plan)
    assert "anxious" not in words and "engagement" not in words


def test_the_plan_is_for_linked_families_only(db: Session, clinic: FamilyClinic) -> None:
    maya, other = child(db, clinic.centre_id), child(db, clinic.centre_id, "Otis Other")
    parent = _parent(db, clinic, maya)
    with pytest.raises(NotFound):
        family_plan(db_session=db, principal=me(db, parent), patient_id=other, today=TODAY)
    with pytest.raises(Forbidden):
        family_plan(db_session=db, principal=clinic.clinician, patient_id=maya, today=TODAY)


def test_the_family_reads_the_care_teams_message_and_replies(db: Session, clinic: FamilyClinic) -> None:
    maya = child(db, clinic.centre_id)
    parent = _parent(db, clinic, maya)
    messages.send_message(db_session=db, principal=clinic.nurse, patient_id=maya,
                          body="  Blood test on Monday, please.  ", author_name="Nurse Nell")
    messages.send_message(db_session=db, principal=me(db, parent), patient_id=maya, body="We will be there.",
                          author_name=parent.display_name)
    db.commit()
    for reader in (me(db, parent), clinic.clinician):
        seen = messages.thread(db_session=db, principal=reader, patient_id=maya)
        assert [(m.from_care_team, m.body, m.author_name) for m in seen] == [
            (True, "Blood test on Monday, please.", "Nurse Nell"), (False, "We will be there.", "Pam Lind")]
    [notice] = list_unread(db_session=db, user_id=parent.id)  # one: the family's own reply tells no other family
    assert notice.link == f"/family/{maya}/messages" and "Monday" not in notice.text
    # The reply tells the care team member who wrote in the thread (the nurse), not the whole centre.
    [told] = list_unread(db_session=db, user_id=clinic.nurse.user_id)
    assert told.link == f"/patients/{maya}/family/messages"
    assert told.text == "Maya Lind: a new message from Pam Lind." and "there" not in told.text
    assert list_unread(db_session=db, user_id=clinic.clinician.user_id) == []
    events = db.execute(select(AuditEvent.record_type, AuditEvent.fields).where(
        AuditEvent.patient_id == maya, AuditEvent.record_type == "family_message")).all()
    assert [tuple(e) for e in events] == [("family_message", ["body"])] * 2


def test_a_family_writing_first_tells_every_clinician_and_nurse_of_the_childs_centre_only(
        db: Session, clinic: FamilyClinic) -> None:
    kit = child(db, clinic.centre_id, name="Kit Lind")
    parent = _parent(db, clinic, kit)
    messages.send_message(db_session=db, principal=me(db, parent), patient_id=kit, body="Is swimming allowed?",
                          author_name=parent.display_name)
    db.commit()
    for member in (clinic.clinician, clinic.nurse):
        assert [n.text for n in list_unread(db_session=db, user_id=member.user_id) if n.patient_id == kit] == [
            "Kit Lind: a new message from Pam Lind."]
    assert list_unread(db_session=db, user_id=clinic.elsewhere.user_id) == []  # another centre's clinician


def test_an_empty_or_overlong_message_is_refused_by_field(db: Session, clinic: FamilyClinic) -> None:
    maya = child(db, clinic.centre_id)
    for body in ("   ", "x" * (messages.MESSAGE_MAX + 1)):
        with pytest.raises(RecordValidationError) as refused:
            messages.send_message(db_session=db, principal=clinic.clinician, patient_id=maya, body=body,
                                  author_name="Dr")
        assert refused.value.errors[0]["field"] == "body"


def test_a_removed_parent_or_another_centre_reads_no_messages(db: Session, clinic: FamilyClinic) -> None:
    maya = child(db, clinic.centre_id)
    parent = _parent(db, clinic, maya)
    before = me(db, parent)  # loaded before the removal, as a request already under way would hold it
    family_access.remove_access(db_session=db, principal=clinic.clinician, patient_id=maya, user_id=parent.id,
                                reason="parental responsibility changed")
    db.commit()
    with pytest.raises(NotFound):
        messages.thread(db_session=db, principal=before, patient_id=maya)
    with pytest.raises(NotFound):
        messages.send_message(db_session=db, principal=before, patient_id=maya, body="hello", author_name="Pam")
    with pytest.raises(NotFound):
        messages.thread(db_session=db, principal=clinic.elsewhere, patient_id=maya)
