"""The clinic's pages through FastAPI's TestClient: sign-in, forms, validation, conflicts, access."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from tests.web.conftest import Clinic, csrf_of, new_patient, sign_in


def listed(html: str) -> str:
    """The rows of the patient list (the search box echoes the query above them)."""
    return html.split("<tbody>", 1)[1]


def timeline_of(html: str) -> str:
    return html.split('id="timeline"', 1)[1].split('id="assessment"', 1)[0]


def form_post(client: TestClient, url: str, **data: object) -> object:
    token = csrf_of(client.get(url).text)
    return client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)


def test_an_anonymous_visitor_is_sent_to_the_sign_in_page(anonymous: TestClient) -> None:
    response = anonymous.get("/patients?q=mia", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/patients%3Fq%3Dmia"


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(anonymous: TestClient) -> None:
    token = csrf_of(anonymous.get("/login").text)
    response = anonymous.post("/login", data={"username": "ada", "password": "not-it", "csrf_token": token})
    assert response.status_code == 400
    assert "Username or password is incorrect" in response.text
    assert anonymous.get("/patients", follow_redirects=False).status_code == 303


def test_sign_in_returns_to_the_page_asked_for_but_never_to_another_site(anonymous: TestClient) -> None:
    token = csrf_of(anonymous.get("/login").text)
    response = anonymous.post("/login", data={"username": "ada", "password": "Correct-Horse-Battery-7",
                                              "csrf_token": token, "next": "//evil.example/x"},
                              follow_redirects=False)
    assert response.headers["location"] == "/patients"


def test_a_form_posted_without_its_csrf_token_is_refused_with_403(ada: TestClient, clinic: Clinic) -> None:
    response = ada.post("/patients/new", data={"centre_id": str(clinic.centre_id), "name": "No Token",
                                               "hospital_number": "NT-1", "sex": "male"})
    assert response.status_code == 403
    assert "No Token" not in listed(ada.get("/patients?q=No+Token").text)


def test_signing_out_ends_the_session(ada: TestClient) -> None:
    token = csrf_of(ada.get("/patients").text)
    assert ada.post("/logout", data={"csrf_token": token}, follow_redirects=False).status_code == 303
    assert ada.get("/patients", follow_redirects=False).status_code == 303


def test_registering_a_patient_opens_their_page_with_the_assessment_panel(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic, name="Lena Page")
    page = ada.get(f"/patients/{patient_id}")
    assert page.status_code == 200
    assert "Lena Page" in page.text
    assert 'data-instrument="bristol-2016"' in page.text and 'data-instrument="jansson-2009"' in page.text
    assert "Work-up checklist" in page.text
    assert page.text.count("<svg") >= 5  # two skeleton views, three trend charts


def test_an_invalid_patient_form_keeps_what_was_typed_and_names_the_field(ada: TestClient, clinic: Clinic) -> None:
    response = form_post(ada, "/patients/new", centre_id=str(clinic.centre_id), name="Typed Name",
                         hospital_number="TN-1", sex="female", date_of_birth="02/05/2014")
    assert response.status_code == 422
    assert 'value="Typed Name"' in response.text and 'value="02/05/2014"' in response.text
    assert "is not a date; accepted: YYYY-MM-DD" in response.text
    assert 'aria-invalid="true"' in response.text
    assert "Typed Name" not in listed(ada.get("/patients?q=Typed").text)


def test_an_impossible_lab_value_is_refused_beside_the_field_and_nothing_is_saved(
        ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    response = form_post(ada, f"/patients/{patient_id}/labs/new?test=crp", test="crp", date="2026-03-02",
                         value="5000", unit="mg/L")
    assert response.status_code == 422
    assert "is impossible; accepted 0–1000 mg/L" in response.text
    assert 'value="5000"' in response.text
    assert "C-reactive protein" not in timeline_of(ada.get(f"/patients/{patient_id}").text)


def test_an_unusual_lab_value_is_saved_and_the_user_asked_to_check_it(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    response = form_post(ada, f"/patients/{patient_id}/labs/new?test=crp", test="crp", date="2026-03-02",
                         value="40", unit="mg/dL")
    assert response.status_code == 303
    page = ada.get(response.headers["location"])
    assert "Please check" in page.text and "400 mg/L" in page.text


def test_the_lab_form_offers_the_catalogue_units_and_shows_the_conversion(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    form = ada.get(f"/patients/{patient_id}/labs/new?test=crp").text
    assert '<option value="mg/dL"' in form and '<option value="mg/L"' in form
    assert "1 mg/dL = 10 mg/L" in form


def test_adding_a_crp_updates_the_assessment_panel(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    form_post(ada, f"/patients/{patient_id}/labs/new?test=crp", test="crp", date="2026-03-02", value="12",
              unit="mg/L")
    panel = ada.get(f"/patients/{patient_id}/assessment").text
    assert "CRP 12 mg/L on 2026-03-02" in panel


def _edit(client: TestClient, url: str, version: str, **data: object) -> object:
    token = csrf_of(client.get(url).text)
    return client.post(url, data={"csrf_token": token, "version": version, **data}, follow_redirects=False)


def test_a_stale_edit_of_the_same_field_asks_which_value_to_keep(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    form_post(ada, f"/patients/{patient_id}/notes/new", date="2026-03-02", text="first words")
    timeline = ada.get(f"/patients/{patient_id}").text
    edit_url = re.search(rf'href="(/patients/{patient_id}/notes/[^/]+/edit)"', timeline).group(1)  # type: ignore[union-attr]
    first = _edit(ada, edit_url, "1", date="2026-03-02", text="colleague's words", reason="typing error")
    assert first.status_code == 303  # type: ignore[attr-defined]
    second = _edit(ada, edit_url, "1", date="2026-03-02", text="my words", reason="typing error")
    assert second.status_code == 409  # type: ignore[attr-defined]
    text = second.text  # type: ignore[attr-defined]
    assert "ada saved a change to this record" in text and "Nothing has been saved yet" in text
    assert 'name="mine-text" value="my words"' in text and 'name="theirs-text" value="colleague&#39;s words"' in text
    assert edit_url.split("/")[-2] not in text.split('<form', 1)[0]  # no record id in the message
    assert "colleague&#39;s words" in ada.get(f"/patients/{patient_id}").text


def test_an_edit_without_a_reason_is_refused(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    edit = _edit(ada, f"/patients/{patient_id}/edit", "1", centre_id=str(clinic.centre_id), name="Renamed",
                 hospital_number="R-1", sex="female")
    assert edit.status_code == 422  # type: ignore[attr-defined]
    assert "say why the record is changed" in edit.text  # type: ignore[attr-defined]


def test_voiding_a_record_strikes_it_through_on_the_timeline_without_edit_links(ada: TestClient,
                                                                               clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    form_post(ada, f"/patients/{patient_id}/medicines/new", drug="naproxen", drug_class="nsaid",
              start="2026-03-02")
    page = ada.get(f"/patients/{patient_id}").text
    void_url = re.search(rf'href="(/patients/{patient_id}/medicines/[^/]+/void)"', page).group(1)  # type: ignore[union-attr]
    refused = _edit(ada, void_url, "1", reason="")
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert _edit(ada, void_url, "1", reason="wrong patient").status_code == 303  # type: ignore[attr-defined]
    timeline = timeline_of(ada.get(f"/patients/{patient_id}").text)
    assert re.search(r"<del>.*naproxen.*</del>.*voided by ada on .*: wrong patient", timeline)
    assert void_url not in timeline and void_url.replace("/void", "/history") in timeline


def test_an_imaging_study_may_leave_the_side_of_a_paired_bone_unreported(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    response = form_post(ada, f"/patients/{patient_id}/imaging/new", date="2026-03-02", modality="mri",
                         lesion_count="1", **{"lesions-0-site": "femur", "lesions-0-findings": "marrow_oedema"})
    assert response.status_code in (200, 303), response.text[:500]
    assert "Femur" in ada.get(f"/patients/{patient_id}/assessment").text


def test_a_blood_count_saves_every_value_or_none(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    url = f"/patients/{patient_id}/labs/blood-count"
    refused = form_post(ada, url, date="2026-03-02", **{"wbc-value": "7", "wbc-unit": "10^9/L",
                                                        "platelets-value": "999999", "platelets-unit": "10^9/L"})
    assert refused.status_code == 422
    assert "White blood cell count" not in timeline_of(ada.get(f"/patients/{patient_id}").text)
    saved = form_post(ada, url, date="2026-03-02", **{"wbc-value": "7", "wbc-unit": "10^9/L",
                                                      "platelets-value": "300", "platelets-unit": "10^9/L"})
    assert saved.status_code == 303


def test_every_record_form_labels_every_input(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    paths = ["visits", "episodes", "symptoms", "imaging", "labs", "biopsies", "medicines", "conditions",
             "alternatives", "family-history", "genetics", "notes"]
    for path in [f"{p}/new" for p in paths] + ["labs/blood-count", "lesions/new?site=femur&side=left"]:
        html = ada.get(f"/patients/{patient_id}/{path}").text
        controls = re.findall(r'<(?:input|select|textarea)\b(?![^>]*type="hidden")[^>]*\bid="([^"]+)"', html)
        assert controls, path
        for control in controls:
            assert f'for="{control}"' in html, f"{path}: no label for #{control}"
        assert 'class="skip-link"' in html


def test_the_lesion_form_arrives_with_the_clicked_bone_and_side(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    html = ada.get(f"/patients/{patient_id}/lesions/new?site=clavicle&side=right").text
    assert '<option value="clavicle" selected>' in html
    assert '<option value="right" selected>' in html


def test_the_patient_list_finds_by_name_or_hospital_number(ada: TestClient, clinic: Clinic) -> None:
    new_patient(ada, clinic, name="Zoe Searchable", hospital_number="ZS-123")
    assert "Zoe Searchable" in listed(ada.get("/patients?q=searchable").text)
    assert "Zoe Searchable" in listed(ada.get("/patients?q=zs-123").text)
    assert "Zoe Searchable" not in listed(ada.get("/patients?q=nobody-like-this").text)
    assert "Zoe Searchable" not in listed(ada.get(f"/patients?q=zoe&centre={clinic.other_centre_id}").text)


def test_a_clinician_of_another_centre_cannot_see_the_patient(anonymous: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(sign_in(anonymous, "ada"), clinic)
    with TestClient(clinic.app) as other:
        sign_in(other, "otto")
        assert other.get(f"/patients/{patient_id}").status_code == 404
        assert patient_id not in other.get("/patients").text


def test_a_researcher_cannot_open_identified_patient_pages(anonymous: TestClient) -> None:
    sign_in(anonymous, "rhea")
    assert anonymous.get("/patients").status_code == 403


def test_pages_carry_the_security_headers_and_no_inline_script(ada: TestClient) -> None:
    response = ada.get("/patients")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert re.search(r"<script(?![^>]*\bsrc=)", response.text) is None
    assert " onclick=" not in response.text


def test_the_skeleton_map_replays_the_course_as_of_a_chosen_date(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    saved = form_post(ada, f"/patients/{patient_id}/lesions/new", study="new", study_date="2026-03-02",
                      study_modality="mri", site="clavicle", side="left", activity="active")
    assert saved.status_code == 303
    lesion = re.compile(r'data-site="clavicle" data-side="left"[^>]*data-state="(active|new)"')
    assert lesion.search(ada.get(f"/patients/{patient_id}").text)
    before = ada.get(f"/patients/{patient_id}?as_of=2026-01-01").text
    assert not lesion.search(before)
    assert "Skeleton map as of 2026-01-01" in before


def test_the_assessment_fragment_is_the_panel_alone(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic)
    fragment = ada.get(f"/patients/{patient_id}/assessment").text
    assert 'data-instrument="jansson-2009"' in fragment
    assert "<header" not in fragment


def test_a_nurse_is_not_offered_to_void_what_only_a_clinician_may_void(ada: TestClient, clinic: Clinic) -> None:
    # Found trying the app as a nurse: every "void" link on the timeline led to "not allowed".
    patient_id = new_patient(ada, clinic, name="Nurse Offers")
    assert form_post(ada, f"/patients/{patient_id}/labs/new?test=crp", test="crp", date="2024-03-01", value="12",
                     unit="mg/L").status_code == 303  # type: ignore[attr-defined]
    as_ada = ada.get(f"/patients/{patient_id}").text
    with TestClient(clinic.app) as other:
        nell = sign_in(other, "nell")
        as_nell = nell.get(f"/patients/{patient_id}").text
        void_links = re.findall(r'href="(/patients/[^"]+/void)"', as_ada)
        assert any("/labs/" in link for link in void_links) and f"/patients/{patient_id}/void" in void_links
        assert "Merge a duplicate" in as_ada
        assert not re.findall(r'href="[^"]+/void"', as_nell) and "Merge a duplicate" not in as_nell
        assert all(nell.get(link).status_code == 403 for link in void_links)  # the rule the page now follows
        assert "/edit" in timeline_of(as_nell)  # what a nurse may do is still offered
