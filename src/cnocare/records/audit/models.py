"""The ``audit_events`` table and the database triggers that make it append-only.

Three layers refuse changes to an audit row: the service has no update/delete function; an ORM
``before_flush`` hook rejects modified or deleted AuditEvent objects; and database triggers refuse
UPDATE and DELETE (and TRUNCATE on PostgreSQL) from any client, including a psql prompt.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, DateTime, Index, Integer, String, Text, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from cnocare.records.base import Base

AUDIT_ACTIONS: tuple[str, ...] = ("read", "create", "update", "void", "login", "logout", "export",
                                  "failed-login")
AUDIT_OUTCOMES: tuple[str, ...] = ("success", "failure", "denied")
TABLE = "audit_events"
GUARD_FUNCTION = "cnocare_audit_append_only"


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(f"'{v}'" for v in values)


class AuditEvent(Base):
    __tablename__ = TABLE
    __table_args__ = (
        CheckConstraint(f"action IN ({_in(AUDIT_ACTIONS)})", name="action"),
        CheckConstraint(f"outcome IN ({_in(AUDIT_OUTCOMES)})", name="outcome"),
        Index("ix_audit_events_patient_time", "patient_id", "occurred_at"),
        Index("ix_audit_events_user_time", "user_id", "occurred_at"),
        Index("ix_audit_events_ip_time", "ip", "occurred_at"),  # per-address sign-in throttling
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    occurred_at: Mapped[dt.datetime] = mapped_column(DateTime(), index=True)  # naive UTC
    # Copies, not foreign keys: the trail must outlive renamed or removed accounts and records.
    user_id: Mapped[int | None] = mapped_column(Integer)
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(16))
    via_token: Mapped[bool] = mapped_column(Boolean, default=False)
    action: Mapped[str] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(8), default="success")
    record_type: Mapped[str | None] = mapped_column(String(64))
    record_id: Mapped[str | None] = mapped_column(String(64))
    patient_id: Mapped[str | None] = mapped_column(String(64))
    fields: Mapped[list[str] | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    detail: Mapped[str | None] = mapped_column(Text)
    token_id: Mapped[int | None] = mapped_column(Integer)  # the API token used, when the caller sent one


CHAIN_TABLE = "audit_chain"
CHECKPOINT_TABLE = "audit_checkpoints"


class AuditChainLink(Base):
    """One link of the hash chain: ``hash = SHA-256(prev_hash, the event's canonical content)``.

    Kept beside the event rather than in it, because the chain position is known only at commit (under a
    lock, so concurrent transactions chain in commit order); ``seq`` runs 1..n without gaps.
    """

    __tablename__ = CHAIN_TABLE

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    event_id: Mapped[int] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """The chain head at ``seq``, signed (HMAC-SHA256) with a key kept outside the database: rewriting the
    trail and recomputing every hash still cannot produce these."""

    __tablename__ = CHECKPOINT_TABLE

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    seq: Mapped[int] = mapped_column(Integer, index=True)
    hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[dt.datetime] = mapped_column(DateTime())
    key_id: Mapped[str] = mapped_column(String(16))  # which key signed (a fingerprint), for rotation
    signature: Mapped[str] = mapped_column(String(64))


def audit_guard_ddl(dialect: str, table: str = TABLE) -> list[str]:
    """Statements that make ``table`` (by default ``audit_events``) append-only; run them after the table is
    created (the Alembic migrations call this with ``op.get_bind().dialect.name``)."""
    if dialect == "sqlite":
        return [
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END",
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: DELETE refused'); END",
        ]
    if dialect == "postgresql":
        return [
            f"CREATE OR REPLACE FUNCTION {GUARD_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP "
            "USING ERRCODE = 'insufficient_privilege'; END $$",
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {GUARD_FUNCTION}()",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {GUARD_FUNCTION}()",
        ]
    raise ValueError(f"audit guard: dialect {dialect!r} is not supported (sqlite, postgresql)")


def audit_guard_drop_ddl(dialect: str, table: str = TABLE) -> list[str]:
    """The reverse, for a migration's downgrade."""
    if dialect == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {table}_no_update", f"DROP TRIGGER IF EXISTS {table}_no_delete"]
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
                f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
                *([f"DROP FUNCTION IF EXISTS {GUARD_FUNCTION}()"] if table == TABLE else [])]
    raise ValueError(f"audit guard: dialect {dialect!r} is not supported (sqlite, postgresql)")


GUARDED_TABLES = (TABLE, CHAIN_TABLE, CHECKPOINT_TABLE)


def install_audit_guard(connection: Connection, table: str = TABLE) -> None:
    for statement in audit_guard_ddl(connection.dialect.name, table):
        connection.execute(text(statement))


def _guard_after_create(table: Any, connection: Connection, **_kw: Any) -> None:
    # metadata.create_all (tests, first run without Alembic) gets the triggers too.
    install_audit_guard(connection, table.name)


for _model in (AuditEvent, AuditChainLink, AuditCheckpoint):
    event.listen(_model.__table__, "after_create", _guard_after_create)


class AuditTrailIsAppendOnly(RuntimeError):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, _context: Any, _instances: Any) -> None:
    for obj in (*session.dirty, *session.deleted):
        guarded = isinstance(obj, AuditEvent | AuditChainLink | AuditCheckpoint)
        if guarded and (obj in session.deleted or session.is_modified(obj)):
            raise AuditTrailIsAppendOnly(f"audit row {obj!r} cannot be changed or deleted")
