"""One row per job for the worker thread of the embedded backend (``cnocare.jobs.thread``).

PostgreSQL sites normally use procrastinate's own tables instead (schema ``procrastinate``); this table
exists on both databases so that one migration chain describes every table.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cnocare.records.base import Base

JOB_STATUSES = ("todo", "doing", "done", "failed")


class QueuedJob(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in JOB_STATUSES) + ")", name="status"),
        Index("ix_jobs_status_run_after", "status", "run_after"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120))  # the registered job (cnocare.jobs.registry)
    kwargs: Mapped[str] = mapped_column(Text)  # JSON object
    status: Mapped[str] = mapped_column(String(8), default="todo")
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # tries started so far
    max_attempts: Mapped[int] = mapped_column(Integer)
    run_after: Mapped[dt.datetime] = mapped_column(DateTime())  # naive UTC; a retry moves it on
    locked_by: Mapped[str | None] = mapped_column(String(120))  # the worker that claimed it
    locked_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    last_error: Mapped[str | None] = mapped_column(Text)  # kept when the job finally fails
    # A periodic run's "<job>@<period>": unique, so two workers cannot both queue the same minute's run.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
