"""Trend charts: well-formed for any finite series, one marker per value, values readable as text."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from svg_helpers import NS, parse

from cnocare.clinical.case import Case
from cnocare.reports.charts import crp_series, esr_series, lab_series, pain_series, render_trend

D = dt.date


def markers(svg: str) -> list[tuple[float, float]]:
    return [(float(c.get("cx", "nan")), float(c.get("cy", "nan")))
            for c in parse(svg).iter(f"{NS}circle") if c.get("class") == "trend-marker"]


def desc(svg: str) -> str:
    element = parse(svg).find(f"{NS}desc")
    assert element is not None and element.text is not None
    return element.text


def test_each_value_gets_one_marker_joined_by_one_line() -> None:
    points = [(D(2026, 1, 5), 12.0), (D(2026, 2, 1), 8.0), (D(2026, 3, 2), 3.5), (D(2026, 6, 1), 1.0)]
    svg = render_trend(points, title="CRP", unit="mg/L")
    assert len(markers(svg)) == 4
    lines = [p for p in parse(svg).iter(f"{NS}polyline") if p.get("class") == "trend-line"]
    assert len(lines) == 1 and len((lines[0].get("points") or "").split()) == 4


def test_higher_values_sit_higher_and_later_dates_further_right() -> None:
    svg = render_trend([(D(2026, 1, 5), 40.0), (D(2026, 3, 2), 3.0)], title="CRP", unit="mg/L")
    (x1, y1), (x2, y2) = markers(svg)
    assert x1 < x2 and y1 < y2  # SVG y grows downwards


def test_unsorted_input_is_drawn_and_described_in_date_order() -> None:
    svg = render_trend([(D(2026, 3, 2), 3.0), (D(2025, 11, 20), 40.0), (D(2026, 1, 5), 12.0)],
                       title="CRP", unit="mg/L")
    xs = [x for x, _ in markers(svg)]
    assert xs == sorted(xs)
    text = desc(svg)
    order = [text.index(f"{day}: {value} mg/L") for day, value in
             (("2025-11-20", 40), ("2026-01-05", 12), ("2026-03-02", 3))]
    assert order == sorted(order)


def test_no_values_draw_empty_axes_and_say_so() -> None:
    svg = render_trend([], title="ESR", unit="mm/h")
    assert markers(svg) == []
    assert desc(svg) == "ESR: no values recorded."
    assert "No values recorded" in svg


def test_a_single_value_is_one_marker_without_a_line() -> None:
    svg = render_trend([(D(2026, 3, 2), 22.0)], title="ESR", unit="mm/h")
    assert len(markers(svg)) == 1
    assert parse(svg).find(f"{NS}polyline") is None
    assert desc(svg) == "ESR (mm/h), 1 value on 2026-03-02: 2026-03-02: 22 mm/h."


def test_equal_values_lie_on_one_horizontal_line() -> None:
    points = [(D(2026, 1, 1), 5.0), (D(2026, 1, 9), 5.0), (D(2026, 2, 1), 5.0)]
    svg = render_trend(points, title="x", unit="u")
    assert len({y for _, y in markers(svg)}) == 1


def test_values_on_the_same_day_are_all_shown() -> None:
    svg = render_trend([(D(2026, 1, 1), 5.0), (D(2026, 1, 1), 9.0)], title="x", unit="u")
    assert len(markers(svg)) == 2


def test_reference_band_is_drawn_and_described() -> None:
    svg = render_trend([(D(2026, 1, 1), 12.0), (D(2026, 2, 1), 4.0)], title="CRP", unit="mg/L",
                       reference_band=(0.0, 5.0))
    band = [r for r in parse(svg).iter(f"{NS}rect") if r.get("class") == "trend-reference"]
    assert len(band) == 1
    assert "Reference range 0–5 mg/L." in desc(svg)


def test_non_finite_values_and_inverted_bands_are_refused_with_the_field_named() -> None:
    with pytest.raises(ValueError, match=r"points\[1\] value nan"):
        render_trend([(D(2026, 1, 1), 1.0), (D(2026, 1, 2), float("nan"))], title="x", unit="u")
    with pytest.raises(ValueError, match="reference_band"):
        render_trend([], title="x", unit="u", reference_band=(5.0, 1.0))


def test_two_charts_on_one_page_get_different_ids() -> None:
    crp = parse(render_trend([], title="CRP", unit="mg/L")).get("id")
    esr = parse(render_trend([], title="ESR", unit="mm/h")).get("id")
    assert crp and esr and crp != esr
    assert parse(render_trend([], title="CRP", unit="mg/L", id_prefix="crp-1")).get("id") == "crp-1"


finite = st.floats(allow_nan=False, allow_infinity=False)
days = st.dates(min_value=D(1990, 1, 1), max_value=D(2100, 12, 31))


@settings(max_examples=300, deadline=None)
@given(points=st.lists(st.tuples(days, finite), max_size=40),
       band=st.none() | st.tuples(finite, finite).map(lambda b: (min(b), max(b))))
def test_any_finite_series_gives_well_formed_svg_with_one_marker_per_value(
        points: list[tuple[dt.date, float]], band: tuple[float, float] | None) -> None:
    svg = render_trend(points, title="Series", unit="u", reference_band=band)
    assert len(markers(svg)) == len(points)
    assert all(x == x and y == y for x, y in markers(svg))  # no NaN coordinates


def lab_case() -> Case:
    return Case.model_validate({
        "case_id": "labs-1", "patient": {"sex": "female", "age_years": 12},
        "labs": [{"test": "crp", "date": "2026-03-02", "value": 1.2, "unit": "mg/dL"},
                 {"test": "crp", "date": "2026-01-05", "value": 30, "unit": "mg/L"},
                 {"test": "crp", "date": "2026-04-01", "result": "pending"},
                 {"test": "esr", "date": "2026-01-05", "value": 44, "unit": "mm/h"}],
        "symptoms": [{"kind": "bone_pain", "present": True, "date": "2026-01-05", "severity_0_10": 7},
                     {"kind": "bone_pain", "present": True, "date": "2026-03-02", "severity_0_10": 3},
                     {"kind": "bone_pain", "present": True},
                     {"kind": "back_pain", "present": True, "date": "2026-03-02", "severity_0_10": 9}],
    })


def test_crp_series_is_in_mg_per_l_oldest_first_without_pending_results() -> None:
    assert crp_series(lab_case()) == [(D(2026, 1, 5), 30.0), (D(2026, 3, 2), 12.0)]


def test_esr_series_reads_the_esr_results() -> None:
    assert esr_series(lab_case()) == [(D(2026, 1, 5), 44.0)]
    with pytest.raises(ValueError, match="test 'crpp'"):
        lab_series(lab_case(), "crpp")


def test_pain_series_takes_dated_bone_pain_scores_only() -> None:
    assert pain_series(lab_case()) == [(D(2026, 1, 5), 7.0), (D(2026, 3, 2), 3.0)]
