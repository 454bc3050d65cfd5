"""The platform's settings, all in one object: ``CNOCARE_*`` environment variables or a config file
named by ``CNOCARE_CONFIG``. The database, the web app and the security layer all read it (the class
keeps the name it had when it held only security settings).

The config file may be TOML (keys are the field names, e.g. ``lockout_threshold = 5``) or a dotenv file
(``CNOCARE_LOCKOUT_THRESHOLD=5``). Environment variables win over the file.
"""

from __future__ import annotations

import os
import secrets
import stat
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

SECRET_KEY_FILE = "secret_key"


class SecretKeyMissing(RuntimeError):
    """Production refuses to invent a secret key: one generated per host would log everyone out on restart."""


class SecuritySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CNOCARE_", extra="ignore")

    environment: Literal["development", "production", "test"] = "development"
    data_dir: Path = Path("./data")
    # PostgreSQL (postgresql://...) or SQLite (sqlite:///...); unset: SQLite file <data_dir>/cnocare.sqlite3.
    database_url: str | None = None
    # The site formulary (docs/formulary.md): the only source of doses. Unset: no dose is calculated.
    formulary_path: Path | None = None
    migrate: bool = True  # the web app brings the schema to the newest migration when it starts
    secret_key: SecretStr | None = None
    https: bool = False  # CNOCARE_HTTPS=1: cookies always Secure, HSTS sent

    # Local choices: 5 wrong passwords lock the account for 15 minutes; 30 failures from one address in
    # 15 minutes throttle that address (password spraying across many accounts).
    lockout_threshold: int = Field(5, ge=1)
    lockout_minutes: int = Field(15, ge=1)
    ip_failure_limit: int = Field(30, ge=1)
    ip_failure_window_minutes: int = Field(15, ge=1)

    session_lifetime_hours: int = Field(12, ge=1)  # one clinic day
    session_idle_minutes: int = Field(30, ge=1)
    password_reset_minutes: int = Field(60, ge=5)
    # Local choice: at most this many reset e-mails per account per hour (further requests get the same
    # answer and no mail), so the form cannot be used to flood someone's inbox.
    reset_requests_per_hour: int = Field(3, ge=1)
    body_limit_bytes: int = Field(1_000_000, ge=1024)

    # argon2id parameters: RFC 9106 section 4 "second recommended option" (64 MiB, 3 passes).
    argon2_time_cost: int = Field(3, ge=1)
    argon2_memory_kib: int = Field(65536, ge=8)
    argon2_parallelism: int = Field(4, ge=1)

    mail_outbox: Path | None = None  # default: <data_dir>/outbox
    mail_from: str = "cnocare@localhost"
    site_name: str = "cnocare"
    # Where links in e-mail (password reset) point, e.g. https://cno.example-hospital.org. Required in
    # production: a link built from the request's Host header could be steered by a forged header.
    public_url: str | None = None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config = os.environ.get("CNOCARE_CONFIG", "").strip()
        if config:
            path = Path(config)
            if not path.is_file():
                raise FileNotFoundError(f"CNOCARE_CONFIG={config!r}: no such file (expected a .toml or .env file)")
            if path.suffix.lower() == ".toml":
                sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
            else:
                sources.append(DotEnvSettingsSource(settings_cls, env_file=path))
        return tuple(sources)

    @property
    def database(self) -> str:
        """The database URL to connect to: the configured one, else the SQLite file in the data dir."""
        url = (self.database_url or "").strip()
        return url or f"sqlite:///{self.data_dir / 'cnocare.sqlite3'}"

    @property
    def outbox_dir(self) -> Path:
        return self.mail_outbox or self.data_dir / "outbox"


@lru_cache(maxsize=1)
def get_settings() -> SecuritySettings:
    return SecuritySettings()


def secret_key(settings: SecuritySettings | None = None) -> str:
    """The signing key: configured, or in development generated once into ``<data_dir>/secret_key`` (0600)."""
    settings = settings or get_settings()
    if settings.secret_key is not None and settings.secret_key.get_secret_value():
        return settings.secret_key.get_secret_value()
    if settings.environment == "production":
        raise SecretKeyMissing(
            "CNOCARE_SECRET_KEY is required when CNOCARE_ENVIRONMENT=production "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')")
    return _stored_secret_key(settings.data_dir / SECRET_KEY_FILE)


def _stored_secret_key(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting together cannot both write different keys.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            os.chmod(path, 0o600)  # a copied data dir may have lost the mode; the key must stay private
        key = path.read_text(encoding="utf-8").strip()
        if not key:
            raise SecretKeyMissing(f"{path} is empty: delete it to generate a new key") from None
        return key
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key
