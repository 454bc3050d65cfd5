from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cnocare.records.base import Base
from cnocare.records.versioned import ClinicalRecordMixin


class SymptomRecord(ClinicalRecordMixin, Base):
    __tablename__ = "symptoms"

    kind: Mapped[str] = mapped_column(String(32))
    present: Mapped[bool] = mapped_column(Boolean())
    date: Mapped[dt.date | None] = mapped_column(Date())
    site: Mapped[str | None] = mapped_column(String(32))
    side: Mapped[str | None] = mapped_column(String(8))
    severity_0_10: Mapped[float | None] = mapped_column(Float())
    duration_weeks: Mapped[float | None] = mapped_column(Float())
    temperature_max_c: Mapped[float | None] = mapped_column(Float())
    note: Mapped[str | None] = mapped_column(Text())
