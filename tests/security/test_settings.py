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
