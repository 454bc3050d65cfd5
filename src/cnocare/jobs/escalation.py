"""Escalation of urgent family alerts that no one acknowledged in time (every minute).

An alert of level ``contact_team`` or ``emergency`` still unacknowledged ``alert_escalate_after_minutes``
after it was raised is marked escalated by one UPDATE that only matches alerts not yet escalated, so it
escalates once however many workers run; an acknowledged alert never matches. Each escalation adds a
notice for every clinician of the child's centre, queues a mail to the centre's escalation address
(``escalation_emails`` / ``escalation_email``) and is written to the audit trail, all in one transaction.
The mail names the centre and the level, not the child: it may travel outside the hospital's systems.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import update

from cnocare.jobs.context import JobContext
from cnocare.jobs.mail import mail_kwargs
from cnocare.jobs.registry import job, periodic
from cnocare.records.accounts.recipients import centre_clinicians
from cnocare.records.audit.service import record_event
from cnocare.records.centres.models import Centre
from cnocare.records.family.models import FamilyAlert
from cnocare.records.notices.service import add_notice
from cnocare.records.patients.models import PatientRecord

log = logging.getLogger(__name__)
LEVEL_WORDS = {"emergency": "emergency", "contact_team": "contact the care team today"}


@job("check_escalations")
def check_escalations(ctx: JobContext) -> None:
    minutes = ctx.settings.alert_escalate_after_minutes
    overdue = ctx.now_naive - dt.timedelta(minutes=minutes)
    escalated = ctx.db_session.execute(
        update(FamilyAlert)
        .where(FamilyAlert.acknowledged_at.is_(None), FamilyAlert.escalated_at.is_(None),
               FamilyAlert.raised_at <= overdue)
        .values(escalated_at=ctx.now_naive)
        .returning(FamilyAlert.id, FamilyAlert.patient_id, FamilyAlert.level, FamilyAlert.raised_at)
        .execution_options(synchronize_session=False)).all()
    for alert_id, patient_id, level, raised_at in escalated:
        _escalate(ctx, alert_id, patient_id, level, raised_at, minutes)


def _escalate(ctx: JobContext, alert_id: int, patient_id: str, level: str, raised_at: dt.datetime,
              minutes: int) -> None:
    db = ctx.db_session
    patient = db.get(PatientRecord, patient_id)
    assert patient is not None
    centre = db.get(Centre, patient.centre_id)
    assert centre is not None
    words = LEVEL_WORDS.get(level, level)
    raised = f"{raised_at:%d %b %Y %H:%M} UTC"
    clinicians = centre_clinicians(db, centre.id)
    for clinician in clinicians:
        add_notice(db_session=db, now=ctx.now, data={
            "user_id": clinician.id, "patient_id": patient_id, "kind": "alert_escalated",
            "text": f"{patient.name}: urgent diary alert ({words}) raised {raised} has not been acknowledged "
                    f"after {minutes} minutes.",
            "link": "/alerts"})
    address = ctx.settings.escalation_address(centre.code)
    if address:
        where = f" at {ctx.settings.public_url.rstrip('/')}" if ctx.settings.public_url else ""
        ctx.defer("send_mail", **mail_kwargs(
            address, f"Unacknowledged urgent alert at {centre.name}",
            f"An urgent family diary alert ({words}) raised {raised} for a patient of {centre.name} has not "
            f"been acknowledged after {minutes} minutes.\n\nSign in to {ctx.settings.site_name}{where} to see "
            f"it and acknowledge it. (The patient is not named in e-mail.)\n"))
    else:
        log.warning("alert %s escalated with no escalation address for centre %s (set CNOCARE_ESCALATION_EMAIL)",
                    alert_id, centre.code)
    told = f"notices to {len(clinicians)} clinicians; " + (
        "mail to the centre's escalation address" if address else "no escalation address set, no mail")
    record_event(db_session=db, action="update", username="job check_escalations", record_type="family_alert",
                 record_id=alert_id, patient_id=patient_id, fields=["escalated_at"],
                 detail=f"escalated: not acknowledged within {minutes} minutes ({level}); {told}")


periodic("check_escalations", every_minutes=1)
