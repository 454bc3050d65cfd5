"""Clinic and school letters: rendered to PDF by WeasyPrint, then to PNG by pdfium, and the text checked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from cnocare.casefile import load_case
from cnocare.clinical.assess import assess_case
from cnocare.clinical.followup import schedule
from cnocare.clinical.stepup import assess as step_up
from cnocare.reports.letters import LetterData, Letterhead, PatientIdentity, render_html, render_pdf

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "typical-crmo.yaml"
WRITTEN = dt.date(2026, 3, 10)


def letter_data() -> LetterData:
    case = load_case(EXAMPLE)
    return LetterData(
        head=Letterhead(centre="Synthetic Children's Hospital", address_lines=("1 Example Road",)),
        patient=PatientIdentity(name="Ada Example", hospital_number="SYN-001", date_of_birth=dt.date(2015, 9, 14)),
        written_on=WRITTEN, author="Dr A. Clinician", case=case, assessment=assess_case(case),
        step_up=step_up(case, on=WRITTEN), schedule=schedule(case, WRITTEN))


def pdf_text_and_png(pdf: bytes, tmp_path: Path) -> tuple[str, Path]:
    doc = pdfium.PdfDocument(pdf)
    text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    png = tmp_path / "page1.png"
    doc[0].render(scale=1.0).to_pil().save(png)
    return text, png


@pytest.mark.parametrize(("kind", "must"), [
    ("clinic", ["Synthetic Children's Hospital", "Ada Example", "SYN-001", "Basis of the diagnosis",
                "Bristol diagnostic criteria", "Jansson", "Current disease activity", "Treatment", "naproxen",
                "Follow-up", "does not prescribe"]),
    ("school", ["Letter for school", "Ada Example", "Rest breaks", "Physical education", "Extra time",
                "carrying books", "medicines during the school day", "cannot be passed on"]),
])
def test_each_letter_renders_to_a_pdf_whose_text_a_reader_sees(kind: str, must: list[str], tmp_path: Path) -> None:
    pdf = render_pdf(kind, letter_data())
    assert pdf.startswith(b"%PDF")
    text, png = pdf_text_and_png(pdf, tmp_path)
    flat = " ".join(text.split())
    for phrase in must:
        assert phrase in flat, phrase
    assert png.stat().st_size > 10_000  # a page with text on it, not a blank image


def test_the_clinic_letter_states_the_criteria_at_presentation_with_their_window() -> None:
    html = render_html("clinic", letter_data())
    assert "Criteria read at presentation" in html and "met" in html


def test_patient_text_is_escaped_in_the_letter() -> None:
    data = letter_data()
    hostile = LetterData(**{**data.__dict__, "patient": PatientIdentity(name="<script>x</script>", hospital_number="1",
                                                                        date_of_birth=None)})
    assert "<script>x</script>" not in render_html("school", hostile)


def test_an_unknown_letter_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="accepted: clinic, school"):
        render_html("discharge", letter_data())
