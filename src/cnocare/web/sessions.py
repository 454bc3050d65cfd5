"""Who is asking and how they stay signed in: the session cookie, a bearer API token, the CSRF token bound
to the session (or, before sign-in, to the browser's CSRF cookie) and the client's address for the audit
trail. ``web.auth`` turns these into the routes' dependencies."""

from __future__ import annotations

import ipaddress
from typing import Any

from fastapi import Request, Response
from sqlalchemy.orm import Session

from cnocare.records.accounts import sessions as stored_sessions
from cnocare.records.accounts.api_tokens import principal_from_api_token
from cnocare.records.accounts.service import principal_for
from cnocare.security.policy import Principal
from cnocare.security.settings import SecuritySettings, get_settings, trusted_proxy_networks
from cnocare.security.tokens import keyed_digest

SESSION_COOKIE = "cnocare_session"
CSRF_COOKIE = "cnocare_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

# --- who is asking ------------------------------------------------------------------------------

def client_origin(request: Request, settings: SecuritySettings | None = None) -> tuple[str | None, str | None]:
    """(ip, user agent) for the audit trail and the per-address throttle.

    ``X-Forwarded-For`` is believed only when the connection comes from a proxy named in
    ``CNOCARE_TRUSTED_PROXIES`` (empty by default): otherwise any client could forge its address into the
    trail and around the throttle. The address is the right-most hop that is not itself a trusted proxy.
    """
    peer = request.client.host if request.client else None
    return forwarded_client(peer, request.headers.getlist("x-forwarded-for"), settings), \
        request.headers.get("user-agent")


def forwarded_client(peer: str | None, forwarded_for: list[str],
                     settings: SecuritySettings | None = None) -> str | None:
    networks = trusted_proxy_networks(settings)
    if not networks or not _within(peer, networks):
        return peer
    hops = [h.strip() for header in forwarded_for for h in header.split(",") if h.strip()]
    for hop in reversed(hops):
        if _parse_ip(hop) is None:
            return peer  # a garbled header from a trusted proxy: fall back to the proxy itself
        if not _within(hop, networks):
            return hop
    return peer


def _parse_ip(value: str | None) -> Any:
    try:
        return ipaddress.ip_address(value or "")
    except ValueError:
        return None


def _within(value: str | None, networks: tuple[Any, ...]) -> bool:
    address = _parse_ip(value)
    return address is not None and any(address in network for network in networks)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip() or None


def is_https(request: Request, settings: SecuritySettings | None = None) -> bool:
    return (settings or get_settings()).https or request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, raw_id: str,
                       settings: SecuritySettings | None = None) -> None:
    settings = settings or get_settings()
    response.set_cookie(SESSION_COOKIE, raw_id, max_age=settings.session_lifetime_hours * 3600, path="/",
                        httponly=True, samesite="lax", secure=is_https(request, settings))


def clear_session_cookie(response: Response, request: Request, settings: SecuritySettings | None = None) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=is_https(request, settings))


def start_session(request: Request, response: Response, *, db_session: Session, user: Any,
                  second_factor_pending: bool = False, settings: SecuritySettings | None = None) -> str:
    """Sign ``user`` in: a fresh server-side session (any old cookie is ignored: no fixation) and its cookie."""
    ip, agent = client_origin(request)
    raw = stored_sessions.start_session(db_session=db_session, user=user, ip=ip, user_agent=agent,
                                 second_factor_pending=second_factor_pending, settings=settings)
    set_session_cookie(response, request, raw, settings)
    request.state.session_id = raw  # csrf_token() later in this request binds to the new session
    return raw


def end_session(request: Request, response: Response, *, db_session: Session,
                settings: SecuritySettings | None = None) -> bool:
    ip, agent = client_origin(request)
    ended = stored_sessions.end_session(db_session=db_session, raw_id=request.cookies.get(SESSION_COOKIE),
                                 ip=ip, user_agent=agent)
    clear_session_cookie(response, request, settings)
    return ended


def principal_from_request(request: Request, *, db_session: Session,
                           settings: SecuritySettings | None = None) -> Principal | None:
    """The caller: a bearer API token if an Authorization header is sent (cookies are then ignored),
    otherwise the session cookie. None for anonymous callers and dead sessions/tokens."""
    principal: Principal | None
    if "authorization" in request.headers:
        principal = principal_from_api_token(db_session=db_session, raw=bearer_token(request))
    else:
        loaded = stored_sessions.load_session(db_session=db_session, raw_id=request.cookies.get(SESSION_COOKIE),
                                              settings=settings)
        principal = (principal_for(db_session=db_session, user=loaded.user,
                                   links=(loaded.centre_ids, loaded.patient_ids)) if loaded else None)
    request.state.principal = principal
    return principal


# --- CSRF: a token bound to the session (or, before sign-in, to the browser's CSRF cookie) ------------

def _csrf_binding(request: Request) -> str | None:
    return (getattr(request.state, "session_id", None) or request.cookies.get(SESSION_COOKIE)
            or request.cookies.get(CSRF_COOKIE) or getattr(request.state, "csrf_cookie", None))


def csrf_token(request: Request, settings: SecuritySettings | None = None) -> str:
    """The value to put in forms as ``csrf_token`` (or send as the X-CSRF-Token header from scripts).
    HMAC of the session id under the site key: unguessable without the HttpOnly cookie, changes at sign-in."""
    binding = _csrf_binding(request)
    if binding is None:
        raise RuntimeError("csrf_token needs CsrfCookieMiddleware (install_security) or a session cookie")
    return keyed_digest("csrf", binding, settings=settings)
