"""The patient page's rendered parts, kept per process between writes.

A plain view of the patient page shows what the last write stored: the assessment snapshot the write
refreshed, and a skeleton map, trend charts and timeline drawn from the same records. Drawing them is
most of the page's cost (a Case rebuild, two skeleton maps, three charts), so they are kept here, keyed
by the patient and a version read from the database on every view (``data_version``): any write through
``records.writes`` or ``patients.service`` ends in ``assessments.service.refresh``, which stamps the
patient's summary row, so the next view in *any* worker process sees a new key and draws afresh. The
version is read in the same statement as the patient's row (``with_data_version``).
Nothing is shared between processes and nothing needs invalidating by hand: an old key is simply never
asked for again and ages out of the LRU.

Entries are stored pickled and zlib-compressed (a skeleton map is ~35 KB of very repetitive SVG, about
a tenth of that compressed), and the cache is bounded by those bytes, so a clinic of several thousand
patients fits in a few tens of megabytes per worker.
"""

from __future__ import annotations

import datetime as dt
import pickle
import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from sqlalchemy import Row, Select

from cnocare.records.centres.models import Centre
from cnocare.records.patients.models import PatientRecord, PatientSummary

DEFAULT_MAX_BYTES = 128 * 1024 * 1024  # per process; ~20 KB a patient, so ~6,000 patients
CONTENT_MAX_BYTES = 64 * 1024 * 1024  # rendered pages (~20 KB each compressed)

DataVersion = tuple[int, str | None, int | None]
T = TypeVar("T")


class CentreName(NamedTuple):
    """What the page shows of the patient's centre, read with the data version (fresh on every view)."""

    code: str
    name: str


@dataclass(frozen=True)
class TimelineRow:
    """One timeline entry as plain data (the kind by slug), so a cached page pickles without code objects."""

    slug: str
    record_id: str
    version: int
    summary: str
    detail: str | None
    voided: str | None = None  # "voided by ... : reason", drawn struck through


@dataclass(frozen=True)
class PageParts:
    """What a plain view shows that only a write can change (the patient's own row is always read fresh)."""

    assessment: dict[str, Any] | None
    skeleton_front: str
    skeleton_back: str
    charts: tuple[str, ...]
    timeline: tuple[tuple[dt.date | None, tuple[TimelineRow, ...]], ...]
    imaging_dates: tuple[dt.date, ...]


def with_data_version(patient_query: Select[Any]) -> Select[Any]:
    """The patient's query, widened with what changes with every write to the patient: the summary row that
    every assessment refresh stamps (its time, and the snapshot it points at); and the centre's code and name.
    One statement, so the patient row, the version and the centre are read together (``data_version``).

    Read *before* the page's data, so whatever is cached under this key is at least as new as the key.
    """
    return (patient_query.add_columns(Centre.code, Centre.name, PatientSummary.updated_at,
                                      PatientSummary.latest_snapshot_id)
            .join(Centre, Centre.id == PatientRecord.centre_id)
            .outerjoin(PatientSummary, PatientSummary.patient_id == PatientRecord.id))


def data_version(row: Row[Any], row_version: int) -> tuple[DataVersion, CentreName]:
    """From a row of ``with_data_version``: a version that changes with every write to the patient (the
    demographics' ``row_version`` and the summary's stamp), and the patient's centre."""
    # isoformat keeps microseconds: two refreshes of one patient are serialised and take far longer.
    stamp = row.updated_at.isoformat() if row.updated_at is not None else None
    return (row_version, stamp, row.latest_snapshot_id), CentreName(row.code, row.name)


class PageCache(Generic[T]):
    """A thread-safe LRU, one entry per patient (the latest version asked for), bounded by the compressed
    bytes it holds."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes {max_bytes}; accepted: 0 (no caching) or more")
        self.max_bytes = max_bytes
        self._entries: OrderedDict[str, tuple[Hashable, bytes]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get_or_build(self, patient_id: str, version: Hashable, build: Callable[[], T]) -> T:
        with self._lock:
            entry = self._entries.get(patient_id)
            if entry is not None and entry[0] == version:
                self._entries.move_to_end(patient_id)
                self.hits += 1
                blob = entry[1]
            else:
                self.misses += 1
                blob = None
        if blob is not None:
            found: T = pickle.loads(zlib.decompress(blob))
            return found
        # Built outside the lock: two threads missing the same patient both build (same answer); none waits.
        parts = build()
        self._store(patient_id, version, zlib.compress(pickle.dumps(parts, protocol=pickle.HIGHEST_PROTOCOL), 1))
        return parts

    def _store(self, patient_id: str, version: Hashable, blob: bytes) -> None:
        if len(blob) > self.max_bytes:
            return
        with self._lock:
            # One entry per patient: a newer version replaces the old one instead of sitting beside it.
            old = self._entries.pop(patient_id, None)
            if old is not None:
                self._bytes -= len(old[1])
            self._entries[patient_id] = (version, blob)
            self._bytes += len(blob)
            while self._bytes > self.max_bytes:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._bytes -= len(evicted)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)


class PageCaches(NamedTuple):
    parts: PageCache[PageParts]  # per patient and data version: shared by every user
    content: PageCache[str]  # the rendered page, per data version and viewer (role, name, day)


def page_cache_of(state: Any) -> PageCaches:
    """The app's caches (``app.state``), made on first use: one per app, so each uvicorn worker process
    and each test app has its own."""
    caches: PageCaches | None = getattr(state, "page_caches", None)
    if caches is None:
        caches = PageCaches(PageCache(DEFAULT_MAX_BYTES), PageCache(CONTENT_MAX_BYTES))
        state.page_caches = caches
    return caches
