"""The families' education library (data/education.yaml): pages in plain words, in sections with their own
anchor, each page with its sources and review dates, and the map from the clinic's ids (a care-plan
therapy, a work-up test, a medicine, a triage rule, a diary question...) to the section about it.

``learn_url(kind, key)`` is what other pages call to link a diary result or a care-plan item to its page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from functools import cache, cached_property
from typing import Literal, get_args

from pydantic import Field, model_validator

from cnocare.knowledge.catalogue import Frozen, read_data_file, sources
from cnocare.knowledge.medicines import medicine, medicine_catalogue
from cnocare.knowledge.triage import triage_rules
from cnocare.knowledge.workup import test_definitions

# Where the family portal serves the library; the page's id and the section's anchor follow.
LEARN_PATH = "/family/learn"

LinkKind = Literal["care_plan", "procedure", "test", "lab", "imaging", "medicine", "triage_rule", "diary_answer",
                   "symptom"]
LINK_KINDS: tuple[str, ...] = get_args(LinkKind)

_SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class Covers(Frozen):
    """The clinic's ids whose family explanation is this section (each id has one home in the library)."""

    care_plan: tuple[str, ...] = ()   # clinical.vocabulary.CarePlanTherapy
    procedures: tuple[str, ...] = ()  # clinical.vocabulary.ProcedureKind
    tests: tuple[str, ...] = ()       # workup_tests.yaml
    imaging: tuple[str, ...] = ()     # clinical.vocabulary.Modality
    medicines: tuple[str, ...] = ()   # medicines.yaml
    triage: tuple[str, ...] = ()      # triage.yaml rule ids
    symptoms: tuple[str, ...] = ()    # clinical.vocabulary.SymptomKind
    diary: tuple[str, ...] = ()       # diary questions that are not warning signs (clinical.triage.DiaryAnswers)

    def ids(self) -> tuple[tuple[str, str], ...]:
        return tuple((name, key) for name in type(self).model_fields for key in getattr(self, name))


class Section(Frozen):
    anchor: str = Field(pattern=_SLUG)
    heading: str = Field(min_length=1)
    text: tuple[str, ...] = Field(min_length=1)
    points: tuple[str, ...] = ()
    covers: Covers = Covers()

    @property
    def plain_text(self) -> str:
        """The section as one run of sentences (a point without a full stop gets one), for search."""
        return " ".join(p if p.endswith((".", "!", "?", ":")) else p + "." for p in (*self.text, *self.points))


class EducationPage(Frozen):
    id: str = Field(pattern=_SLUG)
    group: str
    title: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    reviewed: dt.date
    review_due: dt.date
    sources: tuple[str, ...] = Field(min_length=1)
    sections: tuple[Section, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> EducationPage:
        if self.review_due <= self.reviewed:
            raise ValueError(f"{self.id}: review_due {self.review_due} is not after reviewed {self.reviewed}")
        anchors = [s.anchor for s in self.sections]
        if len(set(anchors)) != len(anchors):
            raise ValueError(f"{self.id}: two sections share an anchor")
        return self

    @property
    def url(self) -> str:
        return f"{LEARN_PATH}/{self.id}"

    def section(self, anchor: str) -> Section | None:
        return next((s for s in self.sections if s.anchor == anchor), None)

    def overdue(self, today: dt.date) -> bool:
        return today > self.review_due


class Group(Frozen):
    id: str
    title: str


class SectionRef(Frozen):
    page: EducationPage
    section: Section

    @property
    def url(self) -> str:
        return f"{self.page.url}#{self.section.anchor}"


class EducationLibrary(Frozen):
    version: str
    groups: tuple[Group, ...]
    pages: tuple[EducationPage, ...]

    @model_validator(mode="after")
    def _cited_and_linked(self) -> EducationLibrary:
        groups = {g.id for g in self.groups}
        if len({p.id for p in self.pages}) != len(self.pages):
            raise ValueError("education.yaml: two pages share an id")
        homes: dict[tuple[str, str], str] = {}
        for page in self.pages:
            unknown = [s for s in page.sources if s not in sources()]
            if unknown:
                raise ValueError(f"education.yaml: {page.id} cites unknown source {unknown[0]!r}")
            if page.group not in groups:
                raise ValueError(f"education.yaml: {page.id} is in unknown group {page.group!r}")
            for section in page.sections:
                for key in section.covers.ids():
                    if key in homes:
                        raise ValueError(f"education.yaml: {key[0]} {key[1]!r} is covered by both {homes[key]} and "
                                         f"{page.id}#{section.anchor}")
                    homes[key] = f"{page.id}#{section.anchor}"
        _known_to_knowledge(homes)
        return self

    def page(self, page_id: str) -> EducationPage | None:
        return next((p for p in self.pages if p.id == page_id), None)

    def in_group(self, group_id: str) -> tuple[EducationPage, ...]:
        return tuple(p for p in self.pages if p.group == group_id)

    @property
    def content_hash(self) -> str:
        """A fingerprint of every page's words and dates: the search index is rebuilt when it changes."""
        canonical = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def home(self, covers_field: str, key: str) -> SectionRef | None:
        return self._homes.get((covers_field, key))

    @cached_property
    def _homes(self) -> dict[tuple[str, str], SectionRef]:
        return {key: SectionRef(page=p, section=s) for p in self.pages for s in p.sections for key in s.covers.ids()}


def _known_to_knowledge(homes: dict[tuple[str, str], str]) -> None:
    """Ids this layer can check (tests, medicines, triage rules); the core's vocabularies (therapies,
    procedures, symptoms, modalities, diary questions) are held to the library by the tests."""
    known = {"tests": {t.id for t in test_definitions()}, "medicines": set(medicine_catalogue().medicines),
             "triage": {r.id for r in triage_rules().rules}}
    for (field, key), where in homes.items():
        if field in known and key not in known[field]:
            raise ValueError(f"education.yaml: {where} covers unknown {field} id {key!r}; accepted: "
                             f"{', '.join(sorted(known[field]))}")


@cache
def education_library() -> EducationLibrary:
    return EducationLibrary(**read_data_file("education.yaml"))


def section_for(kind: LinkKind, key: str) -> SectionRef | None:
    """The section that explains ``key`` to a family, or None when the library has none.

    kinds: ``care_plan`` (a therapy id), ``procedure``, ``test`` (a work-up test), ``lab`` (a lab-catalogue
    test, through the work-up test that names it), ``imaging`` (a modality), ``medicine`` (id, label or alias
    of the catalogue), ``triage_rule`` (a rule id), ``diary_answer`` (a warning-sign answer or a diary
    question), ``symptom``.
    """
    library = education_library()
    if kind == "medicine":
        found = medicine(key)
        return library.home("medicines", found.id) if found else None
    if kind == "lab":
        test = next((t for t in test_definitions() if key in t.labs), None)
        return library.home("tests", test.id) if test else None
    if kind == "diary_answer":
        rule = next((r for r in triage_rules().rules if r.answer == key), None)
        return library.home("triage", rule.id) if rule else library.home("diary", key)
    field = {"care_plan": "care_plan", "procedure": "procedures", "test": "tests", "imaging": "imaging",
             "triage_rule": "triage", "symptom": "symptoms"}[kind]
    return library.home(field, key)


def learn_url(kind: LinkKind, key: str) -> str | None:
    """``/family/learn/<page>#<anchor>`` for ``key``, or None (show no link) when the library has no section."""
    ref = section_for(kind, key)
    return ref.url if ref else None
