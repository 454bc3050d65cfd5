"""Each person's own account pages: change password, reset a forgotten one by e-mail, two-factor sign-in."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from fastapi.testclient import TestClient
from tests.fixtures.jobs import JobRunner, Mailbox
from tests.web.conftest import PASSWORD, Clinic, csrf_of, sign_in

from cnocare.records.accounts.service import create_user
from cnocare.records.db import transaction
from cnocare.web.ui.account import RESET_SENT

NEW_PASSWORD = "Lighthouse-Orbit-5150"


@pytest.fixture
def mailer(clinic: Clinic, run_jobs: JobRunner) -> Mailbox:
    """The reset mail leaves as a send_mail job: ``sent`` runs the queued jobs first."""
    return Mailbox(run_jobs, clinic.app.state.web.sessions)


def make_account(clinic: Clinic, username: str) -> str:
    with transaction(clinic.app.state.web.sessions) as db:
        create_user(db_session=db, data={"username": username, "email": f"{username}@example.org",
                                         "display_name": username.title(), "role": "nurse",
                                         "centre_ids": [clinic.centre_id], "password": PASSWORD})
    return username


def post_form(client: TestClient, page_url: str, action: str, data: dict[str, object]) -> object:
    token = csrf_of(client.get(page_url).text)
    return client.post(action, data={"csrf_token": token, **data}, follow_redirects=False)


def password_login(client: TestClient, username: str, password: str) -> object:
    form = client.get("/login")
    return client.post("/login", data={"username": username, "password": password, "next": "/patients",
                                       "csrf_token": csrf_of(form.text)}, follow_redirects=False)


def test_changing_the_password_keeps_this_browser_signed_in_and_the_old_password_stops_working(
        clinic: Clinic) -> None:
    name = make_account(clinic, "chloe")
    with TestClient(clinic.app) as chloe:
        sign_in(chloe, name)
        response = post_form(chloe, "/account/password", "/account/password", {
            "current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD})
        assert response.status_code == 303 and response.headers["location"] == "/patients"
        assert chloe.get("/patients").status_code == 200
    with TestClient(clinic.app) as again:
        assert password_login(again, name, PASSWORD).status_code == 400
        assert password_login(again, name, NEW_PASSWORD).status_code == 303


def test_a_refused_password_change_says_why_beside_the_field(ada: TestClient) -> None:
    response = post_form(ada, "/account/password", "/account/password", {
        "current_password": "wrong", "new_password": "short", "new_password_again": "short"})
    assert response.status_code == 422 and "is not your current password" in response.text
    weak = post_form(ada, "/account/password", "/account/password", {
        "current_password": PASSWORD, "new_password": "aaaaaaaaaaaa", "new_password_again": "aaaaaaaaaaaa"})
    assert weak.status_code == 422 and 'id="f-new_password-error"' in weak.text
    typo = post_form(ada, "/account/password", "/account/password", {
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD + "x"})
    assert "the two new passwords differ" in typo.text
    assert NEW_PASSWORD not in typo.text  # passwords are never echoed back


def test_a_reset_request_answers_the_same_whether_or_not_the_account_exists(
        anonymous: TestClient, clinic: Clinic, mailer: Mailbox) -> None:
    make_account(clinic, "rosa")
    sent_before = len(mailer.sent)
    known = post_form(anonymous, "/password-reset", "/password-reset", {"username_or_email": "rosa@example.org"})
    unknown = post_form(anonymous, "/password-reset", "/password-reset", {"username_or_email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert RESET_SENT in known.text and RESET_SENT in unknown.text
    assert len(mailer.sent) == sent_before + 1 and mailer.sent[-1].to == "rosa@example.org"


def test_a_reset_link_sets_a_new_password_once(anonymous: TestClient, clinic: Clinic, mailer: Mailbox) -> None:
    name = make_account(clinic, "ruth")
    post_form(anonymous, "/password-reset", "/password-reset", {"username_or_email": name})
    match = re.search(r"http://127\.0\.0\.1:8000/password-reset\?token=(\S+)", mailer.sent[-1].body)
    assert match, mailer.sent[-1].body
    token = match.group(1)
    landing = anonymous.get(f"/password-reset?token={token}", follow_redirects=False)
    assert landing.status_code == 303 and landing.headers["location"] == f"/password-reset/{token}"
    form = anonymous.get(f"/password-reset/{token}")
    assert form.status_code == 200 and "ruth" in form.text
    weak = anonymous.post(f"/password-reset/{token}", data={
        "csrf_token": csrf_of(form.text), "new_password": "ruth-ruth-ruth", "new_password_again": "ruth-ruth-ruth"})
    assert weak.status_code == 422  # refused by the policy; the link still works
    done = anonymous.post(f"/password-reset/{token}", data={
        "csrf_token": csrf_of(form.text), "new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD},
        follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/login"
    reused = anonymous.get(f"/password-reset/{token}")
    assert reused.status_code == 400 and "already used" in reused.text
    with TestClient(clinic.app) as fresh:
        assert password_login(fresh, name, NEW_PASSWORD).status_code == 303


def test_an_altered_reset_link_is_refused(anonymous: TestClient) -> None:
    response = anonymous.get("/password-reset/not-a-real-token")
    assert response.status_code == 400 and "not valid" in response.text


def enrol(client: TestClient) -> str:
    start = post_form(client, "/account/two-factor", "/account/two-factor/start", {})
    assert start.status_code == 200
    match = re.search(r"data-totp-secret>([A-Z2-7]+)<", start.text)
    assert match and "otpauth://totp/" in start.text
    secret = match.group(1)
    wrong = client.post("/account/two-factor/confirm", data={"csrf_token": csrf_of(start.text), "code": "000000"})
    assert wrong.status_code == 422 and "does not match" in wrong.text
    confirmed = client.post("/account/two-factor/confirm", follow_redirects=False, data={
        "csrf_token": csrf_of(start.text), "code": pyotp.TOTP(secret).now()})
    assert confirmed.status_code == 303
    return secret


def test_signing_in_with_two_factor_works_end_to_end(clinic: Clinic) -> None:
    name = make_account(clinic, "tess")
    with TestClient(clinic.app) as tess:
        sign_in(tess, name)
        secret = enrol(tess)
        assert "Two-factor sign-in is on" in tess.get("/account/two-factor").text
    with TestClient(clinic.app) as browser:
        code_page = password_login(browser, name, PASSWORD)
        assert code_page.status_code == 200 and 'action="/login/code"' in code_page.text
        assert browser.get("/patients", follow_redirects=False).status_code == 303  # not signed in yet
        # The code form's token is bound to the pending session the password step started. The code of the
        # next 30-second step: the enrolment just used the current one, and a used step is never accepted again.
        next_code = pyotp.TOTP(secret).at(time.time() + 30)
        signed_in = browser.post("/login/code", follow_redirects=False, data={
            "csrf_token": csrf_of(code_page.text), "totp": next_code, "next": "/patients"})
        assert signed_in.status_code == 303 and signed_in.headers["location"] == "/patients"
        assert browser.get("/patients").status_code == 200


def test_a_wrong_second_factor_code_does_not_sign_in(clinic: Clinic) -> None:
    name = make_account(clinic, "tara")
    with TestClient(clinic.app) as tara:
        sign_in(tara, name)
        enrol(tara)
    with TestClient(clinic.app) as browser:
        code_page = password_login(browser, name, PASSWORD)
        refused = browser.post("/login/code", data={"csrf_token": csrf_of(code_page.text), "totp": "123456"})
        assert refused.status_code == 400
        assert browser.get("/patients", follow_redirects=False).status_code == 303


def test_turning_two_factor_off_needs_the_password(clinic: Clinic) -> None:
    name = make_account(clinic, "tilda")
    with TestClient(clinic.app) as tilda:
        sign_in(tilda, name)
        enrol(tilda)
        refused = post_form(tilda, "/account/two-factor", "/account/two-factor/disable", {"current_password": "x"})
        assert refused.status_code == 422 and "is not your current password" in refused.text
        done = post_form(tilda, "/account/two-factor", "/account/two-factor/disable", {"current_password": PASSWORD})
        assert done.status_code == 303
    with TestClient(clinic.app) as browser:
        assert password_login(browser, name, PASSWORD).status_code == 303  # no code asked any more


def test_a_reset_link_never_follows_the_host_header(anonymous: TestClient, clinic: Clinic, mailer: Mailbox,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from cnocare.security.settings import get_settings

    name = make_account(clinic, "hugo")
    for configured, expected in ((None, "http://127.0.0.1:8000/password-reset?token="),
                                 ("https://cno.example-hospital.org",
                                  "https://cno.example-hospital.org/password-reset?token=")):
        if configured:
            monkeypatch.setenv("CNOCARE_PUBLIC_URL", configured)
        get_settings.cache_clear()
        page = anonymous.get("/password-reset")
        anonymous.post("/password-reset", headers={"Host": "evil.example", "X-Forwarded-Host": "evil.example"},
                       data={"username_or_email": name, "csrf_token": csrf_of(page.text)})
        body = mailer.sent[-1].body
        assert expected in body and "evil.example" not in body
    get_settings.cache_clear()


def test_the_reset_mail_leaves_as_a_job_queued_with_its_link(anonymous: TestClient, clinic: Clinic,
                                                             mailer: Mailbox) -> None:
    """Not sent inside the request: a mail server that is down delays the message (the job retries)
    instead of losing it, and a request that rolls back leaves no mail behind."""
    name = make_account(clinic, "remy")
    post_form(anonymous, "/password-reset", "/password-reset", {"username_or_email": name})
    assert mailer.run_jobs.sent == []  # nothing left during the request
    [message] = [m for m in mailer.sent if m.to == f"{name}@example.org"]
    assert "reset your password" in message.subject and "/password-reset?token=" in message.body
