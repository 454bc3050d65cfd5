"""Lesion state of every bone at a date, read from the imaging studies of a Case.

Rules (the map shows what imaging showed, it does not guess):

* A whole-body study (``whole_body`` or modality ``whole_body_mri``) looks at every bone; any other
  study looks only at the bones it reports, because the Case does not record its field of view.
* A bone's state comes from the latest study on or before ``as_of`` that looked at it:
  an active lesion there is ``active`` — or ``new`` when that study is the latest imaging at all and no
  earlier study had reported a lesion in this bone; a lesion reported inactive is ``resolved``; a
  whole-body study that does not report a bone where an earlier study saw a lesion also makes it
  ``resolved``; a lesion whose activity the report does not give is ``indeterminate``.
* Studies after ``as_of`` are ignored, so the map can be replayed for any visit date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from cnocare.clinical.case import Case, ImagingStudy, Lesion
from cnocare.clinical.vocabulary import Modality, Side
from cnocare.knowledge.catalogue import bone_sites

State = Literal["active", "new", "resolved", "indeterminate", "none"]
BoneKey = tuple[str, Side]

MODALITY_LABELS: dict[Modality, str] = {
    "xray": "X-ray",
    "mri": "MRI",
    "whole_body_mri": "whole-body MRI",
    "ct": "CT",
    "bone_scan": "bone scan",
    "ultrasound": "ultrasound",
}

STATE_PHRASES: dict[State, str] = {
    "active": "active lesion",
    "new": "new active lesion",
    "resolved": "resolved lesion",
    "indeterminate": "lesion, activity not reported",
    "none": "no lesion recorded",
}


@dataclass(frozen=True)
class LesionState:
    """What the map shows for one bone (one side), with the study that justifies it."""

    site: str
    side: Side
    state: State
    date: dt.date | None = None
    modality: Modality | None = None
    whole_body: bool = False
    study_id: str | None = None
    first_seen: dt.date | None = None
    notes: tuple[str, ...] = ()
    # The segments the deciding study reports ("whole" when a lesion names none): the map paints these.
    segments: tuple[str, ...] = ()

    @property
    def evidence(self) -> str | None:
        """E.g. ``MRI 2026-03-02``; None when no study speaks about this bone."""
        if self.date is None or self.modality is None:
            return None
        label = MODALITY_LABELS[self.modality]
        if self.whole_body and self.modality != "whole_body_mri":
            label = f"whole-body {label}"
        return f"{label} {self.date.isoformat()}"

    @property
    def summary(self) -> str:
        """E.g. ``active lesion (MRI 2026-03-02)``."""
        evidence = self.evidence
        if evidence is None:
            return STATE_PHRASES[self.state]
        if self.state == "none":  # only a whole-body study speaks about a bone without lesions
            return f"no lesion seen ({evidence})"
        return f"{STATE_PHRASES[self.state]} ({evidence})"


def bone_keys() -> list[BoneKey]:
    """Every (site, side) of the catalogue, in catalogue order; unpaired bones take side ``midline``."""
    keys: list[BoneKey] = []
    for site in bone_sites().values():
        if site.paired:
            keys += [(site.id, "right"), (site.id, "left")]
        else:
            keys.append((site.id, "midline"))
    return keys


def lesion_key(lesion: Lesion) -> BoneKey:
    return (lesion.site, lesion.side if lesion.side is not None else "midline")


def is_whole_body(study: ImagingStudy) -> bool:
    return study.whole_body or study.modality == "whole_body_mri"


def _activity(lesions: list[Lesion]) -> State:
    """One study may report several lesions in a bone (segments): any active one makes it active."""
    readings = [lesion.is_active for lesion in lesions]
    if True in readings:
        return "active"
    if None in readings:
        return "indeterminate"
    return "resolved"


def _state_for(key: BoneKey, studies: list[ImagingStudy], latest_date: dt.date | None) -> LesionState:
    site, side = key
    first_seen: dt.date | None = None
    seen_on: list[dt.date] = []
    result = LesionState(site=site, side=side, state="none")
    for study in studies:  # oldest first, so the last study that looked at the bone wins
        here = [lesion for lesion in study.lesions if lesion_key(lesion) == key]
        if not here and not is_whole_body(study):
            continue
        state: State
        notes: tuple[str, ...] = ()
        segments: tuple[str, ...] = ()
        if here:
            segments = tuple(dict.fromkeys(lesion.segment or "whole" for lesion in here))
            first_seen = first_seen or study.date
            state = _activity(here)
            seen_earlier = any(d < study.date for d in seen_on)
            if state == "active" and study.date == latest_date and not seen_earlier:
                state = "new"
            notes = tuple(lesion.note for lesion in here if lesion.note)
            seen_on.append(study.date)
        else:
            # A whole-body study without this bone: gone if a lesion had been seen, else still none.
            state = "resolved" if first_seen is not None else "none"
        result = LesionState(site=site, side=side, state=state, date=study.date, modality=study.modality,
                             whole_body=is_whole_body(study), study_id=study.id, first_seen=first_seen,
                             notes=notes, segments=segments)
    return result


def lesion_states(case: Case | None, as_of: dt.date | None = None) -> dict[BoneKey, LesionState]:
    """State of every catalogue bone (both sides of paired bones) from imaging on or before ``as_of``.

    ``as_of`` defaults to the Case's snapshot date; with no Case every bone is ``none``.
    """
    if case is None:
        return {key: LesionState(site=key[0], side=key[1], state="none") for key in bone_keys()}
    cutoff = as_of if as_of is not None else case.reference_date
    studies = sorted((s for s in case.imaging if cutoff is None or s.date <= cutoff), key=lambda s: s.date)
    latest_date = studies[-1].date if studies else None
    return {key: _state_for(key, studies, latest_date) for key in bone_keys()}
