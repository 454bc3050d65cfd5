"""The families' education library (knowledge/data/education.yaml): every topic of the seed article, every
test, therapy, medicine and warning sign with a page to link to, no doses, the triage wording word for word,
readable by a 12-year-old, and a broken file refused with the page named."""

from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any, get_args

import pytest
from readability_measure import flesch_kincaid_grade, syllables, without_names

from cnocare.clinical.triage import DiaryAnswers
from cnocare.clinical.vocabulary import CarePlanTherapy, Modality, ProcedureKind, SymptomKind
from cnocare.knowledge.catalogue import read_data_file
from cnocare.knowledge.education import (
    EducationLibrary,
    EducationPage,
    Section,
    education_library,
    learn_url,
    section_for,
)
from cnocare.knowledge.medicines import medicine_catalogue
from cnocare.knowledge.triage import triage_rules
from cnocare.knowledge.workup import test_definitions as work_up_tests

LIBRARY = education_library()
PAGES = LIBRARY.pages
SECTIONS = [(p, s) for p in PAGES for s in p.sections]

# The seed article's topics (its headings, in its order) and the pages that cover them.
SEED_TOPICS = {
    "what it is, and its other names": ["what-is-cno"],
    "types": ["types"],
    "causes (and risk factors)": ["causes"],
    "symptoms": ["symptoms"],
    "diagnostic tests": ["check-ups", "blood-tests-and-biopsy", "scans-and-nerve-tests"],
    "non-pharmacological treatments": ["care-without-medicines"],
    "drug treatments": ["medicines"],
    "dietary molecular supplements": ["supplements"],
    "immunity-booster, regenerative and stem-cell-related drugs": ["biologics"],
    "surgical treatments": ["surgery"],
    "prevention and long-term protection": ["staying-well"],
    "when to see a doctor or seek urgent help": ["when-to-get-help"],
    "what to eat and what to avoid": ["food"],
}

# The seed's 20 diagnostic tests, in its order, and where each is explained.
SEED_TESTS = [
    ("General physical and musculoskeletal examination", "check-ups#general-check"),
    ("Local inspection of painful areas", "check-ups#looking"),
    ("Palpation for bone tenderness and swelling", "check-ups#pressing"),
    ("Joint range-of-motion assessment", "check-ups#joint-movement"),
    ("Neurological screening examination", "check-ups#nerve-check"),
    ("Gait and functional tests", "check-ups#walking"),
    ("Spine flexibility tests", "check-ups#back-bending"),
    ("Provocative orthopedic maneuvers", "check-ups#joint-tests"),
    ("Complete blood count", "blood-tests-and-biopsy#blood-count"),
    ("Erythrocyte sedimentation rate", "blood-tests-and-biopsy#esr"),
    ("C-reactive protein", "blood-tests-and-biopsy#crp"),
    ("Autoimmune and inflammatory panel", "blood-tests-and-biopsy#immune-tests"),
    ("Blood cultures", "blood-tests-and-biopsy#blood-cultures"),
    ("Bone biopsy - histopathology", "blood-tests-and-biopsy#biopsy"),
    ("Microbiological culture of bone tissue", "blood-tests-and-biopsy#bone-sample-germs"),
    ("Nerve conduction studies and electromyography", "scans-and-nerve-tests#nerve-tests"),
    ("Plain X-rays of affected bones", "scans-and-nerve-tests#x-ray"),
    ("MRI of the painful area", "scans-and-nerve-tests#mri"),
    ("Whole-body MRI", "scans-and-nerve-tests#whole-body-mri"),
    ("Bone scintigraphy", "scans-and-nerve-tests#bone-scan"),
]

MEDICINE_PAGES = ("medicines", "biologics", "supplements")


def _at(where: str) -> tuple[EducationPage, Section]:
    page_id, anchor = where.split("#")
    page = LIBRARY.page(page_id)
    assert page is not None, page_id
    section = page.section(anchor)
    assert section is not None, where
    return page, section


def _covered(field: str) -> set[str]:
    return {key for _, s in SECTIONS for name, key in s.covers.ids() if name == field}


# ------------------------------------------------------------------------------------------ the seed's topics
def test_every_topic_of_the_seed_article_has_its_page_and_every_page_a_topic() -> None:
    wanted = [page for pages in SEED_TOPICS.values() for page in pages]
    assert sorted(wanted) == sorted(p.id for p in PAGES)


def test_the_other_names_of_the_illness_are_all_given() -> None:
    _, section = _at("what-is-cno#other-names")
    for name in ("CNO", "CRMO", "chronic recurrent multifocal osteomyelitis", "Chronic multifocal osteomyelitis",
                 "non-bacterial osteitis", "Chronic sterile osteomyelitis", "Autoinflammatory bone disease"):
        assert name in section.plain_text, name


@pytest.mark.parametrize(("seed_name", "where"), SEED_TESTS, ids=[n for n, _ in SEED_TESTS])
def test_each_of_the_20_tests_has_its_section_saying_what_to_expect(seed_name: str, where: str) -> None:
    _, section = _at(where)
    assert "What to expect:" in section.plain_text, seed_name


def test_the_20_tests_are_20_different_sections() -> None:
    assert len({where for _, where in SEED_TESTS}) == 20


def test_each_of_the_20_non_drug_therapies_has_its_own_section_on_the_care_page() -> None:
    therapies = set(get_args(CarePlanTherapy))
    assert len(therapies) == 20
    assert _covered("care_plan") == therapies
    for therapy in therapies:
        ref = section_for("care_plan", therapy)
        assert ref is not None and ref.page.id == "care-without-medicines"
        assert ref.section.covers.care_plan == (therapy,)


# ------------------------------------------------------------------------------------------ one home for each id
def test_every_medicine_of_the_catalogue_has_its_section_on_a_medicines_page() -> None:
    assert _covered("medicines") == set(medicine_catalogue().medicines)
    for medicine_id in medicine_catalogue().medicines:
        ref = section_for("medicine", medicine_id)
        assert ref is not None and ref.page.id in MEDICINE_PAGES, medicine_id


def test_every_work_up_test_procedure_symptom_and_triage_rule_has_a_section() -> None:
    assert _covered("tests") == {t.id for t in work_up_tests()}
    assert _covered("procedures") == set(get_args(ProcedureKind))
    assert _covered("symptoms") == set(get_args(SymptomKind))
    assert _covered("triage") == {r.id for r in triage_rules().rules}


def test_every_diary_question_links_to_a_section() -> None:
    questions = set(DiaryAnswers.model_fields) - {"day", "warning_signs"}
    assert _covered("diary") == questions
    for question in questions:
        assert learn_url("diary_answer", question) is not None
    for rule in triage_rules().rules:
        assert learn_url("diary_answer", rule.answer) == learn_url("triage_rule", rule.id)


def test_scans_the_seed_does_not_describe_get_no_link() -> None:
    covered = _covered("imaging")
    assert covered <= set(get_args(Modality))
    assert set(get_args(Modality)) - covered == {"ct", "ultrasound"}  # neither is in the seed's test list
    assert learn_url("imaging", "ct") is None


@pytest.mark.parametrize(("kind", "key", "url"), [
    ("care_plan", "hydrotherapy", "/family/learn/care-without-medicines#pool-exercise"),
    ("procedure", "corrective_osteotomy", "/family/learn/surgery#straightening-a-bone"),
    ("test", "whole_body_mri", "/family/learn/scans-and-nerve-tests#whole-body-mri"),
    ("lab", "crp", "/family/learn/blood-tests-and-biopsy#crp"),
    ("lab", "platelets", "/family/learn/blood-tests-and-biopsy#blood-count"),
    ("imaging", "xray", "/family/learn/scans-and-nerve-tests#x-ray"),
    ("medicine", "methotrexate", "/family/learn/medicines#methotrexate"),
    ("medicine", "Prednisone", "/family/learn/medicines#steroids"),            # an alias, any case
    ("medicine", "Folic acid", "/family/learn/medicines#methotrexate"),        # given with methotrexate
    ("medicine", "zoledronate", "/family/learn/medicines#bisphosphonates"),
    ("medicine", "adalimumab", "/family/learn/biologics#tnf-blockers"),
    ("medicine", "fish oil", "/family/learn/supplements#fish-oil"),
    ("triage_rule", "bladder_or_bowel", "/family/learn/when-to-get-help#emergency"),
    ("diary_answer", "black_stools", "/family/learn/when-to-get-help#contact-the-team"),
    ("diary_answer", "temperature_c", "/family/learn/when-to-get-help#fever"),
    ("diary_answer", "pain_0_10", "/family/learn/symptoms#diary"),
    ("symptom", "night_pain", "/family/learn/symptoms#night-pain"),
])
def test_learn_url_points_at_the_section_about_it(kind: Any, key: str, url: str) -> None:
    assert learn_url(kind, key) == url


@pytest.mark.parametrize(("kind", "key"), [("medicine", "unobtainium"), ("lab", "no_such_lab"),
                                           ("care_plan", "astrology"), ("diary_answer", "mood_ring"),
                                           ("test", "")])
def test_learn_url_gives_none_for_what_the_library_does_not_explain(kind: Any, key: str) -> None:
    assert learn_url(kind, key) is None


# ------------------------------------------------------------------------------------------ medicines: no doses
# A dose: a number with a unit, per kilogram, or a number of times a day or week.
DOSE = re.compile(r"\d\s*(?:mg|mcg|µg|micrograms?|milligrams?|grams?|g|ml|millilitres?|units?|IU)\b|/\s*kg|"
                  r"per kilo|\b(?:once|twice|\d+ times|three times) (?:a|per|each) (?:day|week)\b|\bdaily\b",
                  re.IGNORECASE)
# Names that hold digits; any other number on a medicines page is taken to be a dose.
NAMES_WITH_DIGITS = re.compile(r"\bIL-\d+|omega-3|HLA-B27|LPIN2", re.IGNORECASE)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.id)
def test_no_page_gives_a_dose(page: EducationPage) -> None:
    for s in page.sections:
        assert not DOSE.search(s.plain_text), f"{page.id}#{s.anchor}: {DOSE.search(s.plain_text)}"


@pytest.mark.parametrize("page_id", MEDICINE_PAGES)
def test_medicine_pages_say_the_care_team_sets_the_dose_and_hold_no_number(page_id: str) -> None:
    page = LIBRARY.page(page_id)
    assert page is not None
    text = " ".join(s.plain_text for s in page.sections)
    assert "Your care team sets the dose" in text or "care team chooses each medicine and sets the dose" in text
    assert not re.search(r"\d", NAMES_WITH_DIGITS.sub("", text)), page_id


def test_the_dose_check_can_fail() -> None:
    for dosed in ("Take 10 mg a day.", "It is 15 mg/kg.", "Give it twice a day.", "Take 2 units.", "Use 5ml."):
        assert DOSE.search(dosed), dosed


# ------------------------------------------------------------------------------------------ when to get help
@pytest.mark.parametrize(("level", "anchor"), [("emergency", "emergency"), ("contact_team", "contact-the-team")])
def test_when_to_get_help_gives_each_triage_rule_in_its_own_words_at_its_level(level: str, anchor: str) -> None:
    """The page and the diary's triage must never disagree: each rule's family wording is a point of the
    section for its level (emergency: call now; contact_team: the care team today), and nothing else is."""
    _, section = _at(f"when-to-get-help#{anchor}")
    rules = [r for r in triage_rules().rules if r.level == level]
    assert sorted(p.casefold() for p in section.points) == sorted(r.family.casefold() for r in rules)
    assert set(section.covers.triage) == {r.id for r in rules}


def test_the_emergency_section_says_to_call_the_emergency_number() -> None:
    _, section = _at("when-to-get-help#emergency")
    assert "emergency number" in section.heading and "emergency department" in section.plain_text


# ------------------------------------------------------------------------------------------ readability
PAGE_GRADE_LIMIT = 7.0
SECTION_GRADE_LIMIT = 8.0
# Names a family meets on letters, prescriptions and scan forms: taught, never simplified away.
ILLNESS_AND_TEST_NAMES = (
    "chronic nonbacterial osteomyelitis", "chronic recurrent multifocal osteomyelitis",
    "chronic multifocal osteomyelitis", "chronic non-bacterial osteitis", "nonbacterial osteitis",
    "chronic sterile osteomyelitis", "autoinflammatory bone disease", "autoinflammatory", "osteomyelitis",
    "Majeed syndrome", "LPIN2", "DIRA", "SAPHO", "psoriasis", "Crohn's disease", "ulcerative colitis",
    "leukaemia", "anaemia", "tuberculosis", "HLA-B27", "idiopathic", "vertebrae", "vertebra",
    "physiotherapist", "physiotherapy", "occupational therapist", "dietitian", "rheumatology", "NSAIDs", "NSAID",
    "bisphosphonates", "biologics", "anaesthetic",
)
NAMES = (*ILLNESS_AND_TEST_NAMES, *(n for m in medicine_catalogue().medicines.values() for n in m.names))


def _body(sections: tuple[Section, ...]) -> list[str]:
    return [piece for s in sections for piece in (*s.text, *s.points)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.id)
def test_each_page_reads_at_about_a_12_year_olds_level(page: EducationPage) -> None:
    """Flesch-Kincaid grade 7 is read by about a 12- to 13-year-old (grade = US school year), so a page's
    text, every word counted, medicine and illness names included, must not be above grade 7.0."""
    grade = flesch_kincaid_grade(_body(page.sections))
    assert grade <= PAGE_GRADE_LIMIT, f"{page.id}: grade {grade:.1f}"


@pytest.mark.parametrize(("page", "section"), SECTIONS, ids=[f"{p.id}#{s.anchor}" for p, s in SECTIONS])
def test_no_section_is_much_harder_than_its_page(page: EducationPage, section: Section) -> None:
    """A hard section must not hide among easy ones, so each is held to grade 8.0. Names (medicines, the
    illness's own names, the tests and conditions a family will read on letters) are replaced by a
    one-syllable stand-in here: the family needs the real name to recognise it on a prescription, and a
    short section that names "zoledronic acid" twice would otherwise read as grade 10 for that name alone.
    The sentence keeps its length, so long sentences still count."""
    grade = flesch_kincaid_grade([without_names(piece, NAMES) for piece in _body((section,))])
    assert grade <= SECTION_GRADE_LIMIT, f"{page.id}#{section.anchor}: grade {grade:.1f}"


def test_the_readability_measure_can_fail() -> None:
    hard = ("Bisphosphonate administration necessitates comprehensive evaluation of calcium homeostasis, "
            "vitamin D sufficiency and renal function prior to intravenous infusion.")
    assert flesch_kincaid_grade([hard]) > 12
    assert flesch_kincaid_grade(["The cat sat on the mat."]) < 1


def test_the_grade_is_the_flesch_kincaid_formula() -> None:
    # 10 words of one syllable in 2 sentences: 0.39 x 10/2 + 11.8 x 10/10 - 15.59.
    assert flesch_kincaid_grade(["The cat sat on the mat. A big dog ran."]) == pytest.approx(
        0.39 * 10 / 2 + 11.8 * 10 / 10 - 15.59)
    # Pieces without a full stop (bullet points) count as a sentence each.
    assert flesch_kincaid_grade(["The cat sat", "A big dog ran"]) == pytest.approx(
        0.39 * 7 / 2 + 11.8 * 7 / 7 - 15.59)


@pytest.mark.parametrize(("word", "count"), [
    ("bone", 1), ("bones", 1), ("named", 1), ("wanted", 2), ("needed", 2), ("places", 2), ("changes", 2),
    ("handles", 2), ("people", 2), ("table", 2), ("little", 2), ("whole", 1), ("knee", 1), ("eyes", 1),
    ("radio", 3), ("period", 3), ("special", 2), ("infection", 3), ("medicine", 3), ("diet", 2),
    ("family", 3), ("children", 2), ("doctor", 2), ("hospital", 3), ("inflammation", 4), ("calcium", 3),
    ("vitamin", 3), ("exercise", 3), ("yoghurt", 2), ("the", 1), ("tissue", 2), ("breathing", 2),
])
def test_the_syllable_counter_on_words_counted_by_hand(word: str, count: int) -> None:
    assert syllables(word) == count


def test_names_are_replaced_whole_and_longest_first() -> None:
    assert without_names("Zoledronic acid and zoledronate help.", ["zoledronic acid", "zoledronate", "acid"]) \
        == "it and it help."
    assert without_names("Placid acidity.", ["acid"]) == "Placid acidity."


# ------------------------------------------------------------------------------------------ the file itself
def test_every_page_cites_the_seed_and_has_its_review_dates() -> None:
    for page in PAGES:
        assert "seed_patient_information" in page.sources, page.id
        assert page.reviewed < page.review_due


def test_a_page_past_its_review_date_is_overdue() -> None:
    page = PAGES[0]
    assert not page.overdue(page.review_due)
    assert page.overdue(page.review_due + dt.timedelta(days=1))


def test_the_content_hash_changes_with_a_word_and_only_then() -> None:
    raw = read_data_file("education.yaml")
    assert EducationLibrary(**raw).content_hash == LIBRARY.content_hash
    raw["pages"][0]["sections"][0]["text"][0] += " Really."
    assert EducationLibrary(**raw).content_hash != LIBRARY.content_hash


def _broken(change: Any) -> dict[str, Any]:
    raw = copy.deepcopy(read_data_file("education.yaml"))
    change(raw)
    return raw


def _cover(raw: dict[str, Any], page: int, section: int, covers: dict[str, list[str]]) -> None:
    raw["pages"][page]["sections"][section]["covers"] = covers


@pytest.mark.parametrize(("change", "message"), [
    (lambda r: r["pages"][0]["sources"].append("made_up_2026"), "what-is-cno cites unknown source 'made_up_2026'"),
    (lambda r: r["pages"][0].update(group="nowhere"), "unknown group 'nowhere'"),
    (lambda r: r["pages"][0].update(review_due=r["pages"][0]["reviewed"]), "is not after reviewed"),
    (lambda r: r["pages"][0]["sections"].append(copy.deepcopy(r["pages"][0]["sections"][0])),
     "two sections share an anchor"),
    (lambda r: r["pages"][0]["sections"][0].update(anchor="Not A Slug"), "anchor"),
    (lambda r: r["pages"][1].update(id=r["pages"][0]["id"]), "two pages share an id"),
    (lambda r: _cover(r, 0, 0, {"medicines": ["ibuprofen"]}), "medicines 'ibuprofen' is covered by both"),
    (lambda r: _cover(r, 0, 0, {"medicines": ["unobtainium"]}), "covers unknown medicines id 'unobtainium'"),
    (lambda r: _cover(r, 0, 0, {"tests": ["tea_leaves"]}), "covers unknown tests id 'tea_leaves'"),
    (lambda r: _cover(r, 0, 0, {"horoscope": ["x"]}), "horoscope"),
    (lambda r: r["pages"][0].update(sources=[]), "sources"),
])
def test_a_broken_library_is_refused_naming_what_is_wrong(change: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        EducationLibrary(**_broken(change))
