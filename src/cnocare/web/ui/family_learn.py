"""The families' education library: /family/learn (the topics, grouped), a page per topic, and search.

Readable by anyone signed in (families, and staff who want to see what families read), never anonymously:
these pages are part of the family portal, linked from a child's diary and plan; a search can say something
about a child's health, so it stays inside a signed-in session like every other family page. Nothing here
is patient data, so nothing here is an audited read. Pages print cleanly (family.css and learn.css drop the
navigation, the search form and every button).
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from cnocare.knowledge.catalogue import sources
from cnocare.knowledge.education import education_library
from cnocare.records.clock import utcnow
from cnocare.records.db import transaction
from cnocare.records.education.search import MAX_QUERY_CHARS, EducationHit, query_words, search_education
from cnocare.web.context import Ctx
from cnocare.web.ui.deps import User
from cnocare.web.ui.render import page

router = APIRouter(include_in_schema=False)


@router.get("/family/learn", response_class=HTMLResponse)
def learn_index(request: Request, user: User) -> Response:
    library = education_library()
    groups = [(g, library.in_group(g.id)) for g in library.groups]
    return page(request, "family/learn/index.html", {"groups": groups, "section": "learn", "q": ""})


@router.get("/family/learn/search", response_class=HTMLResponse)
def learn_search(request: Request, user: User, ctx: Ctx, q: str = "") -> Response:
    shown = q[:MAX_QUERY_CHARS]
    hits: list[EducationHit] = []
    if not q.strip():
        message = "Type a word to search for, for example “MRI”, “fever” or “school”."
    elif not query_words(q):
        message = (f"There is nothing to search for in “{shown}”. Type a word, for example “blood test” or "
                   "“vitamin D”.")
    else:
        # A transaction, not the request's read session: the first search after the library changed
        # brings the search index up to date, and that is kept.
        with transaction(ctx.sessions) as db:
            hits = search_education(db_session=db, text=q)
        message = "" if hits else (f"No page matches “{shown}”. Try fewer or shorter words, or look through "
                                   "the topics.")
    return page(request, "family/learn/search.html", {"q": shown, "hits": hits, "message": message,
                                                      "section": "learn"})


@router.get("/family/learn/{page_id}", response_class=HTMLResponse)
def learn_page(request: Request, user: User, page_id: str) -> Response:
    library = education_library()
    topic = library.page(page_id)
    if topic is None:
        raise HTTPException(404, f"There is no page called “{page_id[:80]}”. All the topics are at /family/learn.")
    cited = [sources()[key] for key in topic.sources]
    group = next(g for g in library.groups if g.id == topic.group)
    return page(request, "family/learn/page.html", {
        "topic": topic, "group": group, "cited": cited, "overdue": topic.overdue(utcnow().date()),
        "section": "learn", "q": ""})
