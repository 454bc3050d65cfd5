"""Look-alike identities: hospital numbers are NFKC-normalised, trimmed, cleaned of zero-width characters
and unique per centre whatever their case; names refuse direction overrides, control characters and
letterless text, and mixed-script look-alikes carry a warning (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid

import pytest
from records_personas import CLINICIAN, NewPatient
from sqlalchemy.orm import Session, sessionmaker

from cnocare.records.centres.service import create_centre
from cnocare.records.db import transaction
from cnocare.records.errors import RecordValidationError
from cnocare.records.patients.service import update_patient


@pytest.mark.parametrize("template", [" demo-{n}", "DEMO\u200b-{n}", "DEMO-{n} ", "ＤＥＭＯ-{n}", "Demo-{n}",
                                      "DEMO\ufeff-{n}", "DEMO-\u2060{n}"])
def test_a_look_alike_hospital_number_is_the_same_number_at_the_same_centre(
        new_patient: NewPatient, template: str) -> None:
    n = str(uuid.uuid4().int)[:6]
    new_patient(hospital_number=f"DEMO-{n}")
    with pytest.raises(RecordValidationError) as refused:
        new_patient(hospital_number=template.format(n=n))
    assert refused.value.errors[0]["field"] == "hospital_number"
    assert "another patient at this centre" in refused.value.errors[0]["message"]


def test_case_never_makes_a_second_patient_and_other_centres_are_separate(
        new_patient: NewPatient, db_factory: sessionmaker[Session]) -> None:
    number = f"RX-{uuid.uuid4().hex[:6]}".upper()
    first = new_patient(hospital_number=number)
    with pytest.raises(RecordValidationError, match="another patient"):
        new_patient(hospital_number=number.lower())
    with transaction(db_factory) as s:
        other = create_centre(db_session=s, data={"code": f"O{uuid.uuid4().hex[:6]}", "name": "Other"},
                              actor=CLINICIAN)
    assert new_patient(hospital_number=number, centre_id=other.id).hospital_number == number
    with transaction(db_factory) as s:  # editing a patient's own number in another case is not a clash
        edited = update_patient(db_session=s, patient_id=first.id, changes={"hospital_number": number.lower()},
                                expected_version=first.row_version, actor=CLINICIAN)
    assert edited.hospital_number == number.lower()


def test_stored_numbers_are_normalised(new_patient: NewPatient) -> None:
    saved = new_patient(hospital_number="  ＲＸ\u200b-12\u2060 34  ")
    assert saved.hospital_number == "RX-12 34"


@pytest.mark.parametrize(("name", "why"), [
    ("Maya\u202eLind", "text-direction control"), ("\u200b\u200b", "no letters"), ("\u0301\u0308", "no letters"),
    ("Maya\x07Lind", "control or invisible"), ("Maya\u2066Lind", "text-direction control"), ("1234", "no letters"),
    ("Maya\nLind\x00", "control or invisible"),
])
def test_names_refuse_overrides_controls_and_letterless_text(new_patient: NewPatient, name: str, why: str) -> None:
    with pytest.raises(RecordValidationError) as refused:
        new_patient(name=name)
    problem = refused.value.errors[0]
    assert problem["field"] == "name" and why in problem["message"] and "accepted:" in problem["message"]


def test_a_mixed_script_look_alike_name_is_kept_with_a_warning(new_patient: NewPatient) -> None:
    spoof = new_patient(name="M\u0430ya Lind")  # Cyrillic а
    assert spoof.name == "M\u0430ya Lind" and "Cyrillic and Latin" in spoof.warnings[0]
    assert new_patient(name="Zoë Ångström").warnings == [] and new_patient(name="Мария Петрова").warnings == []
