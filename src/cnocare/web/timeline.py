"""The patient's course as one chronological list, grouped by date.

Every current record of every kind is filed under its clinical date (visit date, lab date, course
start...); records without a date (family history, genetics) are listed last.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from cnocare.records.chart import PatientChart
from cnocare.records.kinds import RecordKind


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


def timeline(chart: PatientChart, kinds: dict[str, RecordKind]) -> list[TimelineDay]:
    by_day: dict[dt.date | None, list[TimelineEntry]] = defaultdict(list)
    for slug, kind in kinds.items():
        for read in chart.records.get(slug, ()):
            record = read.model_dump()
            day = record.get(kind.date_field) if kind.date_field else None
            by_day[day].append(TimelineEntry(kind, str(record["record_id"]), int(record["version"]),
                                             kind.summary(record), kind.detail(record) if kind.detail else None))
    dated = sorted(d for d in by_day if d is not None)
    days = [TimelineDay(d, tuple(by_day[d])) for d in dated]
    if None in by_day:
        days.append(TimelineDay(None, tuple(by_day[None])))
    return days
