"""HTTP hardening for the FastAPI app: headers, body limit, CSRF, session cookies, and who is asking.

Wire it up with ``install_security(app)`` and, per route, ``Depends(require_csrf)`` on unsafe methods and
``principal_from_request(request, db_session=...)`` to learn the caller.
"""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from fastapi import HTTPException, Request, Response
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cnocare.security.policy import Principal
from cnocare.security.settings import SecuritySettings, get_settings
from cnocare.security.tokens import constant_time_equal, keyed_digest

logger = logging.getLogger("cnocare.web")
SESSION_COOKIE = "cnocare_session"
CSRF_COOKIE = "cnocare_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

# No inline script or style anywhere: an injected <script> cannot run even if escaping ever fails.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")


def _headers(https: bool, no_store: bool) -> list[tuple[bytes, bytes]]:
    headers = {
        "content-security-policy": CONTENT_SECURITY_POLICY,
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        # same-origin keeps the Origin/Referer on our own form posts and sends nothing to other sites.
        "referrer-policy": "same-origin",
        "cross-origin-opener-policy": "same-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
    }
    if https:
        headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
    if no_store:
        headers["cache-control"] = "no-store"  # pages carry personal data; shared machines keep no copy
    return [(k.encode(), v.encode()) for k, v in headers.items()]


class SecurityHeadersMiddleware:
    """Adds the headers above to every HTTP response unless the route set its own value."""

    def __init__(self, app: ASGIApp, *, https: bool = False, no_store: bool = True) -> None:
        self.app = app
        self.extra = _headers(https, no_store)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((k, v) for k, v in self.extra if k not in present)]
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # Starlette's own 500 page is made outside every middleware, without these headers: answer here.
            logger.exception("unhandled error in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            body = json.dumps({"detail": "Internal error: the request was not completed. Nothing was shown; "
                               "the error has been logged."}).encode()
            await send_with_headers({"type": "http.response.start", "status": 500, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})


class _BodyTooLarge(HTTPException):
    """Raised while the body streams in; an HTTPException so FastAPI's body parser passes it through as 413
    instead of turning it into "error parsing the body" (400)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, _too_large(max_bytes))


def _too_large(max_bytes: int) -> str:
    return (f"Request body is too large: the limit is {max_bytes} bytes ({max_bytes / 1_000_000:.1f} MB). "
            "Send less data or split it.")


class BodySizeLimitMiddleware:
    """Refuses request bodies over ``max_bytes`` with 413, whether or not Content-Length was declared."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _refusal(self) -> tuple[Message, Message]:
        body = json.dumps({"detail": _too_large(self.max_bytes)}).encode()
        return ({"type": "http.response.start", "status": 413,
                 "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                             (b"connection", b"close")]},
                {"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            for message in self._refusal():
                await send(message)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            for message in self._refusal():
                await send(message)


def __getattr__(name: str) -> Any:
    # The NUL refusal grew into the input guard (security.input_guard); the old name still resolves.
    if name == "NulRefusalMiddleware":
        from cnocare.security.input_guard import InputGuardMiddleware

        return InputGuardMiddleware
    raise AttributeError(name)


class CsrfCookieMiddleware:
    """Gives every browser a random, HttpOnly ``cnocare_csrf`` cookie, so forms shown before sign-in
    (sign-in, password reset) get a CSRF token bound to that browser."""

    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if request.cookies.get(CSRF_COOKIE):
            await self.app(scope, receive, send)
            return
        value = secrets.token_urlsafe(24)
        scope.setdefault("state", {})["csrf_cookie"] = value
        secure = self.https or scope.get("scheme") == "https"
        cookie = f"{CSRF_COOKIE}={value}; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"set-cookie", cookie.encode())]
            await send(message)

        await self.app(scope, receive, send_with_cookie)


def install_security(app: Any, settings: SecuritySettings | None = None, *, headers: bool = True) -> None:
    """Add the middlewares in the right order: security headers outermost (so every answer carries them,
    a 413 included), then the body limit, the input guard, then the CSRF cookie. ``headers=False``: the
    caller adds ``install_security_headers`` itself, after (outside) its own middlewares."""
    from cnocare.security.input_guard import InputGuardMiddleware

    settings = settings or get_settings()
    app.add_middleware(CsrfCookieMiddleware, https=settings.https)
    app.add_middleware(InputGuardMiddleware, max_depth=settings.json_max_depth, max_keys=settings.json_max_keys)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.body_limit_bytes)
    if headers:
        install_security_headers(app, settings)


def install_security_headers(app: Any, settings: SecuritySettings | None = None) -> None:
    """The outermost layer: every answer, a 500, a 503 or a redirect made by another middleware included."""
    settings = settings or get_settings()
    app.add_middleware(SecurityHeadersMiddleware, https=settings.https)


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
    from cnocare.security.settings import trusted_proxy_networks

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
    import ipaddress

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
    from cnocare.records.accounts import sessions

    ip, agent = client_origin(request)
    raw = sessions.start_session(db_session=db_session, user=user, ip=ip, user_agent=agent,
                                 second_factor_pending=second_factor_pending, settings=settings)
    set_session_cookie(response, request, raw, settings)
    request.state.session_id = raw  # csrf_token() later in this request binds to the new session
    return raw


def end_session(request: Request, response: Response, *, db_session: Session,
                settings: SecuritySettings | None = None) -> bool:
    from cnocare.records.accounts import sessions

    ip, agent = client_origin(request)
    ended = sessions.end_session(db_session=db_session, raw_id=request.cookies.get(SESSION_COOKIE),
                                 ip=ip, user_agent=agent)
    clear_session_cookie(response, request, settings)
    return ended


def principal_from_request(request: Request, *, db_session: Session,
                           settings: SecuritySettings | None = None) -> Principal | None:
    """The caller: a bearer API token if an Authorization header is sent (cookies are then ignored),
    otherwise the session cookie. None for anonymous callers and dead sessions/tokens."""
    from cnocare.records.accounts.api_tokens import principal_from_api_token
    from cnocare.records.accounts.service import principal_for
    from cnocare.records.accounts.sessions import load_session

    principal: Principal | None
    if "authorization" in request.headers:
        principal = principal_from_api_token(db_session=db_session, raw=bearer_token(request))
    else:
        loaded = load_session(db_session=db_session, raw_id=request.cookies.get(SESSION_COOKIE), settings=settings)
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


async def require_csrf(request: Request) -> None:
    """FastAPI dependency: unsafe methods from cookie-authenticated browsers must carry the token.
    Bearer-token API calls are exempt: browsers never attach those on their own."""
    if request.method in SAFE_METHODS or bearer_token(request):
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(FORM_TYPES):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    binding = request.cookies.get(SESSION_COOKIE) or request.cookies.get(CSRF_COOKIE)
    if not sent or binding is None or not constant_time_equal(sent, keyed_digest("csrf", binding)):
        raise HTTPException(status_code=403, detail="CSRF token missing or invalid: reload the page and "
                                                    "submit the form again.")
