from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, Float, ForeignKey, Integer, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from cnocare.records.base import Base
from cnocare.records.versioned import ACTOR_MAX

REMINDER_KINDS = ("diary", "medicine")


class ReminderSchedule(Base):
    """When a child's diary (or one medicine, from the diary's "taken today") is expected: daily by a local
    time, or every N hours; late after the grace period. Times naive UTC except ``daily_time`` (wall clock
    in ``time_zone``)."""

    __tablename__ = "reminder_schedules"
    __table_args__ = (
        CheckConstraint("kind IN ('diary', 'medicine')", name="kind"),
        CheckConstraint("(daily_time IS NULL) <> (every_hours IS NULL)", name="one_rule"),
        CheckConstraint("kind = 'diary' OR medicine_record_id IS NOT NULL", name="medicine_named"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    medicine_record_id: Mapped[str | None] = mapped_column(String(36))  # the medicine course's record id
    daily_time: Mapped[dt.time | None] = mapped_column(Time())
    every_hours: Mapped[float | None] = mapped_column(Float())
    time_zone: Mapped[str] = mapped_column(String(64))
    grace_minutes: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime())
    stopped_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())
    created_by: Mapped[str] = mapped_column(String(ACTOR_MAX))
    # The due time the family was last reminded of, so one late period sends one reminder.
    last_reminded_due: Mapped[dt.datetime | None] = mapped_column(DateTime())
