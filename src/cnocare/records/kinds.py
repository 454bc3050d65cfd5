"""The record kinds the clinic enters, each declared once; everything that lists kinds loops over ``ALL_KINDS``.

The case builder, the patient chart and timeline, the forms, the JSON API, the table registry and the
demo seed never name a kind. A declaration gives the table, what the clinic enters (the Create
schema), the Case model it becomes, the URL slug and labels, the date it is filed under and its
one-line summary. The Read schema (version metadata added) and the Update schema (every field
optional) are derived from the Create schema, so no field is typed twice in the records layer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, create_model
from pydantic.fields import FieldInfo

from cnocare.clinical import case
from cnocare.clinical import follow_up_snapshot as follow_up
from cnocare.clinical.diary_snapshot import DiaryDay
from cnocare.clinical.snapshot import Snapshot
from cnocare.knowledge.catalogue import bone_sites, lab_tests, label
from cnocare.records import models, schemas, versioned
from cnocare.records.family.models import DiaryEntryRecord
from cnocare.records.family.schemas import DiaryEntryCreate
from cnocare.records.imaging import service as imaging
from cnocare.records.imaging.models import ImagingStudyRecord
from cnocare.records.imaging.schemas import ImagingStudyCreate
from cnocare.records.labs import service as labs
from cnocare.records.labs.models import LabResultRecord
from cnocare.records.labs.schemas import LabResultCreate, LabResultRead

Summary = Callable[[dict[str, Any]], str]
Detail = Callable[[dict[str, Any]], str | None]


def read_schema(create: type[BaseModel]) -> type[versioned.RecordMeta]:
    """``XRead``: the entered fields plus the provenance of the version."""
    name = create.__name__.removesuffix("Create") + "Read"
    made = create_model(name, __base__=(versioned.RecordMeta, create), __module__=create.__module__)
    return cast(type[versioned.RecordMeta], made)


def update_schema(create: type[BaseModel]) -> type[BaseModel]:
    """``XUpdate``: the same fields, each optional. Only the fields given change; the merged record is
    then validated as a whole against the Create schema, so cross-field rules are not repeated here."""
    fields: dict[str, Any] = {
        name: (info.annotation | None, FieldInfo.merge_field_infos(info, default=None))  # type: ignore[operator]
        for name, info in create.model_fields.items()}
    made = create_model(create.__name__.removesuffix("Create") + "Update",
                        __config__=ConfigDict(extra="forbid", str_strip_whitespace=True),
                        __doc__="Only the fields given change; the result is validated as a whole.",
                        __module__=create.__module__, **fields)
    return made


@dataclass(frozen=True)
class RecordKind:
    slug: str  # URL segment: /patients/{id}/{slug}/..., /api/v1/patients/{id}/{slug}
    label: str  # one record, as the clinic says it
    plural: str
    noun: str  # one record inside a sentence ("no such lab result")
    model: type[versioned.ClinicalRecordMixin]
    create: type[BaseModel]
    date_field: str | None  # the date the timeline and the "as of" cut file the record under
    summarise: Summary
    # Where the record goes in the Case, and as which model; None for what the core does not read.
    case_field: str | None = None
    case_model: type[Snapshot] | None = None
    record_only: tuple[str, ...] = ()  # kept in the record, not part of the clinical snapshot
    # The date that ends a course, with the fields that go with it: an "as of" view before that date
    # shows the course as still running.
    ends: tuple[str, ...] = ()
    detail: Detail | None = None  # a second timeline line, where a summary cannot say enough
    read: type[versioned.RecordMeta] | None = None  # only where the row adds read-only values
    dump_row: Callable[[Any], dict[str, Any]] | None = None
    load_row: Callable[[Any, dict[str, Any], Any], None] | None = None
    past_events: tuple[str, ...] = ()  # date fields that can never be after today (a result, a visit)
    # What a stored row adds for the Case beyond the entered fields (a lab's canonical value, converted once
    # at entry, so the Case does not convert it again).
    case_hints: Callable[[Any], dict[str, Any]] | None = None
    # Who enters it: the clinic's forms and quick-add list only the clinic's kinds; the family's diary has
    # pages of its own (web/ui/family*).
    entered_by: Literal["clinic", "family"] = "clinic"
    concept: versioned.Concept[Any, Any] = field(init=False)

    def __post_init__(self) -> None:
        to_case = None if self.case_model is None else (lambda fields: self.to_case(fields, "new"))
        object.__setattr__(self, "concept", versioned.Concept(
            label=self.noun, model=self.model, fields=self.create, read=self.read or read_schema(self.create),
            to_case=to_case, dump_row=self.dump_row, load_row=self.load_row, past_events=self.past_events))

    @property
    def name(self) -> str:
        """The slug as an identifier (API route names, synthetic bundle fields)."""
        return self.slug.replace("-", "_")

    @cached_property
    def update(self) -> type[BaseModel]:
        return update_schema(self.create)

    def to_case(self, fields: dict[str, Any], record_id: str) -> Snapshot:
        """The Case model for one record; it owns the clinical validation rules."""
        assert self.case_model is not None, f"{self.noun} is not part of the Case"
        data = {k: v for k, v in fields.items() if k not in self.record_only}
        if "id" in self.case_model.model_fields:
            data["id"] = record_id
        return self.case_model(**data)

    def summary(self, record: dict[str, Any]) -> str:
        return self.summarise(record)


def _words(value: str) -> str:
    return value.replace("_", " ")


def _join(*parts: Any) -> str:
    return " · ".join(str(p) for p in parts if p not in (None, "", ()))


def _bone(site: str | None, side: str | None = None) -> str | None:
    if not site:
        return None
    label = bone_sites()[site].label if site in bone_sites() else site
    return f"{label} ({side})" if side and side != "midline" else label


def _symptom(r: dict[str, Any]) -> str:
    what = _words(r["kind"]) + ("" if r.get("present", True) else " — absent")
    severity = f"severity {r['severity_0_10']:g}/10" if r.get("severity_0_10") is not None else None
    fever = f"{r['temperature_max_c']:g} °C" if r.get("temperature_max_c") is not None else None
    return _join(what, _bone(r.get("site"), r.get("side")), severity, fever)


def _lab(r: dict[str, Any]) -> str:
    test = lab_tests().get(r["test"])
    name = test.label if test else r["test"]
    if r.get("value") is not None:
        return f"{name} {r.get('comparator') or ''}{r['value']:g} {r.get('unit') or ''}".strip()
    return _join(name, r.get("result"))


def _medicine(r: dict[str, Any]) -> str:
    span = (f"from {r['start']}" if r.get("start") else "start not known") + (f" to {r['stop']}" if r.get("stop")
                                                                             else "")
    return _join(r["drug"], _words(r["drug_class"]), span, r.get("response") and f"response {r['response']}")


def _diary(r: dict[str, Any]) -> str:
    sites, fever, pain = r.get("painful_sites"), r.get("temperature_c"), r.get("pain_0_10")
    return _join("Diary", None if pain is None else f"pain {pain:g}/10",
                 f"{len(sites)} painful site(s)" if sites else None, "night pain" if r.get("night_pain") else None,
                 None if fever is None else f"{fever:g} °C", "fever" if r.get("fever") and fever is None else None)


def _visit_detail(r: dict[str, Any]) -> str | None:
    parts = []
    if r.get("pain_0_10") is not None:
        parts.append(f"pain {r['pain_0_10']:g}/10")
    if r.get("physician_global_0_10") is not None:
        parts.append(f"physician global {r['physician_global_0_10']:g}/10")
    if r.get("next_review_due"):
        parts.append(f"next review by {r['next_review_due']}")
    return ", ".join(parts) or None


def _lesions_detail(r: dict[str, Any]) -> str | None:
    return "; ".join(f"{les['site']}{' ' + les['side'] if les.get('side') else ''}"
                     f"{' (' + les['activity'] + ')' if les.get('activity') else ''}"
                     for les in r.get("lesions") or ()) or None


ALL_KINDS: tuple[RecordKind, ...] = (
    RecordKind("visits", "Visit", "Visits", "visit", models.VisitRecord, schemas.VisitCreate, "date",
               lambda r: _join("Visit", r.get("kind") and _words(r["kind"])), detail=_visit_detail,
               past_events=("date",), case_field="activity", case_model=follow_up.ActivityAssessment,
               record_only=("kind", "notes", "next_review_due")),
    RecordKind("episodes", "Flare or episode", "Flares and episodes", "episode", models.EpisodeRecord,
               schemas.EpisodeCreate, "start",
               lambda r: _join(_words(r["kind"]).capitalize(), r.get("end") and f"until {r['end']}"),
               case_field="episodes", case_model=case.Episode, record_only=("note",), ends=("end",)),
    RecordKind("symptoms", "Symptom", "Symptoms", "symptom", models.SymptomRecord, schemas.SymptomCreate, "date",
               _symptom, case_field="symptoms", case_model=case.Symptom),
    RecordKind("imaging", "Imaging study", "Imaging", "imaging study", ImagingStudyRecord, ImagingStudyCreate,
               "date", lambda r: _join(_words(r["modality"]), "whole body" if r.get("whole_body") else None,
                                       f"{len(r.get('lesions') or ())} lesion(s)"),
               case_field="imaging", case_model=case.ImagingStudy, detail=_lesions_detail, past_events=("date",),
               dump_row=imaging.study_fields, load_row=imaging.store_study),
    RecordKind("labs", "Lab result", "Labs", "lab result", LabResultRecord, LabResultCreate, "date", _lab,
               case_field="labs", case_model=case.LabResult, record_only=("reference_source",),
               read=LabResultRead, load_row=labs.store_with_canonical_value, past_events=("date",),
               case_hints=labs.stored_canonical_value),
    RecordKind("biopsies", "Biopsy", "Biopsies", "biopsy", models.BiopsyRecord, schemas.BiopsyCreate, "date",
               lambda r: _join("Biopsy", _bone(r.get("site"), r.get("side")),
                               label("cultures", r.get("culture")) if r.get("culture") else "culture not reported",
                               ", ".join(_words(h) for h in r.get("histology") or ())),
               case_field="biopsies", case_model=case.Biopsy, past_events=("date",)),
    RecordKind("medicines", "Medicine course", "Medicines", "medicine course", models.MedicineCourseRecord,
               schemas.MedicineCourseCreate, "start", _medicine,
               case_field="medicines", case_model=case.MedicineCourse, ends=("stop", "stop_reason")),
    RecordKind("conditions", "Coexisting condition", "Coexisting conditions", "coexisting condition",
               models.CoexistingConditionRecord, schemas.CoexistingConditionCreate, "onset",
               lambda r: _join(_words(r["kind"]), "absent" if r.get("present") is False else None),
               case_field="conditions", case_model=case.CoexistingCondition),
    RecordKind("alternatives", "Alternative diagnosis", "Alternative diagnoses", "alternative diagnosis",
               models.AlternativeDiagnosisRecord, schemas.AlternativeDiagnosisCreate, "date",
               lambda r: _join(_words(r["kind"]), r["status"]),
               case_field="alternative_diagnoses", case_model=case.AlternativeDiagnosis),
    RecordKind("family-history", "Family history", "Family history", "family history entry",
               models.FamilyHistoryRecord, schemas.FamilyHistoryCreate, None,
               lambda r: _join(_words(r["relation"]) + " relative", r["condition"]),
               case_field="family_history", case_model=case.FamilyHistory),
    RecordKind("genetics", "Genetic result", "Genetic results", "genetic result", models.GeneticFindingRecord,
               schemas.GeneticFindingCreate, None,
               lambda r: _join(r["gene"], r.get("variant"), _words(r["classification"])),
               case_field="genetics", case_model=case.GeneticFinding),
    RecordKind("notes", "Note", "Notes", "note", models.ClinicalNoteRecord, schemas.ClinicalNoteCreate, "date",
               lambda r: _join(r.get("category"), (r.get("text") or "")[:120])),
    RecordKind("measurements", "Growth measurement", "Growth", "measurement", models.MeasurementRecord,
               schemas.MeasurementCreate, "date",
               lambda r: f"{label('measurements', r['kind']).capitalize()} {r['value']:g} "
                         f"{'kg' if r['kind'] == 'weight_kg' else 'cm'}",
               case_field="measurements", case_model=follow_up.Measurement, record_only=("note",),
               past_events=("date",)),
    RecordKind("infusions", "Infusion", "Infusions", "infusion", models.InfusionRecord, schemas.InfusionCreate,
               "date", lambda r: _join("Infusion", r["drug"], r.get("dose_mg") and f"{r['dose_mg']:g} mg",
                                       r.get("reaction") and "reaction recorded"),
               case_field="infusions", case_model=follow_up.Infusion, past_events=("date",)),
    RecordKind("chaq", "CHAQ questionnaire", "CHAQ questionnaires", "CHAQ questionnaire", models.ChaqRecord,
               schemas.ChaqCreate, "date", lambda r: f"CHAQ, {len(r.get('answers') or {})} of 30 items answered",
               case_field="chaq", case_model=follow_up.ChaqAnswers, past_events=("date",)),
    RecordKind("checks", "Pre-treatment check", "Pre-treatment checks", "check", models.ClinicalCheckRecord,
               schemas.ClinicalCheckCreate, "date",
               lambda r: _join(label("checks", r["kind"]).capitalize(), r.get("outcome")),
               case_field="checks", case_model=follow_up.ClinicalCheck, past_events=("date",)),
    RecordKind("care-plan", "Care-plan item", "Care plan", "care-plan item", models.CarePlanItemRecord,
               schemas.CarePlanItemCreate, "start",
               lambda r: _join(_words(r["therapy"]).capitalize(), r.get("status"), f"owner {r['owner']}",
                               r.get("review_date") and f"review {r['review_date']}")),
    RecordKind("procedures", "Procedure", "Procedures", "procedure", models.ProcedureRecord,
               schemas.ProcedureCreate, "date",
               lambda r: _join(_words(r["kind"]).capitalize(), _bone(r.get("site"), r.get("side"))),
               detail=lambda r: _join(f"indication: {r['indication']}", r.get("outcome") and
                                      f"outcome: {r['outcome']}"), past_events=("date",)),
    RecordKind("flare-reviews", "Flare review", "Flare reviews", "flare review", models.FlareReviewRecord,
               schemas.FlareReviewCreate, "signal_date",
               lambda r: _join("Flare signal", _words(r["signal_kind"]), r["decision"])),
    # The diary's Case part keeps what the family answered; every other entered field (zone, scale, temperature
    # as typed, warning-sign answers, note) stays record-only, so a question added to the diary stays in the
    # record until the core is taught to read it.
    RecordKind("diary", "Diary entry", "Diary", "diary entry", DiaryEntryRecord, DiaryEntryCreate, "day", _diary,
               entered_by="family", case_field="diary", case_model=DiaryDay,
               record_only=tuple(f for f in DiaryEntryCreate.model_fields if f not in DiaryDay.model_fields)),
)

KINDS: dict[str, RecordKind] = {kind.slug: kind for kind in ALL_KINDS}


def kind_for(slug: str) -> RecordKind | None:
    return KINDS.get(slug)
