"""Searching the education library on SQLite (FTS5) and PostgreSQL (tsvector + GIN): the rows follow the
library's content hash, every hit lands on a real section, and no text a family types can break a query."""

from __future__ import annotations

import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from cnocare.knowledge.catalogue import read_data_file
from cnocare.knowledge.education import EducationLibrary, education_library
from cnocare.records.db import transaction
from cnocare.records.education.models import EducationSectionRow
from cnocare.records.education.search import (
    MAX_HITS,
    MAX_WORDS,
    EducationHit,
    query_words,
    search_education,
    split_marks,
    sync_education_index,
)

LIBRARY = education_library()
N_SECTIONS = sum(len(p.sections) for p in LIBRARY.pages)

HOSTILE = ['"', "'", "*", "**", "NEAR", "NEAR(bone pain, 2)", "bone NEAR pain", "AND", "OR", "NOT", "bone AND OR",
           '"unterminated', "(", ")", "()", "a:b", "title:bone", "body:*", "^bone", "-bone", "+", "bone*pain",
           "'); DROP TABLE education_sections; --", "&|!", "<->", "fever:*", "{}[]", "\\", "%", "_", "💥", "ÆØÅ",
           "  ", "", "x", "the of and"]


def _resolves(hit: EducationHit) -> bool:
    page = LIBRARY.page(hit.page_id)
    return page is not None and page.section(hit.anchor) is not None and hit.url == (
        f"/family/learn/{hit.page_id}#{hit.anchor}")


def _search(factory: sessionmaker[Session], text: str) -> list[EducationHit]:
    with transaction(factory) as db:
        return search_education(db_session=db, text=text)


def _changed_library() -> EducationLibrary:
    raw = read_data_file("education.yaml")
    raw["pages"][0]["sections"][0]["text"][0] += " Quokkas are not involved."
    return EducationLibrary(**raw)


def test_the_rows_follow_the_librarys_content_and_a_second_sync_does_nothing(
        db_factory: sessionmaker[Session]) -> None:
    with transaction(db_factory) as db:
        sync_education_index(db_session=db)
    with transaction(db_factory) as db:
        assert sync_education_index(db_session=db) is False
        assert db.scalar(select(func.count()).select_from(EducationSectionRow)) == N_SECTIONS
        assert set(db.scalars(select(EducationSectionRow.content_hash))) == {LIBRARY.content_hash}


def test_a_changed_library_rewrites_the_rows_and_search_brings_back_the_shipped_one(
        db_factory: sessionmaker[Session]) -> None:
    changed = _changed_library()
    with transaction(db_factory) as db:
        assert sync_education_index(db_session=db, library=changed) is True
    with db_factory() as db:
        assert set(db.scalars(select(EducationSectionRow.content_hash))) == {changed.content_hash}
        assert db.scalar(select(func.count()).where(EducationSectionRow.body.contains("Quokkas"))) == 1
    # A search first brings the index back to the library this version ships.
    assert _search(db_factory, "quokkas") == []
    with db_factory() as db:
        assert set(db.scalars(select(EducationSectionRow.content_hash))) == {LIBRARY.content_hash}
        assert db.scalar(select(func.count()).select_from(EducationSectionRow)) == N_SECTIONS


def test_two_workers_syncing_at_once_leave_one_complete_index(db_factory: sessionmaker[Session]) -> None:
    with transaction(db_factory) as db:
        sync_education_index(db_session=db, library=_changed_library())
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with transaction(db_factory) as db:
                sync_education_index(db_session=db)
        except BaseException as exc:  # reported below, with the other worker's outcome
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with db_factory() as db:
        assert db.scalar(select(func.count()).select_from(EducationSectionRow)) == N_SECTIONS
        assert set(db.scalars(select(EducationSectionRow.content_hash))) == {LIBRARY.content_hash}


@pytest.mark.parametrize(("typed", "where"), [
    ("black stools", "when-to-get-help#contact-the-team"),
    ("methotrexate", "medicines#methotrexate"),
    ("metho", "medicines#methotrexate"),                        # the start of a word finds it
    ("swelling over the bones", "symptoms#swelling"),          # stemmed: "bones" finds "bone"
    ("whole-body MRI", "scans-and-nerve-tests#whole-body-mri"),
    ("What is an MRI?", "scans-and-nerve-tests#mri"),           # common words are dropped
    ("YOGHURT", "food#eat-more"),
    ("hydrotherapy warm pool", "care-without-medicines#pool-exercise"),
    ("zoledronic acid jaw", "medicines#bisphosphonates"),
    ("live vaccine", "medicines#live-vaccines"),
])
def test_search_finds_the_section_about_it(db_factory: sessionmaker[Session], typed: str, where: str) -> None:
    hits = _search(db_factory, typed)
    assert hits and all(_resolves(h) for h in hits)
    assert where in [f"{h.page_id}#{h.anchor}" for h in hits[:5]], [h.url for h in hits[:5]]


def test_a_hit_marks_the_words_that_matched(db_factory: sessionmaker[Session]) -> None:
    [first, *_] = _search(db_factory, "black stools")
    marked = {text.casefold() for text, matched in first.snippet if matched}
    assert {"black", "stools"} <= marked
    assert "".join(text for text, _ in first.snippet).strip()


def test_when_no_section_has_every_word_sections_with_some_are_shown(db_factory: sessionmaker[Session]) -> None:
    hits = _search(db_factory, "quokka fever")
    assert hits and any(h.anchor == "fever" for h in hits)


@pytest.mark.parametrize("typed", HOSTILE)
def test_hostile_or_empty_text_never_breaks_the_search(db_factory: sessionmaker[Session], typed: str) -> None:
    hits = _search(db_factory, typed)
    assert len(hits) <= MAX_HITS and all(_resolves(h) for h in hits)


def test_text_with_no_words_finds_nothing_without_asking_the_database(db_factory: sessionmaker[Session]) -> None:
    for typed in ("", "   ", '"*"', "the and of", "x"):
        assert query_words(typed) == ()
        assert _search(db_factory, typed) == []


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(typed=st.text(max_size=300))
def test_any_text_at_all_gives_hits_that_land_on_real_sections(db_factory: sessionmaker[Session], typed: str) -> None:
    hits = _search(db_factory, typed)
    assert len(hits) <= MAX_HITS and all(_resolves(h) for h in hits)


@pytest.mark.parametrize(("page", "anchor", "heading"),
                         [(p.id, s.anchor, s.heading) for p in LIBRARY.pages for s in p.sections
                          if query_words(s.heading)],
                         ids=lambda v: str(v)[:30])
def test_every_section_is_found_by_its_heading(db_factory: sessionmaker[Session], page: str, anchor: str,
                                               heading: str) -> None:
    hits = _search(db_factory, heading)
    assert (page, anchor) in [(h.page_id, h.anchor) for h in hits], heading


def test_query_words_are_plain_words_once_each_and_capped() -> None:
    assert query_words('What is "CRMO"?  crmo  NEAR(x-ray)') == ("crmo", "near", "ray")
    assert len(query_words(" ".join(f"word{i}" for i in range(50)))) == MAX_WORDS
    assert query_words("a" * 300 + " fever") == ("a" * 200,)  # only the first 200 characters count


def test_a_marked_passage_splits_into_plain_and_matched_pieces() -> None:
    assert split_marks("deep \u27e6bone\u27e7 pain") == (("deep ", False), ("bone", True), (" pain", False))
    assert split_marks("no marks <b>") == (("no marks <b>", False),)


def test_the_full_text_index_is_what_answers(db_factory: sessionmaker[Session]) -> None:
    """PostgreSQL can answer through the GIN index (forced, since a small table is cheaper to scan);
    SQLite asks the FTS5 table."""
    _search(db_factory, "bone")
    with db_factory() as db:
        if db.get_bind().dialect.name == "postgresql":
            db.execute(text("SET LOCAL enable_seqscan = off"))
            plan = "\n".join(db.scalars(text("EXPLAIN SELECT id FROM education_sections "
                                             "WHERE search_vector @@ to_tsquery('english', 'bone:*')")))
            assert "ix_education_sections_search_vector" in plan, plan
        else:
            rows = db.execute(text("EXPLAIN QUERY PLAN SELECT rowid FROM education_search "
                                   "WHERE education_search MATCH '\"bone\"*'")).all()
            assert any("VIRTUAL TABLE INDEX" in str(r[-1]) for r in rows), rows
