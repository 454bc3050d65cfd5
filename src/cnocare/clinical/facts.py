"""Facts derived from a Case once, shared by every instrument.

Instruments name facts (``features``, clinical/features.py) and measured values (``measures``, here)
in their data files; these two modules are the only places that know how each is read off the
patient's course. Every fact is ``Evidence`` (True/False/unknown + where it came from + what is
missing). The world is open: a fact not recorded is unknown, never false (docs/decisions/002).

A ``CaseFacts`` reads one window of the course: ``CaseFacts(case)`` the whole course (red flags),
``.presentation()`` the diagnostic window (criteria and scores).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from cnocare.clinical import lesion_count
from cnocare.clinical.case import Biopsy, Case, ImagingStudy, LabResult, Lesion, MedicineCourse, Symptom
from cnocare.clinical.lab_reading import RangeCheck, check_range, decisive
from cnocare.clinical.lesion_count import Count
from cnocare.clinical.logic import Evidence, Interval, unknown
from cnocare.clinical.window import WHOLE_COURSE, Window, diagnostic_window
from cnocare.knowledge.catalogue import bone_sites, lab_tests, label, read_data_file
from cnocare.knowledge.reference_intervals import ReferenceTable, default_reference_intervals

XRAY_LIKE = frozenset({"xray", "ct"})
MRI_LIKE = frozenset({"mri", "whole_body_mri"})
XRAY_TYPICAL = frozenset({"lysis", "sclerosis", "marginal_sclerosis", "hyperostosis", "periosteal_reaction",
                          "onion_skin_periosteal_reaction", "bone_expansion"})
BIOPSY_INFLAMMATORY = frozenset({"chronic_inflammation", "plasma_cells", "osteoclasts", "fibrosis", "sclerosis"})
BIOPSY_PROVEN_MIMIC = frozenset({"malignancy", "langerhans_cell_histiocytosis"})
ASSOCIATED_CONDITIONS = ("psoriasis", "palmoplantar_pustulosis", "inflammatory_bowel_disease")
PAIN_KINDS = frozenset({"bone_pain", "night_pain", "back_pain", "chest_shoulder_pain"})
METAPHYSIS_EPIPHYSIS = frozenset({"proximal_epiphysis", "proximal_metaphysis", "distal_metaphysis",
                                  "distal_epiphysis"})
WHOLE_BODY_MISSING = "whole-body imaging (whole-body MRI or bone scintigraphy)"


@dataclass(frozen=True, slots=True)
class Measure:
    """A measured value: a point, an interval (censored result, age bound), or missing."""

    value: float | None
    source: str | None
    missing: tuple[str, ...] = ()
    bounds: Interval | None = None

    @property
    def interval(self) -> Interval | None:
        return Interval.point(self.value) if self.value is not None else self.bounds


def _definitions() -> dict[str, dict[str, object]]:
    return dict(read_data_file("definitions.yaml")["definitions"])


FEVER_THRESHOLD_C = float(_definitions()["fever_threshold_c"]["value"])  # type: ignore[arg-type]


class CaseFacts:
    """Lazy, memoised facts about one window of one Case."""

    def __init__(self, case: Case, *, window: Window = WHOLE_COURSE,
                 reference_intervals: ReferenceTable | None = None) -> None:
        self.case = case
        self.window = window
        self.reference_intervals = reference_intervals or default_reference_intervals()
        self._cache: dict[str, Evidence] = {}

    def presentation(self) -> CaseFacts:
        """The same case read over its diagnostic window."""
        return CaseFacts(self.case, window=diagnostic_window(self.case), reference_intervals=self.reference_intervals)

    def after(self, day: dt.date) -> CaseFacts:
        """The course after ``day`` (e.g. after malignancy was documented as excluded)."""
        return CaseFacts(self.case, window=Window(day + dt.timedelta(days=1), None, f"after {day.isoformat()}"),
                         reference_intervals=self.reference_intervals)

    # ---- what this window holds ------------------------------------------------------------
    @cached_property
    def studies(self) -> tuple[ImagingStudy, ...]:
        return tuple(s for s in self.case.imaging if self.window.contains(s.date))

    @cached_property
    def labs(self) -> tuple[LabResult, ...]:
        return tuple(r for r in self.case.labs if self.window.contains(r.date))

    @cached_property
    def symptoms(self) -> tuple[Symptom, ...]:
        return tuple(s for s in self.case.symptoms if self.window.contains(s.date))

    @cached_property
    def biopsies(self) -> tuple[Biopsy, ...]:
        return tuple(b for b in self.case.biopsies if self.window.contains(b.date))

    @cached_property
    def medicines(self) -> tuple[MedicineCourse, ...]:
        return tuple(m for m in self.case.medicines if self.window.contains(m.start))

    # ---- lesions -------------------------------------------------------------------------
    @cached_property
    def lesions(self) -> tuple[tuple[dt.date, str, Lesion], ...]:
        return tuple((s.date, s.modality, les) for s in self.studies for les in s.lesions)

    @cached_property
    def whole_body_done(self) -> bool:
        """Whole-body imaging with its lesions recorded (an entry without lesions may just be unread)."""
        return any(s.covers_whole_body and s.lesions for s in self.studies)

    @cached_property
    def lesion_count(self) -> Count:
        return lesion_count.lesion_count(self.studies, self.whole_body_done)

    @cached_property
    def bone_count(self) -> Count:
        return lesion_count.bone_count(self.studies, self.whole_body_done)

    @cached_property
    def has_imaging(self) -> bool:
        return bool(self.studies)

    @cached_property
    def imaging_source(self) -> str:
        studies = sorted({f"{label('modalities', m)} {d.isoformat()}" for d, m, _ in self.lesions})
        return "imaging " + ", ".join(studies) if studies else "imaging (no lesions recorded)"

    # ---- labs ----------------------------------------------------------------------------
    def results(self, test: str) -> list[LabResult]:
        return [r for r in self.labs if r.test == test and r.interval is not None]

    def range_checks(self, test: str) -> list[RangeCheck]:
        return [check_range(r, self.case, self.reference_intervals) for r in self.results(test)]

    def lab(self, test: str, op: str | None = None) -> Measure:
        direction = lab_tests()[test].against_cno or "high"
        if direction == "both":
            direction = "low" if op in ("<", "<=") else "high"
        chosen = decisive(self.results(test), direction)
        if chosen is None:
            if test == "band_neutrophils":
                return self._bands_from_percent()
            return Measure(None, None, (lab_tests()[test].name,))
        iv = chosen.interval
        assert iv is not None
        unit = lab_tests()[test].unit or ""
        n = len(self.results(test))
        which = "" if n == 1 else f"; {'highest' if direction == 'high' else 'lowest'} of {n} results"
        where = "" if self.window is WHOLE_COURSE else f" in {self._window_noun()}"
        source = f"{lab_tests()[test].name} {iv.describe(unit)} on {chosen.date.isoformat()}{which}{where}"
        return Measure(iv.lo if iv.is_point else None, source, bounds=None if iv.is_point else iv)

    def _window_noun(self) -> str:
        return "the diagnostic window" if self.window.description.startswith("at presentation") else \
            self.window.description

    def _bands_from_percent(self) -> Measure:
        pairs = [(p, w) for p in self.results("band_neutrophils_percent") for w in self.results("wbc")
                 if p.date == w.date and p.comparator is None and w.comparator is None]
        if not pairs:
            return Measure(None, None, ("band neutrophils",))
        pct, wbc = max(pairs, key=lambda pw: (pw[0].canonical_value or 0) * (pw[1].canonical_value or 0))
        assert pct.canonical_value is not None and wbc.canonical_value is not None
        value = pct.canonical_value / 100 * wbc.canonical_value
        return Measure(value, f"band neutrophils {value:g} ×10⁹/L derived from {pct.canonical_value:g} % "
                              f"× WBC {wbc.canonical_value:g} on {wbc.date.isoformat()}")

    def measure(self, name: str, op: str | None = None) -> Measure:
        if name in lab_tests():
            return self.lab(name, op)
        if name == "age_at_onset_years":
            return self._age_at_onset()
        if name == "temperature_max_c":
            temps = [s for s in self.symptoms if s.temperature_max_c is not None]
            if not temps:
                return Measure(None, None, ("highest temperature",))
            top = max(temps, key=lambda s: s.temperature_max_c or 0)
            when = f" on {top.date.isoformat()}" if top.date else ""
            return Measure(top.temperature_max_c, f"highest temperature {top.temperature_max_c:g} °C{when}")
        if name == "symptom_duration_weeks":
            return self._pain_duration()
        raise KeyError(name)

    def _age_at_onset(self) -> Measure:
        age = self.case.age_at_onset_years
        if age is not None:
            return Measure(age, f"age at onset {age:.1f} years")
        now = self.case.age_years
        if now is not None:
            # Onset cannot be later than the snapshot date: the current age bounds it from above.
            return Measure(None, f"age at onset at most {now:.1f} years (current age; onset date not recorded)",
                           ("onset date",), bounds=Interval(0.0, now))
        return Measure(None, None, ("age at onset (date of birth and onset date, or age at onset)",))

    def _pain_duration(self) -> Measure:
        stated = [s.duration_weeks for s in self.case.symptoms
                  if s.kind in PAIN_KINDS and s.present and s.duration_weeks is not None]
        onset, ref = self.case.patient.onset_date, self.case.duration_end
        if onset is not None and ref is not None:
            weeks = (ref - onset).days / 7
            if not stated or weeks >= max(stated):
                return Measure(weeks, f"{weeks:.1f} weeks from onset {onset.isoformat()} to {ref.isoformat()}")
        if stated:
            return Measure(max(stated), f"bone pain for {max(stated):g} weeks (recorded)")
        return Measure(None, None, ("duration of bone pain (weeks) or onset date",))

    # ---- building blocks of the features (clinical/features.py) ----------------------------
    def symptom(self, kind: str) -> Evidence:
        seen = [s for s in self.symptoms if s.kind == kind]
        word = label("symptoms", kind)
        if not seen:
            return unknown(f"{word} (present or absent)")
        present = [s for s in seen if s.present]
        if present:
            when = next((s.date for s in present if s.date), None)
            return Evidence(True, f"{word} present" + (f" ({when.isoformat()})" if when else ""))
        latest = max(seen, key=lambda s: s.date or dt.date.min)
        return Evidence(False, f"{word} recorded absent" + (f" ({latest.date.isoformat()})" if latest.date else ""))

    def lesion_finding(self, finding: str, *, where: Callable[[Lesion], bool] = lambda les: True) -> Evidence:
        """Any lesion shows ``finding`` -> True; every lesion read for it and clear -> False; else unknown."""
        word = label("findings", finding)
        if not self.lesions:
            return unknown("imaging with lesions")
        hits = [f"{bone_sites()[les.site].label} ({d.isoformat()})" for d, _, les in self.lesions
                if where(les) and les.finding(finding) is True]
        if hits:
            return Evidence(True, f"{word}: {', '.join(hits)}")
        if all(les.finding(finding) is False for _, _, les in self.lesions if where(les)):
            return Evidence(False, f"no {word} on the recorded lesions")
        return unknown(f"{word} (present or absent on the imaging report)")


MEASURES = frozenset(lab_tests()) | {"age_at_onset_years", "temperature_max_c", "symptom_duration_weeks"}
