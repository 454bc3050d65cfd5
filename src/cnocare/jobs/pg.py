"""procrastinate on PostgreSQL: its schema, an app with every cnocare job as a task, and the worker.

procrastinate's tables, types and functions live in the schema ``procrastinate`` of the clinic's database,
apart from the clinic's own tables (which Alembic owns). ``ensure_queue_schema`` creates them, or brings
them up to the installed procrastinate by applying its shipped migrations newer than the version recorded
in ``procrastinate.cnocare_queue_schema``; it does nothing when they are current, and machines starting
together wait for each other on an advisory lock. The web app calls it on start (with ``migrate``), the
worker before it works, and ``cnocare worker --schema-only`` on its own.

Workers on any number of machines take jobs from the same tables (procrastinate locks each job); periodic
jobs are queued once per period whichever worker gets there first.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

import procrastinate
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from cnocare.jobs import catalogue
from cnocare.jobs.execute import run_function
from cnocare.jobs.queue import QUEUE_SCHEMA
from cnocare.jobs.registry import JOBS, PERIODIC, JobSpec, attempts_allowed, retry_delay
from cnocare.records.db import make_engine, normalise_url, session_factory
from cnocare.security.mail import Mailer, default_mailer
from cnocare.security.settings import SecuritySettings

log = logging.getLogger(__name__)
MARK_TABLE = f"{QUEUE_SCHEMA}.cnocare_queue_schema"
SCHEMA_LOCK = 0x636E6F_6A6F6273  # "cno" "jobs": one advisory lock key for every cnocare process


def _sql_files() -> tuple[str, list[tuple[str, str]]]:
    """procrastinate's full schema, and its migrations (name, SQL) in the order they apply."""
    package = resources.files("procrastinate.sql")
    schema = (package / "schema.sql").read_text(encoding="utf-8")
    folder = Path(str(package / "migrations"))
    migrations = sorted((p.stem, p.read_text(encoding="utf-8")) for p in folder.glob("*.sql"))
    return schema, migrations


def installed_version() -> str:
    """The newest migration shipped with the installed procrastinate: the version its full schema matches."""
    return _sql_files()[1][-1][0]


def _run_script(connection: Connection, sql: str) -> None:
    # The scripts name their objects without a schema: create them in procrastinate's own.
    raw = connection.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor:
        cursor.execute(f"SET LOCAL search_path TO {QUEUE_SCHEMA}")
        cursor.execute(sql)  # no parameters: one script of many statements


def ensure_queue_schema(url: str) -> str:
    """Creates or upgrades procrastinate's schema; returns what was done, in words."""
    engine = create_engine(normalise_url(url))
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": SCHEMA_LOCK})
            connection.commit()  # the lock is the session's; each step below is a transaction of its own
            try:
                return _ensure(connection)
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": SCHEMA_LOCK})
                connection.commit()
    finally:
        engine.dispose()


def _ensure(connection: Connection) -> str:
    schema, migrations = _sql_files()
    latest = migrations[-1][0]
    with connection.begin():
        connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {QUEUE_SCHEMA}"))
        connection.execute(text(f"CREATE TABLE IF NOT EXISTS {MARK_TABLE} (version text NOT NULL)"))
        recorded = connection.execute(text(f"SELECT version FROM {MARK_TABLE}")).scalar()
        present = connection.execute(text(f"SELECT to_regclass('{QUEUE_SCHEMA}.procrastinate_jobs')")).scalar()
        if present is None:
            _run_script(connection, schema)
            _pin_search_path(connection)
            _record(connection, latest)
            return f"created the job queue schema (procrastinate {latest})"
        if recorded is None:
            # Made by hand (procrastinate's own CLI) rather than by us: taken to match the installed version.
            _pin_search_path(connection)
            _record(connection, latest)
            return f"found the job queue schema; recorded it as procrastinate {latest}"
    pending = [(name, sql) for name, sql in migrations if name > str(recorded)]
    for name, sql in pending:
        with connection.begin():  # one transaction each: a new enum value must commit before its use
            _run_script(connection, sql)
            _pin_search_path(connection)
            _record(connection, name)
    if not pending:
        return f"the job queue schema is current (procrastinate {recorded})"
    return f"upgraded the job queue schema from {recorded} to {latest} ({len(pending)} migrations)"


def _pin_search_path(connection: Connection) -> None:
    """procrastinate's functions name its tables without a schema. Pinned to their own schema, they find them
    whoever calls: the worker, or a clinic transaction queueing a job (whose search path is the clinic's)."""
    functions = connection.execute(text(
        "SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = :schema"), {"schema": QUEUE_SCHEMA}).scalars().all()
    for signature in functions:
        connection.execute(text(f"ALTER FUNCTION {signature} SET search_path = {QUEUE_SCHEMA}, pg_catalog"))


def _record(connection: Connection, version: str) -> None:
    connection.execute(text(f"DELETE FROM {MARK_TABLE}"))
    connection.execute(text(f"INSERT INTO {MARK_TABLE} (version) VALUES (:v)"), {"v": version})


def _conninfo(url: str) -> str:
    """libpq's form of the SQLAlchemy URL (procrastinate connects with psycopg itself)."""
    parsed = make_url(normalise_url(url)).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


class QueueWorker:
    """The procrastinate app for one database, with every registered cnocare job as a task."""

    def __init__(self, url: str, settings: SecuritySettings, *, mailer: Mailer | None = None) -> None:
        self.url, self.settings, self._mailer = normalise_url(url), settings, mailer
        catalogue.load()

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return session_factory(make_engine(self.url))

    @property
    def mailer(self) -> Mailer:
        return self._mailer or default_mailer(self.settings)

    @cached_property
    def app(self) -> procrastinate.App:
        connector = procrastinate.PsycopgConnector(conninfo=_conninfo(self.url),
                                                   kwargs={"options": f"-c search_path={QUEUE_SCHEMA}"})
        app = procrastinate.App(connector=connector)
        for spec in JOBS.values():
            task = app.task(name=spec.name, pass_context=True, retry=_Retry(attempts_allowed(spec, self.settings),
                                                                           self.settings))(self._task_body(spec))
            schedule = PERIODIC.get(spec.name)
            if schedule is not None:
                app.periodic(cron=schedule.cron, periodic_id=spec.name)(task)
        return app

    def _task_body(self, spec: JobSpec) -> Any:
        periodic = spec.name in PERIODIC

        def body(context: Any, **kwargs: Any) -> None:
            if periodic:
                kwargs.pop("timestamp", None)  # procrastinate's own argument for periodic runs
            with self.sessions() as session:
                run_function(spec, kwargs, db_session=session, settings=self.settings, mailer=self.mailer,
                             now=dt.datetime.now(dt.UTC), attempt=context.job.attempts + 1,
                             job_id=context.job.id)
                session.commit()

        body.__name__ = body.__qualname__ = spec.name
        return body

    def run(self, *, until_idle: bool = False, concurrency: int = 1, name: str | None = None,
            install_signal_handlers: bool = True) -> None:
        """Works until stopped (Ctrl-C, SIGTERM), or with ``until_idle`` until the queue is empty."""
        log.info(ensure_queue_schema(self.url))
        self.app.run_worker(wait=not until_idle, concurrency=concurrency, name=name,
                            delete_jobs="successful", install_signal_handlers=install_signal_handlers)


class _Retry(procrastinate.BaseRetryStrategy):
    """procrastinate's retry decision with the thread backend's waits (``registry.retry_delay``)."""

    def __init__(self, max_attempts: int, settings: SecuritySettings) -> None:
        self.max_attempts, self.settings = max_attempts, settings

    def get_retry_decision(self, *, exception: BaseException, job: Any) -> procrastinate.RetryDecision | None:
        made = job.attempts + 1  # procrastinate counts the earlier tries; this one has just failed
        if made >= self.max_attempts:
            return None
        wait = retry_delay(made, self.settings)
        return procrastinate.RetryDecision(retry_in={"seconds": int(wait.total_seconds())})
