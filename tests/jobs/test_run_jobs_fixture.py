"""The run_jobs fixture other tests use: queued mail runs now and is kept in memory."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker
from tests.fixtures.jobs import JobRunner

from cnocare.jobs.mail import queue_mail
from cnocare.records.db import transaction


def test_run_jobs_sends_queued_mail_into_memory(sessions: sessionmaker[Session], run_jobs: JobRunner) -> None:
    with transaction(sessions) as db:
        queue_mail(db_session=db, to="parent@example.org", subject="Welcome", body="Your invitation")
    outcomes = run_jobs(sessions, now=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    assert ("send_mail", "done") in [(o.name, o.status) for o in outcomes]
    assert [(m.to, m.subject) for m in run_jobs.sent] == [("parent@example.org", "Welcome")]
