"""The families' education library (data/education.yaml): pages in plain words with their sources and
review date, and a simple search over them."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache

from pydantic import Field, model_validator

from cnocare.knowledge.catalogue import Frozen, read_data_file, sources


class EducationPage(Frozen):
    id: str
    title: str
    review_date: dt.date
    sources: tuple[str, ...] = Field(min_length=1)
    body: tuple[str, ...] = Field(min_length=1)

    @property
    def text(self) -> str:
        return " ".join(self.body)


class EducationLibrary(Frozen):
    version: str
    topics: tuple[EducationPage, ...]

    @model_validator(mode="after")
    def _cited(self) -> EducationLibrary:
        for page in self.topics:
            unknown = [s for s in page.sources if s not in sources()]
            if unknown:
                raise ValueError(f"education.yaml: {page.id} cites unknown source {unknown[0]!r}")
        if len({p.id for p in self.topics}) != len(self.topics):
            raise ValueError("education.yaml: duplicate topic id")
        return self

    def search(self, query: str) -> tuple[EducationPage, ...]:
        """Pages holding every word of the query (case and accents of the query ignored), best first."""
        words = [w for w in re.findall(r"[a-z0-9]+", query.lower()) if len(w) > 1]
        if not words:
            return ()
        scored = []
        for page in self.topics:
            hay = (page.title + " " + page.text).lower()
            if all(w in hay for w in words):
                scored.append((sum(hay.count(w) for w in words) + 5 * sum(w in page.title.lower() for w in words),
                               page))
        return tuple(p for _, p in sorted(scored, key=lambda sp: -sp[0]))


@cache
def education_library() -> EducationLibrary:
    return EducationLibrary(**read_data_file("education.yaml"))
