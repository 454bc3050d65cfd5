"""Family access as the clinic and the family use it: invite from the patient's page, the link from the
e-mail, the new account landing on the child's pages, a second child on the same account, removal ending
access at the next request; the Plan and Messages pages; families never get the clinician's pages."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.fixtures.jobs import JobRunner, Mailbox
from tests.web.conftest import PASSWORD, Clinic, csrf_of, new_patient, sign_in

from cnocare.records import writes
from cnocare.records.accounts.family_access import diary_visibility
from cnocare.records.accounts.models import FamilyInvitation
from cnocare.records.accounts.service import find_by_username
from cnocare.records.audit.models import AuditEvent
from cnocare.records.db import transaction
from cnocare.records.kinds import KINDS
from cnocare.records.notices.service import list_unread
from cnocare.security.settings import get_settings

OPENED: list[TestClient] = []  # the families' browsers a test opened, closed after it


@pytest.fixture
def outbox(clinic: Clinic, run_jobs: JobRunner) -> Iterator[Mailbox]:
    yield Mailbox(run_jobs, clinic.app.state.web.sessions)
    while OPENED:
        OPENED.pop().__exit__(None, None, None)


def invite(client: TestClient, patient_id: str, email: str, relationship: str = "parent") -> TestClient:
    form = client.get(f"/patients/{patient_id}/family")
    assert form.status_code == 200
    response = client.post(f"/patients/{patient_id}/family/invite", follow_redirects=False, data={
        "csrf_token": csrf_of(form.text), "email": email, "relationship": relationship})
    assert response.status_code == 303, response.text
    return client


def link_in(outbox: Mailbox, email: str) -> str:
    [message] = [m for m in outbox.sent if m.to == email]
    found = re.search(r"https?://\S+/invite/(\S+)", message.body)
    assert found, message.body
    return f"/invite/{found.group(1)}"


def accept(link: str, clinic: Clinic, username: str, name: str = "Pam Lind") -> TestClient:
    client = TestClient(clinic.app)
    client.__enter__()
    OPENED.append(client)
    form = client.get(link)
    assert form.status_code == 200, form.text
    done = client.post(link, follow_redirects=True, data={
        "csrf_token": csrf_of(form.text), "mode": "create", "display_name": name, "username": username,
        "password": PASSWORD, "password_again": PASSWORD})
    assert done.status_code == 200, done.text
    return client


def test_clinician_invites_and_the_parent_lands_on_the_childs_today_page(
        clinic: Clinic, ada: TestClient, outbox: Mailbox) -> None:
    maya = new_patient(ada, clinic, name="Maya Invite")
    assert 'data-family-access' in ada.get(f"/patients/{maya}").text
    invite(ada, maya, "pam.invite@home.example")
    page = ada.get(f"/patients/{maya}/family").text
    assert "pam.invite@home.example" in page and "parent or guardian" in page
    link = link_in(outbox, "pam.invite@home.example")
    pam = accept(link, clinic, "pam.invite")
    today = pam.get(f"/family/{maya}")
    assert today.status_code == 200 and "Maya Invite" in today.text
    assert pam.get("/", follow_redirects=True).url.path == f"/family/{maya}"
    again = TestClient(clinic.app).get(link)
    assert again.status_code == 410 and "already been used" in again.text
    page = ada.get(f"/patients/{maya}/family").text
    assert "Pam Lind" in page and "Remove access for Pam Lind" in page


def test_a_refused_form_keeps_what_was_typed_and_names_the_field(
        clinic: Clinic, ada: TestClient, outbox: Mailbox) -> None:
    maya = new_patient(ada, clinic, name="Maya Typed")
    form = ada.get(f"/patients/{maya}/family")
    bad = ada.post(f"/patients/{maya}/family/invite", data={"csrf_token": csrf_of(form.text),
                                                           "email": "pam at home", "relationship": "parent"})
    assert bad.status_code == 422 and 'value="pam at home"' in bad.text and "is not accepted" in bad.text
    assert not [m for m in outbox.sent if "pam at home" in m.to]  # nothing queued for a refused form
    invite(ada, maya, "typed@home.example")
    link = link_in(outbox, "typed@home.example")
    with TestClient(clinic.app) as visitor:
        form = visitor.get(link)
        refused = visitor.post(link, data={"csrf_token": csrf_of(form.text), "mode": "create", "display_name": "Pam",
                                           "username": "typed.pam", "password": "short", "password_again": "short"})
        assert refused.status_code == 422
        assert 'value="typed.pam"' in refused.text and 'id="f-password-error"' in refused.text
        mismatch = visitor.post(link, data={"csrf_token": csrf_of(form.text), "mode": "create", "display_name": "Pam",
                                            "username": "typed.pam", "password": PASSWORD, "password_again": "x"})
        assert mismatch.status_code == 422 and "differ" in mismatch.text


def test_expired_and_withdrawn_links_say_so_in_plain_words(
        clinic: Clinic, ada: TestClient, outbox: Mailbox) -> None:
    maya = new_patient(ada, clinic, name="Maya Expired")
    invite(ada, maya, "late@home.example")
    invite(ada, maya, "withdrawn@home.example")
    late, withdrawn = link_in(outbox, "late@home.example"), link_in(outbox, "withdrawn@home.example")
    with transaction(clinic.app.state.web.sessions) as db:
        row = db.query(FamilyInvitation).filter_by(email="late@home.example").one()
        row.expires_at = dt.datetime(2020, 1, 1)
        pending = db.query(FamilyInvitation).filter_by(email="withdrawn@home.example").one().id
    form = ada.get(f"/patients/{maya}/family")
    assert ada.post(f"/patients/{maya}/family/invitations/{pending}/revoke", follow_redirects=False,
                    data={"csrf_token": csrf_of(form.text)}).status_code == 303
    with TestClient(clinic.app) as visitor:
        assert "has expired" in visitor.get(late).text
        assert "withdrawn by your care team" in visitor.get(withdrawn).text
        assert "not valid" in visitor.get("/invite/made-up").text


def test_a_parent_adds_a_second_child_and_chooses_between_them(
        clinic: Clinic, ada: TestClient, outbox: Mailbox) -> None:
    first, second = new_patient(ada, clinic, name="Ann Second"), new_patient(ada, clinic, name="Ben Second")
    invite(ada, first, "two@home.example")
    pam = accept(link_in(outbox, "two@home.example"), clinic, "two.kids")
    outbox.sent.clear()
    invite(ada, second, "two@home.example")
    link = link_in(outbox, "two@home.example")
    form = pam.get(link)
    assert "Add Ben Second to my account" in form.text
    added = pam.post(link, data={"csrf_token": csrf_of(form.text), "mode": "add"}, follow_redirects=False)
    assert added.headers["location"] == f"/family/{second}"
    home = pam.get("/family").text
    assert "Ann Second" in home and "Ben Second" in home


def test_removed_parent_gets_404_on_the_childs_pages_at_the_next_request(
        clinic: Clinic, ada: TestClient, outbox: Mailbox) -> None:
    maya = new_patient(ada, clinic, name="Maya Removed")
    invite(ada, maya, "gone@home.example")
    pam = accept(link_in(outbox, "gone@home.example"), clinic, "gone.parent")
    for path in ("", "/plan", "/messages"):
        assert pam.get(f"/family/{maya}{path}").status_code == 200
    page = ada.get(f"/patients/{maya}/family")
    user_id = re.search(r'/family/accounts/(\d+)/remove', page.text)
    assert user_id
    no_reason = ada.post(f"/patients/{maya}/family/accounts/{user_id.group(1)}/remove",
                         data={"csrf_token": csrf_of(page.text), "reason": ""})
    assert no_reason.status_code == 422 and "say why access ends" in no_reason.text
    assert pam.get(f"/family/{maya}").status_code == 200
    removed = ada.post(f"/patients/{maya}/family/accounts/{user_id.group(1)}/remove", follow_redirects=False,
                       data={"csrf_token": csrf_of(page.text), "reason": "parental responsibility changed"})
    assert removed.status_code == 303
    for path in ("", "/plan", "/messages"):
        assert pam.get(f"/family/{maya}{path}").status_code == 404
    reply = pam.post(f"/family/{maya}/messages", data={"csrf_token": csrf_of(pam.get("/family").text),
                                                      "body": "still here?"})
    assert reply.status_code == 404
    assert "Pam Lind" not in ada.get(f"/patients/{maya}/family").text


def test_the_plan_speaks_the_familys_words(clinic: Clinic, ada: TestClient, outbox: Mailbox) -> None:
    maya = new_patient(ada, clinic, name="Maya Plan")
    with transaction(clinic.app.state.web.sessions) as db:
        writes.add(KINDS["medicines"], db_session=db, patient_id=maya, actor="ada",
                   data={"drug": "naproxen", "start": "2026-01-05", "dose_note": "250 mg bd, GI cover", "dose_mg": 250})
        writes.add(KINDS["visits"], db_session=db, patient_id=maya, actor="ada",
                   data={"date": "2026-02-01", "kind": "follow_up", "next_review_due": "2099-03-01",
                         "notes": "mother worried about school"})
        writes.add(KINDS["care-plan"], db_session=db, patient_id=maya, actor="ada",
                   data={"therapy": "physiotherapy", "goal": "walk to school", "owner": "physiotherapist",
                         "status": "active", "note": "poor engagement"})
    invite(ada, maya, "plan@home.example")
    pam = accept(link_in(outbox, "plan@home.example"), clinic, "plan.parent")
    plan = pam.get(f"/family/{maya}/plan")
    assert plan.status_code == 200
    text = plan.text
    assert "Naproxen" in text and "1 March 2099" in text and "walk to school" in text
    shown = re.sub(r"<[^>]+>", " ", text)  # the words on the page, without ids and tokens in the markup
    for staff_words in ("250", "GI cover", "mother worried", "poor engagement", "red flag"):
        assert staff_words not in shown
    with clinic.app.state.web.sessions() as db:
        reads = db.execute(select(AuditEvent.username, AuditEvent.fields).where(
            AuditEvent.patient_id == maya, AuditEvent.action == "read")).all()
    assert ("plan.parent", ["plan"]) in [tuple(r) for r in reads]
    assert (None, ["invitation: name"]) in [tuple(r) for r in reads]


def test_messages_go_both_ways(clinic: Clinic, ada: TestClient, outbox: Mailbox) -> None:
    maya = new_patient(ada, clinic, name="Maya Messages")
    invite(ada, maya, "msg@home.example")
    pam = accept(link_in(outbox, "msg@home.example"), clinic, "msg.parent")
    form = ada.get(f"/patients/{maya}/family/messages")
    assert ada.post(f"/patients/{maya}/family/messages", data={"csrf_token": csrf_of(form.text), "body": ""}
                    ).status_code == 422
    sent = ada.post(f"/patients/{maya}/family/messages", follow_redirects=False,
                    data={"csrf_token": csrf_of(form.text), "body": "Blood test on Monday <b>please</b>."})
    assert sent.status_code == 303
    page = pam.get(f"/family/{maya}/messages")
    assert "Blood test on Monday &lt;b&gt;please&lt;/b&gt;." in page.text and "Ada" in page.text
    with clinic.app.state.web.sessions() as db:
        parent = find_by_username(db_session=db, username="msg.parent")
        assert parent is not None
        [notice] = list_unread(db_session=db, user_id=parent.id)
    assert (notice.kind, notice.link) == ("family_message", f"/family/{maya}/messages")
    assert "Blood test" not in notice.text
    replied = pam.post(f"/family/{maya}/messages", follow_redirects=False,
                       data={"csrf_token": csrf_of(page.text), "body": "We will be there."})
    assert replied.status_code == 303
    assert "We will be there." in ada.get(f"/patients/{maya}/family/messages").text
    with clinic.app.state.web.sessions() as db:
        writes_ = db.execute(select(AuditEvent.username).where(
            AuditEvent.patient_id == maya, AuditEvent.record_type == "family_message")).scalars().all()
    assert sorted(writes_) == ["ada", "msg.parent"]


FAMILY_FORBIDDEN = ("/patients", "/patients/{id}", "/patients/{id}/treatment", "/patients/{id}/visits/new",
                    "/worklist", "/patients/{id}/family")


def test_families_never_get_the_clinicians_pages_and_are_shown_the_way_home(
        clinic: Clinic, ada: TestClient, outbox: Mailbox) -> None:
    maya = new_patient(ada, clinic, name="Maya Forbidden")
    invite(ada, maya, "no@home.example", relationship="young_person")
    teen = accept(link_in(outbox, "no@home.example"), clinic, "no.teen", name="Maya")
    for path in FAMILY_FORBIDDEN:
        answer = teen.get(path.format(id=maya))
        assert answer.status_code == 403, path
        assert 'href="/family"' in answer.text and "Back to the patient list" not in answer.text
    assert teen.get(f"/api/v1/patients/{maya}").status_code == 403


def test_staff_get_403_on_the_family_pages_and_other_centres_404_on_family_access(
        clinic: Clinic, ada: TestClient) -> None:
    maya = new_patient(ada, clinic, name="Maya Staff")
    assert ada.get(f"/family/{maya}/plan").status_code == 403
    with TestClient(clinic.app) as otto:
        sign_in(otto, "otto")
        assert otto.get(f"/patients/{maya}/family").status_code == 404
    with TestClient(clinic.app) as rhea:
        sign_in(rhea, "rhea")
        assert rhea.get(f"/patients/{maya}/family").status_code == 403


def test_a_signed_in_account_that_cannot_take_the_invitation_is_told_why_before_trying(
        clinic: Clinic, ada: TestClient, outbox: Mailbox) -> None:
    maya, teen = new_patient(ada, clinic, name="Maya Why"), new_patient(ada, clinic, name="Tess Why")
    invite(ada, maya, "why@home.example")
    pam = accept(link_in(outbox, "why@home.example"), clinic, "why.parent")
    invite(ada, teen, "tess@home.example", relationship="young_person")
    link = link_in(outbox, "tess@home.example")
    seen = pam.get(link)
    assert "another kind of account" in seen.text and "Add Tess Why" not in seen.text
    assert "care-team account" in ada.get(link).text
    assert "Make my account" in TestClient(clinic.app).get(link).text  # the link itself is still good


@pytest.fixture
def young_person_decides(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CNOCARE_FAMILY_DIARY_CHOICE", "young_person")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()  # the environment is restored next; the following call reads it afresh


def test_a_young_person_keeping_their_own_diary_decides_what_parents_see_where_the_clinic_allows(
        clinic: Clinic, ada: TestClient, outbox: Mailbox, young_person_decides: None) -> None:
    teen = new_patient(ada, clinic, name="Tess Private")
    invite(ada, teen, "tess.private@home.example", relationship="young_person")
    invite(ada, teen, "dad.private@home.example")
    tess = accept(link_in(outbox, "tess.private@home.example"), clinic, "tess.private", name="Tess")
    dad = accept(link_in(outbox, "dad.private@home.example"), clinic, "dad.private", name="Dad")
    assert "Your care team decides" in tess.get(f"/family/{teen}/privacy").text  # a parent keeps it so far
    form = ada.get(f"/patients/{teen}/family")
    assert "a young person who keeps their own diary decides" in form.text
    ada.post(f"/patients/{teen}/family/diary", data={"csrf_token": csrf_of(form.text), "keeper": "young_person",
                                                     "parents_see_diary": "yes"})
    assert "Who sees my diary" in tess.get(f"/family/{teen}/plan").text
    choice = tess.get(f"/family/{teen}/privacy")
    saved = tess.post(f"/family/{teen}/privacy", data={"csrf_token": csrf_of(choice.text),
                                                       "parents_see_diary": "no"}, follow_redirects=True)
    assert "just for you and your care team" in saved.text
    page = dad.get(f"/family/{teen}/privacy")
    assert "Your care team decides" in page.text
    refused = dad.post(f"/family/{teen}/privacy", data={"csrf_token": csrf_of(page.text), "parents_see_diary": "yes"},
                       follow_redirects=True)
    assert "Nothing was changed" in refused.text
    with clinic.app.state.web.sessions() as db:
        dad_user = find_by_username(db_session=db, username="dad.private")
        assert dad_user is not None
        assert diary_visibility(db_session=db, user_id=dad_user.id, patient_id=teen) == (False, False)
