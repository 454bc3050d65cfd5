"""Pages every person has for their own account: change password, reset a forgotten one, two-factor.

An account with a one-time password (new, or reset by an administrator) can do nothing but replace it:
``ForcePasswordChangeMiddleware`` sends every page request to ``/account/password`` until it is changed.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from cnocare.jobs.mail import QueuedMailer
from cnocare.records.accounts import login as accounts_login
from cnocare.records.accounts.models import User as Account
from cnocare.records.accounts.reset import InvalidResetToken, check_reset_token, request_password_reset, reset_password
from cnocare.records.accounts.service import change_password
from cnocare.records.errors import RecordValidationError
from cnocare.security.passwords import verify_password
from cnocare.security.settings import get_settings
from cnocare.security.totp import provisioning_uri
from cnocare.web import sessions as web_sessions
from cnocare.web.auth import WebUser, caller_off_the_loop
from cnocare.web.context import Db
from cnocare.web.forms.fields import FormState
from cnocare.web.ui.deps import CheckedForm, User, form_text
from cnocare.web.ui.render import page, redirect

pages = APIRouter(include_in_schema=False)

RESET_SENT = ("If an active account matches, a message with a reset link is on its way. The link works once "
              "and expires; check the address your clinic has on file.")
HOMES = {"admin": "/admin/users", "researcher": "/research", "patient": "/family", "parent": "/family"}
# Paths an account that must change its password may still use.
OPEN_WHILE_FORCED = ("/account/password", "/logout", "/login", "/password-reset", "/static/", "/healthz")


def home_for(role: str) -> str:
    return HOMES.get(role, "/patients")


def _safe_next(url: str | None, role: str) -> str:
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url and url != "/patients":
        return url
    return home_for(role)


def _account(db: Any, user: WebUser) -> Account:
    account: Account | None = db.get(Account, user.principal.user_id)
    assert account is not None  # the session or token that named this user exists
    return account


DEV_PUBLIC_URL = "http://127.0.0.1:8000"  # `cnocare serve`'s own default address


def public_url(request: Request | None = None) -> str:
    """Where links in e-mail point: always CNOCARE_PUBLIC_URL, never the request's Host header (a forged
    header would steer reset links, and their tokens, to another site). Without one in development: the
    loopback address the server listens on by default. ``request`` is accepted and ignored on purpose."""
    settings = get_settings()
    configured = (settings.public_url or "").strip().rstrip("/")
    if configured:
        return configured
    if settings.environment == "production":
        raise RuntimeError("CNOCARE_PUBLIC_URL must be set in production (password-reset links)")
    return DEV_PUBLIC_URL


# --- change password ------------------------------------------------------------------------------

@pages.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, user: User, next: str | None = None) -> HTMLResponse:
    return _password_page(request, user, FormState(values={"next": next or ""}))


def _password_page(request: Request, user: WebUser, state: FormState, status_code: int = 200) -> HTMLResponse:
    return page(request, "account/password.html", {"state": state, "forced": user.principal.must_change_password},
                status_code=status_code)


@pages.post("/account/password", response_class=HTMLResponse)
def change_own_password(request: Request, user: User, db: Db, form: CheckedForm) -> Response:
    state = FormState(values={"next": form_text(form, "next")})
    current, new, again = (str(form.get(n) or "") for n in ("current_password", "new_password", "new_password_again"))
    if not current:
        state.errors["current_password"] = "enter your current (or one-time) password"
    if not new:
        state.errors["new_password"] = "enter a new password"
    elif new != again:
        state.errors["new_password_again"] = "the two new passwords differ; type the same password twice"
    if state.ok:
        account = _account(db, user)
        try:
            change_password(db_session=db, user=account, current_password=current, new_password=new)
        except RecordValidationError as exc:
            db.rollback()
            for problem in exc.errors:  # the policy names "password": the new one
                name = "new_password" if problem["field"] == "password" else str(problem["field"])
                state.errors[name] = str(problem["message"])
        else:
            # Changing the password ended every session, this one too: sign this browser in afresh.
            response = redirect(request, _safe_next(state.values["next"], account.role),
                                flash="Your password is changed. Other signed-in devices were signed out.")
            web_sessions.start_session(request, response, db_session=db, user=account)
            return response
    return _password_page(request, user, state, status_code=422)


# --- forgotten password ---------------------------------------------------------------------------

@pages.get("/password-reset", response_class=HTMLResponse)
def reset_request_form(request: Request, token: str | None = None) -> Response:
    if token:  # the link in the e-mail: one canonical address for the form
        return RedirectResponse(f"/password-reset/{quote(token, safe='')}", status_code=303)
    return page(request, "account/reset_request.html", {"state": FormState(), "sent": False, "principal": None})


@pages.post("/password-reset", response_class=HTMLResponse)
def reset_request(request: Request, db: Db, form: CheckedForm) -> HTMLResponse:
    who = form_text(form, "username_or_email")
    state = FormState(values={"username_or_email": who})
    if not who:
        state.errors["username_or_email"] = "enter your user name or e-mail address"
        return page(request, "account/reset_request.html", {"state": state, "sent": False, "principal": None},
                    status_code=422)
    request_password_reset(db_session=db, username_or_email=who[:254], mailer=QueuedMailer(db),
                           reset_url=f"{public_url(request)}/password-reset")
    # The same answer whether or not the account exists: the form reveals no accounts.
    return page(request, "account/reset_request.html", {"state": FormState(), "sent": True, "message": RESET_SENT,
                                                        "principal": None})


@pages.get("/password-reset/{token}", response_class=HTMLResponse)
def reset_form(request: Request, token: str, db: Db) -> HTMLResponse:
    try:
        account, _link = check_reset_token(db_session=db, token=token)
    except InvalidResetToken as exc:
        return _reset_page(request, token, FormState(form_errors=[str(exc)]), valid=False, status_code=400)
    return _reset_page(request, token, FormState(), valid=True, username=account.username)


def _reset_page(request: Request, token: str, state: FormState, *, valid: bool, username: str = "",
                status_code: int = 200) -> HTMLResponse:
    return page(request, "account/reset_password.html", {"state": state, "token": token, "valid": valid,
                                                         "username": username, "principal": None},
                status_code=status_code)


@pages.post("/password-reset/{token}", response_class=HTMLResponse)
def reset_with_link(request: Request, token: str, db: Db, form: CheckedForm) -> Response:
    new, again = str(form.get("new_password") or ""), str(form.get("new_password_again") or "")
    state = FormState()
    if not new:
        state.errors["new_password"] = "enter a new password"
    elif new != again:
        state.errors["new_password_again"] = "the two new passwords differ; type the same password twice"
    if state.ok:
        try:
            reset_password(db_session=db, token=token, new_password=new)
        except InvalidResetToken as exc:
            return _reset_page(request, token, FormState(form_errors=[str(exc)]), valid=False, status_code=400)
        except RecordValidationError as exc:
            for problem in exc.errors:
                state.errors["new_password"] = str(problem["message"])
        else:
            return redirect(request, "/login", flash="Your password is changed. Sign in with the new password.")
    return _reset_page(request, token, state, valid=True, status_code=422)


# --- two-factor sign-in ---------------------------------------------------------------------------

@pages.get("/account/two-factor", response_class=HTMLResponse)
def two_factor_page(request: Request, user: User, db: Db) -> HTMLResponse:
    return _two_factor(request, _account(db, user), FormState())


def _two_factor(request: Request, account: Account, state: FormState, status_code: int = 200) -> HTMLResponse:
    enrolling = account.has_totp_secret and not account.totp_enabled
    secret = accounts_login.totp_secret_of(account) if enrolling else None
    return page(request, "account/two_factor.html", {
        "state": state, "enabled": account.totp_enabled, "enrolling": enrolling, "secret": secret,
        "uri": provisioning_uri(secret, username=account.username) if secret else None}, status_code=status_code)


@pages.post("/account/two-factor/start", response_class=HTMLResponse)
def start_two_factor(request: Request, user: User, db: Db, form: CheckedForm) -> Response:
    account = _account(db, user)
    if account.totp_enabled:  # replacing a working second factor needs the password: disable first
        return redirect(request, "/account/two-factor")
    accounts_login.begin_totp_enrolment(db_session=db, user=account)
    return _two_factor(request, account, FormState())


@pages.post("/account/two-factor/confirm", response_class=HTMLResponse)
def confirm_two_factor(request: Request, user: User, db: Db, form: CheckedForm) -> Response:
    account = _account(db, user)
    code = form_text(form, "code")
    if account.totp_enabled:
        return redirect(request, "/account/two-factor")
    if accounts_login.confirm_totp_enrolment(db_session=db, user=account, code=code):
        return redirect(request, "/account/two-factor", flash="Two-factor sign-in is on. Sign-ins now ask for a code.")
    state = FormState(values={"code": code})
    state.errors["code"] = "this code does not match; enter the 6 digits your app shows now"
    return _two_factor(request, account, state, status_code=422)


@pages.post("/account/two-factor/disable", response_class=HTMLResponse)
def disable_two_factor(request: Request, user: User, db: Db, form: CheckedForm) -> Response:
    account = _account(db, user)
    ok, _ = verify_password(account.password_hash, str(form.get("current_password") or ""))
    if not ok:
        state = FormState()
        state.errors["current_password"] = "is not your current password"
        return _two_factor(request, account, state, status_code=422)
    accounts_login.disable_totp(db_session=db, user=account, by=user.principal)
    return redirect(request, "/account/two-factor", flash="Two-factor sign-in is off.")


# --- nothing else until a one-time password is replaced -------------------------------------------

class ForcePasswordChangeMiddleware:
    """Pages of an account that must change its password redirect to the change form (the API already
    refuses: such a principal has no permitted actions)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (scope["type"] != "http" or path.startswith(OPEN_WHILE_FORCED) or path.startswith("/api/")
                or web_sessions.SESSION_COOKIE not in Request(scope).cookies):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        who = await caller_off_the_loop(request)
        if who is not None and who.principal.must_change_password and not who.principal.via_token:
            target = "/account/password?next=" + quote(path, safe="/")
            await RedirectResponse(target, status_code=303)(scope, receive, send)
            return
        await self.app(scope, receive, send)
