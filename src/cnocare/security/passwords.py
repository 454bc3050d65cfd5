"""Password hashing (argon2id), the password policy, and the username/e-mail rules.

Policy (documented in docs/security.md): 12 to 256 characters after Unicode NFKC normalisation;
at least two character classes (lower-case, upper-case, digit, other); at least 5 different
characters; must not contain the username or be one of a few notorious passwords. Length matters
more than composition (NIST SP 800-63B), so the class rule is kept deliberately mild.
"""

from __future__ import annotations

import contextlib
import re
import secrets
import string
import unicodedata

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from cnocare.security.settings import SecuritySettings, get_settings

PASSWORD_MIN_LENGTH = 12
PASSWORD_MAX_LENGTH = 256  # long enough for passphrases, short enough that hashing cannot be a DoS lever
PASSWORD_MIN_DISTINCT = 5
NOTORIOUS = frozenset({
    "password1234", "passwort1234", "123456789012", "qwertyuiop12", "letmein12345", "welcome12345",
    "administrator", "changeme1234", "iloveyou1234", "password123!", "qwerty123456", "p@ssw0rd1234",
})

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
EMAIL_RE = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


class PasswordPolicyError(ValueError):
    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("password refused: " + "; ".join(problems))


def normalise_password(password: str) -> str:
    # NFKC so the same passphrase typed on two keyboards (composed vs decomposed accents) matches.
    return unicodedata.normalize("NFKC", password)


def _classes(password: str) -> int:
    kinds = (str.islower, str.isupper, str.isdigit)
    present = {i for ch in password for i, test in enumerate(kinds) if test(ch)}
    if any(not (ch.islower() or ch.isupper() or ch.isdigit()) for ch in password):
        present.add(3)
    return len(present)


def password_problems(password: str, *, username: str | None = None) -> list[str]:
    """Every rule the password breaks, in words a user can act on (empty list: acceptable)."""
    pw = normalise_password(password)
    problems: list[str] = []
    if len(pw) < PASSWORD_MIN_LENGTH:
        problems.append(f"use at least {PASSWORD_MIN_LENGTH} characters (got {len(pw)})")
    if len(pw) > PASSWORD_MAX_LENGTH:
        problems.append(f"use at most {PASSWORD_MAX_LENGTH} characters (got {len(pw)})")
    if any(unicodedata.category(ch) == "Cc" for ch in pw):
        problems.append("control characters (such as tab or newline) are not accepted")
    if _classes(pw) < 2:
        problems.append("mix at least two kinds of character: lower-case, upper-case, digits, symbols")
    if len(set(pw)) < PASSWORD_MIN_DISTINCT:
        problems.append(f"use at least {PASSWORD_MIN_DISTINCT} different characters")
    if username and len(username) >= 3 and username.casefold() in pw.casefold():
        problems.append("must not contain the username")
    if pw.casefold() in NOTORIOUS:
        problems.append("this password is on lists attackers try first")
    return problems


def check_password_policy(password: str, *, username: str | None = None) -> None:
    problems = password_problems(password, username=username)
    if problems:
        raise PasswordPolicyError(problems)


def normalise_username(username: str) -> str:
    """Usernames are case-insensitive: stored lower-case; 3-64 of a-z 0-9 . _ - starting with a letter/digit."""
    value = username.strip().lower()
    if not USERNAME_RE.fullmatch(value):
        raise ValueError(
            f"username {username!r} is not accepted: use 3 to 64 characters from a-z, 0-9, '.', '_' and '-', "
            "starting with a letter or digit")
    return value


def normalise_email(email: str) -> str:
    value = email.strip()
    if len(value) > 254 or not EMAIL_RE.fullmatch(value):
        raise ValueError(f"email {email!r} is not accepted: expected an address like name@clinic.example")
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def hasher(settings: SecuritySettings | None = None) -> PasswordHasher:
    settings = settings or get_settings()
    return PasswordHasher(time_cost=settings.argon2_time_cost, memory_cost=settings.argon2_memory_kib,
                          parallelism=settings.argon2_parallelism, hash_len=32, salt_len=16, type=Type.ID)


def hash_password(password: str, *, settings: SecuritySettings | None = None) -> str:
    return hasher(settings).hash(normalise_password(password))


def verify_password(password_hash: str | None, password: str, *,
                    settings: SecuritySettings | None = None) -> tuple[bool, str | None]:
    """(matches, new hash if the stored one used old parameters and should be replaced)."""
    ph = hasher(settings)
    if not password_hash:
        burn_time(password, settings=settings)
        return False, None
    try:
        ph.verify(password_hash, normalise_password(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, None
    return True, (ph.hash(normalise_password(password)) if ph.check_needs_rehash(password_hash) else None)


_DUMMY_HASHES: dict[tuple[int, int, int], str] = {}


def burn_time(password: str, *, settings: SecuritySettings | None = None) -> None:
    """Verify against a dummy hash so an unknown username costs as long as a wrong password."""
    ph = hasher(settings)
    key = (ph.time_cost, ph.memory_cost, ph.parallelism)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = ph.hash(secrets.token_urlsafe(16))
    with contextlib.suppress(VerificationError):
        ph.verify(_DUMMY_HASHES[key], normalise_password(password))


def generate_one_time_password(length: int = 20) -> str:
    """A random password that satisfies the policy, for first logins (must be changed at once)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if not password_problems(candidate):
            return candidate
