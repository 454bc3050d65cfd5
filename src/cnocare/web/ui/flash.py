"""One-shot messages after a redirect ("Lab result saved."), carried in a short-lived signed cookie."""

from __future__ import annotations

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from cnocare.security.settings import secret_key

FLASH_COOKIE = "cnocare_flash"
FLASH_SECONDS = 120


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key(), salt="cnocare-flash")


def set_flash(response: Response, message: str) -> None:
    response.set_cookie(FLASH_COOKIE, _signer().dumps(message[:2000]), max_age=FLASH_SECONDS, path="/",
                        httponly=True, samesite="lax")


def read_flash(request: Request) -> str | None:
    """The pending message; the page that shows it deletes the cookie (``clear_flash``)."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    try:
        message = _signer().loads(raw, max_age=FLASH_SECONDS)
    except BadSignature:
        return None
    return message if isinstance(message, str) else None


def clear_flash(request: Request, response: Response) -> None:
    if FLASH_COOKIE in request.cookies:
        response.delete_cookie(FLASH_COOKIE, path="/")
