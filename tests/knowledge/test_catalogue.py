"""Knowledge files (knowledge/data/*.yaml): every file validates and every number says where it came from."""

from __future__ import annotations

import math
from typing import Any

import pytest

from cnocare.clinical.criteria import registry
from cnocare.knowledge.catalogue import bone_catalogue, bone_sites, lab_tests, read_data_file, sources, validate_all
from cnocare.knowledge.workup import red_flag_definitions
from cnocare.knowledge.workup import test_definitions as workup_tests

SECONDARY_OR_BETTER = {"verified", "verified-by-derivation", "secondary"}


def test_every_knowledge_file_validates() -> None:
    validate_all()
    assert len(red_flag_definitions()) > 0 and len(workup_tests()) > 0


def cited_keys() -> list[tuple[str, str]]:
    """(where, source key) for every citation in every knowledge file."""
    out = [(f"instrument {d.id}", d.citation) for d in registry.load_all()]
    out += [(f"red flag {f.id}", f.source) for f in red_flag_definitions()]
    out += [(f"work-up test {t.id}", t.source) for t in workup_tests()]
    out += [(f"bone flag {k}", fs.source) for k, fs in bone_catalogue().flag_sources.items()]
    definitions: dict[str, Any] = read_data_file("definitions.yaml")["definitions"]
    out += [(f"definition {k}", v["source"]) for k, v in definitions.items()]
    subtypes = read_data_file("subtypes.yaml")
    out += [(f"gene {g}", v["source"]) for g, v in subtypes["genes"].items()]
    out.append(("syndromic onset", subtypes["syndromic_onset_before_years"]["source"]))
    return out


@pytest.mark.parametrize(("where", "key"), cited_keys())
def test_every_cited_source_key_exists(where: str, key: str) -> None:
    assert key in sources(), f"{where} cites unknown source {key!r}"


def test_every_source_has_a_pmid_or_doi_unless_it_is_not_a_paper() -> None:
    not_papers = {"rheumatologist2025", "mimic_cases", "seed_patient_information", "si_conversion",
                  "local_plausibility", "nhs_paediatric_haematology", "harriet_lane_compilation",
                  "chaq_scoring_secondary", "starship_bisphosphonate", "uk_pamidronate_monograph",
                  # papers whose identifiers the project has not seen:
                  "caliper2012", "singh1994", "acr2021_jia_monitoring", "miettunen2009", "kozhevnikov_zorin2023",
                  "bisphosphonate_acute_phase_reports"}
    for key, src in sources().items():
        if key not in not_papers:
            assert src.pmid or src.doi, key
        if src.pmid:
            assert src.pmid.isdigit(), key


def test_loinc_codes_appear_only_with_status_secondary_or_better() -> None:
    coded = {k: t.loinc for k, t in lab_tests().items() if t.loinc is not None}
    assert coded, "the lab catalogue lists some LOINC codes"
    for key, loinc in coded.items():
        assert loinc.status in SECONDARY_OR_BETTER, key
        assert loinc.source, key
        number, _, check = loinc.code.partition("-")
        assert number.isdigit() and check.isdigit(), key


def test_every_quantitative_lab_has_a_canonical_unit_with_factor_1() -> None:
    for key, test in lab_tests().items():
        if test.kind == "quantitative":
            assert test.unit is not None and test.units[test.unit] == 1, key
            assert test.possible is not None and test.usual is not None
            assert test.possible[0] <= test.usual[0] <= test.usual[1] <= test.possible[1], key


@pytest.mark.parametrize(("test", "unit", "factor"), [
    ("crp", "mg/dL", 10), ("haemoglobin", "g/dL", 10), ("wbc", "/uL", 0.001), ("band_neutrophils", "cells/uL", 0.001),
])
def test_the_common_unit_conversions_match_the_reference_notes(test: str, unit: str, factor: float) -> None:
    """Reference notes: 1 mg/dL = 10 mg/L; 1 cell/µL = 0.001 x 10^9/L."""
    assert math.isclose(lab_tests()[test].units[unit], factor)


def test_the_bone_catalogue_has_every_vertebra_from_c1_to_l5() -> None:
    expected = [f"C{i}" for i in range(1, 8)] + [f"T{i}" for i in range(1, 13)] + [f"L{i}" for i in range(1, 6)]
    sites = bone_sites()
    for ident in expected:
        assert ident in sites, ident
        assert sites[ident].region == "spine" and sites[ident].kind == "vertebra" and not sites[ident].paired


@pytest.mark.parametrize(("site", "paired"), [
    ("femur", True), ("tibia", True), ("clavicle", True), ("rib", True), ("calcaneus", True),
    ("sternum", False), ("mandible", False), ("skull", False), ("sacrum", False), ("T7", False),
])
def test_paired_bones_are_flagged_as_paired(site: str, paired: bool) -> None:
    assert bone_sites()[site].paired is paired


def test_the_jansson_axial_flag_covers_vertebrae_clavicle_and_sternum_only() -> None:
    axial = bone_catalogue().with_flag("jansson_axial")
    assert {"clavicle", "sternum", "T7", "C1", "L5"} <= axial
    assert all(bone_sites()[s].region == "spine" or s in ("clavicle", "sternum") for s in axial)
    assert bone_catalogue().with_flag("nbods_femur") == {"femur"}
