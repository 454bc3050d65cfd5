"""Tables of the record kinds that have no behaviour of their own (declared once, in ``records.kinds``).

Each row is one version of one record (``ClinicalRecordMixin``). Labs and imaging keep their tables in
their own folders because they store more than the form gives (canonical values, lesion rows).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Date, Float, String, Text
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
    patient_global_0_10: Mapped[float | None] = mapped_column(Float())
    painful_sites: Mapped[list[str] | None] = mapped_column(JSON())


class EpisodeRecord(ClinicalRecordMixin, Base):
    __tablename__ = "episodes"

    kind: Mapped[str] = mapped_column(String(16))
    start: Mapped[dt.date] = mapped_column(Date())
    end: Mapped[dt.date | None] = mapped_column(Date())
    note: Mapped[str | None] = mapped_column(Text())


class SymptomRecord(ClinicalRecordMixin, Base):
    __tablename__ = "symptoms"

    kind: Mapped[str] = mapped_column(String(32))
    present: Mapped[bool] = mapped_column(Boolean())
    date: Mapped[dt.date | None] = mapped_column(Date())
    site: Mapped[str | None] = mapped_column(String(32))
    side: Mapped[str | None] = mapped_column(String(8))
    severity_0_10: Mapped[float | None] = mapped_column(Float())
    duration_weeks: Mapped[float | None] = mapped_column(Float())
    temperature_max_c: Mapped[float | None] = mapped_column(Float())
    note: Mapped[str | None] = mapped_column(Text())


class BiopsyRecord(ClinicalRecordMixin, Base):
    __tablename__ = "biopsies"

    date: Mapped[dt.date] = mapped_column(Date())
    site: Mapped[str | None] = mapped_column(String(32))
    side: Mapped[str | None] = mapped_column(String(8))
    histology: Mapped[list[str]] = mapped_column(JSON())
    culture: Mapped[str | None] = mapped_column(String(16))
    organism: Mapped[str | None] = mapped_column(String(200))
    on_antibiotics: Mapped[bool | None] = mapped_column(Boolean())
    note: Mapped[str | None] = mapped_column(Text())


class MedicineCourseRecord(ClinicalRecordMixin, Base):
    __tablename__ = "medicine_courses"

    drug: Mapped[str] = mapped_column(String(80))
    drug_class: Mapped[str] = mapped_column(String(24))
    start: Mapped[dt.date | None] = mapped_column(Date())
    stop: Mapped[dt.date | None] = mapped_column(Date())
    stop_reason: Mapped[str | None] = mapped_column(String(400))
    response: Mapped[str | None] = mapped_column(String(16))
    dose_note: Mapped[str | None] = mapped_column(String(400))
    dose_mg: Mapped[float | None] = mapped_column(Float())
    route: Mapped[str | None] = mapped_column(String(16))
    frequency: Mapped[str | None] = mapped_column(String(60))
    adherence: Mapped[str | None] = mapped_column(String(16))


class CoexistingConditionRecord(ClinicalRecordMixin, Base):
    __tablename__ = "coexisting_conditions"

    kind: Mapped[str] = mapped_column(String(40))
    present: Mapped[bool] = mapped_column(Boolean())
    onset: Mapped[dt.date | None] = mapped_column(Date())


class AlternativeDiagnosisRecord(ClinicalRecordMixin, Base):
    __tablename__ = "alternative_diagnoses"

    kind: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(16))
    date: Mapped[dt.date | None] = mapped_column(Date())
    basis: Mapped[str | None] = mapped_column(Text())


class FamilyHistoryRecord(ClinicalRecordMixin, Base):
    __tablename__ = "family_history"

    relation: Mapped[str] = mapped_column(String(16))
    condition: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text())


class GeneticFindingRecord(ClinicalRecordMixin, Base):
    __tablename__ = "genetic_findings"

    gene: Mapped[str] = mapped_column(String(20))
    variant: Mapped[str | None] = mapped_column(String(200))
    classification: Mapped[str] = mapped_column(String(32))
    zygosity: Mapped[str | None] = mapped_column(String(32))


class ClinicalNoteRecord(ClinicalRecordMixin, Base):
    __tablename__ = "clinical_notes"

    date: Mapped[dt.date] = mapped_column(Date())
    category: Mapped[str | None] = mapped_column(String(60))
    text: Mapped[str] = mapped_column(Text())


class MeasurementRecord(ClinicalRecordMixin, Base):
    __tablename__ = "measurements"

    kind: Mapped[str] = mapped_column(String(32))
    date: Mapped[dt.date] = mapped_column(Date())
    value: Mapped[float] = mapped_column(Float())
    note: Mapped[str | None] = mapped_column(Text())


class InfusionRecord(ClinicalRecordMixin, Base):
    __tablename__ = "infusions"

    drug: Mapped[str] = mapped_column(String(80))
    date: Mapped[dt.date] = mapped_column(Date())
    dose_mg: Mapped[float | None] = mapped_column(Float())
    checks_done: Mapped[list[str]] = mapped_column(JSON())
    reaction: Mapped[str | None] = mapped_column(Text())


class ChaqRecord(ClinicalRecordMixin, Base):
    """One questionnaire: the 30 item answers as one JSON object (item id -> 0-3 or "na")."""

    __tablename__ = "chaq_questionnaires"

    date: Mapped[dt.date] = mapped_column(Date())
    answers: Mapped[dict[str, str]] = mapped_column(JSON())
    aids_or_help: Mapped[list[str]] = mapped_column(JSON())
    pain_vas_0_100: Mapped[float | None] = mapped_column(Float())
    wellbeing_vas_0_100: Mapped[float | None] = mapped_column(Float())


class ClinicalCheckRecord(ClinicalRecordMixin, Base):
    __tablename__ = "clinical_checks"

    kind: Mapped[str] = mapped_column(String(40))
    date: Mapped[dt.date] = mapped_column(Date())
    outcome: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text())


class CarePlanItemRecord(ClinicalRecordMixin, Base):
    __tablename__ = "care_plan_items"

    therapy: Mapped[str] = mapped_column(String(48))
    goal: Mapped[str] = mapped_column(String(400))
    owner: Mapped[str] = mapped_column(String(120))
    start: Mapped[dt.date | None] = mapped_column(Date())
    review_date: Mapped[dt.date | None] = mapped_column(Date())
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text())


class ProcedureRecord(ClinicalRecordMixin, Base):
    __tablename__ = "procedures"

    kind: Mapped[str] = mapped_column(String(32))
    date: Mapped[dt.date] = mapped_column(Date())
    site: Mapped[str | None] = mapped_column(String(32))
    side: Mapped[str | None] = mapped_column(String(8))
    indication: Mapped[str] = mapped_column(String(400))
    outcome: Mapped[str | None] = mapped_column(Text())


class FlareReviewRecord(ClinicalRecordMixin, Base):
    """A clinician's decision on a flare signal the core suggested (confirmed or dismissed)."""

    __tablename__ = "flare_reviews"

    signal_kind: Mapped[str] = mapped_column(String(24))
    signal_date: Mapped[dt.date] = mapped_column(Date())
    decision: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[str] = mapped_column(Text())
    note: Mapped[str | None] = mapped_column(Text())
