"""assess_case: every instrument, the subtype and the work-up in one pure call, on any valid case."""

from __future__ import annotations

from pathlib import Path

import pytest
from builders import build_case
from case_strategies import cases
from hypothesis import HealthCheck, given, settings

from cnocare.casefile import load_case
from cnocare.clinical.assess import CaseAssessment, assess_case
from cnocare.clinical.case import Case

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples").glob("*.yaml"))
INSTRUMENTS = ("bristol-2016", "jansson-2009", "nbods-2023", "eular-acr-2025")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases)
def test_assess_case_never_raises_on_a_valid_case(case: Case) -> None:
    assessment = assess_case(case)
    assert [r.instrument for r in assessment.instruments] == list(INSTRUMENTS)
    assert assessment.case_id == case.case_id
    CaseAssessment.model_validate_json(assessment.model_dump_json())


def test_an_empty_case_is_assessed_without_error_and_everything_is_incomplete() -> None:
    case = Case.model_validate({"case_id": "empty", "patient": {"sex": "unknown"}})
    assessment = assess_case(case)
    assert {r.classification for r in assessment.instruments} == {"indeterminate"}
    assert assessment.as_of is None
    assert assessment.workup.biopsy == "undetermined"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_every_example_case_is_assessed(path: Path) -> None:
    assessment = assess_case(load_case(path))
    assert len(assessment.instruments) == 4


def test_the_typical_example_meets_every_scored_instrument_and_spares_the_biopsy() -> None:
    assessment = assess_case(load_case(next(p for p in EXAMPLES if p.stem == "typical-crmo")))
    assert assessment.instrument("jansson-2009").score == 63
    assert assessment.instrument("bristol-2016").classification == "met"
    assert assessment.instrument("nbods-2023").classification == "met"
    assert assessment.workup.biopsy == "not_needed_if_typical"
    assert assessment.workup.malignancy_not_excluded is False


def test_the_leukaemia_mimic_example_is_flagged_and_its_nbods_result_caveated() -> None:
    assessment = assess_case(load_case(next(p for p in EXAMPLES if p.stem == "leukaemia-mimic")))
    assert assessment.workup.malignancy_not_excluded is True
    assert assessment.workup.biopsy == "needed"
    nbods = assessment.instrument("nbods-2023")
    assert any("UNRELIABLE" in w for w in nbods.warnings)
    assert any("Malignancy not excluded" in w for w in nbods.warnings)


def test_a_met_result_carries_a_caveat_while_a_mimic_is_not_excluded() -> None:
    case = build_case(lesions=["tibia:left"], crp=5, blood_count="normal")  # unifocal, non-clavicular
    nbods = assess_case(case).instrument("nbods-2023")
    assert nbods.classification == "met"
    assert any("not excluded" in w for w in nbods.warnings)


def test_a_result_that_is_not_met_carries_no_mimic_caveat() -> None:
    case = build_case(lesions=["tibia:left"], crp=80, bands_per_ul=900, blood_count="normal")
    nbods = assess_case(case).instrument("nbods-2023")
    assert nbods.classification == "not_met"
    assert not any("not excluded" in w for w in nbods.warnings)


def test_unknown_instrument_lookup_raises_key_error() -> None:
    with pytest.raises(KeyError):
        assess_case(build_case()).instrument("no-such-instrument")


def test_plausibility_warnings_reach_the_assessment() -> None:
    assessment = assess_case(build_case(crp=350, lesions=["clavicle:left"]))
    assert any("crp 350 mg/L" in w and "unusual" in w for w in assessment.warnings)
