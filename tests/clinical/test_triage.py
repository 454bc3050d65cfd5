"""Diary triage against the seed article's "when to see a doctor or seek urgent help" list."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnocare.clinical.triage import DiaryAnswers, triage
from cnocare.knowledge.triage import TriageRule, triage_rules

DAY = dt.date(2026, 3, 2)
ANSWERS = tuple(r.answer for r in triage_rules().rules)


def entry(**signs: bool) -> DiaryAnswers:
    return DiaryAnswers(day=DAY, warning_signs=signs)


@pytest.mark.parametrize("rule", triage_rules().rules, ids=lambda r: r.id)
def test_each_warning_sign_gives_its_level(rule: TriageRule) -> None:
    result = triage(entry(**{rule.answer: True}))
    assert result.level == rule.level and rule.family in result.family_reasons


def test_emergency_wins_and_names_the_centres_number() -> None:
    result = triage(entry(new_fever_or_chills=True, new_weakness_or_numbness=True), emergency_number="999")
    assert result.level == "emergency" and "call 999" in result.instruction


def test_a_temperature_from_the_fever_threshold_is_a_new_fever_unless_yesterday_was_febrile() -> None:
    today = DiaryAnswers(day=DAY, temperature_c=38.4)
    assert triage(today).level == "contact_team"
    yesterday = DiaryAnswers(day=DAY - dt.timedelta(days=1), temperature_c=38.6)
    assert triage(today, yesterday).level == "routine"


def test_a_new_painful_site_since_the_last_entry_is_spreading_pain() -> None:
    before = DiaryAnswers(day=DAY - dt.timedelta(days=1), painful_sites=("tibia",))
    now = DiaryAnswers(day=DAY, painful_sites=("tibia", "femur"))
    result = triage(now, before)
    assert result.level == "contact_team" and any("Femur" in s for s in result.staff_reasons)


def test_nothing_answered_is_routine_but_lists_every_question_as_unanswered() -> None:
    result = triage(entry())
    assert result.level == "routine" and len(result.unanswered) == len(ANSWERS)


def test_an_unknown_warning_sign_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="warning sign 'headache'"):
        triage(entry(headache=True))


@given(st.dictionaries(st.sampled_from(ANSWERS), st.booleans()))
def test_all_no_is_routine_and_any_yes_is_never_routine(signs: dict[str, bool]) -> None:
    level = triage(entry(**signs)).level
    assert (level == "routine") == (not any(signs.values()))


def test_a_fever_the_family_reports_without_a_reading_is_a_new_fever_unless_it_was_there_yesterday() -> None:
    today = DiaryAnswers(day=DAY, fever=True)
    result = triage(today)
    assert result.level == "contact_team" and "the family reports a fever" in result.staff_reasons
    assert triage(today, DiaryAnswers(day=DAY - dt.timedelta(days=1), fever=True)).level == "routine"
    assert triage(DiaryAnswers(day=DAY, fever=False)).level == "routine"


# The list of signs (from the seed article's "when to see a doctor or seek urgent help"): each has
# a rule at the stated level, and every rule cites a known source with its verification status.
SEED_SIGNS = {
    "emergency": ("new_weakness_or_numbness", "bladder_or_bowel_problems", "suddenly_cannot_walk",
                  "severe_breathing_problems", "lost_consciousness", "thoughts_of_not_wanting_to_live"),
    "contact_team": ("new_fever_or_chills", "new_or_spreading_pain", "new_deformity_or_shortening",
                     "severe_stomach_pain", "black_stools", "yellow_eyes", "unusual_bruising_or_bleeding",
                     "chest_pain", "shortness_of_breath"),
}


@pytest.mark.parametrize(("level", "answer"), [(lv, a) for lv, answers in SEED_SIGNS.items() for a in answers])
def test_every_sign_of_the_seed_list_has_a_cited_rule_at_its_level(level: str, answer: str) -> None:
    from cnocare.knowledge.catalogue import sources

    rules = triage_rules()
    rule = next((r for r in rules.rules if r.answer == answer), None)
    assert rule is not None, f"no triage rule for {answer}"
    assert rule.level == level and rule.status and rules.source in sources()
