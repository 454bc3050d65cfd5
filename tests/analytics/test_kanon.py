"""k-anonymity of research releases, on the synthetic demo cohort (60 children, four centres): raw, almost
every child is unique on birth year, sex, centre and onset month; released, no row is."""

from __future__ import annotations

from collections import Counter

import pytest

from cnocare.analytics.kanon import QUASI_IDENTIFIERS, groups, k_anonymise
from cnocare.analytics.synthetic import generate_cohort


def demo_rows(n: int = 60) -> list[dict[str, object]]:
    return [{"pseudonym": f"P-{i}", "birth_year": b.date_of_birth.year, "sex": b.sex, "centre": b.centre_code,
             "onset": b.onset_date.strftime("%Y-%m"), "subtype": "chronic_recurrent" if i % 17 else "rare_form"}
            for i, b in enumerate(generate_cohort(n, 2026))]


def test_raw_demo_rows_are_mostly_unique_on_their_quasi_identifiers() -> None:
    counts = Counter(tuple(r[q] for q in QUASI_IDENTIFIERS) for r in demo_rows())
    assert sum(1 for n in counts.values() if n == 1) >= 50  # why a pseudonym alone is not enough


@pytest.mark.parametrize("k", [2, 5, 10])
def test_the_release_has_no_group_smaller_than_k_and_reports_what_it_did(k: int) -> None:
    rows = demo_rows()
    release = k_anonymise(rows, k)
    sizes = groups(release.rows)
    assert release.rows and min(sizes.values()) >= k and release.smallest_group == min(sizes.values())
    assert release.suppressed == len(rows) - len(release.rows) <= int(len(rows) * 0.05)
    assert set(release.levels) == set(QUASI_IDENTIFIERS)
    assert all(r["pseudonym"].startswith("P-") for r in release.rows)  # other fields pass through


def test_too_few_patients_release_nothing_rather_than_a_unique_row() -> None:
    release = k_anonymise(demo_rows(4), 5)
    assert release.rows == [] and release.suppressed == 4 and release.notes


def test_k_below_two_is_refused_with_what_is_accepted() -> None:
    with pytest.raises(ValueError, match="accepted: k >= 2"):
        k_anonymise(demo_rows(10), 1)
