from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cnocare.records.base import Base
from cnocare.records.versioned import ClinicalRecordMixin


class VisitRecord(ClinicalRecordMixin, Base):
    __tablename__ = "visits"

    date: Mapped[dt.date] = mapped_column(Date())
    kind: Mapped[str] = mapped_column(String(16))
    pain_0_10: Mapped[float | None] = mapped_column(Float())
    physician_global_0_10: Mapped[float | None] = mapped_column(Float())
    notes: Mapped[str | None] = mapped_column(Text())
    next_review_due: Mapped[dt.date | None] = mapped_column(Date())
