from __future__ import annotations

import datetime as dt

import pyotp
import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.orm import Session

from cnocare.records.accounts.login import (
    REFUSED,
    authenticate,
    begin_totp_enrolment,
    confirm_totp_enrolment,
    verify_second_factor,
)
from cnocare.records.accounts.models import User
from cnocare.records.accounts.service import create_user
from cnocare.records.audit.models import AuditEvent
from cnocare.security import passwords
from cnocare.security.settings import SecuritySettings

PASSWORD = "Sternoclavicular 2026"


@pytest.fixture
def clinician(db: Session, settings: SecuritySettings) -> User:
    user, _ = create_user(db_session=db, settings=settings, data={
        "username": "dr.hedrich", "email": "hedrich@clinic.example", "display_name": "Dr Hedrich",
        "role": "clinician", "password": PASSWORD})
    return user


def _events(db: Session, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_a_correct_password_signs_in_and_is_audited(db: Session, settings: SecuritySettings, clinician: User) -> None:
    result = authenticate(db_session=db, username="Dr.Hedrich ", password=PASSWORD, ip="10.0.0.5",
                          user_agent="Firefox", settings=settings)
    assert result.ok and result.user is not None and result.user.id == clinician.id
    [login] = _events(db, "login")
    assert (login.username, login.ip, login.user_agent, login.outcome) == ("dr.hedrich", "10.0.0.5", "Firefox",
                                                                           "success")


def test_unknown_users_and_wrong_passwords_get_the_same_answer_and_the_same_work(
        db: Session, settings: SecuritySettings, clinician: User, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real_verify = passwords.PasswordHasher.verify

    def counting_verify(self: passwords.PasswordHasher, hash: str, password: str) -> bool:
        calls.append("verify")
        return real_verify(self, hash, password)

    monkeypatch.setattr(passwords.PasswordHasher, "verify", counting_verify)
    unknown = authenticate(db_session=db, username="nobody", password=PASSWORD, settings=settings)
    wrong = authenticate(db_session=db, username="dr.hedrich", password="wrong password", settings=settings)
    assert unknown.message == wrong.message == REFUSED
    assert (unknown.outcome, wrong.outcome) == ("invalid", "invalid")
    assert calls == ["verify", "verify"]  # one argon2 verification each: no timing difference to measure
    assert [e.detail for e in _events(db, "failed-login")] == ["unknown username", "wrong password"]


def test_the_account_locks_after_the_threshold_and_unlocks_after_the_lockout(
        db: Session, settings: SecuritySettings, clinician: User) -> None:
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        outcomes = [authenticate(db_session=db, username="dr.hedrich", password="nope", settings=settings).outcome
                    for _ in range(settings.lockout_threshold)]
        assert outcomes == ["invalid"] * (settings.lockout_threshold - 1) + ["locked"]
        during = authenticate(db_session=db, username="dr.hedrich", password=PASSWORD, settings=settings)
        assert during.outcome == "locked" and during.message == REFUSED  # even the right password waits
    with time_machine.travel(start + dt.timedelta(minutes=settings.lockout_minutes, seconds=1), tick=False):
        assert authenticate(db_session=db, username="dr.hedrich", password=PASSWORD, settings=settings).ok
    db.refresh(clinician)
    assert clinician.failed_login_count == 0 and clinician.locked_until is None


def test_a_success_resets_the_failure_count(db: Session, settings: SecuritySettings, clinician: User) -> None:
    for _ in range(settings.lockout_threshold - 1):
        authenticate(db_session=db, username="dr.hedrich", password="nope", settings=settings)
    assert authenticate(db_session=db, username="dr.hedrich", password=PASSWORD, settings=settings).ok
    assert authenticate(db_session=db, username="dr.hedrich", password="nope", settings=settings).outcome == "invalid"


def test_many_failures_from_one_address_throttle_it_for_every_account(
        db: Session, settings: SecuritySettings, clinician: User) -> None:
    for i in range(settings.ip_failure_limit):
        authenticate(db_session=db, username=f"guess{i}", password="nope", ip="203.0.113.9", settings=settings)
    throttled = authenticate(db_session=db, username="dr.hedrich", password=PASSWORD, ip="203.0.113.9",
                             settings=settings)
    assert throttled.outcome == "throttled" and "network address" in throttled.message
    assert authenticate(db_session=db, username="dr.hedrich", password=PASSWORD, ip="198.51.100.1",
                        settings=settings).ok


def test_signing_in_upgrades_a_hash_made_with_older_parameters(
        db: Session, settings: SecuritySettings, clinician: User) -> None:
    before = clinician.password_hash
    stronger = settings.model_copy(update={"argon2_memory_kib": 2048})
    assert authenticate(db_session=db, username="dr.hedrich", password=PASSWORD, settings=stronger).ok
    db.refresh(clinician)
    assert clinician.password_hash != before and "m=2048" in (clinician.password_hash or "")


def test_a_deactivated_account_cannot_sign_in(db: Session, settings: SecuritySettings, clinician: User) -> None:
    clinician.is_active = False
    db.commit()
    result = authenticate(db_session=db, username="dr.hedrich", password=PASSWORD, settings=settings)
    assert result.outcome == "inactive" and result.message == REFUSED


def test_totp_enrolment_then_sign_in_needs_the_current_code_once(
        db: Session, settings: SecuritySettings, clinician: User) -> None:
    secret, uri = begin_totp_enrolment(db_session=db, user=clinician)
    assert uri.startswith("otpauth://totp/") and "dr.hedrich" in uri
    at = dt.datetime(2026, 3, 2, 9, 0, 10, tzinfo=dt.UTC)
    with time_machine.travel(at, tick=False):
        assert not confirm_totp_enrolment(db_session=db, user=clinician, code="000000")
        assert confirm_totp_enrolment(db_session=db, user=clinician, code=pyotp.TOTP(secret).at(at))
    later = at + dt.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        first = authenticate(db_session=db, username="dr.hedrich", password=PASSWORD, settings=settings)
        assert first.outcome == "needs_second_factor" and not _events(db, "login")
        code = pyotp.TOTP(secret).at(later)
        assert verify_second_factor(db_session=db, user=clinician, code=code, settings=settings).ok
        replay = verify_second_factor(db_session=db, user=clinician, code=code, settings=settings)
        assert replay.outcome == "invalid"  # the same code cannot be used twice
    assert len(_events(db, "login")) == 1


def test_wrong_totp_codes_count_toward_the_lockout(db: Session, settings: SecuritySettings, clinician: User) -> None:
    secret, _ = begin_totp_enrolment(db_session=db, user=clinician)
    assert confirm_totp_enrolment(db_session=db, user=clinician, code=pyotp.TOTP(secret).now())
    outcomes = [verify_second_factor(db_session=db, user=clinician, code="12345x", settings=settings).outcome
                for _ in range(settings.lockout_threshold)]
    assert outcomes[-1] == "locked"


def test_signing_in_rehashes_the_password_when_the_argon2_parameters_were_raised(
        db: Session, settings: SecuritySettings, clinician: User) -> None:
    old = clinician.password_hash
    assert old is not None and ",t=1," in old
    stronger = settings.model_copy(update={"argon2_time_cost": 2})
    assert authenticate(db_session=db, username="dr.hedrich", password=PASSWORD, settings=stronger).ok
    db.refresh(clinician)
    assert clinician.password_hash != old and ",t=2," in (clinician.password_hash or "")
    assert authenticate(db_session=db, username="dr.hedrich", password=PASSWORD, settings=stronger).ok
