"""The diagnostic window: the part of the course that diagnostic criteria describe.

Criteria describe the presentation, so they read from onset up to the diagnosis date the clinician
set, else the start of the first disease-modifying treatment (which changes CRP, counts and imaging),
else the snapshot date. Red flags read the whole course. docs/decisions/002-diagnostic-window.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache

from cnocare.clinical.case import Case
from cnocare.knowledge.catalogue import label, read_data_file


@dataclass(frozen=True, slots=True)
class Window:
    start: dt.date | None  # inclusive; None: from the beginning of the record
    end: dt.date | None    # inclusive; None: to the snapshot date
    description: str

    def contains(self, day: dt.date | None) -> bool:
        """Undated entries belong to every window (they describe the patient, not a day)."""
        if day is None:
            return True
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


WHOLE_COURSE = Window(None, None, "the whole course")


@cache
def disease_modifying_classes() -> frozenset[str]:
    entry = read_data_file("definitions.yaml")["definitions"]["disease_modifying_classes"]
    return frozenset(entry["value"])


def diagnostic_window(case: Case) -> Window:
    onset = case.patient.onset_date
    start_text = f"onset {onset.isoformat()}" if onset else "the first record"
    if case.patient.diagnosis_date is not None:
        end = case.patient.diagnosis_date
        return Window(onset, end, f"at presentation: {start_text} to the diagnosis date {end.isoformat()} "
                                  "set by the clinician")
    started = sorted((m.start, m.drug) for m in case.medicines
                     if m.start is not None and m.drug_class in disease_modifying_classes())
    if started:
        day, drug = started[0]
        course = next(m for m in case.medicines if m.start == day and m.drug == drug)
        return Window(onset, day, f"at presentation: {start_text} to the start of the first disease-modifying "
                                  f"treatment ({drug}, {label('drug_classes', course.drug_class)}, "
                                  f"{day.isoformat()})")
    ref = case.reference_date
    return Window(onset, None, f"at presentation: {start_text} to the snapshot date "
                               f"{ref.isoformat() if ref else '(undated)'}; no disease-modifying treatment recorded")
