"""The treatment page, CHAQ form, flare review, letters and worklist through the app (no browser)."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from tests.web.conftest import Clinic, csrf_of, new_patient

from cnocare.records import versioned, writes
from cnocare.records.db import transaction
from cnocare.records.kinds import KINDS
from cnocare.records.patients.service import get_patient, update_patient

TODAY = dt.date.today()


def test_the_treatment_page_says_no_dose_without_a_site_formulary(ada: TestClient, clinic: Clinic) -> None:
    pid = new_patient(ada, clinic)
    html = ada.get(f"/patients/{pid}/treatment").text
    assert "cnocare calculates no dose without one" in html
    assert "Step-up options" in html and "Follow-up schedule" in html


def test_a_confirmed_flare_signal_is_filed_as_a_flare_episode_and_leaves_the_list(ada: TestClient,
                                                                                  clinic: Clinic) -> None:
    pid = new_patient(ada, clinic)
    with transaction(clinic.app.state.web.sessions) as db:
        studies = ((TODAY - dt.timedelta(days=90), ("tibia",)), (TODAY - dt.timedelta(days=5), ("tibia", "T8")))
        for day, sites in studies:
            writes.add(KINDS["imaging"], db_session=db, patient_id=pid, actor="setup", data={
                "date": day, "modality": "mri", "lesions": [{"site": s, **({"side": "left"} if s == "tibia" else {}),
                                                             "findings": ["marrow_oedema"]} for s in sites]})
    page = ada.get(f"/patients/{pid}/treatment").text
    assert 'data-signal="new_lesion"' in page and "Thoracic vertebra T8" in page
    form = {"csrf_token": csrf_of(page), "signal_kind": "new_lesion",
            "signal_date": (TODAY - dt.timedelta(days=5)).isoformat(), "decision": "confirmed",
            "evidence": "new lesion at Thoracic vertebra T8"}
    assert ada.post(f"/patients/{pid}/flares", data=form, follow_redirects=False).status_code == 303
    after = ada.get(f"/patients/{pid}/treatment").text
    assert 'data-signal="new_lesion"' not in after
    with transaction(clinic.app.state.web.sessions) as db:
        episodes = versioned.list_for_patient(KINDS["episodes"].concept, db_session=db, patient_id=pid)
    assert [e.kind for e in episodes] == ["flare"]


def test_a_chaq_with_an_unknown_item_is_refused_and_nothing_is_saved(ada: TestClient, clinic: Clinic) -> None:
    pid = new_patient(ada, clinic)
    token = csrf_of(ada.get(f"/patients/{pid}/chaq").text)
    ok = ada.post(f"/patients/{pid}/chaq", data={"csrf_token": token, "date": TODAY.isoformat(), "grip_1": "2"},
                  follow_redirects=False)
    assert ok.status_code == 303
    bad = ada.post(f"/patients/{pid}/chaq", data={"csrf_token": token, "date": "2030-01-01", "grip_1": "2"})
    assert bad.status_code == 422 and "after today" in bad.text


def test_letters_are_pdf_and_the_worklist_is_for_staff(ada: TestClient, clinic: Clinic) -> None:
    pid = new_patient(ada, clinic)
    for kind in ("clinic", "school"):
        response = ada.get(f"/patients/{pid}/letters/{kind}.pdf")
        assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert ada.get("/worklist").status_code == 200


def test_rai_cromris_parameters_are_shown_and_pedcno_waits_for_a_site_definition(ada: TestClient,
                                                                                 clinic: Clinic) -> None:
    pid = new_patient(ada, clinic)
    grades = {"marrow_hyperintensity": 2, "extension": 1, "soft_tissue_periosteal_hyperintensity": 0,
              "bony_expansion": 0, "vertebral_collapse": 0}
    with transaction(clinic.app.state.web.sessions) as db:
        writes.add(KINDS["imaging"], db_session=db, patient_id=pid, actor="setup", data={
            "date": TODAY - dt.timedelta(days=3), "modality": "whole_body_mri", "whole_body": True,
            "lesions": [{"site": "femur", "side": "left", "findings": ["marrow_oedema"], "rai_grades": grades}]})
    html = ada.get(f"/patients/{pid}/treatment").text
    assert "marrow hyperintensity 2" in html and "no unit score or total" in html
    assert "load the site&#39;s PedCNO definition" in html or "load the site's PedCNO definition" in html


def test_the_json_api_gives_step_up_schedule_flares_and_refuses_a_dose_without_a_formulary(
        ada: TestClient, clinic: Clinic) -> None:
    pid = new_patient(ada, clinic)
    step = ada.get(f"/api/v1/patients/{pid}/step-up").json()
    assert step["eligibility"]["instrument"] == "carra-ctp-2018" and len(step["plans"]) == 3
    assert isinstance(ada.get(f"/api/v1/patients/{pid}/schedule").json(), list)
    assert "signals" in ada.get(f"/api/v1/patients/{pid}/flare-signals").json()
    refused = ada.get(f"/api/v1/patients/{pid}/doses?drug=methotrexate")
    assert refused.status_code == 409 and "no site formulary" in refused.text
    openapi = ada.get("/openapi.json").json()["paths"]
    assert {"/api/v1/patients/{patient_id}/step-up", "/api/v1/patients/{patient_id}/doses"} <= set(openapi)


def test_the_worklist_leaves_out_a_patient_who_is_not_active(ada: TestClient, clinic: Clinic) -> None:
    pid = new_patient(ada, clinic, name="Dora Discharged")
    with transaction(clinic.app.state.web.sessions) as db:
        writes.add(KINDS["medicines"], db_session=db, patient_id=pid, actor="setup",
                   data={"drug": "methotrexate", "start": TODAY - dt.timedelta(days=40)})
    assert "Dora Discharged" in ada.get("/worklist?within_days=60").text
    with transaction(clinic.app.state.web.sessions) as db:
        version = get_patient(db_session=db, patient_id=pid).row_version
        update_patient(db_session=db, patient_id=pid, expected_version=version, actor="setup",
                       changes={"status": "discharged", "status_date": TODAY})
    assert "Dora Discharged" not in ada.get("/worklist?within_days=60").text


def test_an_impossible_weight_is_refused_in_the_clinics_words(ada: TestClient, clinic: Clinic) -> None:
    pid = new_patient(ada, clinic)
    form = ada.get(f"/patients/{pid}/measurements/new").text
    refused = ada.post(f"/patients/{pid}/measurements/new", data={
        "csrf_token": csrf_of(form), "kind": "weight_kg", "date": TODAY.isoformat(), "value": "900"})
    assert refused.status_code == 422
    assert "900 kg is impossible for a weight; accepted 0.3–300 kg" in refused.text
    assert "weight_kg 900" not in refused.text
