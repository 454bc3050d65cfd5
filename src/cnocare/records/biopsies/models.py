from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cnocare.records.base import Base
from cnocare.records.versioned import ClinicalRecordMixin


class BiopsyRecord(ClinicalRecordMixin, Base):
    __tablename__ = "biopsies"

    date: Mapped[dt.date] = mapped_column(Date())
    site: Mapped[str | None] = mapped_column(String(32))
    side: Mapped[str | None] = mapped_column(String(8))
    histology: Mapped[list[str]] = mapped_column(JSON())
    culture: Mapped[str] = mapped_column(String(16))
    organism: Mapped[str | None] = mapped_column(String(200))
    on_antibiotics: Mapped[bool | None] = mapped_column(Boolean())
    note: Mapped[str | None] = mapped_column(Text())
