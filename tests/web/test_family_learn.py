"""The education library's pages: for anyone signed in (a parent, a clinician), never anonymously; every
section reachable by its anchor; the sources and review dates shown; search that answers hostile or empty
text with a message and never a 500 (SQLite and PostgreSQL, through ``clinic``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import func, select
from tests.web.conftest import PASSWORD, Clinic, new_patient, sign_in

from cnocare.knowledge.catalogue import sources
from cnocare.knowledge.education import EducationPage, education_library, learn_url
from cnocare.records.accounts.service import create_user
from cnocare.records.db import transaction
from cnocare.records.education.models import EducationSectionRow


@pytest.fixture(scope="module")
def parent_name(clinic: Clinic) -> str:
    with TestClient(clinic.app) as staff:
        child = new_patient(sign_in(staff, "ada"), clinic, name="Lena Learn")
    with transaction(clinic.app.state.web.sessions) as db:
        create_user(db_session=db, data={"username": "lou", "email": "lou@example.org", "display_name": "Lou",
                                         "role": "parent", "patient_ids": [child], "password": PASSWORD})
    return "lou"


@pytest.fixture
def parent(clinic: Clinic, parent_name: str) -> Iterator[TestClient]:
    with TestClient(clinic.app) as client:
        yield sign_in(client, parent_name)


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in_and_back(anonymous: TestClient) -> None:
    for url in ("/family/learn", "/family/learn/medicines", "/family/learn/search?q=fever"):
        response = anonymous.get(url, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=/family/learn")


def test_the_index_lists_every_page_under_its_group(parent: TestClient) -> None:
    html = parent.get("/family/learn").text
    library = education_library()
    for group in library.groups:
        assert f">{group.title}</h2>" in html
        for p in library.in_group(group.id):
            assert f'href="{p.url}"' in html and str(escape(p.summary)) in html
    # In the group's order: a heading comes before its pages, and the next group after them.
    positions = [html.index(f">{g.title}</h2>") for g in library.groups]
    assert positions == sorted(positions)
    assert 'aria-current="page">Learn' in html


@pytest.mark.parametrize("topic", education_library().pages, ids=lambda p: p.id)
def test_each_page_shows_every_section_at_its_anchor_with_its_sources_and_dates(
        parent: TestClient, topic: EducationPage) -> None:
    response = parent.get(topic.url)
    assert response.status_code == 200
    html = response.text
    assert f"<h1>{escape(topic.title)}</h1>" in html
    for s in topic.sections:
        assert f'id="{s.anchor}"' in html
    for key in topic.sources:
        assert str(escape(sources()[key].label)) in html
    assert f"Checked on {topic.reviewed.day} {topic.reviewed.strftime('%B %Y')}" in html
    assert re.search(rf"Next check due by\s+{topic.review_due.day} {topic.review_due.strftime('%B %Y')}", html)
    assert "due for its check" not in html


def test_staff_can_read_the_pages_and_find_their_way_back_to_the_clinic(ada: TestClient) -> None:
    html = ada.get("/family/learn/medicines").text
    assert "Your care team sets the dose" in html
    assert 'href="/">Clinic pages' in html and 'href="/family"' not in html


def test_a_link_from_the_diary_or_plan_lands_on_a_real_section(parent: TestClient) -> None:
    for url in (learn_url("care_plan", "hydrotherapy"), learn_url("diary_answer", "black_stools"),
                learn_url("medicine", "Methotrexate"), learn_url("test", "whole_body_mri")):
        assert url is not None
        path, anchor = url.split("#")
        assert f'id="{anchor}"' in parent.get(path).text


def test_an_unknown_topic_is_a_page_saying_so(parent: TestClient) -> None:
    response = parent.get("/family/learn/no-such-topic")
    assert response.status_code == 404
    assert "There is no page called “no-such-topic”" in response.text


def test_search_shows_matching_sections_with_the_words_marked(parent: TestClient) -> None:
    html = parent.get("/family/learn/search", params={"q": "black stools"}).text
    assert 'href="/family/learn/when-to-get-help#contact-the-team"' in html
    assert "<mark>black</mark>" in html.lower() or "<mark>Black</mark>" in html


@pytest.mark.parametrize(("typed", "said"), [
    ("", "Type a word to search for"),
    ("   ", "Type a word to search for"),
    ('"', "There is nothing to search for in"),
    ("*", "There is nothing to search for in"),
    ("the and of", "There is nothing to search for in"),
    ("NEAR(", "places match “NEAR(”"),  # "near" is a plain word here, found on several pages
    ("zzzzqqq", "No page matches"),
    ('"unterminated AND OR NOT', "No page matches"),
    ("<script>alert(1)</script>", "No page matches"),
])
def test_search_answers_empty_or_hostile_text_with_a_message(parent: TestClient, typed: str, said: str) -> None:
    response = parent.get("/family/learn/search", params={"q": typed})
    assert response.status_code == 200
    assert said in response.text
    assert "<script>alert" not in response.text  # escaped, never echoed as markup


def test_search_text_that_is_long_or_odd_still_gets_a_page(parent: TestClient) -> None:
    for typed in ("fever " * 2000, "x" * 5000, "💥 fever ∑", "%00", "\\"):
        response = parent.get("/family/learn/search", params={"q": typed})
        assert response.status_code == 200, typed[:20]
    # A NUL character is refused at the door for every page (web.input_guard), in words, not a 500.
    refused = parent.get("/family/learn/search", params={"q": "bone\x00pain"})
    assert refused.status_code == 422 and "NUL characters" in refused.text


def test_the_search_form_keeps_what_was_typed(parent: TestClient) -> None:
    html = parent.get("/family/learn/search", params={"q": 'vitamin "D'}).text
    assert 'value="vitamin &#34;D"' in html or 'value="vitamin &quot;D"' in html


def test_the_app_builds_the_search_index_when_it_starts(clinic: Clinic) -> None:
    with clinic.app.state.web.sessions() as db:
        hashes = set(db.scalars(select(EducationSectionRow.content_hash)))
        count = db.scalar(select(func.count()).select_from(EducationSectionRow))
    assert hashes == {education_library().content_hash}
    assert count == sum(len(p.sections) for p in education_library().pages)
