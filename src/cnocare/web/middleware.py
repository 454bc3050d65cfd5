"""The app's outer layers, hardening every answer: security headers (a 500 included), the request-body
limit, the input guard and a CSRF cookie for browsers not yet signed in. ``install_security(app)`` adds them
in their order."""

from __future__ import annotations

import json
import logging
import secrets
from typing import Any

from fastapi import HTTPException, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cnocare.security.settings import SecuritySettings, get_settings
from cnocare.web.input_guard import InputGuardMiddleware
from cnocare.web.sessions import CSRF_COOKIE

logger = logging.getLogger("cnocare.web")

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
