"""NBO diagnostic score, Kostik 2023 (PMID 37206973, doi:10.3389/fped.2023.1067206).

Published (reference notes §4.1, abstract verified): CRP <= 55 mg/L 56 points, more than one focus 27,
femur 17, band neutrophils <= 220 cells/µL 15; maximum 115; sum > 17 favours NBO over bacterial
osteomyelitis.
"""

from __future__ import annotations

import itertools

import pytest
from builders import build_case, item, lab, run_nbods

from cnocare.clinical.case import Case
from cnocare.clinical.criteria.nbods import definition

HIGH_CRP = 80
MANY_BANDS = 900


def nbods_case(*, crp_ok: bool, multifocal: bool, femur: bool, bands_ok: bool | None) -> Case:
    lesions = ["femur:left" if femur else "tibia:left"] + (["humerus:right"] if multifocal else [])
    bands = None if bands_ok is None else (100 if bands_ok else MANY_BANDS)
    return build_case(crp=20 if crp_ok else HIGH_CRP, lesions=lesions, bands_per_ul=bands)


@pytest.mark.parametrize(("crp_ok", "multifocal", "femur", "bands_ok"),
                         list(itertools.product([True, False], repeat=4)))
def test_positive_exactly_when_crp_is_low_or_disease_multifocal_or_femur_with_few_bands(
        crp_ok: bool, multifocal: bool, femur: bool, bands_ok: bool) -> None:
    """Kostik 2023 (PMID 37206973), arithmetic consequence stated in the reference notes: NBODS is
    positive whenever CRP <= 55 mg/L or disease is multifocal; with CRP > 55 and unifocal disease it is
    positive only if femur AND bands <= 220 (= 32); femur alone (17) is not > 17."""
    result = run_nbods(nbods_case(crp_ok=crp_ok, multifocal=multifocal, femur=femur, bands_ok=bands_ok))
    expected = 56 * crp_ok + 27 * multifocal + 17 * femur + 15 * bands_ok
    assert result.status == "complete"
    assert result.score == expected
    met = crp_ok or multifocal or (femur and bands_ok)
    assert result.classification == ("met" if met else "not_met")


def test_femur_alone_scores_17_which_is_not_above_17() -> None:
    result = run_nbods(nbods_case(crp_ok=False, multifocal=False, femur=True, bands_ok=False))
    assert (result.score, result.classification, result.threshold) == (17, "not_met", "> 17")


def test_femur_with_few_band_forms_scores_32_and_is_positive() -> None:
    result = run_nbods(nbods_case(crp_ok=False, multifocal=False, femur=True, bands_ok=True))
    assert (result.score, result.classification) == (32, "met")


@pytest.mark.parametrize(("crp", "counts"), [(55, True), (55.1, False), ((5.5, "mg/dL"), True),
                                              ((5.51, "mg/dL"), False)])
def test_crp_counts_up_to_and_including_55_mg_l(crp: float | tuple[float, str], counts: bool) -> None:
    result = run_nbods(build_case(crp=crp, lesions=["tibia:left"], bands_per_ul=MANY_BANDS))
    assert item(result, "crp_at_most_55_mg_l").value is counts
    assert result.classification == ("met" if counts else "not_met")


@pytest.mark.parametrize(("count", "unit", "counts"), [
    (220, "cells/uL", True), (221, "cells/uL", False), (0.22, "10^9/L", True), (0.221, "10^9/L", False),
    (220, "/uL", True), (0.22, "10^3/uL", True),
])
def test_band_forms_count_up_to_and_including_220_per_microlitre(count: float, unit: str, counts: bool) -> None:
    labs = [lab("band_neutrophils", count, unit)]
    result = run_nbods(build_case(crp=HIGH_CRP, lesions=["femur:left"], labs=labs))
    assert item(result, "band_neutrophils_at_most_220_per_ul").value is counts
    assert result.score == (32 if counts else 17)


def test_an_absolute_band_count_is_derived_from_band_percent_times_wbc_of_the_same_sample() -> None:
    labs = [lab("band_neutrophils_percent", 2, "%"), lab("wbc", 10, "10^9/L")]  # 0.2 x 10^9/L = 200/µL
    result = run_nbods(build_case(crp=HIGH_CRP, lesions=["femur:left"], labs=labs))
    band = item(result, "band_neutrophils_at_most_220_per_ul")
    assert band.value is True and band.points == 15
    assert band.source is not None and "derived from" in band.source


def test_band_percent_and_wbc_from_different_days_are_not_combined() -> None:
    labs = [lab("band_neutrophils_percent", 2, "%"), lab("wbc", 10, "10^9/L", on=build_case().as_of)]
    result = run_nbods(build_case(crp=HIGH_CRP, lesions=["femur:left"], labs=labs))
    assert item(result, "band_neutrophils_at_most_220_per_ul").value is None
    assert "band neutrophils" in result.missing


def test_a_derived_band_count_of_exactly_220_per_microlitre_counts() -> None:
    labs = [lab("band_neutrophils_percent", 10, "%"), lab("wbc", 2.2, "10^9/L")]
    result = run_nbods(build_case(crp=HIGH_CRP, lesions=["femur:left"], labs=labs))
    assert item(result, "band_neutrophils_at_most_220_per_ul").value is True


def test_missing_band_count_gives_the_range_17_to_32_and_no_classification() -> None:
    """Reference notes §4.1: with missing band counts report [min, max] (e.g. 17-32) and indeterminate."""
    result = run_nbods(nbods_case(crp_ok=False, multifocal=False, femur=True, bands_ok=None))
    assert (result.status, result.score, result.range, result.classification) == \
        ("incomplete", None, (17, 32), "indeterminate")
    assert result.missing == ("band neutrophils",)


def test_missing_band_count_does_not_stop_a_low_crp_case_from_being_positive() -> None:
    result = run_nbods(nbods_case(crp_ok=True, multifocal=False, femur=False, bands_ok=None))
    assert (result.status, result.range, result.classification) == ("incomplete", (56, 71), "met")


def test_a_case_with_nothing_recorded_spans_0_to_115() -> None:
    result = run_nbods(build_case())
    assert result.range == (0, 115) and result.classification == "indeterminate"
    assert definition().max_score == 115


def test_a_malignancy_flag_marks_the_score_unreliable() -> None:
    result = run_nbods(nbods_case(crp_ok=True, multifocal=True, femur=False, bands_ok=True),
                       malignancy_flags=("cytopenia",))
    assert result.classification == "met"
    assert any("UNRELIABLE" in w and "cytopenia" in w for w in result.warnings)


def test_without_a_malignancy_flag_the_score_is_not_marked_unreliable() -> None:
    result = run_nbods(nbods_case(crp_ok=True, multifocal=True, femur=False, bands_ok=True))
    assert not any("UNRELIABLE" in w for w in result.warnings)
    assert any("bacterial osteomyelitis only" in w for w in result.warnings)


def test_the_result_cites_kostik_2023_and_is_verified() -> None:
    result = run_nbods(build_case())
    assert (result.citation.pmid, result.citation.doi) == ("37206973", "10.3389/fped.2023.1067206")
    assert result.verification == "verified"
