"""The database URL comes from the one settings object: environment, or the ``CNOCARE_CONFIG`` file."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from cnocare.records.db import database_url

PG = "postgresql+psycopg://clinic@db.example/cnocare"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("CNOCARE_DATABASE_URL", "CNOCARE_CONFIG", "CNOCARE_MIGRATE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CNOCARE_DATA_DIR", str(tmp_path / "data"))


def test_without_a_database_url_the_sqlite_file_sits_in_the_data_dir(tmp_path: Path) -> None:
    assert database_url() == f"sqlite:///{tmp_path / 'data' / 'cnocare.sqlite3'}"


def test_the_environment_names_the_database_and_postgres_means_psycopg(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CNOCARE_DATABASE_URL", "postgres://clinic@db.example/cnocare")
    assert database_url() == PG


def test_a_database_url_in_a_toml_config_file_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "cnocare.toml"
    config.write_text('database_url = "postgresql://clinic@db.example/cnocare"\n')
    monkeypatch.setenv("CNOCARE_CONFIG", str(config))
    assert database_url() == PG


def test_a_database_url_in_a_dotenv_config_file_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "cnocare.env"
    config.write_text("CNOCARE_DATABASE_URL=postgresql://clinic@db.example/cnocare\n")
    monkeypatch.setenv("CNOCARE_CONFIG", str(config))
    assert database_url() == PG


def test_the_data_dir_of_a_config_file_places_the_default_sqlite_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CNOCARE_DATA_DIR")
    config = tmp_path / "cnocare.toml"
    config.write_text(f'data_dir = "{tmp_path / "from-file"}"\n')
    monkeypatch.setenv("CNOCARE_CONFIG", str(config))
    assert database_url() == f"sqlite:///{tmp_path / 'from-file' / 'cnocare.sqlite3'}"


def test_the_environment_wins_over_the_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "cnocare.toml"
    config.write_text(f'database_url = "sqlite:///{tmp_path / "file.sqlite3"}"\n')
    monkeypatch.setenv("CNOCARE_CONFIG", str(config))
    monkeypatch.setenv("CNOCARE_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    assert database_url() == f"sqlite:///{tmp_path / 'env.sqlite3'}"


def test_the_web_app_opens_and_migrates_the_database_the_config_file_names(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cnocare.web.app import create_app

    chosen = tmp_path / "clinic.sqlite3"
    config = tmp_path / "cnocare.toml"
    config.write_text(f'database_url = "sqlite:///{chosen}"\n')
    monkeypatch.setenv("CNOCARE_CONFIG", str(config))
    app = create_app()
    try:
        assert app.state.web.database_url == f"sqlite:///{chosen}"
        assert "patients" in inspect(app.state.web.engine).get_table_names()
    finally:
        app.state.web.engine.dispose()
    assert not (tmp_path / "data" / "cnocare.sqlite3").exists()


def test_migrate_false_in_the_environment_leaves_the_schema_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cnocare.web.app import create_app

    monkeypatch.setenv("CNOCARE_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    monkeypatch.setenv("CNOCARE_MIGRATE", "false")
    app = create_app()
    try:
        assert inspect(app.state.web.engine).get_table_names() == []
    finally:
        app.state.web.engine.dispose()
