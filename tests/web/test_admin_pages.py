"""Administration pages: the audit viewer and its FHIR export, accounts, API tokens; admins only."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import PASSWORD, Clinic, csrf_of, new_patient, sign_in

from cnocare.records.accounts.models import ApiToken
from cnocare.records.accounts.service import create_user, find_by_username
from cnocare.records.audit.models import AuditEvent
from cnocare.records.audit.service import record_event
from cnocare.records.db import transaction


@pytest.fixture(scope="module")
def admin_account(clinic: Clinic) -> str:
    with transaction(clinic.app.state.web.sessions) as db:
        create_user(db_session=db, data={"username": "root", "email": "root@example.org", "display_name": "Root",
                                         "role": "admin", "password": PASSWORD})
    return "root"


@pytest.fixture
def admin(clinic: Clinic, admin_account: str) -> Iterator[TestClient]:
    with TestClient(clinic.app) as client:
        yield sign_in(client, admin_account)


def post_form(client: TestClient, page_url: str, action: str, data: dict[str, object]) -> object:
    token = csrf_of(client.get(page_url).text)
    return client.post(action, data={"csrf_token": token, **data}, follow_redirects=False)


def test_an_administrator_lands_on_the_accounts_page_not_the_patient_list(clinic: Clinic, admin_account: str) -> None:
    with TestClient(clinic.app) as client:
        form = client.get("/login")
        response = client.post("/login", data={"username": "root", "password": PASSWORD,
                                               "csrf_token": csrf_of(form.text)}, follow_redirects=False)
        assert response.headers["location"] == "/admin/users"


def test_the_audit_viewer_filters_by_patient_and_action(admin: TestClient, ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic, name="Filtered Fern")
    ada.get(f"/patients/{patient_id}")
    page = admin.get(f"/admin/audit?patient={patient_id}&action=read")
    assert page.status_code == 200
    rows = re.findall(r'data-audit-action="([^"]+)"', page.text)
    assert rows and set(rows) == {"read"}
    assert patient_id in page.text and "Filtered Fern" not in page.text  # ids and field names, no data


def test_a_bad_filter_is_named_and_kept(admin: TestClient) -> None:
    page = admin.get("/admin/audit?since=02/03/2024&action=erase")
    assert page.status_code == 422
    assert "is not a date; accepted: YYYY-MM-DD" in page.text and "accepted: read, create" in page.text
    assert 'value="02/03/2024"' in page.text


def test_the_audit_viewer_pages_through_events(admin: TestClient, clinic: Clinic) -> None:
    with transaction(clinic.app.state.web.sessions) as db:
        for _ in range(51):
            record_event(db_session=db, action="logout", username="pager.probe")
    first = admin.get("/admin/audit?user=pager.probe")
    assert first.text.count("data-audit-action=") == 50 and "51 events — page 1 of 2" in first.text
    match = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert match
    second = admin.get(match.group(1).replace("&amp;", "&"))
    assert second.text.count("data-audit-action=") == 1 and 'rel="prev"' in second.text


def test_the_export_is_a_fhir_bundle_download_and_is_itself_audited(admin: TestClient, ada: TestClient,
                                                                     clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    ada.get(f"/patients/{patient_id}")
    response = admin.get(f"/admin/audit/export.json?patient={patient_id}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    assert response.headers["content-disposition"].startswith('attachment; filename="cnocare-audit-')
    bundle = json.loads(response.text)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    resources = [e["resource"] for e in bundle["entry"]]
    assert resources and all(r["resourceType"] == "AuditEvent" for r in resources)
    assert {"C", "R"} <= {r["action"] for r in resources}
    assert all(any(ent["what"].get("reference") == f"Patient/{patient_id}" for ent in r["entity"])
               for r in resources)
    with clinic.app.state.web.sessions() as db:
        export = db.scalars(select(AuditEvent).where(AuditEvent.action == "export")
                            .order_by(AuditEvent.id.desc())).first()
    assert export is not None and export.username == "root" and patient_id in (export.detail or "")


@pytest.mark.parametrize("url", ["/admin/audit", "/admin/audit/export.json", "/admin/users", "/admin/tokens"])
def test_staff_may_not_open_the_administration_pages(ada: TestClient, url: str) -> None:
    assert ada.get(url).status_code == 403


def test_an_administrator_has_no_clinical_access(admin: TestClient) -> None:
    assert admin.get("/patients").status_code == 403


def test_a_new_account_shows_its_one_time_password_once_and_must_change_it(admin: TestClient,
                                                                           clinic: Clinic) -> None:
    created = post_form(admin, "/admin/users", "/admin/users", {
        "username": "nina.nurse", "email": "nina@example.org", "display_name": "Nina Nurse", "role": "nurse",
        "centre_ids": str(clinic.centre_id)})
    assert created.status_code == 200, created.text
    match = re.search(r"data-one-time-password>([^<]+)<", created.text)
    assert match
    one_time = match.group(1)
    assert one_time not in admin.get("/admin/users").text
    with TestClient(clinic.app) as nina:
        form = nina.get("/login")
        response = nina.post("/login", data={"username": "nina.nurse", "password": one_time, "next": "/patients/new",
                                             "csrf_token": csrf_of(form.text)}, follow_redirects=False)
        assert response.headers["location"] == "/account/password?next=%2Fpatients%2Fnew"
        # Nothing else until the one-time password is replaced.
        blocked = nina.get("/patients", follow_redirects=False)
        assert blocked.status_code == 303 and blocked.headers["location"].startswith("/account/password")
        assert nina.get("/api/v1/patients").status_code == 403
        changed = post_form(nina, "/account/password", "/account/password", {
            "current_password": one_time, "new_password": "Ward-Seven-Lantern-42",
            "new_password_again": "Ward-Seven-Lantern-42", "next": "/patients/new"})
        assert changed.status_code == 303 and changed.headers["location"] == "/patients/new"
        assert nina.get("/patients").status_code == 200


def test_a_refused_account_form_keeps_what_was_typed(admin: TestClient) -> None:
    response = post_form(admin, "/admin/users", "/admin/users", {
        "username": "x", "email": "not-an-address", "display_name": "Kept Name", "role": "parent",
        "patient_ids": "no-such-patient"})
    assert response.status_code == 422
    assert 'value="Kept Name"' in response.text and "no patient with id no-such-patient" in response.text


def test_a_parent_account_links_to_a_patient_by_id(admin: TestClient, ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic, name="Linked Lily")
    response = post_form(admin, "/admin/users", "/admin/users", {
        "username": "lily.parent", "email": "lp@example.org", "display_name": "Lily's parent", "role": "parent",
        "patient_ids": patient_id})
    assert response.status_code == 200 and "data-one-time-password" in response.text


def test_deactivating_an_account_signs_it_out(admin: TestClient, clinic: Clinic) -> None:
    with transaction(clinic.app.state.web.sessions) as db:
        create_user(db_session=db, data={"username": "leaver", "email": "l@example.org", "display_name": "Leaver",
                                         "role": "clinician", "centre_ids": [clinic.centre_id], "password": PASSWORD})
        user = find_by_username(db_session=db, username="leaver")
        assert user is not None
        leaver_id = user.id
    with TestClient(clinic.app) as leaver:
        sign_in(leaver, "leaver")
        assert leaver.get("/patients").status_code == 200
        response = post_form(admin, "/admin/users", f"/admin/users/{leaver_id}/deactivate", {})
        assert response.status_code == 303
        assert leaver.get("/patients", follow_redirects=False).status_code == 303  # back to sign-in
    assert "deactivated" in admin.get("/admin/users").text


def test_a_deactivation_without_the_form_token_is_refused(admin: TestClient) -> None:
    assert admin.post("/admin/users/1/deactivate", data={}).status_code == 403


def test_an_administrator_cannot_mint_a_token_for_someone_else(admin: TestClient, clinic: Clinic) -> None:
    with clinic.app.state.web.sessions() as db:
        ada = find_by_username(db_session=db, username="ada")
        assert ada is not None
        before = len(list(db.scalars(select(ApiToken))))
    response = post_form(admin, "/admin/tokens", "/admin/tokens", {
        "owner": str(ada.id), "name": "read as ada", "scopes": "records:read"})
    assert response.status_code == 403
    assert "only by the account it acts for" in response.text and "data-raw-token" not in response.text
    with clinic.app.state.web.sessions() as db:
        assert len(list(db.scalars(select(ApiToken)))) == before


def test_an_api_token_is_shown_once_to_its_owner_works_and_can_be_revoked_by_an_admin(
        admin: TestClient, ada: TestClient, clinic: Clinic) -> None:
    response = post_form(ada, "/account/tokens", "/account/tokens", {"name": "cohort sync",
                                                                      "scopes": "records:read"})
    assert response.status_code == 200, response.text
    match = re.search(r"data-raw-token>([^<]+)<", response.text)
    assert match
    raw = match.group(1)
    assert raw not in ada.get("/account/tokens").text and raw not in admin.get("/admin/tokens").text
    with TestClient(clinic.app) as api:
        assert api.get("/api/v1/patients", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
        with clinic.app.state.web.sessions() as db:
            token = db.scalars(select(ApiToken).where(ApiToken.name == "cohort sync")).one()
            created = db.scalars(select(AuditEvent).where(AuditEvent.record_type == "api_token",
                                                          AuditEvent.record_id == str(token.id))).one()
            used = db.scalars(select(AuditEvent).where(AuditEvent.token_id == token.id)).all()
        assert created.username == "ada" and "for ada" in (created.detail or "")
        assert "created by ada" in (created.detail or "")
        assert used and all(e.via_token for e in used)  # the list read names the token
        assert post_form(admin, "/admin/tokens", f"/admin/tokens/{token.id}/revoke", {}).status_code == 303
        assert api.get("/api/v1/patients", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_nobody_revokes_another_persons_token_from_their_own_account_page(
        ada: TestClient, clinic: Clinic) -> None:
    from cnocare.records.accounts.api_tokens import create_api_token

    with transaction(clinic.app.state.web.sessions) as db:
        other, _ = create_user(db_session=db, data={"username": "olga", "email": "o@example.org",
                                                     "display_name": "O", "role": "nurse", "centre_ids": [1],
                                                     "password": PASSWORD})
        token, _ = create_api_token(db_session=db, user=other, data={"name": "olga's", "scopes": ["records:read"]})
    post_form(ada, "/account/tokens", f"/account/tokens/{token.id}/revoke", {})
    with clinic.app.state.web.sessions() as db:
        assert db.get(ApiToken, token.id).revoked_at is None  # type: ignore[union-attr]


def test_a_token_form_without_scopes_names_the_problem(admin: TestClient) -> None:
    response = post_form(admin, "/admin/tokens", "/admin/tokens", {"name": "kept-name"})
    assert response.status_code == 422
    assert "choose at least one scope" in response.text and 'value="kept-name"' in response.text


def test_the_audit_api_answers_an_audit_token_and_refuses_staff(clinic: Clinic, admin_account: str,
                                                                ada: TestClient) -> None:
    from cnocare.records.accounts.api_tokens import create_api_token

    with transaction(clinic.app.state.web.sessions) as db:
        root = find_by_username(db_session=db, username=admin_account)
        assert root is not None
        _, raw = create_api_token(db_session=db, user=root, data={"name": "siem", "scopes": ["audit:read"]})
    with TestClient(clinic.app) as api:
        page = api.get("/api/v1/audit?action=login&page_size=5", headers={"Authorization": f"Bearer {raw}"})
        assert page.status_code == 200 and all(e["action"] == "login" for e in page.json()["items"])
        fhir = api.get("/api/v1/audit/fhir?action=login", headers={"Authorization": f"Bearer {raw}"})
        assert fhir.json()["resourceType"] == "Bundle"
    assert ada.get("/api/v1/audit").status_code == 403
