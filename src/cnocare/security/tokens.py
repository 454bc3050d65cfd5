"""Random secrets and their stored fingerprints: session ids, API tokens, signed password-reset links.

Only SHA-256 fingerprints of session ids and API tokens are stored, so a copy of the database (a lost
backup) does not hand out live sessions or integration keys.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from cnocare.security.settings import SecuritySettings, get_settings, secret_key

API_TOKEN_PREFIX = "cno_"
RESET_SALT = "cnocare.password-reset"


def fingerprint(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def new_api_token() -> str:
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def keyed_digest(purpose: str, value: str, *, settings: SecuritySettings | None = None) -> str:
    """HMAC-SHA256 of ``value`` under the site key, separated by ``purpose`` (CSRF tokens, pseudonyms)."""
    key = secret_key(settings or get_settings()).encode("utf-8")
    return hmac.new(key, f"{purpose}\x00{value}".encode(), hashlib.sha256).hexdigest()


class InvalidResetToken(ValueError):
    """The reset link is expired, already used, altered or unknown; the message says which."""


def _reset_serializer(settings: SecuritySettings | None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key(settings or get_settings()), salt=RESET_SALT)


def sign_reset_token(user_id: int, nonce: str, *, settings: SecuritySettings | None = None) -> str:
    return str(_reset_serializer(settings).dumps({"u": user_id, "n": nonce}))


def read_reset_token(token: str, *, max_age_seconds: int,
                     settings: SecuritySettings | None = None) -> tuple[int, str]:
    """(user id, nonce) from a reset token, or InvalidResetToken; the nonce is checked by the caller."""
    try:
        data: Any = _reset_serializer(settings).loads(token, max_age=max_age_seconds)
    except SignatureExpired:
        raise InvalidResetToken("this password-reset link has expired; ask for a new one") from None
    except BadSignature:
        raise InvalidResetToken("this password-reset link is not valid; ask for a new one") from None
    if not (isinstance(data, dict) and isinstance(data.get("u"), int) and isinstance(data.get("n"), str)):
        raise InvalidResetToken("this password-reset link is not valid; ask for a new one")
    return data["u"], data["n"]
