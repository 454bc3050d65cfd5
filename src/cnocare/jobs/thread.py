"""The embedded backend: jobs in the ``jobs`` table, run by a worker thread inside the app process.

A job is claimed by one UPDATE that moves it from ``todo`` to ``doing`` only if it is still ``todo`` (on
PostgreSQL the candidate row is also locked with SKIP LOCKED), so two threads, or two processes of
``cnocare serve --workers``, never run one job. The job's own writes and its "done" commit together; a
failed try is rolled back and the job waits (doubling) for its next try, keeping the error; after the
last try it stays ``failed`` with that error. A job left ``doing`` by a process that died is claimed
again after ``jobs_stale_minutes``.

Tests run what is due, synchronously, with ``run_pending(sessions, now=...)``; the web app starts the
thread from its lifespan (``lifecycle.start_in_app``) unless ``jobs_worker_thread`` is off.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import threading
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from cnocare.jobs import catalogue
from cnocare.jobs.execute import error_text, run_function
from cnocare.jobs.registry import PERIODIC, UnknownJob, attempts_allowed, get, retry_delay
from cnocare.records.clock import as_aware_utc, as_naive_utc, utcnow
from cnocare.records.db import transaction
from cnocare.records.queue.models import QueuedJob
from cnocare.security.mail import Mailer, default_mailer
from cnocare.security.settings import SecuritySettings, get_settings

log = logging.getLogger(__name__)
KEEP_DONE = dt.timedelta(days=7)  # local choice: finished jobs are kept a week for "what ran when", then deleted
JOBS_PER_RUN = 500  # a bound on one run_pending: work queued by jobs faster than it runs waits for the next


@dataclass(frozen=True)
class Claimed:
    id: int
    name: str
    kwargs: str
    attempts: int
    max_attempts: int


@dataclass(frozen=True)
class Outcome:
    job_id: int
    name: str
    status: Literal["done", "retry", "failed"]
    error: str | None = None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def queue_periodic(sessions: sessionmaker[Session], now: dt.datetime, settings: SecuritySettings) -> int:
    """Queues each periodic job once for the period ``now`` is in (a unique key, so racing workers agree)."""
    catalogue.load()
    naive = as_naive_utc(now)
    added = 0
    with transaction(sessions) as db_session:
        dialect = db_session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        for schedule in PERIODIC.values():
            start = schedule.period_start(naive)
            statement = insert(QueuedJob).values(
                name=schedule.job_name, kwargs="{}", status="todo", attempts=0,
                max_attempts=attempts_allowed(get(schedule.job_name), settings), run_after=start,
                dedupe_key=f"{schedule.job_name}@{start.isoformat()}", created_at=naive,
            ).on_conflict_do_nothing(index_elements=["dedupe_key"]).returning(QueuedJob.id)
            added += len(db_session.execute(statement).all())
    return added


def claim(sessions: sessionmaker[Session], *, worker: str, now: dt.datetime,
          settings: SecuritySettings) -> Claimed | None:
    naive = as_naive_utc(now)
    stale = naive - dt.timedelta(minutes=settings.jobs_stale_minutes)
    claimable = or_(and_(QueuedJob.status == "todo", QueuedJob.run_after <= naive),
                    and_(QueuedJob.status == "doing", QueuedJob.locked_at < stale))
    with transaction(sessions) as db_session:
        candidate = select(QueuedJob.id).where(claimable).order_by(QueuedJob.run_after, QueuedJob.id).limit(1)
        if db_session.get_bind().dialect.name == "postgresql":
            candidate = candidate.with_for_update(skip_locked=True)
        row = db_session.execute(
            update(QueuedJob).where(QueuedJob.id == candidate.scalar_subquery(), claimable)
            .values(status="doing", locked_by=worker, locked_at=naive, attempts=QueuedJob.attempts + 1)
            .returning(QueuedJob.id, QueuedJob.name, QueuedJob.kwargs, QueuedJob.attempts, QueuedJob.max_attempts)
            .execution_options(synchronize_session=False)).first()
    return Claimed(*row) if row is not None else None


class LostClaim(RuntimeError):
    """Another worker took the job over (ours ran past ``jobs_stale_minutes``): our work is rolled back."""


def run_claimed(sessions: sessionmaker[Session], job: Claimed, *, worker: str, now: dt.datetime,
                settings: SecuritySettings, mailer: Mailer) -> Outcome:
    naive = as_naive_utc(now)
    session = sessions()
    try:
        spec = get(job.name)
        run_function(spec, json.loads(job.kwargs), db_session=session, settings=settings, mailer=mailer,
                     now=as_aware_utc(now), attempt=job.attempts, job_id=job.id)
        done = session.execute(update(QueuedJob).where(QueuedJob.id == job.id, QueuedJob.locked_by == worker,
                                                       QueuedJob.status == "doing")
                               .values(status="done", finished_at=naive, last_error=None)
                               .execution_options(synchronize_session=False))
        if not done.rowcount:  # type: ignore[attr-defined]
            raise LostClaim(f"job {job.id} ({job.name}) was claimed by another worker while it ran")
        session.commit()
        return Outcome(job.id, job.name, "done")
    except Exception as exc:
        session.rollback()
        if isinstance(exc, LostClaim):
            log.warning("%s", exc)
            return Outcome(job.id, job.name, "retry", str(exc))
        return _record_failure(sessions, job, worker=worker, now=naive, settings=settings, exc=exc)
    finally:
        session.close()


def _record_failure(sessions: sessionmaker[Session], job: Claimed, *, worker: str, now: dt.datetime,
                    settings: SecuritySettings, exc: Exception) -> Outcome:
    error = error_text(exc)
    final = job.attempts >= job.max_attempts or isinstance(exc, UnknownJob)
    values: dict[str, object] = {"last_error": error, "locked_by": None, "locked_at": None}
    if final:
        values |= {"status": "failed", "finished_at": now}
        log.error("job %s (%s) failed after %d tries: %s", job.id, job.name, job.attempts, exc)
    else:
        values |= {"status": "todo", "run_after": now + retry_delay(job.attempts, settings)}
        log.warning("job %s (%s) try %d of %d failed, will retry: %s", job.id, job.name, job.attempts,
                    job.max_attempts, exc)
    with transaction(sessions) as db_session:
        db_session.execute(update(QueuedJob).where(QueuedJob.id == job.id, QueuedJob.locked_by == worker)
                           .values(**values).execution_options(synchronize_session=False))
    return Outcome(job.id, job.name, "failed" if final else "retry", error)


def run_pending(sessions: sessionmaker[Session], *, now: dt.datetime | None = None,
                settings: SecuritySettings | None = None, mailer: Mailer | None = None, periodic: bool = True,
                worker: str | None = None, stop: threading.Event | None = None) -> list[Outcome]:
    """Runs every job due at ``now`` (default: the clock), one after another, in this thread; with
    ``periodic``, first queues the periodic jobs of ``now``'s period. Jobs queued by the jobs run too
    when they are due by ``now``. ``stop`` ends the run after the job in hand. Returns what happened to each."""
    catalogue.load()
    settings = settings or get_settings()
    moment = as_aware_utc(now) if now is not None else as_aware_utc(utcnow())
    worker = worker or worker_name()
    mailer = mailer or default_mailer(settings)
    if periodic:
        queue_periodic(sessions, moment, settings)
    outcomes: list[Outcome] = []
    while len(outcomes) < JOBS_PER_RUN and not (stop and stop.is_set()):
        job = claim(sessions, worker=worker, now=moment, settings=settings)
        if job is None:
            break
        outcomes.append(run_claimed(sessions, job, worker=worker, now=moment, settings=settings, mailer=mailer))
    return outcomes


def prune_finished(sessions: sessionmaker[Session], *, now: dt.datetime) -> int:
    """Deletes jobs done more than ``KEEP_DONE`` ago; failed ones stay until someone looks at them."""
    with transaction(sessions) as db_session:
        result = db_session.execute(delete(QueuedJob).where(QueuedJob.status == "done",
                                                            QueuedJob.run_after < as_naive_utc(now) - KEEP_DONE))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


class ThreadWorker:
    """Runs ``run_pending`` every ``jobs_poll_seconds`` in a daemon thread until ``stop``."""

    def __init__(self, sessions: sessionmaker[Session], *, settings: SecuritySettings,
                 mailer: Mailer | None = None) -> None:
        self.sessions, self.settings, self.mailer = sessions, settings, mailer
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> ThreadWorker:
        self._thread = threading.Thread(target=self._loop, name="cnocare-jobs", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 30.0) -> None:
        """Asks the thread to stop after the job it is running, and waits for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def wait(self, timeout: float) -> None:
        """Blocks until the thread ends or ``timeout`` seconds pass (Ctrl-C still reaches the caller)."""
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def run_once(self) -> list[Outcome]:
        now = as_aware_utc(utcnow())
        outcomes = run_pending(self.sessions, now=now, settings=self.settings, mailer=self.mailer,
                               worker=worker_name(), stop=self._stop)
        prune_finished(self.sessions, now=now)
        return outcomes

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except Exception:  # a locked or unreachable database: log it and try again next time
                log.exception("the job worker thread could not run the queue; trying again")
            self._stop.wait(self.settings.jobs_poll_seconds)
