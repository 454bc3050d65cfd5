"""The embedded backend (the jobs table and its worker thread), on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time

import pytest
import time_machine
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker
from tests.jobs.helpers import centre_codes, jobs

from cnocare.jobs.queue import defer
from cnocare.jobs.registry import PERIODIC, Periodic
from cnocare.jobs.thread import ThreadWorker, claim, queue_periodic, run_claimed, run_pending
from cnocare.records.db import transaction
from cnocare.records.queue.models import QueuedJob
from cnocare.security.mail import MemoryMailer
from cnocare.security.settings import SecuritySettings

T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
SETTINGS = SecuritySettings(jobs_backend="thread", jobs_retry_seconds=30, jobs_max_attempts=3)


def run(sessions: sessionmaker[Session], now: dt.datetime, **kwargs: object) -> list[str]:
    outcomes = run_pending(sessions, now=now, settings=SETTINGS, mailer=MemoryMailer(), periodic=False,
                           **kwargs)  # type: ignore[arg-type]
    return [o.status for o in outcomes]


def test_a_job_exists_only_when_the_callers_transaction_commits(sessions: sessionmaker[Session]) -> None:
    with pytest.raises(RuntimeError), transaction(sessions) as db:
        defer("test_make_centre", db_session=db, code="GONE")
        raise RuntimeError("the save failed")
    assert jobs(sessions) == []
    with transaction(sessions) as db:
        defer("test_make_centre", db_session=db, code="KEPT")
    [queued] = jobs(sessions)
    assert (queued.name, json.loads(queued.kwargs), queued.status, queued.attempts) == \
        ("test_make_centre", {"code": "KEPT"}, "todo", 0)


def test_run_pending_runs_what_is_due_and_marks_it_done(sessions: sessionmaker[Session]) -> None:
    with time_machine.travel(T0, tick=False), transaction(sessions) as db:
        defer("test_make_centre", db_session=db, code="NOW")
        defer("test_make_centre", db_session=db, code="LATER", run_after=T0 + dt.timedelta(hours=1))
    assert run(sessions, T0) == ["done"]
    assert centre_codes(sessions) == {"NOW"}
    assert run(sessions, T0 + dt.timedelta(minutes=59, seconds=59)) == []
    assert run(sessions, T0 + dt.timedelta(hours=1)) == ["done"]
    assert centre_codes(sessions) == {"NOW", "LATER"}
    assert [(j.status, j.attempts, j.finished_at is not None) for j in jobs(sessions)] == [("done", 1, True)] * 2


def test_a_failing_try_is_rolled_back_and_retried_after_doubling_waits(sessions: sessionmaker[Session]) -> None:
    with time_machine.travel(T0, tick=False), transaction(sessions) as db:
        defer("test_flaky", db_session=db, code="FL", failures=2)
    assert run(sessions, T0) == ["retry"]
    [queued] = jobs(sessions)
    assert queued.status == "todo" and queued.run_after == (T0 + dt.timedelta(seconds=30)).replace(tzinfo=None)
    assert "ConnectionError: mail server down (try 1)" in (queued.last_error or "")
    assert centre_codes(sessions) == set()  # the failed try's write was rolled back
    assert run(sessions, T0 + dt.timedelta(seconds=29)) == []
    assert run(sessions, T0 + dt.timedelta(seconds=30)) == ["retry"]
    assert jobs(sessions)[0].run_after == (T0 + dt.timedelta(seconds=90)).replace(tzinfo=None)  # 30 s + 60 s
    assert run(sessions, T0 + dt.timedelta(seconds=90)) == ["done"]
    [done] = jobs(sessions)
    assert (done.status, done.attempts, done.last_error) == ("done", 3, None)
    assert centre_codes(sessions) == {"FL3"}


def test_after_its_last_try_a_job_stays_failed_with_its_error(sessions: sessionmaker[Session]) -> None:
    with time_machine.travel(T0, tick=False), transaction(sessions) as db:
        defer("test_flaky", db_session=db, code="NO", failures=99)  # max_attempts=4 on the job
    now = T0
    statuses = []
    for _ in range(6):
        statuses += run(sessions, now)
        now += dt.timedelta(hours=1)
    assert statuses == ["retry", "retry", "retry", "failed"]
    [failed] = jobs(sessions)
    assert failed.status == "failed" and failed.attempts == 4 and failed.finished_at is not None
    assert "mail server down (try 4)" in (failed.last_error or "")


def test_a_job_queued_by_a_job_runs_in_the_same_run_when_due(sessions: sessionmaker[Session]) -> None:
    with time_machine.travel(T0, tick=False), transaction(sessions) as db:
        defer("test_follow_up", db_session=db, code="UP")
    later = T0 + dt.timedelta(days=3)  # the follow-up is due from the job's now, not the wall clock
    assert run(sessions, later) == ["done", "done"]
    assert centre_codes(sessions) == {"UPF"}


def test_arguments_that_are_not_json_and_unknown_jobs_are_refused_by_name(sessions: sessionmaker[Session]) -> None:
    with sessions() as db:
        with pytest.raises(ValueError, match=r"argument code=datetime.date\(2026, 6, 1\) is not JSON"):
            defer("test_make_centre", db_session=db, code=dt.date(2026, 6, 1))
        with pytest.raises(KeyError, match=r"no job named 'send_fax'; known jobs: .*send_mail"):
            defer("send_fax", db_session=db)


def test_threads_racing_for_the_queue_never_run_one_job_twice(
        sessions: sessionmaker[Session], fresh_calls: list[tuple[str, dict[str, object]]]) -> None:
    with time_machine.travel(T0, tick=False), transaction(sessions) as db:
        for n in range(30):
            defer("test_make_centre", db_session=db, code=f"R{n:02d}")
    start = threading.Barrier(4)
    done: list[list[str]] = []

    def worker() -> None:
        start.wait()
        done.append(run(sessions, T0))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    ran = sorted(kwargs["code"] for name, kwargs in fresh_calls)
    assert ran == [f"R{n:02d}" for n in range(30)]  # each exactly once
    assert sum(len(d) for d in done) == 30 and all(s == "done" for d in done for s in d)
    assert len(centre_codes(sessions)) == 30


def test_a_periodic_job_is_queued_once_per_period_however_many_workers_look(
        sessions: sessionmaker[Session]) -> None:
    PERIODIC["test_make_centre"] = Periodic("test_make_centre", every_minutes=5)
    try:
        moment = dt.datetime(2026, 6, 1, 9, 7, 30, tzinfo=dt.UTC)
        for later in (0, 0, 2, 3):  # twice the same moment; 09:09:30 is still the 09:05 period; 09:10:30 is not
            queue_periodic(sessions, moment + dt.timedelta(minutes=later), SETTINGS)
        keys = sorted(j.dedupe_key or "" for j in jobs(sessions) if j.name == "test_make_centre")
        assert keys == ["test_make_centre@2026-06-01T09:05:00", "test_make_centre@2026-06-01T09:10:00"]
        every_minute = sorted(j.dedupe_key or "" for j in jobs(sessions) if j.name == "check_escalations")
        assert every_minute == [f"check_escalations@2026-06-01T09:{m:02d}:00" for m in (7, 9, 10)]
    finally:
        del PERIODIC["test_make_centre"]


def test_a_job_left_running_by_a_dead_process_is_claimed_again_and_the_late_finisher_rolls_back(
        sessions: sessionmaker[Session]) -> None:
    with time_machine.travel(T0, tick=False), transaction(sessions) as db:
        defer("test_make_centre", db_session=db, code="ST")
    first = claim(sessions, worker="dead-worker", now=T0, settings=SETTINGS)
    assert first is not None
    assert claim(sessions, worker="other", now=T0 + dt.timedelta(minutes=29), settings=SETTINGS) is None
    second = claim(sessions, worker="other", now=T0 + dt.timedelta(minutes=31), settings=SETTINGS)
    assert second is not None and second.id == first.id and second.attempts == 2
    # The first worker was only slow: it finishes after losing its claim, and its work is rolled back.
    late = run_claimed(sessions, first, worker="dead-worker", now=T0 + dt.timedelta(minutes=32), settings=SETTINGS,
                       mailer=MemoryMailer())
    assert late.status == "retry" and "claimed by another worker" in (late.error or "")
    assert centre_codes(sessions) == set()
    ok = run_claimed(sessions, second, worker="other", now=T0 + dt.timedelta(minutes=32), settings=SETTINGS,
                     mailer=MemoryMailer())
    assert ok.status == "done" and centre_codes(sessions) == {"ST"}


def test_the_worker_thread_runs_queued_jobs_and_stops_when_asked(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as db:
        defer("test_make_centre", db_session=db, code="TH")
    thread = ThreadWorker(sessions, settings=SETTINGS.model_copy(update={"jobs_poll_seconds": 0.05}),
                          mailer=MemoryMailer()).start()
    try:
        deadline = time.monotonic() + 20
        while "TH" not in centre_codes(sessions) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert centre_codes(sessions) == {"TH"}
    finally:
        thread.stop(timeout=20)
    assert not thread.running


def test_a_stopped_run_leaves_the_rest_queued(sessions: sessionmaker[Session]) -> None:
    with time_machine.travel(T0, tick=False), transaction(sessions) as db:
        for n in range(3):
            defer("test_make_centre", db_session=db, code=f"S{n}")
    stop = threading.Event()
    stop.set()
    assert run(sessions, T0, stop=stop) == []
    with transaction(sessions) as db:
        db.execute(update(QueuedJob).values(status="todo"))
    assert run(sessions, T0) == ["done"] * 3
