"""Calendar age, counted in birthdays as a clinic counts it.

Dividing days by 365.25 is off by a day around birthdays: a child seen on the 18th birthday would
still be "17.99". Here the completed years come from the calendar, and only the part-year since the
last birthday is a fraction, so an onset on the 3rd birthday is exactly 3.0 ("not before 3").
A 29 February birthday falls on 1 March in common years (local choice, docs/decisions/002).
"""

from __future__ import annotations

import datetime as dt


def birthday(date_of_birth: dt.date, year: int) -> dt.date:
    """The birthday in ``year``; 29 February becomes 1 March in a common year."""
    try:
        return date_of_birth.replace(year=year)
    except ValueError:
        return dt.date(year, 3, 1)


def completed_years(date_of_birth: dt.date, on: dt.date) -> int:
    """Whole years of age on ``on`` (negative before birth is refused by the caller)."""
    years = on.year - date_of_birth.year
    if on < birthday(date_of_birth, on.year):
        years -= 1
    return years


def age_in_years(date_of_birth: dt.date, on: dt.date) -> float:
    """Completed years plus the fraction of the current year of age (0 on each birthday)."""
    years = completed_years(date_of_birth, on)
    last = birthday(date_of_birth, date_of_birth.year + years)
    following = birthday(date_of_birth, date_of_birth.year + years + 1)
    return years + (on - last).days / (following - last).days


def years_between(start: dt.date, end: dt.date) -> float:
    """Calendar years from ``start`` to ``end`` (``start`` playing the part of a birthday)."""
    if end < start:
        return -age_in_years(end, start)
    return age_in_years(start, end)
