"""Diary and medicine reminders (every minute): when a child's schedule has gone late for a due time the
family has not yet been reminded of, each family account gets a notice and a mail, once per due time
(``claim_reminder`` moves the schedule's ``last_reminded_due`` in the same transaction)."""

from __future__ import annotations

import datetime as dt

from cnocare.jobs.context import JobContext
from cnocare.jobs.mail import mail_kwargs
from cnocare.jobs.registry import job, periodic
from cnocare.records.accounts.recipients import family_of
from cnocare.records.clock import as_aware_utc
from cnocare.records.notices.service import add_notice
from cnocare.records.patients.models import PatientRecord
from cnocare.records.reminders.service import ReminderState, active_schedules, claim_reminder, state_of

# Only the periods of the last two days are looked at: a reminder about last week helps no one.
LOOK_BACK = dt.timedelta(days=2)


@job("check_reminders")
def check_reminders(ctx: JobContext) -> None:
    for row in active_schedules(db_session=ctx.db_session):
        state = state_of(ctx.db_session, row, now=ctx.now, window=LOOK_BACK)
        if not state.missed:
            continue
        due = state.missed[-1]
        if row.last_reminded_due is not None and as_aware_utc(row.last_reminded_due) >= due:
            continue
        if claim_reminder(ctx.db_session, row, due):
            _remind(ctx, state, due)


def _remind(ctx: JobContext, state: ReminderState, due: dt.datetime) -> None:
    schedule = state.schedule
    patient = ctx.db_session.get(PatientRecord, schedule.patient_id)
    if patient is None or patient.voided_at is not None:
        return
    local_day = state.missed_days[-1] if state.missed_days else due.date()
    day = f"{local_day:%A %d %B}"
    if schedule.kind == "diary":
        kind, subject = "diary_reminder", f"Diary reminder for {patient.name}"
        text = f"{patient.name}'s diary for {day} has not been filled in yet."
    else:
        kind, subject = "medicine_reminder", f"Medicine reminder for {patient.name}"
        text = f"Has {patient.name} had {state.label}? The diary for {day} does not say so yet."
    link = f"/family/{schedule.patient_id}"
    where = f" ({ctx.settings.public_url.rstrip('/')}{link})" if ctx.settings.public_url else ""
    for member in family_of(ctx.db_session, schedule.patient_id):
        add_notice(db_session=ctx.db_session, now=ctx.now, data={
            "user_id": member.id, "patient_id": schedule.patient_id, "kind": kind, "text": text, "link": link})
        if member.email:
            ctx.defer("send_mail", **mail_kwargs(
                member.email, subject,
                f"{text}\n\nOpen {ctx.settings.site_name}{where} to fill it in. If anything worries you, contact "
                f"your care team.\n"))


periodic("check_reminders", every_minutes=1)
