"""What the web app and the worker command do with the queue when they start and stop."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from cnocare.jobs.backend import backend_for
from cnocare.jobs.thread import ThreadWorker
from cnocare.security.settings import SecuritySettings


def prepare_queue(url: str, settings: SecuritySettings) -> str | None:
    """procrastinate's schema, created or upgraded, when procrastinate runs the jobs (the thread backend's
    table comes with the Alembic migrations)."""
    if backend_for(url, settings) != "procrastinate":
        return None
    from cnocare.jobs.pg import ensure_queue_schema  # procrastinate is loaded only where it runs the jobs

    return ensure_queue_schema(url)


def start_in_app(sessions: sessionmaker[Session], *, url: str, settings: SecuritySettings) -> ThreadWorker | None:
    """The web app's worker thread, when the thread backend runs the jobs and the settings want it."""
    if backend_for(url, settings) != "thread" or not settings.jobs_worker_thread:
        return None
    return ThreadWorker(sessions, settings=settings).start()
