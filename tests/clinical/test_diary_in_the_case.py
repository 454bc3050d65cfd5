"""The family's diary in the Case: what was answered is kept, unanswered stays unknown, and the flare and
activity readings use it only as a site rule allows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from cnocare.clinical.activity import diary_period
from cnocare.clinical.case import Case
from cnocare.clinical.flares import detect
from cnocare.knowledge.site_definitions import DiaryFlareRule

D = dt.date
RULE = DiaryFlareRule(site="Test clinic", version="1", status="local-choice", source="test team decision",
                      pain_at_least_0_10=7, consecutive_days=3)


def child(diary: list[dict[str, Any]], **changes: Any) -> Case:
    return Case.model_validate({"case_id": "diary", "patient": {"sex": "female", "date_of_birth": "2015-01-01"},
                                "diary": diary, **changes})


def pain(day: str, value: float | None) -> dict[str, Any]:
    return {"day": day, "pain_0_10": value}


def test_a_diary_day_before_birth_or_after_as_of_is_refused_naming_the_day() -> None:
    with pytest.raises(ValidationError, match=r"diary\[0\] date 2014-12-31 is before the date of birth"):
        child([pain("2014-12-31", 2)])
    with pytest.raises(ValidationError, match=r"diary\[1\] date 2026-03-02 is after as_of 2026-03-01"):
        child([pain("2026-03-01", 2), pain("2026-03-02", 3)], as_of="2026-03-01")


def test_diary_days_do_not_move_the_snapshot_date() -> None:
    case = child([pain("2026-05-01", 2)], labs=[{"test": "crp", "date": "2026-03-01", "value": 3, "unit": "mg/L"}])
    assert case.reference_date == D(2026, 3, 1)


def test_unanswered_is_unknown_not_none_or_zero() -> None:
    day = child([{"day": "2026-03-01"}]).diary[0]
    assert (day.painful_site_count, day.school_missed, day.adherence) == (None, None, None)
    answered = child([{"day": "2026-03-01", "painful_sites": [], "school": "no_school",
                       "medicines_taken": {"m1": True, "m2": False}}]).diary[0]
    assert (answered.painful_site_count, answered.school_missed, answered.adherence) == (0, "none", (1, 2))


def test_an_unknown_painful_site_is_refused() -> None:
    with pytest.raises(ValidationError, match="not in the bone-site catalogue"):
        child([{"day": "2026-03-01", "painful_sites": ["elbowbone"]}])


def test_without_a_site_rule_the_diary_raises_no_flare_and_says_why() -> None:
    report = detect(child([pain(f"2026-03-0{n}", 9) for n in range(1, 6)]))
    assert report.signals == ()
    assert any("Diary pain rule off" in note for note in report.notes)


def test_the_site_rule_fires_once_on_the_third_consecutive_high_day() -> None:
    report = detect(child([pain("2026-03-01", 7), pain("2026-03-02", 8), pain("2026-03-03", 7),
                           pain("2026-03-04", 9)]), diary_rule=RULE)
    assert [(s.kind, s.date) for s in report.signals] == [("diary_pain", D(2026, 3, 3))]
    assert "from 2026-03-01 to 2026-03-03" in report.signals[0].evidence
    assert "Test clinic" in report.signals[0].evidence


def test_a_day_below_the_level_or_left_unanswered_breaks_the_run() -> None:
    below = child([pain("2026-03-01", 7), pain("2026-03-02", 6.9), pain("2026-03-03", 7), pain("2026-03-04", 7)])
    assert detect(below, diary_rule=RULE).signals == ()
    gap = child([pain("2026-03-01", 8), pain("2026-03-02", None), pain("2026-03-03", 8), pain("2026-03-04", 8)])
    assert detect(gap, diary_rule=RULE).signals == ()
    missing_day = child([pain("2026-03-01", 8), pain("2026-03-02", 8), pain("2026-03-04", 8)])
    assert detect(missing_day, diary_rule=RULE).signals == ()


@given(st.lists(st.one_of(st.none(), st.floats(0, 10)), min_size=1, max_size=20))
def test_a_signal_always_ends_a_run_of_answered_days_at_or_above_the_level(pains: list[float | None]) -> None:
    start = D(2026, 1, 1)
    case = child([{"day": (start + dt.timedelta(days=n)).isoformat(), "pain_0_10": p} for n, p in enumerate(pains)])
    for signal in detect(case, diary_rule=RULE).signals:
        end = (signal.date - start).days
        window = pains[end - RULE.consecutive_days + 1:end + 1]
        assert len(window) == RULE.consecutive_days
        assert all(p is not None and p >= RULE.pain_at_least_0_10 for p in window)


def test_the_diary_period_counts_only_the_days_answered() -> None:
    case = child([
        {"day": "2026-03-01", "pain_0_10": 2, "painful_sites": ["tibia"], "school": "whole_missed",
         "medicines_taken": {"m1": True}, "fever": False},
        {"day": "2026-03-02", "pain_0_10": 6, "painful_sites": [], "school": "part_missed",
         "medicines_taken": {"m1": False}, "temperature_c": 38.4, "side_effects": "tummy ache"},
        {"day": "2026-03-03"},
        {"day": "2026-03-09", "pain_0_10": 9}])  # outside the period
    result = diary_period(case, D(2026, 3, 1), D(2026, 3, 7))
    values = {i.id: i.value for i in result.items}
    assert values == {"diary_days": 3, "pain_mean": 4.0, "pain_worst": 6, "painful_site_days": 1,
                      "school_missed_whole": 1, "school_missed_part": 1, "medicines_taken": "1 of 2",
                      "fever_days": 1, "side_effect_days": 1}
    assert result.item("pain_mean").source == "2 of 7 days answered pain"
    assert "Tibia" in (result.item("painful_site_days").source or "")
    assert result.status == "complete"


def test_an_unanswered_period_is_missing_never_zero() -> None:
    result = diary_period(child([{"day": "2026-03-01"}]), D(2026, 3, 1), D(2026, 3, 1))
    values = {i.id: i.value for i in result.items}
    assert values["diary_days"] == 1
    assert all(values[k] is None for k in ("pain_mean", "painful_site_days", "school_missed_whole",
                                           "medicines_taken", "fever_days"))
    assert result.status == "incomplete" and "Fever days" in result.missing
    with pytest.raises(ValueError, match="before it starts"):
        diary_period(child([]), D(2026, 3, 2), D(2026, 3, 1))
