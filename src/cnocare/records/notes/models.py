from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cnocare.records.base import Base
from cnocare.records.versioned import ClinicalRecordMixin


class ClinicalNoteRecord(ClinicalRecordMixin, Base):
    __tablename__ = "clinical_notes"

    date: Mapped[dt.date] = mapped_column(Date())
    category: Mapped[str | None] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text())
