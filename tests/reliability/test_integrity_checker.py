"""The integrity checker finds each kind of damage by name, passes a healthy database, and never writes."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from cnocare.analytics.seed import seed_demo
from cnocare.records import writes
from cnocare.records.db import make_engine, session_factory
from cnocare.records.integrity import check
from cnocare.records.kinds import KINDS
from reliability.harness import ScratchDatabases
from reliability.scenarios import ACTOR, new_patient, session

# damage (SQL run with foreign keys off) -> the problem names the checker must report
DAMAGE = {
    "an old version made current again": (
        ["UPDATE clinical_notes SET is_current = TRUE, voided_at = NULL, voided_by = NULL, "
         "void_reason = NULL WHERE text = 'v1'"], {"several_current_versions"}),
    "a middle version deleted": (["DELETE FROM clinical_notes WHERE text = 'v2'"], {"version_gap"}),
    "a voided version without its reason": (
        ["UPDATE clinical_notes SET void_reason = NULL WHERE text = 'v1'"], {"void_incomplete"}),
    "the current version switched off": (
        ["UPDATE clinical_notes SET is_current = FALSE WHERE text = 'v3'"], {"no_current_version"}),
    "imaging studies deleted under their lesions": (
        ["DELETE FROM imaging_studies"], {"orphan_row"}),
    "lab results removed behind the assessment's back": (["DELETE FROM lab_results"], {"stale_assessment"}),
    "a summary row lost": (["DELETE FROM patient_summaries"], {"missing_summary"}),
    "a summary's red-flag count altered": (
        ["UPDATE patient_summaries SET red_flag_count = red_flag_count + 1"], {"summary_mismatch"}),
}

NOTES = KINDS["notes"]


@pytest.fixture(scope="module")
def healthy(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ScratchDatabases, str]]:
    """Two demo patients plus a note edited twice (versions v1, v2, v3), every connection closed."""
    server = None if db_url.startswith("sqlite") else db_url
    databases = ScratchDatabases(tmp_path_factory.mktemp("integrity"), server)
    url = databases.fresh()
    engine = make_engine(url)
    seed_demo(session_factory(engine), n=2, seed=11)
    engine.dispose()
    patient_id = new_patient(url)
    with session(url) as s:
        note = writes.add(NOTES, db_session=s, patient_id=patient_id, actor=ACTOR, data={"date": dt.date(2025, 9, 2),
                          "text": "v1"})
        for version, text_ in ((1, "v2"), (2, "v3")):
            writes.revise(NOTES, db_session=s, record_id=note.record_id, changes={"text": text_},
                          expected_version=version, actor=ACTOR)
    yield databases, url
    databases.drop_all()


def damage(url: str, statements: list[str]) -> None:
    engine = create_engine(url)  # not make_engine: SQLite foreign keys stay off, as in a careless tool
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET LOCAL session_replication_role = replica"))  # no FK triggers
        for statement in statements:
            connection.execute(text(statement))
    engine.dispose()


def test_a_healthy_database_has_no_problems(healthy: tuple[ScratchDatabases, str]) -> None:
    report = check(healthy[1])
    assert report.ok, str(report)
    assert report.patients_checked == 3
    assert report.records_checked > 20


@pytest.mark.parametrize("what", sorted(DAMAGE))
def test_each_kind_of_damage_is_reported_by_name(healthy: tuple[ScratchDatabases, str], what: str) -> None:
    databases, url = healthy
    statements, expected = DAMAGE[what]
    damaged = databases.clone(url)
    damage(damaged, statements)
    report = check(damaged)
    assert expected <= report.names(), str(report)


def test_a_dropped_audit_guard_is_reported(healthy: tuple[ScratchDatabases, str]) -> None:
    databases, url = healthy
    damaged = databases.clone(url)
    sqlite = databases.dialect == "sqlite"
    damage(damaged, ["DROP TRIGGER audit_events_no_delete" if sqlite
                     else "DROP TRIGGER audit_events_append_only ON audit_events"])
    assert "audit_guard_missing" in check(damaged).names()


def test_orphaned_lesions_are_found_or_refused_by_the_database(healthy: tuple[ScratchDatabases, str]) -> None:
    databases, url = healthy
    damaged = databases.clone(url)
    if databases.dialect == "sqlite":  # a careless tool with foreign keys off can orphan rows; the check sees it
        damage(damaged, ["DELETE FROM imaging_studies"])
        assert {"foreign_key", "orphan_row"} <= check(damaged).names()
        return
    engine = create_engine(damaged)  # PostgreSQL enforces the foreign key itself: the damage is refused
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(text("DELETE FROM imaging_studies"))
    engine.dispose()
    assert check(damaged).ok


def test_checking_changes_nothing(healthy: tuple[ScratchDatabases, str]) -> None:
    databases, url = healthy
    copy = databases.clone(url)
    path = Path(make_url(copy).database or "")

    def digest() -> str:
        if databases.dialect == "sqlite":
            return hashlib.sha256(path.read_bytes()).hexdigest()
        return _content_digest(copy)  # PostgreSQL: every row of every table, in a stable order

    before = digest()
    assert check(copy).ok
    assert digest() == before


def _content_digest(url: str) -> str:
    engine = create_engine(url)
    parts = []
    with engine.connect() as connection:
        tables = connection.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")).scalars().all()
        for table in tables:
            rows = f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM \"{table}\" t"
            parts.append(connection.execute(text(rows)).scalar_one())
    engine.dispose()
    return hashlib.sha256("".join(parts).encode()).hexdigest()
