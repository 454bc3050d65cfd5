"""Jansson 2009 clinical score for nonbacterial osteitis (PMID 19333943, doi:10.1002/art.24402).

Published facts used here (reference notes §1, abstract verified): seven predictors, maximum 63, cut-off
score >= 39 (PPV 97 %, sensitivity 68 %), derivation cohort older than 3 years; CRP >= 1 mg/dL adds points.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from builders import build_case, item, run_jansson

from cnocare.clinical.criteria.jansson import definition

# Every item off, every input known: abnormal count, fever, CRP 5 mg/L, one tibial lesion on a radiograph
# without marginal sclerosis.
ALL_OFF: dict[str, Any] = {"blood_count": "low", "temperature": 39.0, "crp": 5, "xray_lesions": ["tibia:left"]}

# The input change that switches exactly one item on, starting from ALL_OFF.
SWITCH_ON: dict[str, dict[str, Any]] = {
    "normal_blood_count": {"blood_count": "normal"},
    "marginal_sclerosis": {"xray_lesions": [("tibia:left", ["lysis", "marginal_sclerosis"])]},
    "normal_temperature": {"temperature": 37.0},
    "vertebral_clavicular_sternal": {"xray_lesions": ["T7"]},
    "more_than_one_lesion": {"xray_lesions": ["tibia:left", "femur:left"]},
    "crp_at_least_1_mg_dl": {"crp": 10},
}


def points_in_data_file() -> dict[str, float]:
    return {i.id: i.points for i in definition().items if i.points is not None}


def test_the_all_off_case_is_complete_and_scores_zero() -> None:
    result = run_jansson(build_case(**ALL_OFF))
    assert (result.status, result.score, result.range, result.classification) == ("complete", 0, (0, 0), "not_met")
    assert result.missing == ()


@pytest.mark.parametrize("item_id", sorted(SWITCH_ON))
def test_each_item_alone_moves_the_score_by_exactly_its_points(item_id: str) -> None:
    before = run_jansson(build_case(**ALL_OFF))
    after = run_jansson(build_case(**{**ALL_OFF, **SWITCH_ON[item_id]}))
    assert after.status == "complete"
    assert after.score - before.score == points_in_data_file()[item_id]
    assert item(after, item_id).value is True and item(after, item_id).points == points_in_data_file()[item_id]
    assert [i.id for i in after.items if i.value] == [item_id]


def test_symmetric_lesions_add_exactly_their_points_to_an_already_multifocal_case() -> None:
    """Bilateral homologous lesions are always more than one lesion, so symmetry is switched on from a
    multifocal, asymmetric baseline (tibia + femur -> left and right tibia)."""
    base = {**ALL_OFF, "xray_lesions": ["tibia:left", "femur:left"]}
    before = run_jansson(build_case(**base))
    after = run_jansson(build_case(**{**base, "xray_lesions": ["tibia:left", "tibia:right"]}))
    assert after.score - before.score == points_in_data_file()["symmetric_lesions"] == 10
    assert item(after, "symmetric_lesions").value is True


def test_the_seven_items_score_13_10_10_9_8_7_6() -> None:
    assert points_in_data_file() == {
        "normal_blood_count": 13, "symmetric_lesions": 10, "marginal_sclerosis": 10, "normal_temperature": 9,
        "vertebral_clavicular_sternal": 8, "more_than_one_lesion": 7, "crp_at_least_1_mg_dl": 6,
    }


def test_every_item_scores_three_times_the_log_of_its_published_odds_ratio() -> None:
    """Verified by derivation (reference notes §0): round(3 ln OR) of the published ORs 81.5, 30.0, 26.8,
    20.3, 13.9, 10.9, 6.9 gives the points, which sum to the verified maximum of 63."""
    for it in definition().items:
        assert it.odds_ratio is not None
        assert round(3 * math.log(it.odds_ratio)) == it.points, it.id
        assert it.points_status == "verified-by-derivation"
    assert sum(points_in_data_file().values()) == definition().max_score == 63
    assert definition().verification == "verified-by-derivation"


def test_a_typical_case_with_every_item_scores_the_maximum_of_63() -> None:
    case = build_case(blood_count="normal", temperature=36.8, crp=12,
                      xray_lesions=[("tibia:left", ["marginal_sclerosis"]), "tibia:right", "clavicle:right"])
    result = run_jansson(case)
    assert (result.score, result.classification) == (63, "met")


def test_a_score_of_38_is_below_the_threshold_and_39_meets_it() -> None:
    # 38 = normal count 13 + marginal sclerosis 10 + normal temperature 9 + CRP 6
    at_38 = build_case(blood_count="normal", temperature=37.0, crp=10,
                       xray_lesions=[("tibia:left", ["marginal_sclerosis"])])
    # 39 = normal count 13 + marginal sclerosis 10 + normal temperature 9 + more than one lesion 7
    at_39 = build_case(blood_count="normal", temperature=37.0, crp=5,
                       xray_lesions=[("tibia:left", ["marginal_sclerosis"]), "femur:left"])
    assert (run_jansson(at_38).score, run_jansson(at_38).classification) == (38, "not_met")
    assert (run_jansson(at_39).score, run_jansson(at_39).classification) == (39, "met")
    assert run_jansson(at_39).threshold == ">= 39"


@pytest.mark.parametrize(("crp", "counts"), [
    (9.9, False), (10, True), ((0.99, "mg/dL"), False), ((1.0, "mg/dL"), True),
])
def test_crp_counts_from_1_mg_dl_which_is_10_mg_l(crp: float | tuple[float, str], counts: bool) -> None:
    result = run_jansson(build_case(**{**ALL_OFF, "crp": crp}))
    assert item(result, "crp_at_least_1_mg_dl").value is counts
    assert result.score == (6 if counts else 0)


def test_with_only_three_items_known_the_range_spans_known_to_known_plus_unknown_points() -> None:
    """Normal count (13), normal temperature (9) and CRP 5 mg/L (0) known; no imaging yet, so the four
    lesion items (10 + 10 + 8 + 7 = 35) are unknown: range [22, 57] straddles 39 -> indeterminate."""
    result = run_jansson(build_case(blood_count="normal", temperature=37.0, crp=5))
    assert result.status == "incomplete"
    assert result.score is None
    assert result.range == (22, 57)
    assert result.classification == "indeterminate"
    assert "imaging with lesions" in result.missing
    unknown = [i for i in result.items if i.value is None]
    assert {i.id for i in unknown} == {"symmetric_lesions", "marginal_sclerosis", "vertebral_clavicular_sternal",
                                       "more_than_one_lesion"}
    assert all(i.points is None for i in unknown)


def test_an_incomplete_score_is_met_when_even_its_lowest_value_reaches_39() -> None:
    # lesions give 10 + 10 + 8 + 7 = 35 and normal temperature 9: low 44 with count and CRP unknown
    case = build_case(temperature=37.0, xray_lesions=[("tibia:left", ["marginal_sclerosis"]), "tibia:right", "T7"])
    result = run_jansson(case)
    assert result.status == "incomplete" and result.range == (44, 63) and result.classification == "met"
    assert set(result.missing) >= {"WBC", "Hb", "platelets", "CRP"}


def test_an_incomplete_score_is_not_met_when_even_its_highest_value_stays_below_39() -> None:
    result = run_jansson(build_case(**{**ALL_OFF, "crp": None}))
    assert result.status == "incomplete" and result.range == (0, 6) and result.classification == "not_met"
    assert result.missing == ("CRP",)


def test_without_the_laboratory_range_or_the_age_only_a_value_outside_every_band_is_decided() -> None:
    wbc = [{"test": "wbc", "date": "2026-03-01", "value": 15, "unit": "10^9/L"}]  # normal for a toddler only
    result = run_jansson(build_case(labs=wbc))
    assert item(result, "normal_blood_count").value is None
    assert "age or date of birth (to choose a default reference range)" in result.missing
    counts = [{"test": t, "date": "2026-03-01", "value": v, "unit": u} for t, v, u in
              (("wbc", 7, "10^9/L"), ("haemoglobin", 64, "g/L"), ("platelets", 250, "10^9/L"))]
    low_hb = item(run_jansson(build_case(labs=counts)), "normal_blood_count")
    assert low_hb.value is False  # Hb 64 g/L is below the band of every age


def test_without_the_laboratory_range_the_default_range_decides_and_says_so() -> None:
    labs = [{"test": "wbc", "date": "2026-03-01", "value": 26, "unit": "10^9/L"}]
    result = run_jansson(build_case(labs=labs, patient={"sex": "female", "date_of_birth": "2016-05-01"}))
    normal = item(result, "normal_blood_count")
    assert normal.value is False
    assert normal.source is not None and "default range — the laboratory sent none" in normal.source


def test_mri_alone_leaves_marginal_sclerosis_unknown_until_a_radiograph_is_read() -> None:
    result = run_jansson(build_case(lesions=["tibia:left"]))
    assert item(result, "marginal_sclerosis").value is None
    assert "radiograph or CT read for marginal sclerosis" in result.missing


@pytest.mark.parametrize(("age", "warned"), [(2.0, True), (3.0, True), (3.1, False), (None, False)])
def test_age_3_or_younger_adds_an_out_of_population_warning(age: float | None, warned: bool) -> None:
    """Derived in patients older than 3 years (Jansson 2009): at 3 years or younger, warn."""
    result = run_jansson(build_case(**ALL_OFF, age_at_onset=age))
    assert any("3 years or younger" in w for w in result.warnings) is warned
    assert any("older than 3 years" in w for w in result.warnings)


def test_the_result_cites_jansson_2009() -> None:
    result = run_jansson(build_case(**ALL_OFF))
    assert (result.citation.pmid, result.citation.doi) == ("19333943", "10.1002/art.24402")
    assert result.instrument == "jansson-2009"
