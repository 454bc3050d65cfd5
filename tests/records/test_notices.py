"""In-app notices: added for one user, listed unread newest first, marked read only by their reader."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker

from cnocare.records.accounts.service import create_user
from cnocare.records.centres.service import create_centre
from cnocare.records.errors import RecordValidationError
from cnocare.records.notices.service import add_notice, count_unread, list_unread, mark_read
from cnocare.security.settings import SecuritySettings

T0 = dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC)
CHEAP = SecuritySettings(argon2_time_cost=1, argon2_memory_kib=1024, argon2_parallelism=1)


@pytest.fixture
def db(db_factory: sessionmaker[Session]) -> Iterator[Session]:
    with db_factory() as session:
        yield session
        session.rollback()


def _users(db: Session) -> tuple[int, int]:
    centre = create_centre(db_session=db, data={"code": f"N{dt.datetime.now().microsecond}", "name": "N"},
                           actor="t")
    ids = []
    for name in ("ada", "otto"):
        user, _ = create_user(db_session=db, data={"username": f"{name}{centre.id}", "email": f"{name}@example.org",
                                                   "display_name": name, "role": "clinician",
                                                   "centre_ids": [centre.id]}, settings=CHEAP)
        ids.append(user.id)
    return ids[0], ids[1]


def test_unread_notices_are_listed_newest_first_and_marked_read_by_their_reader(db: Session) -> None:
    ada, otto = _users(db)
    first = add_notice(db_session=db, data={"user_id": ada, "kind": "alert_escalated", "text": "Kit's alert",
                                            "link": "/alerts"}, now=T0)
    second = add_notice(db_session=db, data={"user_id": ada, "kind": "diary_reminder", "text": "  Diary  "},
                        now=T0 + dt.timedelta(minutes=1))
    add_notice(db_session=db, data={"user_id": otto, "kind": "diary_reminder", "text": "Otto's"}, now=T0)
    assert [n.id for n in list_unread(db_session=db, user_id=ada)] == [second.id, first.id]
    assert second.text == "Diary" and first.created_at == T0
    assert mark_read(db_session=db, user_id=otto, notice_ids=[first.id]) == 0  # not Otto's to mark
    assert mark_read(db_session=db, user_id=ada, notice_ids=[first.id], now=T0 + dt.timedelta(hours=1)) == 1
    assert [n.id for n in list_unread(db_session=db, user_id=ada)] == [second.id]
    assert mark_read(db_session=db, user_id=ada) == 1 and count_unread(db_session=db, user_id=ada) == 0
    assert count_unread(db_session=db, user_id=otto) == 1


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"kind": "Diary Reminder", "text": "x"}, "kind", "String should match pattern"),
    ({"kind": "diary_reminder", "text": "   "}, "text", "the notice says nothing"),
    ({"kind": "diary_reminder", "text": "x", "link": "https://evil.example/"}, "link", "leaves the app"),
    ({"kind": "diary_reminder", "text": "x", "link": "//evil.example/"}, "link", "leaves the app"),
])
def test_a_bad_notice_is_refused_naming_the_field(db: Session, data: dict[str, str], field: str,
                                                 words: str) -> None:
    ada, _ = _users(db)
    with pytest.raises(RecordValidationError) as refused:
        add_notice(db_session=db, data={"user_id": ada, **data})
    assert refused.value.errors[0]["field"] == field and words in refused.value.errors[0]["message"]
