"""Instrument data files (knowledge/data/instruments/*.yaml): published numbers, honest statuses."""

from __future__ import annotations

import math

from cnocare.clinical.criteria import registry
from cnocare.clinical.criteria.bristol import definition as bristol
from cnocare.clinical.criteria.eular_acr import definition as eular
from cnocare.clinical.criteria.jansson import definition as jansson
from cnocare.clinical.criteria.nbods import definition as nbods


def test_the_registry_lists_the_four_instruments() -> None:
    assert [d.id for d in registry.load_all()] == ["bristol-2016", "jansson-2009", "nbods-2023", "eular-acr-2025"]


def test_jansson_points_derive_from_the_published_odds_ratios() -> None:
    """Jansson 2009 (PMID 19333943): ORs 81.5, 30.0, 26.8, 20.3, 13.9, 10.9, 6.9; round(3 ln OR) = points."""
    defn = jansson()
    assert [i.odds_ratio for i in defn.items] == [81.5, 30.0, 26.8, 20.3, 13.9, 10.9, 6.9]
    assert all(round(3 * math.log(i.odds_ratio or 0)) == i.points for i in defn.items)
    assert defn.max_score == 63
    assert defn.threshold is not None and (defn.threshold.op, defn.threshold.value) == (">=", 39)


def test_nbods_numbers_are_the_published_ones() -> None:
    """Kostik 2023 (PMID 37206973): 56 / 27 / 17 / 15, maximum 115, threshold > 17."""
    defn = nbods()
    assert [i.points for i in defn.items] == [56, 27, 17, 15]
    assert defn.max_score == 115 == sum(i.points or 0 for i in defn.items)
    assert defn.threshold is not None and (defn.threshold.op, defn.threshold.value) == (">", 17)
    assert all(i.points_status == "verified" for i in defn.items)


def test_bristol_uses_the_30_mg_l_crp_boundary() -> None:
    cuts = {i.id: (i.when.op, i.when.value, i.when.unit) for i in bristol().items if i.when.measure == "crp"}
    assert cuts == {"crp_below_30_mg_l": ("<", 30, "mg/L"), "crp_exactly_30_mg_l": ("==", 30, "mg/L")}


def test_eular_acr_ships_no_weights_but_the_verified_threshold_and_nine_domains() -> None:
    defn = eular()
    assert defn.items == ()
    assert defn.threshold is not None and (defn.threshold.value, defn.threshold.status) == (55, "verified")
    assert len(defn.domains) == 9
    assert {e.when.feature for e in defn.exclusions} == {"malignancy_confirmed", "infection_confirmed",
                                                          "vitamin_c_deficiency_confirmed",
                                                          "hypophosphatasia_confirmed"}


def test_an_instrument_is_never_more_verified_than_its_least_verified_number() -> None:
    for defn in registry.load_all():
        statuses = {i.points_status for i in defn.items if i.points_status}
        if defn.verification == "verified":
            assert statuses <= {"verified"}, defn.id
            assert defn.threshold is None or defn.threshold.status == "verified"
        if defn.verification == "verified-by-derivation":
            assert statuses <= {"verified", "verified-by-derivation"}, defn.id
