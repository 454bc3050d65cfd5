"""The family's shell: a parent lands on their child's pages, never on the clinician page's links, and
another family's child answers like an absent one."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import PASSWORD, Clinic, new_patient, sign_in

from cnocare.records.accounts.service import create_user
from cnocare.records.audit.models import AuditEvent
from cnocare.records.db import transaction


def _parent(clinic: Clinic, username: str, patient_ids: list[str]) -> None:
    with transaction(clinic.app.state.web.sessions) as db:
        create_user(db_session=db, data={"username": username, "email": f"{username}@example.org",
                                         "display_name": username.title(), "role": "parent",
                                         "patient_ids": patient_ids, "password": PASSWORD})


def test_a_parent_of_one_child_goes_straight_to_that_childs_today_page(clinic: Clinic, ada: TestClient) -> None:
    child = new_patient(ada, clinic, name="Ivy Shell")
    other = new_patient(ada, clinic, name="Otis Other")
    _parent(clinic, "pam", [child])
    with TestClient(clinic.app) as client:
        sign_in(client, "pam")
        home = client.get("/", follow_redirects=True)
        assert home.url.path == f"/family/{child}"
        assert "Ivy Shell" in home.text and "Add to the record" not in home.text
        assert client.get(f"/family/{other}").status_code == 404
        assert client.get("/family/not-a-patient").status_code == 404


def test_a_parent_of_two_chooses_between_them_and_each_name_shown_is_an_audited_read(
        clinic: Clinic, ada: TestClient) -> None:
    first, second = new_patient(ada, clinic, name="Ann Twin"), new_patient(ada, clinic, name="Ben Twin")
    _parent(clinic, "tess", [first, second])
    with TestClient(clinic.app) as client:
        sign_in(client, "tess")
        home = client.get("/family")
        assert home.status_code == 200
        assert home.text.index("Ann Twin") < home.text.index("Ben Twin")
    with transaction(clinic.app.state.web.sessions) as db:
        read = set(db.scalars(select(AuditEvent.patient_id).where(AuditEvent.username == "tess",
                                                                  AuditEvent.action == "read")))
    assert {first, second} <= read


def test_a_family_that_follows_a_dead_link_is_told_in_plain_words(clinic: Clinic, ada: TestClient) -> None:
    child = new_patient(ada, clinic, name="Lia Link")
    _parent(clinic, "lou", [child])
    with TestClient(clinic.app) as client:
        sign_in(client, "lou")
        missing = client.get("/family/0b7e0000-0000-4000-8000-000000000000/plan")
        assert missing.status_code == 404
        assert "your access to it may have ended" in missing.text and "patient not found" not in missing.text
        assert 'href="/family"' in missing.text and "Add to the record" not in missing.text


def test_staff_are_not_sent_to_the_family_pages(clinic: Clinic, ada: TestClient) -> None:
    assert ada.get("/family").status_code == 403


def test_a_refusal_on_a_page_is_in_words_and_only_the_api_names_the_action(clinic: Clinic, ada: TestClient) -> None:
    # Found trying the app as a parent: the page said "... (record:read)", an id from the code.
    child = new_patient(ada, clinic, name="Rita Refused")
    _parent(clinic, "rita.parent", [child])
    with TestClient(clinic.app) as client:
        sign_in(client, "rita.parent")
        page = client.get(f"/patients/{child}")
        assert page.status_code == 403
        assert "The parent role may not read clinical records" in page.text and "record:read" not in page.text
        api = client.get(f"/api/v1/patients/{child}/labs")
        assert api.status_code == 403 and "(record:read)" in api.json()["detail"]
