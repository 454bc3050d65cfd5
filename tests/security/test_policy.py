"""The permission matrix, checked case by case for every role x action x patient relation x token scope.

The expected table below is written out by hand, separately from ``policy.ROLE_ACTIONS``, so a change to
the policy data must be made twice on purpose.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from cnocare.security.policy import (
    ACTIONS,
    ROLES,
    SCOPES,
    Forbidden,
    NotFound,
    Principal,
    allowed,
    deidentify,
    pseudonym,
    require,
)


def _row(marks: str) -> dict[str, str]:
    """One line of the table: Y or - for admin, clinician, nurse, researcher, patient, parent."""
    return dict(zip(ROLES, marks.split(), strict=True))


EXPECTED: dict[str, dict[str, str]] = {
    #                      admin clinician nurse researcher patient parent
    "patient:read":        _row("-  Y  Y  -  -  -"),
    "patient:write":       _row("-  Y  Y  -  -  -"),
    "record:read":         _row("-  Y  Y  -  -  -"),
    "record:write":        _row("-  Y  Y  -  -  -"),
    "record:void":         _row("-  Y  -  -  -  -"),
    "assessment:read":     _row("-  Y  Y  -  -  -"),
    "diary:read":          _row("-  Y  Y  -  Y  Y"),
    "diary:write":         _row("-  -  -  -  Y  Y"),
    "alert:acknowledge":   _row("-  Y  Y  -  -  -"),
    "family:manage":       _row("-  Y  Y  -  -  -"),
    "family:read":         _row("-  -  -  -  Y  Y"),
    "message:write":       _row("-  Y  Y  -  -  -"),
    "message:reply":       _row("-  -  -  -  Y  Y"),
    "cohort:read":         _row("-  Y  -  Y  -  -"),
    "export:deidentified": _row("-  Y  -  Y  -  -"),
    "audit:read":          _row("Y  -  -  -  -  -"),
    "user:manage":         _row("Y  -  -  -  -  -"),
}
SCOPE_GRANTS = {
    "records:read": {"patient:read", "record:read", "diary:read"},
    "records:write": {"patient:write", "record:write", "record:void", "diary:write"},
    "assessments:read": {"assessment:read"},
    "export:deidentified": {"export:deidentified", "cohort:read"},
    "audit:read": {"audit:read"},
}
PATIENT_SCOPED = {"patient:read", "patient:write", "record:read", "record:write", "record:void",
                  "assessment:read", "diary:read", "diary:write", "alert:acknowledge", "family:manage",
                  "family:read", "message:write", "message:reply"}

GLOBAL = {"audit:read", "user:manage"}  # about the system, not one patient's care: not patient-scoped
HOME, AWAY = 1, 2
MAYA = {"id": "maya", "centre_id": HOME}      # linked to the family accounts, treated at HOME
STRANGER = {"id": "other", "centre_id": AWAY}  # neither linked nor at the staff's centre


def principal(role: str, scopes: frozenset[str] | None = None) -> Principal:
    staff = role in {"clinician", "nurse", "researcher"}
    family = role in {"patient", "parent"}
    return Principal(user_id=1, username=role, role=role,  # type: ignore[arg-type]
                     centre_ids=frozenset({HOME}) if staff else frozenset(),
                     patient_ids=frozenset({"maya"}) if family else frozenset(),
                     scopes=scopes, via_token=scopes is not None)


def test_the_expected_table_covers_every_action() -> None:
    assert set(EXPECTED) == set(ACTIONS) and set(SCOPE_GRANTS) == set(SCOPES)


CASES = [(role, action, relation) for role, action, relation in
         itertools.product(ROLES, ACTIONS, ["no patient", "own patient", "other patient"])]


@pytest.mark.parametrize(("role", "action", "relation"), CASES, ids=["-".join(c) for c in CASES])
def test_role_may_or_may_not_do_action_on_patient(role: str, action: str, relation: str) -> None:
    patient = {"no patient": None, "own patient": MAYA, "other patient": STRANGER}[relation]
    who = principal(role)
    if EXPECTED[action][role] != "Y":
        with pytest.raises(Forbidden):
            require(who, action, patient=patient)
    elif relation == "other patient" and action not in GLOBAL:
        with pytest.raises(NotFound, match="patient not found"):  # never "forbidden": that would confirm it exists
            require(who, action, patient=patient)
    else:
        require(who, action, patient=patient)


TOKEN_CASES = list(itertools.product(ROLES, SCOPES, ACTIONS))


@pytest.mark.parametrize(("role", "scope", "action"), TOKEN_CASES, ids=["-".join(c) for c in TOKEN_CASES])
def test_a_token_with_scope_allows_only_what_both_role_and_scope_allow(role: str, scope: str, action: str) -> None:
    who = principal(role, scopes=frozenset({scope}))
    own = MAYA if action in PATIENT_SCOPED else None
    assert allowed(who, action, patient=own) == (EXPECTED[action][role] == "Y" and action in SCOPE_GRANTS[scope])


@pytest.mark.parametrize("role", ["clinician", "researcher"])
def test_centre_level_actions_are_limited_to_the_staff_members_centres(role: str) -> None:
    require(principal(role), "export:deidentified", centre_id=HOME)
    with pytest.raises(NotFound):
        require(principal(role), "export:deidentified", centre_id=AWAY)


def test_anonymous_callers_and_unknown_actions_are_refused() -> None:
    with pytest.raises(Forbidden, match="sign in"):
        require(None, "patient:read")
    with pytest.raises(ValueError, match="unknown action"):
        require(principal("clinician"), "patient:delete")


def test_ids_match_whether_the_database_gives_numbers_or_strings() -> None:
    assert allowed(principal("nurse"), "patient:read", patient={"id": "x", "centre_id": str(HOME)})


def test_researchers_are_deidentified_only_and_clinicians_are_not() -> None:
    assert principal("researcher").deidentified_only and not principal("clinician").deidentified_only


def test_deidentify_removes_direct_identifiers_and_keeps_clinical_content() -> None:
    patient = {
        "id": "a3f1", "centre_id": 1, "name": "Maya Lind", "given_name": "Maya", "hospital_number": "H123",
        "mrn": "998877", "date_of_birth": dt.date(2014, 5, 2), "sex": "female", "email": "a@b.example",
        "address": {"street": "Elm 1"}, "phone": "0123", "notes": "Maya's mother called",
        "onset_date": "2025-09-01",
        "lesions": [{"site": "clavicle", "side": "left", "patient_id": "a3f1"}],
        "guardian": {"name": "Anna Lind"},
    }
    key = b"study-key"
    out = deidentify(patient, pseudonym_key=key)
    assert out == {
        "pseudonym": pseudonym("a3f1", key), "centre_id": 1, "birth_year": 2014, "sex": "female",
        "onset_date": "2025-09-01",
        "lesions": [{"site": "clavicle", "side": "left", "pseudonym": pseudonym("a3f1", key)}],
    }
    text = repr(out)
    for identifier in ("Maya", "Lind", "H123", "998877", "2014-05-02", "a@b.example", "Elm", "a3f1"):
        assert identifier not in text
    assert patient["name"] == "Maya Lind"  # the input is left alone


def test_deidentify_without_a_key_drops_ids_and_reads_birth_year_from_text() -> None:
    assert deidentify({"id": 7, "dob": "2012-11-30", "sex": "male"}) == {"birth_year": 2012, "sex": "male"}
