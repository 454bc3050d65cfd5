"""The skeleton map: every bone reachable, sides mirrored correctly, states visible beyond colour."""

from __future__ import annotations

import datetime as dt

import pytest
from svg_helpers import NS, bone, bones, mean_x, parse

from cnocare.clinical.case import Case
from cnocare.knowledge.catalogue import bone_sites
from cnocare.reports.skeleton import render_skeleton

MIDLINE_X = 160.0
SPINE = [f"C{n}" for n in range(1, 8)] + [f"T{n}" for n in range(1, 13)] + [f"L{n}" for n in range(1, 6)]


def catalogue_keys() -> set[tuple[str, str]]:
    keys: set[tuple[str, str]] = set()
    for site in bone_sites().values():
        keys |= {(site.id, "left"), (site.id, "right")} if site.paired else {(site.id, "midline")}
    return keys


def keys_in(svg: str) -> set[tuple[str, str]]:
    return {(g.get("data-site") or "", g.get("data-side") or "") for g in bones(parse(svg))}


def femur_case() -> Case:
    return Case.model_validate({
        "case_id": "map-1", "patient": {"sex": "female", "age_years": 9},
        "imaging": [{"date": "2026-01-10", "modality": "whole_body_mri", "lesions": [
                        {"site": "femur", "side": "left", "activity": "active"},
                        {"site": "clavicle", "side": "right", "activity": "active"}]},
                    {"date": "2026-03-02", "modality": "mri", "lesions": [
                        {"site": "femur", "side": "left", "activity": "active"}]},
                    {"date": "2026-05-04", "modality": "whole_body_mri", "lesions": [
                        {"site": "tibia", "side": "right", "activity": "active"}]}],
    })


def test_every_catalogue_bone_is_present_in_the_union_of_both_views() -> None:
    union = keys_in(render_skeleton(None, view="front")) | keys_in(render_skeleton(None, view="back"))
    assert union == catalogue_keys()


def test_every_bone_is_a_keyboard_button_with_a_name_and_a_title_and_each_view_one_tab_stop() -> None:
    for view in ("front", "back"):
        found = bones(parse(render_skeleton(None, view=view)))
        assert [g.get("tabindex") for g in found].count("0") == 1  # the arrow keys move between bones
        for g in found:
            assert g.get("tabindex") in ("0", "-1")
            assert g.get("role") == "button"
            assert g.get("aria-label", "").strip()
            title = g.find(f"{NS}title")
            assert title is not None and title.text == g.get("aria-label")


def test_no_bone_appears_twice_in_one_view() -> None:
    for view in ("front", "back"):
        root = parse(render_skeleton(None, view=view))
        found = [(g.get("data-site"), g.get("data-side")) for g in bones(root)]
        assert len(found) == len(set(found))


def test_both_views_contain_every_vertebra_the_sacrum_and_the_coccyx() -> None:
    for view in ("front", "back"):
        keys = keys_in(render_skeleton(None, view=view))
        for site in [*SPINE, "sacrum", "coccyx"]:
            assert (site, "midline") in keys, f"{site} missing from {view} view"


def test_scapula_is_drawn_in_the_back_view_and_sternum_in_the_front_view() -> None:
    assert ("scapula", "left") in keys_in(render_skeleton(None, view="back"))
    assert ("sternum", "midline") in keys_in(render_skeleton(None, view="front"))


def test_front_view_puts_the_patients_right_on_the_viewers_left() -> None:
    root = parse(render_skeleton(None, view="front"))
    paired = {s for s, side in keys_in(render_skeleton(None, view="front")) if side == "right"}
    assert paired
    for site in paired:
        assert mean_x(bone(root, site, "right")) < MIDLINE_X < mean_x(bone(root, site, "left")), site


def test_back_view_puts_the_patients_right_on_the_viewers_right() -> None:
    root = parse(render_skeleton(None, view="back"))
    paired = {s for s, side in keys_in(render_skeleton(None, view="back")) if side == "right"}
    assert "scapula" in paired
    for site in paired:
        assert mean_x(bone(root, site, "left")) < MIDLINE_X < mean_x(bone(root, site, "right")), site


def test_orientation_labels_name_the_near_side_of_each_view() -> None:
    front, back = parse(render_skeleton(None, view="front")), parse(render_skeleton(None, view="back"))
    assert [t.text for t in front.iter(f"{NS}text")][:2] == ["Right", "Left"]
    assert [t.text for t in back.iter(f"{NS}text")][:2] == ["Left", "Right"]


def test_active_bone_says_its_state_and_the_study_that_shows_it() -> None:
    root = parse(render_skeleton(femur_case(), view="front", as_of=dt.date(2026, 3, 2)))
    femur = bone(root, "femur", "left")
    assert femur.get("aria-label") == "Left femur: active lesion (MRI 2026-03-02)"
    assert "bone--active" in (femur.get("class") or "").split()
    assert femur.get("data-state") == "active"


def test_new_and_resolved_bones_carry_a_cue_besides_colour() -> None:
    root = parse(render_skeleton(femur_case(), view="front", id_prefix="p1"))
    tibia = bone(root, "tibia", "right")
    assert "bone--new" in (tibia.get("class") or "")
    assert tibia.find(f"{NS}circle[@class='bone-marker']") is not None
    femur = bone(root, "femur", "left")  # missing from the later whole-body MRI
    assert "bone--resolved" in (femur.get("class") or "")
    assert femur.get("aria-label") == "Left femur: resolved lesion (whole-body MRI 2026-05-04)"
    shapes = [c for c in femur if c.tag != f"{NS}title"]
    assert all(c.get("fill") == "url(#p1-front-hatch)" and c.get("stroke-dasharray") for c in shapes)
    assert root.find(f".//{NS}pattern[@id='p1-front-hatch']") is not None


def test_bones_without_lesions_carry_no_state_marker() -> None:
    root = parse(render_skeleton(femur_case(), view="front"))
    humerus = bone(root, "humerus", "left")
    assert "bone--none" in (humerus.get("class") or "")
    assert humerus.find(f"{NS}circle") is None


def test_description_lists_the_lesions_in_words() -> None:
    root = parse(render_skeleton(femur_case(), view="back", as_of=dt.date(2026, 3, 2)))
    desc = root.find(f"{NS}desc")
    assert desc is not None and desc.text is not None
    assert "Left femur: active lesion (MRI 2026-03-02)" in desc.text
    assert "Right clavicle: active lesion (whole-body MRI 2026-01-10)" in desc.text


def test_legend_explains_every_state() -> None:
    legend = parse(render_skeleton(None, view="front")).find(f".//{NS}g[@class='skeleton-legend']")
    assert legend is not None
    labels = " ".join(t.text or "" for t in legend.iter(f"{NS}text"))
    for word in ("Active", "New", "Resolved", "not reported", "No lesion"):
        assert word in labels
    assert "skeleton-legend" not in render_skeleton(None, view="front", legend=False)


def test_two_maps_on_one_page_have_no_duplicate_ids() -> None:
    page = [render_skeleton(femur_case(), view=v, id_prefix=p) for p in ("a", "b") for v in ("front", "back")]
    ids = [e.get("id") for svg in page for e in parse(svg).iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    assert all(i is not None and i.startswith(("a-", "b-")) for i in ids)


def test_references_point_at_ids_inside_the_same_map() -> None:
    root = parse(render_skeleton(femur_case(), view="front", id_prefix="m"))
    ids = {e.get("id") for e in root.iter()}
    for ref in (root.get("aria-labelledby") or "").split():
        assert ref in ids
    for e in root.iter():
        fill = e.get("fill") or ""
        if fill.startswith("url(#"):
            assert fill[5:-1] in ids


def test_unknown_view_and_unusable_id_prefix_are_refused() -> None:
    with pytest.raises(ValueError, match="view 'side'"):
        render_skeleton(None, view="side")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="id_prefix"):
        render_skeleton(None, view="front", id_prefix="1 bad")


def segment_case(segment: str | None) -> Case:
    lesion = {"site": "femur", "side": "left", "activity": "active"}
    if segment is not None:
        lesion["segment"] = segment
    return Case.model_validate({"case_id": "seg", "patient": {"sex": "female", "age_years": 9},
                                "imaging": [{"date": "2026-03-02", "modality": "mri", "lesions": [lesion]}]})


def test_a_distal_metaphysis_lesion_paints_that_segment_and_not_the_whole_femur() -> None:
    femur = bone(parse(render_skeleton(segment_case("distal_metaphysis"), view="front")), "femur", "left")
    fills = {c.get("data-segment"): c.get("fill") for c in femur if c.get("data-segment")}
    assert list(fills) == ["proximal_epiphysis", "proximal_metaphysis", "diaphysis", "distal_metaphysis",
                           "distal_epiphysis"]
    assert fills["distal_metaphysis"] == "#c62828"
    assert {fills[s] for s in fills if s != "distal_metaphysis"} == {"#f3efe6"}
    assert femur.get("aria-label") == "Left femur: new active lesion (MRI 2026-03-02) (distal metaphysis)"


def test_a_lesion_without_a_segment_still_paints_the_whole_bone() -> None:
    femur = bone(parse(render_skeleton(segment_case(None), view="front")), "femur", "left")
    assert {c.get("fill") for c in femur if c.get("data-segment")} == {"#c62828"}


def test_each_view_is_labelled_front_or_back() -> None:
    for view, label in (("front", "Front"), ("back", "Back")):
        root = parse(render_skeleton(None, view=view))
        assert [t.text for t in root.iter(f"{NS}text") if t.get("class") == "view-label"] == [label]
