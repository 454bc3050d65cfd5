"""The web app starts the worker thread on SQLite only when the settings ask (never by default in tests),
stops it on shutdown, and on PostgreSQL prepares procrastinate's schema instead."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.web.conftest import fast_security_env

from cnocare.jobs.backend import backend_for
from cnocare.records.db import make_engine
from cnocare.security.settings import SecuritySettings
from cnocare.web.app import create_app


def test_the_app_runs_the_worker_thread_only_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast_security_env(monkeypatch, tmp_path)
    url = f"sqlite:///{tmp_path / 'app.sqlite3'}"
    with TestClient(create_app(SecuritySettings(database_url=url))) as client:
        assert client.app.state.job_worker is None  # type: ignore[attr-defined]  # tests/conftest.py turns it off
    app = create_app(SecuritySettings(database_url=url, jobs_worker_thread=True))
    with TestClient(app):
        worker = app.state.job_worker
        assert worker is not None and worker.running
    assert not worker.running


@pytest.mark.postgres
def test_on_postgresql_the_app_prepares_procrastinate_and_runs_no_thread(
        pg_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fast_security_env(monkeypatch, tmp_path)
    settings = SecuritySettings(database_url=pg_db_url, jobs_worker_thread=True)
    assert backend_for(pg_db_url, settings) == "procrastinate"
    app = create_app(settings)
    with TestClient(app):
        assert app.state.job_worker is None
    engine = make_engine(pg_db_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT to_regclass('procrastinate.procrastinate_jobs')")).scalar()
    finally:
        engine.dispose()


def test_procrastinate_on_sqlite_is_refused_in_words() -> None:
    with pytest.raises(ValueError, match="CNOCARE_JOBS_BACKEND=procrastinate needs PostgreSQL"):
        backend_for("sqlite:///x.sqlite3", SecuritySettings(jobs_backend="procrastinate"))


def test_the_worker_command_runs_what_is_due_and_prepares_nothing_more_on_sqlite(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from cnocare.cli import app

    monkeypatch.setenv("CNOCARE_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.sqlite3'}")
    monkeypatch.setenv("CNOCARE_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    schema = runner.invoke(app, ["worker", "--schema-only"])
    assert schema.exit_code == 0 and "comes with the database migrations" in schema.output
    once = runner.invoke(app, ["worker", "--until-idle"])
    assert once.exit_code == 0, once.output
    assert "2 jobs run, 0 to be tried again or failed." in once.output  # this minute's two checks
    monkeypatch.setenv("CNOCARE_JOBS_BACKEND", "procrastinate")
    refused = runner.invoke(app, ["worker", "--until-idle"])
    assert refused.exit_code == 2 and "needs PostgreSQL" in refused.output
