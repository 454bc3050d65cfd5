from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from cnocare.records.base import Base
from cnocare.records.versioned import ClinicalRecordMixin


class ImagingStudyRecord(ClinicalRecordMixin, Base):
    """One version of a study; its lesions belong to this version (an edit writes a new set)."""

    __tablename__ = "imaging_studies"

    date: Mapped[dt.date] = mapped_column(Date())
    modality: Mapped[str] = mapped_column(String(20))
    whole_body: Mapped[bool] = mapped_column(Boolean())
    report: Mapped[str | None] = mapped_column(Text())
    lesions: Mapped[list[ImagingLesionRecord]] = relationship(
        back_populates="study", order_by="ImagingLesionRecord.position", lazy="selectin",
        cascade="all, delete-orphan")


class ImagingLesionRecord(Base):
    __tablename__ = "imaging_lesions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    study_row_id: Mapped[int] = mapped_column(ForeignKey("imaging_studies.id"), index=True)
    position: Mapped[int]
    site: Mapped[str] = mapped_column(String(32))
    side: Mapped[str | None] = mapped_column(String(8))
    segment: Mapped[str | None] = mapped_column(String(32))
    findings: Mapped[list[str]] = mapped_column(JSON())
    absent_findings: Mapped[list[str]] = mapped_column(JSON(), default=list)
    findings_complete: Mapped[bool] = mapped_column(Boolean(), default=False)
    activity: Mapped[str | None] = mapped_column(String(16))
    rai_grades: Mapped[dict[str, int | None] | None] = mapped_column(JSON())
    note: Mapped[str | None] = mapped_column(Text())
    study: Mapped[ImagingStudyRecord] = relationship(back_populates="lesions")
