"""Assess a Case: every instrument, the subtype and the exclusion work-up, in one pure call."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from cnocare.clinical import plausibility, subtype, workup
from cnocare.clinical.case import Case
from cnocare.clinical.criteria import bristol, eular_acr, jansson, nbods
from cnocare.clinical.criteria.eular_acr import WeightsTable
from cnocare.clinical.facts import CaseFacts
from cnocare.clinical.features import feature
from cnocare.clinical.result import InstrumentResult
from cnocare.clinical.subtype import SubtypeResult
from cnocare.clinical.workup import WorkupResult
from cnocare.knowledge.reference_intervals import ReferenceTable


class CaseAssessment(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str
    as_of: dt.date | None
    window: str | None = None
    instruments: tuple[InstrumentResult, ...]
    subtype: SubtypeResult
    workup: WorkupResult
    warnings: tuple[str, ...]

    def instrument(self, instrument_id: str) -> InstrumentResult:
        for r in self.instruments:
            if r.instrument == instrument_id:
                return r
        raise KeyError(instrument_id)


def assess_case(case: Case, *, eular_weights: WeightsTable | None = None,
                reference_intervals: ReferenceTable | None = None) -> CaseAssessment:
    """Criteria and scores on the diagnostic window; red flags, subtype and work-up on the whole course."""
    course = CaseFacts(case, reference_intervals=reference_intervals)
    presentation = course.presentation()
    work = workup.assess(course, presentation)
    results: tuple[InstrumentResult, ...] = (
        bristol.assess(presentation, biopsy_advice=work.biopsy_reason),
        jansson.assess(presentation),
        nbods.assess(presentation, malignancy_flags=workup.malignancy_flag_labels(work.red_flags)),
        eular_acr.assess(presentation, weights=eular_weights),
    )
    if work.malignancy_not_excluded or work.infection_not_excluded:
        results = tuple(_caveat(r, work) for r in results)
    return CaseAssessment(
        case_id=case.case_id,
        as_of=case.reference_date,
        window=presentation.window.description,
        instruments=results,
        subtype=subtype.assess(course, open_mimics=_open_mimics(course, work)),
        workup=work,
        warnings=plausibility.warnings(case),
    )


def _open_mimics(course: CaseFacts, work: WorkupResult) -> tuple[str, ...]:
    """CNO is a diagnosis of exclusion: until malignancy and infection are documented as excluded (or a
    red flag keeps one open), the position on the CNO spectrum is provisional."""
    out = []
    for kind, flagged in (("malignancy", work.malignancy_not_excluded), ("infection", work.infection_not_excluded)):
        if flagged or feature(course, f"{kind}_confirmed").value is not False:
            out.append(kind)
    return tuple(out)


def _caveat(result: InstrumentResult, work: WorkupResult) -> InstrumentResult:
    """A 'met' result must not read as "CNO likely" while a mimic is still open."""
    if result.classification != "met":
        return result
    open_ = [k for k, v in (("malignancy", work.malignancy_not_excluded), ("infection", work.infection_not_excluded))
             if v]
    note = (f"{' and '.join(open_).capitalize()} not excluded: red flags are present "
            "(see the work-up). Do not act on this result as 'CNO likely' until they are cleared.")
    return result.model_copy(update={"warnings": (*result.warnings, note)})
