"""Step-up options: CARRA consensus treatment plan eligibility and what is outstanding per plan.

Eligibility follows Zhao 2018 Table 1 (data: knowledge/data/carra_ctp.yaml), each item with the data
that decided it and what is missing. The three plans are shown side by side with their outstanding
checks; what all plans permit (glucocorticoid bridging, continued NSAIDs) and the agents for specialist
consideration are listed with their evidence. cnocare never chooses a drug.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from cnocare.clinical.case import Case, LabResult
from cnocare.clinical.facts import CaseFacts
from cnocare.clinical.features import feature
from cnocare.clinical.logic import Evidence, all_of, any_of, unknown
from cnocare.clinical.result import Citation, InstrumentResult, result_item
from cnocare.knowledge.catalogue import bone_sites, lab_tests, label, sources
from cnocare.knowledge.treatment import Arm, ArmCheck, carra_plans

MRI = frozenset({"mri", "whole_body_mri"})


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CheckState(Frozen):
    id: str
    label: str
    status: str  # "done", "outstanding", "concern"
    detail: str
    source: str


class PlanOption(Frozen):
    id: str
    label: str
    checks: tuple[CheckState, ...]
    outstanding: tuple[str, ...]
    cautions: tuple[str, ...]


class StepUpOptions(Frozen):
    eligibility: InstrumentResult
    plans: tuple[PlanOption, ...]
    permitted_in_all_plans: tuple[str, ...]
    specialist_consideration: tuple[str, ...]
    statement: str


def assess(case: Case, *, on: dt.date | None = None) -> StepUpOptions:
    """Eligibility and options as of ``on`` (default: the snapshot date)."""
    facts = CaseFacts(case)
    day = on or case.reference_date or dt.date.today()
    plans = carra_plans()
    eligibility = _eligibility(facts, day)
    options = tuple(_plan(key, arm, facts) for key, arm in plans.arms.items())
    if feature(facts, "malignancy_confirmed").value is not False:
        bridging_note = ("Glucocorticoid bridging: malignancy is not documented as excluded; published advice "
                         "is a bone-marrow examination before any glucocorticoid.")
    else:
        bridging_note = ""
    specialist = tuple(f"{s.label}: specialist consideration only ({s.evidence})"
                       for s in plans.specialist_consideration)
    word = {"met": "eligible", "not_met": "not eligible", "indeterminate": "eligibility not yet decidable"}
    statement = (f"CARRA consensus treatment plans: {word.get(eligibility.classification, '')}. The plans are "
                 "options for the care team to weigh; cnocare does not choose a drug." +
                 (f" {bridging_note}" if bridging_note else ""))
    return StepUpOptions(eligibility=eligibility, plans=options,
                         permitted_in_all_plans=plans.permitted_in_all_plans,
                         specialist_consideration=specialist, statement=statement)


def _eligibility(f: CaseFacts, day: dt.date) -> InstrumentResult:
    plans = carra_plans()
    max_age = plans.eligibility["max_age_years"].value
    weeks_mri = plans.eligibility["mri_oedema_within_weeks"].value
    weeks_nsaid = plans.eligibility["nsaid_weeks"].value
    age = f.case.age_on(day)
    parts: list[tuple[str, str, Evidence]] = [
        ("age", f"Age {max_age:g} years or less", unknown("age or date of birth") if age is None
         else Evidence(int(age) <= max_age, f"age {age:.1f} years (completed years {int(age)})")),
        ("mri_oedema", f"Bone oedema on MRI within {weeks_mri:g} weeks", _recent_oedema(f, day, weeks_mri)),
        ("whole_body_imaging", "Whole-body imaging done (whole-body MRI or bone scintigraphy)",
         Evidence(True, "whole-body imaging recorded") if f.whole_body_done
         else unknown("whole-body imaging (whole-body MRI or bone scintigraphy)")),
        ("active_after_nsaids_or_spine", f"Active disease after at least {weeks_nsaid:g} weeks of NSAIDs, or an "
         "active spinal lesion", any_of(_active_after_nsaids(f, day, weeks_nsaid), _active_spine(f))),
        ("biopsy_or_typical", "Bone biopsy, unless typical distribution or IBD, psoriasis or palmoplantar "
         "pustulosis", any_of(Evidence(True, "bone biopsy done") if f.case.biopsies else unknown("bone biopsy"),
                              feature(f, "carra_typical_distribution"), feature(f, "associated_condition"))),
        ("no_malignancy", "No past or current malignancy", _not(feature(f, "malignancy_confirmed"), "malignancy")),
        ("no_infection", "No current infectious osteomyelitis", _not(feature(f, "infection_confirmed"), "infection")),
    ]
    whole = all_of(*(e for _, _, e in parts))
    items = tuple(result_item(id=i, label=lab, value=e.value, points=None, source=e.shown) for i, lab, e in parts)
    label_ = "indeterminate" if whole.value is None else ("met" if whole.value else "not_met")
    failed = [lab for _, lab, e in parts if e.value is False]
    text = {"met": "Eligible for a CARRA consensus treatment plan (Zhao 2018, Table 1). A contraindication to "
                   "the chosen agent still excludes it: see each plan's checks.",
            "not_met": "Not eligible: " + "; ".join(failed) + ".",
            "indeterminate": "Not yet decidable; still to record: " + ", ".join(whole.missing) + "."}[label_]
    src = sources()[plans.source]
    return InstrumentResult(
        instrument="carra-ctp-2018", version="1", title="CARRA consensus treatment plans: eligibility (Zhao 2018)",
        status="complete" if whole.known else "incomplete", score=None, range=None, threshold=None,
        classification=label_, items=items, missing=whole.missing,
        warnings=("The plans cover the first 12 months of therapy for CNO refractory to NSAIDs and/or with active "
                  "spinal lesions; doses come only from the site formulary.",),
        explanation=text, citation=Citation(pmid=src.pmid, doi=src.doi), verification="verified",
        window=f"as of {day.isoformat()}")


def _not(ev: Evidence, word: str) -> Evidence:
    if ev.value is True:
        return Evidence(False, ev.source)
    if ev.value is False:
        return Evidence(True, ev.source)
    return unknown(f"{word} documented as excluded")


def _recent_oedema(f: CaseFacts, day: dt.date, weeks: float) -> Evidence:
    since = day - dt.timedelta(days=round(weeks * 7))
    recent = [s for s in f.case.imaging if s.modality in MRI and since <= s.date <= day]
    hits = [(s, les) for s in recent for les in s.lesions if les.finding("marrow_oedema")]
    if hits:
        s, les = hits[-1]
        return Evidence(True, f"MRI {s.date.isoformat()}: bone-marrow oedema at {bone_sites()[les.site].label}")
    if recent and all(les.finding("marrow_oedema") is False for s in recent for les in s.lesions):
        return Evidence(False, f"MRI {recent[-1].date.isoformat()}: no bone-marrow oedema")
    return unknown(f"MRI (STIR) within {weeks:g} weeks of {day.isoformat()}")


def _active_after_nsaids(f: CaseFacts, day: dt.date, weeks: float) -> Evidence:
    long_enough = [m for m in f.case.medicines if m.drug_class == "nsaid" and m.start is not None
                   and ((m.stop or day) - m.start).days >= weeks * 7]
    if not long_enough:
        return unknown(f"an NSAID course of at least {weeks:g} weeks")
    course = long_enough[-1]
    if course.response in ("none", "partial"):
        return Evidence(True, f"{course.drug} from {course.start}: response {course.response}")
    if course.response == "complete":
        return Evidence(False, f"{course.drug}: complete response")
    return unknown(f"response to {course.drug} (active disease after {weeks:g} weeks?)")


def _active_spine(f: CaseFacts) -> Evidence:
    spine = {s.id for s in bone_sites().values() if s.kind == "vertebra"}
    mri = sorted((s for s in f.case.imaging if s.modality in MRI), key=lambda s: s.date)
    if not mri:
        return unknown("MRI of the spine")
    latest = mri[-1]
    active = [les for les in latest.lesions if les.site in spine and les.is_active]
    if active:
        return Evidence(True, f"MRI {latest.date.isoformat()}: active vertebral lesion at "
                              f"{', '.join(bone_sites()[les.site].label for les in active)}")
    if latest.covers_whole_body and latest.lesions:
        return Evidence(False, f"no active vertebral lesion on whole-body MRI {latest.date.isoformat()}")
    return unknown("spinal imaging")


def _plan(key: str, arm: Arm, f: CaseFacts) -> PlanOption:
    states = tuple(_check(c, f) for c in arm.checks)
    cautions = tuple(s.detail for s in states if s.status == "concern")
    return PlanOption(id=key, label=arm.label, checks=states,
                      outstanding=tuple(s.label for s in states if s.status == "outstanding"), cautions=cautions)


def _check(c: ArmCheck, f: CaseFacts) -> CheckState:
    if c.check is not None:
        done = [x for x in f.case.checks if x.kind == c.check]
        if not done:
            return CheckState(id=c.id, label=c.label, status="outstanding", detail="not recorded", source=c.source)
        last = max(done, key=lambda x: x.date)
        status = "concern" if last.outcome == "concern" else "done"
        return CheckState(id=c.id, label=c.label, status=status,
                          detail=f"{label('checks', c.check)} {last.date.isoformat()}: {last.outcome}"
                                 + (f" ({last.note})" if last.note else ""), source=c.source)
    latest: list[LabResult] = []
    for test in c.labs:
        results = [r for r in f.case.labs if r.test == test and (r.interval is not None or r.result not in
                                                                  (None, "pending"))]
        if not results:
            return CheckState(id=c.id, label=c.label, status="outstanding",
                              detail=f"no {lab_tests()[test].name} result recorded", source=c.source)
        latest.append(max(results, key=lambda r: r.date))
    detail = "; ".join(f"{lab_tests()[r.test].name} {r.shown} on {r.date.isoformat()}" for r in latest)
    if c.below is not None and latest[0].interval is not None:
        cut = lab_tests()[latest[0].test].to_canonical(c.below.value, c.below.unit)
        if latest[0].interval.compare("<", cut) is True:
            return CheckState(id=c.id, label=c.label, status="concern",
                              detail=f"{detail}: below {c.below.value:g} {c.below.unit}, {c.below.text}",
                              source=c.source)
    if any(r.result == "positive" for r in latest):
        return CheckState(id=c.id, label=c.label, status="concern", detail=f"{detail}: positive", source=c.source)
    return CheckState(id=c.id, label=c.label, status="done", detail=detail, source=c.source)
