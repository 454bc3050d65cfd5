"""Audit completeness: lists record which patients they showed, reading the trail is recorded, every 403
is an event, operator backups and restores are events, requests made with a token name the token, and the
viewer shows hospital numbers rather than UUIDs (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import PASSWORD, Clinic, new_patient, sign_in

from cnocare.records.accounts.api_tokens import create_api_token
from cnocare.records.accounts.service import create_user, find_by_username
from cnocare.records.audit.models import AuditEvent
from cnocare.records.db import transaction


@pytest.fixture(scope="module")
def auditor(clinic: Clinic) -> str:
    with transaction(clinic.app.state.web.sessions) as db:
        create_user(db_session=db, data={"username": "audra", "email": "audra@example.org", "display_name": "A",
                                         "role": "admin", "password": PASSWORD})
    return "audra"


@pytest.fixture
def admin(clinic: Clinic, auditor: str) -> Iterator[TestClient]:
    with TestClient(clinic.app) as client:
        yield sign_in(client, auditor)


def _events(clinic: Clinic, **where: object) -> list[AuditEvent]:
    with clinic.app.state.web.sessions() as db:
        query = select(AuditEvent).order_by(AuditEvent.id)
        for name, value in where.items():
            query = query.where(getattr(AuditEvent, name) == value)
        return list(db.scalars(query))


def _last_id(clinic: Clinic) -> int:
    events = _events(clinic)
    return events[-1].id if events else 0


def test_a_patient_list_records_each_patient_it_showed(ada: TestClient, clinic: Clinic) -> None:
    shown = {new_patient(ada, clinic, name="Listed Lena"), new_patient(ada, clinic, name="Listed Lars")}
    for url in ("/api/v1/patients?q=Listed", "/patients?q=Listed"):
        start = _last_id(clinic)
        assert ada.get(url).status_code == 200
        reads = [e for e in _events(clinic, action="read", record_type="patient") if e.id > start]
        assert {e.patient_id for e in reads if e.fields == ["list entry"]} == shown, url
        [summary] = [e for e in _events(clinic, record_type="patient_list") if e.id > start]
        assert "2 shown" in (summary.detail or "") and "Listed" not in (summary.detail or "")


def test_reading_the_audit_trail_is_itself_recorded(admin: TestClient, clinic: Clinic, auditor: str) -> None:
    start = _last_id(clinic)
    assert admin.get("/admin/audit?action=login").status_code == 200
    with transaction(clinic.app.state.web.sessions) as db:
        me = find_by_username(db_session=db, username=auditor)
        assert me is not None
        token, raw = create_api_token(db_session=db, user=me, data={"name": "siem", "scopes": ["audit:read"]})
    with TestClient(clinic.app) as api:
        assert api.get("/api/v1/audit?page_size=5", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    reads = [e for e in _events(clinic, record_type="audit_events", action="read") if e.id > start]
    assert len(reads) == 2 and "action=login" in (reads[0].detail or "")
    assert reads[1].via_token and reads[1].token_id == token.id


def test_every_refusal_is_an_event(clinic: Clinic, ada: TestClient) -> None:
    patient = new_patient(ada, clinic, name="Refused Rita")
    with TestClient(clinic.app) as rhea:
        sign_in(rhea, "rhea")
        start = _last_id(clinic)
        assert rhea.get(f"/api/v1/patients/{patient}").status_code == 403
        assert rhea.post("/api/v1/patients", json={}).status_code == 403  # no CSRF header either
    refused = [e for e in _events(clinic, outcome="denied", record_type="route") if e.id > start]
    assert [e.username for e in refused] == ["rhea", "rhea"]
    assert refused[0].record_id == "/api/v1/patients/{patient_id}" and "403" in (refused[0].detail or "")


def test_the_viewer_shows_hospital_numbers_not_uuids(admin: TestClient, ada: TestClient, clinic: Clinic) -> None:
    patient = new_patient(ada, clinic, name="Numbered Nina", hospital_number="BRI-424242")
    ada.get(f"/patients/{patient}")
    page = admin.get(f"/admin/audit?patient={patient}")
    assert "BRI · BRI-424242" in page.text and "Numbered Nina" not in page.text
    visible = re.sub(r"<[^>]+>", " ", page.text)  # the text a person reads, without attributes and links
    assert patient not in visible.replace(f"value={patient}", "")  # only the filter box holds the id


def test_operator_backups_and_restores_are_events(tmp_path: Path) -> None:
    from typer import Typer
    from typer.testing import CliRunner

    from cnocare.cli.operations import backup_command, restore_command
    from cnocare.records.db import make_engine, session_factory, upgrade

    cli = Typer()
    cli.command("backup")(backup_command)
    cli.command("restore")(restore_command)
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    upgrade(url)
    copy = tmp_path / "copy.sqlite3"
    runner = CliRunner()
    assert runner.invoke(cli, ["backup", "--to", str(copy), "--database-url", url]).exit_code == 0
    target = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    result = runner.invoke(cli, ["restore", "--from", str(copy), "--database-url", target])
    assert result.exit_code == 0, result.output
    for where, expected in ((url, ["database_backup"]), (target, ["database_backup", "database_restore"])):
        engine = make_engine(where)
        with session_factory(engine)() as db:
            kinds = [e.record_type for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]
        engine.dispose()
        assert kinds == expected, where
