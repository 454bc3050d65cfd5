"""The audit trail is tamper-evident: with the triggers dropped, deleting, editing, inserting or rewriting
events is detected by ``chain.verify``, ``integrity.check`` and ``cnocare audit verify``, naming the first
broken event; backups carry the signed chain head and a doctored backup does not restore.

Runs on a migrated database (SQLite, and PostgreSQL with CNOCARE_TEST_PG_URL).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from cnocare.cli.operations import audit_app
from cnocare.records import integrity
from cnocare.records.audit import chain
from cnocare.records.audit.models import audit_guard_ddl
from cnocare.records.audit.service import record_event
from cnocare.records.backup import BackupCorrupted, backup, manifest_path, restore
from cnocare.security.policy import Principal
from cnocare.security.settings import get_settings

DR = Principal(user_id=3, username="dr.hedrich", role="clinician", centre_ids=frozenset({1}))


@pytest.fixture(autouse=True)
def small_checkpoints(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    monkeypatch.setenv("CNOCARE_AUDIT_SIGNING_KEY", "audit-key-for-tests-0123456789abcdef")
    monkeypatch.setenv("CNOCARE_AUDIT_CHECKPOINT_EVERY", "10")
    monkeypatch.setenv("CNOCARE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _write(factory: sessionmaker[Session], n: int, **kwargs: object) -> list[int]:
    ids = []
    for i in range(n):
        with factory() as db:
            event = record_event(db_session=db, action="read", principal=DR, record_type="patient",
                                 record_id=f"p{i}", patient_id=f"p{i}", **kwargs)  # type: ignore[arg-type]
            db.commit()
            ids.append(event.id)
    return ids


def _unguarded(engine: Engine, *statements: str) -> None:
    """What an attacker with the database owner's rights does: drop the triggers, tamper, put them back."""
    dialect = engine.dialect.name
    drops = (["DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"] if dialect == "sqlite"
             else ["DROP TRIGGER audit_events_append_only ON audit_events",
                   "DROP TRIGGER audit_chain_append_only ON audit_chain"])
    if dialect == "sqlite":
        drops += ["DROP TRIGGER audit_chain_no_update", "DROP TRIGGER audit_chain_no_delete"]
    with engine.begin() as conn:
        for statement in (*drops, *statements):
            conn.execute(text(statement))
        for table in ("audit_events", "audit_chain"):
            for statement in audit_guard_ddl(dialect, table):
                conn.execute(text(statement))


def _verify(engine: Engine) -> chain.ChainReport:
    with engine.connect() as conn:
        return chain.verify(conn)


def _new_problems(engine: Engine, before: chain.ChainReport) -> list[chain.ChainProblem]:
    """Problems this test caused, in chain order (earlier tests in the module tampered too)."""
    old = {(p.name, p.event_id, p.seq) for p in before.problems}
    return [p for p in _verify(engine).problems if (p.name, p.event_id, p.seq) not in old]


@pytest.fixture
def trail(migrated_engine: Engine, db_factory: sessionmaker[Session]) -> list[int]:
    """35 fresh events on top of whatever the module wrote before (each test tampers with its own)."""
    return _write(db_factory, 35)


@pytest.fixture
def before(migrated_engine: Engine, trail: list[int]) -> chain.ChainReport:
    return _verify(migrated_engine)


def test_an_untouched_trail_verifies_with_signed_checkpoints(tmp_path: Path) -> None:
    from cnocare.records.db import make_engine, session_factory, upgrade

    url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    _write(session_factory(engine), 35)
    report = _verify(engine)
    engine.dispose()
    assert report.ok, report.problems
    assert report.links == report.events == 35 and report.checkpoints == 3
    result = CliRunner().invoke(audit_app, ["verify", "--database-url", url])
    assert result.exit_code == 0 and "35 events" in result.output


def test_a_deleted_event_is_found_and_named(migrated_engine: Engine, db_url: str, trail: list[int],
                                            before: chain.ChainReport) -> None:
    victim = trail[10]
    _unguarded(migrated_engine, f"DELETE FROM audit_events WHERE id = {victim}")
    new = _new_problems(migrated_engine, before)
    assert [(p.name, p.event_id) for p in new] == [("audit_event_missing", victim)]
    checked = integrity.check(db_url, recompute_assessments=False)
    assert "audit_event_missing" in checked.names() and f"event {victim} " in str(checked)
    result = CliRunner().invoke(audit_app, ["verify", "--database-url", db_url])
    assert result.exit_code == 1 and f"event {victim} " in result.output


def test_deleting_reads_with_their_links_leaves_a_gap(migrated_engine: Engine, trail: list[int],
                                                     before: chain.ChainReport) -> None:
    doomed = trail[3:7]
    listed = ", ".join(map(str, doomed))
    _unguarded(migrated_engine, f"DELETE FROM audit_chain WHERE event_id IN ({listed})",
               f"DELETE FROM audit_events WHERE id IN ({listed})")
    new = _new_problems(migrated_engine, before)
    assert new and new[0].name == "audit_chain_gap"
    assert any(p.event_id == trail[7] and p.name == "audit_chain_broken" for p in new)


def test_a_re_attributed_event_is_found_and_named(migrated_engine: Engine, trail: list[int],
                                                  before: chain.ChainReport) -> None:
    victim = trail[20]
    _unguarded(migrated_engine, f"UPDATE audit_events SET username = 'nell.nurse' WHERE id = {victim}")
    new = _new_problems(migrated_engine, before)
    assert new and (new[0].name, new[0].event_id) == ("audit_event_changed", victim)


def test_an_event_slipped_in_behind_the_application_is_found(migrated_engine: Engine, trail: list[int],
                                                             before: chain.ChainReport) -> None:
    with migrated_engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_events (occurred_at, action, outcome, via_token, username) "
                          "VALUES ('2026-03-02 09:00:00', 'login', 'success', false, 'mallory')"))
        forged = conn.execute(text("SELECT max(id) FROM audit_events")).scalar_one()
    assert [(p.name, p.event_id) for p in _new_problems(migrated_engine, before)] == [
        ("audit_event_unchained", forged)]


def test_a_rewrite_with_every_hash_recomputed_is_caught_by_the_signed_checkpoints(
        migrated_engine: Engine, trail: list[int], before: chain.ChainReport) -> None:
    victim = trail[5]
    with migrated_engine.connect() as conn:
        first_seq = conn.execute(text(f"SELECT seq FROM audit_chain WHERE event_id = {victim}")).scalar_one()
    _unguarded(migrated_engine, f"UPDATE audit_events SET username = 'someone.else' WHERE id = {victim}")
    # Recompute every link from the victim on, as someone who knows the algorithm (but not the key) would.
    with migrated_engine.begin() as conn:
        for statement in ("DROP TRIGGER audit_chain_no_update" if conn.dialect.name == "sqlite"
                          else "DROP TRIGGER audit_chain_append_only ON audit_chain",):
            conn.execute(text(statement))
        prev = conn.execute(text(f"SELECT prev_hash FROM audit_chain WHERE seq = {first_seq}")).scalar_one()
        for seq, event_id in conn.execute(text(f"SELECT seq, event_id FROM audit_chain WHERE seq >= {first_seq} "
                                               "ORDER BY seq")).all():
            row = conn.execute(text(f"SELECT {', '.join(chain.CONTENT_COLUMNS)} FROM audit_events "
                                    f"WHERE id = {event_id}")).mappings().one()
            fixed = dict(row)
            if isinstance(fixed["fields"], str):
                fixed["fields"] = json.loads(fixed["fields"])
            if isinstance(fixed["occurred_at"], str):
                import datetime as dt

                fixed["occurred_at"] = dt.datetime.fromisoformat(fixed["occurred_at"])
            new = chain.link_hash(prev, fixed)
            conn.execute(text(f"UPDATE audit_chain SET prev_hash = '{prev}', hash = '{new}' WHERE seq = {seq}"))
            prev = new
        for statement in audit_guard_ddl(conn.dialect.name, "audit_chain"):
            conn.execute(text(statement))
    names = [p.name for p in _new_problems(migrated_engine, before)]
    assert "audit_event_changed" not in names  # the links themselves are consistent again...
    assert "audit_chain_rewritten" in names  # ...but the signed checkpoints no longer match


def test_concurrent_writers_chain_in_commit_order(migrated_engine: Engine, db_factory: sessionmaker[Session]) -> None:
    # Start from a clean trail: the tamper tests above broke this module's one on purpose.
    with migrated_engine.connect() as conn:
        before = chain.verify(conn)
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            _write(db_factory, 15)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    after = _verify(migrated_engine)
    assert after.links == before.links + 60 and after.events == before.events + 60
    assert {p.name for p in after.problems} == {p.name for p in before.problems}  # nothing new broke


def test_a_doctored_sqlite_backup_with_its_checksum_recomputed_does_not_restore(tmp_path: Path) -> None:
    from cnocare.records.db import make_engine, session_factory, upgrade

    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    ids = _write(session_factory(engine), 12)
    engine.dispose()
    copy = tmp_path / "copy.sqlite3"
    report = backup(url, copy)
    assert json.loads(manifest_path(copy).read_text())["audit_chain"]["seq"] == 12
    restore(copy, f"sqlite:///{tmp_path / 'clean-restore.sqlite3'}")  # the untouched copy restores

    doctored = make_engine(f"sqlite:///{copy}")
    _unguarded(doctored, f"DELETE FROM audit_events WHERE id = {ids[4]}",
               f"UPDATE audit_events SET username = 'someone.else' WHERE id = {ids[6]}")
    doctored.dispose()
    manifest = json.loads(manifest_path(copy).read_text())
    import hashlib

    manifest["sha256"] = hashlib.sha256(copy.read_bytes()).hexdigest()
    manifest["tables"]["audit_events"] -= 1
    manifest_path(copy).write_text(json.dumps(manifest))
    with pytest.raises(BackupCorrupted, match=f"event {ids[4]} "):
        restore(copy, f"sqlite:///{tmp_path / 'restored.sqlite3'}")
    assert not (tmp_path / "restored.sqlite3").exists() or report.tables


def test_a_backup_of_a_tampered_trail_never_restores(migrated_engine: Engine, db_url: str, trail: list[int],
                                                    tmp_path: Path) -> None:
    """Both databases: PostgreSQL refuses already while verifying the dump in a scratch database."""
    import uuid

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    _unguarded(migrated_engine, f"DELETE FROM audit_events WHERE id = {trail[2]}")
    if migrated_engine.dialect.name == "sqlite":
        copy = tmp_path / "tampered.sqlite3"
        backup(db_url, copy)
        with pytest.raises(BackupCorrupted, match="tampered with"):
            restore(copy, f"sqlite:///{tmp_path / 'target.sqlite3'}")
        return
    name = f"cnocare_t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        with pytest.raises(BackupCorrupted, match="tampered with"):
            backup(db_url, tmp_path / "tampered.dump")
        target = make_url(db_url).set(database=name).render_as_string(hide_password=False)
        copy = tmp_path / "unverified.dump"
        backup(db_url, copy, verify=False)
        with pytest.raises(BackupCorrupted, match="tampered with"):
            restore(copy, target)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
