"""kill -9 while the demo cohort is being seeded: each patient is all there or not there at all."""

from __future__ import annotations

import pytest

from reliability.conftest import ReplayableRandom
from reliability.harness import ScratchDatabases
from reliability.scenarios import crash_trials, record, seed_trial

pytestmark = pytest.mark.slow


def test_a_seeding_killed_at_random_leaves_whole_patients_and_a_rerun_completes_the_cohort(
        scratch: ScratchDatabases, rng: ReplayableRandom) -> None:
    for _ in range(crash_trials()):
        trial = record(seed_trial(scratch, rng))
        assert trial.ok, f"{rng.replay}\n{trial.explain()}"
        assert trial.acked <= trial.detail["present_after_kill"] <= trial.acked + 1
