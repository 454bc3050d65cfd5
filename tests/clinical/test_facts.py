"""Facts read off a Case (clinical/facts.py): unit conversion gives the same answers in any accepted unit."""

from __future__ import annotations

from typing import Any

import pytest
from builders import build_case, lab

from cnocare.clinical.assess import assess_case
from cnocare.clinical.case import Case
from cnocare.clinical.facts import CaseFacts
from cnocare.clinical.features import feature

LESIONS = ["tibia:left", "clavicle:right"]


def instruments_json(case: Case) -> list[dict[str, Any]]:
    return [r.model_dump(mode="json") for r in assess_case(case).instruments]


@pytest.mark.parametrize(("mg_l", "mg_dl"), [(5, 0.5), (9.9, 0.99), (10, 1.0), (30, 3.0), (55, 5.5), (80, 8.0)])
def test_crp_in_mg_dl_and_mg_l_gives_identical_results(mg_l: float, mg_dl: float) -> None:
    in_mg_l = build_case(lesions=LESIONS, crp=mg_l, blood_count="normal")
    in_mg_dl = build_case(lesions=LESIONS, crp=(mg_dl, "mg/dL"), blood_count="normal")
    assert instruments_json(in_mg_l) == instruments_json(in_mg_dl)


def blood_count(hb: tuple[float, str], count_unit: str) -> list[dict[str, Any]]:
    scale = {"10^9/L": 1, "/uL": 1000}[count_unit]
    hb_scale = {"g/L": 1, "g/dL": 0.1}[hb[1]]
    return [
        lab("wbc", 3.5 * scale, count_unit, low=4.5 * scale, high=13.5 * scale),
        lab("haemoglobin", hb[0], hb[1], low=110 * hb_scale, high=150 * hb_scale),
        lab("platelets", 250 * scale, count_unit, low=150 * scale, high=450 * scale),
    ]


def decisions(case: Case) -> list[tuple[Any, ...]]:
    """What each instrument decided, without the wording (which quotes the unit as reported)."""
    return [(r.classification, r.status, r.score, r.range, [(i.id, i.value, i.points) for i in r.items])
            for r in assess_case(case).instruments]


def test_haemoglobin_in_g_dl_and_g_l_gives_identical_results() -> None:
    in_g_l = build_case(lesions=LESIONS, crp=5, labs=blood_count((126, "g/L"), "10^9/L"))
    in_g_dl = build_case(lesions=LESIONS, crp=5, labs=blood_count((12.6, "g/dL"), "10^9/L"))
    assert decisions(in_g_l) == decisions(in_g_dl)
    assert [f.id for f in assess_case(in_g_l).workup.red_flags] == [f.id for f in assess_case(in_g_dl).workup.red_flags]
    assert next(r for r in in_g_dl.labs if r.test == "haemoglobin").shown == "12.6 g/dL (126 g/L)"


def test_counts_per_microlitre_and_per_litre_give_identical_classifications() -> None:
    per_l = assess_case(build_case(lesions=LESIONS, crp=5, labs=blood_count((126, "g/L"), "10^9/L")))
    per_ul = assess_case(build_case(lesions=LESIONS, crp=5, labs=blood_count((126, "g/L"), "/uL")))
    for a, b in zip(per_l.instruments, per_ul.instruments, strict=True):
        assert (a.classification, a.score, a.range) == (b.classification, b.score, b.range)
        assert [(i.id, i.value, i.points) for i in a.items] == [(i.id, i.value, i.points) for i in b.items]
    assert [f.id for f in per_l.workup.red_flags] == [f.id for f in per_ul.workup.red_flags] == ["cytopenia"]


def test_lab_values_are_stored_with_their_canonical_value() -> None:
    case = build_case(crp=(1.2, "mg/dL"), labs=[lab("wbc", 6100, "/uL", low=4500, high=13000)])
    crp, wbc = (next(r for r in case.labs if r.test == t) for t in ("crp", "wbc"))
    assert crp.canonical_value == pytest.approx(12)
    assert wbc.canonical_value == pytest.approx(6.1)
    assert wbc.canonical_reference_low == pytest.approx(4.5)
    assert wbc.within_reference() is True


def test_in_the_window_the_highest_crp_decides_and_the_item_names_it() -> None:
    labs = [lab("crp", 80, "mg/L", on=build_case().as_of.replace(day=1)), lab("crp", 4, "mg/L",
                                                                          on=build_case().as_of)]
    measure = CaseFacts(build_case(labs=labs)).presentation().lab("crp")
    assert measure.value == 80
    assert measure.source is not None and "highest of 2" in measure.source and "2026-03-01" in measure.source


def test_a_pending_result_does_not_hide_the_previous_value() -> None:
    labs = [lab("crp", 12, "mg/L"), lab("crp", result="pending", on=build_case().as_of)]
    assert CaseFacts(build_case(labs=labs)).lab("crp").value == 12


def test_lesions_are_counted_as_distinct_bones_across_studies() -> None:
    case = build_case(lesions=["tibia:left"], xray_lesions=["tibia:left"])
    assert feature(CaseFacts(case), "multiple_bones").value is False
    assert feature(CaseFacts(build_case(lesions=["T7", "T8"])), "multiple_bones").value is True


def test_a_temperature_from_38_degrees_is_fever() -> None:
    assert feature(CaseFacts(build_case(temperature=38.0)), "fever").value is True
    assert feature(CaseFacts(build_case(temperature=37.9)), "normal_temperature").value is True


def test_pain_duration_falls_back_to_the_time_since_onset() -> None:
    case = build_case(pain_weeks=None, patient={"sex": "male", "onset_date": "2026-01-13"})
    measure = CaseFacts(case).measure("symptom_duration_weeks")
    assert measure.value == pytest.approx(8.0)
