"""Controlled vocabularies of the Case snapshot, in the clinic's words.

Kept apart from ``case.py`` so forms, importers and the JSON Schema share one list.
"""

from __future__ import annotations

from typing import Literal

Sex = Literal["female", "male", "other", "unknown"]

# Every symptom the project's seed article lists, plus ill appearance (a red flag in the
# Zhao/Laxer/Ferguson 2017 work-up advice).
SymptomKind = Literal[
    "bone_pain",             # deep, aching bone pain
    "night_pain",            # pain worse at night / waking from sleep
    "local_swelling",
    "warmth_redness",
    "reduced_joint_motion",
    "limp",
    "back_pain",
    "chest_shoulder_pain",
    "fever",
    "fatigue",
    "weight_loss",
    "limb_length_difference",
    "arthritis",
    "skin_signs",
    "mood_change",
    "ill_appearance",
]

Modality = Literal["xray", "mri", "whole_body_mri", "ct", "bone_scan", "ultrasound"]

Finding = Literal[
    "marrow_oedema",
    "lysis",
    "sclerosis",
    "marginal_sclerosis",
    "hyperostosis",
    "bone_expansion",
    "periosteal_reaction",
    "onion_skin_periosteal_reaction",
    "soft_tissue_mass",
    "vertebral_collapse",
]

Side = Literal["left", "right", "midline"]

LesionActivity = Literal["active", "resolved", "indeterminate"]

# A censored result, as laboratories report values beyond their measuring range ("<5", ">1000");
# the same four comparators as FHIR Quantity.comparator.
Comparator = Literal["<", "<=", ">", ">="]

QualitativeResult = Literal["positive", "negative", "equivocal", "pending"]

CultureResult = Literal["positive", "negative", "pending", "not_done"]

Histology = Literal[
    "chronic_inflammation",
    "acute_inflammation",
    "plasma_cells",
    "osteoclasts",
    "fibrosis",
    "sclerosis",
    "granuloma",
    "malignancy",
    "langerhans_cell_histiocytosis",
    "normal_bone",
    "nondiagnostic",
]

CoexistingConditionKind = Literal[
    "psoriasis",
    "palmoplantar_pustulosis",
    "inflammatory_bowel_disease",
    "severe_acne",
    "arthritis",
    "spondyloarthritis",
    "sacroiliitis",
    "pyoderma_gangrenosum",
    "neonatal_pustulosis",
    "congenital_dyserythropoietic_anaemia",
]

# Diagnoses that the EULAR/ACR 2025 criteria list as exclusions, and the mimics the work-up chases.
AlternativeDiagnosisKind = Literal[
    "malignancy",
    "infection",
    "vitamin_c_deficiency",
    "hypophosphatasia",
    "langerhans_cell_histiocytosis",
]

AlternativeStatus = Literal["confirmed", "suspected", "excluded"]

Relation = Literal["first_degree", "second_degree", "other"]

VariantClass = Literal["pathogenic", "likely_pathogenic", "uncertain_significance", "likely_benign", "benign"]

DrugClass = Literal[
    "nsaid",
    "glucocorticoid",
    "methotrexate",
    "sulfasalazine",
    "tnf_inhibitor",
    "bisphosphonate",
    "il1_inhibitor",
    "il17_inhibitor",
    "other_biologic",
    "antibiotic",
    "analgesic",
    "other",
]

Response = Literal["complete", "partial", "none", "not_assessed"]

EpisodeKind = Literal["presentation", "flare", "remission"]

MeasurementKind = Literal["weight_kg", "height_cm", "limb_length_difference_cm"]

Route = Literal["oral", "subcutaneous", "intravenous", "intramuscular", "topical", "other"]

# Pre-treatment checks that are not laboratory results (the CARRA arms and the seed's vaccination advice).
CheckKind = Literal["dental_review", "vaccination_status_reviewed", "tb_history_reviewed"]

# What was checked before an infusion (bisphosphonate or infliximab): the plans' pre-treatment checks.
InfusionCheck = Literal["calcium", "vitamin_d", "renal_function", "blood_count", "liver_tests", "tb_screen",
                        "temperature_and_wellbeing", "consent"]

# The 20 non-drug therapies of the seed article, in its order, and its procedures for complications.
CarePlanTherapy = Literal[
    "education_and_reassurance", "activity_modification_and_paced_rest", "physiotherapy", "hydrotherapy",
    "occupational_therapy", "orthotics_insoles_and_braces", "heat_and_cold_therapy",
    "cognitive_behavioural_therapy", "mind_body_techniques", "sleep_hygiene_programme",
    "weight_bearing_and_strengthening", "school_and_exam_accommodations", "social_work_and_family_support",
    "peer_support", "falls_prevention", "pain_education", "nutritional_counselling", "smoke_free_home",
    "vaccination_optimisation", "multidisciplinary_follow_up",
]
ProcedureKind = Literal["biopsy", "curettage_debridement", "internal_fixation", "bracing", "spinal_surgery",
                        "corrective_osteotomy"]
CarePlanStatus = Literal["planned", "active", "paused", "completed", "stopped"]
FlareDecision = Literal["confirmed", "dismissed"]

Adherence = Literal["good", "partial", "poor", "not_assessed"]
