"""Synthetic treatment and follow-up data for the demo cohort: growth, CHAQ, globals, infusions, checks,
care plan. Not real patients; the growth figures are a smooth synthetic curve, not a growth standard.

Drawn from a generator of its own per patient, so adding these records leaves the rest of a seed's cohort
exactly as before.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from cnocare.records.schemas import (
    CarePlanItemCreate,
    ChaqCreate,
    ClinicalCheckCreate,
    InfusionCreate,
    MeasurementCreate,
)

CHAQ_ITEMS = {"dressing_grooming": 4, "arising": 2, "eating": 3, "walking": 2, "hygiene": 5, "reach": 4,
              "grip": 5, "activities": 5}


def _age(dob: dt.date, day: dt.date) -> float:
    return (day - dob).days / 365.25


def _chaq(rng: random.Random, day: dt.date, active: bool) -> ChaqCreate:
    worst = 2 if active else 1
    answers = {f"{d}_{n}": str(rng.randint(0, worst) if rng.random() < 0.5 else 0)
               for d, count in CHAQ_ITEMS.items() for n in range(1, count + 1)}
    return ChaqCreate(date=day, answers=answers, aids_or_help=("walking",) if active and rng.random() < 0.3 else (),
                      pain_vas_0_100=rng.randint(30, 70) if active else rng.randint(0, 20),
                      wellbeing_vas_0_100=rng.randint(30, 60) if active else rng.randint(0, 25))


def add_treatment_records(index: int, b: dict[str, list[Any]], dob: dt.date, end: dt.date) -> None:
    """Extend one patient's records in place: weight and height and a CHAQ at visits, the patient global and
    painful sites at visits, infusions and their checks on bisphosphonates, care-plan items."""
    rng = random.Random(index * 7919 + 17)
    lesion_sites = sorted({les.site for study in b["imaging"] for les in study.lesions})
    for n, visit in enumerate(list(b["visits"])):
        age = _age(dob, visit.date)
        weight = round(max(10.0, 2.3 * age + 8 + rng.uniform(-2, 2)), 1)
        height = round(max(80.0, 6.1 * age + 77 + rng.uniform(-4, 4)), 1)
        b.setdefault("measurements", []).append(MeasurementCreate(kind="weight_kg", date=visit.date, value=weight))
        if n % 2 == 0:
            b["measurements"].append(MeasurementCreate(kind="height_cm", date=visit.date, value=height))
        active = (visit.pain_0_10 or 0) >= 3
        sites = tuple(lesion_sites[: rng.randint(1, min(2, len(lesion_sites)))]) if active and lesion_sites else ()
        b["visits"][n] = visit.model_copy(update={
            "patient_global_0_10": min(10, max(0, (visit.pain_0_10 or 0) + rng.randint(-1, 1))),
            "painful_sites": sites})
        if n % 2 == 0:
            b.setdefault("chaq", []).append(_chaq(rng, visit.date, active))
    for course in b["medicines"]:
        if course.drug_class == "bisphosphonate" and course.start is not None:
            b.setdefault("checks", []).append(ClinicalCheckCreate(kind="dental_review", date=course.start,
                                                                  outcome="satisfactory"))
            stop = min(course.stop or (course.start + dt.timedelta(days=365)), end)  # never after the cohort end
            day = course.start
            while day <= stop and len(b.setdefault("infusions", [])) < 4:
                b["infusions"].append(InfusionCreate(drug=course.drug, date=day,
                                                     checks_done=("calcium", "vitamin_d", "renal_function"),
                                                     reaction="fever after the first infusion"
                                                     if day == course.start and rng.random() < 0.4 else None))
                day += dt.timedelta(days=91)
        if course.drug_class in ("methotrexate", "tnf_inhibitor") and course.start is not None:
            b.setdefault("checks", []).append(ClinicalCheckCreate(kind="vaccination_status_reviewed",
                                                                  date=course.start, outcome="satisfactory"))
    if b["visits"]:
        first = b["visits"][0].date
        b.setdefault("care_plan", []).append(CarePlanItemCreate(
            therapy="physiotherapy", goal="Walk to school without a limp", owner="physiotherapist", start=first,
            review_date=first + dt.timedelta(days=90), status="active"))
        b["care_plan"].append(CarePlanItemCreate(
            therapy="school_and_exam_accommodations", goal="Rest breaks and lighter PE during flares",
            owner="school nurse", start=first, review_date=first + dt.timedelta(days=180), status="active"))
