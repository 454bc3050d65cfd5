"""The patient's course as one chronological list, grouped by date.

Every current record of every kind is filed under its clinical date (visit date, lab date, course
start...); records without a date (family history, genetics) are listed last.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from cnocare.web.kinds import RecordKind

# PatientChart attribute holding each kind's records.
CHART_LISTS = {
    "visits": "visits", "episodes": "episodes", "symptoms": "symptoms", "imaging": "imaging", "labs": "labs",
    "biopsies": "biopsies", "medicines": "medicines", "conditions": "conditions",
    "alternatives": "alternative_diagnoses", "family-history": "family_history", "genetics": "genetics",
    "notes": "notes",
}


@dataclass(frozen=True)
class TimelineEntry:
    kind: RecordKind
    record_id: str
    version: int
    summary: str
    detail: str | None


@dataclass(frozen=True)
class TimelineDay:
    date: dt.date | None
    entries: tuple[TimelineEntry, ...]

    @property
    def heading(self) -> str:
        return self.date.strftime("%d %b %Y").lstrip("0") if self.date else "Undated"


def _detail(slug: str, record: dict[str, Any]) -> str | None:
    if slug == "imaging" and record.get("lesions"):
        return "; ".join(f"{les['site']}{' ' + les['side'] if les.get('side') else ''}"
                         f"{' (' + les['activity'] + ')' if les.get('activity') else ''}"
                         for les in record["lesions"])
    if slug == "visits":
        parts = []
        if record.get("pain_0_10") is not None:
            parts.append(f"pain {record['pain_0_10']:g}/10")
        if record.get("physician_global_0_10") is not None:
            parts.append(f"physician global {record['physician_global_0_10']:g}/10")
        if record.get("next_review_due"):
            parts.append(f"next review by {record['next_review_due']}")
        return ", ".join(parts) or None
    return None


def timeline(chart: Any, kinds: dict[str, RecordKind]) -> list[TimelineDay]:
    by_day: dict[dt.date | None, list[TimelineEntry]] = defaultdict(list)
    for slug, attribute in CHART_LISTS.items():
        kind = kinds.get(slug)
        if kind is None:
            continue
        for read in getattr(chart, attribute, ()):
            record = read.model_dump()
            day = record.get(kind.date_field) if kind.date_field else None
            by_day[day].append(TimelineEntry(kind, str(record["record_id"]), int(record["version"]),
                                             kind.summary(record), _detail(slug, record)))
    dated = sorted(d for d in by_day if d is not None)
    days = [TimelineDay(d, tuple(by_day[d])) for d in dated]
    if None in by_day:
        days.append(TimelineDay(None, tuple(by_day[None])))
    return days
