"""TOTP secrets are sealed with a key outside the database, and one code signs in once even when
several requests carry it at the same moment (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pyotp
import pytest
from sqlalchemy import Engine, text, update
from sqlalchemy.orm import Session, sessionmaker
from tests.security.conftest import create_security_tables

from cnocare.records.accounts.login import (
    begin_totp_enrolment,
    confirm_totp_enrolment,
    totp_secret_of,
    verify_second_factor,
)
from cnocare.records.accounts.models import User
from cnocare.records.accounts.service import create_user
from cnocare.records.db import make_engine, session_factory
from cnocare.security.settings import SecuritySettings, get_settings
from cnocare.security.totp import TotpSecretUnreadable, open_secret


@pytest.fixture(autouse=True)
def totp_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from cryptography.fernet import Fernet

    monkeypatch.setenv("CNOCARE_TOTP_ENCRYPTION_KEY", Fernet.generate_key().decode())
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'totp.sqlite3'}")
        create_security_tables(engine)
    else:
        engine = make_engine(request.getfixturevalue("pg_url"))
        with engine.begin() as conn:  # the module's database is shared: start without accounts
            conn.execute(text("DELETE FROM users WHERE username LIKE 'totp.%'"))
    yield engine
    engine.dispose()


def _enrolled(factory: sessionmaker[Session], settings: SecuritySettings, name: str) -> tuple[int, str]:
    with factory() as db:
        user, _ = create_user(db_session=db, settings=settings, data={
            "username": name, "email": f"{name}@clinic.example", "display_name": "T", "role": "admin",
            "password": "Registry passphrase 1"})
        secret, _ = begin_totp_enrolment(db_session=db, user=user)
        assert confirm_totp_enrolment(db_session=db, user=user, code=pyotp.TOTP(secret).now())
        # Back one step, so the current code is usable for sign-in (enrolment spent it).
        db.execute(update(User).where(User.id == user.id).values(totp_last_step=User.totp_last_step - 1))
        db.commit()
        return user.id, secret


def test_the_secret_is_never_stored_in_clear(any_engine: Engine, settings: SecuritySettings) -> None:
    factory = session_factory(any_engine)
    user_id, secret = _enrolled(factory, settings, "totp.sealed")
    with any_engine.connect() as conn:
        clear, sealed = conn.execute(text("SELECT totp_secret, totp_secret_sealed FROM users WHERE id = :i"),
                                     {"i": user_id}).one()
    assert clear is None and sealed and secret not in sealed
    assert open_secret(sealed) == secret
    with pytest.raises(TotpSecretUnreadable):
        from cryptography.fernet import Fernet

        open_secret(sealed, key=Fernet.generate_key())  # a database copy without the key is useless


def test_a_legacy_clear_secret_is_sealed_at_first_use(any_engine: Engine, settings: SecuritySettings) -> None:
    factory = session_factory(any_engine)
    user_id, secret = _enrolled(factory, settings, "totp.legacy")
    with factory() as db:
        db.execute(update(User).where(User.id == user_id).values(totp_secret=secret, totp_secret_sealed=None))
        db.commit()
        user = db.get(User, user_id)
        assert user is not None and totp_secret_of(user) == secret
        db.commit()
        assert user.totp_secret is None and user.totp_secret_sealed


def test_one_code_submitted_four_times_at_once_signs_in_once(any_engine: Engine, settings: SecuritySettings) -> None:
    factory = session_factory(any_engine)
    user_id, secret = _enrolled(factory, settings, "totp.racer")
    code = pyotp.TOTP(secret).now()
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def attempt() -> None:
        with factory() as db:
            user = db.get(User, user_id)
            assert user is not None
            barrier.wait()  # every request has read the same "last used step" before any claims it
            outcomes.append(verify_second_factor(db_session=db, user=user, code=code, settings=settings).outcome)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 4 and outcomes.count("ok") == 1  # the others: refused (and counted as failures)
