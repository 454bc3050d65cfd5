"""Plausibility warnings (clinical/plausibility.py): unusual but possible values are kept and flagged."""

from __future__ import annotations

from builders import build_case, lab, symptom

from cnocare.clinical.plausibility import warnings


def test_a_crp_of_350_mg_l_is_kept_with_a_warning_naming_the_value() -> None:
    found = warnings(build_case(crp=350))
    assert len(found) == 1
    assert "labs[0] crp 350 mg/L" in found[0] and "usual 0-300 mg/L" in found[0]


def test_a_crp_at_the_top_of_the_usual_range_gives_no_warning() -> None:
    assert warnings(build_case(crp=300)) == ()


def test_a_haemoglobin_in_the_wrong_unit_range_is_flagged() -> None:
    found = warnings(build_case(labs=[lab("haemoglobin", 5.5, "g/dL")]))  # 55 g/L: possible but unusual
    assert any("haemoglobin" in w for w in found)


def test_an_unusual_but_possible_temperature_is_flagged() -> None:
    assert any("temperature 43" in w for w in warnings(build_case(temperature=43.0)))
    assert warnings(build_case(temperature=39.5)) == ()


def test_onset_at_18_or_later_is_flagged_as_adult_onset() -> None:
    assert any("adult-onset" in w for w in warnings(build_case(age_at_onset=18)))
    assert warnings(build_case(age_at_onset=17.9)) == ()


def test_the_same_test_twice_on_one_date_with_different_values_is_flagged() -> None:
    found = warnings(build_case(labs=[lab("crp", 5, "mg/L"), lab("crp", 50, "mg/L")]))
    assert any("recorded twice" in w for w in found)
    assert warnings(build_case(labs=[lab("crp", 5, "mg/L"), lab("crp", 0.5, "mg/dL")])) == ()


def test_a_plain_case_gives_no_warning() -> None:
    assert warnings(build_case(crp=12, symptoms=[symptom("night_pain")])) == ()
