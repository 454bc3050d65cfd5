"""The demo the README's run command starts: migrate, seed a synthetic cohort once, make a demo login.

The demo clinician's password is random and shown once per start (a new one each time), so there are
no default credentials even in the demo.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import func, select

from cnocare.analytics.seed import seed_demo
from cnocare.records.accounts.service import create_user, find_by_username, set_password
from cnocare.records.audit.listener import audit_context
from cnocare.records.audit.listener import install as install_audit
from cnocare.records.centres.models import Centre
from cnocare.records.db import make_engine, session_factory, transaction, upgrade
from cnocare.records.patients.models import PatientRecord
from cnocare.security.passwords import generate_one_time_password

DEMO_USERNAME = "demo.clinician"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    patients: int


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
    engine.dispose()
    return DemoLogin(DEMO_USERNAME, password, int(count))
