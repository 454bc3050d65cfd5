"""Outgoing e-mail behind one small interface: an outbox of .eml files, an SMTP server, or memory for tests.

The settings choose (``mail_transport``). Mail that should survive a mail server being down for a while is
sent by the ``send_mail`` job (``cnocare.jobs.mail``), which retries; ``SmtpMailer`` itself sends once.
"""

from __future__ import annotations

import abc
import datetime as dt
import logging
import os
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from pydantic import SecretStr

from cnocare.security.settings import SecuritySettings, get_settings

log = logging.getLogger(__name__)


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


class MailDeliveryError(RuntimeError):
    """The server refused or could not be reached; the message says which server and why (never the password)."""


class SmtpMailer(Mailer):
    """One connection per message: STARTTLS (never falling back to clear text when the server does not offer
    it), implicit TLS ("ssl"), or none for a local relay. Certificates are checked against the system's CAs,
    or ``ca_file``."""

    def __init__(self, *, host: str, port: int, security: str = "starttls", username: str | None = None,
                 password: SecretStr | None = None, sender: str = "cnocare@localhost", timeout: float = 30.0,
                 ca_file: Path | None = None) -> None:
        super().__init__(sender)
        if security not in ("starttls", "ssl", "none"):
            raise ValueError(f"SMTP security {security!r}; accepted: starttls, ssl, none")
        self.host, self.port, self.security = host, port, security
        self.username, self._password = username, password
        self.timeout, self.ca_file = timeout, ca_file

    def __repr__(self) -> str:
        login = f", user {self.username!r}" if self.username else ""
        return f"SmtpMailer({self.host}:{self.port}, {self.security}{login})"

    def _tls(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca_file) if self.ca_file else None)

    def send(self, message: MailMessage) -> None:
        email = self.build(message)
        where = f"SMTP server {self.host}:{self.port} ({self.security})"
        try:
            client = (smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self._tls())
                      if self.security == "ssl" else smtplib.SMTP(self.host, self.port, timeout=self.timeout))
            with client:
                client.ehlo()
                if self.security == "starttls":
                    client.starttls(context=self._tls())
                    client.ehlo()
                if self.username:
                    client.login(self.username, self._password.get_secret_value() if self._password else "")
                client.send_message(email)
        except (smtplib.SMTPException, OSError) as exc:
            # smtplib's errors carry the server's reply, never what we sent; still, say it in our words.
            reason = f"{type(exc).__name__}: {exc}"
            log.warning("mail to %s not sent: %s: %s", message.to, where, reason)
            raise MailDeliveryError(f"{where}: {reason}") from None
        log.info("mail to %s sent through %s", message.to, where)


def default_mailer(settings: SecuritySettings | None = None) -> Mailer:
    """The mailer the settings name: SMTP (``mail_transport = "smtp"``) or the outbox folder."""
    settings = settings or get_settings()
    if settings.mail_transport == "smtp":
        assert settings.smtp_host  # the settings refuse smtp without a host
        return SmtpMailer(host=settings.smtp_host, port=settings.smtp_port_or_default,
                          security=settings.smtp_security, username=settings.smtp_username,
                          password=settings.smtp_password, sender=settings.mail_from,
                          timeout=settings.smtp_timeout_seconds, ca_file=settings.smtp_ca_file)
    return OutboxMailer(settings.outbox_dir, sender=settings.mail_from)
