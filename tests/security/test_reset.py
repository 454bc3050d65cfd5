from __future__ import annotations

import datetime as dt
import email
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from pydantic import SecretStr
from sqlalchemy.orm import Session

from cnocare.records.accounts.login import authenticate
from cnocare.records.accounts.models import User
from cnocare.records.accounts.reset import InvalidResetToken, request_password_reset, reset_password
from cnocare.records.accounts.service import create_user
from cnocare.records.accounts.sessions import load_session, start_session
from cnocare.records.errors import RecordValidationError
from cnocare.security.mail import MailMessage, MemoryMailer, OutboxMailer
from cnocare.security.settings import SecuritySettings

NEW = "Brand new passphrase 7"


@pytest.fixture
def parent(db: Session, settings: SecuritySettings) -> User:
    user, _ = create_user(db_session=db, settings=settings, data={
        "username": "anna.lind", "email": "Anna@Home.Example", "display_name": "Anna Lind", "role": "parent",
        "password": "Old passphrase 1234"})
    return user


def _token_from(mailer: MemoryMailer) -> str:
    [message] = mailer.sent
    link = next(word for word in message.body.split() if word.startswith("https://"))
    return parse_qs(urlparse(link).query)["token"][0]


def test_a_reset_link_is_mailed_and_sets_a_new_password_once(db: Session, settings: SecuritySettings,
                                                             parent: User) -> None:
    mailer = MemoryMailer()
    request_password_reset(db_session=db, username_or_email="anna@home.example", mailer=mailer,
                           reset_url="https://clinic.example/reset", settings=settings)
    assert mailer.sent[0].to == "Anna@home.example"
    token = _token_from(mailer)
    browser = start_session(db_session=db, user=parent, settings=settings)
    reset_password(db_session=db, token=token, new_password=NEW, settings=settings)
    assert authenticate(db_session=db, username="anna.lind", password=NEW, settings=settings).ok
    assert load_session(db_session=db, raw_id=browser, settings=settings) is None  # old sessions are ended
    with pytest.raises(InvalidResetToken, match="already used"):
        reset_password(db_session=db, token=token, new_password="Another passphrase 8", settings=settings)


def test_unknown_addresses_get_no_mail_and_no_different_answer(db: Session, settings: SecuritySettings) -> None:
    mailer = MemoryMailer()
    assert request_password_reset(db_session=db, username_or_email="who@nowhere.example", mailer=mailer,
                                  reset_url="https://clinic.example/reset", settings=settings) is None
    assert mailer.sent == []


def test_a_reset_link_expires(db: Session, settings: SecuritySettings, parent: User) -> None:
    mailer = MemoryMailer()
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        request_password_reset(db_session=db, username_or_email="anna.lind", mailer=mailer,
                               reset_url="https://clinic.example/reset", settings=settings)
    with time_machine.travel(start + dt.timedelta(minutes=settings.password_reset_minutes + 1), tick=False), \
            pytest.raises(InvalidResetToken, match="expired"):
        reset_password(db_session=db, token=_token_from(mailer), new_password=NEW, settings=settings)


def test_an_altered_or_foreign_token_is_refused(db: Session, settings: SecuritySettings, parent: User) -> None:
    mailer = MemoryMailer()
    token = request_password_reset(db_session=db, username_or_email="anna.lind", mailer=mailer,
                                   reset_url="https://clinic.example/reset", settings=settings)
    assert token is not None
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(InvalidResetToken, match="not valid"):
        reset_password(db_session=db, token=tampered, new_password=NEW, settings=settings)
    other_site = settings.model_copy(update={"secret_key": SecretStr("another-site-key-xyz")})
    with pytest.raises(InvalidResetToken, match="not valid"):
        reset_password(db_session=db, token=token, new_password=NEW, settings=other_site)


def test_asking_again_retires_the_earlier_link(db: Session, settings: SecuritySettings, parent: User) -> None:
    mailer = MemoryMailer()
    first = request_password_reset(db_session=db, username_or_email="anna.lind", mailer=mailer,
                                   reset_url="https://clinic.example/reset", settings=settings)
    request_password_reset(db_session=db, username_or_email="anna.lind", mailer=mailer,
                           reset_url="https://clinic.example/reset", settings=settings)
    assert first is not None
    with pytest.raises(InvalidResetToken, match="already used or replaced"):
        reset_password(db_session=db, token=first, new_password=NEW, settings=settings)


def test_a_weak_new_password_keeps_the_link_usable(db: Session, settings: SecuritySettings, parent: User) -> None:
    mailer = MemoryMailer()
    token = request_password_reset(db_session=db, username_or_email="anna.lind", mailer=mailer,
                                   reset_url="https://clinic.example/reset", settings=settings)
    assert token is not None
    with pytest.raises(RecordValidationError, match="at least 12"):
        reset_password(db_session=db, token=token, new_password="short", settings=settings)
    reset_password(db_session=db, token=token, new_password=NEW, settings=settings)


def test_the_outbox_writes_private_eml_files(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox"
    OutboxMailer(outbox, sender="clinic@example.org").send(
        MailMessage(to="anna@home.example", subject="Reset", body="Open the link"))
    [path] = list(outbox.glob("*.eml"))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    parsed = email.message_from_bytes(path.read_bytes())
    assert (parsed["To"], parsed["From"], parsed["Subject"]) == ("anna@home.example", "clinic@example.org", "Reset")
    assert "Open the link" in parsed.get_payload()


def test_reset_mail_stops_after_the_hourly_limit_and_resumes_an_hour_later(
        db: Session, settings: SecuritySettings, parent: User) -> None:
    mailer = MemoryMailer()
    limit = settings.reset_requests_per_hour
    with time_machine.travel(dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC), tick=False) as clock:
        answers = [request_password_reset(db_session=db, username_or_email="anna.lind", mailer=mailer,
                                          reset_url="https://clinic.example/reset", settings=settings)
                   for _ in range(limit + 2)]
        assert len(mailer.sent) == limit  # the inbox is not flooded
        assert answers[limit:] == [None, None]  # the caller learns nothing new
        clock.shift(dt.timedelta(minutes=61))
        request_password_reset(db_session=db, username_or_email="anna.lind", mailer=mailer,
                               reset_url="https://clinic.example/reset", settings=settings)
        assert len(mailer.sent) == limit + 1
