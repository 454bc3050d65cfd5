"""A small clinic for the security suite: two centres, one signed-in client per role, and four patients
whose relation to each caller differs (own centre, other centre, linked to the family accounts, linked to
another family), each with one record of every kind.

Built once per module on ``db_url`` (SQLite, and PostgreSQL when CNOCARE_TEST_PG_URL is set).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import insert
from tests.web.conftest import PASSWORD, fast_security_env

from cnocare.records import versioned, writes
from cnocare.records.accounts.models import user_patients
from cnocare.records.accounts.service import create_user, find_by_username, principal_for
from cnocare.records.centres.service import create_centre
from cnocare.records.db import transaction
from cnocare.records.family.alerts import raise_alert
from cnocare.records.kinds import KINDS
from cnocare.records.patients.service import create_patient
from cnocare.security.policy import ROLES, Principal
from cnocare.security.settings import get_settings
from cnocare.security.tokens import keyed_digest
from cnocare.web.kinds import available_kinds
from cnocare.web.sessions import CSRF_COOKIE, SESSION_COOKIE

ANONYMOUS = "anonymous"
CALLERS: tuple[str, ...] = (*ROLES, ANONYMOUS)
# Where the patient stands relative to the caller; "none" for routes that name no patient.
SITUATIONS = ("own_centre", "other_centre", "linked", "unlinked", "nonexistent")
USERNAMES = {"admin": "root.admin", "clinician": "ada.clinician", "nurse": "nell.nurse",
             "researcher": "rhea.researcher", "patient": "pat.patient", "parent": "pam.parent"}
STRANGER_PARENT = "sam.otherparent"  # a parent of the "unlinked" patient: another family

# One valid record of every kind (JSON, as the API takes it). Dates after the patients' birth dates.
EXAMPLES: dict[str, dict[str, Any]] = {
    "visits": {"date": "2026-03-02", "kind": "follow_up", "pain_0_10": 3, "notes": "doing well"},
    "episodes": {"kind": "flare", "start": "2026-01-10", "note": "left clavicle"},
    "symptoms": {"kind": "bone_pain", "present": True, "date": "2026-01-10", "site": "clavicle", "side": "left",
                 "severity_0_10": 5, "note": "at night"},
    "imaging": {"date": "2026-01-12", "modality": "mri", "whole_body": False, "report": "oedema", "lesions": [
        {"site": "clavicle", "side": "left", "findings": ["marrow_oedema"], "activity": "active", "note": "n"}]},
    "labs": {"test": "crp", "date": "2026-01-12", "value": 5, "unit": "mg/L", "note": "fasting"},
    "biopsies": {"date": "2026-01-20", "site": "clavicle", "side": "left", "culture": "negative",
                 "histology": ["chronic_inflammation"], "note": "no malignancy seen"},
    "medicines": {"drug": "naproxen", "drug_class": "nsaid", "start": "2026-01-12", "dose_note": "with food"},
    "conditions": {"kind": "psoriasis", "present": True, "onset": "2025-06-01"},
    "alternatives": {"kind": "infection", "status": "excluded", "date": "2026-01-20", "basis": "culture"},
    "family-history": {"relation": "first_degree", "condition": "psoriasis", "note": "mother"},
    "genetics": {"gene": "LPIN2", "classification": "benign", "variant": "c.1A>G"},
    "notes": {"date": "2026-03-02", "category": "letter", "text": "seen in clinic"},
    "measurements": {"kind": "weight_kg", "date": "2026-03-02", "value": 31.5},
    "infusions": {"drug": "pamidronate", "date": "2026-03-02", "checks_done": ["calcium", "vitamin_d"]},
    "chaq": {"date": "2026-03-02", "answers": {"grip_1": "1"}, "aids_or_help": []},
    "checks": {"kind": "dental_review", "date": "2026-03-01", "outcome": "satisfactory"},
    "care-plan": {"therapy": "physiotherapy", "goal": "walk to school", "owner": "physiotherapist",
                  "status": "planned"},
    "procedures": {"kind": "biopsy", "date": "2026-01-20", "site": "clavicle", "indication": "diagnosis"},
    "flare-reviews": {"signal_kind": "new_lesion", "signal_date": "2026-03-02", "decision": "dismissed",
                      "evidence": "old lesion seen on a new study"},
}


def patient_data(centre_id: int, name: str) -> dict[str, Any]:
    return {"centre_id": centre_id, "name": name, "hospital_number": f"H-{uuid.uuid4().hex[:12]}",
            "sex": "female", "date_of_birth": "2014-05-02"}


@dataclass
class World:
    app: FastAPI
    centre_a: int
    centre_b: int
    user_ids: dict[str, int]
    patients: dict[str, dict[str, Any]]  # situation -> {"id", "centre_id", "records": {slug: record_id}}
    clients: dict[str, TestClient] = field(default_factory=dict)
    principals: dict[str, Principal] = field(default_factory=dict)
    alert_id: int = 0  # a diary alert for the own-centre patient

    def db(self) -> Any:
        return self.app.state.web.sessions()

    def patient_id(self, situation: str) -> str:
        if situation == "nonexistent":
            return str(uuid.uuid4())
        return str(self.patients[situation]["id"])

    def record_id(self, situation: str, slug: str) -> str:
        if situation == "nonexistent":
            return str(uuid.uuid4())
        return str(self.patients[situation]["records"][slug])

    def diary_id(self, situation: str) -> str:
        """A diary entry of the patient (the family's pages edit and show it)."""
        if situation == "nonexistent":
            return str(uuid.uuid4())
        return str(self.patients[situation]["diary"])

    def fresh_patient(self, situation: str) -> str:
        """A new patient standing where ``situation`` says (same centre, same family links)."""
        like = self.patients[situation]
        with transaction(self.app.state.web.sessions) as db:
            created = create_patient(db_session=db, data=patient_data(like["centre_id"], f"Fresh {situation}"),
                                     actor="setup")
            for username in like["family"]:
                db.execute(insert(user_patients).values(user_id=self.user_ids[username], patient_id=created.id))
        return str(created.id)

    def fresh_record(self, situation: str, slug: str) -> str:
        kind = available_kinds()[slug]
        with transaction(self.app.state.web.sessions) as db:
            saved = writes.add(kind, db_session=db, patient_id=self.patient_id(situation),
                               data=EXAMPLES[slug], actor="setup")
        return str(saved.record_id)

    def record_version(self, slug: str, record_id: str) -> int:
        kind = available_kinds()[slug]
        with self.db() as db:
            try:
                return int(versioned.get(kind.concept, db_session=db, record_id=record_id).version)
            except LookupError:
                return 1

    def patient_version(self, patient_id: str) -> int:
        from cnocare.records.patients.service import get_patient

        with self.db() as db:
            try:
                return int(get_patient(db_session=db, patient_id=patient_id).row_version)
            except LookupError:
                return 1

    def csrf(self, caller: str) -> str:
        """The CSRF token ``caller``'s pages carry: bound to the session, or before sign-in to the browser."""
        cookies = self.clients[caller].cookies
        return keyed_digest("csrf", cookies.get(SESSION_COOKIE) or cookies[CSRF_COOKIE])

    def throwaway_token(self) -> str:
        """An API token of the other family's parent, for routes that revoke one."""
        from cnocare.records.accounts.api_tokens import create_api_token
        from cnocare.records.accounts.service import get_user

        with self.db() as db:
            user = get_user(db_session=db, user_id=self.user_ids[STRANGER_PARENT])
            token, _ = create_api_token(db_session=db, user=user, data={"name": "spare", "scopes": ["records:read"]})
            return str(token.id)


def sign_in(client: TestClient, username: str) -> None:
    import re

    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, "sign-in page has no CSRF token"
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": token.group(1), "next": "/patients"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text


def build_world(app: FastAPI) -> World:
    sessions = app.state.web.sessions
    with transaction(sessions) as db:
        a = create_centre(db_session=db, data={"code": "AAA", "name": "Alpha Children's"}, actor="setup")
        b = create_centre(db_session=db, data={"code": "BBB", "name": "Beta Hospital"}, actor="setup")
    patients: dict[str, dict[str, Any]] = {}
    with transaction(sessions) as db:
        for situation, centre in (("own_centre", a.id), ("other_centre", b.id), ("linked", a.id),
                                  ("unlinked", a.id)):
            created = create_patient(db_session=db, data=patient_data(centre, f"Patient {situation}"),
                                     actor="setup")
            patients[situation] = {"id": created.id, "centre_id": centre, "records": {}, "family": ()}
    for info in patients.values():
        with transaction(sessions) as db:
            for slug, kind in available_kinds().items():
                saved = writes.add(kind, db_session=db, patient_id=info["id"], data=EXAMPLES[slug],
                                   actor="setup")
                info["records"][slug] = saved.record_id
            info["diary"] = writes.add(KINDS["diary"], db_session=db, patient_id=info["id"], actor="setup",
                                       data={"day": "2026-03-02", "time_zone": "Europe/London"}).record_id
    patients["linked"]["family"] = (USERNAMES["patient"], USERNAMES["parent"])
    patients["unlinked"]["family"] = (STRANGER_PARENT,)
    user_ids: dict[str, int] = {}
    with transaction(sessions) as db:
        accounts = [(USERNAMES[r], r) for r in ROLES] + [(STRANGER_PARENT, "parent")]
        for username, role in accounts:
            links: dict[str, Any] = {}
            if role in ("clinician", "nurse", "researcher"):
                links["centre_ids"] = [a.id]
            linked = [s for s, p in patients.items() if username in p["family"]]
            if linked:
                links["patient_ids"] = [patients[s]["id"] for s in linked]
            user, _ = create_user(db_session=db, data={
                "username": username, "email": f"{username}@example.org", "display_name": username,
                "role": role, "password": PASSWORD, **links})
            user_ids[username] = user.id
    world = World(app, a.id, b.id, user_ids, patients)
    with transaction(sessions) as db:
        world.alert_id = raise_alert(db_session=db, patient_id=patients["own_centre"]["id"], level="contact_team",
                                     family_reasons=["chest pain"], staff_reasons=["chest pain"], actor="setup").id
    with world.db() as db:
        for role in ROLES:
            user = find_by_username(db_session=db, username=USERNAMES[role])
            assert user is not None
            world.principals[role] = principal_for(db_session=db, user=user)
    return world


@pytest.fixture(scope="module")
def world(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from cnocare.security.settings import SecuritySettings
    from cnocare.web.app import create_app

    with pytest.MonkeyPatch.context() as mp:
        fast_security_env(mp, tmp_path_factory.mktemp("security-data"))
        app = create_app(SecuritySettings(database_url=db_url))
        world = build_world(app)
        clients = []
        try:
            for role in ROLES:
                client = TestClient(app, base_url="http://testserver")
                client.__enter__()
                clients.append(client)
                sign_in(client, USERNAMES[role])
                world.clients[role] = client
            anonymous = TestClient(app)
            anonymous.__enter__()
            clients.append(anonymous)
            anonymous.get("/login")  # the browser's CSRF cookie, as a visitor to the sign-in page has
            world.clients[ANONYMOUS] = anonymous
            yield world
        finally:
            for client in clients:
                client.__exit__(None, None, None)
            get_settings.cache_clear()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    from tests.web.security.figures import FIGURES

    if not FIGURES:
        return
    terminalreporter.section("web security figures (for docs/security.md)")
    for name, count in sorted(FIGURES.items()):
        terminalreporter.write_line(f"{name:<60} {count:>7}")
