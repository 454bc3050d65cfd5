"""The family's diary form: its questions in the family's words, what a submitted form means, and the
values the page shows back (what was typed is kept when a save is refused).

Nothing answered stays unanswered: a Yes/No question with neither chosen is None, the body map with no
area and no "nowhere" ticked is None, and the warning signs are only "no" when "none of these" is chosen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from starlette.datastructures import FormData

from cnocare.knowledge.body_map import body_areas
from cnocare.knowledge.triage import triage_rules
from cnocare.records.errors import FieldProblem, RecordValidationError
from cnocare.records.family.diary import DIARY, parse_temperature


@dataclass(frozen=True)
class Face:
    value: int
    words: str
    mouth: str  # SVG path of the mouth: a smile that flattens and turns down as the pain grows
    brows: bool


# Six faces for 0, 2, 4, 6, 8 and 10, drawn for this project (simple circles and curves) with our own words.
FACES = (
    Face(0, "No pain", "M14 27 Q24 36 34 27", False),
    Face(2, "A little pain", "M15 28 Q24 33 33 28", False),
    Face(4, "Some pain", "M15 30 Q24 31 33 30", False),
    Face(6, "Quite a lot of pain", "M15 31 Q24 28 33 31", True),
    Face(8, "A lot of pain", "M15 33 Q24 26 33 33", True),
    Face(10, "The worst pain", "M14 35 Q24 23 34 35", True),
)
YES_NO_QUESTIONS = (
    ("night_pain", "Pain at night (woke up or could not sleep)?"),
    ("limp", "Limping?"),
    ("activity_limited", "Had to stop or cut down sport, play or walking?"),
    ("swelling", "Any swelling?"),
)
CHOICES: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "fatigue": ("Tiredness", (("none", "Not tired"), ("some", "A bit tired"), ("a_lot", "Very tired"))),
    "school": ("School or nursery", (("went", "Went all day"), ("part_missed", "Missed part of the day"),
                                     ("whole_missed", "Missed the whole day"), ("no_school", "No school today"))),
    "mood": ("Mood", (("good", "Good"), ("okay", "Okay"), ("low", "Low"), ("very_low", "Very low"))),
}
TEXT_FIELDS = ("side_effects", "note")
NOWHERE = "nowhere"


def _yes_no(value: Any) -> str:
    return "" if value is None else ("yes" if value else "no")


def _bool(text: str) -> bool | None:
    return {"yes": True, "no": False}.get(text)


def values_from_entry(entry: Any) -> dict[str, Any]:
    """What the form shows for a stored entry (an edit) or a copied one ("same as yesterday")."""
    values: dict[str, Any] = {}
    for name in ("pain_scale", "time_zone", "fatigue", "school", "mood", "side_effects", "note"):
        if hasattr(entry, name):
            values[name] = getattr(entry, name) or ""
    if getattr(entry, "day", None) is not None:
        values["day"] = entry.day.isoformat()
    pain = getattr(entry, "pain_0_10", None)
    values["pain_0_10"] = "" if pain is None else f"{pain:g}"
    for name, _ in YES_NO_QUESTIONS:
        values[name] = _yes_no(getattr(entry, name, None))
    values["fever"] = _yes_no(getattr(entry, "fever", None))
    areas = getattr(entry, "painful_areas", None)
    values["areas"] = set(areas or ())
    values["nowhere"] = areas is not None and len(areas) == 0
    as_entered = getattr(entry, "temperature_as_entered", None)
    if as_entered:
        number, _, unit = as_entered.partition(" °")
        values["temperature"], values["temperature_unit"] = number, unit or "C"
    values["medicines"] = {k: _yes_no(v) for k, v in (getattr(entry, "medicines_taken", None) or {}).items()}
    signs = getattr(entry, "warning_signs", None) or {}
    values["signs"] = {k for k, v in signs.items() if v}
    all_no = bool(signs) and not any(signs.values()) and len(signs) == len(triage_rules().rules)
    values["signs_any"] = "none" if all_no else ("some" if values["signs"] else "")
    return values


def values_from_form(form: FormData) -> dict[str, Any]:
    """The submitted form as the page shows it back (strings, and sets for the tick boxes)."""
    def text(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    values: dict[str, Any] = {name: text(name) for name in (
        "day", "time_zone", "pain_scale", "pain_0_10", "fever", "temperature", "temperature_unit", "signs_any",
        "version", *(n for n, _ in YES_NO_QUESTIONS), *CHOICES, *TEXT_FIELDS)}
    values["areas"] = {str(a) for a in form.getlist("area")} - {NOWHERE}
    values["nowhere"] = NOWHERE in form.getlist("area")
    values["signs"] = {str(s) for s in form.getlist("sign")}
    values["medicines"] = {key.removeprefix("med:"): text(key) for key in form if key.startswith("med:")}
    return values


def parse(values: dict[str, Any], medicine_ids: set[str]) -> dict[str, Any]:
    """The entry to save, or RecordValidationError naming each refused field (all problems at once)."""
    problems: list[FieldProblem] = []
    data: dict[str, Any] = {"day": values["day"] or None, "time_zone": values["time_zone"] or None,
                            "pain_scale": values["pain_scale"] or None, "pain_0_10": values["pain_0_10"] or None}
    for name, _ in (*YES_NO_QUESTIONS, ("fever", "")):
        data[name] = _bool(values[name])
    for name in (*CHOICES, *TEXT_FIELDS):
        data[name] = values[name] or None
    if values["nowhere"] and values["areas"]:
        problems.append({"field": "painful_areas", "value": sorted(values["areas"]),
                         "message": "you ticked “nowhere” and also places that hurt; untick one of them"})
    data["painful_areas"] = () if values["nowhere"] else (
        tuple(a for a in body_areas() if a in values["areas"]) if values["areas"] else None)
    unknown_areas = values["areas"] - set(body_areas())
    if unknown_areas:
        problems.append({"field": "painful_areas", "value": sorted(unknown_areas),
                         "message": "that place is not on the body map"})
    if values["temperature"]:
        try:
            data["temperature_c"], data["temperature_as_entered"] = parse_temperature(
                values["temperature"], values["temperature_unit"] or "C")
        except RecordValidationError as exc:
            problems += exc.errors
    answers = [r.answer for r in triage_rules().rules]
    if values["signs_any"] == "none":
        if values["signs"]:
            problems.append({"field": "warning_signs", "value": sorted(values["signs"]),
                             "message": "you chose “none of these” and also ticked a sign; untick one of them"})
        data["warning_signs"] = dict.fromkeys(answers, False)
    elif values["signs_any"] == "some":
        data["warning_signs"] = {a: a in values["signs"] for a in answers}
    else:  # not answered as a whole: only what was ticked is known
        data["warning_signs"] = dict.fromkeys((a for a in answers if a in values["signs"]), True)
    unknown_medicines = set(values["medicines"]) - medicine_ids
    if unknown_medicines:
        problems.append({"field": "medicines_taken", "value": sorted(unknown_medicines),
                         "message": "that medicine is not on the current list; reload the page"})
    taken = {k: _bool(v) for k, v in values["medicines"].items() if k in medicine_ids}
    data["medicines_taken"] = {k: v for k, v in taken.items() if v is not None} or None
    try:
        DIARY.create.model_validate(data)
    except ValidationError as exc:
        problems += RecordValidationError.from_pydantic(exc, data).errors
    if problems:
        raise RecordValidationError(problems)
    return data


# Pydantic's generic words ("Input should be ...") replaced by what the family can do about it.
PLAIN = {"day": "choose the day this entry is about", "time_zone": "choose your time zone",
         "pain_0_10": "choose a pain score from 0 to 10", "pain_scale": "choose faces or numbers"}


def field_errors(problems: list[FieldProblem]) -> dict[str, str]:
    """Messages by the form's field (a body-map or sign problem goes beside its group)."""
    errors: dict[str, str] = {}
    for p in problems:
        field = str(p["field"]).split(".", 1)[0]
        field = {"temperature_c": "temperature", "record": "day"}.get(field, field)
        message = str(p["message"])
        if message.startswith(("Input should", "Field required", "Value error")) and field in PLAIN:
            message = PLAIN[field]
        errors.setdefault(field, message)
    return errors
