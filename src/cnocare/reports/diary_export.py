"""The family's "my data": their diary over a period as a CSV file, and what the printable summary for a
doctor shows. Pure functions over the entries the web layer read (current versions only).

Every answer left empty stays empty: a CSV cell is blank, never 0 or "no", for a question not answered.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cnocare.knowledge.catalogue import bone_sites
from cnocare.knowledge.triage import triage_rules

SCALES = {"faces": "faces", "numeric": "numbers"}
FATIGUE = {"none": "none", "some": "some", "a_lot": "a lot"}
SCHOOL = {"went": "went", "part_missed": "missed part of the day", "whole_missed": "missed the whole day",
          "no_school": "no school that day"}
MOOD = {"good": "good", "okay": "okay", "low": "low", "very_low": "very low"}


@dataclass(frozen=True)
class DiaryExport:
    """One child's diary from ``first`` to ``last``: one entry per day (the latest written for a day), and the
    medicines the diary asked about, by medicine-course record id, in the family's words."""

    child_id: str
    child_name: str
    date_of_birth: dt.date | None
    first: dt.date
    last: dt.date
    entries: tuple[Any, ...]  # diary Read records, oldest day first
    medicines: dict[str, str]  # course record id -> "Naproxen"
    exported_at: dt.datetime  # UTC

    def medicine_ids(self) -> list[str]:
        """The medicines asked about in the period, in plan order, then any no longer in the plan."""
        asked = {k for e in self.entries for k in (e.medicines_taken or {})}
        return [m for m in self.medicines if m in asked] + sorted(asked - set(self.medicines))

    def medicine_name(self, course_id: str) -> str:
        return self.medicines.get(course_id, "a medicine no longer in the plan")


def one_per_day(entries: Sequence[Any], first: dt.date, last: dt.date) -> tuple[Any, ...]:
    """The entries dated in the period, the latest written kept where a day has more than one."""
    by_day: dict[dt.date, Any] = {}
    for entry in sorted(entries, key=lambda e: (e.day, e.created_at)):
        if first <= entry.day <= last:
            by_day[entry.day] = entry
    return tuple(by_day[d] for d in sorted(by_day))


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def site_names(sites: Sequence[str] | None) -> str:
    if sites is None:
        return ""
    return "; ".join(bone_sites()[s].label if s in bone_sites() else s for s in sites) or "none"


def warning_signs(answers: dict[str, bool], value: bool) -> str:
    return "; ".join(r.family for r in triage_rules().rules if answers.get(r.answer) is value)


def csv_headers(export: DiaryExport) -> list[str]:
    return ["Day (YYYY-MM-DD)", "Time zone", "Pain scale used", "Pain (0–10)", "Painful places",
            "Number of painful places", "Pain at night", "Limping", "Activity limited", "Swelling", "Fever",
            "Temperature (°C)", "Temperature as entered", "Tiredness", "School", *(
                f"Took {export.medicine_name(m)}" for m in export.medicine_ids()),
            "Side effects", "Mood", "Warning signs: yes", "Warning signs: no", "Note"]


def csv_row(export: DiaryExport, e: Any) -> list[str]:
    taken = e.medicines_taken or {}
    return [e.day.isoformat(), e.time_zone, SCALES.get(e.pain_scale or "", ""), _number(e.pain_0_10),
            site_names(e.painful_sites), "" if e.painful_sites is None else str(len(e.painful_sites)),
            _yes_no(e.night_pain), _yes_no(e.limp), _yes_no(e.activity_limited), _yes_no(e.swelling),
            _yes_no(e.fever), _number(e.temperature_c), e.temperature_as_entered or "",
            FATIGUE.get(e.fatigue or "", ""), SCHOOL.get(e.school or "", ""),
            *(_yes_no(taken.get(m)) for m in export.medicine_ids()),
            e.side_effects or "", MOOD.get(e.mood or "", ""), warning_signs(e.warning_signs, True),
            warning_signs(e.warning_signs, False), e.note or ""]


def diary_csv(export: DiaryExport) -> str:
    """RFC 4180 CSV (CRLF line ends), one row per diary day; starts with a byte-order mark so spreadsheet
    programs read the °C and accents as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(csv_headers(export))
    for entry in export.entries:
        writer.writerow(csv_row(export, entry))
    return "\ufeff" + out.getvalue()


def file_stem(export: DiaryExport) -> str:
    """A file name without the child's name (downloads folders are shared): diary and period only."""
    return f"diary-{export.first.isoformat()}-to-{export.last.isoformat()}"
