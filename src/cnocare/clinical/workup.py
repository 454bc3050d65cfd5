"""The exclusion work-up: red flags for the dangerous mimics, which tests are done, pending or
advisable, and a plain statement of whether a bone biopsy is needed (data: red_flags.yaml,
workup_tests.yaml). Flags are prompts for a person; they never clear a child on their own.
"""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from cnocare.clinical.criteria import bristol
from cnocare.clinical.criteria.definition import Predicate
from cnocare.clinical.criteria.points import evaluate
from cnocare.clinical.facts import CaseFacts
from cnocare.clinical.logic import all_of
from cnocare.knowledge.catalogue import Verification, read_data_file, sources

BiopsyStatement = Literal["needed", "advisable", "not_needed_if_typical", "done", "undetermined"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RedFlagDefinition(Frozen):
    id: str
    label: str
    category: Literal["malignancy", "infection", "both"]
    severity: Literal["urgent", "caution"]
    when_all: tuple[Predicate, ...]
    source: str
    status: Verification
    note: str | None = None


class RedFlag(Frozen):
    id: str
    label: str
    category: Literal["malignancy", "infection", "both"]
    severity: Literal["urgent", "caution"]
    evidence: str
    source: str
    status: Verification


class TestDefinition(Frozen):
    id: str
    label: str
    labs: tuple[str, ...] = ()
    imaging: tuple[str, ...] = ()
    biopsy: bool = False
    advisable: str | dict[str, str]
    source: str
    detail: str | None = None


TestState = Literal["done", "pending", "advisable", "optional"]


class TestStatus(Frozen):
    id: str
    label: str
    status: TestState
    detail: str


class WorkupResult(Frozen):
    red_flags: tuple[RedFlag, ...]
    tests: tuple[TestStatus, ...]
    biopsy: BiopsyStatement
    biopsy_reason: str
    malignancy_not_excluded: bool
    infection_not_excluded: bool


@cache
def red_flag_definitions() -> tuple[RedFlagDefinition, ...]:
    flags = tuple(RedFlagDefinition(**f) for f in read_data_file("red_flags.yaml")["flags"])
    for f in flags:
        if f.source not in sources():
            raise ValueError(f"red_flags.yaml: {f.id} cites unknown source {f.source!r}")
    return flags


@cache
def test_definitions() -> tuple[TestDefinition, ...]:
    tests = tuple(TestDefinition(**t) for t in read_data_file("workup_tests.yaml")["tests"])
    for t in tests:
        if t.source not in sources():
            raise ValueError(f"workup_tests.yaml: {t.id} cites unknown source {t.source!r}")
    return tests


def red_flags(facts: CaseFacts) -> tuple[RedFlag, ...]:
    out = []
    for d in red_flag_definitions():
        parts = [evaluate(p, facts) for p in d.when_all]
        if all_of(*parts).value is True:
            evidence = "; ".join(p.source for p in parts if p.source) or d.label
            out.append(RedFlag(id=d.id, label=d.label, category=d.category, severity=d.severity,
                               evidence=evidence, source=d.source, status=d.status))
    return tuple(out)


def assess(facts: CaseFacts) -> WorkupResult:
    flags = red_flags(facts)
    biopsy, reason = _biopsy_statement(facts, flags)
    tests = tuple(_test_status(t, facts, flags, biopsy) for t in test_definitions())
    return WorkupResult(
        red_flags=flags, tests=tests, biopsy=biopsy, biopsy_reason=reason,
        malignancy_not_excluded=_not_excluded(facts, flags, "malignancy"),
        infection_not_excluded=_not_excluded(facts, flags, "infection"),
    )


def malignancy_flag_ids(flags: tuple[RedFlag, ...]) -> tuple[str, ...]:
    return tuple(f.id for f in flags if f.category in ("malignancy", "both") and f.severity == "urgent")


def _not_excluded(facts: CaseFacts, flags: tuple[RedFlag, ...], kind: str) -> bool:
    """A flag of this kind is up and the diagnosis is not documented as excluded."""
    relevant = [f for f in flags if f.category in (kind, "both") and f.severity == "urgent"]
    if not relevant:
        return False
    return facts.feature(f"{kind}_confirmed").value is not False


def _biopsy_statement(facts: CaseFacts, flags: tuple[RedFlag, ...]) -> tuple[BiopsyStatement, str]:
    if facts.case.biopsies:
        last = max(facts.case.biopsies, key=lambda b: b.date)
        return "done", f"Bone biopsy done on {last.date} (culture {last.culture})."
    if not facts.lesions:
        return "undetermined", "No lesion recorded on imaging yet: the need for biopsy cannot be judged."
    urgent = [f.label for f in flags if f.severity == "urgent"]
    crp_high = evaluate(_biopsy_crp_rule(), facts).value
    if urgent:
        return "needed", ("Biopsy needed: " + "; ".join(urgent) +
                          ". Send for histology and bacterial, fungal and mycobacterial culture.")
    if crp_high:
        cut = _biopsy_crp_rule()
        return "needed", f"Biopsy needed: CRP of {cut.value:g} {cut.unit} or more (Bristol criterion 2 applies)."
    screen = [m for m in (*facts.feature("cytopenia").missing, *facts.lab("crp").missing)]
    if screen:
        return "undetermined", ("Complete the basic screen before deciding on biopsy; missing: "
                                + ", ".join(dict.fromkeys(screen)) + ".")
    typical = any(v.value for v in (facts.feature("clavicle_only"), facts.feature("symmetric_lesions"),
                                    facts.feature("associated_condition")))
    if typical:
        return "not_needed_if_typical", (
            "Biopsy may be spared: typical distribution (clavicle or symmetric lesions) or associated psoriasis, "
            "palmoplantar pustulosis or IBD, and no red flag. Revisit if the course is atypical.")
    return "advisable", ("Biopsy advisable: the distribution is not typical enough to spare it "
                         "(not clavicle-only, not symmetric, no associated psoriasis/PPP/IBD).")


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
            return _status(id=t.id, label=t.label, status="done", detail=_latest_detail(labs))
        if any(r.result == "pending" for r in labs):
            return _status(id=t.id, label=t.label, status="pending", detail="ordered, result awaited")
    if t.imaging and any(s.modality in t.imaging for s in facts.case.imaging):
        last = max((s for s in facts.case.imaging if s.modality in t.imaging), key=lambda s: s.date)
        return _status(id=t.id, label=t.label, status="done", detail=f"{last.modality} {last.date}")
    if t.biopsy and facts.case.biopsies:
        return _status(id=t.id, label=t.label, status="done", detail=f"biopsy {facts.case.biopsies[-1].date}")
    advisable = _advisable(t.advisable, facts, flags, biopsy)
    detail = t.detail or ""
    if advisable and t.labs and labs:
        detail = (detail + "; " if detail else "") + "partly done: " + _latest_detail(labs)
    return _status(id=t.id, label=t.label, status="advisable" if advisable else "optional", detail=detail)


def _advisable(rule: str | dict[str, Any], facts: CaseFacts, flags: tuple[RedFlag, ...], biopsy: str) -> bool:
    if rule == "always":
        return True
    if rule == "optional":
        return False
    assert isinstance(rule, dict)
    if "feature" in rule:
        return facts.feature(rule["feature"]).value is True
    if "any_flag_category" in rule:
        return any(f.category in (rule["any_flag_category"], "both") for f in flags)
    if "not_excluded" in rule:
        return facts.feature(f"{rule['not_excluded']}_confirmed").value is not False
    if "biopsy" in rule:
        return biopsy in ("needed", "advisable")
    raise ValueError(f"workup_tests.yaml: unknown advisable rule {rule!r}")


def _latest_detail(labs: list[Any]) -> str:
    last = max(labs, key=lambda r: r.date)
    return f"latest {last.test} {last.date}"


def _status(*, id: str, label: str, status: TestState, detail: str) -> TestStatus:
    return TestStatus(id=id, label=label, status=status, detail=detail)
