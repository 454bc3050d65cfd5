"""Form fields derived from the pydantic schemas, so a form never drifts from what the records accept.

A field keeps what the user typed as text; ``parse_form`` turns it into typed values and names every
field it could not read. Nothing here touches the database: a form that fails to parse writes nothing.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel
from starlette.datastructures import FormData

Widget = Literal["text", "textarea", "date", "number", "select", "multi", "tristate", "checkbox"]

# Names whose label is not simply the words of the field name.
LABELS: dict[str, str] = {
    "severity_0_10": "Severity (0–10)",
    "temperature_max_c": "Highest temperature (°C)",
    "date_of_birth": "Date of birth",
    "status": "Status in the clinic's care",
    "status_date": "Date of discharge, transfer or death",
    "mrn": "MRN (hospital number)",
    "whole_body": "Whole-body study",
    "on_antibiotics": "On antibiotics at biopsy",
    "drug_class": "Drug class",
    "dose_note": "Dose (as prescribed, free text)",
    "age_years": "Age (years), if the date of birth is not shared",
    "age_at_onset_years": "Age at onset (years)",
}
LONG_TEXT = {"note", "report", "basis", "text", "explanation", "body", "reason"}


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    widget: Widget
    required: bool = False
    choices: tuple[tuple[str, str], ...] = ()
    help: str = ""
    autosubmit: bool = False


@dataclass
class FormState:
    """What the user typed, and what is wrong with it, for one re-render of a form."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    form_errors: list[str] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)  # field name -> label, for the error summary

    @property
    def ok(self) -> bool:
        return not self.errors and not self.form_errors


# A unit or scale at the end of a field name is shown in brackets: "pain_0_10" -> "Pain (0–10)".
SUFFIXES = (("_0_10", "0–10"), ("_weeks", "weeks"), ("_days", "days"), ("_months", "months"),
            ("_years", "years"), ("_mg", "mg"), ("_c", "°C"))
WORDS = {"physician_global": "physician global assessment"}


def label_for(name: str) -> str:
    if name in LABELS:
        return LABELS[name]
    for suffix, unit in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            stem = name[: -len(suffix)]
            return f"{WORDS.get(stem, stem.replace('_', ' ')).capitalize()} ({unit})"
    return name.replace("_", " ").capitalize()


def choice_label(value: str) -> str:
    return value.replace("_", " ")


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        if len(args) == 1:
            return args[0], optional
    return annotation, False


def _literal_values(annotation: Any) -> tuple[str, ...] | None:
    if typing.get_origin(annotation) is Literal:
        return tuple(str(v) for v in typing.get_args(annotation))
    return None


def field_for(name: str, annotation: Any, required: bool) -> Field | None:
    """The widget a pydantic annotation asks for; None for types a form cannot edit."""
    inner, optional = _unwrap_optional(annotation)
    label = label_for(name)
    literal = _literal_values(inner)
    if literal is not None:
        return Field(name, label, "select", required, tuple((v, choice_label(v)) for v in literal))
    origin = typing.get_origin(inner)
    if origin is tuple:
        args = typing.get_args(inner)
        values = _literal_values(args[0]) if args else None
        if values is not None:
            return Field(name, label, "multi", False, tuple((v, choice_label(v)) for v in values))
        return None
    if inner is bool:
        # An unknown yes/no stays unknown: clinical inputs get no silent default.
        return Field(name, label, "tristate" if optional or not required else "checkbox", required,
                     (("yes", "yes"), ("no", "no")))
    if inner is dt.date:
        return Field(name, label, "date", required)
    if inner in (int, float) or (origin in (typing.Union, types.UnionType)
                                 and set(typing.get_args(inner)) <= {int, float}):
        return Field(name, label, "number", required)
    if inner is str:
        return Field(name, label, "textarea" if name in LONG_TEXT else "text", required)
    return None


def fields_from_model(model: type[BaseModel], exclude: frozenset[str] = frozenset(),
                      only: tuple[str, ...] | None = None) -> tuple[Field, ...]:
    names = only if only is not None else tuple(model.model_fields)
    out: list[Field] = []
    for name in names:
        info = model.model_fields.get(name)
        if info is None or name in exclude:
            continue
        f = field_for(name, info.annotation, info.is_required())
        if f is not None:
            out.append(f)
    return tuple(out)


def _parse_number(text: str) -> float | int:
    number = float(text.replace(",", "."))
    if number != number or number in (float("inf"), float("-inf")):
        raise ValueError
    return int(number) if number.is_integer() and "." not in text and "," not in text else number


def parse_form(fields: tuple[Field, ...], form: FormData | dict[str, Any]) -> tuple[dict[str, Any], FormState]:
    """Typed data for the schema plus the state to re-render; every unreadable field gets a message."""
    state = FormState(labels={f.name: f.label for f in fields})
    data: dict[str, Any] = {}
    for f in fields:
        if f.widget == "multi":
            raw_list = form.getlist(f.name) if isinstance(form, FormData) else list(form.get(f.name) or [])
            state.values[f.name] = list(raw_list)
            allowed = {v for v, _ in f.choices}
            bad = [str(v) for v in raw_list if v not in allowed]
            if bad:
                state.errors[f.name] = f"{', '.join(bad)} not accepted; choose from the list"
            data[f.name] = tuple(raw_list)
            continue
        raw = form.get(f.name)
        text = "" if raw is None else str(raw).strip()
        state.values[f.name] = text
        if f.widget == "checkbox":
            data[f.name] = text in ("on", "yes", "true", "1")
            continue
        if text == "":
            if f.required:
                state.errors[f.name] = "required: please fill this in"
            continue
        try:
            data[f.name] = _convert(f, text)
        except ValueError as exc:
            state.errors[f.name] = str(exc)
    return data, state


def _convert(f: Field, text: str) -> Any:
    if f.widget == "date":
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a date; accepted: YYYY-MM-DD, e.g. 2026-03-02") from None
    if f.widget == "number":
        try:
            return _parse_number(text)
        except ValueError:
            raise ValueError(f"{text!r} is not a number") from None
    if f.widget == "tristate":
        if text not in ("yes", "no"):
            raise ValueError(f"{text!r} not accepted; accepted: yes, no, or leave unknown")
        return text == "yes"
    if f.widget == "select":
        allowed = [v for v, _ in f.choices]
        if text not in allowed:
            raise ValueError(f"{text!r} not accepted; accepted: {', '.join(allowed)}")
    return text


def values_from_record(fields: tuple[Field, ...], record: dict[str, Any]) -> dict[str, Any]:
    """The text a form shows for a stored record (the inverse of ``parse_form``)."""
    values: dict[str, Any] = {}
    for f in fields:
        v = record.get(f.name)
        if f.widget == "multi":
            values[f.name] = list(v or [])
        elif v is None:
            values[f.name] = ""
        elif isinstance(v, bool):
            values[f.name] = "yes" if v else "no"
        elif isinstance(v, float) and v.is_integer():
            values[f.name] = f"{v:g}"
        else:
            values[f.name] = str(v)
    return values
