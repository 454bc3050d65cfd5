"""The one place records read the wall clock (naive UTC, identical on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def as_naive_utc(when: dt.datetime) -> dt.datetime:
    """Accept aware or naive (assumed UTC) datetimes from callers and compare in naive UTC."""
    if when.tzinfo is None:
        return when
    return when.astimezone(dt.UTC).replace(tzinfo=None)
