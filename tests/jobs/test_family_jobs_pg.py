"""The same escalation and reminder jobs run by a real procrastinate worker on PostgreSQL, mail to the sink."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from tests.fixtures.smtp_sink import SmtpSink
from tests.jobs.clinic import Clinic, make_clinic, notices
from tests.jobs.test_procrastinate import work

from cnocare.jobs.pg import ensure_queue_schema
from cnocare.jobs.queue import defer
from cnocare.records.db import make_engine, session_factory, transaction, upgrade
from cnocare.records.family import alerts
from cnocare.records.reminders.service import set_schedule
from cnocare.security.settings import get_settings

pytestmark = pytest.mark.postgres


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
    yield session_factory(engine)
    get_settings.cache_clear()


def test_a_real_worker_escalates_and_reminds_and_the_mail_arrives(
        pg_db_url: str, sessions: sessionmaker[Session], smtp_sink: SmtpSink) -> None:
    clinic: Clinic = make_clinic(sessions)
    now = dt.datetime.now(dt.UTC)
    with transaction(sessions) as db:
        alert = alerts.raise_alert(db_session=db, patient_id=clinic.patient_id, level="emergency",
                                   family_reasons=["new weakness"], staff_reasons=["weakness"], actor="parent:pam",
                                   now=now - dt.timedelta(minutes=31))
        # Started two days ago with nothing written since: yesterday's diary is late.
        set_schedule(db_session=db, patient_id=clinic.patient_id, actor="parent:pam",
                     now=now - dt.timedelta(days=2), data={"kind": "diary", "every_hours": 24,
                                                           "time_zone": "Europe/London", "grace_minutes": 60})
        defer("check_escalations", db_session=db)
        defer("check_reminders", db_session=db)
    work(pg_db_url, real_mail=True, alert_escalate_after_minutes=30, escalation_email="duty@site.example",
         **{k: v for k, v in smtp_sink.settings().model_dump().items()
            if k.startswith(("smtp_", "mail_"))})
    with sessions() as db:
        assert alerts.get_alert(db_session=db, alert_id=alert.id).escalated_at is not None
        pending = db.execute(text("SELECT count(*) FROM procrastinate.procrastinate_jobs")).scalar_one()
    assert [n.kind for n in notices(sessions, clinic.clinicians[0])] == ["alert_escalated"]
    assert [n.kind for n in notices(sessions, clinic.parent)] == ["diary_reminder"]
    smtp_sink.wait_for(lambda m: m["To"] == "duty@site.example")
    smtp_sink.wait_for(lambda m: m["To"] == clinic.parent_email)
    assert pending == 0  # both checks and both mails ran and were cleared
