"""The Case snapshot: one patient's course, immutable, validated on construction.

Every clinical module reads a ``Case`` and nothing else. Records, the case-file loader, FHIR and
REDCap importers all build one. Validation refuses impossible values with a message naming the field,
the value and what is accepted; unusual-but-possible values pass and are reported by
``clinical.plausibility``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from cnocare.clinical.age import age_in_years, years_between
from cnocare.clinical.diary_snapshot import DiaryDay
from cnocare.clinical.follow_up_snapshot import (
    ActivityAssessment,
    ChaqAnswers,
    ClinicalCheck,
    Infusion,
    Measurement,
)
from cnocare.clinical.logic import Interval
from cnocare.clinical.snapshot import Snapshot, check_site
from cnocare.clinical.vocabulary import (
    Adherence,
    AlternativeDiagnosisKind,
    AlternativeStatus,
    CoexistingConditionKind,
    Comparator,
    CultureResult,
    DrugClass,
    EpisodeKind,
    Finding,
    Histology,
    LesionActivity,
    Modality,
    QualitativeResult,
    Relation,
    Response,
    Route,
    Sex,
    Side,
    SymptomKind,
    VariantClass,
)
from cnocare.knowledge.catalogue import bone_catalogue, bone_sites, lab_tests
from cnocare.knowledge.medicines import checked_drug_class

# Physiological limits for data entry (local choice, see knowledge/data/sources.yaml local_plausibility).
MAX_AGE_YEARS = 120
TEMPERATURE_POSSIBLE_C = (30.0, 45.0)


class Patient(Snapshot):
    sex: Sex
    date_of_birth: dt.date | None = None
    age_years: float | None = Field(default=None, ge=0, le=MAX_AGE_YEARS,
                                    description="Age at the snapshot date when the date of birth is not shared")
    onset_date: dt.date | None = None
    age_at_onset_years: float | None = Field(default=None, ge=0, le=MAX_AGE_YEARS)
    diagnosis_date: dt.date | None = Field(
        default=None, description="Date the clinician set as the end of the diagnostic window; default: the start "
        "of the first disease-modifying treatment, else the snapshot date")


class Episode(Snapshot):
    id: str
    kind: EpisodeKind
    start: dt.date
    end: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Episode:
        if self.end is not None and self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}; accepted: end on or after start")
        return self


class Symptom(Snapshot):
    kind: SymptomKind
    present: bool
    date: dt.date | None = None
    site: str | None = None
    side: Side | None = None
    severity_0_10: float | None = Field(default=None, ge=0, le=10)
    duration_weeks: float | None = Field(default=None, ge=0, le=MAX_AGE_YEARS * 53)
    temperature_max_c: float | None = None
    note: str | None = None

    @field_validator("site")
    @classmethod
    def _known_site(cls, v: str | None) -> str | None:
        return check_site(v)

    @model_validator(mode="after")
    def _temperature(self) -> Symptom:
        t = self.temperature_max_c
        if t is not None:
            if self.kind != "fever":
                raise ValueError("temperature_max_c belongs on a 'fever' symptom only")
            lo, hi = TEMPERATURE_POSSIBLE_C
            if not lo <= t <= hi:
                raise ValueError(f"temperature_max_c {t} °C is impossible; accepted {lo}–{hi} °C")
        return self


class RaiGrades(Snapshot):
    """RAI-CROMRIS parameters of one bone unit as the radiologist graded them (Capponi 2021). The split of
    the unit's 0-7 between parameters was not found, so grades are shown as given and summed only with a
    site-loaded grading."""

    marrow_hyperintensity: int | None = Field(default=None, ge=0, le=7)
    extension: int | None = Field(default=None, ge=0, le=7)
    soft_tissue_periosteal_hyperintensity: int | None = Field(default=None, ge=0, le=7)
    bony_expansion: int | None = Field(default=None, ge=0, le=7)
    vertebral_collapse: int | None = Field(default=None, ge=0, le=7)


class Lesion(Snapshot):
    """One focus on one study. A finding not listed is unknown unless the reader recorded it as absent
    (``absent_findings``) or stated that the list is complete (``findings_complete``)."""

    site: str
    side: Side | None = Field(default=None, description="left/right for paired bones; omitted when not reported")
    segment: str | None = None
    findings: tuple[Finding, ...] = ()
    absent_findings: tuple[Finding, ...] = ()
    findings_complete: bool = False
    activity: LesionActivity | None = None
    rai_grades: RaiGrades | None = None
    note: str | None = None

    @field_validator("site")
    @classmethod
    def _known_site(cls, v: str) -> str:
        checked = check_site(v)
        assert checked is not None
        return checked

    @model_validator(mode="after")
    def _side_and_segment(self) -> Lesion:
        site = bone_sites()[self.site]
        if site.paired and self.side not in ("left", "right", None):
            raise ValueError(f"side {self.side!r} for paired bone {self.site}; accepted: 'left', 'right' or omitted "
                             "(not reported)")
        both = set(self.findings) & set(self.absent_findings)
        if both:
            raise ValueError(f"finding {sorted(both)[0]!r} is listed both present and absent")
        if not site.paired and self.side not in (None, "midline"):
            raise ValueError(f"side {self.side!r} for midline bone {self.site}; accepted: 'midline' or omitted")
        if self.segment is not None:
            allowed = bone_catalogue().segments[site.kind]
            if self.segment not in allowed:
                raise ValueError(f"segment {self.segment!r} for {self.site}; accepted: {', '.join(allowed)}")
        return self

    def finding(self, finding: str) -> bool | None:
        """Present, recorded absent, or unknown (None) on this lesion."""
        if finding in self.findings:
            return True
        if finding in self.absent_findings or self.findings_complete:
            return False
        return None

    @property
    def is_active(self) -> bool | None:
        """Stated activity, else active when marrow oedema is reported; None when unknowable."""
        if self.activity is not None:
            return None if self.activity == "indeterminate" else self.activity == "active"
        return True if "marrow_oedema" in self.findings else None


class ImagingStudy(Snapshot):
    id: str | None = None
    date: dt.date
    modality: Modality
    whole_body: bool | None = Field(default=None, description="The study covered the whole skeleton; whole-body "
                                    "MRI always does. Not marked: the lesion count stays open")
    lesions: tuple[Lesion, ...] = ()
    report: str | None = None

    @property
    def covers_whole_body(self) -> bool:
        return self.whole_body is True or self.modality == "whole_body_mri"


_CENSOR_PREFIXES: tuple[tuple[str, Comparator], ...] = (
    ("<=", "<="), ("≤", "<="), (">=", ">="), ("≥", ">="), ("<", "<"), (">", ">"))


class LabResult(Snapshot):
    """A laboratory result as reported, plus its value in the catalogue's canonical unit.

    A censored result ("CRP <5 mg/L", "ferritin >1000") is given as ``value: "<5"`` or as
    ``value: 5`` with ``comparator: "<"``; it decides an item whenever its limit does.
    ``canonical_value`` / ``canonical_reference_*`` are filled by the validator, never by the caller.
    """

    test: str
    date: dt.date
    value: float | None = None
    comparator: Comparator | None = None
    unit: str | None = None
    reference_low: float | None = None
    reference_high: float | None = None
    result: QualitativeResult | None = None
    organism: str | None = None
    note: str | None = None
    canonical_value: float | None = None
    canonical_reference_low: float | None = None
    canonical_reference_high: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _normalise(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for computed in ("canonical_value", "canonical_reference_low", "canonical_reference_high"):
            if computed in data and not data.get("_trusted"):
                raise ValueError(f"{computed} is computed by cnocare; give value and unit instead")
        # A stored result was checked and converted once, when it was saved: its canonical value is used as
        # stored (records pass ``_trusted``), not parsed, checked and converted again.
        trusted = bool(data.get("_trusted")) and data.get("canonical_value") is not None
        data = {k: v for k, v in data.items() if k != "_trusted"}
        test_id = data.get("test")
        tests = lab_tests()
        if not isinstance(test_id, str) or test_id not in tests:
            raise ValueError(f"test {test_id!r} is not in the lab catalogue; accepted: {', '.join(sorted(tests))}")
        test = tests[test_id]
        value = data.get("value")
        if test.kind != "quantitative":
            if value is not None or data.get("unit") is not None:
                raise ValueError(f"{test_id} is reported as a result (positive/negative), not a value with a unit")
            if data.get("result") is None:
                raise ValueError(f"result missing for {test_id}; accepted: positive, negative, equivocal, pending")
            return data
        if data.get("result") not in (None, "pending"):
            raise ValueError(f"{test_id} takes a numeric value and unit; result may only be 'pending'")
        if value is None:
            if data.get("result") == "pending":
                return data
            raise ValueError(f"value missing for {test_id}; give value and unit, or result: pending")
        if trusted:
            return _with_canonical_references(test.units.get(str(data.get("unit"))), data)
        if isinstance(value, str):
            value, data = _censored(test_id, value, data)
        unit = data.get("unit")
        if not isinstance(unit, str) or unit not in test.units:
            raise ValueError(f"unit {unit!r} for {test_id}; accepted: {', '.join(test.units)}")
        if isinstance(value, bool) or not isinstance(value, int | float) or value != value or \
                value in (float("inf"), float("-inf")):
            raise ValueError(f"value {value!r} for {test_id} is not a finite number; accepted: a number, or a "
                             "censored value such as '<5' or '>1000'")
        canonical = test.to_canonical(float(value), unit)
        assert test.possible is not None and test.unit is not None
        lo, hi = test.possible
        if not lo <= canonical <= hi:
            raise ValueError(
                f"value {value} {unit} for {test_id} is impossible; accepted {lo:g}–{hi:g} {test.unit}"
                + ("" if unit == test.unit else f" ({lo / test.units[unit]:g}–{hi / test.units[unit]:g} {unit})")
            )
        data = dict(data)
        data["value"] = value
        data["canonical_value"] = canonical
        for bound in ("low", "high"):
            ref = data.get(f"reference_{bound}")
            if ref is not None and (isinstance(ref, bool) or not isinstance(ref, int | float) or ref != ref
                                    or ref in (float("inf"), float("-inf"))):
                raise ValueError(f"reference_{bound} {ref!r} is not a finite number; accepted: a number in {unit}")
            if ref is not None:
                data[f"canonical_reference_{bound}"] = test.to_canonical(float(ref), unit)
        low, high = data.get("canonical_reference_low"), data.get("canonical_reference_high")
        if low is not None and high is not None and low > high:
            raise ValueError(f"reference_low {data['reference_low']} is above reference_high {data['reference_high']}")
        return data

    @property
    def is_quantitative(self) -> bool:
        return self.canonical_value is not None

    @property
    def interval(self) -> Interval | None:
        """The canonical value as an interval: a point, or the side of the limit a censored result gives."""
        v = self.canonical_value
        if v is None:
            return None
        lowest = lab_tests()[self.test].possible
        floor = 0.0 if lowest is None else lowest[0]
        match self.comparator:
            case None:
                return Interval.point(v)
            case "<":
                return Interval(floor, v, hi_open=True)
            case "<=":
                return Interval(floor, v)
            case ">":
                return Interval(v, float("inf"), lo_open=True)
            case ">=":
                return Interval(v, float("inf"))
        raise AssertionError(self.comparator)

    @property
    def shown(self) -> str:
        """The value as the laboratory reported it, e.g. "<5 mg/L"."""
        if self.value is None:
            return self.result or "no value"
        shown = f"{self.comparator or ''}{self.value:g} {self.unit or ''}".strip()
        canonical = lab_tests()[self.test].unit
        if self.unit != canonical and self.canonical_value is not None:
            shown += f" ({self.comparator or ''}{self.canonical_value:g} {canonical})"
        return shown

    def within_reference(self) -> bool | None:
        """True/False against the lab's own interval; None when the lab gave no interval."""
        lo, hi, iv = self.canonical_reference_low, self.canonical_reference_high, self.interval
        if iv is None or lo is None or hi is None:
            return None
        return iv.within(lo, hi)


def _with_canonical_references(factor: float | None, data: dict[str, Any]) -> dict[str, Any]:
    """A stored result: only its reference interval (kept as the laboratory wrote it) is put in canonical
    units; the value's own canonical form is the one stored at entry."""
    data = dict(data)
    for bound in ("low", "high"):
        ref = data.get(f"reference_{bound}")
        if ref is not None and factor is not None:
            data[f"canonical_reference_{bound}"] = float(ref) * factor
    return data


def _censored(test_id: str, text: str, data: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """"<5" -> (5.0, comparator "<"); a number sent as text is read as that number."""
    raw = text.strip()
    for prefix, comparator in _CENSOR_PREFIXES:
        if raw.startswith(prefix):
            if data.get("comparator") not in (None, comparator):
                raise ValueError(f"value {text!r} for {test_id} disagrees with comparator {data['comparator']!r}")
            number, data = raw[len(prefix):].strip(), {**data, "comparator": comparator}
            break
    else:
        number = raw
    try:
        value = float(number.replace(",", "."))
    except ValueError:
        raise ValueError(f"value {text!r} for {test_id} is not a number; accepted: a number, or a censored value "
                         "such as '<5' or '>1000'") from None
    return value, data


class Biopsy(Snapshot):
    date: dt.date
    site: str | None = None
    side: Side | None = None
    histology: tuple[Histology, ...] = ()
    culture: CultureResult | None = Field(default=None, description="Omitted: not reported")
    organism: str | None = None
    on_antibiotics: bool | None = None
    note: str | None = None

    @field_validator("site")
    @classmethod
    def _known_site(cls, v: str | None) -> str | None:
        return check_site(v)


class CoexistingCondition(Snapshot):
    kind: CoexistingConditionKind
    present: bool = True
    onset: dt.date | None = None


class AlternativeDiagnosis(Snapshot):
    kind: AlternativeDiagnosisKind
    status: AlternativeStatus
    date: dt.date | None = None
    basis: str | None = None


class FamilyHistory(Snapshot):
    relation: Relation
    condition: str
    note: str | None = None


class GeneticFinding(Snapshot):
    gene: str = Field(min_length=2, max_length=20)
    variant: str | None = None
    classification: VariantClass
    zygosity: Literal["heterozygous", "homozygous", "compound_heterozygous", "hemizygous"] | None = None


class MedicineCourse(Snapshot):
    """A course; its class comes from the medicine catalogue when the drug is listed there."""

    drug: str = Field(min_length=2, max_length=80)
    drug_class: DrugClass | None = Field(default=None, validate_default=True,
                                         description="Derived from the medicine catalogue for a listed drug")
    start: dt.date | None = Field(default=None, description="Omitted: start date not known")
    stop: dt.date | None = None
    stop_reason: str | None = None
    response: Response | None = None
    dose_note: str | None = None
    dose_mg: float | None = Field(default=None, gt=0, le=100_000, allow_inf_nan=False)
    route: Route | None = None
    frequency: str | None = Field(default=None, max_length=60, description="As written, e.g. 'once weekly'")
    adherence: Adherence | None = None

    @field_validator("drug_class", mode="before")
    @classmethod
    def _class_from_catalogue(cls, v: Any, info: ValidationInfo) -> Any:
        return checked_drug_class(info.data.get("drug"), v)

    @model_validator(mode="after")
    def _ordered(self) -> MedicineCourse:
        if self.stop is not None and self.start is not None and self.stop < self.start:
            raise ValueError(f"stop {self.stop} is before start {self.start}; accepted: stop on or after start")
        return self


class Case(Snapshot):
    schema_version: Literal["1"] = "1"
    case_id: str = Field(min_length=1, max_length=64)
    as_of: dt.date | None = Field(default=None, description="Date the snapshot describes; default: latest dated entry")
    assessed_on: dt.date | None = Field(default=None, description="The day the assessment is made (the app: "
                                        "today); durations run to it when it is later than the last entry")
    patient: Patient
    episodes: tuple[Episode, ...] = ()
    symptoms: tuple[Symptom, ...] = ()
    imaging: tuple[ImagingStudy, ...] = ()
    labs: tuple[LabResult, ...] = ()
    biopsies: tuple[Biopsy, ...] = ()
    conditions: tuple[CoexistingCondition, ...] = ()
    alternative_diagnoses: tuple[AlternativeDiagnosis, ...] = ()
    family_history: tuple[FamilyHistory, ...] = ()
    genetics: tuple[GeneticFinding, ...] = ()
    medicines: tuple[MedicineCourse, ...] = ()
    measurements: tuple[Measurement, ...] = ()
    infusions: tuple[Infusion, ...] = ()
    chaq: tuple[ChaqAnswers, ...] = ()
    activity: tuple[ActivityAssessment, ...] = ()
    checks: tuple[ClinicalCheck, ...] = ()
    diary: tuple[DiaryDay, ...] = Field(default=(), description="The family's diary days, oldest first")

    @model_validator(mode="after")
    def _dates_make_sense(self) -> Case:
        # Diary days are checked like every dated entry but do not move the snapshot date (reference_date):
        # a daily diary would otherwise shift what "the latest entry" means for every instrument
        # (docs/decisions/006-diary-in-the-case.md).
        diary = [(f"diary[{i}]", d.day) for i, d in enumerate(self.diary)]
        dob = self.patient.date_of_birth
        if dob is not None:
            for label, d in [*self._dated(), *diary]:
                if d < dob:
                    raise ValueError(f"{label} date {d} is before the date of birth {dob}")
            ref = self.reference_date
            if ref is not None and (ref - dob).days / 365.25 > MAX_AGE_YEARS:
                raise ValueError(f"date_of_birth {dob} gives an age over {MAX_AGE_YEARS} years")
        if self.as_of is not None:
            for label, d in [*self._dated(), *diary]:
                if d > self.as_of:
                    raise ValueError(f"{label} date {d} is after as_of {self.as_of}")
        return self

    def _dated(self) -> list[tuple[str, dt.date]]:
        out: list[tuple[str, dt.date]] = []
        if self.patient.onset_date:
            out.append(("patient.onset_date", self.patient.onset_date))
        if self.patient.diagnosis_date:
            out.append(("patient.diagnosis_date", self.patient.diagnosis_date))
        out += [(f"episodes[{i}].start", e.start) for i, e in enumerate(self.episodes)]
        out += [(f"symptoms[{i}]", s.date) for i, s in enumerate(self.symptoms) if s.date]
        out += [(f"imaging[{i}]", s.date) for i, s in enumerate(self.imaging)]
        out += [(f"labs[{i}]", r.date) for i, r in enumerate(self.labs)]
        out += [(f"biopsies[{i}]", b.date) for i, b in enumerate(self.biopsies)]
        out += [(f"medicines[{i}].start", m.start) for i, m in enumerate(self.medicines) if m.start]
        for name in ("measurements", "infusions", "chaq", "activity", "checks"):
            out += [(f"{name}[{i}]", x.date) for i, x in enumerate(getattr(self, name))]
        return out

    @property
    def reference_date(self) -> dt.date | None:
        """The snapshot date: ``as_of`` if given, else the latest dated entry; None for an undated case."""
        if self.as_of is not None:
            return self.as_of
        dates = [d for _, d in self._dated()]
        if dates:
            return max(dates)
        return None

    @property
    def duration_end(self) -> dt.date | None:
        """Where durations end: ``as_of``, else the later of the last entry and ``assessed_on``."""
        if self.as_of is not None:
            return self.as_of
        ref = self.reference_date
        if self.assessed_on is not None and (ref is None or self.assessed_on > ref):
            return self.assessed_on
        return ref

    @property
    def age_at_onset_years(self) -> float | None:
        p = self.patient
        if p.age_at_onset_years is not None:
            return p.age_at_onset_years
        if p.date_of_birth is not None and p.onset_date is not None:
            return age_in_years(p.date_of_birth, p.onset_date)
        ref = self.reference_date
        if p.age_years is not None and p.onset_date is not None and ref is not None:
            return max(0.0, p.age_years - years_between(p.onset_date, ref))
        return None

    def age_on(self, day: dt.date) -> float | None:
        """Calendar age on ``day``: from the date of birth, else from ``age_years`` at the snapshot date."""
        p, ref = self.patient, self.reference_date
        if p.date_of_birth is not None:
            return age_in_years(p.date_of_birth, day)
        if p.age_years is not None and ref is not None:
            return p.age_years - years_between(day, ref)
        return None

    @property
    def age_years(self) -> float | None:
        p = self.patient
        ref = self.reference_date
        if p.date_of_birth is not None and ref is not None:
            return age_in_years(p.date_of_birth, ref)
        return p.age_years
