"""The audit trail as the clinic's pages and API leave it: reads and writes, who, from where, which fields."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import Clinic, csrf_of, new_patient, sign_in

from cnocare.records import versioned
from cnocare.records.accounts.api_tokens import create_api_token
from cnocare.records.accounts.service import find_by_username
from cnocare.records.audit.models import AuditEvent
from cnocare.records.db import transaction
from cnocare.records.kinds import KINDS

PROBE = {"User-Agent": "AuditProbe/1.0"}

LABS = KINDS["labs"]


def events(clinic: Clinic, **where: Any) -> list[AuditEvent]:
    with clinic.app.state.web.sessions() as db:
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        for name, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, name) == value)
        return list(db.scalars(stmt))


def add_crp(client: TestClient, patient_id: str, **fields: str) -> Any:
    url = f"/patients/{patient_id}/labs/new"
    token = csrf_of(client.get(url + "?test=crp").text)
    data = {"csrf_token": token, "test": "crp", "date": "2024-03-01", "value": "12", "unit": "mg/L", **fields}
    return client.post(url, data=data, follow_redirects=False)


def test_viewing_a_patient_page_records_one_read_with_address_and_browser(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic, name="Audra Reed")
    before = len(events(clinic, patient_id=patient_id, action="read"))
    assert ada.get(f"/patients/{patient_id}", headers=PROBE).status_code == 200
    reads = events(clinic, patient_id=patient_id, action="read")[before:]
    assert len(reads) == 1  # once per request, however often the page consulted the patient
    (read,) = reads
    assert (read.username, read.role, read.record_type, read.outcome) == ("ada", "clinician", "patient", "success")
    assert read.ip == "testclient" and read.user_agent == "AuditProbe/1.0"
    assert read.fields == ["chart"] and read.detail == "GET /patients/{patient_id}"


def test_the_assessment_fragment_and_an_edit_form_name_the_part_read(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    ada.get(f"/patients/{patient_id}/assessment")
    ada.get(f"/patients/{patient_id}/labs/new")
    assert [e.fields for e in events(clinic, patient_id=patient_id, action="read")][-2:] == [["assessment"], ["labs"]]


def test_the_patient_list_records_its_filters_but_not_the_search_text(ada: TestClient, clinic: Clinic) -> None:
    assert ada.get("/patients?q=Audra+Reed&red_flags=1", headers=PROBE).status_code == 200
    last = events(clinic, record_type="patient_list")[-1]
    assert last.action == "read" and last.username == "ada" and last.user_agent == "AuditProbe/1.0"
    assert "text search" in (last.detail or "") and "red_flags=1" in (last.detail or "")
    assert "Audra" not in (last.detail or "")


def test_an_edit_records_field_names_and_never_the_values(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    assert add_crp(ada, patient_id).status_code == 303
    with transaction(clinic.app.state.web.sessions) as db:
        (lab,) = versioned.list_for_patient(LABS.concept, db_session=db, patient_id=patient_id)
    url = f"/patients/{patient_id}/labs/{lab.record_id}/edit"
    token = csrf_of(ada.get(url).text)
    response = ada.post(url, headers=PROBE, follow_redirects=False, data={
        "csrf_token": token, "version": "1", "reason": "lab corrected", "test": "crp", "date": "2024-03-01",
        "value": "87.25", "unit": "mg/L"})
    assert response.status_code == 303, response.text
    (update,) = events(clinic, record_id=lab.record_id, action="update")
    assert "value" in (update.fields or []) and update.username == "ada" and update.ip == "testclient"
    assert update.user_agent == "AuditProbe/1.0" and update.patient_id == patient_id
    assert "87.25" not in repr([update.fields, update.detail, update.record_id])


def test_voiding_a_record_records_a_void_event(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    add_crp(ada, patient_id)
    with transaction(clinic.app.state.web.sessions) as db:
        (lab,) = versioned.list_for_patient(LABS.concept, db_session=db, patient_id=patient_id)
    url = f"/patients/{patient_id}/labs/{lab.record_id}/void"
    token = csrf_of(ada.get(url).text)
    assert ada.post(url, data={"csrf_token": token, "version": "1", "reason": "wrong patient"},
                    follow_redirects=False).status_code == 303
    (void,) = events(clinic, record_id=lab.record_id, action="void")
    assert void.username == "ada" and void.record_type == "lab_results"


def test_a_refused_save_leaves_no_audit_row_for_the_write(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic, date_of_birth="2014-05-02")
    response = add_crp(ada, patient_id, date="2010-01-01")  # before birth: refused by the Case check
    assert response.status_code == 422
    assert events(clinic, patient_id=patient_id, record_type="lab_results") == []


def test_a_look_at_another_centres_patient_is_recorded_as_denied(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    with TestClient(clinic.app) as other:
        sign_in(other, "otto")
        assert other.get(f"/patients/{patient_id}").status_code == 404
    (denied,) = events(clinic, patient_id=patient_id, username="otto")
    assert (denied.action, denied.outcome) == ("read", "denied")


def test_api_reads_by_token_are_recorded_as_token_reads(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    with transaction(clinic.app.state.web.sessions) as db:
        owner = find_by_username(db_session=db, username="ada")
        assert owner is not None
        _, raw = create_api_token(db_session=db, user=owner, data={"name": "probe", "scopes": ["records:read"]})
    with TestClient(clinic.app) as api:
        response = api.get(f"/api/v1/patients/{patient_id}/labs", headers={"Authorization": f"Bearer {raw}", **PROBE})
        assert response.status_code == 200
    read = events(clinic, patient_id=patient_id, action="read")[-1]
    assert read.via_token and read.username == "ada" and read.fields == ["labs"]
    assert read.detail == "GET /api/v1/patients/{patient_id}/labs"


def post_crp(client: TestClient, clinic: Clinic, patient_id: str, day: str) -> tuple[int, list[AuditEvent]]:
    """A CRP saved from its form, and the audit rows of the save alone (the form's own read comes before)."""
    url = f"/patients/{patient_id}/labs/new"
    token = csrf_of(client.get(url + "?test=crp").text)
    before = len(events(clinic, patient_id=patient_id))
    response = client.post(url, data={"csrf_token": token, "test": "crp", "date": day, "value": "12",
                                      "unit": "mg/L"}, follow_redirects=False)
    return response.status_code, events(clinic, patient_id=patient_id)[before:]


def test_a_save_records_the_read_that_led_to_it_once_with_the_write(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    status, saved = post_crp(ada, clinic, patient_id, "2024-04-01")
    assert status == 303
    assert [(e.action, e.record_type) for e in saved] == [("create", "lab_results"), ("read", "patient")]
    assert saved[1].fields == ["labs"] and saved[1].detail == "POST /patients/{patient_id}/{slug}/new"
    assert saved[1].username == "ada"


def test_a_refused_save_still_records_the_read(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic, date_of_birth="2014-05-02")
    status, refused = post_crp(ada, clinic, patient_id, "2010-01-01")  # before birth: rolled back
    assert status == 422
    assert [(e.action, e.fields, e.outcome) for e in refused] == [("read", ["labs"], "success")]


def test_reads_given_to_a_commit_that_fails_are_recorded_by_the_next(clinic: Clinic) -> None:
    from sqlalchemy import event

    from cnocare.records.audit.chain import AT_COMMIT
    from cnocare.records.audit.listener import AuditContext
    from cnocare.web.audit import ReadsAtCommit

    patient_id = "patient-of-a-failed-commit"
    context = AuditContext(reads={patient_id: {"labs"}})
    reads = ReadsAtCommit({"type": "http", "method": "POST", "path": f"/patients/{patient_id}/labs/new",
                           "path_params": {"patient_id": patient_id, "slug": "labs"}}, context)

    def refuse(*_args: Any) -> None:
        raise RuntimeError("the commit fails after the reads were recorded into it")

    with clinic.app.state.web.sessions(info={AT_COMMIT: reads}) as db:
        event.listen(db, "before_commit", refuse)  # runs after the audit's own hook has recorded the reads
        try:
            db.commit()
        except RuntimeError:
            db.rollback()
        assert events(clinic, patient_id=patient_id) == []
        assert context.reads == {patient_id: {"labs"}}  # noted again, not lost
        event.remove(db, "before_commit", refuse)
        db.commit()
    (read,) = events(clinic, patient_id=patient_id)
    assert (read.action, read.fields, read.detail) == ("read", ["labs"], "POST /patients/{patient_id}/{slug}/new")
    assert context.reads == {}
