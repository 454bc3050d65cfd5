"""Every job module, imported so that the registry knows every job before a worker takes one."""

from __future__ import annotations

from cnocare.jobs import escalation, mail, reminders
from cnocare.jobs.registry import JOBS

MODULES = (mail, escalation, reminders)


def load() -> list[str]:
    """The names of the registered jobs (importing this module registered them)."""
    return sorted(JOBS)
