"""Who is asking, for pages and the API, through the security layer.

A bearer API token (Authorization header) or the server-side session cookie identifies the caller
(``web.sessions.principal_from_request``). Pages send an anonymous caller to the sign-in page; the
API answers 401. Cookie-authenticated API writes must carry the CSRF token in ``X-CSRF-Token``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import anyio
from fastapi import Depends, HTTPException, Request

from cnocare.security import policy
from cnocare.security.policy import Principal
from cnocare.security.tokens import constant_time_equal, keyed_digest
from cnocare.web import sessions as web_sessions
from cnocare.web.context import request_session

CSRF_FIELD = web_sessions.CSRF_FIELD
CSRF_HEADER = web_sessions.CSRF_HEADER


@dataclass(frozen=True)
class WebUser:
    """The signed-in person as the web layer needs them; ``principal`` goes to ``policy.require``."""

    principal: Principal

    @property
    def username(self) -> str:
        return self.principal.username

    @property
    def display_name(self) -> str:
        return self.principal.username

    @property
    def role(self) -> str:
        return self.principal.role

    def may(self, action: str) -> bool:
        """Whether the role allows ``action``: pages offer only what the person may do (a link that ends in
        "not allowed" is a dead end)."""
        return policy.allowed(self.principal, action)


class LoginRequired(Exception):
    """Raised by page dependencies; the app answers with a redirect to the sign-in page."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


def looked_up(request: Request) -> bool:
    return "caller" in request.state._state


def caller(request: Request) -> WebUser | None:
    """The caller of this request (looked up once per request, in the request's own session)."""
    if looked_up(request):
        found: WebUser | None = request.state.caller
        return found
    principal = web_sessions.principal_from_request(request, db_session=request_session(request.scope))
    user = WebUser(principal) if principal is not None else None
    request.state.caller = user
    return user


def csrf_token(request: Request) -> str:
    return web_sessions.csrf_token(request)


def csrf_ok(request: Request, submitted: str | None) -> bool:
    binding = (request.cookies.get(web_sessions.SESSION_COOKIE) or request.cookies.get(web_sessions.CSRF_COOKIE)
               or getattr(request.state, "csrf_cookie", None))
    if not submitted or not binding:
        return False
    return constant_time_equal(submitted, keyed_digest("csrf", binding))


async def caller_off_the_loop(request: Request) -> WebUser | None:
    """``caller`` for the dependencies, on the event loop: a caller already looked up this request (the
    password-change middleware does it for pages) costs no thread; a lookup, which queries the database,
    goes to a thread."""
    if looked_up(request):
        return caller(request)
    return await anyio.to_thread.run_sync(caller, request)


async def page_user(request: Request) -> WebUser:
    user = await caller_off_the_loop(request)
    # Pages are for people signed in with a session; an API token never opens one (a write-only token
    # would otherwise see a patient's name in a form's header).
    if user is None or user.principal.via_token:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise LoginRequired(target)
    return user


async def api_user(request: Request) -> WebUser:
    user = await caller_off_the_loop(request)
    if user is None:
        raise HTTPException(401, "sign in or send an API token (Authorization: Bearer ...)",
                            headers={"WWW-Authenticate": "Bearer"})
    if (not user.principal.via_token and request.method not in web_sessions.SAFE_METHODS
            and not csrf_ok(request, request.headers.get(CSRF_HEADER))):
        raise HTTPException(403, f"a write signed in by cookie needs the {CSRF_HEADER} header "
                            "(the page's csrf_token)")
    return user


PageUser = Annotated[WebUser, Depends(page_user)]
ApiUser = Annotated[WebUser, Depends(api_user)]
