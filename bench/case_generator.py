"""Random but valid case dicts for benchmarks (not clinically realistic: shapes and sizes only)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

SITES = [("tibia", True), ("femur", True), ("clavicle", True), ("T7", False), ("L2", False), ("ilium", True),
         ("mandible", False), ("sternum", False), ("fibula", True), ("calcaneus", True)]
FINDINGS = ["marrow_oedema", "lysis", "sclerosis", "marginal_sclerosis", "hyperostosis", "periosteal_reaction"]


def generate(n: int, seed: int = 2026) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [_case(rng, i) for i in range(n)]


def _case(rng: random.Random, i: int) -> dict[str, Any]:
    onset = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(0, 600))
    day = lambda k: (onset + dt.timedelta(days=k)).isoformat()  # noqa: E731
    lesions = []
    for site, paired in rng.sample(SITES, rng.randint(1, 5)):
        lesion: dict[str, Any] = {"site": site, "findings": rng.sample(FINDINGS, rng.randint(1, 3))}
        if paired:
            lesion["side"] = rng.choice(["left", "right"])
        lesions.append(lesion)
    labs = []
    if rng.random() < 0.9:
        labs.append({"test": "crp", "date": day(10), "value": round(rng.uniform(0, 12), 2),
                     "unit": rng.choice(["mg/dL", "mg/L"])})
    if rng.random() < 0.8:
        labs += [
            {"test": "wbc", "date": day(10), "value": round(rng.uniform(3, 15), 1), "unit": "10^9/L",
             "reference_low": 4.5, "reference_high": 13.5},
            {"test": "haemoglobin", "date": day(10), "value": rng.randint(90, 150), "unit": "g/L",
             "reference_low": 110, "reference_high": 150},
            {"test": "platelets", "date": day(10), "value": rng.randint(80, 500), "unit": "10^9/L",
             "reference_low": 150, "reference_high": 450},
        ]
    if rng.random() < 0.3:
        labs.append({"test": "band_neutrophils", "date": day(10), "value": rng.randint(0, 600), "unit": "cells/uL"})
    symptoms = [{"kind": "bone_pain", "present": True, "date": day(5), "duration_weeks": rng.randint(1, 40)}]
    if rng.random() < 0.8:
        fever = rng.random() < 0.3
        symptoms.append({"kind": "fever", "present": fever, "date": day(5),
                         **({"temperature_max_c": round(rng.uniform(38, 40), 1)} if fever else {})})
    if rng.random() < 0.7:
        symptoms.append({"kind": "ill_appearance", "present": rng.random() < 0.1, "date": day(5)})
    return {
        "case_id": f"bench-{i}",
        "patient": {"sex": rng.choice(["female", "male"]), "age_at_onset_years": round(rng.uniform(2, 17), 1),
                    "onset_date": onset.isoformat()},
        "symptoms": symptoms,
        "imaging": [{"date": day(20), "modality": rng.choice(["mri", "whole_body_mri", "xray"]), "lesions": lesions}],
        "labs": labs,
    }
