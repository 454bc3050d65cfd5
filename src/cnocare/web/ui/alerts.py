"""The care team's alert queue (/alerts): what families' diary entries raised at the staff member's
centres, emergencies first, with who acknowledged each, when and what they noted. Clinicians and nurses."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from cnocare.records.family import queue
from cnocare.records.family.alerts import acknowledge_alert
from cnocare.records.family.schemas import AlertRead
from cnocare.records.patients.schemas import PatientRead
from cnocare.security import policy
from cnocare.web.auth import caller
from cnocare.web.context import Db
from cnocare.web.services import principal
from cnocare.web.ui.deps import CheckedForm, User, form_text
from cnocare.web.ui.navigation import ALERT_ACTION, handles_alerts, nav_counts
from cnocare.web.ui.render import page, redirect

router = APIRouter(include_in_schema=False)
RECENT = dt.timedelta(days=7)  # how long an acknowledged alert stays in the queue's second list


def patient_alerts(request: Request, db: Session, patient: PatientRead) -> list[AlertRead]:
    """The patient's open alerts for the clinician patient page (none for a viewer who does not handle
    alerts). None open at the viewer's centres and the patient at one of them: none to look for."""
    user = caller(request)
    me = user.principal if user is not None else None
    if me is None or not handles_alerts(me):
        return []
    if nav_counts(request, user).alerts == 0 and patient.centre_id in me.centre_ids:
        return []
    return queue.open_for_patient(db_session=db, patient_id=patient.id)


@router.get("/alerts", response_class=HTMLResponse)
def alert_queue_page(request: Request, user: User, db: Db) -> Response:
    me = principal(user)
    policy.require(me, ALERT_ACTION)
    since = dt.datetime.now(dt.UTC) - RECENT
    alerts = queue.centre_queue(db_session=db, centre_ids=me.centre_ids, acknowledged_since=since)
    return page(request, "alerts.html", {
        "open": [a for a in alerts if a.alert.acknowledged_at is None],
        "done": [a for a in alerts if a.alert.acknowledged_at is not None], "recent_days": RECENT.days})


@router.post("/alerts/{alert_id}/acknowledge", response_class=HTMLResponse)
def acknowledge(request: Request, user: User, db: Db, alert_id: int, form: CheckedForm) -> Response:
    me = principal(user)
    policy.require(me, ALERT_ACTION)
    centre = queue.alert_centre(db_session=db, alert_id=alert_id)
    if centre is None or centre not in me.centre_ids:
        raise policy.NotFound("alert not found")
    done = acknowledge_alert(db_session=db, alert_id=alert_id, actor=me.actor, note=form_text(form, "note")[:2000])
    db.commit()
    names = queue.display_names(db_session=db, usernames=[done.acknowledged_by])
    who = names.get(done.acknowledged_by or "", done.acknowledged_by)
    message = "Alert acknowledged." if done.acknowledged_by == me.actor else \
        f"{who} had already acknowledged this alert; their acknowledgement stands."
    return redirect(request, "/alerts", flash=message)
