"""What the clinic enters for each record kind without behaviour of its own: the Create schemas.

Read and Update schemas are derived from these in ``records.kinds`` (Read adds the version metadata,
Update makes every field optional), so a field is typed here once. Limits match the Case models in
``cnocare.clinical.case``, which check each record again when the Case is built.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from cnocare.clinical.flares import FlareKind
from cnocare.clinical.vocabulary import (
    Adherence,
    AlternativeDiagnosisKind,
    AlternativeStatus,
    CarePlanStatus,
    CarePlanTherapy,
    CheckKind,
    CoexistingConditionKind,
    CultureResult,
    DrugClass,
    EpisodeKind,
    FlareDecision,
    Histology,
    InfusionCheck,
    MeasurementKind,
    ProcedureKind,
    Relation,
    Response,
    Route,
    Side,
    SymptomKind,
    VariantClass,
)
from cnocare.knowledge.activity import chaq_definition
from cnocare.knowledge.catalogue import bone_sites
from cnocare.knowledge.medicines import checked_drug_class

ChaqDomain = Literal["dressing_grooming", "arising", "eating", "walking", "hygiene", "reach", "grip", "activities"]


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
    patient_global_0_10: float | None = Field(default=None, ge=0, le=10, description="Patient or parent global "
                                              "assessment, 0 (very well) to 10 (very poorly)")
    painful_sites: tuple[str, ...] | None = Field(default=None, description="Bones with pain or tenderness on "
                                                  "examination; leave empty if not examined")

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
    drug_class: DrugClass | None = Field(default=None, validate_default=True,
                                         description="Derived from the medicine catalogue for a listed drug")

    @field_validator("drug_class", mode="before")
    @classmethod
    def _class_from_catalogue(cls, v: Any, info: ValidationInfo) -> Any:
        return checked_drug_class(info.data.get("drug"), v)
    start: dt.date | None = Field(default=None, description="Omitted: start date not known")
    stop: dt.date | None = None
    stop_reason: str | None = Field(default=None, max_length=400)
    response: Response | None = None
    dose_note: str | None = Field(default=None, max_length=400)
    dose_mg: float | None = Field(default=None, gt=0, le=100_000, allow_inf_nan=False)
    route: Route | None = None
    frequency: str | None = Field(default=None, max_length=60, description="As written, e.g. 'once weekly'")
    adherence: Adherence | None = None


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


class MeasurementCreate(Entry):
    """Weight, height or limb-length difference, with its date."""

    kind: MeasurementKind
    date: dt.date
    value: float = Field(gt=0, allow_inf_nan=False, description="kg for weight, cm for height and limb length")
    note: str | None = Field(default=None, max_length=2000)


class InfusionCreate(Entry):
    """One infusion: the pre-infusion checks are required (an infusion is not given without them)."""

    drug: str = Field(min_length=2, max_length=80)
    date: dt.date
    dose_mg: float | None = Field(default=None, gt=0, le=100_000, allow_inf_nan=False)
    checks_done: tuple[InfusionCheck, ...] = Field(default=(), validate_default=True,
                                                   description="Checks done before the infusion")
    reaction: str | None = Field(default=None, max_length=2000, description="Infusion reaction, if any")

    @field_validator("checks_done")
    @classmethod
    def _checked(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        if not v:
            raise ValueError("no pre-infusion check recorded; accepted: the checks done before the infusion "
                             "(e.g. calcium, vitamin D, renal function)")
        return v


ChaqAnswer = Literal["0", "1", "2", "3", "na"]


class ChaqCreate(Entry):
    """One CHAQ as the family filled it in: item id -> 0-3 or "na" (not applicable); unanswered left out."""

    date: dt.date
    answers: dict[str, ChaqAnswer] = Field(default={})  # pydantic copies it per instance
    aids_or_help: tuple[ChaqDomain, ...] = ()

    @model_validator(mode="after")
    def _known_items(self) -> ChaqCreate:
        unknown = sorted(set(self.answers) - set(chaq_definition().item_ids()))
        if unknown:
            raise ValueError(f"CHAQ item {unknown[0]!r} is not in the questionnaire; accepted e.g. "
                             "dressing_grooming_1, "
                             "grip_5")
        return self
    pain_vas_0_100: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)
    wellbeing_vas_0_100: float | None = Field(default=None, ge=0, le=100, allow_inf_nan=False)


class ClinicalCheckCreate(Entry):
    kind: CheckKind
    date: dt.date
    outcome: Literal["satisfactory", "concern"] = "satisfactory"
    note: str | None = Field(default=None, max_length=2000)


class CarePlanItemCreate(Entry):
    """A non-drug part of the care plan, with its goal, who owns it and when it is reviewed."""

    therapy: CarePlanTherapy
    goal: str = Field(min_length=3, max_length=400)
    owner: str = Field(min_length=2, max_length=120, description="Who is responsible, e.g. physiotherapist")
    start: dt.date | None = None
    review_date: dt.date | None = None
    status: CarePlanStatus = "planned"
    note: str | None = Field(default=None, max_length=4000)


class ProcedureCreate(Entry):
    kind: ProcedureKind
    date: dt.date
    site: str | None = Field(default=None, description="Bone-site id, e.g. femur")
    side: Side | None = None
    indication: str = Field(min_length=3, max_length=400)
    outcome: str | None = Field(default=None, max_length=4000)

    @field_validator("site")
    @classmethod
    def _known_bone(cls, v: str | None) -> str | None:
        if v is not None and v not in bone_sites():
            raise ValueError(f"site {v!r} is not in the bone-site catalogue; accepted ids e.g. femur, T7")
        return v


class FlareReviewCreate(Entry):
    signal_kind: FlareKind
    signal_date: dt.date
    decision: FlareDecision
    evidence: str = Field(min_length=3, max_length=2000)
    note: str | None = Field(default=None, max_length=2000)
