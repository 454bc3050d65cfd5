"""Time-based one-time passwords (RFC 6238, 30 s steps, 6 digits) as an optional second factor for staff.

Secrets are sealed (Fernet: AES-128-CBC + HMAC-SHA256) with ``CNOCARE_TOTP_ENCRYPTION_KEY`` before they are
stored, so a copy of the database alone (a stolen backup) does not yield anyone's second factor.
"""

from __future__ import annotations

import datetime as dt
import re

import pyotp

VALID_WINDOW = 1  # accept the previous and next 30 s step: phone clocks drift


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, *, username: str, issuer: str = "cnocare") -> str:
    """The otpauth:// URI an authenticator app reads from a QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer)


def matching_step(secret: str, code: str, *, last_step: int | None = None,
                  at: dt.datetime | None = None) -> int | None:
    """The time step the code belongs to, or None; a step already used (``<= last_step``) is refused,
    so a code read over someone's shoulder cannot be replayed within its 30 seconds."""
    code = re.sub(r"\s", "", code or "")
    if not re.fullmatch(r"\d{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    when = at or dt.datetime.now(dt.UTC)
    current = totp.timecode(when)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if last_step is not None and step <= last_step:
            continue
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


class TotpSecretUnreadable(RuntimeError):
    """A sealed secret that this site's key cannot open (the key was changed or the row was altered)."""


def _fernet(key: bytes | None) -> object:
    from cryptography.fernet import Fernet

    from cnocare.security.settings import totp_encryption_key

    try:
        return Fernet(key or totp_encryption_key())
    except ValueError:
        raise ValueError("CNOCARE_TOTP_ENCRYPTION_KEY is not a Fernet key; accepted: 32 bytes in url-safe "
                         "base64 (44 characters), e.g. from cryptography.fernet.Fernet.generate_key()") from None


def seal_secret(secret: str, *, key: bytes | None = None) -> str:
    return _fernet(key).encrypt(secret.encode()).decode()  # type: ignore[attr-defined, no-any-return]


def open_secret(sealed: str, *, key: bytes | None = None) -> str:
    from cryptography.fernet import InvalidToken

    try:
        return _fernet(key).decrypt(sealed.encode()).decode()  # type: ignore[attr-defined, no-any-return]
    except InvalidToken:
        raise TotpSecretUnreadable("the stored TOTP secret cannot be opened with this site's key") from None
