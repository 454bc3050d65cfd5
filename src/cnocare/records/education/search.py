"""Searching the families' education library: SQLite FTS5 or PostgreSQL full-text search behind one function.

A family's words never reach the search engine's query language. The text is cut into plain words (letters
and digits only), common words are dropped, and each word becomes a quoted prefix term, so quotes, ``*``,
``NEAR``, ``AND``/``OR``/``NOT``, brackets, colons or a NUL byte can neither break the query nor change its
meaning. Every word must match; when no section holds them all, sections holding any of them are shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import delete, distinct, func, insert, select, text
from sqlalchemy.orm import Session

from cnocare.knowledge.education import LEARN_PATH, EducationLibrary, education_library
from cnocare.records.education.models import FTS_TABLE, TABLE, EducationSectionRow

MAX_QUERY_CHARS = 200  # a search box, not a document: longer text is cut here
MAX_WORDS = 8
MAX_HITS = 20
# Words too common to help find a page ("what is CNO" searches for "cno"), dropped on both databases;
# PostgreSQL's English configuration drops its own list as well.
STOP_WORDS = frozenset((
    "a", "about", "am", "an", "and", "are", "as", "at", "be", "but", "by", "can", "do", "does", "for", "from", "get",
    "had", "has", "have", "how", "i", "if", "in", "into", "is", "it", "its", "me", "my", "no", "not", "of", "on",
    "or", "so", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "to", "too", "up",
    "was", "we", "were", "what", "when", "where", "which", "who", "why", "will", "with", "you", "your",
))
# Marks around the matched words in a snippet: characters no page uses, split out again before display.
MARK_START, MARK_END = "\u27e6", "\u27e7"
# One key for PostgreSQL's advisory lock, so two workers starting together rebuild the rows one at a time.
_SYNC_LOCK_KEY = 4_211_207_002

Join = Literal["all", "any"]


@dataclass(frozen=True)
class EducationHit:
    page_id: str
    page_title: str
    anchor: str
    heading: str
    # The matching passage: (text, True for a matched word); text, not HTML, so the page escapes it.
    snippet: tuple[tuple[str, bool], ...]

    @property
    def url(self) -> str:
        return f"{LEARN_PATH}/{self.page_id}#{self.anchor}"


def query_words(text_: str) -> tuple[str, ...]:
    """The plain words a search looks for, in order, once each; () when nothing searchable was typed.
    A single letter is no word ("x" in "x-ray" would match every X; "ray" finds the page)."""
    found: list[str] = []
    for word in re.findall(r"[^\W_]+", text_[:MAX_QUERY_CHARS].casefold()):
        if len(word) > 1 and word not in STOP_WORDS and word not in found:
            found.append(word)
    return tuple(found[:MAX_WORDS])


def search_education(*, db_session: Session, text: str, limit: int = MAX_HITS) -> list[EducationHit]:
    """Sections matching ``text``, best first ([] for an empty, stop-word-only or unmatched query).

    Brings the index up to date with the library first (see ``sync_education_index``); the caller commits.
    """
    words = query_words(text)
    if not words:
        return []
    sync_education_index(db_session=db_session)
    search = _search_postgresql if db_session.get_bind().dialect.name == "postgresql" else _search_sqlite
    hits = search(db_session, words, "all", limit)
    if not hits and len(words) > 1:
        hits = search(db_session, words, "any", limit)
    return hits


def sync_education_index(*, db_session: Session, library: EducationLibrary | None = None) -> bool:
    """Rewrite the rows (and the full-text index) unless they already hold this library's content hash.
    Idempotent and safe when two workers start together; True when it rewrote. Flushes, never commits."""
    library = library or education_library()
    wanted = library.content_hash
    if set(db_session.scalars(select(distinct(EducationSectionRow.content_hash)))) == {wanted}:
        return False
    postgres = db_session.get_bind().dialect.name == "postgresql"
    if postgres:
        db_session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SYNC_LOCK_KEY})
    # On SQLite this first write takes the database's write lock (waiting its busy timeout), so a second
    # worker arrives after the first has committed and finds the rows done.
    stale = db_session.execute(delete(EducationSectionRow).where(EducationSectionRow.content_hash != wanted))
    rows = _rows(library)
    have = db_session.scalar(select(func.count()).where(EducationSectionRow.content_hash == wanted))
    if have == len(rows) and not getattr(stale, "rowcount", 0):
        return False
    db_session.execute(delete(EducationSectionRow))
    db_session.execute(insert(EducationSectionRow), rows)
    if postgres:
        db_session.execute(text(
            f"UPDATE {TABLE} SET search_vector = setweight(to_tsvector('english', page_title), 'A') || "
            "setweight(to_tsvector('english', heading), 'B') || to_tsvector('english', body)"))
    else:
        db_session.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')"))
    db_session.flush()
    return True


def _rows(library: EducationLibrary) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for page in library.pages:
        for section in page.sections:
            rows.append({"page_id": page.id, "anchor": section.anchor, "position": len(rows),
                         "page_title": page.title, "heading": section.heading, "body": section.plain_text,
                         "content_hash": library.content_hash})
    return rows


def _search_sqlite(db_session: Session, words: tuple[str, ...], join: Join, limit: int) -> list[EducationHit]:
    # Each word a quoted string (FTS5 then reads NEAR, AND, * inside it as plain letters), as a prefix.
    match = (" " if join == "all" else " OR ").join(f'"{w}"*' for w in words)
    result = db_session.execute(text(
        f"SELECT s.page_id, s.page_title, s.anchor, s.heading, "
        f"snippet({FTS_TABLE}, 2, :start, :end, '…', 24) AS passage "
        f"FROM {FTS_TABLE} JOIN {TABLE} s ON s.id = {FTS_TABLE}.rowid "
        f"WHERE {FTS_TABLE} MATCH :match "
        f"ORDER BY bm25({FTS_TABLE}, 8.0, 4.0, 1.0), s.position LIMIT :limit"),
        {"match": match, "start": MARK_START, "end": MARK_END, "limit": limit})
    return [_hit(*row) for row in result]


def _search_postgresql(db_session: Session, words: tuple[str, ...], join: Join, limit: int) -> list[EducationHit]:
    # Quoted lexemes with the prefix mark; to_tsquery stems them and drops stop words. The passage marks any
    # of the words: with "all", ts_headline would mark none when the body alone lacks one of them.
    terms = [f"'{w}':*" for w in words]
    options = f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords=30, MinWords=12"
    result = db_session.execute(text(
        f"SELECT s.page_id, s.page_title, s.anchor, s.heading, "
        f"ts_headline('english', s.body, to_tsquery('english', :any), :options) AS passage "
        f"FROM {TABLE} s, to_tsquery('english', :query) AS q(query) "
        f"WHERE s.search_vector @@ q.query "
        f"ORDER BY ts_rank(s.search_vector, q.query) DESC, s.position LIMIT :limit"),
        {"query": (" & " if join == "all" else " | ").join(terms), "any": " | ".join(terms), "options": options,
         "limit": limit})
    return [_hit(*row) for row in result]


def _hit(page_id: str, page_title: str, anchor: str, heading: str, passage: str) -> EducationHit:
    return EducationHit(page_id=page_id, page_title=page_title, anchor=anchor, heading=heading,
                        snippet=split_marks(passage))


def split_marks(passage: str) -> tuple[tuple[str, bool], ...]:
    """A marked passage as (text, matched) pieces."""
    pieces: list[tuple[str, bool]] = []
    for part in re.split(f"({MARK_START}.*?{MARK_END})", passage):
        if part.startswith(MARK_START) and part.endswith(MARK_END):
            pieces.append((part[1:-1], True))
        elif part:
            pieces.append((part, False))
    return tuple(pieces)
