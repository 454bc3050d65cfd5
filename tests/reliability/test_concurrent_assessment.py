"""Two writes to one patient at once: the stored assessment and summary must reflect both.

Forced interleaving, no sleeps: the first write (a red-flag platelet count) is flushed but not committed;
a second write of the same patient starts in a thread; on PostgreSQL we wait until it is blocked on the
first one's lock, then commit. SQLite serialises whole write transactions, so there the thread simply
waits for the write lock and the answer must be the same.
"""

from __future__ import annotations

import datetime as dt
import threading

from sqlalchemy import text

import cnocare.records.registry  # noqa: F401
from cnocare.records import writes
from cnocare.records.assessments.service import latest_snapshot
from cnocare.records.db import make_engine, session_factory, transaction
from cnocare.records.integrity import check
from cnocare.records.kinds import KINDS
from cnocare.records.patients.service import search_patients
from reliability.harness import ScratchDatabases
from reliability.scenarios import new_patient

LOW_PLATELETS = {"test": "platelets", "date": dt.date(2025, 9, 4), "value": 48, "unit": "10^9/L"}
ORDINARY_CRP = {"test": "crp", "date": dt.date(2025, 9, 3), "value": 3, "unit": "mg/L"}

def test_a_red_flag_entered_while_another_write_is_in_flight_stays_in_the_assessment_and_the_list(
        scratch: ScratchDatabases) -> None:
    url = scratch.fresh()
    patient_id = new_patient(url)
    engine = make_engine(url)
    factory = session_factory(engine)
    first = factory()
    failures: list[BaseException] = []

    def second_write() -> None:
        try:
            with transaction(factory) as s:
                writes.add(LABS, db_session=s, patient_id=patient_id, data=ORDINARY_CRP, actor="nurse-b")
        except BaseException as exc:
            failures.append(exc)

    try:
        writes.add(LABS, db_session=first, patient_id=patient_id, data=LOW_PLATELETS, actor="nurse-a")
        other = threading.Thread(target=second_write)
        other.start()
        if scratch.dialect == "postgresql":
            with engine.connect() as watch:
                while not watch.execute(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = "
                                             "'Lock' AND datname = current_database()")).scalar():
                    watch.rollback()  # a new snapshot of pg_stat_activity on each look
        first.commit()
        other.join()
    finally:
        first.close()
    assert not failures, failures
    report = check(url)
    with transaction(factory) as s:
        flags = {f["id"] for f in latest_snapshot(db_session=s, patient_id=patient_id).assessment["workup"]
                 ["red_flags"]}
        listed = search_patients(db_session=s, red_flags_only=True).items
    engine.dispose()
    assert report.ok, str(report)
    assert "platelets_below_100" in flags
    assert [p.id for p in listed] == [patient_id]

LABS = KINDS["labs"]
