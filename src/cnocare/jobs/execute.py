"""Running one job function: the same on both backends (who acts, in the audit trail, is the job)."""

from __future__ import annotations

import datetime as dt
import traceback
from typing import Any

from sqlalchemy.orm import Session

from cnocare.jobs.context import JobContext
from cnocare.jobs.registry import JobSpec
from cnocare.records.audit.listener import audit_context
from cnocare.security.mail import Mailer
from cnocare.security.settings import SecuritySettings

ERROR_CHARS = 4000


def run_function(spec: JobSpec, kwargs: dict[str, Any], *, db_session: Session, settings: SecuritySettings,
                 mailer: Mailer, now: dt.datetime, attempt: int, job_id: int | None) -> None:
    """Calls the job; flushes its writes while the job is the actor. The caller commits or rolls back."""
    ctx = JobContext(db_session=db_session, settings=settings, mailer=mailer, now=now, attempt=attempt,
                     job_id=job_id)
    with audit_context(actor=f"job {spec.name}"):
        spec.function(ctx, **kwargs)
        db_session.flush()


def error_text(exc: BaseException) -> str:
    """What a failed try leaves on its row: the exception and where it came from, clipped."""
    lines = traceback.format_exception(exc, limit=6)
    text = "".join(lines[-8:]).strip()
    return text if len(text) <= ERROR_CHARS else "…" + text[-ERROR_CHARS:]
