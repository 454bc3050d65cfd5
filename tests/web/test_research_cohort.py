"""Researchers see a de-identified cohort: pseudonyms and coded results, never names, numbers, dates or notes."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import PASSWORD, Clinic, sign_in

from cnocare.analytics.seed import seed_demo
from cnocare.records.accounts.service import create_user
from cnocare.records.centres.models import Centre
from cnocare.records.db import transaction
from cnocare.records.models import ClinicalNoteRecord
from cnocare.records.patients.models import PatientRecord


@pytest.fixture(scope="module")
def seeded(clinic: Clinic) -> list[PatientRecord]:
    """A small synthetic cohort, and a researcher at its centres."""
    factory = clinic.app.state.web.sessions
    seed_demo(factory, n=6, seed=7)
    with transaction(factory) as db:
        centres = list(db.scalars(select(Centre.id).where(Centre.code.like("DEMO-%"))))
        create_user(db_session=db, data={"username": "rosalind", "email": "r@example.org",
                                         "display_name": "Rosalind", "role": "researcher", "centre_ids": centres,
                                         "password": PASSWORD})
        return list(db.scalars(select(PatientRecord).where(PatientRecord.centre_id.in_(centres))))


@pytest.fixture
def researcher(clinic: Clinic, seeded: list[PatientRecord]) -> Iterator[TestClient]:
    with TestClient(clinic.app) as client:
        yield sign_in(client, "rosalind")


def identifiers(clinic: Clinic, patients: list[PatientRecord]) -> set[str]:
    with clinic.app.state.web.sessions() as db:
        notes = set(db.scalars(select(ClinicalNoteRecord.text).where(
            ClinicalNoteRecord.patient_id.in_([p.id for p in patients]))))
    found = {t for t in notes if t}
    for p in patients:
        found |= {p.name, p.hospital_number, p.id, *p.name.split()}
        if p.date_of_birth:
            found.add(p.date_of_birth.isoformat())
    return {f for f in found if len(f) >= 4}


def test_the_cohort_has_no_direct_identifier(researcher: TestClient, clinic: Clinic,
                                             seeded: list[PatientRecord]) -> None:
    response = researcher.get("/api/v1/research/cohort")
    assert response.status_code == 200
    body = response.text
    leaked = sorted(i for i in identifiers(clinic, seeded) if i in body)
    assert leaked == []
    members = json.loads(body)["members"]
    anonymity = json.loads(body)["anonymity"]
    assert len(members) + anonymity["suppressed"] == len(seeded) and json.loads(body)["total"] == len(members)
    first = members[0]
    assert set(first) == {"pseudonym", "birth_year", "sex", "centre", "onset_month", "instruments",
                          "subtype_labels", "red_flags"}
    assert first["pseudonym"].startswith("P-")
    assert any(m["instruments"] for m in members)


def test_the_research_page_lists_the_same_cohort_without_identifiers(researcher: TestClient, clinic: Clinic,
                                                                      seeded: list[PatientRecord]) -> None:
    page = researcher.get("/research")
    assert page.status_code == 200
    released = researcher.get("/api/v1/research/cohort").json()["total"]
    assert page.text.count("data-pseudonym=") == released and "anonymous" in page.text
    assert sorted(i for i in identifiers(clinic, seeded) if i in page.text) == []


def test_pseudonyms_are_stable_between_calls(researcher: TestClient) -> None:
    first = [m["pseudonym"] for m in researcher.get("/api/v1/research/cohort").json()["members"]]
    again = [m["pseudonym"] for m in researcher.get("/api/v1/research/cohort").json()["members"]]
    assert first == again and len(set(first)) == len(first)


def test_a_researcher_cannot_open_identified_records(researcher: TestClient, seeded: list[PatientRecord]) -> None:
    assert researcher.get("/patients").status_code == 403
    assert researcher.get(f"/api/v1/patients/{seeded[0].id}").status_code == 403


def test_a_nurse_may_not_export_and_staff_of_other_centres_see_none_of_it(
        clinic: Clinic, seeded: list[PatientRecord]) -> None:
    with TestClient(clinic.app) as nell:
        sign_in(nell, "nell")
        assert nell.get("/api/v1/research/cohort").status_code == 403
    with TestClient(clinic.app) as rhea:  # a researcher at the Bristol centre only
        sign_in(rhea, "rhea")
        pseudonyms = {m["pseudonym"] for m in rhea.get("/api/v1/research/cohort").json()["members"]}
    with TestClient(clinic.app) as rosalind:
        sign_in(rosalind, "rosalind")
        theirs = {m["pseudonym"] for m in rosalind.get("/api/v1/research/cohort").json()["members"]}
    assert not pseudonyms & theirs


def test_each_cohort_export_is_audited(researcher: TestClient, clinic: Clinic) -> None:
    from cnocare.records.audit.models import AuditEvent

    researcher.get("/api/v1/research/cohort?limit=2")
    with clinic.app.state.web.sessions() as db:
        event = db.scalars(select(AuditEvent).where(AuditEvent.record_type == "research_cohort")
                           .order_by(AuditEvent.id.desc())).first()
    assert event is not None and (event.action, event.username) == ("export", "rosalind")
    assert "2 of" in (event.detail or "")


def test_no_released_row_is_unique_and_the_order_is_not_registration_order(
        researcher: TestClient, seeded: list[PatientRecord]) -> None:
    from collections import Counter

    body = researcher.get("/api/v1/research/cohort").json()
    k = body["anonymity"]["k"]
    combos = Counter((m["birth_year"], m["sex"], m["centre"], m["onset_month"], tuple(m["subtype_labels"]))
                     for m in body["members"])
    assert k == 5 and all(n >= k for n in combos.values()), combos
    assert body["anonymity"]["suppressed"] + sum(combos.values()) == len(seeded)
    pseudonyms = [m["pseudonym"] for m in body["members"]]
    assert pseudonyms == sorted(pseudonyms)  # keyed order, unrelated to when patients were registered


def test_pseudonyms_differ_between_projects(researcher: TestClient) -> None:
    one = {m["pseudonym"] for m in researcher.get("/api/v1/research/cohort?project=alpha").json()["members"]}
    two = {m["pseudonym"] for m in researcher.get("/api/v1/research/cohort?project=beta").json()["members"]}
    assert one and two and not one & two
    assert researcher.get("/api/v1/research/cohort?project=a b").status_code == 422
