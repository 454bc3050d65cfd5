"""The JSON API: bearer tokens and cookies, CRUD with optimistic locking, the assessment contract."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import Clinic, csrf_of

from cnocare.clinical.result import InstrumentResult
from cnocare.records.accounts.api_tokens import create_api_token
from cnocare.records.accounts.service import find_by_username

CONTRACT_KEYS = ["instrument", "version", "title", "status", "score", "range", "threshold", "classification",
                 "items", "missing", "warnings", "explanation", "citation", "verification", "window"]


def token_for(clinic: Clinic, username: str, scopes: list[str]) -> str:
    with clinic.app.state.web.sessions() as db:
        user = find_by_username(db_session=db, username=username)
        assert user is not None
        _, raw = create_api_token(db_session=db, user=user, data={"name": "test", "scopes": scopes})
        return raw


@pytest.fixture
def api(clinic: Clinic) -> Iterator[TestClient]:
    raw = token_for(clinic, "ada", ["records:read", "records:write", "assessments:read"])
    with TestClient(clinic.app, headers={"Authorization": f"Bearer {raw}"}) as client:
        yield client


def create_patient(api: TestClient, clinic: Clinic, name: str = "Api Patient") -> dict[str, object]:
    response = api.post("/api/v1/patients", json={
        "centre_id": clinic.centre_id, "name": name, "hospital_number": f"API-{name}-{dt.datetime.now().timestamp()}",
        "sex": "male", "date_of_birth": "2013-09-01"})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_without_a_session_or_token_the_api_answers_401(anonymous: TestClient) -> None:
    response = anonymous.get("/api/v1/patients")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_token_creates_a_patient_adds_records_and_reads_the_assessment(api: TestClient, clinic: Clinic) -> None:
    patient = create_patient(api, clinic)
    base = f"/api/v1/patients/{patient['id']}"
    study = api.post(f"{base}/imaging", json={"date": "2026-03-02", "modality": "mri", "lesions": [
        {"site": "clavicle", "side": "left", "findings": ["marrow_oedema"], "activity": "active"}]})
    assert study.status_code == 201, study.text
    crp = api.post(f"{base}/labs", json={"test": "crp", "date": "2026-03-02", "value": 1.2, "unit": "mg/dL"})
    assert crp.status_code == 201 and crp.json()["canonical_value"] == 12
    assert [r["test"] for r in api.get(f"{base}/labs").json()] == ["crp"]
    assessment = api.get(f"{base}/assessment").json()
    bristol = next(r for r in assessment["instruments"] if r["instrument"] == "bristol-2016")
    crp_item = next(i for i in bristol["items"] if i["id"] == "crp_below_30_mg_l")
    assert crp_item["value"] is True and "12 mg/L" in crp_item["source"]


def test_every_instrument_result_follows_the_result_contract_field_for_field(api: TestClient,
                                                                            clinic: Clinic) -> None:
    patient = create_patient(api, clinic, "Contract")
    results = api.get(f"/api/v1/patients/{patient['id']}/assessment").json()["instruments"]
    assert {r["instrument"] for r in results} >= {"bristol-2016", "jansson-2009"}
    for result in results:
        assert list(result) == CONTRACT_KEYS
        assert InstrumentResult.model_validate(result).model_dump(mode="json") == result


def test_an_edit_against_an_old_version_is_refused_with_409_and_saves_nothing(api: TestClient,
                                                                              clinic: Clinic) -> None:
    patient = create_patient(api, clinic)
    base = f"/api/v1/patients/{patient['id']}/visits"
    visit = api.post(base, json={"date": "2026-03-02", "kind": "new_patient", "pain_0_10": 6}).json()
    url = f"{base}/{visit['record_id']}"
    first = api.patch(url, json={"expected_version": 1, "reason": "typo", "changes": {"pain_0_10": 5}})
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = api.patch(url, json={"expected_version": 1, "reason": "typo", "changes": {"pain_0_10": 2}})
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2 and stale.json()["changed_by"] == "ada"
    assert api.get(url).json()["pain_0_10"] == 5
    assert [v["version"] for v in api.get(f"{url}/history").json()] == [1, 2]


def test_refused_input_is_a_422_list_naming_field_value_and_what_is_accepted(api: TestClient,
                                                                            clinic: Clinic) -> None:
    patient = create_patient(api, clinic)
    base = f"/api/v1/patients/{patient['id']}"
    impossible = api.post(f"{base}/labs", json={"test": "crp", "date": "2026-03-02", "value": 5000, "unit": "mg/L"})
    assert impossible.status_code == 422
    assert impossible.json()["detail"] == [{"field": "value", "value": 5000.0,
                                            "message": "value 5000.0 mg/L for crp is impossible; accepted 0–1000 mg/L"}]
    malformed = api.post(f"{base}/visits", json={"date": "yesterday", "kind": "follow_up"})
    assert malformed.status_code == 422
    assert malformed.json()["detail"][0]["field"] == "date"
    assert malformed.json()["detail"][0]["value"] == "yesterday"
    assert api.get(f"{base}/labs").json() == []


def test_voiding_needs_a_reason_and_removes_the_record_from_the_current_list(api: TestClient,
                                                                            clinic: Clinic) -> None:
    patient = create_patient(api, clinic)
    base = f"/api/v1/patients/{patient['id']}/notes"
    note = api.post(base, json={"date": "2026-03-02", "text": "seen in clinic"}).json()
    assert api.post(f"{base}/{note['record_id']}/void", json={"expected_version": 1, "reason": ""}
                    ).status_code == 422
    voided = api.post(f"{base}/{note['record_id']}/void", json={"expected_version": 1, "reason": "duplicate"})
    assert voided.status_code == 200 and voided.json()["void_reason"] == "duplicate"
    assert api.get(base).json() == []
    assert len(api.get(base, params={"include_voided": True}).json()) == 1


def test_the_assessment_as_of_a_date_comes_from_the_stored_snapshots(api: TestClient, clinic: Clinic) -> None:
    patient = create_patient(api, clinic)
    url = f"/api/v1/patients/{patient['id']}/assessment"
    assert api.get(url, params={"as_of": "2000-01-01"}).status_code == 404
    today = api.get(url, params={"as_of": dt.date.today().isoformat()})
    assert today.status_code == 200 and today.json() == api.get(url).json()


def test_the_instrument_list_names_bristol_and_jansson_with_their_citations(api: TestClient) -> None:
    listed = {i["id"]: i for i in api.get("/api/v1/instruments").json()}
    assert listed["bristol-2016"]["pmid"] == "27576444"
    assert listed["jansson-2009"]["doi"] == "10.1002/art.24402"


def test_a_read_only_token_may_read_but_not_write(clinic: Clinic) -> None:
    raw = token_for(clinic, "ada", ["records:read"])
    with TestClient(clinic.app, headers={"Authorization": f"Bearer {raw}"}) as client:
        assert client.get("/api/v1/patients").status_code == 200
        refused = client.post("/api/v1/patients", json={"centre_id": clinic.centre_id, "name": "X",
                                                        "hospital_number": "RO-1", "sex": "male"})
        assert refused.status_code == 403


def test_another_centres_patient_is_not_found_through_the_api(api: TestClient, clinic: Clinic) -> None:
    patient = create_patient(api, clinic)
    raw = token_for(clinic, "otto", ["records:read", "assessments:read"])
    with TestClient(clinic.app, headers={"Authorization": f"Bearer {raw}"}) as other:
        assert other.get(f"/api/v1/patients/{patient['id']}").status_code == 404
        assert other.get(f"/api/v1/patients/{patient['id']}/assessment").status_code == 404


def test_a_cookie_session_writes_only_with_the_csrf_header(ada: TestClient, clinic: Clinic) -> None:
    body = {"centre_id": clinic.centre_id, "name": "Cookie Write", "hospital_number": "CW-1", "sex": "female"}
    assert ada.post("/api/v1/patients", json=body).status_code == 403
    token = csrf_of(ada.get("/patients").text)
    assert ada.post("/api/v1/patients", json=body, headers={"X-CSRF-Token": token}).status_code == 201


def test_openapi_and_the_docs_page_work_without_any_outside_host(anonymous: TestClient) -> None:
    spec = anonymous.get("/openapi.json").json()
    assert "/api/v1/patients/{patient_id}/assessment" in spec["paths"]
    assert "/api/v1/patients/{patient_id}/labs/{record_id}" in spec["paths"]
    docs = anonymous.get("/docs").text
    assert "http" not in docs.replace('href="/openapi.json"', "")
    if "/docs-assets/" in docs:
        assert anonymous.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
