"""API token pages: every person mints and revokes their own tokens under ``/account/tokens``; an
administrator lists and revokes everyone's under ``/admin/tokens`` but can mint only their own (separation
of duties: managing accounts never yields a credential that reads clinical data as someone else).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from cnocare.records.accounts import api_tokens
from cnocare.records.accounts.models import ApiToken
from cnocare.records.accounts.models import User as Account
from cnocare.records.errors import RecordNotFoundError, RecordValidationError
from cnocare.security import policy
from cnocare.web.context import Db
from cnocare.web.forms.fields import FormState
from cnocare.web.ui.deps import CheckedForm, User, form_text
from cnocare.web.ui.render import page, redirect

pages = APIRouter(include_in_schema=False)
ADMIN, MINE = "/admin/tokens", "/account/tokens"


def _page(request: Request, db: Session, user: Any, base: str, state: FormState, *, raw_token: str | None = None,
          created: Any = None, status_code: int = 200) -> HTMLResponse:
    me = user.principal
    query = select(ApiToken).order_by(ApiToken.id.desc())
    if base == MINE:
        query = query.where(ApiToken.user_id == me.user_id)
    accounts = {u.id: u for u in db.scalars(select(Account).order_by(Account.username))}
    # Offer only scopes the role can use: a nurse's export:deidentified token would do nothing.
    usable = [s for s in policy.SCOPES if policy.SCOPE_ACTIONS[s] & policy.ROLE_ACTIONS[me.role]]
    return page(request, "admin/tokens.html", {
        "tokens": list(db.scalars(query)), "accounts": accounts, "state": state, "scopes": usable,
        "raw_token": raw_token, "created": created, "base": base, "mine": base == MINE,
        "now": dt.datetime.now(dt.UTC).replace(tzinfo=None)}, status_code=status_code)


def _create(request: Request, user: Any, db: Session, form: Any, base: str) -> HTMLResponse:
    me = user.principal
    state = FormState(values={"name": form_text(form, "name"), "expires_on": form_text(form, "expires_on")})
    scopes = [str(s) for s in form.getlist("scopes")]
    state.values["scopes"] = scopes
    expires = None
    if state.values["expires_on"]:
        try:
            expires = dt.datetime.combine(dt.date.fromisoformat(state.values["expires_on"]), dt.time())
        except ValueError:
            state.errors["expires_on"] = f"{state.values['expires_on'][:40]!r} is not a date; accepted: YYYY-MM-DD"
    if not scopes:
        state.errors["scopes"] = "choose at least one scope"
    if state.ok:
        owner = db.get(Account, me.user_id)
        assert owner is not None  # the session that names this user exists
        try:
            token, raw = api_tokens.create_api_token(db_session=db, user=owner, by=me, data={
                "name": state.values["name"], "scopes": scopes, "expires_at": expires})
        except RecordValidationError as exc:
            db.rollback()
            for problem in exc.errors:
                field = str(problem["field"]).split(".")[0]
                state.errors.setdefault("expires_on" if field == "expires_at" else field, str(problem["message"]))
        else:
            # The raw token is on this response only, which goes to its owner (the signed-in creator).
            return _page(request, db, user, base, FormState(), raw_token=raw, created=token)
    return _page(request, db, user, base, state, status_code=422)


def _revoke(request: Request, user: Any, db: Session, token_id: int, base: str) -> Response:
    me = user.principal
    token = db.get(ApiToken, token_id)
    if token is None or (base == MINE and token.user_id != me.user_id):
        return redirect(request, base, flash=f"API token {token_id} was not found")
    try:
        token = api_tokens.revoke_api_token(db_session=db, token_id=token_id, by=me)
    except RecordNotFoundError as exc:
        return redirect(request, base, flash=str(exc))
    return redirect(request, base, flash=f"Token {token.token_prefix}… revoked.")


@pages.get(MINE, response_class=HTMLResponse)
def my_tokens(request: Request, user: User, db: Db) -> HTMLResponse:
    return _page(request, db, user, MINE, FormState())


@pages.post(MINE, response_class=HTMLResponse)
def create_my_token(request: Request, user: User, db: Db, form: CheckedForm) -> HTMLResponse:
    return _create(request, user, db, form, MINE)


@pages.post(MINE + "/{token_id}/revoke", response_class=HTMLResponse)
def revoke_my_token(request: Request, token_id: int, user: User, db: Db, form: CheckedForm) -> Response:
    return _revoke(request, user, db, token_id, MINE)


@pages.get(ADMIN, response_class=HTMLResponse)
def tokens(request: Request, user: User, db: Db) -> HTMLResponse:
    policy.require(user.principal, "user:manage")
    return _page(request, db, user, ADMIN, FormState())


@pages.post(ADMIN, response_class=HTMLResponse)
def create_token(request: Request, user: User, db: Db, form: CheckedForm) -> HTMLResponse:
    policy.require(user.principal, "user:manage")
    if form_text(form, "owner") and form_text(form, "owner") != str(user.principal.user_id):
        state = FormState(values={"name": form_text(form, "name")})
        state.errors["owner"] = ("an API token can be created only by the account it acts for: ask its owner to "
                                 "create it on their account page (/account/tokens)")
        return _page(request, db, user, ADMIN, state, status_code=403)
    return _create(request, user, db, form, ADMIN)


@pages.post(ADMIN + "/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(request: Request, token_id: int, user: User, db: Db, form: CheckedForm) -> Response:
    policy.require(user.principal, "user:manage")
    return _revoke(request, user, db, token_id, ADMIN)
