"""The record types the clinic enters, each mapped to its records-layer concept.

Pages and the API are generic over this list: one URL pattern, one form engine, one set of verbs
(add, revise, void) from ``cnocare.records.versioned``. A kind names what its timeline line says.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from cnocare.knowledge.catalogue import bone_catalogue, bone_sites, lab_tests
from cnocare.web.forms.fields import Field, choice_label, fields_from_model

Summary = Callable[[dict[str, Any]], str]


def _join(*parts: Any) -> str:
    return " · ".join(str(p) for p in parts if p not in (None, "", ()))


def _bone(site: str | None, side: str | None = None) -> str | None:
    if not site:
        return None
    label = bone_sites()[site].label if site in bone_sites() else site
    return f"{label} ({side})" if side and side != "midline" else label


def _symptom(r: dict[str, Any]) -> str:
    what = choice_label(r["kind"]) + ("" if r.get("present", True) else " — absent")
    severity = f"severity {r['severity_0_10']:g}/10" if r.get("severity_0_10") is not None else None
    fever = f"{r['temperature_max_c']:g} °C" if r.get("temperature_max_c") is not None else None
    return _join(what, _bone(r.get("site"), r.get("side")), severity, fever)


def _lab(r: dict[str, Any]) -> str:
    test = lab_tests().get(r["test"])
    label = test.label if test else r["test"]
    if r.get("value") is not None:
        return f"{label} {r['value']:g} {r.get('unit') or ''}".strip()
    return _join(label, r.get("result"))


def _medicine(r: dict[str, Any]) -> str:
    span = f"from {r['start']}" + (f" to {r['stop']}" if r.get("stop") else "")
    return _join(r["drug"], choice_label(r["drug_class"]), span, r.get("response") and f"response {r['response']}")


SUMMARIES: dict[str, Summary] = {
    "visits": lambda r: _join("Visit", r.get("kind") and choice_label(r["kind"]), r.get("clinician")),
    "episodes": lambda r: _join(choice_label(r["kind"]).capitalize(), r.get("end") and f"until {r['end']}"),
    "symptoms": _symptom,
    "imaging": lambda r: _join(choice_label(r["modality"]), "whole body" if r.get("whole_body") else None,
                               f"{len(r.get('lesions') or ())} lesion(s)"),
    "labs": _lab,
    "biopsies": lambda r: _join("Biopsy", _bone(r.get("site"), r.get("side")), f"culture {r['culture']}",
                                ", ".join(choice_label(h) for h in r.get("histology") or ())),
    "medicines": _medicine,
    "conditions": lambda r: _join(choice_label(r["kind"]), "absent" if r.get("present") is False else None),
    "alternatives": lambda r: _join(choice_label(r["kind"]), r["status"]),
    "family-history": lambda r: _join(choice_label(r["relation"]) + " relative", r["condition"]),
    "genetics": lambda r: _join(r["gene"], r.get("variant"), choice_label(r["classification"])),
    "notes": lambda r: _join(r.get("category"), (r.get("text") or "")[:120]),
}


@dataclass(frozen=True)
class RecordKind:
    slug: str  # URL segment: /patients/{id}/{slug}/..., /api/v1/patients/{id}/{slug}
    label: str  # one record, as the clinic says it
    plural: str
    module: str  # the records service module; it defines CONCEPT
    date_field: str | None  # the date the timeline files the record under

    @property
    def service(self) -> Any:
        return importlib.import_module(self.module)

    @property
    def concept(self) -> Any:
        return self.service.CONCEPT

    def summary(self, record: dict[str, Any]) -> str:
        return SUMMARIES.get(self.slug, lambda r: self.label)(record)

    def fields(self) -> tuple[Field, ...]:
        return tuple(refine_field(f) for f in fields_from_model(self.concept.fields))


def refine_field(f: Field) -> Field:
    """Fields the schema types only as text but the clinic picks from a catalogue."""
    if f.name == "site":
        bones = tuple((s.id, s.label) for s in bone_sites().values())
        return replace(f, widget="select", choices=bones, label="Bone",
                       help="Paired bones need a side; spine, sternum and skull are midline.")
    if f.name == "segment":
        segments = dict.fromkeys(seg for segs in bone_catalogue().segments.values() for seg in segs)
        return replace(f, widget="select", choices=tuple((seg, choice_label(seg)) for seg in segments),
                       help="Long bones: epiphysis, metaphysis or diaphysis; vertebrae: body or posterior "
                       "elements; other bones: whole.")
    if f.name == "test":
        return replace(f, widget="select", choices=tuple((t.id, t.label) for t in lab_tests().values()),
                       autosubmit=True)
    return f


ALL_KINDS: tuple[RecordKind, ...] = (
    RecordKind("visits", "Visit", "Visits", "cnocare.records.visits.service", "date"),
    RecordKind("episodes", "Flare or episode", "Flares and episodes", "cnocare.records.episodes.service", "start"),
    RecordKind("symptoms", "Symptom", "Symptoms", "cnocare.records.symptoms.service", "date"),
    RecordKind("imaging", "Imaging study", "Imaging", "cnocare.records.imaging.service", "date"),
    RecordKind("labs", "Lab result", "Labs", "cnocare.records.labs.service", "date"),
    RecordKind("biopsies", "Biopsy", "Biopsies", "cnocare.records.biopsies.service", "date"),
    RecordKind("medicines", "Medicine course", "Medicines", "cnocare.records.medicines.service", "start"),
    RecordKind("conditions", "Coexisting condition", "Coexisting conditions",
               "cnocare.records.conditions.service", "onset"),
    RecordKind("alternatives", "Alternative diagnosis", "Alternative diagnoses",
               "cnocare.records.alternatives.service", "date"),
    RecordKind("family-history", "Family history", "Family history", "cnocare.records.family_history.service",
               None),
    RecordKind("genetics", "Genetic result", "Genetic results", "cnocare.records.genetics.service", None),
    RecordKind("notes", "Note", "Notes", "cnocare.records.notes.service", "date"),
)


@cache
def available_kinds() -> dict[str, RecordKind]:
    """Every kind by slug; importing each records service here fails loudly at start-up, not mid-visit."""
    for kind in ALL_KINDS:
        kind.concept  # noqa: B018 - the import is the check
    return {kind.slug: kind for kind in ALL_KINDS}


def kind_for(slug: str) -> RecordKind | None:
    return available_kinds().get(slug)
