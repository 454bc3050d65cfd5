"""Text from data cannot inject markup or break the XML of the maps and charts."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st
from svg_helpers import NS, bone, parse

from cnocare.clinical.case import Case
from cnocare.reports.charts import render_trend
from cnocare.reports.skeleton import render_skeleton

HOSTILE = '<script>alert("x")</script> & \'quoted\' ]]> <!-- -->'


def test_a_hostile_lesion_note_is_shown_as_text_not_markup() -> None:
    case = Case.model_validate({
        "case_id": "esc-1", "patient": {"sex": "male", "age_years": 8},
        "imaging": [{"date": "2026-03-02", "modality": "mri", "lesions": [
            {"site": "femur", "side": "left", "activity": "active", "note": HOSTILE}]}],
    })
    svg = render_skeleton(case, view="front")
    root = parse(svg)
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    title = bone(root, "femur", "left").find(f"{NS}title")
    assert title is not None and title.text is not None
    assert title.text.endswith(f"Note: {HOSTILE.strip()}")
    assert "<script>" not in svg


def test_hostile_chart_title_and_unit_round_trip_as_text() -> None:
    svg = render_trend([(dt.date(2026, 1, 1), 1.0)], title=HOSTILE, unit='"><b>')
    root = parse(svg)
    assert not [e for e in root.iter() if e.tag.endswith(("script", "b"))]
    title = root.find(f"{NS}title")
    assert title is not None and title.text == HOSTILE
    assert "<script>" not in svg


def test_control_characters_in_text_do_not_break_the_xml() -> None:
    svg = render_trend([], title="CRP\x00\x07\x1b", unit="mg/L\ufffe")
    title = parse(svg).find(f"{NS}title")
    assert title is not None and title.text == "CRP\ufffd\ufffd\ufffd"


@settings(max_examples=200, deadline=None)
@given(title=st.text(), unit=st.text(max_size=20))
def test_any_title_and_unit_give_well_formed_svg(title: str, unit: str) -> None:
    root = parse(render_trend([(dt.date(2026, 1, 1), 1.0)], title=title, unit=unit))
    assert root.find(f"{NS}title") is not None
