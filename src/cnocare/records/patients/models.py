from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cnocare.records.base import Base


class PatientRecord(Base):
    """Demographics; edits bump ``row_version`` (optimistic lock) and keep the old state in revisions."""

    __tablename__ = "patients"
    __table_args__ = (UniqueConstraint("centre_id", "hospital_number", name="uq_patients_centre_hospital_number"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    hospital_number: Mapped[str] = mapped_column(String(64))
    sex: Mapped[str] = mapped_column(String(16))
    date_of_birth: Mapped[dt.date | None] = mapped_column(Date())
    onset_date: Mapped[dt.date | None] = mapped_column(Date())
    diagnosis_date: Mapped[dt.date | None] = mapped_column(Date())
    # active, discharged, transferred or deceased (schemas.PatientStatus): only an active patient is due
    # for review, so a discharged mimic is never "overdue".
    status: Mapped[str] = mapped_column(String(16), server_default="active")
    status_date: Mapped[dt.date | None] = mapped_column(Date())
    # Set when this patient was voided as the duplicate of another (patients.merge): where the records went.
    merged_into: Mapped[str | None] = mapped_column(String(36))
    # Lower-cased "name hospital-number", so the list search needs no per-row function call.
    search_key: Mapped[str] = mapped_column(String(270), index=True)
    row_version: Mapped[int] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(DateTime())
    created_by: Mapped[str] = mapped_column(String(120))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime())
    updated_by: Mapped[str] = mapped_column(String(120))
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime())
    voided_by: Mapped[str | None] = mapped_column(String(120))
    void_reason: Mapped[str | None] = mapped_column(Text())

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012 - SQLAlchemy reads a plain dict


class PatientRevision(Base):
    """The patient's demographics as they were before each edit (nothing is overwritten unrecorded)."""

    __tablename__ = "patient_revisions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), index=True)
    row_version: Mapped[int] = mapped_column()
    data: Mapped[dict[str, Any]] = mapped_column(JSON())
    replaced_at: Mapped[dt.datetime] = mapped_column(DateTime())
    replaced_by: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(Text())


class PatientSummary(Base):
    """Derived, rebuilt by assessments.refresh: what the patient list filters and sorts on."""

    __tablename__ = "patient_summaries"
    __table_args__ = (Index("ix_patient_summaries_red_flags", "red_flag_count"),)

    patient_id: Mapped[str] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    red_flag_count: Mapped[int]
    urgent_red_flag_count: Mapped[int]
    next_review_due: Mapped[dt.date | None] = mapped_column(Date(), index=True)
    last_visit_date: Mapped[dt.date | None] = mapped_column(Date())
    latest_snapshot_id: Mapped[int | None]
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime())
