from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Float, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cnocare.records.base import Base
from cnocare.records.versioned import ClinicalRecordMixin


class LabResultRecord(ClinicalRecordMixin, Base):
    __tablename__ = "lab_results"

    test: Mapped[str] = mapped_column(String(40))
    date: Mapped[dt.date] = mapped_column(Date())
    value: Mapped[float | None] = mapped_column(Float())
    comparator: Mapped[str | None] = mapped_column(String(2))
    unit: Mapped[str | None] = mapped_column(String(16))
    reference_low: Mapped[float | None] = mapped_column(Float())
    reference_high: Mapped[float | None] = mapped_column(Float())
    # Where the reference interval came from (the reporting lab, or "synthetic" for demo data).
    reference_source: Mapped[str | None] = mapped_column(String(200))
    result: Mapped[str | None] = mapped_column(String(16))
    organism: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text())
    # Derived on save from value + unit via the lab catalogue, so cohort queries compare like with like.
    canonical_value: Mapped[float | None] = mapped_column(Float())
    canonical_unit: Mapped[str | None] = mapped_column(String(16))
