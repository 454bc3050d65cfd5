"""Jansson 2009 clinical score for nonbacterial osteitis (data: instruments/jansson-2009.yaml)."""

from __future__ import annotations

from functools import cache

from cnocare.clinical.criteria.common import checked, run_points
from cnocare.clinical.facts import CaseFacts
from cnocare.clinical.result import InstrumentResult
from cnocare.knowledge.instruments import InstrumentDefinition, load_definition


@cache
def definition() -> InstrumentDefinition:
    return checked(load_definition("jansson-2009"))


def assess(facts: CaseFacts) -> InstrumentResult:
    return run_points(definition(), facts)
