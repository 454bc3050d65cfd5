from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from cnocare.records.base import Base
from cnocare.records.versioned import ClinicalRecordMixin


class GeneticFindingRecord(ClinicalRecordMixin, Base):
    __tablename__ = "genetic_findings"

    gene: Mapped[str] = mapped_column(String(20))
    variant: Mapped[str | None] = mapped_column(String(200))
    classification: Mapped[str] = mapped_column(String(32))
    zygosity: Mapped[str | None] = mapped_column(String(32))
