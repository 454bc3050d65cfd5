"""The audit trail's hash chain and its signed checkpoints: tampering is detected, not only refused.

Triggers stop the application's role from changing the trail; someone who can drop them (a superuser,
a stolen backup) could still delete or re-attribute events. So every committed event gets a link
``hash = SHA-256(previous hash + canonical event)`` in ``audit_chain`` (seq 1..n, no gaps), and every
``audit_checkpoint_every`` events the head is signed with HMAC under a key kept outside the database.
A changed or deleted event breaks the chain at that event; an attacker who recomputes every hash still
cannot sign the checkpoints, so a rewrite is found at the first checkpoint after it.

Links are made at commit (``before_commit``), under a lock, so concurrent transactions chain in the order
they commit: the lock is taken after the transaction's last ordinary write, so it never waits on a row
lock while holding the chain.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, event, insert, select, text
from sqlalchemy.orm import Session

from cnocare.records.audit.models import AuditChainLink, AuditCheckpoint, AuditEvent
from cnocare.records.clock import utcnow

GENESIS = "0" * 64
PENDING_KEY = "cnocare_audit_pending"  # Session.info: ids of audit events written in this transaction
PG_LOCK_ID = 0x636E6F61  # "cnoa": one advisory lock serialises chaining across processes
CONTENT_COLUMNS = ("id", "occurred_at", "user_id", "username", "role", "via_token", "token_id", "action",
                   "outcome", "record_type", "record_id", "patient_id", "fields", "ip", "user_agent", "detail")


def canonical(row: Any) -> bytes:
    """The event's content as hashed: every column, in a fixed order, with fixed formatting."""
    values = []
    for name in CONTENT_COLUMNS:
        value = row[name] if isinstance(row, dict) else getattr(row, name)
        if name == "occurred_at" and value is not None:
            value = value.isoformat(sep=" ", timespec="microseconds")
        elif name == "via_token":
            value = bool(value)
        values.append(value)
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), default=str).encode()


def link_hash(prev_hash: str, row: Any) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(row)).hexdigest()


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"cnocare-audit-key-id\n" + key).hexdigest()[:16]


def sign(key: bytes, seq: int, head: str, signed_at: str) -> str:
    return hmac.new(key, f"cnocare-audit-checkpoint\n{seq}\n{head}\n{signed_at}".encode(), hashlib.sha256).hexdigest()


def sign_head(key: bytes, seq: int, head: str) -> str:
    """A signature over a chain head alone (backup manifests carry one)."""
    return hmac.new(key, f"cnocare-audit-head\n{seq}\n{head}".encode(), hashlib.sha256).hexdigest()


def note_pending(session: Session, ids: Iterable[int]) -> None:
    session.info.setdefault(PENDING_KEY, set()).update(int(i) for i in ids)


def head(connection: Connection) -> tuple[int, str]:
    row = connection.execute(select(AuditChainLink.seq, AuditChainLink.hash)
                             .order_by(AuditChainLink.seq.desc()).limit(1)).first()
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_LOCK_ID})
    # SQLite: this transaction already holds the database's single write lock (it wrote the events).


def _head_and_events() -> Any:
    """The chain's head, and the content of the events to link as stored, in one statement."""
    table, latest = AuditEvent.__table__, select(AuditChainLink).order_by(AuditChainLink.seq.desc()).limit(1)
    return (select(latest.with_only_columns(AuditChainLink.seq).scalar_subquery().label("head_seq"),
                   latest.with_only_columns(AuditChainLink.hash).scalar_subquery().label("head_hash"),
                   *(table.c[name] for name in CONTENT_COLUMNS))
            .where(table.c.id.in_(bindparam("ids", expanding=True))).order_by(table.c.id))


HEAD_AND_EVENTS = _head_and_events()  # built once: every commit that wrote an event runs it


def chain_events(connection: Connection, event_ids: Iterable[int], *, key: bytes | None = None,
                 checkpoint_every: int | None = None) -> int:
    """Link the given (this transaction's) events after the current head; returns the new head's seq."""
    ids = sorted(set(event_ids))
    if not ids:
        return head(connection)[0]
    _lock(connection)
    # After the lock, so it sees every chain link committed before the lock was granted.
    rows = [dict(r._mapping) for r in connection.execute(HEAD_AND_EVENTS, {"ids": ids})]
    if not rows:  # every event was rolled back with a savepoint
        return head(connection)[0]
    seq, prev = int(rows[0]["head_seq"] or 0), str(rows[0]["head_hash"] or GENESIS)
    links = []
    for row in rows:  # events rolled back with a savepoint are simply absent here
        seq += 1
        prev_hash, prev = prev, link_hash(prev, row)
        links.append({"seq": seq, "event_id": row["id"], "prev_hash": prev_hash, "hash": prev})
    if links:
        connection.execute(insert(AuditChainLink), links)
        every = checkpoint_every or _settings().audit_checkpoint_every
        if seq // every > (seq - len(links)) // every:
            write_checkpoint(connection, seq, prev, key=key)
    return seq


def write_checkpoint(connection: Connection, seq: int, head_hash: str, *, key: bytes | None = None) -> None:
    from cnocare.security.settings import audit_signing_key

    key = key or audit_signing_key()
    signed_at = utcnow()
    connection.execute(insert(AuditCheckpoint).values(
        seq=seq, hash=head_hash, signed_at=signed_at, key_id=key_id(key),
        signature=sign(key, seq, head_hash, signed_at.isoformat(sep=" ", timespec="microseconds"))))


def checkpoint_now(connection: Connection, *, key: bytes | None = None) -> tuple[int, str]:
    """Sign the current head (``cnocare audit verify --checkpoint``, backups); returns it."""
    _lock(connection)
    seq, head_hash = head(connection)
    if seq:
        write_checkpoint(connection, seq, head_hash, key=key)
    return seq, head_hash


def _settings() -> Any:
    from cnocare.security.settings import get_settings

    return get_settings()


# --- chaining at commit -------------------------------------------------------------------------------

AT_COMMIT = "cnocare_audit_at_commit"  # Session.info: events a session adds to each of its commits


class EventsAtCommit(Protocol):
    """Audit events that join whichever transaction of one session commits next (the web request's reads,
    which then commit with the request's write), told whether that commit went through."""

    def record(self, session: Session) -> None: ...

    def committed(self) -> None: ...

    def rolled_back(self) -> None: ...


def _before_commit(session: Session) -> None:
    at_commit: EventsAtCommit | None = session.info.get(AT_COMMIT)
    if at_commit is not None:
        at_commit.record(session)  # before the chain is linked, so they are linked with the rest
    if not session.info.get(PENDING_KEY):
        return
    session.flush()  # the transaction's last ordinary writes, before the chain lock is taken
    pending = session.info.pop(PENDING_KEY, set())
    chain_events(session.connection(), pending)


def _after_commit(session: Session) -> None:
    at_commit: EventsAtCommit | None = session.info.get(AT_COMMIT)
    if at_commit is not None:
        at_commit.committed()


def _forget(session: Session, *_args: Any) -> None:
    session.info.pop(PENDING_KEY, None)
    at_commit: EventsAtCommit | None = session.info.get(AT_COMMIT)
    if at_commit is not None:
        at_commit.rolled_back()


_installed = False


def install() -> None:
    """Chain every committed audit event (idempotent: importing the audit service installs it)."""
    global _installed
    if not _installed:
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_rollback", _forget)
        _installed = True


# --- verification -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChainProblem:
    name: str  # audit_event_changed, audit_event_missing, audit_event_unchained, audit_chain_gap, ...
    event_id: int | None
    seq: int | None
    detail: str

    def __str__(self) -> str:
        return self.detail


@dataclass(frozen=True)
class ChainReport:
    events: int
    links: int
    checkpoints: int
    head_seq: int
    head_hash: str
    problems: tuple[ChainProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_broken(self) -> ChainProblem | None:
        return self.problems[0] if self.problems else None


def verify(connection: Connection, *, key: bytes | None = None) -> ChainReport:
    """Recompute the whole chain and check every checkpoint; problems come in chain order, first first."""
    events_t, links_t = AuditEvent.__table__, AuditChainLink.__table__
    events = {r["id"]: r for r in (dict(m._mapping) for m in connection.execute(
        select(*(events_t.c[name] for name in CONTENT_COLUMNS))))}
    links = list(connection.execute(select(links_t).order_by(links_t.c.seq)))
    problems: list[ChainProblem] = []
    prev, expected_seq = GENESIS, 1
    hashes: dict[int, str] = {}
    for link in links:
        if link.seq != expected_seq:
            problems.append(ChainProblem("audit_chain_gap", None, link.seq, f"chain links {expected_seq}.."
                                         f"{link.seq - 1} are missing: events were deleted with their links"))
        expected_seq = link.seq + 1
        if link.prev_hash != prev:
            problems.append(ChainProblem("audit_chain_broken", link.event_id, link.seq,
                                         f"event {link.event_id} (seq {link.seq}) does not follow the one before "
                                         "it: an earlier event or link was deleted or rewritten"))
        row = events.get(link.event_id)
        if row is None:
            problems.append(ChainProblem("audit_event_missing", link.event_id, link.seq,
                                         f"event {link.event_id} (seq {link.seq}) was deleted"))
        elif link_hash(link.prev_hash, row) != link.hash:
            problems.append(ChainProblem("audit_event_changed", link.event_id, link.seq,
                                         f"event {link.event_id} (seq {link.seq}) was changed after it was "
                                         "written: its content no longer matches its hash"))
        prev = link.hash
        hashes[link.seq] = link.hash
    chained = {link.event_id for link in links}
    for event_id in sorted(set(events) - chained):
        problems.append(ChainProblem("audit_event_unchained", event_id, None,
                                     f"event {event_id} is not in the chain: inserted behind the application"))
    problems.extend(_checkpoint_problems(connection, hashes, key))
    head_seq = links[-1].seq if links else 0
    return ChainReport(len(events), len(links), _count(connection), head_seq,
                       links[-1].hash if links else GENESIS, tuple(problems))


def _count(connection: Connection) -> int:
    from sqlalchemy import func

    return int(connection.execute(select(func.count()).select_from(AuditCheckpoint)).scalar_one())


def _checkpoint_problems(connection: Connection, hashes: dict[int, str], key: bytes | None) -> list[ChainProblem]:
    rows = list(connection.execute(select(AuditCheckpoint.__table__).order_by(AuditCheckpoint.seq)))
    if not rows:
        return []
    if key is None:
        from cnocare.security.settings import audit_signing_key

        key = audit_signing_key()
    problems = []
    for cp in rows:
        stamp = cp.signed_at.isoformat(sep=" ", timespec="microseconds")
        if cp.key_id != key_id(key) or not hmac.compare_digest(cp.signature, sign(key, cp.seq, cp.hash, stamp)):
            problems.append(ChainProblem("audit_checkpoint_forged", None, cp.seq, f"checkpoint at seq {cp.seq} "
                                         "is not signed by this site's audit key (forged, or the key changed)"))
        elif hashes.get(cp.seq) != cp.hash:
            problems.append(ChainProblem("audit_chain_rewritten", None, cp.seq, f"the chain at seq {cp.seq} no "
                                         "longer matches its signed checkpoint: the trail up to there was "
                                         "rewritten or truncated"))
    return problems
