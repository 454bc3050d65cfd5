"""The one place records read the wall clock (naive UTC, identical on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def as_naive_utc(when: dt.datetime) -> dt.datetime:
    """Accept aware or naive (assumed UTC) datetimes from callers and compare in naive UTC."""
    if when.tzinfo is None:
        return when
    return when.astimezone(dt.UTC).replace(tzinfo=None)


def as_aware_utc(when: dt.datetime) -> dt.datetime:
    """Times leave the records layer with their zone: stored naive UTC becomes aware UTC."""
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


# Read schemas use this, so JSON carries an offset ("...+00:00") as OpenAPI's date-time requires.
UtcDateTime = Annotated[dt.datetime, AfterValidator(as_aware_utc)]
