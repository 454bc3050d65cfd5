"""The diary pages without a browser (a plain POST, as with JavaScript off), the alert queue's scope and
acknowledgement, and the centre's emergency number from the command line."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import PASSWORD, Clinic, csrf_of, sign_in
from tests.web.family.helpers import family_of, set_number
from typer.testing import CliRunner

from cnocare.records import versioned, writes
from cnocare.records.accounts.service import create_user
from cnocare.records.db import transaction
from cnocare.records.family.models import FamilyAlert
from cnocare.records.kinds import KINDS

ZONE = "Europe/London"


def _form(client: TestClient, patient: str) -> tuple[str, str, list[str]]:
    page = client.get(f"/family/{patient}?tz={ZONE}")
    assert page.status_code == 200, page.text
    day = re.search(r'name="day" value="([^"]+)"', page.text)
    assert day
    return csrf_of(page.text), day.group(1), sorted(set(re.findall(r'name="(med:[^"]+)"', page.text)))


def _entries(clinic: Clinic, patient: str) -> list[Any]:
    with transaction(clinic.app.state.web.sessions) as db:
        return list(versioned.list_for_patient(KINDS["diary"].concept, db_session=db, patient_id=patient))


def _family(clinic: Clinic, **kw: Any) -> tuple[str, TestClient]:
    patient, username = family_of(clinic, **kw)
    client = TestClient(clinic.app)
    sign_in(client, username)
    return patient, client


def test_a_plain_post_saves_and_what_was_not_answered_stays_unanswered(clinic: Clinic) -> None:
    patient, client = _family(clinic)
    csrf, day, meds = _form(client, patient)
    assert len(meds) == 1, "only the running course is asked about"
    saved = client.post(f"/family/{patient}/diary", follow_redirects=True, data={
        "csrf_token": csrf, "day": day, "time_zone": ZONE, "pain_scale": "numeric", "pain_0_10": "3",
        "area": ["right_knee", "left_hand"], "limp": "yes", meds[0]: "yes", "mood": "okay"})
    assert saved.status_code == 200 and "Saved" in saved.text
    [entry] = _entries(clinic, patient)
    assert (entry.pain_0_10, entry.pain_scale, entry.limp, entry.mood) == (3, "numeric", True, "okay")
    assert entry.night_pain is None and entry.swelling is None and entry.fever is None and entry.school is None
    assert entry.warning_signs == {} and entry.painful_areas == ("left_hand", "right_knee")  # head to foot
    assert entry.medicines_taken == {meds[0].removeprefix("med:"): True} and entry.time_zone == ZONE
    # The day now has its entry: Today says so and links to change it.
    assert "Change this entry" in client.get(f"/family/{patient}?tz={ZONE}").text


def test_an_impossible_temperature_is_refused_beside_its_field_and_what_was_typed_is_kept(clinic: Clinic) -> None:
    patient, client = _family(clinic)
    csrf, day, _ = _form(client, patient)
    refused = client.post(f"/family/{patient}/diary", data={
        "csrf_token": csrf, "day": day, "time_zone": ZONE, "pain_0_10": "6", "pain_scale": "numeric",
        "temperature": "38.5", "temperature_unit": "F", "note": "hot all evening"})
    assert refused.status_code == 422
    assert 'id="temperature-error"' in refused.text and "it looks like °C" in refused.text
    assert 'value="38.5"' in refused.text and "hot all evening" in refused.text
    assert re.search(r'value="6" checked', refused.text)
    assert _entries(clinic, patient) == []


def test_nowhere_and_a_painful_place_together_are_refused_and_none_of_these_means_no(clinic: Clinic) -> None:
    patient, client = _family(clinic)
    csrf, day, _ = _form(client, patient)
    both = client.post(f"/family/{patient}/diary", data={
        "csrf_token": csrf, "day": day, "time_zone": ZONE, "area": ["nowhere", "head"]})
    assert both.status_code == 422 and "untick one of them" in both.text
    client.post(f"/family/{patient}/diary", data={"csrf_token": csrf, "day": day, "time_zone": ZONE,
                                                  "area": "nowhere", "signs_any": "none"})
    [entry] = _entries(clinic, patient)
    assert entry.painful_areas == () and entry.warning_signs and not any(entry.warning_signs.values())


def test_an_emergency_shows_the_centres_number_as_a_call_link_and_without_one_says_local(clinic: Clinic) -> None:
    set_number(clinic, "999")
    patient, client = _family(clinic)
    csrf, day, _ = _form(client, patient)
    page = client.post(f"/family/{patient}/diary", follow_redirects=True, data={
        "csrf_token": csrf, "day": day, "time_zone": ZONE, "signs_any": "some", "sign": "suddenly_cannot_walk"})
    assert 'role="alert"' in page.text and 'href="tel:999"' in page.text and "call 999" in page.text
    assert "sudden inability to walk" not in page.text, "the staff's words stay in the care team's queue"
    assert 'href="/family/learn/when-to-get-help#emergency"' in page.text  # the education page about it
    set_number(clinic, None, centre_id=clinic.other_centre_id)
    other, client2 = _family(clinic, centre_id=clinic.other_centre_id)
    csrf, day, _ = _form(client2, other)
    page = client2.post(f"/family/{other}/diary", follow_redirects=True, data={
        "csrf_token": csrf, "day": day, "time_zone": ZONE, "sign": "lost_consciousness"})
    assert "call your local emergency number" in page.text and "tel:" not in page.text


def test_a_script_save_gets_json_and_a_refusal_names_the_field(clinic: Clinic) -> None:
    patient, client = _family(clinic)
    csrf, day, _ = _form(client, patient)
    headers = {"Accept": "application/json"}
    bad = client.post(f"/family/{patient}/diary", headers=headers, data={
        "csrf_token": csrf, "day": day, "time_zone": ZONE, "pain_0_10": "11"})
    assert bad.status_code == 422 and bad.json()["errors"]["pain_0_10"] == "choose a pain score from 0 to 10"
    good = client.post(f"/family/{patient}/diary", headers=headers, data={
        "csrf_token": csrf, "day": day, "time_zone": ZONE, "temperature": "101.3", "temperature_unit": "F"})
    assert good.status_code == 200 and good.json()["level"] == "contact_team"
    [entry] = _entries(clinic, patient)
    assert (entry.temperature_c, entry.temperature_as_entered) == (38.5, "101.3 °F")
    assert good.json()["location"] == f"/family/{patient}?entry={entry.record_id}"


def test_another_familys_child_is_absent_and_staff_do_not_use_the_family_diary(clinic: Clinic,
                                                                                ada: TestClient) -> None:
    patient, _ = family_of(clinic)
    _, stranger = _family(clinic)
    assert stranger.get(f"/family/{patient}").status_code == 404
    assert stranger.get(f"/family/{patient}/diary/new").status_code == 404
    csrf = csrf_of(stranger.get("/family").text)  # their own child's Today page
    assert stranger.post(f"/family/{patient}/diary", data={"csrf_token": csrf, "day": "2026-01-01",
                                                           "time_zone": ZONE}).status_code == 404
    assert ada.get(f"/family/{patient}").status_code == 403
    assert _entries(clinic, patient) == []


def test_an_edit_keeps_its_history_and_an_unchanged_edit_raises_no_second_alert(clinic: Clinic) -> None:
    patient, client = _family(clinic)
    csrf, day, _ = _form(client, patient)
    client.post(f"/family/{patient}/diary", data={"csrf_token": csrf, "day": day, "time_zone": ZONE,
                                                  "sign": "chest_pain", "pain_0_10": "5"})
    [entry] = _entries(clinic, patient)
    edit_url = f"/family/{patient}/diary/{entry.record_id}/edit"
    for pain in ("6", "6"):
        form = client.get(edit_url)
        assert 'value="chest_pain" checked' in form.text
        client.post(edit_url, data={"csrf_token": csrf_of(form.text), "version": re.search(
            r'name="version" value="(\d+)"', form.text).group(1),  # type: ignore[union-attr]
            "day": day, "time_zone": ZONE, "sign": "chest_pain", "pain_0_10": pain})
    history = client.get(f"/family/{patient}/diary/{entry.record_id}/history").text
    assert history.count("<li><strong>Saved") == 3 and "Pain" in history and "No answers changed" in history
    assert "Parent of Ivy Diary" in history
    with transaction(clinic.app.state.web.sessions) as db:
        alerts = db.scalars(select(FamilyAlert).where(FamilyAlert.patient_id == patient)).all()
        assert len(alerts) == 1


def test_the_queue_is_scoped_to_the_staffs_centres_and_names_who_acknowledged(clinic: Clinic,
                                                                               ada: TestClient) -> None:
    patient, client = _family(clinic, name="Queue Child")
    csrf, day, _ = _form(client, patient)
    client.post(f"/family/{patient}/diary", data={"csrf_token": csrf, "day": day, "time_zone": ZONE,
                                                  "sign": "black_stools"})
    queue = ada.get("/alerts")
    assert "Queue Child" in queue.text and "black stools (gastrointestinal bleeding?)" in queue.text
    count = re.search(r'data-alert-count="(\d+)"', queue.text)
    assert count and int(count.group(1)) >= 1
    with transaction(clinic.app.state.web.sessions) as db:
        alert = db.scalars(select(FamilyAlert).where(FamilyAlert.patient_id == patient)).one()
    assert f'action="/alerts/{alert.id}/acknowledge"' in queue.text
    with TestClient(clinic.app) as otto:
        sign_in(otto, "otto")
        assert "Queue Child" not in otto.get("/alerts").text
        refused = otto.post(f"/alerts/{alert.id}/acknowledge", data={"csrf_token": csrf_of(otto.get("/alerts").text)})
        assert refused.status_code == 404
    with TestClient(clinic.app) as nell:
        sign_in(nell, "nell")
        done = nell.post(f"/alerts/{alert.id}/acknowledge", follow_redirects=True, data={
            "csrf_token": csrf_of(nell.get("/alerts").text), "note": "rang the family; seen today"})
        assert "Alert acknowledged." in done.text
    again = ada.post(f"/alerts/{alert.id}/acknowledge", follow_redirects=True,
                     data={"csrf_token": csrf_of(ada.get("/alerts").text), "note": "me too"})
    assert "Nell had already acknowledged" in again.text
    assert re.search(r"Acknowledged by <strong>Nell</strong> <time[^>]*>[^<]+</time>: “rang the family; seen today”",
                     again.text)
    assert "Open alerts from the family" not in ada.get(f"/patients/{patient}").text
    with TestClient(clinic.app) as rhea:
        sign_in(rhea, "rhea")
        assert rhea.get("/alerts").status_code == 403


def test_the_patient_page_shows_the_open_alert_and_the_nav_counts_it(clinic: Clinic, ada: TestClient) -> None:
    before = int(re.search(r'data-alert-count="(\d+)"', ada.get("/patients").text).group(1))  # type: ignore[union-attr]
    patient, client = _family(clinic, name="Page Child")
    ada.get(f"/patients/{patient}")  # cached before the alert exists: the alert must still show after it
    csrf, day, _ = _form(client, patient)
    client.post(f"/family/{patient}/diary", data={"csrf_token": csrf, "day": day, "time_zone": ZONE,
                                                  "sign": "yellow_eyes"})
    page = ada.get(f"/patients/{patient}")
    assert "Open alerts from the family" in page.text and "jaundice" in page.text
    assert f'data-alert-count="{before + 1}"' in page.text


def test_the_emergency_number_is_set_and_cleared_from_the_command_line(clinic: Clinic, db_url: str) -> None:
    from cnocare.cli import app

    runner = CliRunner()
    done = runner.invoke(app, ["admin", "emergency-number", "--centre", "MUC", "--number", "112",
                               "--database-url", db_url])
    assert done.exit_code == 0, done.output
    assert "Munich (MUC): emergency number 112." in done.output
    bad = runner.invoke(app, ["admin", "emergency-number", "--centre", "MUC", "--number", "call me",
                              "--database-url", db_url])
    assert bad.exit_code == 1 and "accepted: a telephone number" in bad.output
    cleared = runner.invoke(app, ["admin", "emergency-number", "--centre", "MUC", "--clear", "--database-url", db_url])
    assert "not set (families read 'your local emergency number')" in cleared.output


def test_editing_keeps_the_answer_for_a_medicine_stopped_since(clinic: Clinic) -> None:
    patient, client = _family(clinic)
    csrf, day, meds = _form(client, patient)
    client.post(f"/family/{patient}/diary", data={"csrf_token": csrf, "day": day, "time_zone": ZONE,
                                                  meds[0]: "no"})
    [entry] = _entries(clinic, patient)
    course_id = meds[0].removeprefix("med:")
    with transaction(clinic.app.state.web.sessions) as db:
        course = versioned.get(KINDS["medicines"].concept, db_session=db, record_id=course_id)
        writes.revise(KINDS["medicines"], db_session=db, record_id=course_id, expected_version=course.version,
                      changes={"stop": "2025-06-01"}, actor="setup", reason="stopped")
    form = client.get(f"/family/{patient}/diary/{entry.record_id}/edit")
    assert f'name="med:{course_id}" value="no" checked' in form.text


def test_an_administrator_sets_the_centres_emergency_number_and_a_bad_one_is_refused_beside_it(
        clinic: Clinic, ada: TestClient) -> None:
    with transaction(clinic.app.state.web.sessions) as db:
        create_user(db_session=db, data={"username": "centreadmin", "email": "centreadmin@example.org",
                                         "display_name": "Centre Admin", "role": "admin", "password": PASSWORD})
    with TestClient(clinic.app) as admin:
        sign_in(admin, "centreadmin")
        page = admin.get("/admin/centres")
        assert page.status_code == 200 and "Munich (MUC)" in page.text
        url = f"/admin/centres/{clinic.other_centre_id}/emergency-number"
        bad = admin.post(url, data={"csrf_token": csrf_of(page.text), "emergency_number": "ring 999"})
        assert bad.status_code == 422 and 'value="ring 999"' in bad.text and "accepted: a telephone number" in bad.text
        done = admin.post(url, data={"csrf_token": csrf_of(page.text), "emergency_number": "112"},
                          follow_redirects=True)
        assert "Munich: emergency number 112." in done.text
    assert ada.get("/admin/centres").status_code == 403


def test_two_parents_editing_the_same_entry_the_second_is_told_and_keeps_what_they_typed(clinic: Clinic) -> None:
    patient, client = _family(clinic)
    csrf, day, _ = _form(client, patient)
    client.post(f"/family/{patient}/diary", data={"csrf_token": csrf, "day": day, "time_zone": ZONE, "pain_0_10": "2"})
    [entry] = _entries(clinic, patient)
    url = f"/family/{patient}/diary/{entry.record_id}/edit"
    first = client.post(url, follow_redirects=False, data={"csrf_token": csrf, "version": "1", "day": day,
                                                           "time_zone": ZONE, "pain_0_10": "4"})
    assert first.status_code == 303
    late = client.post(url, data={"csrf_token": csrf, "version": "1", "day": day, "time_zone": ZONE,
                                  "pain_0_10": "8", "note": "worse tonight"})
    assert late.status_code == 409 and "Someone else changed this entry" in late.text
    assert "worse tonight" in late.text and 'name="version" value="2"' in late.text
    typed = {"csrf_token": csrf, "day": day, "time_zone": ZONE, "pain_0_10": "8", "note": "worse tonight"}
    again = client.post(url, follow_redirects=False, data={**typed, "version": "2"})
    assert again.status_code == 303
    [entry] = _entries(clinic, patient)
    assert (entry.version, entry.pain_0_10, entry.note) == (3, 8, "worse tonight")


def test_only_the_diarys_keeper_writes_it_and_a_private_diary_shows_parents_nothing(clinic: Clinic,
                                                                                    ada: TestClient) -> None:
    teen, parent_name = family_of(clinic, name="Tia Teen")
    with transaction(clinic.app.state.web.sessions) as db:
        create_user(db_session=db, data={"username": "tia.teen", "email": "tia@example.org", "display_name": "Tia",
                                         "role": "patient", "patient_ids": [teen], "password": PASSWORD})
    parent, young = TestClient(clinic.app), TestClient(clinic.app)
    sign_in(parent, parent_name)
    sign_in(young, "tia.teen")
    csrf, day, _ = _form(parent, teen)  # the parent keeps the diary (the default): they write it
    parent.post(f"/family/{teen}/diary", data={"csrf_token": csrf, "day": day, "time_zone": ZONE, "pain_0_10": "3"})
    [entry] = _entries(clinic, teen)
    today = young.get(f"/family/{teen}")  # the young person reads it and cannot change it
    assert "you can read it here, but not change it" in today.text and 'id="diary-form"' not in today.text
    assert young.get(f"/family/{teen}/diary/{entry.record_id}/history").status_code == 200
    refused = young.post(f"/family/{teen}/diary/{entry.record_id}/edit", data={
        "csrf_token": csrf_of(today.text), "version": "1", "day": day, "time_zone": ZONE, "pain_0_10": "9"})
    assert refused.status_code == 403 and young.get(f"/family/{teen}/diary/new").status_code == 403
    # The clinic hands the diary to the young person, who keeps it private: the parent sees nothing of it.
    form = ada.get(f"/patients/{teen}/family")
    ada.post(f"/patients/{teen}/family/diary", data={"csrf_token": csrf_of(form.text), "keeper": "young_person",
                                                     "parents_see_diary": "no"})
    hidden = parent.get(f"/family/{teen}?entry={entry.record_id}")
    assert "has chosen not to share it" in hidden.text and "pain 3/10" not in hidden.text
    assert parent.get(f"/family/{teen}/diary/{entry.record_id}/history").status_code == 403
    edit = young.get(f"/family/{teen}/diary/{entry.record_id}/edit")  # now the keeper
    assert edit.status_code == 200
    young.post(f"/family/{teen}/diary/{entry.record_id}/edit", data={
        "csrf_token": csrf_of(edit.text), "version": "1", "day": day, "time_zone": ZONE, "pain_0_10": "4"})
    assert _entries(clinic, teen)[0].pain_0_10 == 4
