"""Diary rows (versioned like every clinical record: an edit is a new version, so the family's edit
history is kept) and the alerts a diary entry raises for the care team."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cnocare.records.base import Base
from cnocare.records.versioned import ACTOR_MAX, ClinicalRecordMixin

ALERT_LEVELS = ("contact_team", "emergency")


class DiaryEntryRecord(ClinicalRecordMixin, Base):
    __tablename__ = "diary_entries"

    day: Mapped[dt.date] = mapped_column(Date())
    time_zone: Mapped[str] = mapped_column(String(64))
    pain_scale: Mapped[str | None] = mapped_column(String(16))
    pain_0_10: Mapped[float | None] = mapped_column(Float())
    painful_sites: Mapped[list[str] | None] = mapped_column(JSON())
    night_pain: Mapped[bool | None] = mapped_column(Boolean())
    limp: Mapped[bool | None] = mapped_column(Boolean())
    activity_limited: Mapped[bool | None] = mapped_column(Boolean())
    swelling: Mapped[bool | None] = mapped_column(Boolean())
    fever: Mapped[bool | None] = mapped_column(Boolean())
    temperature_c: Mapped[float | None] = mapped_column(Float())
    temperature_as_entered: Mapped[str | None] = mapped_column(String(16))
    fatigue: Mapped[str | None] = mapped_column(String(16))
    school: Mapped[str | None] = mapped_column(String(16))
    medicines_taken: Mapped[dict[str, bool] | None] = mapped_column(JSON())
    side_effects: Mapped[str | None] = mapped_column(Text())
    mood: Mapped[str | None] = mapped_column(String(16))
    warning_signs: Mapped[dict[str, bool]] = mapped_column(JSON(), default=dict)
    note: Mapped[str | None] = mapped_column(Text())


class FamilyAlert(Base):
    """An urgent diary entry waiting for the care team (times naive UTC, as everywhere in records).
    Acknowledging it (who, when, what was done) is the only change; escalation marks ``escalated_at`` once."""

    __tablename__ = "family_alerts"
    __table_args__ = (
        CheckConstraint("level IN ('contact_team', 'emergency')", name="level"),
        Index("ix_family_alerts_open", "acknowledged_at", "raised_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    diary_record_id: Mapped[str | None] = mapped_column(String(36))
    diary_version: Mapped[int | None] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(16))
    raised_at: Mapped[dt.datetime] = mapped_column(DateTime())
    raised_by: Mapped[str] = mapped_column(String(ACTOR_MAX))
    family_reasons: Mapped[list[str]] = mapped_column(JSON(), default=list)
    staff_reasons: Mapped[list[str]] = mapped_column(JSON(), default=list)
    acknowledged_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    acknowledged_by: Mapped[str | None] = mapped_column(String(ACTOR_MAX))
    acknowledgement_note: Mapped[str | None] = mapped_column(Text())
    escalated_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
