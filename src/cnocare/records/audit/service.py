"""Writing and reading the audit trail. There is deliberately no update or delete here.

``record_event`` joins the caller's transaction: the audit row commits together with the change it
describes, or not at all. Reads are audited by the caller after the data is fetched.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cnocare.records.audit import chain
from cnocare.records.audit.models import AUDIT_ACTIONS, AUDIT_OUTCOMES, AuditEvent
from cnocare.records.audit.schemas import AuditEventRead, AuditFilter, AuditPage
from cnocare.records.clock import as_naive_utc, utcnow
from cnocare.security.policy import Principal, require


def _clip(value: Any, limit: int) -> str | None:
    return None if value is None else str(value)[:limit]


def record_event(*, db_session: Session, action: str, principal: Principal | None = None,
                 user_id: int | None = None, username: str | None = None, role: str | None = None,
                 record_type: str | None = None, record_id: Any = None, patient_id: Any = None,
                 fields: Iterable[str] | None = None, ip: str | None = None, user_agent: str | None = None,
                 outcome: str = "success", detail: str | None = None) -> AuditEvent:
    """Append one event. ``principal`` fills who; ``user_id``/``username``/``role`` serve sign-in events
    before a principal exists. Field *names* only, never values: the trail must not copy the data."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"audit action {action!r} is not accepted; use one of {', '.join(AUDIT_ACTIONS)}")
    if outcome not in AUDIT_OUTCOMES:
        raise ValueError(f"audit outcome {outcome!r} is not accepted; use one of {', '.join(AUDIT_OUTCOMES)}")
    event = AuditEvent(
        occurred_at=utcnow(),
        user_id=principal.user_id if principal else user_id,
        username=_clip(principal.username if principal else username, 64),
        role=principal.role if principal else role,
        via_token=bool(principal and principal.via_token),
        token_id=principal.token_id if principal else None,
        action=action, outcome=outcome,
        record_type=_clip(record_type, 64), record_id=_clip(record_id, 64), patient_id=_clip(patient_id, 64),
        fields=sorted(set(fields)) if fields is not None else None,
        ip=_clip(ip, 64), user_agent=_clip(user_agent, 255), detail=detail,
    )
    db_session.add(event)
    db_session.flush()
    chain.note_pending(db_session, [event.id])  # linked into the hash chain when the transaction commits
    return event


chain.install()


def _filtered(filters: AuditFilter) -> Any:
    stmt = select(AuditEvent)
    if filters.user_id is not None:
        stmt = stmt.where(AuditEvent.user_id == filters.user_id)
    if filters.username:
        stmt = stmt.where(AuditEvent.username == filters.username.strip().lower())
    if filters.patient_id is not None:
        stmt = stmt.where(AuditEvent.patient_id == str(filters.patient_id))
    if filters.action:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.outcome:
        stmt = stmt.where(AuditEvent.outcome == filters.outcome)
    if filters.record_type:
        stmt = stmt.where(AuditEvent.record_type == filters.record_type)
    if filters.since:
        stmt = stmt.where(AuditEvent.occurred_at >= as_naive_utc(filters.since))
    if filters.until:
        stmt = stmt.where(AuditEvent.occurred_at < as_naive_utc(filters.until))
    return stmt


def list_events(*, db_session: Session, filters: AuditFilter | None = None,
                principal: Principal | None = None) -> AuditPage:
    """Newest first. With ``principal`` the caller's right to read the trail is checked (audit:read)."""
    if principal is not None:
        require(principal, "audit:read")
    filters = filters or AuditFilter()
    stmt = _filtered(filters)
    total = db_session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db_session.scalars(stmt.order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
                              .offset((filters.page - 1) * filters.page_size).limit(filters.page_size))
    return AuditPage(items=[AuditEventRead.model_validate(r) for r in rows], total=total,
                     page=filters.page, page_size=filters.page_size)


def iter_events(*, db_session: Session, filters: AuditFilter | None = None,
                batch: int = 500) -> Iterator[AuditEvent]:
    """Oldest first, for exports; ignores paging fields."""
    stmt = _filtered(filters or AuditFilter()).order_by(AuditEvent.id)
    yield from db_session.scalars(stmt.execution_options(yield_per=batch))


def count_recent_failures(*, db_session: Session, ip: str, since: Any) -> int:
    """Failed sign-ins from one address since ``since`` (per-address throttling reads the trail)."""
    stmt = select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "failed-login", AuditEvent.ip == ip, AuditEvent.occurred_at >= since)
    return db_session.scalar(stmt) or 0
