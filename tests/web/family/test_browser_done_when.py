"""Issue 11's "done when", end to end in Chromium on a phone (390×844), with the invitation and the
escalation mail going through a real SMTP server on loopback (aiosmtpd) and the background jobs run at
frozen moments:

1. a parent invited by e-mail makes an account, records a new fever, is told to contact the care team
   today; a clinician sees the alert and acknowledges it; the escalation never fires, however late;
2. an urgent alert nobody acknowledges escalates once the configured time has passed, and only once.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

import pytest
from sqlalchemy import select
from tests.fixtures.jobs import JobRunner
from tests.fixtures.smtp_sink import SmtpSink
from tests.web.axe import assert_accessible
from tests.web.conftest import PASSWORD, Clinic
from tests.web.conftest import sign_in_browser as sign_in_staff
from tests.web.family.conftest import no_sideways_scroll, sign_in_family
from tests.web.family.helpers import family_of

from cnocare.records import writes
from cnocare.records.db import transaction
from cnocare.records.family.models import FamilyAlert
from cnocare.records.kinds import KINDS
from cnocare.records.notices.models import Notice
from cnocare.records.patients.service import create_patient
from cnocare.security.mail import SmtpMailer

pytestmark = pytest.mark.browser
ESCALATE_AFTER = 30  # minutes: the site's choice for this test, not a clinical figure
ON_CALL = "oncall@bristol.example"


def _mailer(sink: SmtpSink) -> SmtpMailer:
    return SmtpMailer(host=sink.host, port=sink.port, security="none", sender="clinic@example.org")


def _jobs(run_jobs: JobRunner, clinic: Clinic, sink: SmtpSink, now: dt.datetime | None = None) -> None:
    run_jobs(clinic.app.state.web.sessions, now=now, mailer=_mailer(sink),
             alert_escalate_after_minutes=ESCALATE_AFTER, escalation_email=ON_CALL)


def _alert(clinic: Clinic, patient: str) -> FamilyAlert:
    with transaction(clinic.app.state.web.sessions) as db:
        alert = db.scalars(select(FamilyAlert).where(FamilyAlert.patient_id == patient)).one()
        db.expunge(alert)
        return alert


def _escalation_notices(clinic: Clinic, patient: str) -> int:
    with transaction(clinic.app.state.web.sessions) as db:
        return len(db.scalars(select(Notice).where(Notice.patient_id == patient,
                                                   Notice.kind == "alert_escalated")).all())


def _to_on_call(sink: SmtpSink) -> list[Any]:
    return [m for m in sink.messages if m["To"] == ON_CALL]


def _staff_page(family_page: Any, base_url: str) -> Any:
    """The clinician at a desk, in a browser of their own (bypass_csp only lets axe inject its script)."""
    context = family_page.context.browser.new_context(base_url=base_url, viewport={"width": 1280, "height": 900},
                                                      bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def test_an_invited_parent_reports_a_new_fever_the_clinician_acknowledges_and_nothing_escalates(
        clinic: Clinic, family_phone: Any, base_url: str, smtp_sink: SmtpSink, run_jobs: JobRunner) -> None:
    name = f"Flora Fever-{uuid.uuid4().hex[:4]}"
    with transaction(clinic.app.state.web.sessions) as db:
        child = str(create_patient(db_session=db, actor="setup", data={
            "centre_id": clinic.centre_id, "name": name, "sex": "female",
            "hospital_number": f"BR-DW-{uuid.uuid4().hex[:8]}", "date_of_birth": dt.date(2015, 6, 1)}).id)
        writes.add(KINDS["medicines"], db_session=db, patient_id=child, actor="setup",
                   data={"drug": "naproxen", "start": dt.date(2026, 1, 5)})
    address = f"flora.parent.{uuid.uuid4().hex[:6]}@home.example"

    staff = _staff_page(family_phone, base_url)
    sign_in_staff(staff)
    staff.goto(f"/patients/{child}/family")
    staff.get_by_label("E-mail address").fill(address)
    staff.get_by_label("A parent or guardian", exact=True).check()
    staff.get_by_role("button", name="Send invitation").click()
    staff.get_by_text(f"Invitation sent to {address}").wait_for()

    _jobs(run_jobs, clinic, smtp_sink)  # the send_mail job, through SMTP
    mail = smtp_sink.wait_for(lambda m: m["To"] == address)
    link = re.search(r"https?://\S+(/invite/\S+)", mail.get_content())
    assert link, mail.get_content()

    parent = family_phone
    parent.goto(link.group(1))
    parent.get_by_label("Your name").fill("Fern Parent")
    parent.get_by_label("User name").fill(f"fern.{uuid.uuid4().hex[:6]}")
    parent.get_by_label(re.compile(r"^Password(?! again)")).fill(PASSWORD)
    parent.get_by_label("Password again").fill(PASSWORD)
    parent.get_by_role("button", name="Make my account").click()
    parent.wait_for_url(f"**/family/{child}?tz=**")
    no_sideways_scroll(parent)

    parent.get_by_role("group", name="Fever today?").get_by_label("Yes").check()
    parent.get_by_label("Temperature, if you measured it").fill("38.6")
    parent.get_by_role("button", name="Save").click()
    parent.wait_for_url("**entry=**")
    told = parent.locator(".diary-contact").inner_text()
    assert "Contact your care team today" in told and "a new fever or chills" in told
    assert_accessible(parent)
    no_sideways_scroll(parent)

    staff.goto("/alerts")
    card = staff.locator(".alert-item", has_text=name)
    assert "38.6" in card.inner_text()
    card.get_by_label("What was done (optional)").fill("rang the family: seen in clinic today")
    card.get_by_role("button", name="Acknowledge").click()
    staff.get_by_text("Alert acknowledged.").wait_for()
    assert "Acknowledged by" in staff.locator(".alert-item", has_text=name).inner_text()

    raised = _alert(clinic, child).raised_at
    for late in (ESCALATE_AFTER + 1, 3 * ESCALATE_AFTER, 24 * 60):
        _jobs(run_jobs, clinic, smtp_sink, now=raised + dt.timedelta(minutes=late))
    assert _alert(clinic, child).escalated_at is None
    assert _escalation_notices(clinic, child) == 0 and _to_on_call(smtp_sink) == []
    staff.context.close()


def test_an_urgent_alert_nobody_acknowledges_escalates_after_the_configured_time_once(
        clinic: Clinic, family_phone: Any, base_url: str, smtp_sink: SmtpSink, run_jobs: JobRunner) -> None:
    patient, parent = family_of(clinic, name=f"Una Unseen-{uuid.uuid4().hex[:4]}")
    page = family_phone
    sign_in_family(page, parent)
    page.wait_for_url("**tz=**")
    page.get_by_label("Unusual bruising or bleeding").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**entry=**")
    assert "Contact your care team today" in page.locator(".diary-contact").inner_text()

    raised = _alert(clinic, patient).raised_at
    _jobs(run_jobs, clinic, smtp_sink, now=raised + dt.timedelta(minutes=ESCALATE_AFTER - 1))
    assert _alert(clinic, patient).escalated_at is None and _to_on_call(smtp_sink) == []

    _jobs(run_jobs, clinic, smtp_sink, now=raised + dt.timedelta(minutes=ESCALATE_AFTER + 1))
    _jobs(run_jobs, clinic, smtp_sink, now=raised + dt.timedelta(minutes=ESCALATE_AFTER + 2))  # the mail job
    escalated = _alert(clinic, patient)
    assert escalated.escalated_at is not None and escalated.acknowledged_at is None
    mail = smtp_sink.wait_for(lambda m: m["To"] == ON_CALL)
    assert "Una" not in mail.get_content(), "the escalation mail never names the child"
    assert _escalation_notices(clinic, patient) >= 1

    staff = _staff_page(page, base_url)
    sign_in_staff(staff)
    staff.goto("/alerts")
    assert "escalated" in staff.locator(".alert-item", has_text="Una Unseen").inner_text()
    staff.goto("/notices")
    assert "has not been acknowledged" in staff.locator("main").inner_text()
    assert_accessible(staff, context="main")

    for later in (2 * ESCALATE_AFTER, 24 * 60):  # once only
        _jobs(run_jobs, clinic, smtp_sink, now=raised + dt.timedelta(minutes=later))
    assert len(_to_on_call(smtp_sink)) == 1
    assert _alert(clinic, patient).escalated_at == escalated.escalated_at
    staff.context.close()
