"""Typed loader for the medicine catalogue (data/medicines.yaml), validated completely on load.

The catalogue says what each medicine is (class, kind, how it works), what to watch for and what to check
before it starts, which cautions attach to it and how good the CNO evidence is — each with its source.
It holds no doses: those come only from a site formulary. A recorded medicine course takes its drug class
from here (``drug_class_of``), so the class is derived, never typed.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any, Literal, get_args

from pydantic import Field, ValidationError, model_validator

from cnocare.knowledge.catalogue import Frozen, Verification, lab_tests, read_data_file, sources
from cnocare.knowledge.instruments import Predicate
from cnocare.knowledge.treatment import carra_plans

# Equal to cnocare.clinical.vocabulary.DrugClass (a test holds them together); knowledge never imports the core.
DrugClassName = Literal[
    "nsaid", "glucocorticoid", "methotrexate", "sulfasalazine", "tnf_inhibitor", "bisphosphonate",
    "il1_inhibitor", "il17_inhibitor", "other_biologic", "antibiotic", "analgesic", "other",
]
DRUG_CLASSES: tuple[str, ...] = get_args(DrugClassName)

# IL-1, IL-6, IL-17 and IL-12/23 blockade is a specialist consideration only (issue 10, item 3).
SPECIALIST_CLASSES = frozenset({"il1_inhibitor", "il17_inhibitor"})
_SPECIALIST_TARGET = re.compile(r"^IL-(?:1|6|17|12/23)(?![\d/])")

_CITED_LISTS = ("adverse_effects", "warnings", "monitoring", "pre_treatment_checks", "findings")



class CitedText(Frozen):
    """A plain-language statement with the source it came from and how solid that is."""

    text: str = Field(min_length=1)
    source: str
    status: Verification


class Medicine(Frozen):
    id: str
    label: str
    aliases: tuple[str, ...] = ()
    drug_class: DrugClassName
    kind: Literal["drug", "supplement", "biologic"]
    targets: str | None = None
    how_it_works: str = Field(min_length=1)
    adverse_effects: tuple[CitedText, ...] = ()
    warnings: tuple[CitedText, ...] = ()
    monitoring: tuple[CitedText, ...] = ()
    pre_treatment_checks: tuple[CitedText, ...] = ()
    cautions: tuple[str, ...] = ()
    cno_evidence: CitedText
    findings: tuple[CitedText, ...] = ()
    carra_arm: str | None = Field(default=None, description="An arm of data/carra_ctp.yaml holding its class")
    specialist_only: bool = False
    source: str
    status: Verification

    @model_validator(mode="before")
    @classmethod
    def _plain_text_is_cited_by_the_entry(cls, data: Any) -> Any:
        """A bare string in a cited field carries the entry's own source and status."""
        if not isinstance(data, dict):
            return data
        own = {"source": data.get("source"), "status": data.get("status")}
        out = dict(data)
        for name in _CITED_LISTS:
            items = out.get(name)
            if isinstance(items, list | tuple):
                out[name] = [{"text": i, **own} if isinstance(i, str) else i for i in items]
        if isinstance(out.get("cno_evidence"), str):
            out["cno_evidence"] = {"text": out["cno_evidence"], **own}
        return out

    @model_validator(mode="after")
    def _rules(self) -> Medicine:
        blocks_interleukin = self.drug_class in SPECIALIST_CLASSES or bool(
            self.targets and _SPECIALIST_TARGET.match(self.targets))
        if blocks_interleukin and not self.specialist_only:
            raise ValueError(f"{self.id}: IL-1/IL-6/IL-17/IL-12/23 blockade must be specialist_only")
        return self

    @property
    def names(self) -> tuple[str, ...]:
        """Every name the medicine is found by: id, label and aliases."""
        return (self.id, self.label, *self.aliases)

    def cited(self) -> tuple[CitedText, ...]:
        """Every cited statement of the entry."""
        return (*self.adverse_effects, *self.warnings, *self.monitoring, *self.pre_treatment_checks,
                self.cno_evidence, *self.findings)


class Caution(Frozen):
    id: str
    text: str = Field(min_length=1)
    applies_to_classes: tuple[DrugClassName, ...] = ()
    applies_to_medicines: tuple[str, ...] = ()
    when_any: tuple[Predicate, ...] = Field(default=(), description="Laboratory values that trigger it")
    source: str
    status: Verification

    @model_validator(mode="after")
    def _applies_to_something(self) -> Caution:
        if not self.applies_to_classes and not self.applies_to_medicines:
            raise ValueError(f"caution {self.id} applies to no class and no medicine")
        for p in self.when_any:
            if p.measure is None or p.measure not in lab_tests():
                raise ValueError(f"caution {self.id}: {p.describe()!r} is not a test of the lab catalogue")
        return self

    def applies_to(self, medicine: Medicine) -> bool:
        return medicine.drug_class in self.applies_to_classes or medicine.id in self.applies_to_medicines


class MedicineCatalogue(Frozen):
    version: str
    medicines: dict[str, Medicine]
    cautions: dict[str, Caution]

    def cautions_of(self, medicine: Medicine) -> tuple[Caution, ...]:
        return tuple(self.cautions[c] for c in medicine.cautions)


def parse_medicine_catalogue(data: Any, where: str = "medicines.yaml") -> MedicineCatalogue:
    """Build and cross-check a catalogue; ValueError names the file and the entry at fault."""
    if not isinstance(data, dict) or not isinstance(data.get("medicines"), dict):
        raise ValueError(f"{where}: expected a mapping with 'version', 'medicines' and 'cautions'")
    medicines = {key: _entry(Medicine, key, value, where, "medicine") for key, value in data["medicines"].items()}
    cautions = {key: _entry(Caution, key, value, where, "caution")
                for key, value in (data.get("cautions") or {}).items()}
    try:
        catalogue = MedicineCatalogue(version=str(data.get("version", "")), medicines=medicines, cautions=cautions)
    except ValidationError as exc:
        raise ValueError(f"{where}: {exc}") from exc
    _cross_check(catalogue, where)
    return catalogue


def _entry(model: type[Medicine] | type[Caution], key: str, value: Any, where: str, what: str) -> Any:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: {what} {key!r} is not a mapping")
    try:
        return model(id=key, **value)
    except ValidationError as exc:
        raise ValueError(f"{where}: {what} {key!r}: {exc}") from exc


def _cross_check(catalogue: MedicineCatalogue, where: str) -> None:
    known = sources()
    for c in catalogue.cautions.values():
        if c.source not in known:
            raise ValueError(f"{where}: caution {c.id!r} cites unknown source {c.source!r}")
        unknown = set(c.applies_to_medicines) - set(catalogue.medicines)
        if unknown:
            raise ValueError(f"{where}: caution {c.id!r} names unknown medicines {sorted(unknown)}")
    seen: dict[str, str] = {}
    arms = carra_plans().arms  # the CARRA 2018 plans are defined by drug class (reference notes §6.1)
    for m in catalogue.medicines.values():
        if m.carra_arm is not None:
            if m.carra_arm not in arms:
                raise ValueError(f"{where}: medicine {m.id!r} names CARRA plan {m.carra_arm!r}; accepted: "
                                 f"{', '.join(arms)}")
            if m.drug_class not in arms[m.carra_arm].classes:
                raise ValueError(f"{where}: medicine {m.id!r} of class {m.drug_class} does not belong to the CARRA "
                                 f"plan {m.carra_arm!r}")
        for key in (m.source, *(t.source for t in m.cited())):
            if key not in known:
                raise ValueError(f"{where}: medicine {m.id!r} cites unknown source {key!r}")
        missing = [c for c in m.cautions if c not in catalogue.cautions]
        if missing:
            raise ValueError(f"{where}: medicine {m.id!r} lists unknown cautions {missing}")
        # Both directions must agree, so a caution is never silently missing from an entry's page.
        expected = {c.id for c in catalogue.cautions.values() if c.applies_to(m)}
        if expected != set(m.cautions):
            raise ValueError(f"{where}: medicine {m.id!r} lists cautions {sorted(m.cautions)}, but its class and "
                             f"id call for {sorted(expected)}")
        for name in m.names:
            norm = _normalise(name)
            if seen.get(norm, m.id) != m.id:
                raise ValueError(f"{where}: name {name!r} of {m.id!r} is already a name of {seen[norm]!r}")
            seen[norm] = m.id


def _normalise(name: str) -> str:
    return " ".join(name.split()).casefold()


@cache
def medicine_catalogue() -> MedicineCatalogue:
    return parse_medicine_catalogue(read_data_file("medicines.yaml"), "knowledge/data/medicines.yaml")


@cache
def _by_name() -> dict[str, Medicine]:
    return {_normalise(n): m for m in medicine_catalogue().medicines.values() for n in m.names}


def medicine(name: str) -> Medicine | None:
    """The catalogue entry for a name (id, label or alias; case and spacing ignored), or None."""
    return _by_name().get(_normalise(name))


def drug_class_of(name: str) -> str | None:
    """The drug class of a medicine by any of its names; None when the catalogue does not know it."""
    m = medicine(name)
    return m.drug_class if m else None


def cautions_for(name: str) -> tuple[Caution, ...]:
    """The cautions attached to a medicine, in the catalogue's order; () when it is unknown."""
    m = medicine(name)
    return medicine_catalogue().cautions_of(m) if m else ()


def checked_drug_class(drug: object, drug_class: object) -> object:
    """The class of a course: derived from the catalogue when the drug is in it (a typed class must agree);
    as typed otherwise. Raises ValueError in the clinic's words; returns what to store."""
    if not isinstance(drug, str):
        return drug_class
    known = drug_class_of(drug)
    if known is None:
        if drug_class in (None, ""):
            raise ValueError(f"drug_class missing: {drug!r} is not in the medicine catalogue, so choose its class")
        return drug_class
    if drug_class not in (None, "") and drug_class != known:
        raise ValueError(f"drug_class {drug_class!r} for {drug}; accepted: {known!r} (from the medicine catalogue)")
    return known
