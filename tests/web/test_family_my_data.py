"""My data: a parent chooses days and gets the diary as CSV, FHIR or a summary for a doctor; each is audited,
a bad period is refused in words on its field, and another family's child answers like an absent one."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.web.conftest import PASSWORD, Clinic, new_patient, sign_in

from cnocare.records import writes
from cnocare.records.accounts.service import create_user
from cnocare.records.audit.models import AuditEvent
from cnocare.records.db import transaction
from cnocare.records.kinds import KINDS

D = dt.date
PERIOD = "?start=2026-03-01&end=2026-03-07"
PATHS = ("my-data", "my-data/diary.csv", "my-data/diary.fhir.json", "my-data/summary", "my-data/summary.pdf")


@pytest.fixture(scope="module")
def family(clinic: Clinic) -> dict[str, str]:
    with TestClient(clinic.app) as staff:
        sign_in(staff, "ada")
        child = new_patient(staff, clinic, name="Ivy Diary")
        other = new_patient(staff, clinic, name="Otis Elsewhere")
    with transaction(clinic.app.state.web.sessions) as db:
        create_user(db_session=db, data={"username": "pam.mydata", "email": "pam.mydata@example.org",
                                         "display_name": "Pam", "role": "parent", "patient_ids": [child],
                                         "password": PASSWORD})
        course = writes.add(KINDS["medicines"], db_session=db, patient_id=child, actor="ada", data={
            "drug": "Naproxen", "drug_class": "nsaid", "start": D(2026, 2, 1)}).record_id
        writes.add(KINDS["notes"], db_session=db, patient_id=child, actor="ada",
                   data={"date": D(2026, 3, 2), "text": "Clinician-only remark about the family"})
        for day, answers in ((D(2026, 3, 1), {"pain_0_10": 7, "painful_sites": ["tibia"], "school": "whole_missed",
                                               "medicines_taken": {course: True}, "temperature_c": 38.5,
                                               "side_effects": "sore tummy", "note": "bad night"}),
                             (D(2026, 3, 2), {"pain_0_10": 3, "painful_sites": [], "medicines_taken": {course: False}}),
                             (D(2026, 3, 9), {"pain_0_10": 9})):
            writes.add(KINDS["diary"], db_session=db, patient_id=child, actor="pam.mydata",
                       data={"day": day, "time_zone": "Europe/London", **answers})
    return {"child": child, "other": other}


@pytest.fixture
def pam(clinic: Clinic) -> Iterator[TestClient]:
    with TestClient(clinic.app) as client:
        yield sign_in(client, "pam.mydata")


def _exports(clinic: Clinic, patient_id: str) -> list[str]:
    with clinic.app.state.web.sessions() as db:
        return [e.detail or "" for e in db.scalars(select(AuditEvent).where(
            AuditEvent.action == "export", AuditEvent.patient_id == patient_id).order_by(AuditEvent.id))]


def test_the_csv_is_one_row_a_day_of_the_period_with_blanks_for_the_unanswered(
        clinic: Clinic, family: dict[str, str], pam: TestClient) -> None:
    response = pam.get(f"/family/{family['child']}/my-data/diary.csv{PERIOD}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="diary-2026-03-01-to-2026-03-07.csv"' in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["Day (YYYY-MM-DD)"] for r in rows] == ["2026-03-01", "2026-03-02"]
    first, second = rows
    assert (first["Pain (0–10)"], first["Painful places"], first["Temperature (°C)"], first["Took Naproxen"],
            first["School"]) == ("7", "Tibia", "38.5", "yes", "missed the whole day")
    assert (second["Painful places"], second["Number of painful places"], second["Took Naproxen"],
            second["School"], second["Fever"], second["Temperature (°C)"]) == ("none", "0", "no", "", "", "")
    assert "Clinician-only" not in response.text
    assert _exports(clinic, family["child"])[-1] == "diary as CSV, 2026-03-01 to 2026-03-07, 2 diary day(s)"


def test_the_fhir_download_is_a_valid_bundle_of_the_period(family: dict[str, str], pam: TestClient) -> None:
    bundle_model = pytest.importorskip("fhir.resources.R4B.bundle")
    response = pam.get(f"/family/{family['child']}/my-data/diary.fhir.json{PERIOD}")
    assert response.headers["content-type"].startswith("application/fhir+json")
    bundle = bundle_model.Bundle.model_validate_json(response.content)
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    assert kinds.count("QuestionnaireResponse") == 2 and kinds.count("Observation") == 3


def test_the_summary_shows_the_period_for_a_doctor_and_is_audited(
        clinic: Clinic, family: dict[str, str], pam: TestClient) -> None:
    page = pam.get(f"/family/{family['child']}/my-data/summary{PERIOD}")
    assert page.status_code == 200
    text = page.text
    for expected in ("Ivy Diary — diary from 2026-03-01 to 2026-03-07", "Tibia: 1 day", "missed the whole day",
                     "Naproxen: taken on 1 of the 2 days answered", "38.5 °C", "sore tummy", "bad night",
                     'data-measure="pain_mean"'):
        assert expected in text, expected
    assert "Clinician-only" not in text and "2026-03-09" not in text
    assert "family-summary.css" in text
    assert _exports(clinic, family["child"])[-1].startswith("diary summary for a doctor, 2026-03-01 to 2026-03-07")


def test_the_summary_pdf_says_what_the_page_says(clinic: Clinic, family: dict[str, str], pam: TestClient) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    response = pam.get(f"/family/{family['child']}/my-data/summary.pdf{PERIOD}")
    assert response.headers["content-type"] == "application/pdf"
    assert 'filename="diary-2026-03-01-to-2026-03-07-summary.pdf"' in response.headers["content-disposition"]
    doc = pdfium.PdfDocument(response.content)
    text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    for expected in ("Ivy Diary", "Tibia: 1 day", "sore tummy", "bad night", "Pain, worst day"):
        assert expected in text, expected
    assert "Download as PDF" not in text and "Clinician-only" not in text
    assert _exports(clinic, family["child"])[-1].startswith("diary summary for a doctor as PDF, 2026-03-01")


@pytest.mark.parametrize(("query", "field", "words"), [
    ("?start=2026-03-07&end=2026-03-01", "end", "To: 2026-03-01 is before From (2026-03-07)"),
    ("?start=2026-03-01&end=2031-01-01", "end", "To: 2031-01-01 is in the future"),
    ("?start=yesterday&end=2026-03-01", "start", "From: 'yesterday' is not a date; accepted: a day written"),
])
def test_a_bad_period_is_refused_on_its_field_and_nothing_is_exported(
        clinic: Clinic, family: dict[str, str], pam: TestClient, query: str, field: str, words: str) -> None:
    before = len(_exports(clinic, family["child"]))
    for path in PATHS:
        response = pam.get(f"/family/{family['child']}/{path}{query}")
        assert response.status_code == 422, path
        assert words in html.unescape(response.text)
        assert f'id="period-{field}-error"' in response.text and 'aria-invalid="true"' in response.text
    assert len(_exports(clinic, family["child"])) == before
    # What was typed stays in the form.
    assert 'value="yesterday"' in pam.get(f"/family/{family['child']}/my-data?start=yesterday").text


def test_the_page_offers_the_last_four_weeks_by_default(family: dict[str, str], pam: TestClient) -> None:
    page = pam.get(f"/family/{family['child']}/my-data")
    today = dt.date.today()
    assert f'value="{(today - dt.timedelta(days=27)).isoformat()}"' in page.text
    assert f"diary.csv?start={(today - dt.timedelta(days=27)).isoformat()}&amp;end={today.isoformat()}" in page.text


def test_another_familys_child_and_staff_get_nothing(clinic: Clinic, family: dict[str, str], pam: TestClient,
                                                     ada: TestClient) -> None:
    for path in PATHS:
        assert pam.get(f"/family/{family['other']}/{path}").status_code == 404
        assert ada.get(f"/family/{family['child']}/{path}").status_code == 403
    assert _exports(clinic, family["other"]) == []
