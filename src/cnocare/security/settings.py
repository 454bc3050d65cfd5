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
from typing import Any, Literal

from pydantic import Field, SecretStr, model_validator
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
    # The site's own default reference intervals for results without the laboratory's range
    # (docs/reference-intervals.md); unset: the bundled, cited table.
    reference_intervals_path: Path | None = None
    # Site definitions for measures whose published rules were not verified (labelled unverified).
    rai_grading_path: Path | None = None
    pedcno_definition_path: Path | None = None
    # The site's rule for a possible flare from diary pain (no published rule; unset: the diary raises none).
    diary_flare_rule_path: Path | None = None
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
    # Requests each server worker serves at once (and the size of its thread pool); more wait their turn,
    # nothing is refused. A measured choice (docs/benchmarks.md), not a limit of the clinic: fewer threads
    # fighting for one interpreter serve more pages a second (PostgreSQL: 3 about 8 % more than 4; SQLite
    # about 4 % fewer, far above its target either way). At most the worker's 40 database connections,
    # so a request that has a connection never waits for a thread held by one waiting for a connection.
    web_concurrency: int = Field(3, ge=1, le=40)
    # A worker whose event loop has not run for this long (stuck, or stopped) is killed and replaced
    # (``cnocare serve --workers N``); its start-up, which builds the app, must fit inside it too.
    worker_stuck_seconds: int = Field(60, ge=5, le=3600)
    # Local choice: an invitation to the family pages works once, for this many days after it is sent.
    family_invitation_days: int = Field(7, ge=1, le=60)
    # Who decides whether parents see the diary a young person keeps themselves (the clinic's policy):
    # "care_team" (the clinician sets it), "young_person" (they decide), "per_patient" (the clinician
    # switches, for each patient, whether the young person may decide). No age threshold is built in.
    family_diary_choice: Literal["care_team", "young_person", "per_patient"] = "care_team"

    # argon2id parameters: RFC 9106 section 4 "second recommended option" (64 MiB, 3 passes).
    argon2_time_cost: int = Field(3, ge=1)
    argon2_memory_kib: int = Field(65536, ge=8)
    argon2_parallelism: int = Field(4, ge=1)

    mail_outbox: Path | None = None  # default: <data_dir>/outbox
    mail_from: str = "cnocare@localhost"
    # How mail leaves (docs/jobs.md): "outbox" writes .eml files into mail_outbox; "smtp" sends through
    # smtp_host. SMTP security: "starttls" (port 587 unless smtp_port), "ssl" (implicit TLS, 465) or "none"
    # (25; a local relay only: a username with "none" is refused, it would send the password in clear).
    mail_transport: Literal["outbox", "smtp"] = "outbox"
    smtp_host: str | None = None
    smtp_port: int | None = Field(None, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_ca_file: Path | None = None  # the CA that signed the server's certificate, if not a public one
    smtp_timeout_seconds: float = Field(30.0, gt=0, le=600)
    site_name: str = "cnocare"
    # Where links in e-mail (password reset) point, e.g. https://cno.example-hospital.org. Required in
    # production: a link built from the request's Host header could be steered by a forged header.
    public_url: str | None = None

    # Addresses (or CIDR networks) of reverse proxies whose X-Forwarded-For / X-Forwarded-Proto headers are
    # believed, comma-separated. Empty: no forwarded header is believed, so a client cannot forge its
    # address into the audit trail or around the per-address throttle.
    trusted_proxies: str = ""
    # Key for the signed checkpoints of the audit hash chain. Kept outside the database so that whoever can
    # rewrite the table cannot re-sign it. Required in production; in development generated once into
    # <data_dir>/audit_key (0600).
    audit_signing_key: SecretStr | None = None
    audit_signing_key_file: Path | None = None  # or the key in a file readable by the service only (0600)
    audit_checkpoint_every: int = Field(200, ge=1)  # a signed checkpoint after this many audit events
    # Key (Fernet, 32 url-safe base64 bytes) encrypting TOTP secrets at rest. Required in production; in
    # development generated once into <data_dir>/totp_key (0600).
    totp_encryption_key: SecretStr | None = None
    totp_encryption_key_file: Path | None = None
    # k-anonymity of research exports: every released row shares its quasi-identifiers with >= k-1 others.
    research_k: int = Field(5, ge=2)
    # Longest search text accepted (patient list, API ``q``): beyond any real name or record number.
    search_max_chars: int = Field(200, ge=10, le=10_000)
    # JSON bodies with more keys or deeper nesting are refused before validation (a cheap parse, no model).
    json_max_keys: int = Field(2_000, ge=10)
    json_max_depth: int = Field(32, ge=4)

    # Background jobs (docs/jobs.md). "auto": procrastinate on PostgreSQL (`cnocare worker` on any number of
    # machines), on SQLite a worker thread inside the web app running the same job functions; "thread": that
    # thread on either database; "procrastinate": PostgreSQL only.
    jobs_backend: Literal["auto", "thread", "procrastinate"] = "auto"
    # The web app starts the worker thread (thread backend). Off: run `cnocare worker` beside it instead.
    jobs_worker_thread: bool = True
    jobs_poll_seconds: float = Field(5.0, gt=0, le=3600)  # how often an idle worker thread looks for work
    # Local choices: a failing job is tried up to 5 times, waiting 30 s, then 60, 120 and 240 s between tries
    # (a mail server that is down for a few minutes loses nothing).
    jobs_max_attempts: int = Field(5, ge=1, le=100)
    jobs_retry_seconds: int = Field(30, ge=1, le=86_400)
    # A job claimed longer ago than this by a thread that never finished it (its process died) is run again.
    jobs_stale_minutes: int = Field(30, ge=1)

    # An urgent family alert (contact the team today, or emergency) that no one in the care team has
    # acknowledged escalates after this many minutes: marked escalated, a notice to the centre's clinicians,
    # a mail to the centre's escalation address. 60 is a site choice to be matched to the centre's on-call
    # arrangement; it is not a clinical figure.
    alert_escalate_after_minutes: int = Field(60, ge=1, le=7 * 24 * 60)
    # The escalation address of every centre, unless escalation_emails names the centre's own
    # (by centre code: CNOCARE_ESCALATION_EMAILS='{"BRI": "oncall@bristol.example"}', or a TOML table).
    escalation_email: str | None = None
    escalation_emails: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _mail_settings_hold_together(self) -> SecuritySettings:
        if self.mail_transport == "smtp" and not (self.smtp_host or "").strip():
            raise ValueError("CNOCARE_SMTP_HOST is required when CNOCARE_MAIL_TRANSPORT=smtp")
        if self.smtp_username and self.smtp_security == "none":
            raise ValueError("CNOCARE_SMTP_USERNAME with CNOCARE_SMTP_SECURITY=none would send the password "
                             "unencrypted; accepted: starttls or ssl")
        if self.smtp_password is not None and not self.smtp_username:
            raise ValueError("CNOCARE_SMTP_PASSWORD is set but CNOCARE_SMTP_USERNAME is not; set both or neither")
        return self

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

    @property
    def smtp_port_or_default(self) -> int:
        return self.smtp_port or {"starttls": 587, "ssl": 465, "none": 25}[self.smtp_security]

    def escalation_address(self, centre_code: str) -> str | None:
        """Where a centre's escalations are mailed: its own address, else the site's, else nowhere."""
        return (self.escalation_emails.get(centre_code) or self.escalation_email or "").strip() or None


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


def trusted_proxy_networks(settings: SecuritySettings | None = None) -> tuple[Any, ...]:
    """``trusted_proxies`` parsed; a bad entry names itself rather than silently trusting nothing/everything."""
    import ipaddress

    settings = settings or get_settings()
    networks = []
    for entry in (e.strip() for e in settings.trusted_proxies.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"CNOCARE_TRUSTED_PROXIES: {entry!r} is not an IP address or network; accepted: "
                             "comma-separated addresses or CIDR networks, e.g. 10.0.0.5,192.168.1.0/24") from None
    return tuple(networks)


def audit_signing_key(settings: SecuritySettings | None = None) -> bytes:
    """The audit checkpoint key: configured, or in development kept in ``<data_dir>/audit_key`` (0600)."""
    return _named_key(settings or get_settings(), "audit_signing_key", "CNOCARE_AUDIT_SIGNING_KEY",
                      "audit_key", lambda: secrets.token_urlsafe(48)).encode()


def totp_encryption_key(settings: SecuritySettings | None = None) -> bytes:
    """The Fernet key for TOTP secrets: configured, or in development kept in ``<data_dir>/totp_key`` (0600)."""
    def generate() -> str:
        import base64

        return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()

    return _named_key(settings or get_settings(), "totp_encryption_key", "CNOCARE_TOTP_ENCRYPTION_KEY",
                      "totp_key", generate).encode()


def _named_key(settings: SecuritySettings, field: str, env: str, filename: str, generate: Any) -> str:
    configured: SecretStr | None = getattr(settings, field)
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value()
    key_file: Path | None = getattr(settings, field + "_file")
    if key_file is not None:
        return _key_from_file(key_file, env + "_FILE")
    if settings.environment == "production":
        raise SecretKeyMissing(f"{env} is required when CNOCARE_ENVIRONMENT=production (keep it outside the "
                               "database: environment or a 0600 key file)")
    return _stored_secret_key(settings.data_dir / filename, generate)


def _key_from_file(path: Path, env: str) -> str:
    """A key file named by the operator: it must exist, hold a key and be private (no group/other bits)."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
        key = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise SecretKeyMissing(f"{env}={path}: cannot read the key file ({exc.strerror})") from None
    if mode & 0o077:
        raise SecretKeyMissing(f"{env}={path}: the key file is mode {mode:04o}; accepted: 0600 or stricter "
                               f"(chmod 600 {path})")
    if not key:
        raise SecretKeyMissing(f"{env}={path}: the key file is empty")
    return key


def _stored_secret_key(path: Path, generate: Any = None) -> str:
    from cnocare.security.files import private_dir

    private_dir(path.parent)
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
    key = generate() if generate is not None else secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key
