"""What the clinic enters for each record kind without behaviour of its own: the Create schemas.

Read and Update schemas are derived from these in ``records.kinds`` (Read adds the version metadata,
Update makes every field optional), so a field is typed here once. Limits match the Case models in
``cnocare.clinical.case``, which check each record again when the Case is built.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from cnocare.clinical.vocabulary import (
    AlternativeDiagnosisKind,
    AlternativeStatus,
    CoexistingConditionKind,
    CultureResult,
    DrugClass,
    EpisodeKind,
    Histology,
    Relation,
    Response,
    Route,
    Side,
    SymptomKind,
    VariantClass,
)
from cnocare.knowledge.medicines import checked_drug_class


class Entry(BaseModel):
    """What the clinic typed: unknown fields are refused, not ignored; surrounding spaces are dropped."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


VisitKind = Literal["new_patient", "follow_up", "flare", "telephone", "other"]


class VisitCreate(Entry):
    """One clinic contact. Scores are 0–10 (patient pain; physician global assessment of activity)."""

    date: dt.date
    kind: VisitKind
    pain_0_10: float | None = Field(default=None, ge=0, le=10)
    physician_global_0_10: float | None = Field(default=None, ge=0, le=10)
    notes: str | None = Field(default=None, max_length=20000)
    next_review_due: dt.date | None = Field(default=None, description="When the patient should next be seen")

    @model_validator(mode="after")
    def _review_after_visit(self) -> VisitCreate:
        if self.next_review_due is not None and self.next_review_due < self.date:
            raise ValueError(f"next_review_due {self.next_review_due} is before the visit date {self.date}; "
                             "accepted: on or after the visit")
        return self


class EpisodeCreate(Entry):
    """One episode as entered."""

    kind: EpisodeKind
    start: dt.date
    end: dt.date | None = None
    note: str | None = Field(default=None, max_length=4000)


class SymptomCreate(Entry):
    """One symptom as entered."""

    kind: SymptomKind
    present: bool
    date: dt.date | None = None
    site: str | None = Field(default=None, description="Bone-site id, e.g. clavicle")
    side: Side | None = None
    severity_0_10: float | None = Field(default=None, ge=0, le=10)
    duration_weeks: float | None = Field(default=None, ge=0)
    temperature_max_c: float | None = None
    note: str | None = Field(default=None, max_length=4000)


class BiopsyCreate(Entry):
    """One biopsy as entered."""

    date: dt.date
    site: str | None = None
    side: Side | None = None
    histology: tuple[Histology, ...] = ()
    culture: CultureResult | None = Field(default=None, description="Omitted: not reported")
    organism: str | None = Field(default=None, max_length=200)
    on_antibiotics: bool | None = None
    note: str | None = Field(default=None, max_length=4000)


class MedicineCourseCreate(Entry):
    """One medicine course as entered; the class is derived from the medicine catalogue when it knows the
    drug (a typed class must agree), so methotrexate can never be filed as an NSAID."""

    drug: str = Field(min_length=2, max_length=80)
    drug_class: DrugClass = Field(description="Derived from the medicine catalogue for a listed drug")

    @model_validator(mode="before")
    @classmethod
    def _class_from_catalogue(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {**data, "drug_class": checked_drug_class(data.get("drug"), data.get("drug_class"))}
        return data
    start: dt.date | None = Field(default=None, description="Omitted: start date not known")
    stop: dt.date | None = None
    stop_reason: str | None = Field(default=None, max_length=400)
    response: Response | None = None
    dose_note: str | None = Field(default=None, max_length=400)
    dose_mg: float | None = Field(default=None, gt=0, le=100_000, allow_inf_nan=False)
    route: Route | None = None
    frequency: str | None = Field(default=None, max_length=60, description="As written, e.g. 'once weekly'")


class CoexistingConditionCreate(Entry):
    """One coexisting condition as entered."""

    kind: CoexistingConditionKind
    present: bool = True
    onset: dt.date | None = None


class AlternativeDiagnosisCreate(Entry):
    """One alternative diagnosis as entered."""

    kind: AlternativeDiagnosisKind
    status: AlternativeStatus
    date: dt.date | None = None
    basis: str | None = Field(default=None, max_length=2000, description="How it was confirmed or excluded")


class FamilyHistoryCreate(Entry):
    """One family history entry as entered."""

    relation: Relation
    condition: str = Field(min_length=1, max_length=200)
    note: str | None = Field(default=None, max_length=2000)


class GeneticFindingCreate(Entry):
    """One genetic result as entered."""

    gene: str = Field(min_length=2, max_length=20, description="HGNC symbol, e.g. LPIN2")
    variant: str | None = Field(default=None, max_length=200)
    classification: VariantClass
    zygosity: Literal["heterozygous", "homozygous", "compound_heterozygous", "hemizygous"] | None = None


class ClinicalNoteCreate(Entry):
    """One note as entered."""

    date: dt.date
    category: str | None = Field(default=None, max_length=60, description="e.g. clinic letter, telephone")
    text: str = Field(min_length=1, max_length=20000)
