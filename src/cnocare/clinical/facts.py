"""Facts derived from a Case once, shared by every instrument.

Instruments name facts (``features``) and measured values (``measures``) in their data files; this
module is the only place that knows how each is read off the patient's course. Every fact returns
``Evidence`` (True/False/unknown + where it came from + what is missing).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from cnocare.clinical.case import Case, LabResult, Lesion
from cnocare.clinical.logic import Evidence, all_of, any_of, unknown
from cnocare.knowledge.catalogue import bone_catalogue, bone_sites, lab_tests, read_data_file

XRAY_LIKE = frozenset({"xray", "ct"})
MRI_LIKE = frozenset({"mri", "whole_body_mri"})
XRAY_TYPICAL = frozenset({"lysis", "sclerosis", "marginal_sclerosis", "hyperostosis", "periosteal_reaction",
                          "onion_skin_periosteal_reaction", "bone_expansion"})
BIOPSY_INFLAMMATORY = frozenset({"chronic_inflammation", "plasma_cells", "osteoclasts", "fibrosis", "sclerosis"})
BIOPSY_ALTERNATIVE = frozenset({"malignancy", "langerhans_cell_histiocytosis", "granuloma"})
ASSOCIATED_CONDITIONS = frozenset({"psoriasis", "palmoplantar_pustulosis", "inflammatory_bowel_disease"})
PAIN_KINDS = frozenset({"bone_pain", "night_pain", "back_pain", "chest_shoulder_pain"})


@dataclass(frozen=True, slots=True)
class Measure:
    value: float | None
    source: str | None
    missing: tuple[str, ...] = ()


def _definitions() -> dict[str, dict[str, object]]:
    raw = read_data_file("definitions.yaml")["definitions"]
    return dict(raw)


_DEFINITIONS = _definitions()
FEVER_THRESHOLD_C = float(_DEFINITIONS["fever_threshold_c"]["value"])  # type: ignore[arg-type]


class CaseFacts:
    """Lazy, memoised facts about one Case. Cheap to build; each fact is computed at most once."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self._cache: dict[str, Evidence] = {}

    # ---- lesions -------------------------------------------------------------------------
    @cached_property
    def lesions(self) -> tuple[tuple[dt.date, str, Lesion], ...]:
        return tuple((s.date, s.modality, les) for s in self.case.imaging for les in s.lesions)

    @cached_property
    def involved_bones(self) -> frozenset[tuple[str, str | None]]:
        return frozenset((les.site, les.side if les.side != "midline" else None) for _, _, les in self.lesions)

    @cached_property
    def has_imaging(self) -> bool:
        return bool(self.case.imaging)

    @cached_property
    def imaging_source(self) -> str:
        studies = sorted({f"{m} {d.isoformat()}" for d, m, _ in self.lesions})
        return "imaging " + ", ".join(studies) if studies else "imaging (no lesions recorded)"

    # ---- labs ----------------------------------------------------------------------------
    @cached_property
    def latest_labs(self) -> dict[str, LabResult]:
        latest: dict[str, LabResult] = {}
        for r in sorted(self.case.labs, key=lambda r: r.date):
            if r.result == "pending" and r.canonical_value is None:
                continue
            latest[r.test] = r
        return latest

    def lab(self, test: str) -> Measure:
        r = self.latest_labs.get(test)
        if r is None:
            if test == "band_neutrophils":
                return self._bands_from_percent()
            return Measure(None, None, (test,))
        unit = lab_tests()[test].unit
        return Measure(r.canonical_value, f"{test} {r.canonical_value:g} {unit} (lab {r.date.isoformat()})")

    def _bands_from_percent(self) -> Measure:
        pct, wbc = self.latest_labs.get("band_neutrophils_percent"), self.latest_labs.get("wbc")
        if pct is None or wbc is None or pct.date != wbc.date:
            return Measure(None, None, ("band_neutrophils",))
        assert pct.canonical_value is not None and wbc.canonical_value is not None
        value = pct.canonical_value / 100 * wbc.canonical_value
        return Measure(value, f"band_neutrophils {value:g} 10^9/L derived from {pct.canonical_value:g} % "
                              f"x WBC {wbc.canonical_value:g} (lab {wbc.date.isoformat()})")

    def measure(self, name: str) -> Measure:
        if name in lab_tests():
            return self.lab(name)
        if name == "age_at_onset_years":
            age = self.case.age_at_onset_years
            return Measure(age, None if age is None else f"age at onset {age:.1f} y",
                           () if age is not None else ("patient.age_at_onset_years or date_of_birth + onset_date",))
        if name == "temperature_max_c":
            temps = [s.temperature_max_c for s in self.case.symptoms if s.temperature_max_c is not None]
            return Measure(max(temps), f"max temperature {max(temps):g} °C") if temps else \
                Measure(None, None, ("temperature_max_c",))
        if name == "symptom_duration_weeks":
            return self._pain_duration()
        raise KeyError(name)

    def _pain_duration(self) -> Measure:
        stated = [s.duration_weeks for s in self.case.symptoms
                  if s.kind in PAIN_KINDS and s.present and s.duration_weeks is not None]
        if stated:
            return Measure(max(stated), f"bone pain for {max(stated):g} weeks (recorded)")
        onset, ref = self.case.patient.onset_date, self.case.reference_date
        if onset is not None and ref is not None:
            weeks = (ref - onset).days / 7
            return Measure(weeks, f"{weeks:.1f} weeks from onset {onset} to {ref}")
        return Measure(None, None, ("symptom duration (weeks) or onset date",))

    # ---- features ------------------------------------------------------------------------
    def feature(self, name: str) -> Evidence:
        if name not in self._cache:
            self._cache[name] = FEATURES[name](self)
        return self._cache[name]

    def symptom(self, kind: str) -> Evidence:
        seen = [s for s in self.case.symptoms if s.kind == kind]
        if not seen:
            return unknown(f"symptom {kind} (present or absent)")
        latest = max(seen, key=lambda s: s.date or dt.date.min)
        if any(s.present for s in seen):
            when = next(s.date for s in seen if s.present)
            return Evidence(True, f"{kind} present" + (f" ({when.isoformat()})" if when else ""))
        return Evidence(False, f"{kind} absent" + (f" ({latest.date.isoformat()})" if latest.date else ""))


def _multifocal(f: CaseFacts) -> Evidence:
    if not f.lesions:
        return unknown("imaging with lesions")
    n = len(f.involved_bones)
    return Evidence(n > 1, f"{n} bone(s) involved; {f.imaging_source}")


def _site_flag(flag: str, label: str) -> Callable[[CaseFacts], Evidence]:
    sites = bone_catalogue().with_flag(flag)

    def fact(f: CaseFacts) -> Evidence:
        if not f.lesions:
            return unknown("imaging with lesions")
        hits = sorted({les.site for _, _, les in f.lesions if les.site in sites})
        return Evidence(bool(hits), f"{label}: {', '.join(hits) if hits else 'none'}; {f.imaging_source}")

    return fact


def _symmetric(f: CaseFacts) -> Evidence:
    if not f.lesions:
        return unknown("imaging with lesions")
    sides: dict[str, set[str | None]] = {}
    for site, side in f.involved_bones:
        sides.setdefault(site, set()).add(side)
    bilateral = sorted(s for s, v in sides.items() if {"left", "right"} <= v)
    return Evidence(bool(bilateral), f"bilateral homologous: {', '.join(bilateral) or 'none'}; {f.imaging_source}")


def _marginal_sclerosis(f: CaseFacts) -> Evidence:
    if not f.lesions:
        return unknown("imaging with lesions")
    if any("marginal_sclerosis" in les.findings for _, _, les in f.lesions):
        return Evidence(True, f"marginal sclerosis reported; {f.imaging_source}")
    if any(m in XRAY_LIKE for _, m, _ in f.lesions):
        return Evidence(False, f"no marginal sclerosis on radiograph/CT; {f.imaging_source}")
    return unknown("radiograph or CT read for marginal sclerosis")


def _clavicle_only(f: CaseFacts) -> Evidence:
    if not f.lesions:
        return unknown("imaging with lesions")
    sites = {site for site, _ in f.involved_bones}
    return Evidence(sites == {"clavicle"}, f"sites: {', '.join(sorted(sites))}")


def _normal_blood_count(f: CaseFacts) -> Evidence:
    parts = []
    for test in ("wbc", "haemoglobin", "platelets"):
        r = f.latest_labs.get(test)
        if r is None:
            parts.append(unknown(test))
            continue
        inside = r.within_reference()
        if inside is None:
            parts.append(unknown(f"{test} reference interval from the laboratory"))
        else:
            parts.append(Evidence(inside, f"{test} {'within' if inside else 'outside'} lab range ({r.date})"))
    out = all_of(*parts)
    return Evidence(out.value, "; ".join(p.source for p in parts if p.source) or None, out.missing)


def _below_reference(test: str) -> Callable[[CaseFacts], Evidence]:
    def fact(f: CaseFacts) -> Evidence:
        r = f.latest_labs.get(test)
        if r is None:
            return unknown(test)
        if r.canonical_reference_low is None or r.canonical_value is None:
            return unknown(f"{test} reference interval from the laboratory")
        low = r.canonical_value < r.canonical_reference_low
        return Evidence(low, f"{test} {r.canonical_value:g} vs lower limit {r.canonical_reference_low:g} ({r.date})")
    return fact


def _above_reference(test: str) -> Callable[[CaseFacts], Evidence]:
    def fact(f: CaseFacts) -> Evidence:
        r = f.latest_labs.get(test)
        if r is None:
            return unknown(test)
        if r.canonical_reference_high is None or r.canonical_value is None:
            return unknown(f"{test} reference interval from the laboratory")
        high = r.canonical_value > r.canonical_reference_high
        return Evidence(high, f"{test} {r.canonical_value:g} vs upper limit {r.canonical_reference_high:g} ({r.date})")
    return fact


def _fever(f: CaseFacts) -> Evidence:
    temps = [s.temperature_max_c for s in f.case.symptoms if s.temperature_max_c is not None]
    if temps and max(temps) >= FEVER_THRESHOLD_C:
        return Evidence(True, f"max temperature {max(temps):g} °C (fever from {FEVER_THRESHOLD_C:g} °C, site choice)")
    return f.symptom("fever")


def _normal_temperature(f: CaseFacts) -> Evidence:
    fever = _fever(f)
    if fever.value is None:
        return unknown("fever present/absent or maximum temperature")
    return Evidence(not fever.value, fever.source)


def _bone_pain(f: CaseFacts) -> Evidence:
    seen = [s for s in f.case.symptoms if s.kind in PAIN_KINDS]
    if not seen:
        return unknown("bone pain (present or absent)")
    present = [s for s in seen if s.present]
    if present:
        return Evidence(True, f"{present[0].kind} present")
    return Evidence(False, "bone pain recorded absent")


def _no_systemic_features(f: CaseFacts) -> Evidence:
    ill = f.symptom("ill_appearance")
    if ill.value is None:
        return unknown("ill appearance (present or absent)")
    return Evidence(not ill.value, ill.source)


def _typical_radiology(f: CaseFacts) -> Evidence:
    if not f.has_imaging:
        return unknown("radiograph or MRI")
    for d, modality, les in f.lesions:
        if modality in MRI_LIKE and "marrow_oedema" in les.findings:
            return Evidence(True, f"{modality} {d}: marrow oedema at {les.site}")
        if modality in XRAY_LIKE and XRAY_TYPICAL & set(les.findings):
            found = ", ".join(sorted(XRAY_TYPICAL & set(les.findings)))
            return Evidence(True, f"{modality} {d}: {found} at {les.site}")
    if any(s.modality in XRAY_LIKE | MRI_LIKE for s in f.case.imaging):
        return Evidence(False, "no typical radiograph or MRI finding recorded")
    return unknown("radiograph or MRI (bone scan alone is not enough)")


def _biopsy_sterile_inflammation(f: CaseFacts) -> Evidence:
    if not f.case.biopsies:
        return unknown("bone biopsy (histology and culture)")
    results = []
    for b in f.case.biopsies:
        hist = set(b.histology)
        if hist & BIOPSY_ALTERNATIVE:
            results.append(Evidence(False, f"biopsy {b.date}: {', '.join(sorted(hist & BIOPSY_ALTERNATIVE))}"))
            continue
        parts = [
            Evidence(bool(hist & BIOPSY_INFLAMMATORY), f"histology {', '.join(sorted(hist)) or 'not reported'}")
            if hist else unknown("biopsy histology"),
            Evidence(b.culture == "negative", f"culture {b.culture}")
            if b.culture in ("negative", "positive") else unknown("biopsy culture result"),
            Evidence(not b.on_antibiotics, "taken off antibiotics" if not b.on_antibiotics else "on antibiotics")
            if b.on_antibiotics is not None else unknown("antibiotics at the time of biopsy"),
        ]
        out = all_of(*parts)
        results.append(Evidence(out.value, f"biopsy {b.date}: " + "; ".join(p.source for p in parts if p.source),
                                out.missing))
    for r in results:
        if r.value is True:
            return r
    return results[-1] if all(r.value is False for r in results) else next(r for r in results if r.value is None)


def _associated_condition(f: CaseFacts) -> Evidence:
    present = [c.kind for c in f.case.conditions if c.present and c.kind in ASSOCIATED_CONDITIONS]
    if present:
        return Evidence(True, ", ".join(present))
    if any(c.kind in ASSOCIATED_CONDITIONS for c in f.case.conditions):
        return Evidence(False, "psoriasis/PPP/IBD recorded absent")
    return Evidence(False, "no psoriasis, palmoplantar pustulosis or IBD recorded")


def _alternative(kind: str) -> Callable[[CaseFacts], Evidence]:
    """True when the alternative diagnosis is confirmed; False when documented as excluded."""
    def fact(f: CaseFacts) -> Evidence:
        seen = [a for a in f.case.alternative_diagnoses if a.kind == kind]
        if any(a.status == "confirmed" for a in seen):
            return Evidence(True, f"{kind} confirmed")
        if seen and all(a.status == "excluded" for a in seen):
            return Evidence(False, f"{kind} excluded" + (f" ({seen[-1].basis})" if seen[-1].basis else ""))
        if any(a.status == "suspected" for a in seen):
            return unknown(f"{kind} suspected, not yet excluded")
        return unknown(f"{kind} documented as excluded")
    return fact


def _any_site_in(sites: frozenset[str], label: str) -> Callable[[CaseFacts], Evidence]:
    def fact(f: CaseFacts) -> Evidence:
        if not f.lesions:
            return unknown("imaging with lesions")
        hits = sorted({les.site for _, _, les in f.lesions if les.site in sites})
        return Evidence(bool(hits), f"{label}: {', '.join(hits) or 'none'}")
    return fact


def _any_finding(finding: str) -> Callable[[CaseFacts], Evidence]:
    def fact(f: CaseFacts) -> Evidence:
        if not f.lesions:
            return unknown("imaging with lesions")
        hits = [f"{les.site} ({d})" for d, _, les in f.lesions if finding in les.findings]
        return Evidence(bool(hits), f"{finding}: {', '.join(hits) or 'not reported'}")
    return fact


_spine = _any_site_in(frozenset(s.id for s in bone_sites().values() if s.region == "spine"), "spinal lesions")


def _cytopenia(f: CaseFacts) -> Evidence:
    """Any count below the lab's range decides; otherwise WBC, Hb and platelets must all be known."""
    parts = [_below_reference(t)(f) for t in ("wbc", "haemoglobin", "platelets", "neutrophils")]
    low = [p for p in parts if p.value is True]
    if low:
        return Evidence(True, "; ".join(p.source for p in low if p.source))
    core = any_of(*parts[:3])
    if core.value is None:
        return core
    return Evidence(False, "blood count within the laboratory's ranges")


def _unifocal_non_clavicular(f: CaseFacts) -> Evidence:
    multi, clav = _multifocal(f), _clavicle_only(f)
    if multi.value is None:
        return multi
    return Evidence(not multi.value and not clav.value, multi.source)


def _course_response(drug_class: str, responses: frozenset[str], label: str) -> Callable[[CaseFacts], Evidence]:
    def fact(f: CaseFacts) -> Evidence:
        courses = [m for m in f.case.medicines if m.drug_class == drug_class]
        hits = [m for m in courses if m.response in responses]
        if hits:
            return Evidence(True, f"{label}: {hits[0].drug} from {hits[0].start}")
        return Evidence(False, f"no {label} recorded")
    return fact


def _systemic_symptoms(f: CaseFacts) -> Evidence:
    return any_of(_fever(f), f.symptom("weight_loss"))


FEATURES: dict[str, Callable[[CaseFacts], Evidence]] = {
    "cytopenia": _cytopenia,
    "unifocal_non_clavicular": _unifocal_non_clavicular,
    "systemic_symptoms": _systemic_symptoms,
    "nsaid_no_response": _course_response("nsaid", frozenset({"none"}), "NSAID without response"),
    "antibiotic_response": _course_response("antibiotic", frozenset({"complete", "partial"}),
                                            "response to antibiotics"),
    "multifocal": _multifocal,
    "unifocal": lambda f: Evidence(None if (m := _multifocal(f)).value is None else not m.value, m.source, m.missing),
    "symmetric_lesions": _symmetric,
    "marginal_sclerosis": _marginal_sclerosis,
    "axial_lesion": _site_flag("jansson_axial", "vertebral/clavicular/sternal lesions"),
    "femur_involved": _site_flag("nbods_femur", "femur lesions"),
    "clavicle_only": _clavicle_only,
    "spinal_lesion": _spine,
    "mandible_lesion": _any_site_in(frozenset({"mandible"}), "mandible lesions"),
    "clavicle_lesion": _any_site_in(frozenset({"clavicle"}), "clavicle lesions"),
    "normal_blood_count": _normal_blood_count,
    "anaemia": _below_reference("haemoglobin"),
    "ldh_raised": _above_reference("ldh"),
    "fever": _fever,
    "normal_temperature": _normal_temperature,
    "bone_pain": _bone_pain,
    "no_systemic_features": _no_systemic_features,
    "typical_radiology": _typical_radiology,
    "biopsy_sterile_inflammation": _biopsy_sterile_inflammation,
    "associated_condition": _associated_condition,
    "malignancy_confirmed": _alternative("malignancy"),
    "infection_confirmed": _alternative("infection"),
    "vitamin_c_deficiency_confirmed": _alternative("vitamin_c_deficiency"),
    "hypophosphatasia_confirmed": _alternative("hypophosphatasia"),
    "soft_tissue_mass": _any_finding("soft_tissue_mass"),
    "onion_skin_periosteal_reaction": _any_finding("onion_skin_periosteal_reaction"),
    "vertebral_collapse": _any_finding("vertebral_collapse"),
    "weight_loss": lambda f: f.symptom("weight_loss"),
    "night_pain": lambda f: f.symptom("night_pain"),
    "ill_appearance": lambda f: f.symptom("ill_appearance"),
}

MEASURES = frozenset(lab_tests()) | {"age_at_onset_years", "temperature_max_c", "symptom_duration_weeks"}
