"""Outgoing e-mail behind one small interface: an outbox of .eml files, or memory for tests.

SMTP delivery is a deployment choice; a site adds a ``Mailer`` subclass. Nothing here opens a socket.
"""

from __future__ import annotations

import abc
import datetime as dt
import os
import secrets
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from cnocare.security.settings import SecuritySettings, get_settings


@dataclass(frozen=True)
class MailMessage:
    to: str
    subject: str
    body: str


class Mailer(abc.ABC):
    def __init__(self, sender: str = "cnocare@localhost") -> None:
        self.sender = sender

    @abc.abstractmethod
    def send(self, message: MailMessage) -> None: ...

    def build(self, message: MailMessage) -> EmailMessage:
        email = EmailMessage()
        email["From"] = self.sender
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Date"] = format_datetime(dt.datetime.now(dt.UTC))
        email["Message-ID"] = make_msgid(domain="cnocare.local")
        email.set_content(message.body)
        return email


class OutboxMailer(Mailer):
    """Writes each message as ``<outbox>/<UTC time>-<random>.eml`` readable only by the owner
    (a reset link in it is as good as a password for an hour)."""

    def __init__(self, directory: Path, sender: str = "cnocare@localhost") -> None:
        super().__init__(sender)
        self.directory = directory

    def send(self, message: MailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
        path = self.directory / f"{stamp}-{secrets.token_hex(4)}.eml"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(bytes(self.build(message)))


class MemoryMailer(Mailer):
    def __init__(self, sender: str = "cnocare@localhost") -> None:
        super().__init__(sender)
        self.sent: list[MailMessage] = []

    def send(self, message: MailMessage) -> None:
        self.sent.append(message)


def default_mailer(settings: SecuritySettings | None = None) -> Mailer:
    settings = settings or get_settings()
    return OutboxMailer(settings.outbox_dir, sender=settings.mail_from)
