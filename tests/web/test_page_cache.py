"""The patient page's cache: a plain view reuses what the last write drew, and every write shows at once.

The cache is per process, so the tests also write the way another worker would (straight through the
records layer, never touching this app's cache) and expect the page to follow.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import Clinic, csrf_of, new_patient

from cnocare.records import writes
from cnocare.records.centres.service import get_centre
from cnocare.records.db import transaction
from cnocare.records.kinds import KINDS
from cnocare.web.page_cache import PageCache, PageParts, page_cache_of
from cnocare.web.ui import patient_page
from cnocare.web.ui.render import page


def comparable(html: str) -> str:
    """The page without what differs on every response (CSRF tokens, CSP nonces)."""
    html = re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', html)
    return re.sub(r'nonce="[^"]+"', 'nonce=""', html)


def add_crp(client: TestClient, patient_id: str, value: str, day: str = "2026-03-02") -> None:
    url = f"/patients/{patient_id}/labs/new?test=crp"
    response = client.post(url, data={"csrf_token": csrf_of(client.get(url).text), "test": "crp", "date": day,
                                      "value": value, "unit": "mg/L"}, follow_redirects=False)
    assert response.status_code == 303, response.text


@pytest.fixture
def case_builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Patient ids the page rebuilt a Case for (a cache miss draws the page from a fresh Case)."""
    built: list[str] = []
    real = patient_page.build_case

    def counting(**kwargs: Any) -> Any:
        built.append(kwargs["patient_id"])
        return real(**kwargs)

    monkeypatch.setattr(patient_page, "build_case", counting)
    return built


def test_a_second_plain_view_is_served_without_rebuilding_the_case(ada: TestClient, clinic: Clinic,
                                                                    case_builds: list[str]) -> None:
    patient_id = new_patient(ada, clinic, name="Cache Twice")
    assert "registered" in ada.get(f"/patients/{patient_id}").text  # the one-shot flash, shown once
    first = ada.get(f"/patients/{patient_id}")
    second = ada.get(f"/patients/{patient_id}")
    assert first.status_code == second.status_code == 200
    assert case_builds == [patient_id]
    assert comparable(first.text) == comparable(second.text)


def test_after_a_write_the_page_shows_it_and_equals_a_freshly_built_page(ada: TestClient, clinic: Clinic,
                                                                         case_builds: list[str]) -> None:
    patient_id = new_patient(ada, clinic, name="Cache Write")
    add_crp(ada, patient_id, "12")
    assert "2026-03-02: 12 mg/L" in ada.get(f"/patients/{patient_id}").text  # cached now (flash shown)
    add_crp(ada, patient_id, "47", day="2026-04-01")
    assert "2026-04-01: 47 mg/L" in ada.get(f"/patients/{patient_id}").text  # flash shown with it
    after_write = ada.get(f"/patients/{patient_id}").text
    assert "2026-04-01: 47 mg/L" in after_write
    assert "2026-04-01: 47 mg/L" in ada.get(f"/patients/{patient_id}").text  # and from the cache
    for cache in page_cache_of(clinic.app.state):
        cache.clear()
    rebuilt = ada.get(f"/patients/{patient_id}").text
    assert comparable(after_write) == comparable(rebuilt)
    # Built once per data version (first view, after the second write, after clearing): never on a hit.
    assert case_builds == [patient_id] * 3
    assert comparable(after_write) == comparable(uncached_page(ada, patient_id))


def uncached_page(client: TestClient, patient_id: str) -> str:
    """The page as page.html renders it whole from freshly drawn parts, bypassing both caches."""
    def fresh_view(request: Any, db: Any, patient: Any, _row: Any) -> Any:
        parts = patient_page.page_parts(db, patient.id, None)
        centre = get_centre(db_session=db, centre_id=patient.centre_id)
        return page(request, "patients/page.html", patient_page.page_context(patient, centre, parts, None, None))

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(patient_page, "plain_view", fresh_view)
        return client.get(f"/patients/{patient_id}").text


def test_each_viewer_gets_their_own_header_and_form_tokens_on_a_cached_page(ada: TestClient, clinic: Clinic) -> None:
    from tests.web.conftest import sign_in

    patient_id = new_patient(ada, clinic, name="Cache Viewers")
    ada.get(f"/patients/{patient_id}")  # the flash
    as_ada = ada.get(f"/patients/{patient_id}").text
    with TestClient(clinic.app) as other:
        as_nell = sign_in(other, "nell").get(f"/patients/{patient_id}").text
    assert "ada (clinician)" in as_ada and "nell (nurse)" in as_nell
    assert "nell" not in as_ada and "ada (" not in as_nell
    tokens = {html: set(re.findall(r'name="csrf_token" value="([^"]+)"', html)) for html in (as_ada, as_nell)}
    assert len(tokens[as_ada]) == len(tokens[as_nell]) == 1 and tokens[as_ada] != tokens[as_nell]
    assert patient_page.CSRF_PLACEHOLDER not in as_ada + as_nell
    assert comparable(as_ada) == comparable(uncached_page(ada, patient_id))


def test_a_write_by_another_worker_shows_on_this_workers_next_view(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic, name="Cache Elsewhere")
    add_crp(ada, patient_id, "9")
    ada.get(f"/patients/{patient_id}")  # the save's flash
    before = ada.get(f"/patients/{patient_id}").text
    assert "2026-03-02: 9 mg/L" in before
    sessions = clinic.app.state.web.sessions
    with transaction(sessions) as db:  # the records layer only, as another process would write
        lab = writes.add(KINDS["labs"], db_session=db, patient_id=patient_id, actor="other-worker", data={
            "test": "crp", "date": dt.date(2026, 5, 5), "value": 31, "unit": "mg/L"})
    after_add = ada.get(f"/patients/{patient_id}").text
    assert "2026-05-05: 31 mg/L" in after_add
    with transaction(sessions) as db:
        writes.void(KINDS["labs"], db_session=db, record_id=lab.record_id, expected_version=lab.version,
                    reason="wrong patient", actor="other-worker")
    after_void = ada.get(f"/patients/{patient_id}").text
    assert "2026-05-05: 31 mg/L" not in after_void  # gone from the chart
    assert "wrong patient" in after_void  # and struck through on the timeline, with its reason


def test_an_edit_of_the_patient_shows_on_the_next_view(ada: TestClient, clinic: Clinic) -> None:
    patient_id = new_patient(ada, clinic, name="Cache Name", date_of_birth="2014-05-02")
    assert "born 2014-05-02" in ada.get(f"/patients/{patient_id}").text
    url = f"/patients/{patient_id}/edit"
    form = ada.get(url).text
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version is not None
    response = ada.post(url, data={"csrf_token": csrf_of(form), "version": version.group(1), "reason": "typing error",
                                   "centre_id": str(clinic.centre_id), "name": "Cache Renamed",
                                   "hospital_number": f"R-{patient_id[:8]}", "sex": "female",
                                   "date_of_birth": "2013-05-02"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    page = ada.get(f"/patients/{patient_id}").text
    assert "Cache Renamed" in page and "born 2013-05-02" in page


def parts(label: str, size: int = 0) -> PageParts:
    return PageParts(assessment={"label": label}, skeleton_front=label + "x" * size, skeleton_back="",
                     charts=(), timeline=(), imaging_dates=())


def test_the_cache_answers_only_for_the_same_data_version() -> None:
    cache = PageCache()
    built: list[str] = []

    def build(label: str) -> Any:
        return lambda: built.append(label) or parts(label)

    assert cache.get_or_build("p1", (1, "t1", 5), build("v1")).assessment == {"label": "v1"}
    assert cache.get_or_build("p1", (1, "t1", 5), build("again")).assessment == {"label": "v1"}
    assert cache.get_or_build("p1", (1, "t2", 5), build("v2")).assessment == {"label": "v2"}
    assert built == ["v1", "v2"]
    assert len(cache) == 1  # the newer version replaced the older one
    assert (cache.hits, cache.misses) == (1, 2)


def test_the_cache_is_bounded_by_bytes_and_evicts_the_least_recently_used() -> None:
    import os

    noise = os.urandom(3000).hex()  # incompressible, so each entry is a few KB stored
    cache = PageCache(max_bytes=20_000)
    for i in range(10):
        cache.get_or_build(f"p{i}", (1, None, None), lambda i=i: parts(f"{i}{noise}"))  # type: ignore[misc]
        cache.get_or_build("p0", (1, None, None), lambda: parts("rebuilt"))  # p0 viewed after each: kept
    assert cache.size_bytes <= 20_000
    assert 1 < len(cache) < 10
    kept = cache.get_or_build("p0", (1, None, None), lambda: parts("rebuilt")).assessment
    assert kept == {"label": f"0{noise}"}
    assert cache.get_or_build("p2", (1, None, None), lambda: parts("rebuilt")).assessment == {"label": "rebuilt"}
    with pytest.raises(ValueError, match="max_bytes"):
        PageCache(max_bytes=-1)
