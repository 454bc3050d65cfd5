"""The job registry: each job is a named function of a ``JobContext`` (``cnocare.jobs.context``) and
JSON-able keyword arguments.

```python
@job("send_mail")
def send_mail(ctx: JobContext, *, to: str, subject: str, body: str) -> None: ...

periodic("check_escalations", every_minutes=1)   # queued once per minute, whichever worker sees it first
```

Both backends run the same function: procrastinate's workers on PostgreSQL and the worker thread on
SQLite. The context gives a database session whose transaction commits when the function returns (on
SQLite together with marking the job done), the settings, the mailer and ``now``: the moment the job
runs, or the moment a test asked for (``run_pending(now=...)``). Jobs must be safe to run twice: a worker
can die after the work and before the job is marked done.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cnocare.security.settings import SecuritySettings

NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


JobFunction = Callable[..., None]


@dataclass(frozen=True)
class JobSpec:
    name: str
    function: JobFunction
    max_attempts: int | None  # None: the site's jobs_max_attempts


@dataclass(frozen=True)
class Periodic:
    job_name: str
    every_minutes: int

    @property
    def cron(self) -> str:
        """The same schedule for procrastinate."""
        return "* * * * *" if self.every_minutes == 1 else f"*/{self.every_minutes} * * * *"

    def period_start(self, now: dt.datetime) -> dt.datetime:
        """The start of the period ``now`` falls in (periods begin on the hour, as cron's do)."""
        minute = (now.minute // self.every_minutes) * self.every_minutes
        return now.replace(minute=minute, second=0, microsecond=0)


class UnknownJob(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


JOBS: dict[str, JobSpec] = {}
PERIODIC: dict[str, Periodic] = {}


def job(name: str, *, max_attempts: int | None = None) -> Callable[[JobFunction], JobFunction]:
    if not name or set(name) - NAME_CHARS or len(name) > 120:
        raise ValueError(f"job name {name!r}; accepted: lower-case letters, digits and _ (at most 120)")
    if max_attempts is not None and max_attempts < 1:
        raise ValueError(f"max_attempts {max_attempts} for job {name!r}; accepted: 1 or more")

    def register(function: JobFunction) -> JobFunction:
        existing = JOBS.get(name)
        if existing is not None and existing.function is not function:
            raise ValueError(f"job {name!r} is already registered by {existing.function.__module__}")
        JOBS[name] = JobSpec(name, function, max_attempts)
        return function

    return register


def periodic(job_name: str, *, every_minutes: int) -> Periodic:
    if not (1 <= every_minutes <= 60 and 60 % every_minutes == 0):
        raise ValueError(f"every_minutes {every_minutes} for {job_name!r}; accepted: a divisor of 60 "
                         "(1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60)")
    get(job_name)
    schedule = Periodic(job_name, every_minutes)
    PERIODIC[job_name] = schedule
    return schedule


def get(name: str) -> JobSpec:
    try:
        return JOBS[name]
    except KeyError:
        raise UnknownJob(f"no job named {name!r}; known jobs: {', '.join(sorted(JOBS)) or 'none'}") from None


def attempts_allowed(spec: JobSpec, settings: SecuritySettings) -> int:
    return spec.max_attempts or settings.jobs_max_attempts


def retry_delay(attempts_made: int, settings: SecuritySettings) -> dt.timedelta:
    """Doubling waits: base, 2 x base, 4 x base ... after the 1st, 2nd, 3rd failed try (capped at a day)."""
    seconds = settings.jobs_retry_seconds * 2 ** max(0, attempts_made - 1)
    return dt.timedelta(seconds=min(seconds, 86_400))


def checked_kwargs(name: str, kwargs: dict[str, Any]) -> str:
    """The arguments as JSON, refused by name when one cannot be stored (a date, an object)."""
    get(name)
    for key, value in kwargs.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            raise ValueError(f"job {name!r}: argument {key}={value!r} is not JSON; accepted: strings, numbers, "
                             "booleans, null, lists and objects of those (pass dates as ISO text)") from None
    return json.dumps(kwargs, sort_keys=True)
