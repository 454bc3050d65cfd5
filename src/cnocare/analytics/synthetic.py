"""A reproducible synthetic CNO cohort for demos, training and benchmarks. Not real patients.

Cohort-level rates are drawn once per seed from the ranges in
/work/shared/reference/clinical-instruments.md §9.2 (which span the cohorts of §9.1), as that section
advises, instead of fixing one study's figure. Reference intervals on generated lab results are
synthetic and labelled so (``reference_source``); they are not any laboratory's intervals.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

from pydantic import BaseModel, ConfigDict

from cnocare.analytics.treatment_demo import add_treatment_records
from cnocare.records.imaging.schemas import ImagingStudyCreate, LesionFields
from cnocare.records.labs.schemas import LabResultCreate
from cnocare.records.schemas import (
    AlternativeDiagnosisCreate,
    BiopsyCreate,
    CarePlanItemCreate,
    ChaqCreate,
    ClinicalCheckCreate,
    ClinicalNoteCreate,
    CoexistingConditionCreate,
    EpisodeCreate,
    FamilyHistoryCreate,
    InfusionCreate,
    MeasurementCreate,
    MedicineCourseCreate,
    SymptomCreate,
    VisitCreate,
)

COHORT_END = dt.date(2026, 6, 30)  # fixed, so a seed gives the same cohort on any day
SYNTHETIC = "synthetic (demo data; not a laboratory reference interval)"
CENTRES = (("DEMO-N", "Northfield Children's Hospital (demo)"), ("DEMO-S", "Southbank Paediatric Centre (demo)"),
           ("DEMO-E", "Eastgate University Hospital (demo)"), ("DEMO-W", "Westmoor Rheumatology Clinic (demo)"))
# Synthetic intervals (canonical units) so demo pages show "outside the reference interval" styling.
DEMO_INTERVALS = {"crp": (0.0, 5.0), "esr": (0.0, 20.0), "wbc": (4.5, 13.5), "haemoglobin": (115.0, 155.0),
                  "platelets": (150.0, 450.0), "ldh": (120.0, 300.0)}
GIVEN = ("Maya", "Noah", "Lena", "Omar", "Sofia", "Ivan", "Amara", "Leo", "Freya", "Kenji", "Zara", "Elias",
         "Nadia", "Theo", "Ines", "Ravi", "Clara", "Yusuf", "Mila", "Jonas", "Aisha", "Finn", "Lucia", "Tomas")
FAMILY = ("Lind", "Okafor", "Rossi", "Novak", "Haddad", "Berg", "Silva", "Kowalski", "Murphy", "Tanaka", "Adeyemi",
          "Fischer", "Moreau", "Costa", "Larsen", "Petrov", "Nguyen", "Hughes", "Sato", "Kaur")
# (site, weight range of patients with >= 1 lesion there, §9.2 "Site frequencies"); spine and pelvis expand below.
SITES = (("tibia", 0.30, 0.64), ("femur", 0.28, 0.61), ("pelvis", 0.28, 0.39), ("spine", 0.27, 0.46),
         ("clavicle", 0.11, 0.25), ("mandible", 0.18, 0.18), ("sternum", 0.08, 0.11), ("rib", 0.08, 0.08),
         ("foot", 0.40, 0.40))
LONG_SEGMENTS = ("distal_metaphysis", "proximal_metaphysis", "diaphysis", "distal_epiphysis")
VERTEBRAE = tuple(f"T{i}" for i in range(1, 13)) + tuple(f"L{i}" for i in range(1, 6))
SECOND_LINE = (("methotrexate", "methotrexate"), ("sulfasalazine", "sulfasalazine"),
               ("adalimumab", "tnf_inhibitor"), ("etanercept", "tnf_inhibitor"), ("pamidronate", "bisphosphonate"))


class PatientBundle(BaseModel):
    """One synthetic patient: demographics plus every record, as Create schemas."""

    model_config = ConfigDict(frozen=True)

    centre_code: str
    name: str
    hospital_number: str
    sex: str
    date_of_birth: dt.date
    onset_date: dt.date
    mimic: str | None = None  # "leukaemia_like" / "infection_like": a case that must trip red flags
    visits: tuple[VisitCreate, ...] = ()
    episodes: tuple[EpisodeCreate, ...] = ()
    symptoms: tuple[SymptomCreate, ...] = ()
    imaging: tuple[ImagingStudyCreate, ...] = ()
    labs: tuple[LabResultCreate, ...] = ()
    biopsies: tuple[BiopsyCreate, ...] = ()
    medicines: tuple[MedicineCourseCreate, ...] = ()
    conditions: tuple[CoexistingConditionCreate, ...] = ()
    alternatives: tuple[AlternativeDiagnosisCreate, ...] = ()
    family_history: tuple[FamilyHistoryCreate, ...] = ()
    notes: tuple[ClinicalNoteCreate, ...] = ()
    measurements: tuple[MeasurementCreate, ...] = ()
    infusions: tuple[InfusionCreate, ...] = ()
    chaq: tuple[ChaqCreate, ...] = ()
    checks: tuple[ClinicalCheckCreate, ...] = ()
    care_plan: tuple[CarePlanItemCreate, ...] = ()


class CohortRates(BaseModel):
    """Cohort-level parameters, each drawn from its §9.2 range."""

    female: float
    onset_age_mean: float
    delay_median_months: float
    unifocal: float
    raised_markers: float
    fever: float
    hla_b27: float
    ana: float
    extra_osseous: float
    nsaid_sufficient: float
    biopsy: float
    site_weights: dict[str, float]


def draw_rates(rng: random.Random) -> CohortRates:
    u = rng.uniform
    return CohortRates(
        female=u(0.55, 0.81), onset_age_mean=u(9.5, 11.1), delay_median_months=u(4, 15), unifocal=u(0.067, 0.28),
        raised_markers=u(0.61, 0.66), fever=u(0.20, 0.44), hla_b27=0.153, ana=0.30, extra_osseous=u(0.20, 0.62),
        # biopsy: from 83 % diagnosable without one (Bristol, §9.1) to 72 % biopsied (Rome, §9.1)
        nsaid_sufficient=u(0.57, 0.85), biopsy=u(0.17, 0.72),
        site_weights={site: u(lo, hi) for site, lo, hi in SITES})


def generate_cohort(n_patients: int, seed: int, cohort_end: dt.date = COHORT_END,
                    min_visits: int = 0) -> list[PatientBundle]:
    """Same ``(n_patients, seed, cohort_end, min_visits)`` → the same cohort. Two of every ~25 patients are
    mimics.

    ``cohort_end`` is the last day of the courses; the demo passes today so follow-up dates are current.
    ``min_visits`` (benchmarks: a clinic-sized chart) adds interim follow-up visits to any patient with
    fewer; 0, the default, adds none, so the demo cohort is the same with or without the parameter.
    """
    if n_patients < 1:
        raise ValueError(f"n_patients {n_patients}; accepted: 1 or more")
    if not 0 <= min_visits <= 200:
        raise ValueError(f"min_visits {min_visits}; accepted: 0 to 200")
    rng = random.Random(seed)
    rates = draw_rates(rng)
    bundles = []
    for index in range(n_patients):
        mimic = {7: "leukaemia_like", 19: "infection_like"}.get(index % 25)
        patient_rng = random.Random(rng.getrandbits(64))
        bundle = _patient(patient_rng, rates, index, mimic, cohort_end)
        if len(bundle.visits) < min_visits:
            # Drawn from the patient's own generator after everything else: the rest of the patient,
            # and every other patient, stay exactly as without min_visits.
            bundle = _with_interim_visits(patient_rng, bundle, min_visits, cohort_end)
        bundles.append(bundle)
    return bundles


def _with_interim_visits(rng: random.Random, bundle: PatientBundle, count: int, end: dt.date) -> PatientBundle:
    """Follow-up visits between the first and the last visit (a short course: up to half a year after the
    first, never past ``end``), each scoring like the visit before it, until there are ``count``."""
    visits = sorted(bundle.visits, key=lambda v: v.date)
    first = visits[0].date
    last = max(visits[-1].date, min(end, first + dt.timedelta(days=180)))
    taken = {v.date for v in visits}
    free = [first + dt.timedelta(days=d) for d in range(1, (last - first).days)
            if first + dt.timedelta(days=d) not in taken]
    added: list[VisitCreate] = []
    for day in sorted(rng.sample(free, min(len(free), count - len(visits)))):
        before = max((v for v in (*visits, *added) if v.date < day), key=lambda v: v.date)
        added.append(VisitCreate(date=day, kind="follow_up", pain_0_10=before.pain_0_10,
                                 physician_global_0_10=before.physician_global_0_10,
                                 # only a visit after the course's last one is the one a review is due from
                                 next_review_due=day + dt.timedelta(days=90) if day > visits[-1].date else None))
    return bundle.model_copy(update={"visits": tuple(sorted((*visits, *added), key=lambda v: v.date))})


def _patient(rng: random.Random, rates: CohortRates, index: int, mimic: str | None,
             end: dt.date) -> PatientBundle:
    sex = "female" if rng.random() < rates.female else "male"
    onset_age = min(17.0, max(2.5, rng.gauss(rates.onset_age_mean, 3.0)))
    delay_months = min(96.0, rng.lognormvariate(math.log(rates.delay_median_months), 0.9))
    # Onsets spread over the eight years before the cohort end, so courses run 0.5–8 years.
    onset = end - dt.timedelta(days=rng.randint(180, 8 * 365))
    dob = onset - dt.timedelta(days=int(onset_age * 365.25))
    diagnosis = min(onset + dt.timedelta(days=int(delay_months * 30.4)), end - dt.timedelta(days=60))
    b: dict[str, list[Any]] = {k: [] for k in ("visits", "episodes", "symptoms", "imaging", "labs", "biopsies",
                                              "medicines", "conditions", "alternatives", "family_history", "notes")}
    raised = rng.random() < rates.raised_markers
    febrile = rng.random() < rates.fever
    lesions = _lesions(rng, rates, unifocal=mimic is not None or rng.random() < rates.unifocal)
    b["episodes"].append(EpisodeCreate(kind="presentation", start=onset))
    b["symptoms"].append(SymptomCreate(kind="bone_pain", present=True, date=onset, site=lesions[0].site,
                                       side=lesions[0].side, severity_0_10=rng.randint(4, 8)))
    if rng.random() < 0.6:
        b["symptoms"].append(SymptomCreate(kind="night_pain", present=rng.random() < 0.5, date=diagnosis))
    if febrile or mimic == "infection_like":
        temp = 39.4 if mimic == "infection_like" else round(rng.uniform(37.8, 38.6), 1)
        b["symptoms"].append(SymptomCreate(kind="fever", present=True, date=diagnosis, temperature_max_c=temp))
    else:  # clinicians document the absence of fever; the instruments need it
        b["symptoms"].append(SymptomCreate(kind="fever", present=False, date=diagnosis))
    b["symptoms"].append(SymptomCreate(kind="ill_appearance", present=mimic == "infection_like", date=diagnosis))
    b["imaging"].append(ImagingStudyCreate(date=diagnosis, modality="whole_body_mri", whole_body=True,
                                           lesions=tuple(lesions)))
    _labs(rng, b, diagnosis, raised=raised, mimic=mimic)
    if mimic == "leukaemia_like":
        b["alternatives"].append(AlternativeDiagnosisCreate(kind="malignancy", status="suspected", date=diagnosis,
                                                            basis="cytopenia; bone marrow aspirate requested"))
    elif mimic == "infection_like":
        b["alternatives"].append(AlternativeDiagnosisCreate(kind="infection", status="suspected", date=diagnosis,
                                                            basis="fever with high CRP; blood culture sent"))
    elif rng.random() < rates.biopsy:
        b["biopsies"].append(BiopsyCreate(date=diagnosis + dt.timedelta(days=rng.randint(5, 30)),
                                          site=lesions[0].site, side=lesions[0].side,
                                          histology=("chronic_inflammation",), culture="negative",
                                          on_antibiotics=False))
        b["alternatives"].append(AlternativeDiagnosisCreate(kind="malignancy", status="excluded",
                                                            date=b["biopsies"][0].date, basis="biopsy histology"))
    if rng.random() < rates.extra_osseous:
        kind = rng.choice(("palmoplantar_pustulosis", "psoriasis", "inflammatory_bowel_disease", "sacroiliitis",
                           "arthritis", "severe_acne"))
        b["conditions"].append(CoexistingConditionCreate(kind=kind, onset=min(end, onset + dt.timedelta(
            days=rng.randint(0, 900)))))
    if rng.random() < 0.15:
        b["family_history"].append(FamilyHistoryCreate(relation=rng.choice(("first_degree", "second_degree")),
                                                       condition=rng.choice(("psoriasis", "Crohn's disease"))))
    if mimic is None:
        _course(rng, rates, b, diagnosis, lesions, raised, end)
    else:
        b["visits"].append(VisitCreate(date=diagnosis, kind="new_patient", pain_0_10=8, physician_global_0_10=7,
                                       next_review_due=diagnosis + dt.timedelta(days=7)))
    add_treatment_records(index, b, dob, end)
    return PatientBundle(
        centre_code=CENTRES[index % len(CENTRES)][0], name=f"{rng.choice(GIVEN)} {rng.choice(FAMILY)}",
        hospital_number=f"DEMO-{index + 1:05d}", sex=sex, date_of_birth=dob, onset_date=onset, mimic=mimic,
        **{k: tuple(v) for k, v in b.items()})


def _lesions(rng: random.Random, rates: CohortRates, unifocal: bool) -> list[LesionFields]:
    # WB-MRI lesion count: median 5–6, range 1–27 (§9.2); a geometric tail above 2 approximates it.
    count = 1 if unifocal else min(27, 2 + int(rng.expovariate(1 / 3.5)))
    sites, weights = list(rates.site_weights), list(rates.site_weights.values())
    out: list[LesionFields] = []
    for _ in range(count):
        region = rng.choices(sites, weights)[0]
        out.append(_lesion(rng, region))
        if region in ("tibia", "femur", "clavicle") and rng.random() < 0.35 and len(out) < count:
            mirrored = "left" if out[-1].side == "right" else "right"  # symmetric lesions are frequent
            out.append(out[-1].model_copy(update={"side": mirrored}))
    return out[:max(count, 1)]


def _lesion(rng: random.Random, region: str) -> LesionFields:
    findings = ("marrow_oedema",) + (("periosteal_reaction",) if rng.random() < 0.2 else ())
    side = rng.choice(("left", "right"))
    if region == "spine":
        level = rng.choice(VERTEBRAE)
        return LesionFields(site=level, side="midline", segment="vertebral_body", findings=findings, activity="active")
    if region == "pelvis":
        return LesionFields(site=rng.choice(("ilium", "ischium", "pubis")), side=side, findings=findings,
                            activity="active")
    if region == "foot":
        return LesionFields(site=rng.choice(("calcaneus", "metatarsals", "talus")), side=side, findings=findings,
                            activity="active", segment="whole")
    if region in ("mandible", "sternum"):
        return LesionFields(site=region, side="midline", findings=(*findings, "sclerosis"), activity="active")
    if region == "rib":
        return LesionFields(site="rib", side=side, findings=findings, activity="active")
    findings = findings + (("hyperostosis",) if region == "clavicle" else ())
    return LesionFields(site=region, side=side, segment=rng.choice(LONG_SEGMENTS), findings=findings,
                        activity="active")


def _lab(test: str, date: dt.date, value: float, unit: str) -> LabResultCreate:
    low, high = DEMO_INTERVALS.get(test, (None, None))
    if unit == "mg/dL" and low is not None and high is not None:  # interval in the reported unit
        low, high = low / 10, high / 10
    decimals = {"esr": 0, "crp": 1, "platelets": 0, "ldh": 0, "haemoglobin": 0}.get(test, 1)
    shown = round(value, decimals) if unit not in ("mg/dL", "g/dL") else round(value, decimals + 1)
    return LabResultCreate(test=test, date=date, value=shown, unit=unit, reference_low=low,
                           reference_high=high, reference_source=SYNTHETIC if low is not None else None)


def _crp(rng: random.Random, date: dt.date, mg_per_l: float) -> LabResultCreate:
    # Some laboratories report CRP in mg/dL; the records layer normalises it (labs.yaml).
    if rng.random() < 0.2:
        return _lab("crp", date, mg_per_l / 10, "mg/dL")
    return _lab("crp", date, mg_per_l, "mg/L")


def _labs(rng: random.Random, b: dict[str, list[Any]], day: dt.date, raised: bool, mimic: str | None) -> None:
    crp = rng.uniform(8, 55) if raised else rng.uniform(0.3, 4.5)  # CRP usually < 30–55 mg/L (§9.2)
    esr = rng.uniform(22, 60) if raised else rng.uniform(3, 18)
    wbc, hb, plt = rng.uniform(5, 11), rng.uniform(118, 145), rng.uniform(190, 420)
    if mimic == "leukaemia_like":
        wbc, hb, plt, crp = 2.1, 82.0, 48.0, 18.0
        b["labs"].append(_lab("ldh", day, 980, "U/L"))
        b["labs"].append(LabResultCreate(test="blasts_percent", date=day, value=4, unit="%"))
    if mimic == "infection_like":
        crp, esr, wbc = 142.0, 88.0, 17.5
        b["labs"].append(LabResultCreate(test="blood_culture", date=day, result="pending"))
    b["labs"] += [_crp(rng, day, crp), _lab("esr", day, esr, "mm/h"), _lab("wbc", day, wbc, "10^9/L"),
                  _lab("haemoglobin", day, hb, "g/L"), _lab("platelets", day, plt, "10^9/L")]
    if mimic is None:
        b["labs"].append(LabResultCreate(test="hla_b27", date=day, result="positive" if rng.random() < 0.153
                                         else "negative"))


def _course(rng: random.Random, rates: CohortRates, b: dict[str, list[Any]], diagnosis: dt.date,
            lesions: list[LesionFields], raised: bool, end: dt.date) -> None:
    """NSAID first; relapse ≈ 50 % by 2 years after NSAID remission (§9.2); step-up when insufficient."""
    b["medicines"].append(MedicineCourseCreate(drug="naproxen", drug_class="nsaid", start=diagnosis,
                                               dose_note="per site formulary"))
    nsaid_ok = rng.random() < rates.nsaid_sufficient
    day, pain, pga, active = diagnosis, rng.uniform(4, 8), rng.uniform(3, 7), True
    kind = "new_patient"
    stepped = False
    while day < end - dt.timedelta(days=30):
        gap = rng.randint(80, 190)
        b["visits"].append(VisitCreate(date=day, kind=kind, pain_0_10=round(pain), physician_global_0_10=round(pga),
                                       next_review_due=day + dt.timedelta(days=gap)))
        kind = "follow_up"
        day += dt.timedelta(days=gap)
        if day >= end:
            break
        if active and (nsaid_ok or stepped) and rng.random() < 0.6:
            active, pain, pga = False, rng.uniform(0, 2), rng.uniform(0, 1)
            b["episodes"].append(EpisodeCreate(kind="remission", start=day))
        elif active and not nsaid_ok and not stepped and day > diagnosis + dt.timedelta(days=60):
            drug, drug_class = rng.choice(SECOND_LINE)
            first = b["medicines"][0]
            b["medicines"][0] = first.model_copy(update={"stop": day, "stop_reason": "insufficient response",
                                                         "response": "partial"})
            b["medicines"].append(MedicineCourseCreate(drug=drug, drug_class=drug_class, start=day,
                                                       dose_note="per site formulary"))
            b["imaging"].append(ImagingStudyCreate(date=day, modality="mri", lesions=tuple(
                lesion.model_copy(update={"activity": "active"}) for lesion in lesions[:3])))
            stepped = True
        elif not active and rng.random() < 0.25:  # a flare, sometimes clinically silent on MRI only
            active, pain, pga = True, rng.uniform(3, 7), rng.uniform(2, 6)
            b["episodes"].append(EpisodeCreate(kind="flare", start=day))
            b["labs"].append(_crp(rng, day, rng.uniform(6, 40) if raised else rng.uniform(0.5, 6)))
            b["imaging"].append(ImagingStudyCreate(date=day, modality="mri", lesions=(
                lesions[0].model_copy(update={"activity": "active"}),)))
        if rng.random() < 0.3:
            b["labs"] += [_crp(rng, day, rng.uniform(0.3, 8)), _lab("esr", day, rng.uniform(3, 25), "mm/h")]
    if b["medicines"][0].stop is None and not active and len(b["medicines"]) == 1:
        stop = min(end, diagnosis + dt.timedelta(days=rng.randint(120, 400)))
        b["medicines"][0] = b["medicines"][0].model_copy(update={"stop": stop, "stop_reason": "remission",
                                                                 "response": "complete"})
    b["notes"].append(ClinicalNoteCreate(date=diagnosis, category="clinic letter",
                                         text="Synthetic demo patient. Not a real person."))

