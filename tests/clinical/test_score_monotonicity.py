"""Property: switching a positive item on never lowers the score or either end of the attainable range
(Jansson 2009 and NBODS 2023 are sums of positive points; clinical/criteria/points.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from builders import build_case, run_jansson, run_nbods, study
from hypothesis import given, settings
from hypothesis import strategies as st

from cnocare.clinical.case import Case
from cnocare.clinical.result import InstrumentResult

tri = st.sampled_from([None, False, True])


@dataclass(frozen=True)
class JanssonInputs:
    blood_count_normal: bool | None
    temperature_normal: bool | None
    crp_raised: bool | None
    imaged: bool
    axial: bool
    symmetric: bool
    multifocal: bool
    marginal_sclerosis: bool | None  # None: MRI only, so nobody has read a radiograph

    def case(self) -> Case:
        sites = ["T7" if self.axial else "tibia:left"]
        if self.symmetric:
            sites += [s for s in ("tibia:left", "tibia:right") if s not in sites]
        if self.multifocal and len(sites) < 2:
            sites.append("femur:left")
        imaging: list[dict[str, Any]] = []
        if self.imaged:
            if self.marginal_sclerosis is None:
                imaging = [study(sites)]
            else:
                findings = ["lysis", "marginal_sclerosis"] if self.marginal_sclerosis else ["lysis"]
                imaging = [study([(sites[0], findings), *sites[1:]], modality="xray")]
        return build_case(
            blood_count=None if self.blood_count_normal is None else ("normal" if self.blood_count_normal else "low"),
            temperature=None if self.temperature_normal is None else (37.0 if self.temperature_normal else 39.0),
            fever=None,
            crp=None if self.crp_raised is None else (20 if self.crp_raised else 5),
            imaging=imaging,
        )


@dataclass(frozen=True)
class NbodsInputs:
    crp_at_most_55: bool | None
    bands_at_most_220: bool | None
    imaged: bool
    multifocal: bool
    femur: bool

    def case(self) -> Case:
        sites = ["femur:left" if self.femur else "tibia:left"] + (["humerus:right"] if self.multifocal else [])
        return build_case(
            crp=None if self.crp_at_most_55 is None else (30 if self.crp_at_most_55 else 90),
            bands_per_ul=None if self.bands_at_most_220 is None else (150 if self.bands_at_most_220 else 800),
            lesions=sites if self.imaged else None,
        )


jansson_inputs = st.builds(JanssonInputs, tri, tri, tri, st.booleans(), st.booleans(), st.booleans(),
                           st.booleans(), tri)
nbods_inputs = st.builds(NbodsInputs, tri, tri, st.booleans(), st.booleans(), st.booleans())

JANSSON_SWITCHES = ("blood_count_normal", "temperature_normal", "crp_raised", "axial", "symmetric", "multifocal",
                    "marginal_sclerosis")
NBODS_SWITCHES = ("crp_at_most_55", "bands_at_most_220", "multifocal", "femur")


def assert_not_lower(before: InstrumentResult, after: InstrumentResult) -> None:
    assert before.range is not None and after.range is not None
    assert after.range[0] >= before.range[0]
    assert after.range[1] >= before.range[1]
    if before.score is not None and after.score is not None:
        assert after.score >= before.score
    assert not (before.classification == "met" and after.classification != "met")


@settings(max_examples=150, deadline=None)
@given(inputs=jansson_inputs, switch=st.sampled_from(JANSSON_SWITCHES))
def test_switching_a_jansson_item_on_never_lowers_the_score_or_its_range(inputs: JanssonInputs, switch: str) -> None:
    assert_not_lower(run_jansson(inputs.case()), run_jansson(replace(inputs, **{switch: True}).case()))


@settings(max_examples=150, deadline=None)
@given(inputs=nbods_inputs, switch=st.sampled_from(NBODS_SWITCHES))
def test_switching_an_nbods_item_on_never_lowers_the_score_or_its_range(inputs: NbodsInputs, switch: str) -> None:
    assert_not_lower(run_nbods(inputs.case()), run_nbods(replace(inputs, **{switch: True}).case()))


@settings(max_examples=100, deadline=None)
@given(inputs=jansson_inputs, switch=st.sampled_from(("blood_count_normal", "temperature_normal", "crp_raised")))
def test_learning_a_jansson_lab_or_temperature_item_is_positive_raises_only_the_lower_bound(
        inputs: JanssonInputs, switch: str) -> None:
    before = run_jansson(replace(inputs, **{switch: None}).case())
    after = run_jansson(replace(inputs, **{switch: True}).case())
    points = {"blood_count_normal": 13, "temperature_normal": 9, "crp_raised": 6}[switch]
    assert before.range is not None and after.range is not None
    assert after.range == (before.range[0] + points, before.range[1])


@settings(max_examples=100, deadline=None)
@given(inputs=nbods_inputs, switch=st.sampled_from(("crp_at_most_55", "bands_at_most_220")))
def test_learning_an_nbods_lab_item_is_positive_raises_only_the_lower_bound(inputs: NbodsInputs,
                                                                            switch: str) -> None:
    before = run_nbods(replace(inputs, **{switch: None}).case())
    after = run_nbods(replace(inputs, **{switch: True}).case())
    points = {"crp_at_most_55": 56, "bands_at_most_220": 15}[switch]
    assert before.range is not None and after.range is not None
    assert after.range == (before.range[0] + points, before.range[1])


@settings(max_examples=100, deadline=None)
@given(inputs=jansson_inputs)
def test_the_jansson_range_is_the_known_points_plus_every_unknown_item(inputs: JanssonInputs) -> None:
    result = run_jansson(inputs.case())
    points = {"normal_blood_count": 13, "symmetric_lesions": 10, "marginal_sclerosis": 10, "normal_temperature": 9,
              "vertebral_clavicular_sternal": 8, "more_than_one_lesion": 7, "crp_at_least_1_mg_dl": 6}
    known = sum(points[i.id] for i in result.items if i.value is True)
    unknown = sum(points[i.id] for i in result.items if i.value is None)
    assert result.range == (known, known + unknown)
    assert (result.status == "complete") == (unknown == 0)
