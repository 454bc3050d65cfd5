"""Mail sent by a job, so a mail server that is down for a while delays a message instead of losing it.

From app code: ``queue_mail(db_session=..., to=..., subject=..., body=...)``, or ``QueuedMailer(db_session)``
where a service takes a ``Mailer``; from inside a job: ``ctx.defer("send_mail", **mail_kwargs(to, subject,
body))`` (due from the job's ``now``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from cnocare.jobs.context import JobContext
from cnocare.jobs.queue import defer
from cnocare.jobs.registry import job
from cnocare.security.mail import Mailer, MailMessage


@job("send_mail")
def send_mail(ctx: JobContext, *, to: str, subject: str, body: str) -> None:
    ctx.mailer.send(MailMessage(to=to, subject=subject, body=body))


def mail_kwargs(to: str, subject: str, body: str) -> dict[str, str]:
    """The job's arguments, refused before queueing when they could not make one clean message."""
    to = to.strip()
    if to.count("@") != 1 or any(c in to for c in " \r\n,;<>\"'"):
        raise ValueError(f"to {to!r} is not one e-mail address; accepted: one address such as nurse@example.org")
    if any(c in subject for c in "\r\n") or not subject.strip():
        raise ValueError(f"subject {subject!r}: accepted: one line of text")
    return {"to": to, "subject": subject.strip(), "body": body}


def queue_mail(*, db_session: Session, to: str, subject: str, body: str) -> int:
    """Queues one message in the caller's transaction (nothing is sent if the caller's work rolls back)."""
    fields = mail_kwargs(to, subject, body)
    return defer("send_mail", db_session=db_session, to=fields["to"], subject=fields["subject"], body=fields["body"])


class QueuedMailer(Mailer):
    """A ``Mailer`` for services that send one (the password reset): each message becomes a send_mail job
    in ``db_session``'s transaction, sent once that transaction commits and a worker runs it."""

    def __init__(self, db_session: Session) -> None:
        super().__init__()
        self.db_session = db_session

    def send(self, message: MailMessage) -> None:
        queue_mail(db_session=self.db_session, to=message.to, subject=message.subject, body=message.body)
