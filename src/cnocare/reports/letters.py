"""Letters as PDF: a clinic letter and a school-accommodation letter, from the patient's data.

Templates are Jinja2 (reports/templates/letters); WeasyPrint typesets them. Every clinical statement
comes from the clinical core (criteria at presentation, activity, step-up, schedule); the letter never
adds a dose or a recommendation of its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from cnocare.clinical.activity import chaq, visit_measures
from cnocare.clinical.assess import CaseAssessment
from cnocare.clinical.case import Case
from cnocare.clinical.followup import ScheduleItem
from cnocare.clinical.result import InstrumentResult
from cnocare.clinical.stepup import StepUpOptions
from cnocare.knowledge.catalogue import label


@dataclass(frozen=True)
class Letterhead:
    centre: str
    department: str = "Paediatric rheumatology"
    address_lines: tuple[str, ...] = ()
    contact: str | None = None


@dataclass(frozen=True)
class PatientIdentity:
    name: str
    hospital_number: str
    date_of_birth: dt.date | None


@dataclass(frozen=True)
class LetterData:
    head: Letterhead
    patient: PatientIdentity
    written_on: dt.date
    author: str
    case: Case
    assessment: CaseAssessment
    step_up: StepUpOptions | None = None
    schedule: tuple[ScheduleItem, ...] = ()
    recipient: str | None = None
    extra_lines: tuple[str, ...] = field(default=())

    @property
    def latest_activity(self) -> InstrumentResult | None:
        visits = sorted(self.case.activity, key=lambda v: v.date)
        return visit_measures(visits[-1], self.case) if visits else None

    @property
    def latest_chaq(self) -> InstrumentResult | None:
        done = sorted(self.case.chaq, key=lambda c: c.date)
        return chaq(done[-1]) if done else None

    @property
    def active_courses(self) -> list[str]:
        out = []
        for m in self.case.medicines:
            if m.start is not None and m.start <= self.written_on and (m.stop is None or m.stop >= self.written_on):
                dose = " ".join(x for x in (f"{m.dose_mg:g} mg" if m.dose_mg else "", m.route or "",
                                            m.frequency or "") if x)
                out.append(f"{m.drug} ({label('drug_classes', m.drug_class)}), since {m.start.isoformat()}"
                           + (f": {dose}" if dose else ""))
        return out


@cache
def _environment() -> Environment:
    return Environment(loader=PackageLoader("cnocare.reports", "templates"), autoescape=select_autoescape(["html"]),
                       trim_blocks=True, lstrip_blocks=True)


def render_html(kind: str, data: LetterData) -> str:
    if kind not in ("clinic", "school"):
        raise ValueError(f"letter {kind!r}; accepted: clinic, school")
    return _environment().get_template(f"letters/{kind}.html").render(d=data, label=label)


def render_pdf(kind: str, data: LetterData) -> bytes:
    """The letter as PDF bytes (WeasyPrint; fonts from the system, nothing fetched)."""
    from weasyprint import HTML  # heavy import (pango): only when a PDF is asked for

    pdf = HTML(string=render_html(kind, data), base_url=None).write_pdf()
    assert pdf is not None
    return bytes(pdf)
