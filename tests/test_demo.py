"""The demo the README's run command starts: a clinician and a parent login, the parent's child with two
weeks of diary and one alert for the care team; starting again changes the password, not the data."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from cnocare.demo import DEMO_PARENT, SYNTHETIC_FORMULARY, prepare_demo
from cnocare.records.accounts.login import authenticate
from cnocare.records.db import make_engine, session_factory, transaction
from cnocare.records.family.models import DiaryEntryRecord, FamilyAlert
from cnocare.security.settings import get_settings


def test_the_demo_has_a_family_with_a_diary_and_starting_again_adds_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CNOCARE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CNOCARE_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("CNOCARE_ARGON2_MEMORY_KIB", "1024")
    get_settings.cache_clear()
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    first = prepare_demo(url, patients=3, quiet=True)
    again = prepare_demo(url, patients=3, quiet=True)
    assert SYNTHETIC_FORMULARY.is_file()
    assert (again.family_username, again.family_child) == (DEMO_PARENT, first.family_child)
    assert again.password != first.password
    factory = session_factory(make_engine(url))
    with transaction(factory) as db:
        current = select(func.count()).select_from(DiaryEntryRecord).where(DiaryEntryRecord.is_current)
        assert db.scalar(current) == 9
        assert db.scalar(select(func.count()).select_from(FamilyAlert)) == 1
        assert authenticate(db_session=db, username=DEMO_PARENT, password=again.password).user is not None
    get_settings.cache_clear()
