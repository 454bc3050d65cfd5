"""One plausibility module: the warning a form shows after saving is the sentence the assessment
carries (``clinical.plausibility``), in the clinic's words, not a second wording of the same rule."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from tests.web.conftest import Clinic, csrf_of, new_patient

from cnocare.records.assessments.service import latest_snapshot
from cnocare.records.db import transaction


def test_an_unusual_crp_is_saved_with_the_same_warning_the_assessment_gives(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic, name="Uma Unusual")
    url = f"/patients/{patient_id}/labs/new?test=crp"
    saved = ada.post(url, data={"csrf_token": csrf_of(ada.get(url).text), "test": "crp", "date": "2026-03-02",
                                "value": "35", "unit": "mg/dL"})  # 350 mg/L: possible, above the usual 0-300
    flash = re.sub(r"\s+", " ", saved.text.split('class="flash"', 1)[1].split("</p>", 1)[0])
    assert "Lab result saved. Please check: C-reactive protein 35 mg/dL on 2026-03-02 is unusual (usual 0-300 mg/L)" \
        in flash
    assert "labs[0]" not in flash and "usual entry range" not in flash
    with transaction(clinic.app.state.web.sessions) as db:
        snapshot = latest_snapshot(db_session=db, patient_id=patient_id)
    assert snapshot is not None
    assert any(w.startswith("labs[0] crp 35 mg/dL on 2026-03-02 is unusual (usual 0-300 mg/L)")
               for w in snapshot.assessment["warnings"])


def test_a_fever_reading_that_is_unusual_is_flagged_on_save_too(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic, name="Tom Temperature")
    url = f"/patients/{patient_id}/symptoms/new"
    saved = ada.post(url, data={"csrf_token": csrf_of(ada.get(url).text), "kind": "fever", "present": "on",
                                "date": "2026-03-02", "temperature_max_c": "43"})
    assert "Please check: Temperature 43 °C is unusual: please check." in saved.text
