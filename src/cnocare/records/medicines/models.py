from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from cnocare.records.base import Base
from cnocare.records.versioned import ClinicalRecordMixin


class MedicineCourseRecord(ClinicalRecordMixin, Base):
    __tablename__ = "medicine_courses"

    drug: Mapped[str] = mapped_column(String(80))
    drug_class: Mapped[str] = mapped_column(String(24))
    start: Mapped[dt.date] = mapped_column(Date())
    stop: Mapped[dt.date | None] = mapped_column(Date())
    stop_reason: Mapped[str | None] = mapped_column(String(400))
    response: Mapped[str | None] = mapped_column(String(16))
    dose_note: Mapped[str | None] = mapped_column(String(400))
