"""``?as_of=DAY`` means one thing on the patient page and in the API: the assessment stored by the end of
that day, judged by the instrument versions stored then, clearly labelled; later timeline entries hidden."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from tests.web.conftest import Clinic, new_patient
from tests.web.test_api import token_for

from cnocare.records import writes
from cnocare.records.assessments.models import AssessmentSnapshot
from cnocare.records.db import transaction
from cnocare.records.kinds import KINDS

STORED_THEN = dt.datetime(2026, 3, 3, 9, 30)


def _course(ada: TestClient, clinic: Clinic) -> str:
    """A CRP assessed on 3 March (back-dated snapshot, as if the instruments were older), then an MRI
    dated 5 March entered today."""
    patient_id = new_patient(ada, clinic, name="Asa Asof")
    with transaction(clinic.app.state.web.sessions) as db:
        writes.add(KINDS["labs"], db_session=db, patient_id=patient_id, actor="ada",
                   data={"test": "crp", "date": dt.date(2026, 3, 2), "value": 12, "unit": "mg/L"})
    with transaction(clinic.app.state.web.sessions) as db:
        db.execute(update(AssessmentSnapshot).where(AssessmentSnapshot.patient_id == patient_id).values(
            created_at=STORED_THEN, instrument_versions={"bristol-2016": "0-older"}))
        writes.add(KINDS["imaging"], db_session=db, patient_id=patient_id, actor="ada", data={
            "date": dt.date(2026, 3, 5), "modality": "mri", "lesions": [
                {"site": "clavicle", "side": "left", "findings": ["marrow_oedema"]}]})
    return patient_id


def _classifications(html: str) -> list[tuple[str, str, str]]:
    panel = html.split('id="assessment"', 1)[1]
    return re.findall(r'data-instrument="([^"]+)" data-status="([^"]+)" data-classification="([^"]+)"', panel)


def test_the_page_as_of_a_day_shows_the_snapshot_stored_then_as_the_api_does(ada: TestClient, clinic: Clinic) -> None:
    patient_id = _course(ada, clinic)
    html = ada.get(f"/patients/{patient_id}?as_of=2026-03-04").text
    label = re.sub(r"\s+", " ", html.split("data-as-of-label>", 1)[1].split("</p>", 1)[0])
    assert "the assessment as stored on 2026-03-03 at 09:30 UTC" in label and "bristol-2016 v0-older" in label
    timeline = html.split('id="timeline"', 1)[1].split('id="assessment"', 1)[0]
    assert "C-reactive protein" in timeline and "MRI" not in timeline and "Imaging" not in timeline
    with transaction(clinic.app.state.web.sessions) as db:
        stored = db.scalars(select(AssessmentSnapshot).where(AssessmentSnapshot.patient_id == patient_id,
                                                             AssessmentSnapshot.created_at == STORED_THEN)
                            .order_by(AssessmentSnapshot.id.desc())).first()
    assert stored is not None
    expected = [(r["instrument"], r["status"], r["classification"]) for r in stored.assessment["instruments"]]
    assert _classifications(html) == expected
    raw = token_for(clinic, "ada", ["assessments:read"])
    api = ada.get(f"/api/v1/patients/{patient_id}/assessment?as_of=2026-03-04",
                  headers={"Authorization": f"Bearer {raw}"})
    assert api.status_code == 200 and api.json() == stored.assessment
    fragment = ada.get(f"/patients/{patient_id}/assessment?as_of=2026-03-04").text
    assert _classifications('id="assessment"' + fragment) == expected


def test_as_of_a_day_before_anything_was_stored_says_so_like_the_api(ada: TestClient, clinic: Clinic) -> None:
    patient_id = _course(ada, clinic)
    html = ada.get(f"/patients/{patient_id}?as_of=2026-03-01").text
    assert "no assessment had been stored by the end of that day" in html
    assert _classifications(html) == []
    raw = token_for(clinic, "ada", ["assessments:read"])
    assert ada.get(f"/api/v1/patients/{patient_id}/assessment?as_of=2026-03-01",
                   headers={"Authorization": f"Bearer {raw}"}).status_code == 404
