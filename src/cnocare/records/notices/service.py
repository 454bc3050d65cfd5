"""Add a notice, list a user's unread ones, mark them read. Flushes, never commits (the caller's transaction)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError
from sqlalchemy import BindParameter, ScalarSelect, func, select, update
from sqlalchemy.orm import Session

from cnocare.records.clock import as_naive_utc, utcnow
from cnocare.records.errors import RecordValidationError
from cnocare.records.notices.models import Notice
from cnocare.records.notices.schemas import NoticeCreate, NoticeRead


def add_notice(*, db_session: Session, data: NoticeCreate | Mapping[str, Any],
               now: dt.datetime | None = None) -> NoticeRead:
    try:
        fields = data if isinstance(data, NoticeCreate) else NoticeCreate.model_validate(dict(data))
    except ValidationError as exc:
        raise RecordValidationError.from_pydantic(exc) from None
    notice = Notice(**fields.model_dump(), created_at=as_naive_utc(now) if now else utcnow())
    db_session.add(notice)
    db_session.flush()
    return NoticeRead.model_validate(notice)


def list_unread(*, db_session: Session, user_id: int, limit: int = 50) -> list[NoticeRead]:
    """Newest first."""
    rows = db_session.scalars(select(Notice).where(Notice.user_id == user_id, Notice.read_at.is_(None))
                              .order_by(Notice.created_at.desc(), Notice.id.desc()).limit(limit))
    return [NoticeRead.model_validate(n) for n in rows]


def count_unread(*, db_session: Session, user_id: int) -> int:
    return int(db_session.scalar(select(unread_count_query(user_id))) or 0)


def unread_count_query(user_id: int | BindParameter[int]) -> ScalarSelect[int]:
    """The user's unread notices, as a scalar subquery (the navigation counts it with the open alerts);
    ``user_id`` may be a bind parameter, for a statement built once."""
    return (select(func.count()).select_from(Notice).where(Notice.user_id == user_id, Notice.read_at.is_(None))
            .scalar_subquery())


def mark_read(*, db_session: Session, user_id: int, notice_ids: Iterable[int] | None = None,
              now: dt.datetime | None = None) -> int:
    """Marks the user's own unread notices read (those named, or all); another user's are left alone.
    Returns how many changed."""
    statement = (update(Notice).where(Notice.user_id == user_id, Notice.read_at.is_(None))
                 .values(read_at=as_naive_utc(now) if now else utcnow()))
    if notice_ids is not None:
        statement = statement.where(Notice.id.in_(list(notice_ids)))
    result = db_session.execute(statement.execution_options(synchronize_session=False))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
