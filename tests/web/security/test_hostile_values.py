"""Hostile values of every JSON type, in every field of every input model the API takes, never give a 5xx:
non-finite numbers, lone surrogates and NUL are refused with a 422 naming the field; over-deep or
over-wide bodies are refused before validation; over-long search text is refused with its limit; a 422
never echoes a huge input back. (Hypothesis fuzzing of valid-shaped bodies: ``test_input_fuzz``.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web.security import figures
from tests.web.security.conftest import EXAMPLES, World, patient_data
from tests.web.security.payloads import bearer

from cnocare.web.kinds import available_kinds

MARK = "__HOSTILE__"
# Raw JSON text: json.dumps would refuse or rewrite most of these. True: must be a 422 naming the field.
HOSTILE: dict[str, tuple[str, bool]] = {
    "NaN": ("NaN", True), "Infinity": ("Infinity", True), "-Infinity": ("-Infinity", True),
    "1e309": ("1e309", True), "-1e309": ("-1e309", True), "lone surrogate": ('"\\ud800"', True),
    "NUL": ('"a\\u0000b"', True), "NUL deep in a list": ('[[[["\\u0000"]]]]', True),
    "huge integer": ("1" + "0" * 5000, False), "object": ('{"a": {"b": [1, 2]}}', False),
    "list of nulls": ("[null, null]", False), "boolean": ("true", False), "null": ("null", False),
    "long text": (json.dumps("x" * 100_000), False), "negative": ("-1", False),
}


@pytest.fixture(scope="module")
def api(world: World) -> Iterator[TestClient]:
    with bearer(world) as client:
        yield client


def _send(api: TestClient, method: str, url: str, body: dict[str, Any], path: list[str], raw: str) -> Any:
    target: Any = body
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = MARK
    text = json.dumps(body).replace(json.dumps(MARK), raw)
    return api.request(method, url, content=text, headers={"content-type": "application/json"})


def _check(response: Any, field: str, must_refuse: bool, what: str) -> None:
    assert response.status_code < 500, (what, field, response.status_code, response.text[:300])
    assert "content-security-policy" in response.headers
    if must_refuse:
        assert response.status_code == 422, (what, field, response.status_code, response.text[:200])
        problems = response.json()["detail"]
        assert any(field.split(".")[-1] in str(p["field"]) for p in problems), (what, field, problems)
    if response.status_code == 422:
        assert len(response.content) < 20_000 and all(p.get("field") for p in response.json()["detail"])


def _targets(world: World) -> Iterator[tuple[str, str, dict[str, Any], list[str]]]:
    """(method, url, valid body, path of the field to replace) for every field of every input model."""
    pid = world.fresh_patient("own_centre")  # a lax "true" as expected_version voids it: not the shared one
    patient = patient_data(world.centre_a, "Hostile")
    for name in patient:
        yield "POST", "/api/v1/patients", dict(patient), [name]
    for name in ("expected_version", "reason"):
        yield "PATCH", f"/api/v1/patients/{pid}", {"expected_version": 1, "reason": "r", "changes": {}}, [name]
        yield "POST", f"/api/v1/patients/{pid}/void", {"expected_version": 1, "reason": "r"}, [name]
    for name in ("name", "sex", "date_of_birth"):
        yield "PATCH", f"/api/v1/patients/{pid}", {"expected_version": 1, "reason": "r", "changes": {}}, [
            "changes", name]
    for slug, kind in available_kinds().items():
        for name in kind.concept.fields.model_fields:
            yield "POST", f"/api/v1/patients/{pid}/{slug}", dict(EXAMPLES[slug]), [name]
        rid = world.fresh_record("own_centre", slug)
        first = next(iter(EXAMPLES[slug]))
        yield "PATCH", f"/api/v1/patients/{world.patient_id('own_centre')}/{slug}/{rid}", {
            "expected_version": 1, "reason": "r",
                                                                 "changes": {}}, ["changes", first]


def test_hostile_values_in_every_field_of_every_input_model_never_give_a_5xx(world: World, api: TestClient) -> None:
    tried = 0
    for method, url, body, path in _targets(world):
        for what, (raw, must_refuse) in HOSTILE.items():
            response = _send(api, method, url, json.loads(json.dumps(body)), path, raw)
            _check(response, ".".join(path), must_refuse, what)
            tried += 1
    figures.add("hostile JSON values x input fields", tried)
    assert tried > 1000


def test_nan_in_a_reference_limit_is_refused_and_nothing_is_stored(world: World, api: TestClient) -> None:
    pid = world.fresh_patient("own_centre")
    body = {**EXAMPLES["labs"], "reference_low": MARK}
    response = _send(api, "POST", f"/api/v1/patients/{pid}/labs", body, ["reference_low"], "NaN")
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "reference_low"
    assert api.get(f"/api/v1/patients/{pid}/labs").json() == []


@pytest.mark.parametrize("shape", ["deep", "wide"])
def test_over_deep_and_over_wide_bodies_are_refused_before_validation(world: World, api: TestClient,
                                                                      shape: str) -> None:
    if shape == "deep":
        text = '{"name": ' + "[" * 100_000 + '"\\u0000"' + "]" * 100_000 + "}"
    else:
        text = json.dumps({f"unknown_{i}": i for i in range(40_000)})
    response = api.post("/api/v1/patients", content=text, headers={"content-type": "application/json"})
    assert response.status_code == 422 and len(response.content) < 2_000
    assert "accepted: at most" in response.json()["detail"][0]["message"]


def test_unknown_keys_below_the_limit_get_a_capped_422(world: World, api: TestClient) -> None:
    body = {**patient_data(world.centre_a, "Wide"), **{f"unknown_{i}": "v" * 300 for i in range(1500)}}
    response = api.post("/api/v1/patients", json=body)
    problems = response.json()["detail"]
    assert response.status_code == 422 and len(problems) <= 21 and problems[-1]["field"] == "(more)"
    assert len(response.content) < 20_000


@pytest.mark.parametrize("where", ["api", "page"])
def test_search_text_is_capped_with_a_clear_message(world: World, api: TestClient, where: str) -> None:
    long_text = "a%" * 10_000  # 20,000 characters (the finding used 50,000; httpx caps a URL at 64 KiB)
    if where == "api":
        response = api.get("/api/v1/patients", params={"q": long_text})
    else:
        response = world.clients["clinician"].get("/patients", params={"q": long_text})
    assert response.status_code == 422 and "accepted: at most 200" in response.text
    assert "content-security-policy" in response.headers


def test_non_finite_numbers_in_forms_are_refused_naming_the_field(world: World) -> None:
    client = world.clients["clinician"]
    pid = world.patient_id("own_centre")
    from tests.web.security.test_route_access import form_of

    for raw in ("NaN", "inf", "-Infinity", "1e309"):
        form = form_of("visits", {**EXAMPLES["visits"], "pain_0_10": raw})
        response = client.post(f"/patients/{pid}/visits/new", data={**form, "csrf_token": world.csrf("clinician")})
        assert response.status_code == 422, (raw, response.status_code)
        assert ("pain_0_10" in response.text and "finite" in response.text.lower()) or "number" in response.text
