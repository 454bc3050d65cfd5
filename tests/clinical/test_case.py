"""The Case snapshot (clinical/case.py): immutable, strict, and it refuses impossible values."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from builders import build_case, lab
from pydantic import ValidationError

from cnocare.clinical.case import Case, Lesion


def test_a_case_is_frozen() -> None:
    case = build_case()
    with pytest.raises(ValidationError):
        case.case_id = "changed"  # type: ignore[misc]


def test_an_unknown_field_is_an_error_not_ignored() -> None:
    with pytest.raises(ValidationError, match="weight_kg"):
        Case.model_validate({"case_id": "x", "patient": {"sex": "male", "weight_kg": 30}})


def test_a_caller_cannot_supply_the_canonical_value() -> None:
    with pytest.raises(ValidationError, match="computed by cnocare"):
        build_case(labs=[{**lab("crp", 5, "mg/L"), "canonical_value": 5}])


@pytest.mark.parametrize(("changes", "fragment"), [
    ({"labs": [lab("crp", -1, "mg/L")]}, "impossible; accepted 0–1000 mg/L"),
    ({"labs": [lab("haemoglobin", 500, "g/L")]}, "impossible; accepted 10–260 g/L"),
    ({"labs": [lab("crp", 5, "mmol/L")]}, "accepted: mg/L, mg/dL"),
    ({"patient": {"sex": "female", "age_years": 300}}, "less than or equal to 120"),
    ({"symptoms": [{"kind": "fever", "present": True, "temperature_max_c": 50}]}, "accepted 30.0–45.0 °C"),
    ({"imaging": [{"date": "2026-03-01", "modality": "mri", "lesions": [{"site": "elbow"}]}]}, "bone-site catalogue"),
    ({"imaging": [{"date": "2026-03-01", "modality": "mri", "lesions": [{"site": "femur", "side": "midline"}]}]},
     "paired bone femur"),
])
def test_impossible_values_are_refused(changes: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        build_case(bone_pain=None, ill=None, **changes)


def test_dates_after_the_snapshot_date_are_refused() -> None:
    with pytest.raises(ValidationError, match="after as_of"):
        build_case(labs=[lab("crp", 5, "mg/L", on=dt.date(2026, 4, 1))])


def test_dates_before_birth_are_refused() -> None:
    with pytest.raises(ValidationError, match="before the date of birth"):
        build_case(crp=5, patient={"sex": "female", "date_of_birth": "2026-03-05"})


def test_age_and_age_at_onset_follow_from_the_date_of_birth() -> None:
    case = build_case(patient={"sex": "female", "date_of_birth": "2016-03-10", "onset_date": "2025-03-10"})
    assert case.age_years == pytest.approx(10, abs=0.01)
    assert case.age_at_onset_years == pytest.approx(9, abs=0.01)


def test_the_snapshot_date_defaults_to_the_latest_entry() -> None:
    case = build_case(as_of=None, crp=5)
    assert case.reference_date == dt.date(2026, 3, 1)


@pytest.mark.parametrize(("lesion", "active"), [
    ({"site": "T7", "findings": ["marrow_oedema"]}, True),
    ({"site": "T7", "findings": ["marrow_oedema"], "activity": "resolved"}, False),
    ({"site": "T7", "findings": ["sclerosis"]}, None),
    ({"site": "T7", "activity": "indeterminate"}, None),
])
def test_a_lesion_is_active_when_stated_or_when_marrow_oedema_is_reported(lesion: dict[str, Any],
                                                                          active: bool | None) -> None:
    assert Lesion.model_validate(lesion).is_active is active


def test_a_course_takes_its_class_from_the_medicine_catalogue_and_refuses_a_wrong_one() -> None:
    base = {"case_id": "meds", "patient": {"sex": "female"}}
    case = Case.model_validate({**base, "medicines": [{"drug": "Methotrexate", "start": "2026-01-01"}]})
    assert case.medicines[0].drug_class == "methotrexate"
    with pytest.raises(ValidationError, match="drug_class 'nsaid' for methotrexate; accepted: 'methotrexate'"):
        Case.model_validate({**base, "medicines": [{"drug": "methotrexate", "drug_class": "nsaid"}]})
    with pytest.raises(ValidationError, match="not in the medicine catalogue, so choose its class"):
        Case.model_validate({**base, "medicines": [{"drug": "trial agent x"}]})
