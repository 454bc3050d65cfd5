"""The family's Plan and Messages pages, and the young person's choice of who sees their diary.

Each page finds the child through ``family_child`` (role, then this account's link to the child, audited)
and each records service checks the link again against the database, so a parent whose access the clinic
removed gets "not found" at the next request, whichever way they come.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from cnocare.records.accounts import family_access
from cnocare.records.errors import RecordValidationError
from cnocare.records.family import messages
from cnocare.records.family.plan import day_words, family_plan
from cnocare.security import policy
from cnocare.web.auth import WebUser
from cnocare.web.context import Db
from cnocare.web.forms.fields import FormState
from cnocare.web.services import principal
from cnocare.web.ui.deps import CheckedForm, User, form_text
from cnocare.web.ui.family import family_child
from cnocare.web.ui.family_access import display_name
from cnocare.web.ui.render import page, redirect

router = APIRouter(include_in_schema=False)


@router.get("/family/{patient_id}/plan", response_class=HTMLResponse)
def plan_page(request: Request, patient_id: str, user: User, db: Db) -> HTMLResponse:
    child = family_child(db, user, patient_id, "family:read", part="plan")
    plan = family_plan(db_session=db, principal=principal(user), patient_id=child.id, today=dt.date.today())
    diary = family_access.diary_settings(db_session=db, patient_id=child.id)
    return page(request, "family/plan.html", {
        "child": child, "section": "plan", "plan": plan, "day_words": day_words,
        "may_choose": principal(user).role == "patient" and diary.young_person_may_choose})


def _messages_page(request: Request, db: Session, user: WebUser, patient_id: str, state: FormState,
                   status_code: int = 200) -> HTMLResponse:
    child = family_child(db, user, patient_id, "family:read", part="messages")
    thread = messages.thread(db_session=db, principal=principal(user), patient_id=child.id)
    return page(request, "family/messages.html", {"child": child, "section": "messages", "thread": thread,
                                                  "state": state}, status_code=status_code)


@router.get("/family/{patient_id}/messages", response_class=HTMLResponse)
def messages_page(request: Request, patient_id: str, user: User, db: Db) -> HTMLResponse:
    return _messages_page(request, db, user, patient_id, FormState())


@router.post("/family/{patient_id}/messages", response_class=HTMLResponse)
def reply(request: Request, patient_id: str, user: User, db: Db, form: CheckedForm) -> Response:
    child = family_child(db, user, patient_id, "message:reply", part="messages")
    state = FormState(values={"body": form_text(form, "body")}, labels={"body": "Your reply"})
    try:
        messages.send_message(db_session=db, principal=principal(user), patient_id=child.id,
                              body=state.values["body"], author_name=display_name(db, user))
    except RecordValidationError as exc:
        db.rollback()
        state.errors["body"] = str(exc.errors[0]["message"])
        return _messages_page(request, db, user, patient_id, state, status_code=422)
    db.commit()
    return redirect(request, f"/family/{child.id}/messages", flash="Your reply was sent to the care team.")


@router.get("/family/{patient_id}/privacy", response_class=HTMLResponse)
def privacy_page(request: Request, patient_id: str, user: User, db: Db) -> HTMLResponse:
    child = family_child(db, user, patient_id, "diary:write", part="diary privacy")
    diary = family_access.diary_settings(db_session=db, patient_id=child.id)
    may_choose = principal(user).role == "patient" and diary.young_person_may_choose
    return page(request, "family/privacy.html", {"child": child, "section": "plan", "diary": diary,
                                                 "may_choose": may_choose})


@router.post("/family/{patient_id}/privacy", response_class=HTMLResponse)
def choose_privacy(request: Request, patient_id: str, user: User, db: Db, form: CheckedForm) -> Response:
    child = family_child(db, user, patient_id, "diary:write", part="diary privacy")
    shown = form_text(form, "parents_see_diary") == "yes"
    try:
        family_access.young_person_sets_parent_view(db_session=db, principal=principal(user), patient_id=child.id,
                                                    parents_see_diary=shown)
    except policy.Forbidden as refused:  # the clinic's policy, not a missing right: said on the page
        return redirect(request, f"/family/{child.id}/privacy", flash=f"Nothing was changed: {refused}.")
    db.commit()
    return redirect(request, f"/family/{child.id}/privacy",
                    flash="Saved: your parents can see your diary." if shown else
                    "Saved: your diary is now just for you and your care team.")
