"""The care team's side of the family pages, reached from the patient page: invitations (send, withdraw),
the family accounts that may open the child's pages (remove access, with a reason), who keeps the diary,
and the messages to the family.

A page of its own rather than a section of the cached patient page: invitations and links change without
a new version of the clinical record, so the cached page would show them stale.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from cnocare.jobs.mail import QueuedMailer
from cnocare.records.accounts import family_access, invitations
from cnocare.records.accounts.service import get_user
from cnocare.records.errors import RecordValidationError
from cnocare.records.family import diary, messages
from cnocare.records.reminders.service import clinic_summary
from cnocare.security.settings import get_settings
from cnocare.web.auth import WebUser
from cnocare.web.context import Db
from cnocare.web.forms.fields import FormState
from cnocare.web.services import principal, visible_patient
from cnocare.web.ui.account import public_url
from cnocare.web.ui.deps import CheckedForm, User, form_text
from cnocare.web.ui.render import page, redirect

router = APIRouter(include_in_schema=False)

RELATIONSHIP_CHOICES = (("parent", "A parent or guardian"), ("young_person", "The young person themself"))
POLICY_WORDS = {
    "care_team": "This clinic's policy: the care team decides whether parents see a young person's own diary.",
    "young_person": "This clinic's policy: a young person who keeps their own diary decides whether parents "
                    "see it (they start from what you set here).",
    "per_patient": "This clinic's policy: for each young person, the care team decides whether they may "
                   "choose what parents see.",
}


def display_name(db: Session, user: WebUser) -> str:
    """The writer's name as the family reads it (never the user name)."""
    return get_user(db_session=db, user_id=principal(user).user_id).display_name


def reminders_summary(db: Session, patient_id: str, now: dt.datetime | None = None) -> list[str]:
    """The clinic's view of the family's reminders: counts over the last 14 days, never the diary itself.
    Shown here rather than on the patient page, whose rendered page is cached until a record is written:
    a day going missed is a change of time, not a write, and would not show there."""
    moment = now or dt.datetime.now(dt.UTC)
    summary = next(iter(clinic_summary(db_session=db, patient_ids=[patient_id], now=moment)), None)
    entries = diary.entries(db_session=db, patient_id=patient_id)
    today = diary.today_in(moment, str(entries[0].time_zone)) if entries else moment.date()  # the family's day
    filled = sum(1 for e in entries if today - dt.timedelta(days=13) <= e.day <= today)
    lines = [f"Diary: {filled} of the last 14 days filled in; " + ("reminders on" if summary else "no reminders set")]
    if summary is not None:
        lines += [f"{label}: {count} missed in the last 14 days" for label, count in summary.missed_in_window.items()]
        if summary.late:
            lines.append("Late now: " + ", ".join(summary.late))
    return lines


def _page(request: Request, db: Session, user: WebUser, patient_id: str, *, invite: FormState | None = None,
          remove: FormState | None = None, status_code: int = 200) -> HTMLResponse:
    patient = visible_patient(db, user, patient_id, "family:manage", part="family access")
    settings = get_settings()
    return page(request, "patients/family_access.html", {
        "patient": patient, "invite": invite or FormState(values={"relationship": "parent"}),
        "remove": remove or FormState(), "relationships": RELATIONSHIP_CHOICES,
        "pending": invitations.pending_invitations(db_session=db, patient_id=patient.id),
        "accounts": family_access.family_accounts(db_session=db, patient_id=patient.id),
        "diary": family_access.diary_settings(db_session=db, patient_id=patient.id),
        "reminders": reminders_summary(db, patient.id),
        "policy": settings.family_diary_choice, "policy_words": POLICY_WORDS[settings.family_diary_choice],
        "days": settings.family_invitation_days}, status_code=status_code)


@router.get("/patients/{patient_id}/family", response_class=HTMLResponse)
def family_access_page(request: Request, patient_id: str, user: User, db: Db) -> HTMLResponse:
    return _page(request, db, user, patient_id)


def _problems(exc: RecordValidationError, state: FormState) -> FormState:
    for problem in exc.errors:
        state.errors[str(problem["field"])] = str(problem["message"])
    return state


@router.post("/patients/{patient_id}/family/invite", response_class=HTMLResponse)
def send_invitation(request: Request, patient_id: str, user: User, db: Db, form: CheckedForm) -> Response:
    patient = visible_patient(db, user, patient_id, "family:manage", part="family access")
    state = FormState(values={n: form_text(form, n) for n in ("email", "relationship")},
                      labels={"email": "E-mail address", "relationship": "Who is invited"})
    try:
        invitation, token = invitations.invite(db_session=db, principal=principal(user), patient_id=patient.id,
                                               email=state.values["email"],
                                               relationship=state.values["relationship"])
    except RecordValidationError as exc:
        db.rollback()
        return _page(request, db, user, patient_id, invite=_problems(exc, state), status_code=422)
    # A send_mail job queued in this transaction: an invitation that rolls back sends nothing, and a mail
    # server that is down delays the message instead of losing it.
    QueuedMailer(db).send(invitations.invitation_mail(invitation=invitation, token=token,
                                                     invite_url=f"{public_url(request)}/invite"))
    db.commit()
    return redirect(request, f"/patients/{patient.id}/family",
                    flash=f"Invitation sent to {invitation.email}. The link works once, until "
                          f"{invitation.expires_at:%d %B %Y}.")


@router.post("/patients/{patient_id}/family/invitations/{invitation_id}/revoke", response_class=HTMLResponse)
def withdraw_invitation(request: Request, patient_id: str, invitation_id: int, user: User, db: Db,
                        form: CheckedForm) -> Response:
    patient = visible_patient(db, user, patient_id, "family:manage", part="family access")
    done = invitations.revoke_invitation(db_session=db, principal=principal(user), patient_id=patient.id,
                                         invitation_id=invitation_id)
    db.commit()
    return redirect(request, f"/patients/{patient.id}/family",
                    flash="Invitation withdrawn: the link no longer works." if done else
                    "That invitation was already used or withdrawn.")


@router.post("/patients/{patient_id}/family/accounts/{user_id}/remove", response_class=HTMLResponse)
def remove_family_access(request: Request, patient_id: str, user_id: int, user: User, db: Db,
                         form: CheckedForm) -> Response:
    patient = visible_patient(db, user, patient_id, "family:manage", part="family access")
    state = FormState(values={"reason": form_text(form, "reason"), "account": str(user_id)},
                      labels={"reason": "Why access ends"})
    try:
        done = family_access.remove_access(db_session=db, principal=principal(user), patient_id=patient.id,
                                           user_id=user_id, reason=state.values["reason"])
    except RecordValidationError as exc:
        db.rollback()
        return _page(request, db, user, patient_id, remove=_problems(exc, state), status_code=422)
    db.commit()
    return redirect(request, f"/patients/{patient.id}/family",
                    flash="Access removed: that account can no longer open this patient's family pages." if done
                    else "That account had no access to this patient's family pages.")


@router.post("/patients/{patient_id}/family/diary", response_class=HTMLResponse)
def set_diary_keeper(request: Request, patient_id: str, user: User, db: Db, form: CheckedForm) -> Response:
    patient = visible_patient(db, user, patient_id, "family:manage", part="family access")
    try:
        family_access.set_diary_settings(db_session=db, principal=principal(user), patient_id=patient.id,
                                         keeper=form_text(form, "keeper"),
                                         parents_see_diary=form_text(form, "parents_see_diary") == "yes",
                                         young_person_decides=form_text(form, "young_person_decides") == "yes")
    except RecordValidationError as exc:
        db.rollback()
        return redirect(request, f"/patients/{patient.id}/family",
                        flash=f"Nothing was changed: {exc.errors[0]['message']}")
    db.commit()
    return redirect(request, f"/patients/{patient.id}/family", flash="Diary settings saved.")


def _messages_page(request: Request, db: Session, user: WebUser, patient_id: str, state: FormState,
                   status_code: int = 200) -> HTMLResponse:
    patient = visible_patient(db, user, patient_id, "message:write", part="family messages")
    thread: list[Any] = messages.thread(db_session=db, principal=principal(user), patient_id=patient.id)
    return page(request, "patients/family_messages.html", {"patient": patient, "thread": thread, "state": state},
                status_code=status_code)


@router.get("/patients/{patient_id}/family/messages", response_class=HTMLResponse)
def care_team_messages(request: Request, patient_id: str, user: User, db: Db) -> HTMLResponse:
    return _messages_page(request, db, user, patient_id, FormState())


@router.post("/patients/{patient_id}/family/messages", response_class=HTMLResponse)
def write_to_family(request: Request, patient_id: str, user: User, db: Db, form: CheckedForm) -> Response:
    patient = visible_patient(db, user, patient_id, "message:write", part="family messages")
    state = FormState(values={"body": form_text(form, "body")}, labels={"body": "Message"})
    try:
        messages.send_message(db_session=db, principal=principal(user), patient_id=patient.id,
                              body=state.values["body"], author_name=display_name(db, user))
    except RecordValidationError as exc:
        db.rollback()
        return _messages_page(request, db, user, patient_id, _problems(exc, state), status_code=422)
    db.commit()
    return redirect(request, f"/patients/{patient.id}/family/messages", flash="Message sent to the family.")
