"""The patient's course as one chronological list, grouped by date.

Every current record of every kind is filed under its clinical date (visit date, lab date, course
start...); records without a date (family history, genetics) are listed last. A record voided outright
stays on the timeline, struck through with who voided it and why: a withdrawn CRP explains a letter that
quoted it. ``as_of`` hides what is dated after that day (the course as it stood then).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cnocare.records.chart import PatientChart
from cnocare.records.kinds import RecordKind

EDITED = "edited: "  # versioned.supersede voids an edited version with this prefix: not a withdrawal


@dataclass(frozen=True)
class TimelineEntry:
    kind: RecordKind
    record_id: str
    version: int
    summary: str
    detail: str | None
    voided: str | None = None  # "voided by ada on 1 Dec 2026: wrong patient"


@dataclass(frozen=True)
class TimelineDay:
    date: dt.date | None
    entries: tuple[TimelineEntry, ...]

    @property
    def heading(self) -> str:
        return self.date.strftime("%d %b %Y").lstrip("0") if self.date else "Undated"


def voided_records(db: Session, patient_id: str, kinds: Mapping[str, RecordKind]) -> dict[str, list[Any]]:
    """Records whose last version was voided (not replaced by an edit), by kind slug."""
    out: dict[str, list[Any]] = {}
    for slug, kind in kinds.items():
        model = kind.concept.model
        rows = db.scalars(select(model).where(model.patient_id == patient_id, model.is_current.is_(False),
                                              ~model.void_reason.startswith(EDITED)).order_by(model.id)).all()
        if rows:
            out[slug] = [kind.concept.to_read(r) for r in rows]
    return out


def void_note(record: Mapping[str, Any]) -> str:
    when = record.get("voided_at")
    day = f" on {when.day} {when:%b %Y}" if isinstance(when, dt.datetime) else ""
    return f"voided by {record.get('voided_by') or 'unknown'}{day}: {record.get('void_reason') or 'no reason'}"


def timeline(chart: PatientChart, kinds: dict[str, RecordKind], *,
             voided: Mapping[str, Sequence[Any]] | None = None, as_of: dt.date | None = None) -> list[TimelineDay]:
    by_day: dict[dt.date | None, list[TimelineEntry]] = defaultdict(list)
    for slug, kind in kinds.items():
        reads = [(r, False) for r in chart.records.get(slug, ())] + [(r, True) for r in (voided or {}).get(slug, ())]
        for read, is_void in reads:
            record = read.model_dump()
            day = record.get(kind.date_field) if kind.date_field else None
            if as_of is not None and day is not None and day > as_of:
                continue
            by_day[day].append(TimelineEntry(kind, str(record["record_id"]), int(record["version"]),
                                             kind.summary(record), kind.detail(record) if kind.detail else None,
                                             void_note(record) if is_void else None))
    dated = sorted(d for d in by_day if d is not None)
    days = [TimelineDay(d, tuple(by_day[d])) for d in dated]
    if None in by_day:
        days.append(TimelineDay(None, tuple(by_day[None])))
    return days
