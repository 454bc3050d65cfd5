"""The instrument result contract (docs/result-contract.md; DESIGN.md "Instrument result contract").

Every instrument returns an ``InstrumentResult``; its JSON form is a public interface shared by the
CLI, the API, CDS Hooks cards and FHIR export, so field names and order are fixed here only.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["complete", "incomplete", "not_applicable"]
# "not_classified": a measure without a threshold (CHAQ, globals, lesion counts) gives a value, no class.
Decision = Literal["met", "not_met", "indeterminate"]
Classification = Literal["met", "not_met", "indeterminate", "not_classified"]
ResultVerification = Literal["verified", "verified-by-derivation", "partial"]
ItemValue = bool | float | int | str | None


class ResultItem(BaseModel):
    """One item as it counted for this patient: ``points`` is None while the item is unknown.

    ``id`` is stable for programs; ``label`` is the clinic's words for people (None only in snapshots
    stored before labels existed)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    label: str | None = None
    value: ItemValue
    points: float | int | None
    source: str | None


class Citation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    pmid: str | None
    doi: str | None


class InstrumentResult(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    instrument: str
    version: str
    title: str
    status: Status
    score: float | int | None
    range: tuple[float | int, float | int] | None
    threshold: str | None
    classification: Classification
    items: tuple[ResultItem, ...] = ()
    missing: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    explanation: str
    citation: Citation
    verification: ResultVerification = Field(
        description="verified: every number read in the primary source; verified-by-derivation: "
        "numbers follow arithmetically from verified figures; partial: some parts unverified or absent"
    )
    window: str | None = Field(default=None, description="The part of the course the result describes, e.g. "
                               "'at presentation: onset 2026-01-02 to the start of ... (2026-03-01)'")

    def item(self, item_id: str) -> ResultItem:
        for i in self.items:
            if i.id == item_id:
                return i
        raise KeyError(item_id)


def classify_range(low: float, high: float, op: str, cut: float) -> Decision:
    """Classify only when the whole attainable range lies on one side of the threshold."""
    lo_meets, hi_meets = _meets(low, op, cut), _meets(high, op, cut)
    if lo_meets and hi_meets:
        return "met"
    if not lo_meets and not hi_meets:
        return "not_met"
    return "indeterminate"


def _meets(value: float, op: str, cut: float) -> bool:
    if op == ">=":
        return value >= cut
    if op == ">":
        return value > cut
    raise ValueError(f"unsupported threshold operator {op!r}; accepted: '>=' or '>'")


def result_item(id: str, value: ItemValue, points: float | int | None, source: str | None,
                label: str | None = None) -> ResultItem:
    """One item as the engine saw it (validated construction: cheaper than pydantic's model_construct)."""
    return ResultItem(id=id, label=label, value=value, points=points, source=source)
