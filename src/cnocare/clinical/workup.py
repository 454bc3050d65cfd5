"""The exclusion work-up: proven mimics first, red flags for the dangerous mimics over the whole
course, which tests are done, pending or advisable, and one statement about bone biopsy that the
Bristol result quotes too (data: red_flags.yaml, workup_tests.yaml). Flags are prompts for a person;
they never clear a child on their own, and the wording supports a decision, it never orders one.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from cnocare.clinical.criteria import bristol
from cnocare.clinical.criteria.common import check_names
from cnocare.clinical.criteria.points import evaluate
from cnocare.clinical.facts import CaseFacts
from cnocare.clinical.features import feature, proven_mimics
from cnocare.clinical.logic import Evidence, all_of
from cnocare.knowledge.catalogue import Verification, lab_tests, label
from cnocare.knowledge.instruments import Predicate, names_in
from cnocare.knowledge.workup import (
    Category,
    RedFlagDefinition,
    TestDefinition,
    caution_definitions,
    red_flag_definitions,
    test_definitions,
)

BiopsyStatement = Literal["needed", "advisable", "not_needed_if_typical", "done", "undetermined", "not_applicable"]

BIOPSY_LABELS: dict[str, str] = {
    "needed": "biopsy recommended",
    "advisable": "biopsy advisable",
    "not_needed_if_typical": "biopsy could be deferred",
    "done": "biopsy done",
    "undetermined": "not yet decidable",
    "not_applicable": "another diagnosis is proven",
}


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RedFlag(Frozen):
    id: str
    label: str
    category: Category
    severity: Literal["urgent", "caution"]
    evidence: str
    source: str
    status: Verification


TestState = Literal["done", "pending", "advisable", "optional"]


class TestStatus(Frozen):
    id: str
    label: str
    status: TestState
    detail: str


class WorkupResult(Frozen):
    proven_mimics: tuple[str, ...] = ()
    red_flags: tuple[RedFlag, ...]
    cleared_flags: tuple[RedFlag, ...] = ()
    unanswered_screens: tuple[str, ...] = ()
    cautions: tuple[str, ...] = ()
    tests: tuple[TestStatus, ...]
    biopsy: BiopsyStatement
    biopsy_label: str = ""
    biopsy_reason: str
    malignancy_not_excluded: bool
    infection_not_excluded: bool


@cache
def checked_flags() -> tuple[RedFlagDefinition, ...]:
    """The red flags, with every fact they name checked against the core."""
    flags = red_flag_definitions()
    check_names("knowledge/data/red_flags.yaml", names_in([p for f in flags for p in f.when_all]))
    caution_definitions()
    return flags


def _evaluate_flags(facts: CaseFacts) -> list[tuple[RedFlagDefinition, Evidence]]:
    out = []
    for d in checked_flags():
        parts = [evaluate(p, facts) for p in d.when_all]
        whole = all_of(*parts)
        evidence = "; ".join(p.source for p in parts if p.source) or d.label
        out.append((d, Evidence(whole.value, evidence, whole.missing)))
    return out


def _flag(d: RedFlagDefinition, ev: Evidence) -> RedFlag:
    return RedFlag(id=d.id, label=d.label, category=d.category, severity=d.severity, evidence=ev.source or d.label,
                   source=d.source, status=d.status)


def red_flags(facts: CaseFacts) -> tuple[RedFlag, ...]:
    return tuple(_flag(d, ev) for d, ev in _evaluate_flags(facts) if ev.value is True)


def _exclusion_day(facts: CaseFacts, kind: str) -> dt.date | Literal[False] | None:
    """The day ``kind`` was documented as excluded; None if undated; False if it is not excluded."""
    if feature(facts, f"{kind}_confirmed").value is not False:
        return False
    days = [a.date for a in facts.case.alternative_diagnoses if a.kind == kind and a.status == "excluded"]
    dated = [d for d in days if d is not None]
    return max(dated) if dated and len(dated) == len(days) else None


def assess(course: CaseFacts, presentation: CaseFacts | None = None) -> WorkupResult:
    """``course``: the whole record (red flags); ``presentation``: the diagnostic window (biopsy advice)."""
    presentation = presentation or course.presentation()
    evaluated = _evaluate_flags(course)
    raised = [(d, ev) for d, ev in evaluated if ev.value is True]
    active, cleared = _clear_after_exclusion(course, raised)
    flags = tuple(_flag(d, ev) for d, ev in active)
    unanswered = tuple(dict.fromkeys(m for d, ev in evaluated if d.screen and ev.value is None for m in ev.missing))
    mimics = tuple(proven_mimics(course))
    biopsy, reason = biopsy_statement(presentation, flags, unanswered, mimics)
    tests = tuple(_test_status(t, course, flags, biopsy) for t in test_definitions())
    ids = {f.id for f in flags}
    cautions = tuple(c.text for c in caution_definitions() if ids & set(c.when_any_flag) and not mimics)
    return WorkupResult(
        proven_mimics=mimics, red_flags=flags, cleared_flags=tuple(cleared), unanswered_screens=unanswered,
        cautions=cautions, tests=tests, biopsy=biopsy, biopsy_label=BIOPSY_LABELS[biopsy], biopsy_reason=reason,
        malignancy_not_excluded=_not_excluded(course, flags, "malignancy"),
        infection_not_excluded=_not_excluded(course, flags, "infection"),
    )


def _clear_after_exclusion(course: CaseFacts, raised: list[tuple[RedFlagDefinition, Evidence]]
                           ) -> tuple[list[tuple[RedFlagDefinition, Evidence]], list[RedFlag]]:
    """A flag stays up, with its date, until its mimic is documented as excluded; a flag raised again by
    results after the exclusion stays up."""
    active, cleared = [], []
    for d, ev in raised:
        kinds = ("malignancy", "infection") if d.category == "both" else (d.category,)
        days = [_exclusion_day(course, k) for k in kinds]
        if any(day is False for day in days):
            active.append((d, ev))
            continue
        dated = [day for day in days if isinstance(day, dt.date)]
        if len(dated) == len(days):
            later = all_of(*(evaluate(p, course.after(max(dated))) for p in d.when_all))
            if later.value is True:
                active.append((d, ev))
                continue
        kinds_text = " and ".join(kinds)
        cleared.append(_flag(d, Evidence(True, f"{ev.source}; cleared: {kinds_text} documented as excluded")))
    return active, cleared


def malignancy_flag_labels(flags: tuple[RedFlag, ...]) -> tuple[str, ...]:
    return tuple(f.label for f in flags if f.category in ("malignancy", "both") and f.severity == "urgent")


def _not_excluded(facts: CaseFacts, flags: tuple[RedFlag, ...], kind: str) -> bool:
    """A flag of this kind is up and the diagnosis is not documented as excluded."""
    relevant = [f for f in flags if f.category in (kind, "both") and f.severity == "urgent"]
    if not relevant:
        return False
    return feature(facts, f"{kind}_confirmed").value is not False


def biopsy_statement(facts: CaseFacts, flags: tuple[RedFlag, ...], unanswered: tuple[str, ...],
                     mimics: tuple[str, ...] = ()) -> tuple[BiopsyStatement, str]:
    """The one biopsy statement of the record, read from the presentation and the course's flags."""
    if mimics:
        return "not_applicable", ("Another diagnosis is proven (" + "; ".join(mimics) + "): the CNO criteria "
                                  "do not apply and the biopsy question is for that diagnosis.")
    if facts.case.biopsies:
        last = max(facts.case.biopsies, key=lambda b: b.date)
        culture = {"negative": "no growth", "positive": "culture positive", "pending": "culture awaited",
                   "not_done": "no culture taken", None: "culture not reported"}[last.culture]
        return "done", f"Bone biopsy done on {last.date.isoformat()} ({culture})."
    if not facts.lesions:
        return "undetermined", "No lesion recorded on imaging yet: the need for a biopsy cannot be judged."
    urgent = [f.label for f in flags if f.severity == "urgent"]
    if urgent:
        return "needed", ("Biopsy is recommended (Zhao, Laxer and Ferguson 2017; published mimic cases) because of: "
                          + "; ".join(urgent) + ". Histology and bacterial, fungal and mycobacterial culture.")
    cut = _biopsy_crp_rule()
    if evaluate(cut, facts).value is True:
        return "needed", (f"Biopsy is recommended by the Bristol criteria: CRP of {cut.value:g} {cut.unit} or more "
                          "in the diagnostic window (criterion 2 applies).")
    caution = [f.label for f in flags if f.severity == "caution"]
    if caution:
        return "advisable", ("Biopsy advisable: caution flag(s) up (" + "; ".join(caution) + "), so the criteria "
                             "that allow deferring a biopsy do not apply yet.")
    crp_missing = evaluate(cut, facts).missing
    if unanswered or crp_missing:
        asks = ", ".join(dict.fromkeys((*unanswered, *crp_missing)))
        return "undetermined", ("Not yet decidable: the criteria would allow deferring biopsy only when every "
                                f"red-flag screen is recorded and negative. Still to record: {asks}.")
    typical = [feature(facts, "carra_typical_distribution"), feature(facts, "associated_condition")]
    if any(t.value is True for t in typical):
        why = "; ".join(t.source for t in typical if t.value is True and t.source)
        return "not_needed_if_typical", (f"The criteria would allow deferring biopsy ({why}; every red-flag screen "
                                         "recorded and negative; CARRA 2018, Zhao/Laxer/Ferguson 2017). Revisit if "
                                         "the course becomes atypical.")
    return "advisable", ("Biopsy advisable: the distribution is not the typical one that allows deferring it "
                         "(clavicle, or symmetric long-bone metaphyseal/epiphyseal lesions) and no psoriasis, "
                         "palmoplantar pustulosis or IBD is recorded.")


@cache
def _biopsy_crp_rule() -> Predicate:
    """CRP at or above the Bristol criteria's boundary sends a child to biopsy. The boundary is read from
    the Bristol definition (its "CRP below ..." item), so the number lives in one data file only."""
    below = next(i.when for i in bristol.definition().items if i.id == "crp_below_30_mg_l")
    return Predicate(measure=below.measure, op=">=", value=below.value, unit=below.unit)


def _test_status(t: TestDefinition, facts: CaseFacts, flags: tuple[RedFlag, ...], biopsy: str) -> TestStatus:
    labs = [r for r in facts.case.labs if r.test in t.labs]
    if t.labs and labs:
        done = {r.test for r in labs if r.result != "pending"}
        if set(t.labs) <= done or (t.id == "autoimmune_panel" and done):
            return TestStatus(id=t.id, label=t.label, status="done", detail=_latest_detail(labs))
        if any(r.result == "pending" for r in labs):
            return TestStatus(id=t.id, label=t.label, status="pending", detail="ordered, result awaited")
    if t.imaging and any(s.modality in t.imaging for s in facts.case.imaging):
        last = max((s for s in facts.case.imaging if s.modality in t.imaging), key=lambda s: s.date)
        return TestStatus(id=t.id, label=t.label, status="done", detail=f"{label('modalities', last.modality)} "
                                                                          f"{last.date.isoformat()}")
    if t.biopsy and facts.case.biopsies:
        return TestStatus(id=t.id, label=t.label, status="done", detail=f"biopsy {facts.case.biopsies[-1].date}")
    advisable = _advisable(t.advisable, facts, flags, biopsy)
    detail = t.detail or ""
    if advisable and t.labs and labs:
        detail = (detail + "; " if detail else "") + "partly done: " + _latest_detail(labs)
    return TestStatus(id=t.id, label=t.label, status="advisable" if advisable else "optional", detail=detail)


def _advisable(rule: str | dict[str, Any], facts: CaseFacts, flags: tuple[RedFlag, ...], biopsy: str) -> bool:
    if rule == "always":
        return True
    if rule == "optional":
        return False
    assert isinstance(rule, dict)
    if "feature" in rule:
        return feature(facts, rule["feature"]).value is True
    if "any_flag_category" in rule:
        return any(f.category in (rule["any_flag_category"], "both") for f in flags)
    if "any_flag" in rule:
        return any(f.id in rule["any_flag"] for f in flags)
    if "not_excluded" in rule:
        return feature(facts, f"{rule['not_excluded']}_confirmed").value is not False
    if "biopsy" in rule:
        return biopsy in ("needed", "advisable")
    raise ValueError(f"workup_tests.yaml: unknown advisable rule {rule!r}")


def _latest_detail(labs: list[Any]) -> str:
    last = max(labs, key=lambda r: r.date)
    return f"latest {lab_tests()[last.test].name} {last.date.isoformat()}"
