"""RAI-CROMRIS and PedCNO: computed only from site-loaded definitions, and always labelled unverified."""

from __future__ import annotations

import pytest

from cnocare.clinical.case import ImagingStudy
from cnocare.clinical.imaging_scores import pedcno_response, rai_cromris
from cnocare.knowledge.site_definitions import PedCnoDefinition, RaiGrading

# SYNTHETIC site definitions for tests only: made-up splits, not the published ones (which were not found).
GRADING = RaiGrading(site="synthetic", version="t1", status="unverified", source="synthetic test",
                     max_grade={"marrow_hyperintensity": 2, "extension": 2, "bony_expansion": 1,
                                "soft_tissue_periosteal_hyperintensity": 1, "vertebral_collapse": 1})
PEDCNO = PedCnoDefinition(site="synthetic", version="t1", status="unverified", source="synthetic test",
                          variables=("esr", "physician_global", "patient_global"), levels=(30, 50, 70),
                          improve_at_least_variables=2, worsen_more_than_percent=30, worsen_at_most_variables=0)
GRADES = {"marrow_hyperintensity": 2, "extension": 1, "soft_tissue_periosteal_hyperintensity": 0,
          "bony_expansion": 1, "vertebral_collapse": 0}



def study(grades: dict[str, int] | None = None) -> ImagingStudy:
    lesion: dict[str, object] = {"site": "tibia", "side": "left", "findings": ["marrow_oedema"]}
    if grades:
        lesion["rai_grades"] = grades
    return ImagingStudy.model_validate({"date": "2026-03-01", "modality": "whole_body_mri", "lesions": [lesion]})


def test_without_a_site_grading_the_parameters_are_shown_and_nothing_is_summed() -> None:
    result = rai_cromris(study(GRADES))
    assert result.score is None and "marrow hyperintensity 2" in (result.items[0].source or "")
    assert "grading not loaded" in result.warnings[0]


def test_with_a_site_grading_units_are_summed_and_labelled_unverified() -> None:
    result = rai_cromris(study(GRADES), GRADING)
    assert (result.status, result.score) == ("complete", 4) and "UNVERIFIED" in result.warnings[0]


def test_a_grade_above_the_site_maximum_is_refused_and_a_grading_must_total_7() -> None:
    with pytest.raises(ValueError, match="above the site grading's maximum"):
        rai_cromris(study({**GRADES, "bony_expansion": 2}), GRADING)
    with pytest.raises(ValueError, match="must sum to 7"):
        RaiGrading(site="s", version="1", status="unverified", source="synthetic",
                   max_grade={**GRADING.max_grade, "vertebral_collapse": 2})


def test_pedcno_needs_a_site_definition_and_reports_the_level_reached() -> None:
    assert pedcno_response({}, {}, None).score is None
    base = {"esr": 40, "physician_global": 6, "patient_global": 8}
    result = pedcno_response(base, {"esr": 10, "physician_global": 2, "patient_global": 7}, PEDCNO)
    assert result.score == 50  # ESR -75 %, PGA -67 %: two variables improved by 50 % or more
    assert "UNVERIFIED" in result.warnings[0]
    worse = pedcno_response(base, {"esr": 10, "physician_global": 2, "patient_global": 11}, PEDCNO)
    assert worse.score == 0  # patient global worsened by more than 30 %


def test_a_missing_variable_leaves_pedcno_incomplete() -> None:
    result = pedcno_response({"esr": 40}, {"esr": 10}, PEDCNO)
    assert result.status == "incomplete" and "physician global" in result.missing
