from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cnocare.records.base import Base


class AssessmentSnapshot(Base):
    """The public JSON of ``assess_case`` at one moment; never edited, so old letters stay reproducible."""

    __tablename__ = "assessment_snapshots"
    __table_args__ = (Index("ix_assessment_snapshots_patient_created", "patient_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"))
    as_of: Mapped[dt.date | None] = mapped_column(Date())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    engine: Mapped[str] = mapped_column(String(80))
    content_hash: Mapped[str] = mapped_column(String(64))
    instrument_versions: Mapped[dict[str, str]] = mapped_column(JSON())
    assessment: Mapped[dict[str, Any]] = mapped_column(JSON())
    red_flag_count: Mapped[int]
    urgent_red_flag_count: Mapped[int]
