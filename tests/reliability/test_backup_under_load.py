"""Backups taken while the clinic keeps writing restore healthy; a backup cut short is never used."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from cnocare.records.backup import backup, read_manifest, restore
from cnocare.records.integrity import check
from cnocare.records.labs.models import LabResultRecord
from reliability.conftest import ReplayableRandom
from reliability.harness import ScratchDatabases
from reliability.scenarios import (
    acks_missing,
    backup_kill_trial,
    crash_trials,
    new_patient,
    record,
    session,
    worker,
)

pytestmark = pytest.mark.slow


def lab_rows(url: str, patient_id: str) -> dict[tuple[str, int], LabResultRecord]:
    with session(url) as s:
        return {(r.record_id, r.version): r for r in
                s.scalars(select(LabResultRecord).where(LabResultRecord.patient_id == patient_id))}


def test_a_backup_taken_during_writes_verifies_restores_and_holds_every_write_acknowledged_before_it(
        scratch: ScratchDatabases, tmp_path: Path, rng: ReplayableRandom) -> None:
    url = scratch.fresh()
    patient_id = new_patient(url)
    child = worker("writer", url=url, patient_id=patient_id, name="clinic", count=40,
                   seed=rng.randrange(1000))
    child.wait_for("ACK", 10)
    before = list(child.acks)
    taken = backup(url, tmp_path / "during-writes.backup")
    child.finish()
    assert not child.errors, child.errors
    assert len(child.acks) > len(before)  # the clinic kept writing after the backup began
    assert read_manifest(taken.path)["sha256"] == taken.sha256
    restored = scratch.empty()
    restore(taken.path, restored)
    report = check(restored)
    assert report.ok, str(report)
    assert acks_missing(before, lab_rows(restored, patient_id)) == []
    assert acks_missing(child.acks, lab_rows(url, patient_id)) == []
    assert check(url).ok


def test_a_backup_killed_at_random_is_refused_and_every_finished_one_restores(
        scratch: ScratchDatabases, tmp_path: Path, rng: ReplayableRandom) -> None:
    for trial_number in range(crash_trials(default=3)):
        folder = tmp_path / f"trial-{trial_number}"
        folder.mkdir()
        trial = record(backup_kill_trial(scratch, rng, folder))
        assert trial.ok, f"{rng.replay}\n{trial.explain()}"
