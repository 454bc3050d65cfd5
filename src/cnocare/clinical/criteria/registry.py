"""The list of instruments cnocare ships, for the CLI, the API and start-up validation."""

from __future__ import annotations

from dataclasses import dataclass

from cnocare.clinical import workup
from cnocare.clinical.criteria import bristol, eular_acr, jansson, nbods
from cnocare.knowledge.activity import chaq_definition
from cnocare.knowledge.catalogue import sources
from cnocare.knowledge.catalogue import validate_all as catalogue_validate_all
from cnocare.knowledge.education import education_library
from cnocare.knowledge.followup import default_followup_rules
from cnocare.knowledge.instruments import InstrumentDefinition
from cnocare.knowledge.medicines import medicine_catalogue
from cnocare.knowledge.reference_intervals import default_reference_intervals
from cnocare.knowledge.treatment import carra_plans
from cnocare.knowledge.triage import triage_rules
from cnocare.knowledge.workup import test_definitions

INSTRUMENT_MODULES = (bristol, jansson, nbods, eular_acr)


@dataclass(frozen=True, slots=True)
class InstrumentInfo:
    id: str
    version: str
    title: str
    purpose: str
    citation: str
    pmid: str | None
    doi: str | None
    verification: str
    provenance: str


def load_all() -> tuple[InstrumentDefinition, ...]:
    return tuple(m.definition() for m in INSTRUMENT_MODULES)


def validate_all() -> None:
    """Load and validate every knowledge file and check each name it uses against the core, before any
    patient is assessed; ValueError names the file and the defect."""
    catalogue_validate_all()
    load_all()
    workup.checked_flags()
    test_definitions()
    default_reference_intervals()
    medicine_catalogue()
    carra_plans()
    chaq_definition()
    default_followup_rules()
    triage_rules()
    education_library()


def catalogue() -> tuple[InstrumentInfo, ...]:
    out = []
    for d in load_all():
        src = sources()[d.citation]
        out.append(InstrumentInfo(d.id, d.version, d.title, d.purpose, src.label, src.pmid, src.doi,
                                  d.verification, d.provenance))
    return tuple(out)
