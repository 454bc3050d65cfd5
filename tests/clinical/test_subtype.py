"""Where a patient sits on the CNO spectrum (clinical/subtype.py, knowledge/data/subtypes.yaml)."""

from __future__ import annotations

from typing import Any

import pytest
from builders import build_case, study

from cnocare.clinical import subtype
from cnocare.clinical.facts import CaseFacts
from cnocare.clinical.subtype import SubtypeResult


def subtype_of(**kwargs: Any) -> SubtypeResult:
    return subtype.assess(CaseFacts(build_case(**kwargs)))


def gene(name: str, classification: str = "pathogenic", zygosity: str | None = "homozygous") -> dict[str, Any]:
    out: dict[str, Any] = {"gene": name, "variant": "c.0synthetic", "classification": classification}
    if zygosity is not None:
        out["zygosity"] = zygosity
    return out


def episode(ident: str, kind: str, start: str) -> dict[str, str]:
    return {"id": ident, "kind": kind, "start": start}


def test_a_single_lesion_on_whole_body_imaging_is_unifocal_and_may_become_multifocal() -> None:
    result = subtype_of(lesions=["tibia:left"])
    assert "unifocal" in result.labels
    assert any("may become multifocal" in f for f in result.findings)


def test_a_single_lesion_on_local_imaging_is_unifocal_so_far_only() -> None:
    result = subtype_of(imaging=[study(["tibia:left"], whole_body=False)])
    assert "unifocal so far — no whole-body imaging" in result.labels and "unifocal" not in result.labels


def test_two_foci_in_one_femur_are_multifocal() -> None:
    two_foci = {"date": "2026-03-02", "modality": "whole_body_mri", "lesions": [
        {"site": "femur", "side": "left", "segment": "distal_metaphysis", "findings": ["marrow_oedema"]},
        {"site": "femur", "side": "left", "segment": "proximal_metaphysis", "findings": ["marrow_oedema"]}]}
    assert "multifocal (CRMO)" in subtype_of(imaging=[two_foci]).labels


def test_lesions_in_two_bones_are_multifocal() -> None:
    result = subtype_of(lesions=["tibia:left", "tibia:right"])
    assert "multifocal (CRMO)" in result.labels and "unifocal" not in result.labels


def test_a_vertebral_lesion_is_reported_as_spinal_involvement() -> None:
    result = subtype_of(lesions=["T7", "femur:left"])
    assert "spinal involvement" in result.labels
    assert any("compression fractures" in f for f in result.findings)


@pytest.mark.parametrize(("kwargs", "trigger"), [
    ({"age_at_onset": 1.5}, "onset at 1.5 years"),
    ({"conditions": ["neonatal_pustulosis"]}, "neonatal pustulosis"),
    ({"conditions": ["congenital_dyserythropoietic_anaemia"]}, "congenital dyserythropoietic anaemia"),
])
def test_early_onset_neonatal_pustulosis_or_cda_raise_a_suspected_syndromic_form(kwargs: dict[str, Any],
                                                                                 trigger: str) -> None:
    result = subtype_of(lesions=["tibia:left", "femur:left"], **kwargs)
    assert "suspected syndromic form" in result.labels
    assert any(trigger in f for f in result.findings)
    assert any("LPIN2" in t and "IL1RN" in t for t in result.suggested_tests)


def test_onset_at_2_years_is_not_a_syndromic_trigger_by_itself() -> None:
    assert "suspected syndromic form" not in subtype_of(lesions=["tibia:left"], age_at_onset=2.0).labels


@pytest.mark.parametrize(("name", "classification", "label"), [
    ("LPIN2", "pathogenic", "syndromic: Majeed syndrome"),
    ("lpin2", "likely_pathogenic", "syndromic: Majeed syndrome"),
    ("IL1RN", "pathogenic", "syndromic: DIRA (deficiency of the IL-1 receptor antagonist)"),
])
def test_a_pathogenic_lpin2_or_il1rn_variant_gives_the_syndromic_label(name: str, classification: str,
                                                                       label: str) -> None:
    result = subtype_of(lesions=["tibia:left", "femur:left"], age_at_onset=1.0,
                        genetics=[gene(name, classification)])
    assert label in result.labels
    assert "suspected syndromic form" not in result.labels  # a confirmed form replaces the suspicion


@pytest.mark.parametrize(("zygosity", "expected"), [
    ("heterozygous", "one variant only"), (None, "zygosity not reported")])
def test_one_lpin2_variant_or_unknown_zygosity_is_not_called_majeed_syndrome(zygosity: str | None,
                                                                             expected: str) -> None:
    result = subtype_of(lesions=["tibia:left", "femur:left"], genetics=[gene("LPIN2", zygosity=zygosity)])
    assert "syndromic: Majeed syndrome" not in result.labels
    assert any(expected in f for f in result.findings)


def test_fblim1_is_a_reported_association_without_a_syndrome_name() -> None:
    result = subtype_of(lesions=["tibia:left", "femur:left"], genetics=[gene("FBLIM1")])
    assert not any(x.startswith("syndromic") for x in result.labels)
    assert any(f.startswith("reported association: FBLIM1") for f in result.findings)


def test_psoriasis_with_a_sternoclavicular_lesion_is_sapho_like() -> None:
    assert "SAPHO-like presentation" in subtype_of(lesions=["clavicle:left", "sternum"],
                                                   conditions=["psoriasis"]).labels
    assert "SAPHO-like presentation" not in subtype_of(lesions=["tibia:left", "femur:left"],
                                                       conditions=["psoriasis"]).labels


def test_a_proven_mimic_is_not_placed_on_the_cno_spectrum() -> None:
    result = subtype_of(lesions=["tibia:left", "femur:left"], confirmed=("malignancy",))
    assert result.labels == () and result.on_cno_spectrum is False
    assert "malignancy confirmed" in result.explanation


def test_family_history_of_crmo_is_read() -> None:
    result = subtype_of(lesions=["tibia:left", "femur:left"],
                        family_history=[{"relation": "first_degree", "condition": "CRMO"}])
    assert any("family history: CRMO" in f for f in result.findings)


def test_a_variant_of_uncertain_significance_gives_no_syndromic_label() -> None:
    result = subtype_of(lesions=["tibia:left"], genetics=[gene("LPIN2", "uncertain_significance")])
    assert not any(x.startswith("syndromic") for x in result.labels)


@pytest.mark.parametrize("condition", ["psoriasis", "palmoplantar_pustulosis", "inflammatory_bowel_disease"])
def test_psoriasis_ppp_or_ibd_is_reported_as_associated_disease(condition: str) -> None:
    result = subtype_of(lesions=["tibia:left"], conditions=[condition])
    assert "associated inflammatory disease" in result.labels
    assert any(condition.replace("_", " ") in f for f in result.findings)


def test_a_condition_recorded_absent_is_not_associated_disease() -> None:
    result = subtype_of(lesions=["tibia:left"], conditions=[{"kind": "psoriasis", "present": False}])
    assert "associated inflammatory disease" not in result.labels


@pytest.mark.parametrize("skin", ["severe_acne", "palmoplantar_pustulosis"])
def test_osteitis_with_severe_acne_or_ppp_is_sapho_like(skin: str) -> None:
    assert "SAPHO-like presentation" in subtype_of(lesions=["sternum", "clavicle:right"], conditions=[skin]).labels


def test_skin_disease_without_a_bone_lesion_is_not_sapho_like() -> None:
    assert "SAPHO-like presentation" not in subtype_of(conditions=["severe_acne"]).labels


def test_a_presentation_and_a_flare_make_a_recurrent_course() -> None:
    episodes = [episode("p", "presentation", "2025-06-01"), episode("f", "flare", "2026-01-10")]
    result = subtype_of(lesions=["tibia:left"], episodes=episodes)
    assert "recurrent course" in result.labels
    assert "2 episodes recorded" in result.findings


def test_a_single_presentation_is_not_a_recurrent_course() -> None:
    episodes = [episode("p", "presentation", "2025-06-01"), episode("r", "remission", "2025-12-01")]
    assert "recurrent course" not in subtype_of(lesions=["tibia:left"], episodes=episodes).labels


def test_without_any_lesion_the_subtype_cannot_be_described() -> None:
    result = subtype_of(age_at_onset=10)
    assert result.labels == ()
    assert "cannot be described" in result.explanation
