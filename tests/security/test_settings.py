from __future__ import annotations

import stat
from pathlib import Path

import pytest

from cnocare.security.settings import SecretKeyMissing, SecuritySettings, secret_key


def test_development_generates_the_secret_key_once_into_a_private_file(tmp_path: Path) -> None:
    settings = SecuritySettings(environment="development", data_dir=tmp_path)
    first = secret_key(settings)
    second = secret_key(settings)
    key_file = tmp_path / "secret_key"
    assert first == second and len(first) >= 48
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_a_loosened_key_file_is_made_private_again(tmp_path: Path) -> None:
    settings = SecuritySettings(environment="development", data_dir=tmp_path)
    key = secret_key(settings)
    (tmp_path / "secret_key").chmod(0o644)
    assert secret_key(settings) == key
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600


def test_production_refuses_to_run_without_a_configured_secret_key(tmp_path: Path) -> None:
    with pytest.raises(SecretKeyMissing, match="CNOCARE_SECRET_KEY is required"):
        secret_key(SecuritySettings(environment="production", data_dir=tmp_path))
    assert not (tmp_path / "secret_key").exists()


def test_environment_variables_use_the_cnocare_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CNOCARE_LOCKOUT_THRESHOLD", "7")
    monkeypatch.setenv("CNOCARE_HTTPS", "1")
    settings = SecuritySettings()
    assert settings.lockout_threshold == 7 and settings.https is True


def test_a_toml_config_file_named_by_cnocare_config_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "cnocare.toml"
    config.write_text('lockout_minutes = 42\nsecret_key = "from-file"\n')
    monkeypatch.setenv("CNOCARE_CONFIG", str(config))
    settings = SecuritySettings()
    assert settings.lockout_minutes == 42 and secret_key(settings) == "from-file"


def test_environment_wins_over_a_dotenv_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "cnocare.env"
    config.write_text("CNOCARE_LOCKOUT_MINUTES=42\nCNOCARE_SESSION_IDLE_MINUTES=5\n")
    monkeypatch.setenv("CNOCARE_CONFIG", str(config))
    monkeypatch.setenv("CNOCARE_LOCKOUT_MINUTES", "9")
    settings = SecuritySettings()
    assert settings.lockout_minutes == 9 and settings.session_idle_minutes == 5


def test_a_missing_config_file_is_named_in_the_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CNOCARE_CONFIG", str(tmp_path / "nope.toml"))
    with pytest.raises(FileNotFoundError, match=r"nope\.toml"):
        SecuritySettings()


def test_production_needs_the_audit_and_totp_keys_outside_the_database(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from cnocare.security.settings import (
        SecretKeyMissing,
        SecuritySettings,
        audit_signing_key,
        get_settings,
        totp_encryption_key,
    )
    from cnocare.web.app import create_app

    monkeypatch.setenv("CNOCARE_ENVIRONMENT", "production")
    monkeypatch.setenv("CNOCARE_SECRET_KEY", "production-secret-key-0123456789")
    monkeypatch.setenv("CNOCARE_PUBLIC_URL", "https://cno.example-hospital.org")
    monkeypatch.delenv("CNOCARE_AUDIT_SIGNING_KEY", raising=False)
    monkeypatch.delenv("CNOCARE_TOTP_ENCRYPTION_KEY", raising=False)
    get_settings.cache_clear()
    try:
        with pytest.raises(SecretKeyMissing, match="CNOCARE_AUDIT_SIGNING_KEY"):
            create_app(SecuritySettings(database_url=f"sqlite:///{tmp_path / 'p.sqlite3'}"))
        with pytest.raises(SecretKeyMissing, match="CNOCARE_TOTP_ENCRYPTION_KEY"):
            totp_encryption_key()
        monkeypatch.setenv("CNOCARE_AUDIT_SIGNING_KEY", "a-key-kept-in-the-service-environment")
        get_settings.cache_clear()
        assert audit_signing_key() == b"a-key-kept-in-the-service-environment"
        assert not list(tmp_path.glob("*key*"))  # nothing generated beside the database in production
    finally:
        get_settings.cache_clear()


def test_a_malformed_totp_key_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from cnocare.security.settings import get_settings
    from cnocare.security.totp import seal_secret

    monkeypatch.setenv("CNOCARE_TOTP_ENCRYPTION_KEY", "too-short")
    get_settings.cache_clear()
    try:
        with pytest.raises(ValueError, match="CNOCARE_TOTP_ENCRYPTION_KEY is not a Fernet key"):
            seal_secret("JBSWY3DPEHPK3PXP")
    finally:
        get_settings.cache_clear()


def test_keys_can_come_from_private_files_and_a_readable_file_is_refused(tmp_path: Path) -> None:
    from cnocare.security.settings import audit_signing_key

    key_file = tmp_path / "audit.key"
    key_file.write_text("key-from-a-file-0123456789\n")
    key_file.chmod(0o644)
    settings = SecuritySettings(environment="production", data_dir=tmp_path, audit_signing_key=None,
                                audit_signing_key_file=key_file)
    with pytest.raises(SecretKeyMissing, match="mode 0644; accepted: 0600"):
        audit_signing_key(settings)
    key_file.chmod(0o600)
    assert audit_signing_key(settings) == b"key-from-a-file-0123456789"
