from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cnocare.records.base import Base
from cnocare.records.versioned import ClinicalRecordMixin


class AlternativeDiagnosisRecord(ClinicalRecordMixin, Base):
    __tablename__ = "alternative_diagnoses"

    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    date: Mapped[dt.date | None] = mapped_column(Date())
    basis: Mapped[str | None] = mapped_column(Text())
