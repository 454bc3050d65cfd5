"""Whole-body MRI activity and composite response, only as far as the published rules are verified.

RAI-CROMRIS (Capponi 2021): the five parameters per bone unit are captured and shown; the unit score
(0–7) and the total are computed only with a site-loaded grading, labelled unverified. PedCNO (Beck
2010): the response level is computed only from a site-loaded definition, labelled unverified.
"""

from __future__ import annotations

from collections.abc import Mapping

from cnocare.clinical.case import ImagingStudy
from cnocare.clinical.result import Citation, InstrumentResult, ResultItem, result_item
from cnocare.knowledge.catalogue import bone_sites
from cnocare.knowledge.site_definitions import RAI_PARAMETERS, PedCnoDefinition, RaiGrading

RAI_CITATION = Citation(pmid=None, doi="10.1186/s12969-021-00620-3")
PEDCNO_CITATION = Citation(pmid=None, doi="10.1186/ar2992")


def rai_cromris(study: ImagingStudy, grading: RaiGrading | None = None) -> InstrumentResult:
    items: list[ResultItem] = []
    total, missing = 0, []
    for n, les in enumerate(study.lesions, start=1):
        where = f"{bone_sites()[les.site].label}{' (' + les.side + ')' if les.side in ('left', 'right') else ''}"
        grades = les.rai_grades.model_dump() if les.rai_grades else {}
        given = {p: grades.get(p) for p in RAI_PARAMETERS}
        shown = ", ".join(f"{p.replace('_', ' ')} {'?' if v is None else v}" for p, v in given.items())
        unit: int | None = None
        if grading is not None and all(v is not None for v in given.values()):
            over = [p for p, v in given.items() if v is not None and v > grading.max_grade[p]]
            if over:
                raise ValueError(f"lesion {n} ({where}): {over[0]} {given[over[0]]} is above the site grading's "
                                 f"maximum {grading.max_grade[over[0]]}")
            unit = sum(v for v in given.values() if v is not None)
            total += unit
        elif any(v is None for v in given.values()):
            missing.append(f"RAI-CROMRIS parameters of {where}")
        items.append(result_item(id=f"unit_{n}", value=unit, points=unit, label=f"Bone unit {n}: {where}",
                                 source=shown))
    complete = grading is not None and not missing and bool(study.lesions)
    if grading is None:
        text = ("Parameters shown as graded; no unit score or total: the per-parameter grading was not "
                "verified. A site can load its grading (labelled unverified).")
        warnings: tuple[str, ...] = ("RAI-CROMRIS grading not loaded.",)
    else:
        text = (f"RAI-CROMRIS total {total} over {len(study.lesions)} bone unit(s)" if complete else
                "RAI-CROMRIS total not yet known: some parameters are not graded.")
        warnings = (f"UNVERIFIED site grading {grading.site} {grading.version} ({grading.status}).",)
    return InstrumentResult(
        instrument="rai-cromris", version="1", title=f"RAI-CROMRIS, whole-body MRI {study.date.isoformat()}",
        status="complete" if complete else "incomplete", score=total if complete else None, range=None,
        threshold=None, classification="not_classified", items=tuple(items), missing=tuple(missing),
        warnings=warnings, explanation=text, citation=RAI_CITATION, verification="partial",
        window=study.date.isoformat())


def pedcno_response(baseline: Mapping[str, float | None], follow_up: Mapping[str, float | None],
                    definition: PedCnoDefinition | None) -> InstrumentResult:
    """The highest response level reached (e.g. 30, 50, 70, 90), from a site-loaded, unverified definition."""
    if definition is None:
        return InstrumentResult(
            instrument="pedcno", version="1", title="PedCNO response", status="incomplete", score=None, range=None,
            threshold=None, classification="not_classified", items=(), missing=("a site-loaded PedCNO definition",),
            warnings=("The PedCNO core set and improvement rule are not verified; none is bundled.",),
            explanation="Not computed: load the site's PedCNO definition (labelled unverified) to compute it.",
            citation=PEDCNO_CITATION, verification="partial")
    items, changes, missing = [], {}, []
    for var in definition.variables:
        b, f = baseline.get(var), follow_up.get(var)
        if b is None or f is None:
            missing.append(var.replace("_", " "))
            items.append(result_item(id=var, value=None, points=None, label=var.replace("_", " "), source=None))
            continue
        # Lower is better for every variable; a baseline of 0 can only stay the same or worsen.
        change = 0.0 if b == 0 and f == 0 else (100.0 * (b - f) / b if b > 0 else -100.0)
        changes[var] = change
        items.append(result_item(id=var, value=round(change, 1), points=None, label=var.replace("_", " "),
                                 source=f"{b:g} → {f:g}" + (" (baseline 0)" if b == 0 else "")))
    worse = sum(1 for c in changes.values() if c < -definition.worsen_more_than_percent)
    reached = 0
    if not missing:
        for level in definition.levels:
            improved = sum(1 for c in changes.values() if c >= level)
            if improved >= definition.improve_at_least_variables and worse <= definition.worsen_at_most_variables:
                reached = level
    text = (f"PedCNO{reached} reached" if reached else "No PedCNO response level reached") if not missing else \
        "Not yet known: " + ", ".join(missing) + " missing."
    return InstrumentResult(
        instrument="pedcno", version=definition.version, title="PedCNO response (site definition)",
        status="incomplete" if missing else "complete", score=None if missing else reached, range=None,
        threshold=None, classification="not_classified", items=tuple(items), missing=tuple(missing),
        warnings=(f"UNVERIFIED site-loaded definition {definition.site} {definition.version} ({definition.status}).",),
        explanation=text, citation=PEDCNO_CITATION, verification="partial")
