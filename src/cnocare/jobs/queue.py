"""Queue a job in the caller's transaction: it exists exactly when the caller's work is committed.

On the thread backend a row in ``jobs``; on procrastinate a call of its own SQL function
(``procrastinate.procrastinate_defer_jobs_v1``) on the same connection, so a rolled-back save never sends
its mail, and a worker is woken by procrastinate's insert trigger when the transaction commits.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from cnocare.jobs.backend import backend_for
from cnocare.jobs.registry import attempts_allowed, checked_kwargs, get
from cnocare.records.clock import as_naive_utc, utcnow
from cnocare.records.queue.models import QueuedJob
from cnocare.security.settings import SecuritySettings, get_settings

QUEUE_SCHEMA = "procrastinate"  # procrastinate's tables live in a schema of their own, apart from the clinic's
PROCRASTINATE_QUEUE = "default"


def defer(name: str, /, *, db_session: Session, run_after: dt.datetime | None = None, **kwargs: Any) -> int:
    """Queue job ``name`` with ``kwargs`` (JSON-able); runs from ``run_after`` (default: now). Returns its id."""
    return enqueue(name, kwargs, db_session=db_session, run_after=run_after, settings=get_settings())


def enqueue(name: str, kwargs: dict[str, Any], *, db_session: Session, run_after: dt.datetime | None,
            settings: SecuritySettings) -> int:
    payload = checked_kwargs(name, kwargs)
    when = as_naive_utc(run_after) if run_after is not None else utcnow()
    bind = db_session.get_bind()
    if backend_for(bind.engine.url.render_as_string(hide_password=True), settings) == "procrastinate":
        return _procrastinate_defer(db_session, name, payload, when)
    row = QueuedJob(name=name, kwargs=payload, status="todo", attempts=0,
                    max_attempts=attempts_allowed(get(name), settings), run_after=when, created_at=utcnow())
    db_session.add(row)
    db_session.flush()
    return row.id


def _procrastinate_defer(db_session: Session, name: str, payload: str, when: dt.datetime) -> int:
    job_id = db_session.execute(text(
        f"SELECT unnest({QUEUE_SCHEMA}.procrastinate_defer_jobs_v1(ARRAY[ROW("
        ":queue, :task, 0, NULL, NULL, CAST(:args AS jsonb), :at"
        f")::{QUEUE_SCHEMA}.procrastinate_job_to_defer_v1]))"),
        {"queue": PROCRASTINATE_QUEUE, "task": name, "args": payload,
         "at": when.replace(tzinfo=dt.UTC)}).scalar_one()
    return int(job_id)
