"""The family's diary export: the CSV exactly as a spreadsheet gets it, and the FHIR bundle as fhir.resources
(R4B, wire-compatible with R4 for these resources) reads it back."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnocare.reports.diary_export import DiaryExport, diary_csv, one_per_day
from cnocare.reports.diary_fhir import QUESTIONNAIRE_URL, diary_bundle

D = dt.date
BLANK = {"time_zone": "Europe/London", "pain_scale": None, "pain_0_10": None, "painful_sites": None,
         "night_pain": None, "limp": None, "activity_limited": None, "swelling": None, "fever": None,
         "temperature_c": None, "temperature_as_entered": None, "fatigue": None, "school": None,
         "medicines_taken": None, "side_effects": None, "mood": None, "warning_signs": {}, "note": None}


def entry(day: dt.date, n: int, **answers: Any) -> SimpleNamespace:
    return SimpleNamespace(**{**BLANK, **answers}, day=day, record_id=f"rec-{n}", version=1,
                           created_at=dt.datetime(2026, 3, day.day, 19, 30, 5, 123))


def export() -> DiaryExport:
    entries = (
        entry(D(2026, 3, 1), 1, pain_scale="numeric", pain_0_10=6.5, painful_sites=("tibia", "clavicle"),
              night_pain=True, limp=False, fever=True, temperature_c=38.3, temperature_as_entered="100.9 °F",
              fatigue="a_lot", school="whole_missed", medicines_taken={"nap": True, "gone": False},
              side_effects="tummy ache, after food", mood="low",
              warning_signs={"new_fever_or_chills": True, "black_stools": False}, note='said "ouch" twice'),
        entry(D(2026, 3, 2), 2, painful_sites=(), school="went", medicines_taken={"nap": False}),
        entry(D(2026, 3, 3), 3))
    return DiaryExport(child_id="p-1", child_name="Ivy Example", date_of_birth=D(2015, 4, 2), first=D(2026, 3, 1),
                       last=D(2026, 3, 7), entries=entries, medicines={"nap": "Naproxen", "mtx": "Methotrexate"},
                       exported_at=dt.datetime(2026, 3, 8, 9, 0, 0, 5))


def test_the_csv_has_labels_with_units_and_blank_cells_for_what_was_not_answered() -> None:
    expected = (
        "\ufeffDay (YYYY-MM-DD),Time zone,Pain scale used,Pain (0–10),Painful places,Number of painful places,"
        "Pain at night,Limping,Activity limited,Swelling,Fever,Temperature (°C),Temperature as entered,Tiredness,"
        "School,Took Naproxen,Took a medicine no longer in the plan,Side effects,Mood,Warning signs: yes,"
        "Warning signs: no,Note\r\n"
        "2026-03-01,Europe/London,numbers,6.5,Tibia; Clavicle,2,yes,no,,,yes,38.3,100.9 °F,a lot,"
        'missed the whole day,yes,no,"tummy ache, after food",low,a new fever or chills,black stools,'
        '"said ""ouch"" twice"\r\n'
        "2026-03-02,Europe/London,,,none,0,,,,,,,,,went,no,,,,,,\r\n"
        "2026-03-03,Europe/London,,,,,,,,,,,,,,,,,,,,\r\n")
    assert diary_csv(export()) == expected


def test_one_entry_per_day_the_latest_written_and_only_inside_the_period() -> None:
    early = entry(D(2026, 3, 1), 1, pain_0_10=2)
    later = SimpleNamespace(**{**vars(entry(D(2026, 3, 1), 9, pain_0_10=4)),
                               "created_at": dt.datetime(2026, 3, 2, 8, 0)})
    outside = entry(D(2026, 2, 28), 5, pain_0_10=9)
    assert [e.record_id for e in one_per_day([later, outside, early], D(2026, 3, 1), D(2026, 3, 7))] == ["rec-9"]


def _validated(bundle: dict[str, Any]) -> Any:
    model = pytest.importorskip("fhir.resources.R4B.bundle")
    return model.Bundle.model_validate(bundle)


def test_the_bundle_is_valid_fhir_and_round_trips() -> None:
    bundle = diary_bundle(export())
    parsed = _validated(bundle)
    again = json.loads(parsed.model_dump_json(exclude_none=True))
    assert again == json.loads(json.dumps(bundle))
    assert diary_bundle(export()) == bundle  # the same diary exports to the same resources


def test_the_bundle_holds_the_questionnaire_one_response_a_day_and_coded_observations() -> None:
    bundle = _validated(diary_bundle(export()))
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    assert bundle.type == "collection"
    assert kinds == ["Questionnaire", "Patient", "QuestionnaireResponse", "Observation", "Observation",
                     "QuestionnaireResponse", "QuestionnaireResponse"]
    questionnaire = bundle.entry[0].resource
    assert questionnaire.url == QUESTIONNAIRE_URL
    link_ids = {i.linkId for i in questionnaire.item}
    responses = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "QuestionnaireResponse"]
    assert all(r.questionnaire == f"{QUESTIONNAIRE_URL}|1" for r in responses)
    assert {i.linkId for r in responses for i in r.item} <= link_ids
    # The day with nothing answered carries only its date: no false, no zero.
    assert [i.linkId for i in responses[2].item] == ["day"]
    # "No painful place" is a count of 0, not a missing answer.
    second = {i.linkId: i for i in responses[1].item}
    assert second["painful_site_count"].answer[0].valueInteger == 0 and "painful_sites" not in second
    pain, temperature = (e.resource for e in bundle.entry if e.resource.get_resource_type() == "Observation")
    assert (pain.code.coding[0].system, pain.code.coding[0].code) == ("http://loinc.org", "72514-3")
    assert (temperature.code.coding[0].code, temperature.valueQuantity.code) == ("8310-5", "Cel")
    assert float(temperature.valueQuantity.value) == 38.3
    assert pain.derivedFrom[0].reference == bundle.entry[2].fullUrl
    assert str(pain.effectiveDateTime) == "2026-03-01"


ANSWERS = {
    "pain_0_10": st.one_of(st.none(), st.floats(0, 10)),
    "painful_sites": st.one_of(st.none(), st.lists(st.sampled_from(["tibia", "femur", "clavicle"]), unique=True)
                               .map(tuple)),
    "night_pain": st.one_of(st.none(), st.booleans()), "fever": st.one_of(st.none(), st.booleans()),
    "temperature_c": st.one_of(st.none(), st.floats(35, 41)),
    "school": st.one_of(st.none(), st.sampled_from(["went", "part_missed", "whole_missed", "no_school"])),
    "medicines_taken": st.one_of(st.none(), st.dictionaries(st.sampled_from(["nap", "mtx"]), st.booleans())),
}
COLUMNS = {"pain_0_10": "Pain (0–10)", "painful_sites": "Number of painful places", "night_pain": "Pain at night",
           "fever": "Fever", "temperature_c": "Temperature (°C)", "school": "School"}


@given(st.lists(st.fixed_dictionaries(ANSWERS), min_size=1, max_size=6))
def test_a_cell_is_blank_exactly_when_the_question_was_not_answered(days: list[dict[str, Any]]) -> None:
    entries = tuple(entry(D(2026, 3, 1) + dt.timedelta(days=n), n, **a) for n, a in enumerate(days))
    made = DiaryExport(child_id="p", child_name="C", date_of_birth=None, first=D(2026, 3, 1), last=D(2026, 3, 9),
                       entries=entries, medicines={"nap": "Naproxen", "mtx": "Methotrexate"},
                       exported_at=dt.datetime(2026, 3, 10))
    rows = list(csv.DictReader(io.StringIO(diary_csv(made).removeprefix("\ufeff"))))
    for answers, row in zip(days, rows, strict=True):
        for field, column in COLUMNS.items():
            assert (row[column] == "") == (answers[field] is None), (field, row[column])
        for course, name in (("nap", "Naproxen"), ("mtx", "Methotrexate")):
            column = f"Took {name}"
            if column in row:
                asked = (answers["medicines_taken"] or {}).get(course)
                assert row[column] == ("" if asked is None else "yes" if asked else "no")


@given(st.lists(st.fixed_dictionaries({**ANSWERS, "note": st.one_of(st.none(), st.text(min_size=1, max_size=40)),
                                       "side_effects": st.one_of(st.none(), st.text(min_size=1, max_size=40))}),
                min_size=1, max_size=4))
def test_any_diary_exports_to_a_valid_bundle(days: list[dict[str, Any]]) -> None:
    entries = tuple(entry(D(2026, 3, 1) + dt.timedelta(days=n), n, **a) for n, a in enumerate(days))
    made = DiaryExport(child_id="p", child_name="C", date_of_birth=None, first=D(2026, 3, 1), last=D(2026, 3, 9),
                       entries=entries, medicines={"nap": "Naproxen"}, exported_at=dt.datetime(2026, 3, 10))
    _validated(diary_bundle(made))
