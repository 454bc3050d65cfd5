"""Unacknowledged urgent alerts escalate once, after the site's time; acknowledged ones never do.
On SQLite and PostgreSQL with the thread backend (run_pending, frozen time); procrastinate: test_family_jobs_pg."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from sqlalchemy.orm import Session, sessionmaker
from tests.fixtures.smtp_sink import SmtpSink
from tests.jobs.clinic import Clinic, audit_details, make_clinic, notices

from cnocare.jobs.thread import run_pending
from cnocare.records.db import transaction
from cnocare.records.family import alerts
from cnocare.security.mail import default_mailer

T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def clinic(sessions: sessionmaker[Session]) -> Clinic:
    return make_clinic(sessions)


def raise_alert(sessions: sessionmaker[Session], clinic: Clinic, level: str = "contact_team") -> int:
    with transaction(sessions) as db:
        return alerts.raise_alert(db_session=db, patient_id=clinic.patient_id, level=level,
                                  family_reasons=["new fever"], staff_reasons=["temperature 38.6 °C"],
                                  actor="parent:pam", now=T0).id


def run(sessions: sessionmaker[Session], sink: SmtpSink, clinic: Clinic, now: dt.datetime,
        address: bool = True) -> list[str]:
    settings = sink.settings(jobs_backend="thread", alert_escalate_after_minutes=30,
                             escalation_emails={clinic.code: "oncall@bristol.example"} if address else {})
    with time_machine.travel(now, tick=False):
        return [f"{o.name}:{o.status}" for o in run_pending(sessions, now=now, settings=settings,
                                                            mailer=default_mailer(settings))]


def test_an_unacknowledged_alert_escalates_once_after_the_site_time(
        sessions: sessionmaker[Session], smtp_sink: SmtpSink, clinic: Clinic) -> None:
    alert_id = raise_alert(sessions, clinic)
    run(sessions, smtp_sink, clinic, T0 + 29 * MINUTE)
    assert notices(sessions, clinic.clinicians[0]) == [] and smtp_sink.messages == []
    ran = run(sessions, smtp_sink, clinic, T0 + 30 * MINUTE)
    assert "check_escalations:done" in ran and "send_mail:done" in ran
    with sessions() as db:
        assert alerts.get_alert(db_session=db, alert_id=alert_id).escalated_at == T0 + 30 * MINUTE
    for clinician in clinic.clinicians:
        [notice] = notices(sessions, clinician)
        assert notice.kind == "alert_escalated" and notice.link == "/alerts"
        assert notice.text.startswith("Kit Marlowe: urgent diary alert (contact the care team today)")
    assert notices(sessions, clinic.other_clinician) == [] and notices(sessions, clinic.nurse) == []
    mail = smtp_sink.wait_for(lambda m: m["To"] == "oncall@bristol.example")
    assert mail["Subject"] == "Unacknowledged urgent alert at Bristol Children's"
    assert "not been acknowledged after 30 minutes" in mail.get_content()
    assert "Kit" not in mail.get_content() and "38.6" not in mail.get_content()  # no patient in e-mail
    [detail] = audit_details(sessions, "family_alert", clinic.patient_id)
    assert "escalated: not acknowledged within 30 minutes" in detail and "notices to 2 clinicians" in detail
    run(sessions, smtp_sink, clinic, T0 + 31 * MINUTE)
    run(sessions, smtp_sink, clinic, T0 + 3 * 60 * MINUTE)
    assert len(notices(sessions, clinic.clinicians[0])) == 1 and len(smtp_sink.messages) == 1


def test_an_acknowledged_alert_never_escalates(sessions: sessionmaker[Session], smtp_sink: SmtpSink,
                                                clinic: Clinic) -> None:
    alert_id = raise_alert(sessions, clinic, level="emergency")
    with transaction(sessions) as db:
        alerts.acknowledge_alert(db_session=db, alert_id=alert_id, actor="ada", note="phoned the family",
                                 now=T0 + 10 * MINUTE)
    run(sessions, smtp_sink, clinic, T0 + 24 * 60 * MINUTE)
    with sessions() as db:
        assert alerts.get_alert(db_session=db, alert_id=alert_id).escalated_at is None
    assert notices(sessions, clinic.clinicians[0]) == [] and smtp_sink.messages == []


def test_racing_workers_escalate_an_alert_once(sessions: sessionmaker[Session], smtp_sink: SmtpSink,
                                               clinic: Clinic) -> None:
    raise_alert(sessions, clinic, level="emergency")
    settings = smtp_sink.settings(jobs_backend="thread", alert_escalate_after_minutes=30,
                                  escalation_email="duty@site.example")
    start = threading.Barrier(3)

    def worker() -> None:
        start.wait()
        run_pending(sessions, now=T0 + 45 * MINUTE, settings=settings, mailer=default_mailer(settings))

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(notices(sessions, clinic.clinicians[1])) == 1
    smtp_sink.wait_for(lambda m: m["To"] == "duty@site.example")
    assert len(smtp_sink.messages) == 1


def test_without_an_escalation_address_the_clinicians_are_still_told(
        sessions: sessionmaker[Session], smtp_sink: SmtpSink, clinic: Clinic) -> None:
    raise_alert(sessions, clinic)
    run(sessions, smtp_sink, clinic, T0 + 30 * MINUTE, address=False)
    assert len(notices(sessions, clinic.clinicians[0])) == 1 and smtp_sink.messages == []
    details = audit_details(sessions, "family_alert", clinic.patient_id)
    assert any("no escalation address set, no mail" in d for d in details)
