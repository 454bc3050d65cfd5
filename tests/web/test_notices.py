"""In-app notices: an urgent diary entry tells every family account that may read the diary (the parent
who was not there too), the count shows in the nav, opening one follows its link and marks it read, and
nobody can read or clear another account's notices."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from tests.web.conftest import PASSWORD, Clinic, csrf_of, new_patient, sign_in
from tests.web.family.helpers import family_of

from cnocare.records.accounts.service import create_user, find_by_username
from cnocare.records.db import transaction
from cnocare.records.notices.service import add_notice, list_unread

ZONE = "Europe/London"


def _count(html: str) -> int:
    found = re.search(r'data-notice-count="(\d+)"', html)
    assert found, "the page has no notice count"
    return int(found.group(1))


def test_an_urgent_entry_leaves_the_other_parent_a_notice_that_opens_the_entry(clinic: Clinic) -> None:
    patient, keeper = family_of(clinic, name="Nia Notice")
    with transaction(clinic.app.state.web.sessions) as db:
        create_user(db_session=db, data={"username": "nia.mum", "email": "nia.mum@example.org",
                                                 "display_name": "Nia's mum", "role": "parent",
                                                 "patient_ids": [patient], "password": PASSWORD})
    with TestClient(clinic.app) as typing_parent, TestClient(clinic.app) as mum:
        sign_in(typing_parent, keeper)
        form = typing_parent.get(f"/family/{patient}?tz={ZONE}")
        day = re.search(r'name="day" value="([^"]+)"', form.text)
        assert day
        typing_parent.post(f"/family/{patient}/diary", data={
            "csrf_token": csrf_of(form.text), "day": day.group(1), "time_zone": ZONE, "sign": "black_stools"})
        sign_in(mum, "nia.mum")
        home = mum.get(f"/family/{patient}")
        assert _count(home.text) == 1
        notices = mum.get("/notices")
        assert "black stools" in notices.text and "Contact your care team today" in notices.text
        [notice] = re.findall(r'name="notice" value="(\d+)"', notices.text)
        opened = mum.post("/notices/read", data={"csrf_token": csrf_of(notices.text), "notice": notice},
                          follow_redirects=False)
        assert opened.status_code == 303 and opened.headers["location"].startswith(f"/family/{patient}?entry=")
        assert _count(mum.get(f"/family/{patient}").text) == 0
        # The parent who typed it was told on screen, and gets the notice too (one per linked account).
        assert _count(typing_parent.get(f"/family/{patient}").text) == 1

        # Someone else's notice id is not theirs to clear.
        with transaction(clinic.app.state.web.sessions) as db:
            [theirs] = [n.id for n in list_unread(db_session=db, user_id=_user_id(clinic, keeper))]
        mum.post("/notices/read", data={"csrf_token": csrf_of(mum.get("/notices").text), "notice": str(theirs)})
        assert _count(typing_parent.get(f"/family/{patient}").text) == 1


def test_staff_see_their_notices_and_mark_them_all_read(clinic: Clinic, ada: TestClient) -> None:
    with transaction(clinic.app.state.web.sessions) as db:
        for text in ("first thing", "second thing"):
            add_notice(db_session=db, data={"user_id": _user_id(clinic, "ada"), "kind": "test", "text": text,
                                            "link": "/alerts"})
    page = ada.get("/notices")
    assert "first thing" in page.text and "second thing" in page.text and _count(page.text) >= 2
    done = ada.post("/notices/read", data={"csrf_token": csrf_of(page.text), "notice": ""}, follow_redirects=True)
    assert "marked as read" in done.text and "Nothing new." in done.text and _count(done.text) == 0


def _user_id(clinic: Clinic, username: str) -> int:
    with transaction(clinic.app.state.web.sessions) as db:
        user = find_by_username(db_session=db, username=username)
        assert user is not None
        return int(user.id)


def test_a_kept_patient_page_shows_a_notice_that_arrived_after_it_was_drawn(clinic: Clinic, ada: TestClient) -> None:
    """The patient page is rendered once per data version and viewer and then served as kept: a notice left
    for the viewer since (no record written) must still show in its navigation."""
    patient_id = new_patient(ada, clinic, name="Kept Page")
    ada.get(f"/patients/{patient_id}")  # the registration's flash
    before = _count(ada.get(f"/patients/{patient_id}").text)
    assert _count(ada.get(f"/patients/{patient_id}").text) == before  # served as kept
    with transaction(clinic.app.state.web.sessions) as db:
        add_notice(db_session=db, data={"user_id": _user_id(clinic, "ada"), "kind": "test", "text": "new",
                                        "link": "/alerts"})
    assert _count(ada.get(f"/patients/{patient_id}").text) == before + 1
