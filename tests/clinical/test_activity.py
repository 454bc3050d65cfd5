"""CHAQ scoring (reference notes §12.3, secondary sources) and the visit activity measures."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnocare.clinical.activity import chaq, visit_measures
from cnocare.clinical.case import Case
from cnocare.clinical.follow_up_snapshot import ActivityAssessment, ChaqAnswers
from cnocare.knowledge.activity import chaq_definition

DAY = dt.date(2026, 3, 1)
DOMAINS = tuple(chaq_definition().domains)
ALL_ITEMS = tuple(chaq_definition().item_ids())


def all_answered(score: str = "0", **changes: str) -> dict[str, str]:
    return {**{i: score for i in ALL_ITEMS}, **changes}


def test_the_questionnaire_has_8_domains_and_30_items() -> None:
    assert len(DOMAINS) == 8 and len(ALL_ITEMS) == 30


def test_a_domain_scores_its_worst_item_and_the_index_is_the_mean_of_domains() -> None:
    # One item "unable" (3) in grip, one "some difficulty" (1) in eating: (3 + 1) / 8 = 0.5.
    result = chaq(ChaqAnswers(date=DAY, answers=all_answered("0", grip_2="3", eating_1="1")))
    assert (result.status, result.score, result.range) == ("complete", 0.5, (0.5, 0.5))
    assert result.classification == "not_classified"


def test_an_aid_raises_the_domain_to_at_least_2() -> None:
    result = chaq(ChaqAnswers(date=DAY, answers=all_answered("0"), aids_or_help=("walking",)))
    assert result.score == 0.25  # walking 0 -> 2; 2 / 8
    assert next(i for i in result.items if i.id == "walking").value == 2


def test_not_applicable_items_are_ignored_and_an_all_na_domain_is_not_counted() -> None:
    items = all_answered("1", **{f"hygiene_{n}": "na" for n in range(1, 6)})
    result = chaq(ChaqAnswers(date=DAY, answers=items))
    assert result.status == "complete" and result.score == 1  # mean of the 7 answered domains


def test_too_few_domains_answered_gives_an_attainable_range_not_a_score() -> None:
    items = {i: "0" for i in ALL_ITEMS if i.split("_")[0] in ("arising", "eating", "walking", "reach", "grip")}
    result = chaq(ChaqAnswers(date=DAY, answers=items))
    assert result.status == "incomplete" and result.score is None
    assert result.range == (0, 1.125)  # three unanswered domains could each be 0..3: 9 / 8
    assert result.missing[0].startswith("at least 6 answered domains (site choice")


def test_an_unknown_item_or_score_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="grip_9"):
        chaq(ChaqAnswers(date=DAY, answers={"grip_9": "1"}))
    with pytest.raises(ValueError, match="grip_1"):
        ChaqAnswers.model_validate({"date": DAY, "answers": {"grip_1": "4"}})


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from(ALL_ITEMS), st.sampled_from(["0", "1", "2", "3", "na"])))
def test_the_index_range_always_lies_within_0_and_3(items: dict[str, str]) -> None:
    result = chaq(ChaqAnswers.model_validate({"date": DAY, "answers": items}))
    assert result.range is not None and 0 <= result.range[0] <= result.range[1] <= 3
    if result.status == "complete":
        assert result.score == result.range[0]


def test_visit_measures_show_the_cdas_components_without_a_composite() -> None:
    case = Case.model_validate({"case_id": "v", "patient": {"sex": "female"}})
    visit = ActivityAssessment(date=DAY, physician_global_0_10=4, patient_global_0_10=6, pain_0_10=5,
                               painful_sites=("tibia", "clavicle"))
    result = visit_measures(visit, case)
    values = {i.id: i.value for i in result.items}
    assert values["clinical_lesion_count"] == 2 and values["physician_global"] == 4
    assert result.score is None and "composite number is not given" in result.explanation
    assert "radiological_lesion_count" in {i.id for i in result.items if i.value is None}


def test_a_global_above_10_is_refused() -> None:
    with pytest.raises(ValueError):
        ActivityAssessment(date=DAY, physician_global_0_10=11)
