"""The record kinds as the forms see them: the declarations in ``records.kinds``, plus form widgets.

Pages and the API are generic over ``available_kinds()``: one URL pattern, one form engine, one set
of verbs (``records.writes``). Fields the schema types only as text but the clinic picks from a
catalogue become selects here, by field name, whatever kind they belong to.
"""

from __future__ import annotations

from dataclasses import replace

from cnocare.knowledge.catalogue import bone_catalogue, bone_sites, lab_tests
from cnocare.records.kinds import KINDS, RecordKind
from cnocare.web.forms.fields import Field, choice_label, fields_from_model

__all__ = ["RecordKind", "available_kinds", "form_fields", "kind_for", "refine_field"]


def available_kinds() -> dict[str, RecordKind]:
    """Every kind the clinic enters, by slug (the family's diary has pages of its own)."""
    return {slug: kind for slug, kind in KINDS.items() if kind.entered_by == "clinic"}


def kind_for(slug: str) -> RecordKind | None:
    """The clinic's kind at ``slug``; None for the family's diary, so the generic record pages never serve it."""
    return available_kinds().get(slug)


def form_fields(kind: RecordKind) -> tuple[Field, ...]:
    return tuple(refine_field(f) for f in fields_from_model(kind.create))


def refine_field(f: Field) -> Field:
    """Fields the schema types only as text but the clinic picks from a catalogue."""
    if f.name == "site":
        bones = tuple((s.id, s.label) for s in bone_sites().values())
        return replace(f, widget="select", choices=bones, label="Bone",
                       help="Paired bones: left or right (leave the side empty if the report does not say); "
                       "spine, sternum and skull are midline.")
    if f.name == "segment":
        segments = dict.fromkeys(seg for segs in bone_catalogue().segments.values() for seg in segs)
        return replace(f, widget="select", choices=tuple((seg, choice_label(seg)) for seg in segments),
                       help="Long bones: epiphysis, metaphysis or diaphysis; vertebrae: body or posterior "
                       "elements; other bones: whole.")
    if f.name == "test":
        return replace(f, widget="select", choices=tuple((t.id, t.label) for t in lab_tests().values()),
                       autosubmit=True)
    return f
