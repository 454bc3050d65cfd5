from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cnocare.records.accounts.service import create_user
from cnocare.records.audit.service import record_event
from cnocare.records.backup import BackupCorrupted, BackupError, backup, manifest_path, read_manifest, restore
from cnocare.records.db import make_engine, session_factory
from cnocare.security.settings import SecuritySettings


def _fill(engine: Engine, settings: SecuritySettings, users: int = 3) -> None:
    with session_factory(engine)() as db:
        _populate(db, settings, users)


def _populate(db: Session, settings: SecuritySettings, users: int) -> None:
    for i in range(users):
        create_user(db_session=db, settings=settings, data={
            "username": f"nurse{i}", "email": f"n{i}@clinic.example", "display_name": f"Nurse {i}", "role": "nurse"})
    record_event(db_session=db, action="export", username="root", detail="test")
    db.commit()


def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                    for t in ("users", "audit_events")}
    finally:
        engine.dispose()


def test_sqlite_backup_and_restore_round_trip_with_a_verified_manifest(
        engine: Engine, sqlite_url: str, settings: SecuritySettings, tmp_path: Path) -> None:
    _fill(engine, settings)
    report = backup(sqlite_url, tmp_path / "backups" / "b1.sqlite3")
    assert report.tables["users"] == 3 and report.tables["audit_events"] == 4 and report.verified
    manifest = read_manifest(report.path)
    assert manifest["sha256"] == report.sha256 and manifest["tables"] == report.tables
    assert oct(report.path.stat().st_mode & 0o777) == "0o600"
    target = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    restored = restore(report.path, target)
    assert restored.verified and _counts(target) == {"users": 3, "audit_events": 4}
    restored_engine = make_engine(target)
    try:  # the append-only triggers came back with the data
        with pytest.raises(DatabaseError, match="append-only"), restored_engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_events"))
    finally:
        restored_engine.dispose()


def test_a_damaged_sqlite_backup_is_refused_before_anything_is_restored(
        engine: Engine, sqlite_url: str, settings: SecuritySettings, tmp_path: Path) -> None:
    _fill(engine, settings)
    report = backup(sqlite_url, tmp_path / "b.sqlite3")
    data = bytearray(report.path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    report.path.write_bytes(bytes(data))
    target = tmp_path / "never.sqlite3"
    with pytest.raises(BackupCorrupted, match="damaged or was altered"):
        restore(report.path, f"sqlite:///{target}")
    assert not target.exists()


def test_a_backup_whose_manifest_was_forged_is_caught_by_the_content_checks(
        engine: Engine, sqlite_url: str, settings: SecuritySettings, tmp_path: Path) -> None:
    _fill(engine, settings)
    report = backup(sqlite_url, tmp_path / "b.sqlite3")
    manifest = json.loads(report.manifest_path.read_text())
    manifest["tables"]["users"] = 99
    report.manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(BackupCorrupted, match="users: expected 99, found 3"):
        restore(report.path, f"sqlite:///{tmp_path / 'never.sqlite3'}")


def test_a_restore_will_not_overwrite_a_database_holding_data_unless_forced(
        engine: Engine, sqlite_url: str, settings: SecuritySettings, tmp_path: Path) -> None:
    _fill(engine, settings, users=2)
    report = backup(sqlite_url, tmp_path / "b.sqlite3")
    _fill(engine, settings.model_copy(), users=0)  # one more audit row after the backup
    with pytest.raises(BackupError, match="already holds data"):
        restore(report.path, sqlite_url)
    restore(report.path, sqlite_url, overwrite=True)
    assert _counts(sqlite_url) == {"users": 2, "audit_events": 3}


def test_backups_are_never_written_over_an_existing_file(engine: Engine, sqlite_url: str, tmp_path: Path) -> None:
    (tmp_path / "b.sqlite3").write_text("precious")
    with pytest.raises(BackupError, match="already exists"):
        backup(sqlite_url, tmp_path / "b.sqlite3")
    with pytest.raises(BackupCorrupted, match=r"manifest .* is missing"):
        read_manifest(tmp_path / "b.sqlite3")


def test_the_cli_backs_up_and_restores(engine: Engine, sqlite_url: str, settings: SecuritySettings,
                                       tmp_path: Path) -> None:
    import typer

    from cnocare.cli.operations import backup_command, restore_command

    app = typer.Typer()
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)
    _fill(engine, settings)
    runner = CliRunner()
    out = runner.invoke(app, ["backup", "--to", str(tmp_path / "c.sqlite3"), "--database-url", sqlite_url])
    assert out.exit_code == 0, out.output
    assert "rows" in out.output and "sha256" in out.output
    target = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    out = runner.invoke(app, ["restore", "--from", str(tmp_path / "c.sqlite3"), "--database-url", target])
    assert out.exit_code == 0 and "counts match the manifest" in out.output
    out = runner.invoke(app, ["restore", "--from", str(tmp_path / "c.sqlite3"), "--database-url", target])
    assert out.exit_code == 1 and "already holds data" in out.output


# --- PostgreSQL ---------------------------------------------------------------------------------

@pytest.fixture
def empty_pg_database(pg_url: str) -> Iterator[str]:
    name = f"cnocare_sec_r_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_postgresql_backup_is_verified_in_a_scratch_database_and_restores(
        pg_url: str, empty_pg_database: str, settings: SecuritySettings, tmp_path: Path) -> None:
    engine = make_engine(pg_url)
    try:
        _fill(engine, settings)
    finally:
        engine.dispose()
    expected = _counts(pg_url)
    report = backup(pg_url, tmp_path / "pg.dump")
    assert report.verified and report.tables["public.users"] == expected["users"]
    restored = restore(report.path, empty_pg_database)
    assert restored.verified and _counts(empty_pg_database) == expected
    restored_engine = make_engine(empty_pg_database)
    try:
        with pytest.raises(DatabaseError, match="append-only"), restored_engine.begin() as conn:
            conn.execute(text("UPDATE audit_events SET username = 'x'"))
    finally:
        restored_engine.dispose()


@pytest.mark.postgres
def test_a_damaged_postgresql_dump_is_refused(pg_url: str, empty_pg_database: str, tmp_path: Path) -> None:
    report = backup(pg_url, tmp_path / "pg.dump", verify=False)
    data = bytearray(report.path.read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = b"\x00" * 64
    report.path.write_bytes(bytes(data))
    with pytest.raises(BackupCorrupted, match="damaged or was altered"):
        restore(report.path, empty_pg_database)
    manifest = json.loads(manifest_path(report.path).read_text())  # forge the checksum too
    import hashlib
    manifest["sha256"] = hashlib.sha256(bytes(data)).hexdigest()
    manifest_path(report.path).write_text(json.dumps(manifest))
    with pytest.raises(BackupCorrupted):
        restore(report.path, empty_pg_database)
