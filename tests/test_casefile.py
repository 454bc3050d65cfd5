"""Case files (cnocare/casefile.py): bad input is refused with the field path, the value and what is
accepted; every example validates against the published JSON Schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from cnocare.casefile import CaseFileError, load_case, parse_case
from cnocare.clinical.case import Case

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((REPO / "examples").glob("*.yaml"))
SCHEMA = REPO / "docs" / "case.schema.json"

BASE: dict[str, Any] = {"case_id": "synthetic-casefile", "patient": {"sex": "female"}}
DAY = "2026-03-01"


def lesion_case(lesion: dict[str, Any]) -> dict[str, Any]:
    return {"imaging": [{"date": DAY, "modality": "mri", "lesions": [lesion]}]}


# name -> (case fields, field path, value as given, what is accepted)
IMPOSSIBLE = {
    "negative CRP": ({"labs": [{"test": "crp", "date": DAY, "value": -5, "unit": "mg/L"}]},
                     "labs[0].value", "-5", "accepted 0–1000 mg/L"),
    "Hb 500 g/L": ({"labs": [{"test": "haemoglobin", "date": DAY, "value": 500, "unit": "g/L"}]},
                   "labs[0].value", "500", "accepted 10–260 g/L"),
    "Hb 50 g/dL": ({"labs": [{"test": "haemoglobin", "date": DAY, "value": 50, "unit": "g/dL"}]},
                   "labs[0].value", "50", "(1–26 g/dL)"),
    "age 300 years": ({"patient": {"sex": "female", "age_years": 300}}, "patient.age_years", "300", "120"),
    "temperature 50 °C": ({"symptoms": [{"kind": "fever", "present": True, "temperature_max_c": 50}]},
                          "symptoms[0].temperature_max_c", "50", "accepted 30.0–45.0 °C"),
    "unknown unit": ({"labs": [{"test": "crp", "date": DAY, "value": 5, "unit": "mg"}]},
                     "labs[0].unit", "mg", "accepted: mg/L, mg/dL"),
    "unknown bone": (lesion_case({"site": "elbow"}), "imaging[0].lesions[0].site", "elbow", "accepted ids e.g."),
    "paired bone on the midline": (lesion_case({"site": "femur", "side": "midline"}), "imaging[0].lesions[0].side",
                                   "midline", "accepted: 'left', 'right' or omitted"),
    "unknown field": ({"patient": {"sex": "female", "weight_kg": 30}}, "patient.weight_kg", "30",
                      "not part of the case format"),
    "unknown test": ({"labs": [{"test": "crpp", "date": DAY, "value": 5, "unit": "mg/L"}]},
                     "labs[0].test", "crpp", "accepted: alp"),
    "unknown sex": ({"patient": {"sex": "f"}}, "patient.sex", "f", "accepted: 'female'"),
    "segment of the wrong kind": (lesion_case({"site": "T7", "segment": "diaphysis"}),
                                  "imaging[0].lesions[0].segment", "diaphysis", "accepted: vertebral_body"),
}


@pytest.mark.parametrize("name", sorted(IMPOSSIBLE))
def test_an_impossible_value_names_the_field_the_value_and_what_is_accepted(name: str) -> None:
    fields, path, value, accepted = IMPOSSIBLE[name]
    with pytest.raises(CaseFileError) as excinfo:
        parse_case(json.dumps({**BASE, **fields}), name="bad.json")
    problems = excinfo.value.problems
    assert len(problems) == 1
    problem = problems[0]
    assert problem.field == path
    assert value in problem.value
    assert accepted in problem.message
    assert str(excinfo.value).startswith("bad.json: ")


def test_a_missing_required_field_is_named() -> None:
    with pytest.raises(CaseFileError) as excinfo:
        parse_case(json.dumps({"patient": {"sex": "female"}}))
    assert [(p.field, p.message) for p in excinfo.value.problems] == [("case_id", "required field is missing")]


def test_several_problems_are_reported_together() -> None:
    fields = {"patient": {"sex": "f", "age_years": 300}}
    with pytest.raises(CaseFileError) as excinfo:
        parse_case(json.dumps({**BASE, **fields}))
    assert {p.field for p in excinfo.value.problems} == {"patient.sex", "patient.age_years"}


@pytest.mark.parametrize(("text", "fragment"), [("case_id: [unclosed", "not valid YAML/JSON"),
                                                ("- just\n- a list\n", "expected a mapping")])
def test_text_that_is_not_a_case_mapping_is_refused(text: str, fragment: str) -> None:
    with pytest.raises(CaseFileError) as excinfo:
        parse_case(text)
    assert fragment in excinfo.value.problems[0].message


def test_a_json_file_must_be_json(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text("case_id: yaml-not-json\n", encoding="utf-8")
    with pytest.raises(CaseFileError, match="not valid JSON"):
        load_case(path)


def test_a_missing_file_is_a_case_file_error(tmp_path: Path) -> None:
    with pytest.raises(CaseFileError, match="cannot read"):
        load_case(tmp_path / "absent.yaml")


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_loads_into_a_case(path: Path) -> None:
    assert isinstance(load_case(path), Case)


def as_json_data(path: Path) -> Any:
    return json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))


def schema() -> dict[str, Any]:
    if not SCHEMA.exists():
        pytest.skip("docs/case.schema.json not generated yet (the lead generates it with `cnocare schema`)")
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_validates_against_the_published_json_schema(path: Path) -> None:
    jsonschema.validate(as_json_data(path), schema())


def test_the_json_schema_refuses_an_unknown_field_and_an_unknown_bone() -> None:
    validator = jsonschema.Draft202012Validator(schema())
    assert not validator.is_valid({**BASE, "favourite_colour": "blue"})
    assert not validator.is_valid({**BASE, **lesion_case({"site": "elbow"})})
    assert validator.is_valid({**BASE, **lesion_case({"site": "femur", "side": "left"})})


def test_the_published_json_schema_matches_the_case_model() -> None:
    from cnocare.schema import case_schema

    assert schema() == json.loads(json.dumps(case_schema()))


@pytest.mark.parametrize(("lab", "path"), [
    ({"test": "crp", "date": DAY, "value": 5, "unit": ["mg/L"]}, "labs[0].unit"),
    ({"test": ["crp"], "date": DAY, "value": 5, "unit": "mg/L"}, "labs[0].test"),
    ({"test": "crp", "date": DAY, "value": 5, "unit": "mg/L", "reference_low": "low"}, "labs[0].reference_low"),
], ids=["unit-list", "test-list", "reference-text"])
def test_a_wrongly_typed_lab_field_is_named(lab: dict[str, Any], path: str) -> None:
    with pytest.raises(CaseFileError) as excinfo:
        parse_case(json.dumps({**BASE, "labs": [lab]}))
    assert [p.field for p in excinfo.value.problems] == [path]
