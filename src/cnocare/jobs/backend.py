"""Which queue runs the jobs: the settings' ``jobs_backend`` and the database decide."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.engine import make_url

from cnocare.security.settings import SecuritySettings

Backend = Literal["thread", "procrastinate"]


def backend_for(url: str, settings: SecuritySettings) -> Backend:
    postgres = make_url(url).get_backend_name() == "postgresql"
    if settings.jobs_backend == "procrastinate" and not postgres:
        raise ValueError("CNOCARE_JOBS_BACKEND=procrastinate needs PostgreSQL (CNOCARE_DATABASE_URL=postgresql://...);"
                         " accepted on SQLite: auto or thread")
    if settings.jobs_backend == "thread":
        return "thread"
    return "procrastinate" if postgres else "thread"
