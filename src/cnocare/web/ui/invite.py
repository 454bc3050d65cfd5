"""The link in the invitation e-mail: make the family account, or add the child to the family account
already signed in. A used, expired or withdrawn link says so in plain words (and makes nothing)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from cnocare.records.accounts.invitations import (
    RELATIONSHIP_WORDS,
    InvitationUnusable,
    OpenInvitation,
    accept_into_account,
    accept_with_new_account,
    check_invitation,
    refusal_for,
)
from cnocare.records.errors import RecordValidationError
from cnocare.web import sessions as web_sessions
from cnocare.web.audit import note_read
from cnocare.web.auth import caller
from cnocare.web.context import Db
from cnocare.web.forms.fields import FormState
from cnocare.web.ui.deps import CheckedForm, form_text
from cnocare.web.ui.render import page, redirect

router = APIRouter(include_in_schema=False)
FIELDS = ("display_name", "username")
LABELS = {"display_name": "Your name", "username": "User name", "password": "Password",
          "password_again": "Password again"}


def _show(request: Request, token: str, *, invitation: OpenInvitation | None = None, problem: str | None = None,
          state: FormState | None = None, status_code: int = 200) -> HTMLResponse:
    who = caller(request)
    if who is not None and invitation is not None and problem is None:
        problem = refusal_for(who.principal, invitation)  # said before the person tries, not after
    return page(request, "family/invite.html", {
        "token": token, "invitation": invitation, "problem": problem, "state": state or FormState(labels=LABELS),
        "mode": "create" if who is None else "add", "child": None, "principal": who,
        "relationship_words": RELATIONSHIP_WORDS[invitation.relationship] if invitation else ""},
        status_code=status_code)


def _open(request: Request, db: Session, token: str) -> OpenInvitation | HTMLResponse:
    try:
        return check_invitation(db_session=db, token=token)
    except InvitationUnusable as exc:
        return _show(request, token, problem=str(exc), status_code=410)


@router.get("/invite/{token}", response_class=HTMLResponse)
def invitation_page(request: Request, token: str, db: Db) -> HTMLResponse:
    opened = _open(request, db, token)
    if isinstance(opened, HTMLResponse):
        return opened
    note_read(opened.patient_id, action="patient:read", part="invitation: name")  # the page names the child
    return _show(request, token, invitation=opened)


@router.post("/invite/{token}", response_class=HTMLResponse)
def accept_invitation(request: Request, token: str, db: Db, form: CheckedForm) -> Response:
    opened = _open(request, db, token)
    if isinstance(opened, HTMLResponse):
        return opened
    who = caller(request)
    try:
        if who is not None:
            patient_id = accept_into_account(db_session=db, token=token, principal=who.principal)
            return redirect(request, f"/family/{patient_id}",
                            flash=f"{opened.patient_name} is now on your account.")
        return _create(request, db, token, opened, form)
    except InvitationUnusable as exc:
        return _show(request, token, problem=str(exc), status_code=410)


def _create(request: Request, db: Session, token: str, opened: OpenInvitation, form: CheckedForm) -> Response:
    state = FormState(values={n: form_text(form, n) for n in FIELDS}, labels=LABELS)
    password, again = str(form.get("password") or ""), str(form.get("password_again") or "")
    if not state.values["display_name"]:
        state.errors["display_name"] = "enter your name, as your care team will see it"
    if not password:
        state.errors["password"] = "choose a password"
    elif password != again:
        state.errors["password_again"] = "the two passwords differ; type the same password twice"
    if state.ok:
        try:
            user, patient_id = accept_with_new_account(db_session=db, token=token, password=password,
                                                       username=state.values["username"],
                                                       display_name=state.values["display_name"])
        except RecordValidationError as exc:
            for problem in exc.errors:
                name = str(problem["field"])
                state.errors[name if name in LABELS else "username"] = str(problem["message"])
        else:
            response = redirect(request, f"/family/{patient_id}",
                                flash=f"Welcome, {user.display_name}. Your account is ready.")
            web_sessions.start_session(request, response, db_session=db, user=user)
            return response
    return _show(request, token, invitation=opened, state=state, status_code=422)
