"""kill -9 during a burst of lab entries, corrections and voids: nothing acknowledged is lost."""

from __future__ import annotations

import pytest

from reliability.conftest import ReplayableRandom
from reliability.harness import ScratchDatabases
from reliability.scenarios import burst_trial, crash_trials, record

pytestmark = pytest.mark.slow


def test_every_write_acknowledged_before_a_kill_is_in_the_database_after_restart(
        scratch: ScratchDatabases, rng: ReplayableRandom) -> None:
    killed = 0
    for _ in range(crash_trials()):
        trial = record(burst_trial(scratch, rng))
        assert trial.ok, f"{rng.replay}\n{trial.explain()}"
        assert trial.acked >= 1
        killed += trial.killed
    assert killed >= 1, "no trial killed the writer mid-way: the kill points are not exercising anything"
