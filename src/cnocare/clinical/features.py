"""The named facts instruments and red flags ask for, each read off one window of the course.

Open world throughout: a fact is False only when the record says so (a finding read and absent,
a symptom asked and denied, whole-body imaging that bounds the lesion count); otherwise it is
unknown and names what would decide it. Definitions that are local choices are in
knowledge/data/definitions.yaml.
"""

from __future__ import annotations

from collections.abc import Callable

from cnocare.clinical.facts import (
    ASSOCIATED_CONDITIONS,
    BIOPSY_INFLAMMATORY,
    BIOPSY_PROVEN_MIMIC,
    FEVER_THRESHOLD_C,
    METAPHYSIS_EPIPHYSIS,
    MRI_LIKE,
    PAIN_KINDS,
    WHOLE_BODY_MISSING,
    XRAY_LIKE,
    XRAY_TYPICAL,
    CaseFacts,
)
from cnocare.clinical.lab_reading import any_outside
from cnocare.clinical.lesion_count import Count, bilateral_sites
from cnocare.clinical.logic import Evidence, all_of, any_of, negate, unknown
from cnocare.knowledge.catalogue import bone_catalogue, bone_sites, lab_tests, label

Fact = Callable[[CaseFacts], Evidence]


def feature(facts: CaseFacts, name: str) -> Evidence:
    """The named fact for this window, computed at most once per CaseFacts."""
    cache = facts._cache
    if name not in cache:
        cache[name] = FEATURES[name](facts)
    return cache[name]


def _site_names(sites: set[str] | list[str]) -> str:
    return ", ".join(sorted(bone_sites()[s].label for s in sites)) or "none"


# ---- counts and distribution -------------------------------------------------------------
def _more_than_one(f: CaseFacts, n: Count, noun: str) -> Evidence:
    if not f.lesions:
        return unknown("imaging with lesions")
    more = n.more_than(1)
    src = f"{n.describe(noun)}; {f.imaging_source}"
    if more is None:
        return unknown(*_count_missing(f), source=src)
    return Evidence(more, src)


def _multiple_bones(f: CaseFacts) -> Evidence:
    """Bristol: lesions in more than one bone."""
    return _more_than_one(f, f.bone_count, "bone(s)")


def _multiple_lesions(f: CaseFacts) -> Evidence:
    """Jansson "more than one radiologically proven lesion"; NBODS "more than one focus"."""
    return _more_than_one(f, f.lesion_count, "lesion(s)")


def _count_missing(f: CaseFacts) -> tuple[str, ...]:
    out = [] if f.whole_body_done else [WHOLE_BODY_MISSING]
    if any(les.side is None and bone_sites()[les.site].paired for _, _, les in f.lesions):
        out.append("side of each lesion in a paired bone")
    return tuple(out) or (WHOLE_BODY_MISSING,)


def _site_flag(flag: str, noun: str) -> Fact:
    sites = bone_catalogue().with_flag(flag)
    return _any_site_in(frozenset(sites), noun)


def _any_site_in(sites: frozenset[str], noun: str) -> Fact:
    def fact(f: CaseFacts) -> Evidence:
        if not f.lesions and not f.whole_body_done:
            return unknown("imaging with lesions")
        hits = {les.site for _, _, les in f.lesions if les.site in sites}
        if hits:
            return Evidence(True, f"{noun}: {_site_names(hits)}; {f.imaging_source}")
        if f.whole_body_done:
            return Evidence(False, f"no {noun} on whole-body imaging")
        return unknown(WHOLE_BODY_MISSING, source=f"no {noun} on the imaging recorded so far")
    return fact


def _symmetric(f: CaseFacts) -> Evidence:
    """Jansson: symmetric bone lesions, read as the same paired bone involved on both sides."""
    if not f.lesions:
        return unknown("imaging with lesions")
    both, open_ = bilateral_sites(f.studies)
    if both:
        return Evidence(True, f"both sides: {_site_names(both)}; {f.imaging_source}")
    missing = [*(["side of each lesion in a paired bone"] if open_ else []),
               *([] if f.whole_body_done else [WHOLE_BODY_MISSING])]
    if missing:
        return unknown(*missing, source="no bone involved on both sides so far")
    return Evidence(False, f"no bone involved on both sides; {f.imaging_source}")


def _carra_typical_distribution(f: CaseFacts) -> Evidence:
    """CARRA Table 1: clavicle, or symmetric lesions at the metaphysis or epiphysis of long bones."""
    if not f.lesions:
        return unknown("imaging with lesions")
    if any(les.site == "clavicle" for _, _, les in f.lesions):
        return Evidence(True, "clavicle lesion (typical distribution)")
    sides: dict[str, set[str]] = {}
    unsure = False
    for _, _, les in f.lesions:
        site = bone_sites()[les.site]
        if site.kind != "long" or not site.paired:
            continue
        if les.segment in METAPHYSIS_EPIPHYSIS and les.side in ("left", "right"):
            sides.setdefault(les.site, set()).add(les.side)
        elif les.segment is None or les.segment == "whole" or les.side is None:
            unsure = True
    both = [s for s, v in sides.items() if {"left", "right"} <= v]
    if both:
        return Evidence(True, f"symmetric metaphyseal/epiphyseal lesions: {_site_names(both)}")
    missing = [*(["segment and side of long-bone lesions"] if unsure else []),
               *([] if f.whole_body_done else [WHOLE_BODY_MISSING])]
    if missing:
        return unknown(*missing, source="no clavicle or symmetric long-bone metaphyseal lesion so far")
    return Evidence(False, "neither a clavicle lesion nor symmetric long-bone metaphyseal/epiphyseal lesions")


def _clavicle_only(f: CaseFacts) -> Evidence:
    if not f.lesions:
        return unknown("imaging with lesions")
    sites = {les.site for _, _, les in f.lesions}
    if sites != {"clavicle"}:
        return Evidence(False, f"sites: {_site_names(sites)}")
    if not f.whole_body_done:
        return unknown(WHOLE_BODY_MISSING, source="clavicle only so far")
    return Evidence(True, "clavicle only, on whole-body imaging")


def _unifocal_non_clavicular(f: CaseFacts) -> Evidence:
    """A single bone outside the clavicle (Zhao/Laxer/Ferguson 2017: biopsy strongly recommended)."""
    multi, clav = _multiple_bones(f), _clavicle_only(f)
    if multi.value is True or clav.value is True:
        return Evidence(False, multi.source if multi.value else clav.source)
    if all(les.site == "clavicle" for _, _, les in f.lesions) and f.lesions:
        return Evidence(False, "clavicle only so far")
    if multi.value is None:
        return Evidence(None, multi.source, multi.missing)
    return Evidence(True, multi.source)


def _spinal_sites() -> frozenset[str]:
    return frozenset(s.id for s in bone_sites().values() if s.region == "spine")


# ---- imaging findings --------------------------------------------------------------------
def _typical_radiology(f: CaseFacts) -> Evidence:
    if not f.has_imaging:
        return unknown("radiograph or MRI")
    for d, modality, les in f.lesions:
        if modality in MRI_LIKE and les.finding("marrow_oedema"):
            return Evidence(True, f"{label('modalities', modality)} {d.isoformat()}: bone-marrow oedema at "
                                  f"{bone_sites()[les.site].label}")
        found = sorted(x for x in les.findings if x in XRAY_TYPICAL)
        if modality in XRAY_LIKE and found:
            return Evidence(True, f"{label('modalities', modality)} {d.isoformat()}: "
                                  f"{', '.join(label('findings', x) for x in found)} at {bone_sites()[les.site].label}")
    readable = [s for s in f.studies if s.modality in XRAY_LIKE | MRI_LIKE]
    if not readable:
        return unknown("radiograph or MRI (bone scintigraphy alone is not enough)")
    if not any(s.lesions for s in readable):
        return unknown("lesions of the radiograph or MRI (none recorded)")
    undecided = []
    for s in readable:
        typical = ("marrow_oedema",) if s.modality in MRI_LIKE else tuple(XRAY_TYPICAL)
        for les in s.lesions:
            if not all(les.finding(x) is False for x in typical):
                undecided.append(les)
    if undecided:
        return unknown("imaging findings of each lesion (e.g. bone-marrow oedema, lysis, sclerosis)",
                       source="lesions recorded without their findings")
    return Evidence(False, "no typical radiograph or MRI finding: the findings were read and are absent")


def _marginal_sclerosis(f: CaseFacts) -> Evidence:
    if not f.lesions:
        return unknown("imaging with lesions")
    if any(les.finding("marginal_sclerosis") for _, _, les in f.lesions):
        return Evidence(True, f"marginal sclerosis reported; {f.imaging_source}")
    xray = [les for _, m, les in f.lesions if m in XRAY_LIKE]
    if xray and all(les.finding("marginal_sclerosis") is False for les in xray):
        return Evidence(False, f"no marginal sclerosis on radiograph/CT; {f.imaging_source}")
    return unknown("radiograph or CT read for marginal sclerosis")


def _any_finding(finding: str, *, vertebral: bool = False) -> Fact:
    spine = _spinal_sites()

    def fact(f: CaseFacts) -> Evidence:
        if vertebral and f.lesions and not any(les.site in spine for _, _, les in f.lesions):
            if f.whole_body_done:
                return Evidence(False, "no vertebral lesion on whole-body imaging")
            return unknown(WHOLE_BODY_MISSING, source="no vertebral lesion on the imaging recorded so far")
        return f.lesion_finding(finding, where=(lambda les: les.site in spine) if vertebral else (lambda les: True))
    return fact


# ---- laboratory ----------------------------------------------------------------------------
def _normal_blood_count(f: CaseFacts) -> Evidence:
    """Every WBC, haemoglobin and platelet result in the window inside its range; any outside decides."""
    parts = []
    for test in ("wbc", "haemoglobin", "platelets"):
        checks = f.range_checks(test)
        outside = [c for c in checks if c.inside is False]
        if outside:
            parts.append(Evidence(False, outside[0].describe() + " (outside the range)"))
        elif checks and all(c.inside for c in checks):
            parts.append(Evidence(True, f"{checks[-1].describe()} (within the range)"))
        elif not checks:
            parts.append(unknown(lab_tests()[test].name))
        else:
            parts.append(unknown(*dict.fromkeys(m for c in checks for m in c.missing)))
    out = all_of(*parts)
    shown = [p for p in parts if p.value is False] or parts
    return Evidence(out.value, "; ".join(p.source for p in shown if p.source) or None, out.missing)


def _outside(test: str, side: str) -> Fact:
    return lambda f: any_outside(f.range_checks(test), side, test)


def _cytopenia(f: CaseFacts) -> Evidence:
    """Any count below its range decides; otherwise WBC, Hb and platelets must each be known."""
    parts = [any_outside(f.range_checks(t), "below", t) for t in ("wbc", "haemoglobin", "platelets", "neutrophils")]
    low = [p for p in parts if p.value is True]
    if low:
        return Evidence(True, "; ".join(p.source for p in low if p.source))
    core = any_of(*parts[:3])
    if core.value is None:
        return core
    return Evidence(False, "blood count within range")


# ---- symptoms and signs ------------------------------------------------------------------
def _fever(f: CaseFacts) -> Evidence:
    temps = [s for s in f.symptoms if s.temperature_max_c is not None]
    top = max(temps, key=lambda s: s.temperature_max_c or 0, default=None)
    if top is not None and top.temperature_max_c is not None and top.temperature_max_c >= FEVER_THRESHOLD_C:
        return Evidence(True, f"temperature {top.temperature_max_c:g} °C (fever from {FEVER_THRESHOLD_C:g} °C, "
                              "a site choice)")
    return f.symptom("fever")


def _bone_pain(f: CaseFacts) -> Evidence:
    seen = [s for s in f.symptoms if s.kind in PAIN_KINDS]
    if not seen:
        return unknown("bone pain (present or absent)")
    present = [s for s in seen if s.present]
    if present:
        return Evidence(True, f"{label('symptoms', present[0].kind)} present")
    return Evidence(False, "bone pain recorded absent")


def _no_systemic_features(f: CaseFacts) -> Evidence:
    """Bristol's prerequisite: no ill appearance, no fever, no local warmth or redness (definitions.yaml)."""
    parts = (f.symptom("ill_appearance"), _fever(f), f.symptom("warmth_redness"))
    present = [p for p in parts if p.value is True]
    if present:
        return Evidence(False, "; ".join(p.source for p in present if p.source))
    out = negate(any_of(*parts))
    if out.value is None:
        return out
    return Evidence(True, "no ill appearance, fever or local warmth/redness recorded")


def _associated_condition(f: CaseFacts) -> Evidence:
    recorded = [c for c in f.case.conditions if c.kind in ASSOCIATED_CONDITIONS]
    present = sorted({label("conditions", c.kind) for c in recorded if c.present})
    if present:
        return Evidence(True, ", ".join(present))
    absent = {c.kind for c in recorded if not c.present}
    if absent >= set(ASSOCIATED_CONDITIONS):
        return Evidence(False, "psoriasis, palmoplantar pustulosis and IBD recorded absent")
    return unknown(*(f"{label('conditions', k)} (present or absent)" for k in ASSOCIATED_CONDITIONS
                     if k not in absent))


# ---- biopsy and proven mimics ---------------------------------------------------------
def _biopsy_sterile_inflammation(f: CaseFacts) -> Evidence:
    if not f.biopsies:
        return unknown("bone biopsy (histology and culture)")
    results = []
    for b in f.biopsies:
        hist = set(b.histology)
        words = ", ".join(label("histology", h) for h in sorted(hist)) or "histology not reported"
        if hist & BIOPSY_PROVEN_MIMIC or "granuloma" in hist:
            results.append(Evidence(False, f"biopsy {b.date.isoformat()}: {words}"))
            continue
        if not hist or hist <= {"nondiagnostic"}:
            histology = unknown("a diagnostic biopsy sample" if hist else "biopsy histology",
                                source=f"biopsy {b.date.isoformat()}: {words}")
        else:
            histology = Evidence(bool(hist & BIOPSY_INFLAMMATORY), words)
        if b.culture in ("negative", "positive", "not_done"):
            culture = Evidence(b.culture == "negative", label("cultures", b.culture))
        else:
            culture = unknown("biopsy culture result" if b.culture == "pending" else "biopsy culture (not reported)")
        antibiotics = (Evidence(not b.on_antibiotics, "on antibiotics" if b.on_antibiotics else "taken off antibiotics")
                       if b.on_antibiotics is not None else unknown("antibiotics at the time of biopsy"))
        parts = (histology, culture, antibiotics)
        out = all_of(*parts)
        results.append(Evidence(out.value, f"biopsy {b.date.isoformat()}: "
                                + "; ".join(p.source for p in parts if p.source), out.missing))
    for r in results:
        if r.value is True:
            return r
    return results[-1] if all(r.value is False for r in results) else next(r for r in results if r.value is None)


def proven_mimics(f: CaseFacts) -> list[str]:
    """Findings that prove another diagnosis, over the whole record (never windowed)."""
    case = f.case
    out = [f"{label('alternatives', a.kind)} confirmed" + (f" ({a.date.isoformat()})" if a.date else "")
           + (f": {a.basis}" if a.basis else "") for a in case.alternative_diagnoses if a.status == "confirmed"]
    for b in case.biopsies:
        for h in sorted(set(b.histology) & BIOPSY_PROVEN_MIMIC):
            out.append(f"biopsy {b.date.isoformat()} shows {label('histology', h)}")
        if b.culture == "positive":
            out.append(f"bone culture positive ({b.date.isoformat()}" + (f", {b.organism})" if b.organism else ")"))
    for r in case.labs:
        if r.test == "blood_culture" and r.result == "positive":
            out.append(f"blood culture positive ({r.date.isoformat()}" + (f", {r.organism})" if r.organism else ")"))
    return out


def _proven_mimic(f: CaseFacts) -> Evidence:
    found = proven_mimics(f)
    if found:
        return Evidence(True, "; ".join(found))
    return unknown("alternative diagnoses excluded", source="no alternative diagnosis proven")


def _proof_of(kind: str, f: CaseFacts) -> list[str]:
    """Findings outside the alternative-diagnosis list that prove ``kind``: histology or cultures."""
    case, out = f.case, []
    for b in case.biopsies:
        if kind in b.histology and kind in BIOPSY_PROVEN_MIMIC:
            out.append(f"biopsy {b.date.isoformat()} shows {label('histology', kind)}")
        if kind == "infection" and b.culture == "positive":
            out.append(f"bone culture positive ({b.date.isoformat()})")
    if kind == "infection":
        out += [f"blood culture positive ({r.date.isoformat()})" for r in case.labs
                if r.test == "blood_culture" and r.result == "positive"]
    return out


def _alternative(kind: str) -> Fact:
    """True when the alternative diagnosis is confirmed or proven; False when documented as excluded."""
    word = label("alternatives", kind)

    def fact(f: CaseFacts) -> Evidence:
        seen = [a for a in f.case.alternative_diagnoses if a.kind == kind]
        proof = [f"{word} confirmed" for a in seen if a.status == "confirmed"] + _proof_of(kind, f)
        if proof:
            return Evidence(True, "; ".join(proof))
        if seen and all(a.status == "excluded" for a in seen):
            basis = seen[-1].basis
            return Evidence(False, f"{word} excluded" + (f" ({basis})" if basis else ""))
        if any(a.status == "suspected" for a in seen):
            return unknown(f"{word} suspected, not yet excluded")
        return unknown(f"{word} documented as excluded")
    return fact


def _course_response(drug_class: str, responses: frozenset[str], noun: str) -> Fact:
    """A response pattern raised from recorded courses; with none recorded the flag is simply not raised."""
    def fact(f: CaseFacts) -> Evidence:
        hits = [m for m in f.case.medicines if m.drug_class == drug_class and m.response in responses]
        if hits:
            start = f" from {hits[0].start.isoformat()}" if hits[0].start else ""
            return Evidence(True, f"{noun}: {hits[0].drug}{start}")
        return Evidence(False, f"no {noun} recorded")
    return fact


def _systemic_symptoms(f: CaseFacts) -> Evidence:
    return any_of(_fever(f), f.symptom("weight_loss"))


def _symptom(kind: str) -> Fact:
    return lambda f: f.symptom(kind)


FEATURES: dict[str, Fact] = {
    "cytopenia": _cytopenia,
    "leucocytosis": _outside("wbc", "above"),
    "unifocal_non_clavicular": _unifocal_non_clavicular,
    "systemic_symptoms": _systemic_symptoms,
    "nsaid_no_response": _course_response("nsaid", frozenset({"none"}), "NSAID without response"),
    "antibiotic_response": _course_response("antibiotic", frozenset({"complete", "partial"}),
                                            "response to antibiotics"),
    "multiple_bones": _multiple_bones,
    "multifocal": _multiple_lesions,
    "symmetric_lesions": _symmetric,
    "carra_typical_distribution": _carra_typical_distribution,
    "marginal_sclerosis": _marginal_sclerosis,
    "axial_lesion": _site_flag("jansson_axial", "vertebral, clavicular or sternal lesions"),
    "femur_involved": _site_flag("nbods_femur", "femur lesions"),
    "clavicle_only": _clavicle_only,
    "spinal_lesion": _any_site_in(_spinal_sites(), "spinal lesions"),
    "mandible_lesion": _any_site_in(frozenset({"mandible"}), "mandible lesions"),
    "clavicle_lesion": _any_site_in(frozenset({"clavicle"}), "clavicle lesions"),
    "normal_blood_count": _normal_blood_count,
    "anaemia": _outside("haemoglobin", "below"),
    "ldh_raised": _outside("ldh", "above"),
    "fever": _fever,
    "normal_temperature": lambda f: negate(_fever(f)),
    "bone_pain": _bone_pain,
    "no_systemic_features": _no_systemic_features,
    "typical_radiology": _typical_radiology,
    "biopsy_sterile_inflammation": _biopsy_sterile_inflammation,
    "associated_condition": _associated_condition,
    "proven_mimic": _proven_mimic,
    "malignancy_confirmed": _alternative("malignancy"),
    "infection_confirmed": _alternative("infection"),
    "vitamin_c_deficiency_confirmed": _alternative("vitamin_c_deficiency"),
    "hypophosphatasia_confirmed": _alternative("hypophosphatasia"),
    "langerhans_cell_histiocytosis_confirmed": _alternative("langerhans_cell_histiocytosis"),
    "soft_tissue_mass": _any_finding("soft_tissue_mass"),
    "onion_skin_periosteal_reaction": _any_finding("onion_skin_periosteal_reaction"),
    "vertebral_collapse": _any_finding("vertebral_collapse", vertebral=True),
    "weight_loss": _symptom("weight_loss"),
    "night_pain": _symptom("night_pain"),
    "ill_appearance": _symptom("ill_appearance"),
    "warmth_redness": _symptom("warmth_redness"),
}
