"""Disease activity: CHAQ, physician and patient/parent globals, pain, lesion counts, CDAS components, and
what the family's diary says over a period.

Each is a measure in the result contract (classification "not_classified": a value, no threshold).
Missing answers give a range, never a silent zero. The CDAS is shown as its three verified components
(patient pain, patient global, clinical count of active lesions) because its formula was not found.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from cnocare.clinical.case import Case
from cnocare.clinical.diary_snapshot import DiaryDay
from cnocare.clinical.facts import FEVER_THRESHOLD_C
from cnocare.clinical.follow_up_snapshot import ActivityAssessment, ChaqAnswers
from cnocare.clinical.result import Citation, InstrumentResult, ResultItem, result_item
from cnocare.knowledge.activity import chaq_definition
from cnocare.knowledge.catalogue import bone_sites, sources

CHAQ_WARNINGS = (
    "The minimum number of answered domains is a site choice (the adult HAQ's 6 of 8); no CHAQ-specific rule "
    "was found.",
    "Items are identified by domain and number; the questionnaire's wording is not reproduced.",
)


def _citation(key: str) -> Citation:
    src = sources()[key]
    return Citation(pmid=src.pmid, doi=src.doi)


def _r3(x: float) -> float | int:
    out = round(x, 3)
    return int(out) if float(out).is_integer() else out


def chaq(answers: ChaqAnswers) -> InstrumentResult:
    """Disability index = mean of the answered domains (0–3); a domain scores its worst item, raised to 2
    when an aid or another person's help is used (reference notes §12.3)."""
    d = chaq_definition()
    unknown_items = sorted(set(answers.items) - set(d.item_ids()))
    if unknown_items:
        raise ValueError(f"CHAQ item {unknown_items[0]!r} is not in the questionnaire; accepted e.g. "
                         f"{', '.join(list(d.item_ids())[:3])} …")
    unknown_domains = sorted(set(answers.aids_or_help) - set(d.domains))
    if unknown_domains:
        raise ValueError(f"CHAQ domain {unknown_domains[0]!r}; accepted: {', '.join(d.domains)}")
    items: list[ResultItem] = []
    lows: list[float] = []
    highs: list[float] = []
    missing: list[str] = []
    answered = 0
    for key, dom in d.domains.items():
        ids = [f"{key}_{n}" for n in range(1, dom.items + 1)]
        scored = [answers.items[i] for i in ids if i in answers.items and answers.items[i] is not None]
        unanswered = [i for i in ids if i not in answers.items]
        missing += [f"{dom.label} item {i.rsplit('_', 1)[1]}" for i in unanswered]
        if not scored:
            lows.append(0.0)
            highs.append(3.0)
            items.append(result_item(id=key, value=None, points=None, label=dom.label,
                                     source="not answered" if unanswered else "every item not applicable"))
            continue
        answered += 1
        low = float(max(v for v in scored if v is not None))
        aided = key in answers.aids_or_help
        if aided:
            low = max(low, float(d.aids_raise_domain_to))
        high = 3.0 if unanswered else low
        lows.append(low)
        highs.append(high)
        note = " (raised to 2: aid or help used)" if aided else ""
        items.append(result_item(id=key, value=_r3(low) if low == high else None, points=None, label=dom.label,
                                 source=f"worst item {int(low)}{note}" + (f"; {len(unanswered)} item(s) not "
                                                                        "answered" if unanswered else "")))
    for vas in d.vas:
        value = getattr(answers, vas)
        items.append(result_item(id=vas, value=value, points=None, source=None if value is None else "VAS 0–100",
                                 label="Pain (VAS 0–100)" if vas.startswith("pain") else "Well-being (VAS 0–100)"))
    minimum = d.minimum_answered_domains.value
    answered_idx = [i for i, it in enumerate(items[:len(d.domains)]) if it.source not in ("not answered",
                                                                                          "every item not applicable")]
    enough = answered >= minimum
    if answered_idx:
        low = sum(lows[i] for i in answered_idx) / len(answered_idx)
        high = sum(highs[i] for i in answered_idx) / len(answered_idx)
    else:
        low, high = 0.0, 3.0
    if not enough:
        low, high = sum(lows) / len(lows), sum(highs) / len(highs)
        missing.insert(0, f"at least {minimum} answered domains (site choice; {answered} answered)")
    complete = enough and low == high
    text = (f"Disability index {_r3(low)} (0–3, mean of {answered} answered domains)." if complete else
            f"Disability index not yet known: attainable {_r3(low)}–{_r3(high)}; " +
            ("too few domains answered." if not enough else "some items are not answered."))
    return InstrumentResult(
        instrument=d.id, version=d.version, title=d.title, status="complete" if complete else "incomplete",
        score=_r3(low) if complete else None, range=(_r3(low), _r3(high)), threshold=None,
        classification="not_classified", items=tuple(items), missing=tuple(missing), warnings=CHAQ_WARNINGS,
        explanation=text, citation=_citation(d.citation), verification="partial", window=answers.date.isoformat(),
    )


def visit_measures(visit: ActivityAssessment, case: Case) -> InstrumentResult:
    """Physician global, patient/parent global, pain and the clinical count of painful sites at one visit,
    with the CDAS shown as its components only (no composite: the formula was not found)."""
    count = None if visit.painful_sites is None else len(set(visit.painful_sites))
    sites = ", ".join(sorted(bone_sites()[s].label for s in set(visit.painful_sites or ()))) or "none"
    rows: Sequence[tuple[str, str, float | int | None, str | None]] = (
        ("physician_global", "Physician global assessment (0–10)", visit.physician_global_0_10, None),
        ("patient_global", "Patient/parent global assessment (0–10)", visit.patient_global_0_10, None),
        ("pain", "Pain (0–10)", visit.pain_0_10, None),
        ("clinical_lesion_count", "Clinically active sites (painful or tender)", count,
         None if visit.painful_sites is None else f"sites: {sites}"),
        ("radiological_lesion_count", "Active lesions on the latest imaging", *_radiological(case, visit)),
    )
    items = tuple(result_item(id=i, value=v, points=None, label=lab, source=src or ("recorded" if v is not None
                                                                                  else None))
                  for i, lab, v, src in rows)
    missing = tuple(lab for _, lab, v, _ in rows if v is None)
    cdas = [items[2], items[1], items[3]]
    text = ("CDAS components (a composite number is not given: its formula was not found): pain "
            + ", ".join("not recorded" if it.value is None else f"{it.value:g}" for it in cdas[:1])
            + "; patient global " + ("not recorded" if cdas[1].value is None else f"{cdas[1].value:g}")
            + "; clinically active sites " + ("not examined" if cdas[2].value is None else f"{cdas[2].value}") + ".")
    return InstrumentResult(
        instrument="activity-visit", version="1", title=f"Disease activity on {visit.date.isoformat()}",
        status="complete" if not missing else "incomplete", score=None, range=None, threshold=None,
        classification="not_classified", items=items, missing=missing,
        warnings=("Physician global assessment 4 or more on 0–10 marked a severe course in the German NPRD "
                  "cohort (Reiser 2023); shown for context, not as a cut-off.",),
        explanation=text, citation=_citation("wu2023_cdas"), verification="partial", window=visit.date.isoformat(),
    )


def _radiological(case: Case, visit: ActivityAssessment) -> tuple[int | None, str | None]:
    studies = [s for s in case.imaging if s.date <= visit.date and s.modality in ("mri", "whole_body_mri")]
    if not studies:
        return None, None
    latest = max(studies, key=lambda s: s.date)
    states = [les.is_active for les in latest.lesions]
    if any(st is None for st in states):
        return None, f"MRI {latest.date.isoformat()}: activity of some lesions not recorded"
    return sum(1 for st in states if st), f"MRI {latest.date.isoformat()}"


DIARY_WARNINGS = (
    "A summary of the family's diary, not a published instrument: counts over the days answered; a day or "
    "question left unanswered is not counted as no pain, no site or a missed dose.",
    f"A fever day: fever reported, or a temperature of {FEVER_THRESHOLD_C:g} °C or more (site choice, "
    "definitions.yaml fever_threshold_c).",
)


def diary_days_between(case: Case, first: dt.date, last: dt.date) -> tuple[DiaryDay, ...]:
    return tuple(sorted((d for d in case.diary if first <= d.day <= last), key=lambda d: d.day))


def diary_period(case: Case, first: dt.date, last: dt.date) -> InstrumentResult:
    """Pain (mean and worst of the days answered), days with painful sites, school missed, medicines taken
    of those asked about, fever and side-effect days, over ``first``..``last``; each says how many days
    answered it."""
    if last < first:
        raise ValueError(f"period ends {last.isoformat()} before it starts {first.isoformat()}")
    days = diary_days_between(case, first, last)
    span = (last - first).days + 1
    pains = [d.pain_0_10 for d in days if d.pain_0_10 is not None]
    sited = [d for d in days if d.painful_sites is not None]
    school = [d.school_missed for d in days if d.school_missed is not None]
    asked = [a for a in (d.adherence for d in days) if a is not None]
    feverish = [d for d in days if d.fever is not None or d.temperature_c is not None]
    fever_days = sum(1 for d in feverish if d.fever or (d.temperature_c or 0) >= FEVER_THRESHOLD_C)
    site_names = sorted({bone_sites()[s].label for d in sited for s in d.painful_sites or ()})

    def of(n: int, what: str) -> str:
        return f"{n} of {span} days answered {what}"

    rows: Sequence[tuple[str, str, float | int | str | None, str]] = (
        ("diary_days", "Diary days filled in", len(days), f"{len(days)} of {span} days"),
        ("pain_mean", "Pain, mean of the days answered (0–10)", round(sum(pains) / len(pains), 1) if pains else None,
         of(len(pains), "pain")),
        ("pain_worst", "Pain, worst day (0–10)", max(pains) if pains else None, of(len(pains), "pain")),
        ("painful_site_days", "Days with a painful site", sum(1 for d in sited if d.painful_sites) if sited else None,
         of(len(sited), "painful sites") + (f"; sites: {', '.join(site_names)}" if site_names else "")),
        ("school_missed_whole", "School days missed (whole day)",
         sum(1 for m in school if m == "whole") if school else None, of(len(school), "school")),
        ("school_missed_part", "School days partly missed", sum(1 for m in school if m == "part") if school else None,
         of(len(school), "school")),
        ("medicines_taken", "Medicines taken, of those asked about",
         f"{sum(t for t, _ in asked)} of {sum(n for _, n in asked)}" if asked else None,
         of(len(asked), "medicines")),
        ("fever_days", "Fever days", fever_days if feverish else None, of(len(feverish), "fever or temperature")),
        ("side_effect_days", "Days with a side effect reported",
         sum(1 for d in days if d.side_effects) if days else None, f"{len(days)} diary days"),
    )
    items = tuple(result_item(id=i, value=v, points=None, label=lab, source=src) for i, lab, v, src in rows)
    missing = tuple(lab for _, lab, v, _ in rows if v is None)
    window = f"{first.isoformat()} to {last.isoformat()}"
    text = (f"The diary was filled in on {len(days)} of {span} days from {window}." if days else
            f"No diary day was filled in from {window}.")
    return InstrumentResult(
        instrument="diary-period", version="1", title=f"Diary from {first.isoformat()} to {last.isoformat()}",
        status="complete" if not missing else "incomplete", score=None, range=None, threshold=None,
        classification="not_classified", items=items, missing=missing, warnings=DIARY_WARNINGS,
        explanation=text, citation=Citation(pmid=None, doi=None), verification="partial", window=window)
