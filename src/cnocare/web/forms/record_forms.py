"""The fields each record form shows, where a kind needs more than its schema says.

Labs: the unit list is the catalogue's accepted units for the chosen test, and the hint shows the
conversion to the canonical unit. Imaging: the study's own fields plus one fieldset per lesion.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from cnocare.knowledge.catalogue import LabTest, lab_tests
from cnocare.web.forms.fields import Field, FormState, fields_from_model, parse_form, values_from_record
from cnocare.web.kinds import RecordKind, form_fields, refine_field

LESION_PREFIX = "lesions-"
EXTRA_LESION_ROWS = 1  # one empty row to add a lesion without JavaScript


def unit_hint(test: LabTest) -> str:
    if test.unit is None:
        return ""
    others = [f"1 {u} = {factor:g} {test.unit}" for u, factor in test.units.items() if u != test.unit]
    text = f"Stored in {test.unit}."
    if others:
        text += " " + "; ".join(others) + "."
    if test.usual is not None:
        text += f" Usual entry range {test.usual[0]:g}–{test.usual[1]:g} {test.unit} (values outside are kept, " \
                "with a warning)."
    return text


def lab_fields(base: tuple[Field, ...], test_id: str | None) -> tuple[Field, ...]:
    test = lab_tests().get(test_id or "")
    out = []
    for f in base:
        if f.name == "unit":
            if test is not None and test.kind == "quantitative":
                out.append(replace(f, widget="select", choices=tuple((u, u) for u in test.units),
                                   help=unit_hint(test)))
            continue
        if f.name in ("value", "reference_low", "reference_high") and test is not None \
                and test.kind != "quantitative":
            continue
        if f.name == "result" and test is not None and test.kind == "quantitative":
            out.append(replace(f, help="Only 'pending' for a numeric test whose value is not back yet."))
            continue
        out.append(f)
    return tuple(out)


def kind_fields(kind: RecordKind, values: dict[str, Any]) -> tuple[Field, ...]:
    """The record's own fields (the lesion fieldsets of an imaging study come from ``lesion_rows``)."""
    base = tuple(f for f in form_fields(kind) if f.name != "lesions")
    if kind.slug == "labs":
        return lab_fields(base, values.get("test"))
    return base


def lesion_fields() -> tuple[Field, ...]:
    from cnocare.records.imaging.schemas import LesionFields

    return tuple(refine_field(f) for f in fields_from_model(LesionFields))


def lesion_rows(count: int) -> list[tuple[int, tuple[Field, ...]]]:
    """Fieldsets named ``lesions-{i}-{field}``, so one form posts many lesions."""
    base = lesion_fields()
    return [(i, tuple(replace(f, name=f"{LESION_PREFIX}{i}-{f.name}") for f in base)) for i in range(count)]


def parse_lesions(form: Any, state: FormState) -> tuple[list[dict[str, Any]], list[int]]:
    """Lesion rows with a bone chosen, and the form row each came from (removed or empty rows drop)."""
    count = int(form.get("lesion_count") or 0) if str(form.get("lesion_count") or "0").isdigit() else 0
    lesions, rows = [], []
    for i, fields in lesion_rows(min(count, 200)):
        data, row_state = parse_form(fields, form)
        state.values.update(row_state.values)
        if form.get(f"{LESION_PREFIX}{i}-remove") or not row_state.values.get(f"{LESION_PREFIX}{i}-site"):
            continue
        state.errors.update(row_state.errors)
        prefix = f"{LESION_PREFIX}{i}-"
        lesions.append({k[len(prefix):]: v for k, v in data.items() if v is not None and v != ()})
        rows.append(i)
    state.values["lesion_count"] = str(count)
    return lesions, rows


def lesion_values(lesions: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    base = lesion_fields()
    for i, lesion in enumerate(lesions):
        for name, value in values_from_record(base, lesion).items():
            out[f"{LESION_PREFIX}{i}-{name}"] = value
    out["lesion_count"] = str(len(lesions) + EXTRA_LESION_ROWS)
    return out


def lesion_problem_field(field: str, rows: list[int], message: str = "") -> str:
    """``lesions.0.side`` from the records layer -> the form's ``lesions-{row}-side``.

    A whole-lesion rule (``lesions.0``) starts its message with the field it refuses ("side ...").
    """
    parts = field.split(".")
    if len(parts) >= 2 and parts[0] == "lesions" and parts[1].isdigit() and int(parts[1]) < len(rows):
        name = parts[2] if len(parts) >= 3 else message.split(" ", 1)[0]
        return f"{LESION_PREFIX}{rows[int(parts[1])]}-{name}"
    return field
