"""The demo cohort: reproducible from its seed, realistic enough to demo, honest about being synthetic."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from cnocare.analytics.seed import seed_demo
from cnocare.analytics.synthetic import COHORT_END, SYNTHETIC, generate_cohort
from cnocare.records.chart import load_chart
from cnocare.records.db import transaction
from cnocare.records.patients.models import PatientRecord


def test_the_same_seed_gives_the_same_cohort_and_another_seed_a_different_one() -> None:
    assert generate_cohort(60, seed=2026) == generate_cohort(60, seed=2026)
    assert generate_cohort(60, seed=2026) != generate_cohort(60, seed=7)


def test_the_cohort_spans_centres_years_and_includes_the_dangerous_mimics() -> None:
    cohort = generate_cohort(60, seed=2026)
    assert len({b.centre_code for b in cohort}) >= 3
    assert {"leukaemia_like", "infection_like"} <= {b.mimic for b in cohort}
    spans = [(max(v.date for v in b.visits) - min(v.date for v in b.visits)).days for b in cohort if b.mimic is None]
    assert max(spans) > 3 * 365
    assert Counter(lab.unit for b in cohort for lab in b.labs if lab.test == "crp")["mg/dL"] > 0
    assert any(m.drug_class != "nsaid" for b in cohort for m in b.medicines)  # some NSAID step-ups
    assert any(e.kind == "flare" for b in cohort for e in b.episodes)


def test_every_generated_reference_interval_is_labelled_synthetic() -> None:
    labs = [lab for b in generate_cohort(60, seed=2026) for lab in b.labs]
    with_interval = [lab for lab in labs if lab.reference_low is not None or lab.reference_high is not None]
    assert with_interval and all(lab.reference_source == SYNTHETIC for lab in with_interval)


def test_seeding_writes_the_generated_cohort_and_a_second_run_adds_nothing(
        db_factory: sessionmaker[Session]) -> None:
    seen: list[tuple[int, int]] = []
    assert seed_demo(db_factory, n=20, seed=99, progress=lambda done, total: seen.append((done, total))) == 20
    assert seen[-1] == (20, 20)
    assert seed_demo(db_factory, n=20, seed=99) == 0
    cohort = {b.hospital_number: b for b in generate_cohort(20, seed=99)}
    with transaction(db_factory) as s:
        stored = s.scalars(select(PatientRecord).where(PatientRecord.hospital_number.in_(cohort))).all()
        assert len(stored) == 20
        for patient in stored:
            bundle, chart = cohort[patient.hospital_number], load_chart(db_session=s, patient_id=patient.id)
            assert (patient.name, patient.date_of_birth) == (bundle.name, bundle.date_of_birth)
            assert sorted((v.date, v.pain_0_10) for v in chart["visits"]) == sorted(
                (v.date, v.pain_0_10) for v in bundle.visits)
            assert sorted((lab.test, lab.date, lab.value) for lab in chart["labs"]) == sorted(
                (lab.test, lab.date, lab.value) for lab in bundle.labs)
            flags = {f["id"] for f in (chart.latest_snapshot.assessment["workup"] or {})["red_flags"]} \
                if chart.latest_snapshot else set()
            if bundle.mimic == "leukaemia_like":
                assert "cytopenia" in flags or "platelets_below_100" in flags
            if bundle.mimic == "infection_like":
                assert "fever_with_high_crp" in flags


def test_min_visits_tops_up_each_course_and_leaves_everything_else_as_generated() -> None:
    plain = generate_cohort(120, seed=2026)
    topped = generate_cohort(120, seed=2026, min_visits=10)
    assert generate_cohort(120, seed=2026, min_visits=0) == plain  # the default adds nothing
    for before, after in zip(plain, topped, strict=True):
        assert len(after.visits) >= 10
        # The same patient: only visits were added, none changed or removed, and they stay in date order.
        assert before.model_copy(update={"visits": after.visits}) == after
        assert all(v in after.visits for v in before.visits)
        assert [v.date for v in after.visits] == sorted(v.date for v in after.visits)
        assert len({v.date for v in after.visits}) == len(after.visits)
        assert all(v.date <= COHORT_END for v in after.visits)
    with pytest.raises(ValueError, match="min_visits"):
        generate_cohort(1, seed=1, min_visits=-1)
