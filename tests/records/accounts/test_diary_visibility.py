"""Who reads and who writes a child's diary: the keeper writes; a young person's own diary is shown to
parents only while they may see it; who may change that follows the site's policy."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from tests.records.accounts.family_personas import FAST, PASSWORD, FamilyClinic, child, me, unique

from cnocare.records.accounts import family_access, invitations
from cnocare.records.accounts.models import User
from cnocare.records.errors import RecordValidationError
from cnocare.security.policy import Forbidden, NotFound
from cnocare.security.settings import SecuritySettings


def _account(db: Session, clinic: FamilyClinic, patient_id: str, relationship: str) -> User:
    _, token = invitations.invite(db_session=db, principal=clinic.clinician, patient_id=patient_id,
                                  email=f"{unique('f')}@home.example", relationship=relationship, settings=FAST)
    db.commit()
    user, _ = invitations.accept_with_new_account(db_session=db, token=token, username=unique("f"),
                                                  display_name="Family", password=PASSWORD, settings=FAST)
    return user


def _family(db: Session, clinic: FamilyClinic) -> tuple[str, User, User]:
    teen = child(db, clinic.centre_id, "Ada Teen")
    return teen, _account(db, clinic, teen, "parent"), _account(db, clinic, teen, "young_person")


def _sees(db: Session, user: User, patient_id: str, settings: SecuritySettings = FAST) -> tuple[bool, bool]:
    return tuple(family_access.diary_visibility(db_session=db, user_id=user.id, patient_id=patient_id,
                                                settings=settings))  # type: ignore[return-value]


def test_by_default_a_parent_keeps_the_diary_and_the_young_person_reads_it(db: Session, clinic: FamilyClinic) -> None:
    teen, parent, young = _family(db, clinic)
    assert _sees(db, parent, teen) == (True, True)
    assert _sees(db, young, teen) == (True, False)


def test_a_young_person_who_keeps_their_own_writes_and_parents_read_while_allowed(
        db: Session, clinic: FamilyClinic) -> None:
    teen, parent, young = _family(db, clinic)
    family_access.set_diary_settings(db_session=db, principal=clinic.clinician, patient_id=teen,
                                     keeper="young_person", parents_see_diary=True)
    assert _sees(db, young, teen) == (True, True)
    assert _sees(db, parent, teen) == (True, False)
    family_access.set_diary_settings(db_session=db, principal=clinic.nurse, patient_id=teen,
                                     keeper="young_person", parents_see_diary=False)
    assert _sees(db, parent, teen) == (False, False)
    assert _sees(db, young, teen) == (True, True)


def test_accounts_not_linked_staff_and_unknown_accounts_see_nothing(db: Session, clinic: FamilyClinic) -> None:
    teen, parent, _ = _family(db, clinic)
    other = child(db, clinic.centre_id, "Otis Other")
    assert _sees(db, parent, other) == (False, False)
    assert family_access.diary_visibility(db_session=db, user_id=clinic.clinician.user_id, patient_id=teen) == (
        False, False)
    assert family_access.diary_visibility(db_session=db, user_id=10**9, patient_id=teen) == (False, False)


def test_a_deactivated_account_sees_nothing(db: Session, clinic: FamilyClinic) -> None:
    teen, parent, _ = _family(db, clinic)
    parent.is_active = False
    db.commit()
    assert _sees(db, parent, teen) == (False, False)


POLICIES = [("care_team", False, False), ("young_person", False, True), ("per_patient", False, False),
            ("per_patient", True, True)]


@pytest.mark.parametrize(("policy", "switched_on", "young_person_may_choose"), POLICIES)
def test_the_young_person_changes_what_parents_see_only_where_the_policy_allows(
        db: Session, clinic: FamilyClinic, policy: str, switched_on: bool, young_person_may_choose: bool) -> None:
    settings = FAST.model_copy(update={"family_diary_choice": policy})
    teen, parent, young = _family(db, clinic)
    family_access.set_diary_settings(db_session=db, principal=clinic.clinician, patient_id=teen,
                                     keeper="young_person", parents_see_diary=True, young_person_decides=switched_on)
    chosen = family_access.diary_settings(db_session=db, patient_id=teen, settings=settings)
    assert chosen.young_person_may_choose is young_person_may_choose
    change = dict(db_session=db, principal=me(db, young), patient_id=teen, parents_see_diary=False,
                  settings=settings)
    if young_person_may_choose:
        family_access.young_person_sets_parent_view(**change)  # type: ignore[arg-type]
        assert _sees(db, parent, teen, settings) == (False, False)
    else:
        with pytest.raises(Forbidden, match="care team decides"):
            family_access.young_person_sets_parent_view(**change)  # type: ignore[arg-type]
        assert _sees(db, parent, teen, settings) == (True, False)


def test_a_parent_never_changes_what_parents_see(db: Session, clinic: FamilyClinic) -> None:
    settings = FAST.model_copy(update={"family_diary_choice": "young_person"})
    teen, parent, _ = _family(db, clinic)
    family_access.set_diary_settings(db_session=db, principal=clinic.clinician, patient_id=teen,
                                     keeper="young_person", parents_see_diary=False)
    with pytest.raises(Forbidden):
        family_access.young_person_sets_parent_view(db_session=db, principal=me(db, parent), patient_id=teen,
                                                    parents_see_diary=True, settings=settings)


def test_a_young_person_whose_parent_keeps_the_diary_has_nothing_to_choose(db: Session, clinic: FamilyClinic) -> None:
    settings = FAST.model_copy(update={"family_diary_choice": "young_person"})
    teen, _, young = _family(db, clinic)
    assert not family_access.diary_settings(db_session=db, patient_id=teen, settings=settings).young_person_may_choose
    with pytest.raises(Forbidden):
        family_access.young_person_sets_parent_view(db_session=db, principal=me(db, young), patient_id=teen,
                                                    parents_see_diary=False, settings=settings)


def test_only_the_care_team_of_the_patients_centre_sets_the_keeper(db: Session, clinic: FamilyClinic) -> None:
    teen, parent, _ = _family(db, clinic)
    with pytest.raises(NotFound):
        family_access.set_diary_settings(db_session=db, principal=clinic.elsewhere, patient_id=teen,
                                         keeper="young_person", parents_see_diary=True)
    with pytest.raises(Forbidden):
        family_access.set_diary_settings(db_session=db, principal=me(db, parent), patient_id=teen,
                                         keeper="parent", parents_see_diary=True)
    with pytest.raises(RecordValidationError, match="accepted: parent, young_person"):
        family_access.set_diary_settings(db_session=db, principal=clinic.clinician, patient_id=teen,
                                         keeper="grandma", parents_see_diary=True)


@given(keeper=st.sampled_from(["parent", "young_person"]), parents_see=st.booleans(), decides=st.booleans(),
       may_choose=st.booleans())
def test_exactly_one_kind_of_account_writes_and_a_writer_always_reads(
        keeper: str, parents_see: bool, decides: bool, may_choose: bool) -> None:
    chosen = family_access.DiarySettings(keeper, parents_see, decides, may_choose)
    parent, young = family_access.access_of("parent", chosen), family_access.access_of("patient", chosen)
    assert parent.can_write != young.can_write
    for access in (parent, young):
        assert access.can_read or not access.can_write
    assert young.can_read  # a young person always reads their own diary
    assert parent.can_read == (keeper == "parent" or parents_see)
