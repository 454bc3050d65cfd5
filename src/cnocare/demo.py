"""The demo the README's run command starts: migrate, seed a synthetic cohort once, make the demo logins.

The demo clinician's password is random and shown once per start (a new one each time), so there are
no default credentials even in the demo. A demo parent (same password) follows one synthetic child with
two weeks of diary, one day of which asks the care team to get in touch, so the family's pages and the
clinic's alert queue have something to show.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select

from cnocare import analytics
from cnocare.analytics.seed import seed_demo
from cnocare.records.accounts.service import create_user, find_by_username, set_password
from cnocare.records.audit.listener import audit_context
from cnocare.records.audit.listener import install as install_audit
from cnocare.records.centres.models import Centre
from cnocare.records.db import make_engine, session_factory, transaction, upgrade
from cnocare.records.family.diary import entry_for_day, save_entry
from cnocare.records.patients.models import PatientRecord
from cnocare.security.passwords import generate_one_time_password

DEMO_USERNAME = "demo.clinician"
DEMO_PARENT = "demo.parent"
DEMO_ZONE = "Europe/London"
SYNTHETIC_FORMULARY = Path(analytics.__file__).parent / "synthetic_formulary.yaml"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    patients: int
    family_username: str
    family_child: str


def prepare_demo(url: str, *, patients: int = 60, seed: int = 2026, quiet: bool = False,
                 cohort_end: dt.date | None = None, min_visits: int = 0) -> DemoLogin:
    """``cohort_end`` defaults to today, so the demo's follow-up dates are current (same seed and end date,
    same cohort). ``min_visits``: interim visits up to that many per patient (benchmarks; 0 adds none)."""
    upgrade(url)
    install_audit()  # seeding writes personal data: each row is audited like any other write
    engine = make_engine(url)
    factory = session_factory(engine)
    with Progress(TextColumn("[bold]Seeding demo cohort"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  disable=quiet, transient=False) as bar:
        task = bar.add_task("seed", total=patients)
        with audit_context(actor="demo-seed"):
            seed_demo(factory, n=patients, seed=seed, cohort_end=cohort_end or dt.date.today(),
                      min_visits=min_visits, progress=lambda done, total: bar.update(task, completed=done, total=total))
    password = generate_one_time_password()
    with transaction(factory) as db_session:
        centre_ids = list(db_session.scalars(select(Centre.id)))
        count = db_session.scalar(select(func.count()).select_from(PatientRecord)) or 0
        user = find_by_username(db_session=db_session, username=DEMO_USERNAME)
        if user is None:
            create_user(db_session=db_session, data={
                "username": DEMO_USERNAME, "email": "demo.clinician@example.invalid",
                "display_name": "Demo Clinician", "role": "clinician", "centre_ids": centre_ids,
                "password": password})
        else:
            set_password(db_session=db_session, user=user, new_password=password)
        child = _demo_family(db_session, password)
    engine.dispose()
    return DemoLogin(DEMO_USERNAME, password, int(count), DEMO_PARENT, child)


# Two weeks of a synthetic diary: pain easing after a bad spell, one missed school day, and on the fourth
# day a new fever (which raises an alert for the care team). Synthetic numbers, not clinical ones.
_DIARY = ((13, 6, "whole_missed", None), (12, 5, "part_missed", None), (11, 5, "went", None),
          (10, 4, "went", 38.4), (8, 3, "went", None), (6, 3, "went", None), (4, 2, "went", None),
          (2, 2, "went", None), (1, 1, "went", None))


def _demo_family(db_session: Any, password: str) -> str:
    """The demo parent and their child's diary (once); returns the child's name."""
    first = db_session.scalars(select(PatientRecord).where(PatientRecord.voided_at.is_(None))
                               .order_by(PatientRecord.name)).first()
    if first is None:
        return "no child"
    parent = find_by_username(db_session=db_session, username=DEMO_PARENT)
    if parent is None:
        create_user(db_session=db_session, data={
            "username": DEMO_PARENT, "email": "demo.parent@example.invalid", "display_name": "Demo Parent",
            "role": "parent", "patient_ids": [first.id], "password": password})
    else:
        set_password(db_session=db_session, user=parent, new_password=password)
    today = dt.date.today()
    for days_ago, pain, school, temperature in _DIARY:
        day = today - dt.timedelta(days=days_ago)
        if (first.date_of_birth and day < first.date_of_birth) or \
                entry_for_day(db_session=db_session, patient_id=first.id, day=day) is not None:
            continue
        save_entry(db_session=db_session, patient_id=first.id, actor=DEMO_PARENT, data={
            "day": day.isoformat(), "time_zone": DEMO_ZONE, "pain_scale": "numeric", "pain_0_10": pain,
            "school": school, "fever": temperature is not None, "temperature_c": temperature,
            "night_pain": pain >= 5})
    return str(first.name)
