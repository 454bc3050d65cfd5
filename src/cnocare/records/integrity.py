"""Is the database whole? A read-only check to run after a crash, a restore, or before a backup is trusted.

``check(url)`` reads, never writes (SQLite connections are ``query_only``; PostgreSQL transactions are
``READ ONLY``), inside one snapshot, and lists every problem it finds by name; an empty list means healthy:

- the storage engine's own checks (SQLite ``integrity_check`` and ``foreign_key_check``);
- no row points at a parent that is missing (lesions without their imaging study, records without patient);
- versioned clinical records: versions 1..n without gaps, exactly one current version unless the record
  was voided, every voided row says when, by whom and why;
- patients: voiding is complete, demographic revisions belong to earlier versions;
- every patient has a summary pointing at their latest assessment snapshot, refreshed after their latest
  write, and (``recompute_assessments``) that snapshot is what the clinical core says about the records now;
- the audit trail: its append-only guards are installed, every row names its time, action and outcome,
  and its hash chain and signed checkpoints verify (``records.audit.chain``; the first broken event named).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, create_engine, event, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from cnocare.records.base import Base
from cnocare.records.db import SQLITE_BUSY_TIMEOUT_MS, normalise_url
from cnocare.records.versioned import ClinicalRecordMixin


@dataclass(frozen=True)
class IntegrityProblem:
    name: str  # stable kind, e.g. "version_gap", "orphan_row", "stale_assessment"
    table: str | None
    detail: str

    def __str__(self) -> str:
        return f"{self.name} [{self.table or '-'}]: {self.detail}"


@dataclass(frozen=True)
class IntegrityReport:
    dialect: str
    problems: tuple[IntegrityProblem, ...]
    records_checked: int = 0  # versioned clinical records (all versions of one record count once)
    patients_checked: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # rows per table

    @property
    def ok(self) -> bool:
        return not self.problems

    def names(self) -> set[str]:
        return {p.name for p in self.problems}

    def __str__(self) -> str:
        if self.ok:
            return (f"healthy ({self.dialect}: {self.patients_checked} patients, "
                    f"{self.records_checked} records)")
        return f"{len(self.problems)} problem(s):\n" + "\n".join(f"  - {p}" for p in self.problems)


class _Found:
    """Collects problems, capped per kind so a badly broken database still gives a readable report."""

    CAP = 50

    def __init__(self) -> None:
        self.problems: list[IntegrityProblem] = []
        self._per_kind: dict[str, int] = defaultdict(int)

    def add(self, name: str, table: str | None, detail: str) -> None:
        self._per_kind[name] += 1
        if self._per_kind[name] <= self.CAP:
            self.problems.append(IntegrityProblem(name, table, detail))
        elif self._per_kind[name] == self.CAP + 1:
            self.problems.append(IntegrityProblem(name, table, f"more {name} problems not listed"))


def check(url: str, *, recompute_assessments: bool = True) -> IntegrityReport:
    """Check the database at ``url`` (migrated to head); see the module docstring for what is checked."""
    import cnocare.records.registry  # noqa: F401  - every table in Base.metadata

    found = _Found()
    with _read_only(normalise_url(url)) as connection:
        dialect = connection.dialect.name
        present = set(inspect(connection).get_table_names())
        tables = {name: t for name, t in Base.metadata.tables.items() if name in present}
        for name in sorted(set(Base.metadata.tables) - present):
            found.add("missing_table", name, "table is missing: the database is not migrated to head")
        counts = {name: int(connection.execute(select(func.count()).select_from(t)).scalar_one())
                  for name, t in sorted(tables.items())}
        if dialect == "sqlite":
            _sqlite_checks(connection, found)
        _orphans(connection, tables, found)
        records = _versioned(connection, tables, found)
        _patients(connection, tables, found)
        patients = _assessments(connection, tables, found, recompute_assessments)
        _audit(connection, tables, found)
    return IntegrityReport(dialect, tuple(found.problems), records, patients, counts)


@contextmanager
def _read_only(url: str) -> Iterator[Connection]:
    sqlite = make_url(url).get_backend_name() == "sqlite"
    engine = create_engine(url)
    if sqlite:
        @event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we issue BEGIN ourselves: one snapshot for every check
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA query_only=ON")  # the checker cannot write, even by mistake
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            connection.exec_driver_sql("BEGIN")
    try:
        with engine.connect() as connection:
            if not sqlite:
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin() as transaction:
                if not sqlite:
                    connection.execute(text("SET TRANSACTION READ ONLY"))
                yield connection
                transaction.rollback()
    finally:
        engine.dispose()


def _sqlite_checks(connection: Connection, found: _Found) -> None:
    result = [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check")]
    if result != ["ok"]:
        for line in result:
            found.add("sqlite_integrity", None, line)
    for table, rowid, parent, _fk in connection.exec_driver_sql("PRAGMA foreign_key_check"):
        found.add("foreign_key", table, f"row {rowid} refers to a missing {parent} row")


def _orphans(connection: Connection, tables: dict[str, Table], found: _Found) -> None:
    """Every foreign key, checked by join: PostgreSQL enforces them, but a restore or import may not have."""
    for name, table in sorted(tables.items()):
        for fk in table.foreign_keys:
            parent = fk.column.table
            if parent.name not in tables:
                continue
            child_column, parent_column = fk.parent, fk.column
            query = (select(child_column).select_from(table.outerjoin(parent, child_column == parent_column))
                     .where(child_column.is_not(None), parent_column.is_(None)).limit(found.CAP))
            for (value,) in connection.execute(query):
                found.add("orphan_row", name, f"{child_column.name}={value!r} has no {parent.name} row")


def _versioned_tables(tables: dict[str, Table]) -> list[Table]:
    names = {m.local_table.name for m in Base.registry.mappers  # type: ignore[attr-defined]
             if issubclass(m.class_, ClinicalRecordMixin)}
    return [tables[name] for name in sorted(names & set(tables))]


def _versioned(connection: Connection, tables: dict[str, Table], found: _Found) -> int:
    records = 0
    for table in _versioned_tables(tables):
        c = table.c
        rows = connection.execute(select(c.record_id, c.version, c.is_current, c.patient_id, c.voided_at,
                                         c.voided_by, c.void_reason).order_by(c.record_id, c.version)).all()
        by_record: dict[str, list[Any]] = defaultdict(list)
        for row in rows:
            by_record[row.record_id].append(row)
        records += len(by_record)
        for record_id, versions in by_record.items():
            _one_record(table.name, record_id, versions, found)
    return records


def _one_record(table: str, record_id: str, versions: list[Any], found: _Found) -> None:
    numbers = [v.version for v in versions]
    if numbers != list(range(1, len(numbers) + 1)):
        found.add("version_gap", table,
                  f"record {record_id} has versions {numbers}; expected 1..{len(numbers)}")
    if len({v.patient_id for v in versions}) > 1:
        found.add("record_changed_patient", table,
                  f"record {record_id} versions belong to different patients")
    current = [v for v in versions if v.is_current]
    if len(current) > 1:
        found.add("several_current_versions", table,
                  f"record {record_id} has {len(current)} current versions {[v.version for v in current]}")
    elif current and current[0] is not versions[-1]:
        found.add("current_not_latest", table,
                  f"record {record_id}: version {current[0].version} is current but {numbers[-1]} exists")
    elif not current and not versions[-1].void_reason:
        found.add("no_current_version", table,
                  f"record {record_id} has no current version and was not voided")
    for v in versions:
        voided = (v.voided_at, v.voided_by, v.void_reason)
        if v.is_current and any(x is not None for x in voided):
            found.add("current_but_voided", table,
                      f"record {record_id} v{v.version} is current yet has void data")
        if not v.is_current and any(x is None or x == "" for x in voided):
            found.add("void_incomplete", table, f"record {record_id} v{v.version} is voided without "
                      "voided_at, voided_by and void_reason all set")


def _patients(connection: Connection, tables: dict[str, Table], found: _Found) -> None:
    if "patients" not in tables:
        return
    p = tables["patients"].c
    for row in connection.execute(select(p.id, p.row_version, p.voided_at, p.voided_by, p.void_reason)):
        voided = (row.voided_at, row.voided_by, row.void_reason)
        if any(x is not None for x in voided) and any(x is None or x == "" for x in voided):
            found.add("void_incomplete", "patients", f"patient {row.id} is partly voided")
    if "patient_revisions" not in tables:
        return
    r = tables["patient_revisions"].c
    query = (select(r.patient_id, r.row_version, p.row_version.label("now"))
             .join(tables["patients"], p.id == r.patient_id).order_by(r.patient_id, r.row_version))
    seen: set[tuple[str, int]] = set()
    for row in connection.execute(query):
        if row.row_version >= row.now or (row.patient_id, row.row_version) in seen:
            found.add("patient_revision_mismatch", "patient_revisions",
                      f"patient {row.patient_id}: revision of version {row.row_version} "
                      f"(current version {row.now}) is duplicated or not older")
        seen.add((row.patient_id, row.row_version))


def _assessments(connection: Connection, tables: dict[str, Table], found: _Found, recompute: bool) -> int:
    needed = {"patients", "patient_summaries", "assessment_snapshots"}
    if not needed <= set(tables):
        return 0
    p, a = tables["patients"].c, tables["assessment_snapshots"].c
    summaries = {row.patient_id: row for row in connection.execute(select(tables["patient_summaries"]))}
    latest: dict[str, Any] = {}
    snapshots: dict[int, Any] = {}
    # created_at: _recompute assesses as of the snapshot's own day
    for row in connection.execute(select(a.id, a.patient_id, a.content_hash, a.engine, a.red_flag_count,
                                         a.urgent_red_flag_count, a.created_at)
                                  .order_by(a.patient_id, a.created_at, a.id)):
        latest[row.patient_id] = snapshots[row.id] = row  # ordered like assessments.service._latest
    last_visits = _last_visits(connection, tables)
    last_write = _last_writes(connection, tables)
    patients = connection.execute(select(p.id, p.voided_at, p.updated_at).order_by(p.id)).all()
    session = Session(bind=connection, autoflush=False) if recompute else None
    for patient in patients:
        pid, summary, snapshot = patient.id, summaries.get(patient.id), latest.get(patient.id)
        if snapshot is None:
            found.add("missing_snapshot", "assessment_snapshots", f"patient {pid} has no assessment snapshot")
        if summary is None:
            found.add("missing_summary", "patient_summaries", f"patient {pid} has no summary row")
            continue
        if snapshot is not None and summary.latest_snapshot_id != snapshot.id:
            found.add("summary_not_latest_snapshot", "patient_summaries",
                      f"patient {pid}: summary points at snapshot {summary.latest_snapshot_id}, "
                      f"latest is {snapshot.id}")
        pointed = snapshots.get(summary.latest_snapshot_id)
        if pointed is not None and (summary.red_flag_count, summary.urgent_red_flag_count) != (
                pointed.red_flag_count, pointed.urgent_red_flag_count):
            found.add("summary_mismatch", "patient_summaries",
                      f"patient {pid}: summary counts {summary.red_flag_count} red flags "
                      f"({summary.urgent_red_flag_count} urgent), its snapshot {pointed.id} "
                      f"{pointed.red_flag_count} ({pointed.urgent_red_flag_count})")
        if summary.last_visit_date != last_visits.get(pid):
            found.add("summary_mismatch", "patient_summaries", f"patient {pid}: summary last visit "
                      f"{summary.last_visit_date}, current visits say {last_visits.get(pid)}")
        own = None if patient.voided_at else patient.updated_at  # voiding a patient does not refresh
        wrote = max([t for t in (last_write.get(pid), own) if t], default=None)
        if wrote is not None and summary.updated_at < wrote:
            found.add("stale_summary", "patient_summaries",
                      f"patient {pid}: summary refreshed {summary.updated_at}, last write {wrote}")
        if session is not None and snapshot is not None:
            _recompute(session, pid, snapshot, found)
    if session is not None:
        session.close()
    return len(patients)


def _last_visits(connection: Connection, tables: dict[str, Table]) -> dict[str, Any]:
    if "visits" not in tables:
        return {}
    v = tables["visits"].c
    return dict(connection.execute(select(v.patient_id, func.max(v.date)).where(v.is_current.is_(True))
                                   .group_by(v.patient_id)).tuples().all())


def _last_writes(connection: Connection, tables: dict[str, Table]) -> dict[str, Any]:
    """The latest time each patient's clinical records were written (a version added or voided)."""
    last: dict[str, Any] = {}
    for table in _versioned_tables(tables):
        c = table.c
        for column in (c.created_at, c.voided_at):
            latest = select(c.patient_id, func.max(column)).group_by(c.patient_id)
            for pid, when in connection.execute(latest):
                if when is not None and (pid not in last or when > last[pid]):
                    last[pid] = when
    return last


def _recompute(session: Session, patient_id: str, snapshot: Any, found: _Found) -> None:
    from cnocare.records.assessments.engine import assess_to_json
    from cnocare.records.casebuilder import build_case
    from cnocare.records.errors import RecordValidationError

    try:
        case = build_case(db_session=session, patient_id=patient_id, assessed_on=snapshot.created_at.date())
    except RecordValidationError as exc:
        found.add("case_invalid", None,
                  f"patient {patient_id}: the records no longer make a valid Case ({exc})")
        return
    assessment, engine = assess_to_json(case)
    # The same digest assessments.service.refresh stores, so equal content means an up-to-date snapshot.
    digest = hashlib.sha256(json.dumps(assessment, sort_keys=True, default=str).encode()).hexdigest()
    if digest != snapshot.content_hash or engine != snapshot.engine:
        found.add("stale_assessment", "assessment_snapshots",
                  f"patient {patient_id}: latest snapshot {snapshot.id} differs from the assessment of the "
                  "current records")


def _audit(connection: Connection, tables: dict[str, Table], found: _Found) -> None:
    from cnocare.records.audit.models import AUDIT_ACTIONS, AUDIT_OUTCOMES, TABLE

    if TABLE not in tables:
        return
    if connection.dialect.name == "sqlite":
        triggers = {row[0] for row in connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?", (TABLE,))}
        expected = {f"{TABLE}_no_update", f"{TABLE}_no_delete"}
    else:
        triggers = {row[0] for row in connection.execute(text(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = to_regclass(:t) AND NOT tgisinternal"),
            {"t": TABLE})}
        expected = {f"{TABLE}_append_only", f"{TABLE}_no_truncate"}
    for missing in sorted(expected - triggers):
        found.add("audit_guard_missing", TABLE, f"trigger {missing} is missing: the trail is not append-only")
    _audit_chain(connection, tables, found)
    c = tables[TABLE].c
    bad = (select(c.id, c.occurred_at, c.action, c.outcome)
           .where(c.occurred_at.is_(None) | c.action.is_(None) | c.outcome.is_(None)
                  | c.action.not_in(AUDIT_ACTIONS) | c.outcome.not_in(AUDIT_OUTCOMES)).limit(found.CAP))
    for row in connection.execute(bad):
        found.add("audit_row_damaged", TABLE, f"event {row.id}: occurred_at={row.occurred_at}, "
                  f"action={row.action!r}, outcome={row.outcome!r}")


def _audit_chain(connection: Connection, tables: dict[str, Table], found: _Found) -> None:
    from cnocare.records.audit import chain
    from cnocare.records.audit.models import CHAIN_TABLE, CHECKPOINT_TABLE
    from cnocare.security.settings import SecretKeyMissing

    if not {CHAIN_TABLE, CHECKPOINT_TABLE} <= set(tables):
        return
    try:
        report = chain.verify(connection)
    except SecretKeyMissing as exc:
        found.add("audit_key_missing", CHECKPOINT_TABLE, f"checkpoints cannot be verified: {exc}")
        return
    for problem in report.problems:
        found.add(problem.name, CHAIN_TABLE, str(problem))
