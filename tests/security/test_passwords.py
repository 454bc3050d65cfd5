from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from cnocare.security.passwords import (
    PASSWORD_MIN_LENGTH,
    USERNAME_RE,
    generate_one_time_password,
    hash_password,
    normalise_email,
    normalise_password,
    normalise_username,
    password_problems,
    verify_password,
)
from cnocare.security.settings import SecuritySettings


def test_passwords_are_hashed_with_argon2id_and_the_configured_parameters(settings: SecuritySettings) -> None:
    stored = hash_password("Bone marrow 2026", settings=settings)
    assert stored.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    assert verify_password(stored, "Bone marrow 2026", settings=settings) == (True, None)
    assert verify_password(stored, "bone marrow 2026", settings=settings) == (False, None)


def test_production_defaults_follow_rfc_9106_second_recommendation() -> None:
    defaults = SecuritySettings()
    assert (defaults.argon2_time_cost, defaults.argon2_memory_kib, defaults.argon2_parallelism) == (3, 65536, 4)


def test_a_hash_made_with_old_parameters_is_replaced_on_successful_verification(settings: SecuritySettings) -> None:
    old = hash_password("Clavicle pain 11", settings=settings)
    stronger = settings.model_copy(update={"argon2_time_cost": 2})
    ok, new_hash = verify_password(old, "Clavicle pain 11", settings=stronger)
    assert ok and new_hash is not None and ",t=2," in new_hash
    assert verify_password(new_hash, "Clavicle pain 11", settings=stronger) == (True, None)


def test_composed_and_decomposed_accents_are_the_same_password(settings: SecuritySettings) -> None:
    stored = hash_password("Café au lait 99", settings=settings)
    assert verify_password(stored, "Cafe\u0301 au lait 99", settings=settings)[0]


def test_garbage_in_the_hash_column_never_verifies(settings: SecuritySettings) -> None:
    assert verify_password("not-a-hash", "whatever password", settings=settings) == (False, None)
    assert verify_password(None, "whatever password", settings=settings) == (False, None)


@pytest.mark.parametrize(("password", "problem"), [
    ("Short1!", "at least 12 characters"),
    ("alllowercaseletters", "two kinds of character"),
    ("123456789012345", "two kinds of character"),
    ("aaaaaaaaaaaaA", "5 different characters"),
    ("Password1234", "lists attackers try first"),
    ("xmaya.lindx2026", "must not contain the username"),
    ("Tab\there and there", "control characters"),
])
def test_weak_passwords_are_refused_with_a_reason(password: str, problem: str) -> None:
    problems = password_problems(password, username="maya.lind")
    assert any(problem in p for p in problems), problems


@pytest.mark.parametrize("password", ["correct horse battery staple", "Knochenmark-Ödem 7", "Zz9!aB3#cD4$"])
def test_reasonable_passwords_are_accepted(password: str) -> None:
    assert password_problems(password, username="maya.lind") == []


def test_one_time_passwords_satisfy_the_policy() -> None:
    for _ in range(50):
        assert password_problems(generate_one_time_password()) == []


@hyp_settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_the_password_policy_never_crashes_and_refuses_anything_short(password: str) -> None:
    problems = password_problems(password, username="someone")
    if len(normalise_password(password)) < PASSWORD_MIN_LENGTH:
        assert problems
    if not problems:
        assert len(set(normalise_password(password))) >= 5 and "someone" not in normalise_password(password).casefold()


@hyp_settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_usernames_are_either_normalised_to_the_allowed_form_or_refused_with_the_value(raw: str) -> None:
    try:
        name = normalise_username(raw)
    except ValueError as exc:
        assert "username" in str(exc) and "is not accepted" in str(exc)
    else:
        assert USERNAME_RE.fullmatch(name) and name == raw.strip().lower()


@hyp_settings(max_examples=200, deadline=None)
@given(st.text(alphabet=string.ascii_lowercase + string.digits + "._-", min_size=3, max_size=64)
       .filter(lambda s: s[0].isalnum()))
def test_every_well_formed_username_is_accepted(raw: str) -> None:
    assert normalise_username(raw.upper()) == raw


@hyp_settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_email_validation_never_crashes(raw: str) -> None:
    try:
        value = normalise_email(raw)
    except ValueError as exc:
        assert "email" in str(exc)
    else:
        assert "@" in value and " " not in value
