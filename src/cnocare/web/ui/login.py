"""Sign in (password, then the one-time code when the account has one) and sign out."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from cnocare.records.accounts import login as accounts_login
from cnocare.records.accounts import sessions
from cnocare.security.tokens import constant_time_equal
from cnocare.web import sessions as web_sessions
from cnocare.web.auth import CSRF_FIELD, caller, csrf_ok
from cnocare.web.context import Db
from cnocare.web.ui.render import page, redirect

router = APIRouter(include_in_schema=False)


def _safe_next(url: str | None) -> str:
    # Only a path on this site: a crafted link must not bounce a fresh sign-in to another host.
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return "/patients"


def _check_csrf(request: Request, token: str) -> None:
    if not csrf_ok(request, token):
        raise HTTPException(403, "the form's security token is missing or out of date; reload the page")


def _login_page(request: Request, *, next_url: str, username: str = "", error: str | None = None,
                ask_totp: bool = False, status_code: int = 200) -> HTMLResponse:
    return page(request, "login.html", {"next_url": next_url, "username": username, "error": error,
                                        "ask_totp": ask_totp, "principal": None}, status_code=status_code)


@router.get("/", response_class=RedirectResponse)
def home(request: Request) -> Response:
    from cnocare.web.ui.account import home_for

    who = caller(request)
    return RedirectResponse(home_for(who.role) if who else "/login", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_page(request, next_url=_safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, db: Db, username: str = Form(""), password: str = Form(""),
          next: str = Form("/patients"), csrf_token: str = Form("", alias=CSRF_FIELD)) -> Response:
    _check_csrf(request, csrf_token)
    ip, agent = web_sessions.client_origin(request)
    result = accounts_login.authenticate(db_session=db, username=username.strip(), password=password, ip=ip,
                                         user_agent=agent)
    if result.user is None:
        return _login_page(request, next_url=_safe_next(next), username=username, error=result.message,
                           status_code=400)
    if result.outcome == "needs_second_factor":
        # The pending session first, so the code form's CSRF token is bound to it (what /login/code checks).
        carrier = Response()
        web_sessions.start_session(request, carrier, db_session=db, user=result.user, second_factor_pending=True)
        response: Response = _login_page(request, next_url=_safe_next(next), username=username, ask_totp=True)
        for cookie in carrier.headers.getlist("set-cookie"):
            response.headers.append("set-cookie", cookie)
        return response
    response = redirect(request, _after_sign_in(result.user, next))
    web_sessions.start_session(request, response, db_session=db, user=result.user)
    return response


def _after_sign_in(user: object, next_url: str | None) -> str:
    """Where a fresh sign-in goes: the one-time password must be replaced before anything else."""
    from cnocare.web.ui.account import home_for

    target = _safe_next(next_url)
    if target == "/patients":  # the default: each role's own start page (admins have no patient list)
        target = home_for(str(getattr(user, "role", "")))
    if getattr(user, "must_change_password", False):
        return "/account/password?" + urlencode({"next": target})
    return target


@router.post("/login/code", response_class=HTMLResponse)
def second_factor(request: Request, db: Db, totp: str = Form(""), next: str = Form("/patients"),
                  csrf_token: str = Form("", alias=CSRF_FIELD)) -> Response:
    # Bound to the pending session the code form was rendered for (see ``login``).
    if not csrf_token or not constant_time_equal(csrf_token, web_sessions.csrf_token(request)):
        raise HTTPException(403, "the form's security token is missing or out of date; reload the page")
    raw = request.cookies.get(web_sessions.SESSION_COOKIE)
    loaded = sessions.load_session(db_session=db, raw_id=raw, allow_pending=True)
    if loaded is None or raw is None:
        return _login_page(request, next_url=_safe_next(next), error="Sign in again.", status_code=400)
    ip, agent = web_sessions.client_origin(request)
    result = accounts_login.verify_second_factor(db_session=db, user=loaded[1], code=totp.strip(), ip=ip,
                                                 user_agent=agent)
    if not result.ok:
        return _login_page(request, next_url=_safe_next(next), error=result.message, ask_totp=True,
                           status_code=400)
    fresh = sessions.complete_second_factor(db_session=db, raw_id=raw)
    db.commit()
    response = redirect(request, _after_sign_in(loaded[1], next))
    web_sessions.set_session_cookie(response, request, fresh)
    return response


@router.post("/logout")
def logout(request: Request, db: Db, csrf_token: str = Form("", alias=CSRF_FIELD)) -> Response:
    _check_csrf(request, csrf_token)
    response = redirect(request, "/login", flash="You are signed out.")
    web_sessions.end_session(request, response, db_session=db)
    return response
