"""Bristol diagnostic criteria for CRMO, Roderick 2016 (PMID 27576444, doi:10.1186/s12969-016-0109-1).

Published facts (reference notes §2, verified): 41 children, 10/41 had a solitary lesion, 6 of these in the
clavicle; 34/41 diagnosed without biopsy under criterion 1, which covers lesions in more than one bone or the
clavicle alone with CRP < 30 mg/L; a unifocal non-clavicular lesion or CRP > 30 mg/L needs a biopsy
(criterion 2: inflammatory changes, no growth, not on antibiotics). CRP of exactly 30 is handled
conservatively as requiring biopsy and flagged.
"""

from __future__ import annotations

from typing import Any

import pytest
from builders import biopsy, build_case, item, run_bristol

MULTIFOCAL: dict[str, Any] = {"lesions": ["tibia:left", "femur:right"]}


def derived(case_kwargs: dict[str, Any], name: str) -> bool | None:
    value = item(run_bristol(build_case(**case_kwargs)), name).value
    assert value is None or isinstance(value, bool)
    return value


def test_multifocal_disease_with_crp_below_30_meets_criterion_1_without_biopsy() -> None:
    result = run_bristol(build_case(crp=29.9, **MULTIFOCAL))
    assert (result.status, result.classification) == ("complete", "met")
    assert item(result, "criterion_1").value is True
    assert item(result, "biopsy_required").value is False
    assert result.score is None and result.range is None


def test_crp_of_exactly_30_requires_biopsy_and_warns_about_the_boundary() -> None:
    result = run_bristol(build_case(crp=30, **MULTIFOCAL))
    assert item(result, "criterion_1").value is False
    assert item(result, "biopsy_required").value is True
    assert any("exactly 30 mg/L" in w for w in result.warnings)
    assert result.classification == "indeterminate"  # the biopsy that would decide it is not recorded
    assert "bone biopsy (histology and culture)" in result.missing


def test_crp_of_30_1_requires_biopsy_without_the_boundary_warning() -> None:
    result = run_bristol(build_case(crp=30.1, **MULTIFOCAL))
    assert item(result, "biopsy_required").value is True
    assert not any("exactly 30" in w for w in result.warnings)


def test_crp_of_3_mg_dl_is_the_same_boundary_as_30_mg_l() -> None:
    result = run_bristol(build_case(crp=(3.0, "mg/dL"), **MULTIFOCAL))
    assert item(result, "crp_exactly_30_mg_l").value is True
    assert item(result, "biopsy_required").value is True


def test_a_clavicle_alone_meets_criterion_1_without_biopsy() -> None:
    """Roderick 2016: 6 of the 10 solitary lesions were clavicular; criterion 1 covers the clavicle alone."""
    result = run_bristol(build_case(crp=5, lesions=["clavicle:left"]))
    assert item(result, "clavicle_alone").value is True
    assert item(result, "more_than_one_bone").value is False
    assert item(result, "biopsy_required").value is False
    assert result.classification == "met"


def test_a_unifocal_non_clavicular_lesion_requires_biopsy_even_with_low_crp() -> None:
    result = run_bristol(build_case(crp=5, lesions=["tibia:left"]))
    assert item(result, "biopsy_required").value is True
    assert item(result, "criterion_1").value is False
    assert result.classification == "indeterminate"
    assert "Biopsy is required" in result.explanation


def test_criterion_2_is_met_by_a_sterile_inflammatory_biopsy_taken_off_antibiotics() -> None:
    result = run_bristol(build_case(crp=5, lesions=["tibia:left"], biopsies=[biopsy()]))
    assert item(result, "criterion_2").value is True
    assert (result.status, result.classification) == ("complete", "met")


def test_a_biopsy_taken_on_antibiotics_does_not_count() -> None:
    result = run_bristol(build_case(crp=5, lesions=["tibia:left"], biopsies=[biopsy(on_antibiotics=True)]))
    assert item(result, "biopsy_inflammatory_sterile").value is False
    assert item(result, "criterion_2").value is False
    assert result.classification == "not_met"


@pytest.mark.parametrize(("kwargs", "missing"), [
    ({"on_antibiotics": None}, "antibiotics at the time of biopsy"),
    ({"culture": "pending"}, "biopsy culture result"),
])
def test_a_biopsy_with_unknown_antibiotics_or_culture_leaves_criterion_2_open(kwargs: dict[str, Any],
                                                                              missing: str) -> None:
    result = run_bristol(build_case(crp=5, lesions=["tibia:left"], biopsies=[biopsy(**kwargs)]))
    assert result.classification == "indeterminate"
    assert missing in result.missing


def test_a_biopsy_without_inflammation_does_not_meet_criterion_2() -> None:
    result = run_bristol(build_case(crp=5, lesions=["tibia:left"], biopsies=[biopsy(["normal_bone"])]))
    assert item(result, "criterion_2").value is False
    assert result.classification == "not_met"
    assert "neither criterion 1" in result.explanation and "normal bone" in result.explanation


@pytest.mark.parametrize(("biopsy_kwargs", "named"), [
    ({"culture": "positive"}, "bone culture positive"),
    ({"histology": ["malignancy"]}, "shows malignancy"),
    ({"histology": ["langerhans_cell_histiocytosis"]}, "Langerhans cell histiocytosis"),
])
def test_a_biopsy_proving_infection_malignancy_or_lch_makes_the_criteria_not_apply(
        biopsy_kwargs: dict[str, Any], named: str) -> None:
    result = run_bristol(build_case(crp=5, lesions=["tibia:left"], biopsies=[biopsy(**biopsy_kwargs)]))
    assert (result.status, result.classification) == ("not_applicable", "not_met")
    assert named in result.explanation


def test_high_crp_with_a_sterile_inflammatory_biopsy_meets_criterion_2() -> None:
    result = run_bristol(build_case(crp=45, biopsies=[biopsy()], **MULTIFOCAL))
    assert item(result, "criterion_1").value is False
    assert item(result, "criterion_2").value is True
    assert result.classification == "met"


def test_an_ill_appearing_child_does_not_meet_the_clinical_prerequisite() -> None:
    result = run_bristol(build_case(crp=5, ill=True, **MULTIFOCAL))
    assert item(result, "typical_clinical").value is False
    assert result.classification == "not_met"
    assert "clinical prerequisite is not met" in result.explanation


def test_no_bone_pain_means_the_criteria_are_not_met() -> None:
    assert run_bristol(build_case(crp=5, bone_pain=False, **MULTIFOCAL)).classification == "not_met"


def test_a_bone_scan_alone_is_not_typical_imaging() -> None:
    scan = {"date": "2026-03-02", "modality": "bone_scan", "lesions": [{"site": "T7"}, {"site": "T9"}]}
    result = run_bristol(build_case(crp=5, imaging=[scan]))
    assert item(result, "typical_radiology").value is None
    assert result.classification == "indeterminate"


def test_a_radiograph_without_a_typical_finding_is_not_typical_imaging() -> None:
    result = run_bristol(build_case(crp=5, xray_lesions=[("tibia:left", []), ("femur:left", [])]))
    assert item(result, "typical_radiology").value is False
    assert result.classification == "not_met"


def test_missing_crp_and_ill_appearance_are_listed_as_missing() -> None:
    result = run_bristol(build_case(ill=None, **MULTIFOCAL))
    assert result.status == "incomplete"
    assert {"CRP", "ill appearance (present or absent)"} <= set(result.missing)


def test_the_result_cites_roderick_2016_and_says_it_is_partly_verified() -> None:
    result = run_bristol(build_case())
    assert (result.citation.pmid, result.citation.doi) == ("27576444", "10.1186/s12969-016-0109-1")
    assert result.verification == "partial"
    assert derived({"crp": 5, **MULTIFOCAL}, "criterion_1") is True
