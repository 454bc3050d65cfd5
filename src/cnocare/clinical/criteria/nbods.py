"""NBO diagnostic score, Kostik 2023 (data: instruments/nbods-2023.yaml).

Built against bacterial osteomyelitis only: when the work-up raises a malignancy red flag the result
is marked unreliable, because the score calls leukaemia and LCH "NBO" whenever CRP is low or disease
is multifocal.
"""

from __future__ import annotations

from functools import cache

from cnocare.clinical.criteria.common import checked, run_points
from cnocare.clinical.facts import CaseFacts
from cnocare.clinical.result import InstrumentResult
from cnocare.knowledge.instruments import InstrumentDefinition, load_definition


@cache
def definition() -> InstrumentDefinition:
    return checked(load_definition("nbods-2023"))


def assess(facts: CaseFacts, *, malignancy_flags: tuple[str, ...] = ()) -> InstrumentResult:
    extra: tuple[str, ...] = ()
    if malignancy_flags:
        extra = ("UNRELIABLE here: malignancy red flag(s) present (" + "; ".join(malignancy_flags)
                 + "). This score does not separate CNO from malignancy.",)
    return run_points(definition(), facts, extra_warnings=extra)
