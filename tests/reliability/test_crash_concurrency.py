"""Writers racing each other: optimistic locking keeps one history per record; no writer sees a lock error."""

from __future__ import annotations

import pytest

from reliability.conftest import ReplayableRandom
from reliability.harness import ScratchDatabases
from reliability.scenarios import crash_trials, edit_trial, record, writers_trial

pytestmark = pytest.mark.slow


def test_two_editors_of_one_record_one_killed_leave_one_current_version_and_every_saved_edit(
        scratch: ScratchDatabases, rng: ReplayableRandom) -> None:
    for _ in range(crash_trials(default=3)):
        trial = record(edit_trial(scratch, rng))
        assert trial.ok, f"{rng.replay}\n{trial.explain()}"


def test_four_concurrent_writers_see_no_lock_errors_and_lose_nothing(
        scratch: ScratchDatabases, rng: ReplayableRandom) -> None:
    trial = record(writers_trial(scratch, rng))
    assert not trial.user_errors, f"errors shown to users: {trial.user_errors[:5]}"
    assert trial.ok, f"{rng.replay}\n{trial.explain()}"
    assert trial.acked == 4 * 15 * 2
