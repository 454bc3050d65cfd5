from __future__ import annotations

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cnocare.records.base import Base
from cnocare.records.versioned import ClinicalRecordMixin


class FamilyHistoryRecord(ClinicalRecordMixin, Base):
    __tablename__ = "family_history"

    relation: Mapped[str] = mapped_column(String(16))
    condition: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text())
