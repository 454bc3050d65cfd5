"""The families' education library: every seed topic, cited, searchable, readable by a 12-year-old."""

from __future__ import annotations

import re

import pytest

from cnocare.knowledge.education import EducationPage, education_library

SEED_TOPICS = {"what_is_cno", "types", "causes", "symptoms", "tests", "non_drug_care", "medicines", "supplements",
               "biologics", "surgery", "prevention", "diet", "when_to_seek_help"}


def syllables(word: str) -> int:
    """A plain English syllable estimate: groups of vowels, a silent final e dropped, at least one."""
    word = word.lower()
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups) - (1 if word.endswith("e") and not word.endswith(("le", "ee")) and len(groups) > 1 else 0)
    return max(1, count)


def flesch_kincaid_grade(text: str) -> float:
    sentences = max(1, len(re.findall(r"[.!?]+", text)))
    words = re.findall(r"[A-Za-z']+", text)
    return 0.39 * len(words) / sentences + 11.8 * sum(syllables(w) for w in words) / len(words) - 15.59


def test_every_topic_of_the_seed_article_has_a_page() -> None:
    assert {p.id for p in education_library().topics} == SEED_TOPICS


@pytest.mark.parametrize("page", education_library().topics, ids=lambda p: p.id)
def test_each_page_reads_at_about_a_12_year_olds_level(page: EducationPage) -> None:
    assert flesch_kincaid_grade(page.text) <= 7.0, page.id


def test_the_readability_measure_can_fail() -> None:
    hard = ("Bisphosphonate administration necessitates comprehensive evaluation of calcium homeostasis, "
            "vitamin D sufficiency and renal function prior to intravenous infusion.")
    assert flesch_kincaid_grade(hard) > 12


def test_search_finds_pages_by_words_and_the_title_ranks_first() -> None:
    found = education_library().search("black stools")
    assert found and found[0].id in ("when_to_seek_help", "medicines")
    assert education_library().search("biopsy")[0].id in ("tests", "surgery")
    assert education_library().search("zzzz") == ()


def test_every_page_names_its_sources_and_review_date() -> None:
    assert all(p.sources and p.review_date for p in education_library().topics)
