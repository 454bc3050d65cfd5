"""Hypothesis fuzzing of every body the API accepts, and of the case-file loader.

Arbitrary JSON (right keys with wrong values, unknown keys, huge and odd numbers, deep nesting) must
never give a 5xx: the answer is the write (2xx), a conflict (409), or a 422 whose every problem names a
field. ``parse_case`` must return a Case or raise ``CaseFileError`` whose problems name a field.
Over-large request bodies are refused with 413 and a message saying the limit; over-large case files too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from tests.web.security import figures
from tests.web.security.conftest import EXAMPLES, World
from tests.web.security.payloads import bearer

from cnocare.casefile import MAX_CASE_FILE_BYTES, CaseFileError, load_case, parse_case
from cnocare.records.patients.schemas import PatientCreate, PatientUpdate
from cnocare.security.settings import get_settings
from cnocare.web.api.records import update_schema
from cnocare.web.kinds import available_kinds

FUZZ = settings(max_examples=30, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck))
ODD_NUMBERS = st.sampled_from([0, -1, 2**31, 2**63, 2**64, -(2**63) - 1, 10**30, 1e308, -1e-308, 0.1])
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), ODD_NUMBERS,
                    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=40),
                    st.sampled_from(["", " ", "2026-02-30", "2026-03-02", "9999-12-31", "0001-01-01",
                                     "\x00", "crp", "clavicle", "left", "mg/L", "1e999"]))
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=10), inner, max_size=4), max_leaves=12)


def bodies_for(model: type[BaseModel], example: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A valid example with some fields replaced by arbitrary JSON, some dropped, some unknown added."""
    names = sorted({*model.model_fields, *example})
    return st.builds(
        lambda replaced, dropped, extra: {**{k: v for k, v in example.items() if k not in dropped},
                                          **replaced, **extra},
        st.dictionaries(st.sampled_from(names), JSON_VALUES, max_size=3),
        st.sets(st.sampled_from(names), max_size=2),
        st.dictionaries(st.text(min_size=1, max_size=8), SCALARS, max_size=1))


@pytest.fixture(scope="module")
def api(world: World) -> Iterator[TestClient]:
    with bearer(world) as client:
        yield client


def assert_answer_names_fields(response: Any, body: Any) -> None:
    assert response.status_code < 500, (body, response.status_code, response.text[:300])
    assert response.status_code in (200, 201, 404, 409, 413, 422), (body, response.status_code, response.text[:300])
    if response.status_code == 422:
        problems = response.json()["detail"]
        assert problems and all(isinstance(p, dict) and p.get("field") for p in problems), (body, problems)


def fuzz_post(api: TestClient, url: str, model: type[BaseModel], example: dict[str, Any], method: str = "POST",
              wrap: Any = None) -> int:
    count = 0

    @FUZZ
    @given(body=bodies_for(model, example))
    def run(body: dict[str, Any]) -> None:
        nonlocal count
        count += 1
        sent = wrap(body) if wrap else body
        try:
            response = api.request(method, url, json=sent)
        except ValueError:  # httpx cannot serialise it (e.g. a float it refuses); not the server's problem
            return
        assert_answer_names_fields(response, sent)

    run()
    return count


def test_fuzzed_record_bodies_never_cause_a_server_error_and_every_refusal_names_a_field(
        world: World, api: TestClient) -> None:
    pid = world.patient_id("own_centre")
    examples = 0
    for slug, kind in available_kinds().items():
        examples += fuzz_post(api, f"/api/v1/patients/{pid}/{slug}", kind.concept.fields, EXAMPLES[slug])
    figures.add("hypothesis examples: record create bodies", examples)


def test_fuzzed_record_edits_never_cause_a_server_error_and_every_refusal_names_a_field(
        world: World, api: TestClient) -> None:
    examples = 0
    for slug, kind in available_kinds().items():
        rid = world.fresh_record("own_centre", slug)
        url = f"/api/v1/patients/{world.patient_id('own_centre')}/{slug}/{rid}"

        def wrap(changes: dict[str, Any], url: str = url, slug: str = slug, rid: str = rid) -> dict[str, Any]:
            return {"expected_version": world.record_version(slug, rid), "reason": "fuzz", "changes": changes}

        examples += fuzz_post(api, url, update_schema(kind), EXAMPLES[slug], "PATCH", wrap)
    figures.add("hypothesis examples: record edit bodies", examples)


def test_fuzzed_patient_bodies_never_cause_a_server_error_and_every_refusal_names_a_field(
        world: World, api: TestClient) -> None:
    example = {"centre_id": world.centre_a, "name": "Fuzz", "hospital_number": "F-1", "sex": "male",
               "date_of_birth": "2014-05-02"}
    examples = fuzz_post(api, "/api/v1/patients", PatientCreate, example)
    pid = world.fresh_patient("own_centre")

    def wrap(changes: dict[str, Any]) -> dict[str, Any]:
        return {"expected_version": world.patient_version(pid), "reason": "fuzz", "changes": changes}

    examples += fuzz_post(api, f"/api/v1/patients/{pid}", PatientUpdate, {"name": "Renamed"}, "PATCH", wrap)
    figures.add("hypothesis examples: patient bodies", examples)


def test_fuzzed_void_and_edit_envelopes_never_cause_a_server_error(world: World, api: TestClient) -> None:
    from cnocare.web.api.schemas import VoidRequest

    rid = world.fresh_record("own_centre", "notes")
    url = f"/api/v1/patients/{world.patient_id('own_centre')}/notes/{rid}"
    examples = fuzz_post(api, url + "/void", VoidRequest, {"expected_version": 999, "reason": "fuzz"})
    envelope = {"expected_version": 999, "reason": "fuzz", "changes": {"text": "x"}}
    examples += fuzz_post(api, url, update_schema(available_kinds()["notes"]), envelope, "PATCH")
    figures.add("hypothesis examples: void/edit envelopes", examples)




@pytest.mark.parametrize("query", [pytest.param({"offset": str(2**63)}),
                                   pytest.param({"offset": str(2**64)}),
                                   {"limit": "10", "offset": "1e9"}, {"centre_id": str(2**63)},
                                   {"centre_id": str(-(2**63) - 1)}])
def test_out_of_range_numbers_in_the_search_query_are_refused_not_a_server_error(
        api: TestClient, query: dict[str, str]) -> None:
    response = api.get("/api/v1/patients", params=query)
    assert response.status_code in (200, 404, 422), response.text[:200]


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**30])
def test_out_of_range_centre_ids_in_a_new_patient_are_refused_not_a_server_error(
        world: World, api: TestClient, value: int) -> None:
    body = {"centre_id": value, "name": "Big", "hospital_number": "B-1", "sex": "male"}
    response = api.post("/api/v1/patients", json=body)
    assert response.status_code in (404, 422), response.text[:200]


# --- request size -------------------------------------------------------------------------------------

def test_a_request_body_over_the_limit_is_refused_with_413_saying_the_limit(world: World, api: TestClient) -> None:
    limit = get_settings().body_limit_bytes
    url = f"/api/v1/patients/{world.patient_id('own_centre')}/notes"
    body = json.dumps({**EXAMPLES["notes"], "text": "x" * (limit + 10)})
    response = api.post(url, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert str(limit) in response.json()["detail"] and "too large" in response.json()["detail"]


def test_a_chunked_body_over_the_limit_is_refused_with_413_too(world: World, api: TestClient) -> None:
    limit = get_settings().body_limit_bytes
    url = f"/api/v1/patients/{world.patient_id('own_centre')}/notes"

    def chunks() -> Iterator[bytes]:
        yield b'{"date": "2026-03-02", "text": "'
        for _ in range(limit // 65536 + 2):
            yield b"x" * 65536
        yield b'"}'

    response = api.post(url, content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert "too large" in response.json()["detail"]


def test_an_oversized_case_file_is_refused_naming_the_size_and_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "case.yaml"
    big.write_text("patient:\n  id: x\n" + "# padding\n" * (MAX_CASE_FILE_BYTES // 10 + 10))
    with pytest.raises(CaseFileError) as refused:
        load_case(big)
    assert refused.value.problems[0].field == "(file)"
    assert str(MAX_CASE_FILE_BYTES) in str(refused.value) and "too large" in str(refused.value)


# --- the case-file loader -----------------------------------------------------------------------------

def assert_case_or_named_problems(text: str) -> None:
    try:
        parse_case(text, name="fuzz.yaml")
    except CaseFileError as exc:
        assert exc.problems and all(p.field for p in exc.problems), exc


CASE_KEYS = st.sampled_from(["id", "patient", "episodes", "labs", "imaging", "biopsies", "medicines", "diary",
                             "date_of_birth", "sex", "reference_date", "lesions", "value", "unit", "test",
                             "site", "side", "date", "symptoms", "conditions", "findings"])
CASE_SHAPES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(CASE_KEYS | st.text(max_size=6), inner, max_size=4), max_leaves=20)


@settings(max_examples=200, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(text=st.text(max_size=300))
def test_arbitrary_text_as_a_case_file_gives_a_case_or_problems_naming_a_field(text: str) -> None:
    figures.add("hypothesis examples: case files (text)")
    assert_case_or_named_problems(text)


@settings(max_examples=300, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=CASE_SHAPES, as_json=st.booleans())
def test_arbitrary_structures_as_a_case_file_give_a_case_or_problems_naming_a_field(data: Any, as_json: bool) -> None:
    figures.add("hypothesis examples: case files (structures)")
    text = json.dumps(data) if as_json else yaml.safe_dump(data, allow_unicode=True)
    assert_case_or_named_problems(text)
