"""Lesion states over a course: new at the latest study, active, resolved, and what justifies each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from cnocare.clinical.case import Case
from cnocare.knowledge.catalogue import bone_sites
from cnocare.reports.lesions import lesion_states

JAN, MAR, MAY = dt.date(2026, 1, 10), dt.date(2026, 3, 1), dt.date(2026, 5, 10)


def case_with(*imaging: dict[str, Any]) -> Case:
    return Case.model_validate({"case_id": "course-1", "patient": {"sex": "male", "age_years": 11},
                                "imaging": list(imaging)})


def lesion(site: str, **fields: Any) -> dict[str, Any]:
    return {"site": site, "side": "left", **fields}


def course() -> Case:
    """Whole-body MRI at diagnosis, a knee MRI two months on, a whole-body MRI at follow-up."""
    return case_with(
        {"id": "wb1", "date": "2026-01-10", "modality": "whole_body_mri", "lesions": [
            {"site": "femur", "side": "right", "activity": "active"},
            {"site": "clavicle", "side": "left", "activity": "active"},
            {"site": "T7", "findings": ["marrow_oedema"]}]},
        {"id": "knee", "date": "2026-03-01", "modality": "mri", "lesions": [
            {"site": "femur", "side": "right", "activity": "active"},
            {"site": "tibia", "side": "right", "activity": "active"}]},
        {"id": "wb2", "date": "2026-05-10", "modality": "mri", "whole_body": True, "lesions": [
            {"site": "femur", "side": "right", "activity": "active"},
            {"site": "tibia", "side": "left", "activity": "active"},
            {"site": "T7", "activity": "resolved"},
            {"site": "rib", "side": "right", "findings": ["lysis"]}]},
    )


def test_every_catalogue_bone_has_a_state_and_unpaired_bones_use_midline() -> None:
    states = lesion_states(course(), MAY)
    expected = sum(2 if s.paired else 1 for s in bone_sites().values())
    assert len(states) == expected
    assert ("sternum", "midline") in states and ("femur", "left") in states
    assert all(s.state == "none" for s in lesion_states(None).values())


def test_a_bone_first_seen_at_the_latest_study_is_new() -> None:
    tibia = lesion_states(course(), MAY)[("tibia", "left")]
    assert tibia.state == "new"
    assert (tibia.date, tibia.modality, tibia.whole_body, tibia.study_id) == (MAY, "mri", True, "wb2")
    assert tibia.summary == "new active lesion (whole-body MRI 2026-05-10)"


def test_a_bone_seen_before_and_active_again_is_active_not_new() -> None:
    femur = lesion_states(course(), MAY)[("femur", "right")]
    assert femur.state == "active"
    assert femur.first_seen == JAN and femur.date == MAY


def test_a_later_whole_body_study_without_the_lesion_makes_it_resolved() -> None:
    clavicle = lesion_states(course(), MAY)[("clavicle", "left")]
    assert clavicle.state == "resolved"
    assert (clavicle.date, clavicle.modality) == (MAY, "mri")
    # The right tibia was seen only on the knee MRI and is absent from the whole-body follow-up.
    assert lesion_states(course(), MAY)[("tibia", "right")].state == "resolved"


def test_a_lesion_reported_inactive_is_resolved() -> None:
    t7 = lesion_states(course(), MAY)[("T7", "midline")]
    assert (t7.state, t7.date, t7.first_seen) == ("resolved", MAY, JAN)


def test_a_lesion_without_stated_activity_is_indeterminate_not_active() -> None:
    assert lesion_states(course(), MAY)[("rib", "right")].state == "indeterminate"


def test_marrow_oedema_without_stated_activity_counts_as_active() -> None:
    assert lesion_states(course(), JAN)[("T7", "midline")].state == "new"


def test_a_local_study_does_not_resolve_bones_outside_it() -> None:
    states = lesion_states(course(), dt.date(2026, 3, 15))
    clavicle = states[("clavicle", "left")]
    assert (clavicle.state, clavicle.date) == ("active", JAN)  # not new: the knee MRI is the latest study
    assert states[("tibia", "right")].state == "new"
    assert states[("femur", "right")].state == "active"


def test_studies_after_as_of_are_ignored() -> None:
    states = lesion_states(course(), dt.date(2026, 2, 1))
    assert states[("femur", "right")].state == "new"
    assert states[("tibia", "left")].state == "none"
    assert states[("tibia", "left")].date == JAN  # the whole-body MRI looked and saw nothing
    assert states[("tibia", "left")].summary == "no lesion seen (whole-body MRI 2026-01-10)"


def test_as_of_defaults_to_the_case_snapshot_date() -> None:
    case = course().model_copy(update={"as_of": dt.date(2026, 3, 15)})
    assert lesion_states(case)[("tibia", "right")].state == "new"


def test_a_bone_never_imaged_has_no_evidence() -> None:
    state = lesion_states(case_with({"date": "2026-01-10", "modality": "xray", "lesions": [
        {"site": "femur", "side": "left", "activity": "active"}]}))[("humerus", "left")]
    assert (state.state, state.date, state.summary) == ("none", None, "no lesion recorded")


def test_any_active_segment_makes_the_bone_active() -> None:
    case = case_with({"date": "2026-01-10", "modality": "mri", "lesions": [
        {"site": "femur", "side": "left", "segment": "diaphysis", "activity": "resolved"},
        {"site": "femur", "side": "left", "segment": "distal_metaphysis", "activity": "active",
         "note": "metaphyseal oedema"}]})
    femur = lesion_states(case)[("femur", "left")]
    assert femur.state == "new"
    assert femur.notes == ("metaphyseal oedema",)


def test_two_studies_on_the_same_day_are_both_the_latest_imaging() -> None:
    case = case_with(
        {"date": "2026-01-10", "modality": "xray", "lesions": [lesion("tibia", findings=["lysis"])]},
        {"date": "2026-01-10", "modality": "mri", "lesions": [lesion("tibia", activity="active")]},
    )
    assert lesion_states(case)[("tibia", "left")].state == "new"


def test_a_recurrence_at_a_healed_site_is_active_not_new() -> None:
    case = case_with(
        {"date": "2026-01-10", "modality": "mri", "lesions": [lesion("ulna", activity="active")]},
        {"date": "2026-04-10", "modality": "mri", "lesions": [lesion("ulna", activity="resolved")]},
        {"date": "2026-08-10", "modality": "mri", "lesions": [lesion("ulna", activity="active")]},
    )
    assert lesion_states(case, dt.date(2026, 5, 1))[("ulna", "left")].state == "resolved"
    assert lesion_states(case)[("ulna", "left")].state == "active"
