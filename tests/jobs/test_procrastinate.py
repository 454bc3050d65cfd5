"""procrastinate on PostgreSQL: its schema kept apart and current, jobs queued in the caller's transaction,
and a real worker running the same job functions (retries, failures, periodic runs), each within seconds."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session, sessionmaker
from tests.jobs.helpers import centre_codes

from cnocare.jobs.pg import MARK_TABLE, QueueWorker, ensure_queue_schema, installed_version
from cnocare.jobs.queue import defer
from cnocare.jobs.registry import PERIODIC, Periodic
from cnocare.records.centres.models import Centre
from cnocare.records.db import make_engine, session_factory, transaction, upgrade
from cnocare.records.registry import metadata
from cnocare.security.mail import MemoryMailer
from cnocare.security.settings import SecuritySettings, get_settings

pytestmark = pytest.mark.postgres
WORKER_SECONDS = 30  # every worker run below is stopped by then, whatever happens


@pytest.fixture(scope="module")
def engine(pg_db_url: str) -> Iterator[Engine]:
    upgrade(pg_db_url)
    ensure_queue_schema(pg_db_url)
    engine = make_engine(pg_db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[sessionmaker[Session]]:
    monkeypatch.setenv("CNOCARE_JOBS_BACKEND", "auto")
    get_settings.cache_clear()
    factory = session_factory(engine)
    yield factory
    with factory.begin() as db:
        db.execute(text("DELETE FROM procrastinate.procrastinate_jobs"))
        db.query(Centre).filter(Centre.created_by == "job").delete()
    get_settings.cache_clear()


def queue_rows(sessions: sessionmaker[Session]) -> list[tuple[str, str, dict[str, object], int]]:
    with sessions() as db:
        return [tuple(r) for r in db.execute(text(  # type: ignore[misc]
            "SELECT task_name, status::text, args, attempts FROM procrastinate.procrastinate_jobs ORDER BY id"))]


def work(url: str, *, until_idle: bool = True, stop_when: object = None, real_mail: bool = False,
         **settings: object) -> None:
    """Runs a real worker in a thread: until the queue is empty, or (periodic) until ``stop_when()``. Mail goes
    to memory unless ``real_mail`` (then as the settings say)."""
    worker = QueueWorker(url, SecuritySettings(database_url=url, **settings),  # type: ignore[arg-type]
                         mailer=None if real_mail else MemoryMailer())
    failure: list[BaseException] = []

    def main() -> None:
        async def run() -> None:
            async with worker.app.open_async():
                task = asyncio.create_task(worker.app.run_worker_async(
                    wait=not until_idle, install_signal_handlers=False, delete_jobs="successful",
                    fetch_job_polling_interval=0.2))
                deadline = time.monotonic() + WORKER_SECONDS
                while not task.done() and time.monotonic() < deadline:
                    if callable(stop_when) and stop_when():
                        break
                    await asyncio.sleep(0.1)
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

        try:
            asyncio.run(run())
        except BaseException as exc:  # surfaced to the test below
            failure.append(exc)

    thread = threading.Thread(target=main)
    thread.start()
    thread.join(WORKER_SECONDS + 15)
    assert not thread.is_alive(), "the worker did not stop"
    assert failure == []


def test_the_queue_schema_is_made_once_kept_apart_and_upgraded(pg_db_url: str, engine: Engine) -> None:
    assert ensure_queue_schema(pg_db_url) == f"the job queue schema is current (procrastinate {installed_version()})"
    with engine.connect() as connection:  # the clinic's schema still matches its models exactly
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []
    # As if the database were one procrastinate release behind: its last migration not yet applied.
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER procrastinate_trigger_status_events_update_v1 "
                                "ON procrastinate.procrastinate_jobs"))
        previous = connection.execute(text(f"SELECT version FROM {MARK_TABLE}")).scalar_one()
        connection.execute(text(f"UPDATE {MARK_TABLE} SET version = '03.04.00_01_pre_add_retry_failed_job_procedure'"))
    assert ensure_queue_schema(pg_db_url).startswith("upgraded the job queue schema from 03.04.00_01_pre")
    with engine.connect() as connection:
        assert connection.execute(text(f"SELECT version FROM {MARK_TABLE}")).scalar_one() == previous
        assert connection.execute(text("SELECT count(*) FROM pg_trigger WHERE tgname = "
                                       "'procrastinate_trigger_status_events_update_v1'")).scalar_one() == 1


def test_a_job_is_queued_only_when_the_callers_transaction_commits(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), transaction(sessions) as db:
        defer("test_make_centre", db_session=db, code="GONE")
        raise RuntimeError("the save failed")
    assert queue_rows(sessions) == []
    with transaction(sessions) as db:
        defer("test_make_centre", db_session=db, code="PG1")
    assert queue_rows(sessions) == [("test_make_centre", "todo", {"code": "PG1"}, 0)]


def test_a_real_worker_runs_the_job_function_and_its_follow_up(pg_db_url: str, sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as db:
        defer("test_make_centre", db_session=db, code="PG2")
        defer("test_follow_up", db_session=db, code="PG3")
    work(pg_db_url)
    assert centre_codes(sessions) == {"PG2", "PG3F"}
    assert queue_rows(sessions) == []  # successful jobs are deleted


def test_a_failing_job_is_retried_then_fails_for_good(pg_db_url: str, sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as db:
        defer("test_flaky", db_session=db, code="PR", failures=1)
        defer("test_flaky", db_session=db, code="PX", failures=99)
    for _ in range(5):  # each pass runs what is due; retries come 1 s, then 2 s and 4 s later
        work(pg_db_url, jobs_retry_seconds=1)
        if not any(status == "todo" for _, status, _, _ in queue_rows(sessions)):
            break
        time.sleep(4.2)
    assert centre_codes(sessions) == {"PR2"}  # the first try's write was rolled back
    assert queue_rows(sessions) == [("test_flaky", "failed", {"code": "PX", "failures": 99}, 4)]


def test_workers_queue_a_periodic_job_once_and_run_it(pg_db_url: str, sessions: sessionmaker[Session]) -> None:
    PERIODIC["test_tick"] = Periodic("test_tick", every_minutes=1)
    try:
        # Two workers at once: procrastinate queues this minute's run once between them.
        both = [threading.Thread(target=work, args=(pg_db_url,),
                                 kwargs={"until_idle": False, "stop_when": lambda: bool(centre_codes(sessions))})
                for _ in range(2)]
        for thread in both:
            thread.start()
        for thread in both:
            thread.join(WORKER_SECONDS + 20)
        with sessions() as db:
            ticks = db.scalars(select(Centre.code).where(Centre.code.like("TICK%"))).all()
            runs = db.execute(text("SELECT count(*) FROM procrastinate.procrastinate_periodic_defers "
                                   "WHERE task_name = 'test_tick'")).scalar_one()
        assert len(ticks) == 1 and runs in (1, 2)  # 2 only if the minute turned while they ran
    finally:
        del PERIODIC["test_tick"]
