"""Possible flares read off the course, each with its evidence, for a clinician to confirm or dismiss.

Signals: a new lesion on imaging (a focus not seen on any earlier study), a new painful site at a visit,
CRP or ESR rising above the normal range after a value inside it (the patient's own baseline), and
pain at or above a threshold the site sets on consecutive visits, and the same for the family's diary
days under the site's diary rule. No threshold is invented: without a site setting each pain rule is off
and says so.
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise
from typing import Literal

from pydantic import BaseModel, ConfigDict

from cnocare.clinical.case import Case
from cnocare.clinical.lab_reading import check_range
from cnocare.knowledge.catalogue import bone_sites, lab_tests
from cnocare.knowledge.reference_intervals import ReferenceTable, default_reference_intervals
from cnocare.knowledge.site_definitions import DiaryFlareRule

FlareKind = Literal["new_lesion", "new_painful_site", "rising_marker", "sustained_pain", "diary_pain"]


class FlareSignal(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: FlareKind
    date: dt.date
    evidence: str


class PainRule(BaseModel):
    """The site's own rule: pain at or above ``threshold_0_10`` on ``visits`` consecutive visits."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    threshold_0_10: float
    visits: int


class FlareReport(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    signals: tuple[FlareSignal, ...]
    notes: tuple[str, ...]


def detect(case: Case, *, pain_rule: PainRule | None = None, diary_rule: DiaryFlareRule | None = None,
           reference_intervals: ReferenceTable | None = None) -> FlareReport:
    table = reference_intervals or default_reference_intervals()
    signals = [*_new_lesions(case), *_new_painful_sites(case), *_rising_markers(case, table)]
    notes = []
    if pain_rule is None:
        notes.append("Sustained-pain rule off: the site has not set a pain threshold and number of visits.")
    else:
        signals += _sustained_pain(case, pain_rule)
    if diary_rule is None:
        if case.diary:
            notes.append("Diary pain rule off: the site has not set a diary pain level and number of days "
                         "(no published rule was found); the diary is shown beside the signals, not read as one.")
    else:
        signals += _diary_pain(case, diary_rule)
    return FlareReport(signals=tuple(sorted(signals, key=lambda s: s.date)), notes=tuple(notes))


def _key(site: str, side: str | None) -> tuple[str, str | None]:
    return site, None if side == "midline" else side


def _new_lesions(case: Case) -> list[FlareSignal]:
    out: list[FlareSignal] = []
    seen: set[tuple[str, str | None]] = set()
    studies = sorted(case.imaging, key=lambda s: s.date)
    for n, study in enumerate(studies):
        for les in study.lesions:
            key = _key(les.site, les.side)
            unsided_seen = any(s == les.site for s, _ in seen)
            if n > 0 and key not in seen and not (les.side is None and unsided_seen) and les.is_active is not False:
                side = f" ({les.side})" if les.side in ("left", "right") else ""
                out.append(FlareSignal(kind="new_lesion", date=study.date,
                                       evidence=f"new lesion at {bone_sites()[les.site].label}{side} on the study of "
                                                f"{study.date.isoformat()}, not seen on earlier imaging"))
            seen.add(key)
    return out


def _new_painful_sites(case: Case) -> list[FlareSignal]:
    out: list[FlareSignal] = []
    earlier: set[str] = set()
    visits = sorted((v for v in case.activity if v.painful_sites is not None), key=lambda v: v.date)
    for n, visit in enumerate(visits):
        sites = set(visit.painful_sites or ())
        new = sorted(sites - earlier)
        if n > 0 and new:
            out.append(FlareSignal(kind="new_painful_site", date=visit.date,
                                   evidence="new painful site(s): " + ", ".join(bone_sites()[s].label for s in new)))
        earlier |= sites
    return out


def _rising_markers(case: Case, table: ReferenceTable) -> list[FlareSignal]:
    out = []
    for test in ("crp", "esr"):
        results = sorted((r for r in case.labs if r.test == test and r.interval is not None), key=lambda r: r.date)
        checks = [check_range(r, case, table) for r in results]
        for prev, cur in pairwise(checks):
            if prev.inside is True and cur.above is True:
                name = lab_tests()[test].name
                before = f"{prev.result.shown} ({prev.result.date.isoformat()}, within range)"
                out.append(FlareSignal(kind="rising_marker", date=cur.result.date,
                                       evidence=f"{name} rose from {before} to {cur.result.shown}; {cur.range_text}"))
    return out


def _sustained_pain(case: Case, rule: PainRule) -> list[FlareSignal]:
    visits = sorted((v for v in case.activity if v.pain_0_10 is not None), key=lambda v: v.date)
    out, run = [], 0
    for v in visits:
        assert v.pain_0_10 is not None
        run = run + 1 if v.pain_0_10 >= rule.threshold_0_10 else 0
        if run == rule.visits:
            out.append(FlareSignal(kind="sustained_pain", date=v.date,
                                   evidence=f"pain {rule.threshold_0_10:g}/10 or more on {rule.visits} consecutive "
                                            f"visits up to {v.date.isoformat()} (site rule)"))
    return out


def _diary_pain(case: Case, rule: DiaryFlareRule) -> list[FlareSignal]:
    """A run of consecutive calendar days, each with a diary pain answer at or above the site's level; a day
    without an answer ends the run (it is unknown, not "no pain" and not "pain")."""
    out: list[FlareSignal] = []
    run: list[dt.date] = []
    for day in sorted((d for d in case.diary if d.pain_0_10 is not None), key=lambda d: d.day):
        assert day.pain_0_10 is not None
        follows = bool(run) and day.day - run[-1] == dt.timedelta(days=1)
        high = day.pain_0_10 >= rule.pain_at_least_0_10
        run = ([*run, day.day] if follows else [day.day]) if high else []
        if len(run) == rule.consecutive_days:
            out.append(FlareSignal(kind="diary_pain", date=day.day, evidence=(
                f"diary pain {rule.pain_at_least_0_10:g}/10 or more on {rule.consecutive_days} consecutive days "
                f"from {run[0].isoformat()} to {day.day.isoformat()} (site rule {rule.site} {rule.version}, "
                f"{rule.status})")))
    return out
