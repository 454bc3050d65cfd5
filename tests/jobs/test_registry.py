"""The job registry: names, periodic schedules and the retry waits both backends share."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from cnocare.jobs.registry import Periodic, checked_kwargs, job, periodic, retry_delay
from cnocare.security.settings import SecuritySettings


def test_job_names_and_attempts_are_checked() -> None:
    with pytest.raises(ValueError, match="job name 'Send Mail'; accepted: lower-case letters"):
        job("Send Mail")
    with pytest.raises(ValueError, match="max_attempts 0 for job 'x'; accepted: 1 or more"):
        job("x", max_attempts=0)


def test_a_name_cannot_be_taken_by_a_second_function() -> None:
    def other(ctx: object) -> None: ...

    with pytest.raises(ValueError, match=r"job 'send_mail' is already registered by cnocare\.jobs\.mail"):
        job("send_mail")(other)


def test_periodic_schedules_divide_the_hour_like_cron() -> None:
    with pytest.raises(ValueError, match=r"every_minutes 7 .* accepted: a divisor of 60"):
        periodic("send_mail", every_minutes=7)
    every_five = Periodic("x", 5)
    assert every_five.cron == "*/5 * * * *" and Periodic("x", 1).cron == "* * * * *"
    assert every_five.period_start(dt.datetime(2026, 6, 1, 9, 14, 59)) == dt.datetime(2026, 6, 1, 9, 10)


def test_retry_waits_double_from_the_site_base_and_stop_at_a_day() -> None:
    settings = SecuritySettings(jobs_retry_seconds=30)
    assert [retry_delay(n, settings).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert retry_delay(30, settings) == dt.timedelta(days=1)


def test_arguments_are_stored_as_sorted_json() -> None:
    assert checked_kwargs("send_mail", {"to": "a@b.org", "body": "x", "subject": "s"}) == \
        '{"body": "x", "subject": "s", "to": "a@b.org"}'


def test_job_settings_come_from_the_environment_and_a_config_file(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CNOCARE_JOBS_BACKEND", "thread")
    monkeypatch.setenv("CNOCARE_JOBS_WORKER_THREAD", "1")
    monkeypatch.setenv("CNOCARE_ALERT_ESCALATE_AFTER_MINUTES", "45")
    monkeypatch.setenv("CNOCARE_ESCALATION_EMAILS", '{"BRI": "oncall@bristol.example"}')
    settings = SecuritySettings()
    assert (settings.jobs_backend, settings.jobs_worker_thread, settings.alert_escalate_after_minutes) == \
        ("thread", True, 45)
    assert settings.escalation_address("BRI") == "oncall@bristol.example"
    assert settings.escalation_address("MUC") is None
    config = tmp_path / "cnocare.toml"
    config.write_text('escalation_email = "duty@site.example"\njobs_retry_seconds = 5\n'
                      '[escalation_emails]\nMUC = "dienst@munich.example"\n')
    monkeypatch.delenv("CNOCARE_ESCALATION_EMAILS")
    monkeypatch.setenv("CNOCARE_CONFIG", str(config))
    settings = SecuritySettings()
    assert settings.jobs_retry_seconds == 5
    assert settings.escalation_address("MUC") == "dienst@munich.example"
    assert settings.escalation_address("BRI") == "duty@site.example"
    with pytest.raises(ValueError, match="alert_escalate_after_minutes"):
        SecuritySettings(alert_escalate_after_minutes=0)
