"""Jobs that only tests queue, and helpers to read the queue and what the jobs wrote.

``test_make_centre`` writes a centre (a table without foreign keys), so a test can see whether a job's
writes were committed or rolled back; ``test_flaky`` fails its first ``failures`` tries.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cnocare.jobs.context import JobContext
from cnocare.jobs.registry import job
from cnocare.records.centres.models import Centre
from cnocare.records.centres.service import create_centre
from cnocare.records.queue.models import QueuedJob

CALLS: list[tuple[str, dict[str, Any]]] = []
CALLS_LOCK = threading.Lock()


def _called(name: str, kwargs: dict[str, Any]) -> None:
    with CALLS_LOCK:
        CALLS.append((name, kwargs))


@job("test_make_centre")
def make_centre(ctx: JobContext, *, code: str) -> None:
    _called("test_make_centre", {"code": code, "attempt": ctx.attempt})
    create_centre(db_session=ctx.db_session, data={"code": code, "name": f"Centre {code}"}, actor="job")


@job("test_flaky", max_attempts=4)
def flaky(ctx: JobContext, *, code: str, failures: int) -> None:
    _called("test_flaky", {"code": code, "attempt": ctx.attempt})
    create_centre(db_session=ctx.db_session, data={"code": f"{code}{ctx.attempt}", "name": "try"}, actor="job")
    if ctx.attempt <= failures:
        raise ConnectionError(f"mail server down (try {ctx.attempt})")


@job("test_follow_up")
def follow_up(ctx: JobContext, *, code: str) -> None:
    _called("test_follow_up", {"code": code})
    ctx.defer("test_make_centre", code=code + "F")


def centre_codes(sessions: sessionmaker[Session]) -> set[str]:
    with sessions() as db:
        return set(db.scalars(select(Centre.code).where(Centre.created_by == "job")))


def jobs(sessions: sessionmaker[Session]) -> list[QueuedJob]:
    with sessions() as db:
        return list(db.scalars(select(QueuedJob).order_by(QueuedJob.id)))


@job("test_tick")
def tick(ctx: JobContext) -> None:
    """A periodic test job: one centre per minute it ran for."""
    code = f"TICK{ctx.now:%H%M}"
    _called("test_tick", {"code": code})
    if not ctx.db_session.scalar(select(Centre.id).where(Centre.code == code)):
        create_centre(db_session=ctx.db_session, data={"code": code, "name": "tick"}, actor="job")
