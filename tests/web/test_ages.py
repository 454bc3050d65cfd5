"""Ages as the clinic says them: months under two, years after, never negative."""

from __future__ import annotations

import datetime as dt

from cnocare.web.ui.patient_page import age_on

D = dt.date


def test_a_child_under_two_is_aged_in_whole_months_and_older_children_in_whole_years() -> None:
    assert age_on(D(2025, 1, 15), D(2026, 1, 14)) == "11 months"
    assert age_on(D(2025, 1, 15), D(2026, 1, 15)) == "12 months"
    assert age_on(D(2014, 5, 2), D(2026, 5, 1)) == "11 years"
    assert age_on(D(2014, 5, 2), D(2026, 5, 2)) == "12 years"


def test_no_age_before_birth_or_without_a_date_of_birth() -> None:
    assert age_on(D(2030, 1, 1), D(2026, 5, 2)) is None
    assert age_on(None, D(2026, 5, 2)) is None
