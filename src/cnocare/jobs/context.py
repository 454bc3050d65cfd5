"""What a job function is given: a session in the job's transaction, the settings, the mailer and ``now``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from cnocare.jobs.queue import enqueue
from cnocare.security.mail import Mailer
from cnocare.security.settings import SecuritySettings


@dataclass(frozen=True)
class JobContext:
    db_session: Session
    settings: SecuritySettings
    mailer: Mailer
    now: dt.datetime  # aware UTC: when the job runs, or what a test asked for
    attempt: int  # 1 on the first try
    job_id: int | None = None

    @property
    def now_naive(self) -> dt.datetime:
        """``now`` as the records layer stores times (naive UTC)."""
        return self.now.astimezone(dt.UTC).replace(tzinfo=None)

    def defer(self, name: str, /, **kwargs: Any) -> int:
        """Queue a follow-up job in this job's transaction, due from this job's ``now``."""
        return enqueue(name, kwargs, db_session=self.db_session, run_after=self.now, settings=self.settings)
