"""Deployment defaults: forwarded addresses believed only from configured proxies, private files and
folders, and ``cnocare serve`` not letting uvicorn trust proxy headers on its own."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import fast_security_env

from cnocare.records.audit.models import AuditEvent
from cnocare.security.settings import get_settings

LIMIT = 5


@pytest.fixture(scope="module")
def app(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    from cnocare.security.settings import SecuritySettings
    from cnocare.web.app import create_app

    with pytest.MonkeyPatch.context() as mp:
        fast_security_env(mp, tmp_path_factory.mktemp("deploy-data"))
        mp.setenv("CNOCARE_IP_FAILURE_LIMIT", str(LIMIT))
        get_settings.cache_clear()
        yield create_app(SecuritySettings(database_url=db_url))
    get_settings.cache_clear()


def _failed_logins(app: FastAPI, peer: str, forged: list[str]) -> list[str]:
    with TestClient(app, client=(peer, 40000)) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        answers = []
        for address in forged:
            response = client.post("/login", headers={"X-Forwarded-For": address}, data={
                "username": "nobody", "password": "wrong password 1", "csrf_token": token.group(1)})
            answers.append(response.text)
        return answers


def _recorded_ips(app: FastAPI, since_id: int) -> list[str | None]:
    with app.state.web.sessions() as db:
        return list(db.scalars(select(AuditEvent.ip).where(AuditEvent.action == "failed-login",
                                                           AuditEvent.id > since_id).order_by(AuditEvent.id)))


def _last_id(app: FastAPI) -> int:
    from sqlalchemy import func

    with app.state.web.sessions() as db:
        return int(db.scalar(select(func.coalesce(func.max(AuditEvent.id), 0))) or 0)


def test_forged_forwarded_addresses_are_ignored_without_trusted_proxies(app: FastAPI) -> None:
    start = _last_id(app)
    forged = [f"203.0.113.{i}" for i in range(LIMIT + 3)]
    answers = _failed_logins(app, "127.0.0.1", forged)
    assert sum("Too many failed sign-ins" in a for a in answers) >= 3  # throttled despite new "addresses"
    assert set(_recorded_ips(app, start)) == {"127.0.0.1"}  # the trail keeps the real peer


def test_a_configured_proxy_is_believed_and_only_it(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CNOCARE_TRUSTED_PROXIES", "10.0.0.0/8")
    get_settings.cache_clear()
    start = _last_id(app)
    _failed_logins(app, "10.1.2.3", ["198.51.100.7", "198.51.100.8, 10.9.9.9"])
    _failed_logins(app, "192.0.2.50", ["198.51.100.9"])  # not a proxy: its header is not believed
    assert _recorded_ips(app, start) == ["198.51.100.7", "198.51.100.8", "192.0.2.50"]
    get_settings.cache_clear()


def test_a_bad_trusted_proxy_entry_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    from cnocare.security.settings import trusted_proxy_networks

    monkeypatch.setenv("CNOCARE_TRUSTED_PROXIES", "10.0.0.1, proxy.local")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match=r"'proxy\.local' is not an IP address"):
        trusted_proxy_networks()
    get_settings.cache_clear()


def test_cnocare_serve_keeps_uvicorns_proxy_headers_off(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from cnocare.cli import app as cli
    from cnocare.web.workers import Listen, uvicorn_options

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    monkeypatch.setenv("CNOCARE_DATABASE_URL", f"sqlite:///{tmp_path / 'serve.sqlite3'}")
    old = os.umask(0o022)
    try:
        result = CliRunner().invoke(cli, ["serve", "--port", "8123", "--workers", "1"])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    assert seen["proxy_headers"] is False and seen["host"] == "127.0.0.1"
    # Several workers: each runs uvicorn with the same options (web.workers.run_worker).
    assert uvicorn_options(Listen("0.0.0.0", 8123))["proxy_headers"] is False


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_database_its_wal_and_shm_and_its_folder_are_private(tmp_path: Path) -> None:
    from cnocare.records.db import make_engine, upgrade

    old = os.umask(0o022)  # a permissive umask, as a service started by hand often has
    try:
        folder = tmp_path / "data"
        url = f"sqlite:///{folder / 'cnocare.sqlite3'}"
        upgrade(url)
        engine = make_engine(url)
        with engine.connect() as conn:
            conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (x)")
            files = sorted(p.name for p in folder.iterdir())
            assert {"cnocare.sqlite3-wal", "cnocare.sqlite3-shm"} <= set(files)
            modes = {name: _mode(folder / name) for name in files}
        engine.dispose()
    finally:
        os.umask(old)
    assert _mode(folder) == 0o700
    assert modes and set(modes.values()) == {0o600}, modes


def test_backups_and_restored_databases_are_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from cnocare.records.backup import backup, manifest_path, restore
    from cnocare.records.db import upgrade

    monkeypatch.setenv("CNOCARE_DATA_DIR", str(tmp_path / "keys"))
    monkeypatch.delenv("CNOCARE_AUDIT_SIGNING_KEY", raising=False)  # the development key file, then
    get_settings.cache_clear()
    old = os.umask(0o022)
    try:
        url = f"sqlite:///{tmp_path / 'live' / 'cnocare.sqlite3'}"
        upgrade(url)
        copy = tmp_path / "backups" / "copy.sqlite3"
        backup(url, copy)
        target = tmp_path / "restored" / "cnocare.sqlite3"
        restore(copy, f"sqlite:///{target}")
    finally:
        os.umask(old)
        get_settings.cache_clear()
    assert _mode(copy) == _mode(manifest_path(copy)) == _mode(target) == 0o600
    assert _mode(copy.parent) == _mode(target.parent) == 0o700
    assert _mode(tmp_path / "keys" / "audit_key") == 0o600 and _mode(tmp_path / "keys") == 0o700
