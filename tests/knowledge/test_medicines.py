"""Medicine catalogue (knowledge/data/medicines.yaml): complete against the seed, cited, dose-free, and a
broken file is refused with the entry named."""

from __future__ import annotations

import copy
import re
import typing
from collections.abc import Iterator
from typing import Any

import pytest

from cnocare.clinical.vocabulary import DrugClass
from cnocare.knowledge.catalogue import read_data_file, sources
from cnocare.knowledge.medicines import (
    DRUG_CLASSES,
    Medicine,
    cautions_for,
    drug_class_of,
    medicine,
    medicine_catalogue,
    parse_medicine_catalogue,
)
from cnocare.knowledge.treatment import carra_plans

SEED = "seed 000"

# (where in the seed or the reference notes, name as written there, the class the catalogue must give)
NAMED_MEDICINES = [
    (f"{SEED} line 283 'Ibuprofen (NSAID)'", "ibuprofen", "nsaid"),
    (f"{SEED} line 286 'Naproxen (NSAID)'", "naproxen", "nsaid"),
    (f"{SEED} line 289 'Other NSAIDs or COX-2 inhibitors'", "alternative NSAID", "nsaid"),
    (f"{SEED} line 289 'Other NSAIDs or COX-2 inhibitors'", "COX-2 inhibitor", "nsaid"),
    (f"{SEED} line 289 'e.g., diclofenac'", "diclofenac", "nsaid"),
    (f"{SEED} line 289 'e.g., ... celecoxib'", "celecoxib", "nsaid"),
    (f"{SEED} line 292 'oral corticosteroids (e.g., prednisone)'", "prednisone", "glucocorticoid"),
    (f"{SEED} line 295 'Methotrexate (conventional DMARD)'", "methotrexate", "methotrexate"),
    (f"{SEED} line 296 'together with folic acid'", "folic acid", "other"),
    (f"{SEED} line 298 'Sulfasalazine (conventional DMARD)'", "sulfasalazine", "sulfasalazine"),
    (f"{SEED} line 301 'Pamidronate (intravenous bisphosphonate)'", "pamidronate", "bisphosphonate"),
    (f"{SEED} line 304 'Zoledronic acid (intravenous bisphosphonate)'", "zoledronic acid", "bisphosphonate"),
    (f"{SEED} line 307 'Etanercept (TNF-α inhibitor)'", "etanercept", "tnf_inhibitor"),
    (f"{SEED} line 310 'Adalimumab (TNF-α inhibitor)'", "adalimumab", "tnf_inhibitor"),
    (f"{SEED} line 313 'Infliximab (TNF-α inhibitor, intravenous)'", "infliximab", "tnf_inhibitor"),
    (f"{SEED} line 316 'Anakinra (IL-1 receptor antagonist)'", "anakinra", "il1_inhibitor"),
    (f"{SEED} line 319 'Canakinumab (IL-1β monoclonal antibody)'", "canakinumab", "il1_inhibitor"),
    (f"{SEED} line 322 'Tocilizumab (IL-6 receptor inhibitor)'", "tocilizumab", "other_biologic"),
    (f"{SEED} line 325 'Other biologics (e.g., ustekinumab ...)'", "ustekinumab", "other_biologic"),
    (f"{SEED} line 325 'Other biologics (e.g., ... secukinumab)'", "secukinumab", "il17_inhibitor"),
    (f"{SEED} line 328 'Antibiotics'", "antibiotics", "antibiotic"),
    (f"{SEED} line 331 'Proton pump inhibitors (PPIs)'", "PPI", "other"),
    (f"{SEED} line 332 'PPIs such as omeprazole'", "omeprazole", "other"),
    (f"{SEED} line 334 'Vitamin D and calcium supplements'", "vitamin D", "other"),
    (f"{SEED} line 334 'Vitamin D and calcium supplements'", "calcium", "other"),
    (f"{SEED} line 337 'Low-dose aspirin'", "low-dose aspirin", "other"),
    (f"{SEED} line 337 'or anticoagulants'", "anticoagulant", "other"),
    (f"{SEED} line 362 'blood thinners like warfarin'", "warfarin", "other"),
    (f"{SEED} line 340 'e.g., gabapentin'", "gabapentin", "analgesic"),
    (f"{SEED} line 340 'e.g., ... amitriptyline'", "amitriptyline", "analgesic"),
    (f"{SEED} line 346 'Vitamin D'", "vitamin D", "other"),
    (f"{SEED} line 349 'Calcium'", "calcium", "other"),
    (f"{SEED} line 352 'Omega-3 fatty acids (EPA/DHA)'", "omega-3", "other"),
    (f"{SEED} line 355 'Protein supplements (whey or plant protein)'", "whey protein", "other"),
    (f"{SEED} line 358 'Magnesium'", "magnesium", "other"),
    (f"{SEED} line 361 'Vitamin K (mainly K2 forms)'", "vitamin K2", "other"),
    (f"{SEED} line 364 'polyphenol supplements (e.g., curcumin)'", "curcumin", "other"),
    (f"{SEED} line 367 'Probiotics'", "probiotics", "other"),
    (f"{SEED} line 370 'Multivitamin with trace elements (e.g., zinc, selenium)'", "multivitamin", "other"),
    (f"{SEED} line 373 'Evidence-based medical nutrition shakes'", "nutrition shake", "other"),
    (f"{SEED} line 393 'mesenchymal stem-cell (MSC) therapies'", "MSC therapy", "other"),
    ("reference notes §6.2 'indomethacin'", "indomethacin", "nsaid"),
    ("reference notes §6.2 'meloxicam'", "meloxicam", "nsaid"),
    ("reference notes §6.4 'Ibandronate (4 infusions)'", "ibandronate", "bisphosphonate"),
    ("reference notes §7 'paracetamol/ibuprofen prophylaxis'", "paracetamol", "analgesic"),
]

DOSE = re.compile(r"mg\s*/\s*kg|mg per|\d\s*(?:mg|g|mcg|µg|microgram|IU|units?)\b|/\s*(?:day|dose)\b", re.IGNORECASE)
NUMBER = re.compile(r"(?<![\w/-])\d+(?:\.\d+)?(?:–\d+)?(?![\w/]|-OH)")

# Every number the catalogue's texts may contain, with the sources allowed to carry it (reference notes §§6, 7,
# 12.2). A new number needs an entry here, so it cannot arrive without its source.
ALLOWED_NUMBERS: dict[str, set[str]] = {
    "2.1": {"starship_bisphosphonate"}, "50": {"starship_bisphosphonate"},      # §7
    "1–2": {"acr2021_jia_monitoring"}, "3–4": {"acr2021_jia_monitoring"}, "6–12": {"acr2021_jia_monitoring"},
    "57": {"borzutzky2012"}, "66": {"borzutzky2012"}, "91": {"borzutzky2012"}, "95": {"borzutzky2012"},
    "70": {"borzutzky2012"},                                                            # §§6.5, 9.1
    "37": {"beck2010"}, "43": {"beck2010"}, "6": {"beck2010", "miettunen2009"},        # §§5.1, 6.4
    "3": {"miettunen2009", "hedrich2013", "uk_pamidronate_monograph"},                 # §§6.4, 12.2
    "46": {"uk_pamidronate_cohort2019"}, "42.5": {"uk_pamidronate_cohort2019"},
    "82.3": {"uk_pamidronate_cohort2019"}, "2": {"uk_pamidronate_cohort2019"},         # §6.4
}


def catalogue_texts() -> Iterator[tuple[str, str, str]]:
    """(where, text, source) for every sentence of the catalogue."""
    cat = medicine_catalogue()
    for m in cat.medicines.values():
        yield m.id, m.how_it_works, m.source
        yield m.id, m.label, m.source
        for t in m.cited():
            yield m.id, t.text, t.source
    for c in cat.cautions.values():
        yield f"caution {c.id}", c.text, c.source


def all_strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for k, v in node.items():
            yield str(k)
            yield from all_strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from all_strings(v)


def raw() -> dict[str, Any]:
    return copy.deepcopy(read_data_file("medicines.yaml"))


# ---------------------------------------------------------------- completeness and derived classes

@pytest.mark.parametrize(("where", "name", "drug_class"), NAMED_MEDICINES)
def test_every_medicine_the_seed_and_notes_name_is_catalogued_with_its_class(where: str, name: str,
                                                                            drug_class: str) -> None:
    assert drug_class_of(name) == drug_class, f"{name!r} ({where})"


@pytest.mark.parametrize(("name", "drug_class"), [
    ("methotrexate", "methotrexate"), ("naproxen", "nsaid"), ("Prednisolone", "glucocorticoid"),
    ("  NAPROXEN ", "nsaid"), ("Zoledronate", "bisphosphonate"), ("Indometacin", "nsaid"),
])
def test_the_drug_class_is_derived_from_the_catalogue_by_any_name(name: str, drug_class: str) -> None:
    assert drug_class_of(name) == drug_class


def test_an_unknown_medicine_has_no_class_and_no_cautions() -> None:
    assert drug_class_of("made-up-umab") is None
    assert cautions_for("made-up-umab") == ()


def test_the_drug_class_list_equals_the_cores_literal() -> None:
    assert typing.get_args(DrugClass) == DRUG_CLASSES


def test_every_entry_says_what_it_is_and_how_solid_that_is() -> None:
    for m in medicine_catalogue().medicines.values():
        assert m.how_it_works.strip() and m.cno_evidence.text.strip(), m.id
        assert m.kind in ("drug", "supplement", "biologic"), m.id
        if m.kind == "supplement":
            assert m.drug_class == "other", m.id


# ---------------------------------------------------------------- cautions

@pytest.mark.parametrize(("caution", "medicines", "not_for"), [
    ("nsaid_kidneys", ["ibuprofen", "naproxen", "celecoxib", "diclofenac", "meloxicam", "indometacin"],
     ["paracetamol", "low-dose aspirin"]),
    ("glucocorticoid_before_malignancy_excluded", ["prednisolone", "prednisone"], ["methotrexate"]),
    ("vitamin_k_warfarin", ["vitamin K2", "warfarin"], ["vitamin D", "anticoagulant"]),
    ("live_vaccines_immunosuppression",
     ["methotrexate", "etanercept", "adalimumab", "infliximab", "anakinra", "canakinumab", "tocilizumab",
      "secukinumab", "ustekinumab"], ["naproxen", "pamidronate", "vitamin D"]),
    ("bisphosphonate_low_calcium_vitamin_d", ["pamidronate", "zoledronic acid", "ibandronate"],
     ["calcium", "infliximab"]),
])
def test_the_required_cautions_attach_to_the_right_medicines(caution: str, medicines: list[str],
                                                             not_for: list[str]) -> None:
    for name in medicines:
        assert caution in [c.id for c in cautions_for(name)], name
    for name in not_for:
        assert caution not in [c.id for c in cautions_for(name)], name


def test_the_caution_classes_are_the_ones_the_issue_names() -> None:
    cautions = medicine_catalogue().cautions
    assert cautions["nsaid_kidneys"].applies_to_classes == ("nsaid",)
    assert cautions["glucocorticoid_before_malignancy_excluded"].applies_to_classes == ("glucocorticoid",)
    assert set(cautions["live_vaccines_immunosuppression"].applies_to_classes) == {
        "methotrexate", "tnf_inhibitor", "il1_inhibitor", "il17_inhibitor", "other_biologic"}
    assert cautions["bisphosphonate_low_calcium_vitamin_d"].applies_to_classes == ("bisphosphonate",)


def test_the_bisphosphonate_caution_carries_the_starship_cut_offs_as_data() -> None:
    """Reference notes §7 (Starship, institutional): Ca < 2.1 mmol/L, 25-OH-D < 50 nmol/L."""
    c = medicine_catalogue().cautions["bisphosphonate_low_calcium_vitamin_d"]
    assert c.source == "starship_bisphosphonate"
    assert {(p.measure, p.op, p.value, p.unit) for p in c.when_any} == {
        ("calcium", "<", 2.1, "mmol/L"), ("vitamin_d_25oh", "<", 50, "nmol/L")}
    assert "2.1 mmol/L" in c.text and "50 nmol/L" in c.text


def test_steroids_before_malignancy_cite_the_leukaemia_source() -> None:
    assert medicine_catalogue().cautions["glucocorticoid_before_malignancy_excluded"].source == \
        "leukaemia_before_steroids2002"


# ---------------------------------------------------------------- checks, plans, specialist use

def _texts(items: tuple[Any, ...]) -> str:
    return " | ".join(i.text for i in items).lower()


@pytest.mark.parametrize("name", ["etanercept", "adalimumab", "infliximab"])
def test_tnf_inhibitors_need_tuberculosis_screening_first(name: str) -> None:
    m = medicine(name)
    assert m is not None and "tuberculosis" in _texts(m.pre_treatment_checks)


@pytest.mark.parametrize("name", ["pamidronate", "zoledronic_acid", "ibandronate"])
def test_bisphosphonates_need_calcium_vitamin_d_kidney_and_dental_checks(name: str) -> None:
    m = medicine(name)
    assert m is not None
    checks = _texts(m.pre_treatment_checks)
    for word in ("calcium", "vitamin d", "creatinine", "dental"):
        assert word in checks, word


@pytest.mark.parametrize("name", ["methotrexate", "sulfasalazine"])
def test_dmards_are_monitored_with_blood_count_liver_tests_and_creatinine(name: str) -> None:
    m = medicine(name)
    assert m is not None
    monitoring = _texts(m.monitoring)
    for word in ("blood count", "liver", "creatinine"):
        assert word in monitoring, word


def test_only_the_carra_agents_sit_in_a_carra_plan() -> None:
    arms = {m.id: m.carra_arm for m in medicine_catalogue().medicines.values() if m.carra_arm}
    assert arms == {
        "methotrexate": "methotrexate_or_sulfasalazine", "sulfasalazine": "methotrexate_or_sulfasalazine",
        "etanercept": "tnf_inhibitor", "adalimumab": "tnf_inhibitor", "infliximab": "tnf_inhibitor",
        "pamidronate": "bisphosphonate", "zoledronic_acid": "bisphosphonate",
    }


def test_interleukin_blockade_is_specialist_only() -> None:
    specialist = {m.id for m in medicine_catalogue().medicines.values() if m.specialist_only}
    assert {"anakinra", "canakinumab", "tocilizumab", "secukinumab", "ustekinumab"} <= specialist
    assert not specialist & {"methotrexate", "etanercept", "pamidronate", "naproxen"}


# ---------------------------------------------------------------- no doses; every number and source cited

def test_no_entry_contains_a_dose() -> None:
    for text in all_strings(raw()):
        assert not DOSE.search(text), text


@pytest.mark.parametrize("text", ["15 mg/kg/day", "200 mg twice daily", "1,000 mg per day", "0.5mg", "4 mcg"])
def test_the_dose_pattern_catches_doses(text: str) -> None:
    assert DOSE.search(text)


def test_every_number_is_one_the_reference_notes_give_with_its_source() -> None:
    for where, text, source in catalogue_texts():
        for number in NUMBER.findall(text):
            assert number in ALLOWED_NUMBERS, f"{where}: {number!r} in {text!r} is not a listed cited number"
            assert source in ALLOWED_NUMBERS[number], f"{where}: {number!r} cited to {source!r}"


def test_every_source_resolves() -> None:
    known = sources()
    for where, _, source in catalogue_texts():
        assert source in known, f"{where} cites {source!r}"


def test_identifiers_of_new_sources_are_well_formed() -> None:
    cited = {s for _, _, s in catalogue_texts()}
    for key in cited:
        src = sources()[key]
        assert src.pmid is None or src.pmid.isdigit(), key
        assert src.doi is None or src.doi.startswith("10."), key
        assert src.pmcid is None or re.fullmatch(r"PMC\d+", src.pmcid), key


# Sources the catalogue cites whose PMID and DOI the reference notes do not print; tests/knowledge/test_catalogue.py
# keeps its own list of such keys ("not_papers") and needs these added to it.
WITHOUT_PMID_OR_DOI = {
    "seed_patient_information": "the project's seed article",
    "starship_bisphosphonate": "an institutional guideline page",
    "acr2021_jia_monitoring": "a paper; the notes give only a PMCID (authorship and year recalled)",
    "miettunen2009": "a paper; the notes give only a PMCID",
    "uk_pamidronate_monograph": "an institutional drug monograph",
    "kozhevnikov_zorin2023": "a case report whose identifiers the notes do not print",
    "bisphosphonate_acute_phase_reports": "a summary of low-quality, non-CNO sources",
}


def test_the_sources_without_pmid_or_doi_are_exactly_the_known_ones() -> None:
    cited = {s for _, _, s in catalogue_texts()}
    assert {k for k in cited if not (sources()[k].pmid or sources()[k].doi)} == set(WITHOUT_PMID_OR_DOI)


# ---------------------------------------------------------------- a broken file is refused, naming the entry

def _refused(data: dict[str, Any], *words: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_medicine_catalogue(data, "test.yaml")
    for word in words:
        assert word in str(err.value), str(err.value)


def test_an_unknown_source_is_refused_naming_the_entry() -> None:
    data = raw()
    data["medicines"]["naproxen"]["source"] = "no_such_paper"
    _refused(data, "naproxen", "no_such_paper")


def test_an_unknown_source_on_one_statement_is_refused_naming_the_entry() -> None:
    data = raw()
    data["medicines"]["methotrexate"]["monitoring"] = [{"text": "bloods", "source": "no_such_paper",
                                                        "status": "secondary"}]
    _refused(data, "methotrexate", "no_such_paper")


def test_an_unknown_caution_is_refused_naming_the_entry() -> None:
    data = raw()
    data["medicines"]["ibuprofen"]["cautions"] = ["nsaid_kidneys", "no_such_caution"]
    _refused(data, "ibuprofen", "no_such_caution")


def test_an_entry_missing_a_caution_its_class_calls_for_is_refused() -> None:
    data = raw()
    data["medicines"]["ibuprofen"]["cautions"] = []
    _refused(data, "ibuprofen", "nsaid_kidneys")


def test_an_unknown_drug_class_is_refused_naming_the_entry() -> None:
    data = raw()
    data["medicines"]["naproxen"]["drug_class"] = "painkiller"
    _refused(data, "naproxen", "drug_class")


def test_interleukin_blockade_without_specialist_only_is_refused() -> None:
    data = raw()
    data["medicines"]["tocilizumab"]["specialist_only"] = False
    _refused(data, "tocilizumab", "specialist_only")


def test_a_carra_plan_that_does_not_match_the_class_is_refused() -> None:
    data = raw()
    data["medicines"]["naproxen"]["carra_arm"] = "tnf_inhibitor"
    _refused(data, "naproxen", "CARRA")


def test_an_unknown_carra_plan_is_refused_naming_the_entry() -> None:
    data = raw()
    data["medicines"]["methotrexate"]["carra_arm"] = "dmard"
    _refused(data, "methotrexate", "dmard")


def test_every_carra_agent_sits_in_a_plan_of_the_carra_file_that_lists_its_class() -> None:
    arms = carra_plans().arms
    for m in medicine_catalogue().medicines.values():
        if m.carra_arm:
            assert m.drug_class in arms[m.carra_arm].classes, m.id


def test_a_name_used_by_two_entries_is_refused() -> None:
    data = raw()
    data["medicines"]["naproxen"]["aliases"] = ["ibuprofen"]
    _refused(data, "naproxen", "ibuprofen")


def test_a_dose_field_is_refused() -> None:
    data = raw()
    data["medicines"]["methotrexate"]["dose"] = "weekly"
    _refused(data, "methotrexate", "dose")


def test_a_caution_for_an_unknown_medicine_is_refused() -> None:
    data = raw()
    data["cautions"]["vitamin_k_warfarin"]["applies_to_medicines"] = ["vitamin_k2", "warfarin", "coumadinx"]
    _refused(data, "vitamin_k_warfarin", "coumadinx")


def test_the_shipped_file_parses_to_the_cached_catalogue() -> None:
    fresh = parse_medicine_catalogue(raw())
    assert fresh == medicine_catalogue()
    assert isinstance(next(iter(fresh.medicines.values())), Medicine)
