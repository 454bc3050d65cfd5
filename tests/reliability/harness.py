"""Crash harness: run a write workload in a child Python process, kill -9 it at a random moment, then check.

The child reports on stdout, one flushed line per event: ``ACK {json}`` right after a commit returned,
``READY {json}`` after its setup, ``ERROR {json}`` for an error the user would have seen, ``DONE {json}``
at the end. The parent never sleeps to decide an outcome: it waits for lines. The only sleep is a random
jitter before the kill, so the kill lands anywhere inside the next transaction, not just after an ack.

Reusable by any writer (importers, the family diary): write a worker that calls ``emit`` after each
commit, start it with ``Child.start``, ``kill_at_random``, then compare ``child.acks`` with the database.

    child = Child.start([sys.executable, WORKERS, "burst", json.dumps(args)])
    kill_at_random(child, rng, max_acks=20)
    for ack in child.acks: ...   # each one must be in the database
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

KINDS = ("ACK", "READY", "ERROR", "DONE")
WAIT_SECONDS = 60.0  # generous: a loaded 2-core CI box; a healthy child answers in well under a second


# --- child side -------------------------------------------------------------------------------------

def emit(kind: str, **data: Any) -> None:
    """Report one event to the parent; flushed, so a kill right after cannot lose an acknowledged write."""
    sys.stdout.write(f"{kind} {json.dumps(data, default=str, sort_keys=True)}\n")
    sys.stdout.flush()


# --- parent side ------------------------------------------------------------------------------------

class ChildFailed(AssertionError):
    pass


@dataclass(frozen=True)
class Line:
    kind: str
    data: dict[str, Any]


class Child:
    """A worker process and everything it reported; stdout is read by a thread so the pipe never fills."""

    def __init__(self, process: subprocess.Popen[str], stderr_path: Path) -> None:
        self.process = process
        self.stderr_path = stderr_path
        self.lines: list[Line] = []
        self.killed = False
        self._stderr_tail: str | None = None
        self._queue: queue.Queue[Line | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._eof = False

    @classmethod
    def start(cls, argv: Sequence[str], *, env: dict[str, str] | None = None,
              workdir: Path | None = None) -> Child:
        workdir = workdir or Path(os.environ.get("TMPDIR", "/tmp"))
        stderr_path = workdir / f"child-{uuid.uuid4().hex[:8]}.stderr"
        with stderr_path.open("w") as stderr:
            process = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=stderr, text=True,
                                       env={**os.environ, **(env or {}), "PYTHONUNBUFFERED": "1"})
        return cls(process, stderr_path)

    @property
    def pid(self) -> int:
        return self.process.pid

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            kind, _, payload = raw.rstrip("\n").partition(" ")
            if kind in KINDS:
                self._queue.put(Line(kind, json.loads(payload) if payload else {}))
        self._queue.put(None)

    def _pump(self, timeout: float | None) -> bool:
        """Move one line from the reader into ``lines``; False at end of output."""
        if self._eof:
            return False
        try:
            line = self._queue.get(timeout=timeout)
        except queue.Empty:
            raise ChildFailed(f"child {self.pid} said nothing for {timeout:.0f} s; "
                              f"stderr:\n{self.stderr()}") from None
        if line is None:
            self._eof = True
            return False
        self.lines.append(line)
        return True

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [line.data for line in self.lines if line.kind == kind]

    @property
    def acks(self) -> list[dict[str, Any]]:
        return self.of("ACK")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.of("ERROR")

    def wait_for(self, kind: str = "ACK", count: int = 1, timeout: float = WAIT_SECONDS) -> bool:
        """Wait until ``count`` lines of ``kind`` arrived in total; False if the child ended first."""
        deadline = time.monotonic() + timeout
        while len(self.of(kind)) < count:
            if not self._pump(max(0.1, deadline - time.monotonic())):
                return False
        return True

    def kill(self) -> bool:
        """kill -9 now, then read whatever it had already flushed. False if it had already finished;
        a child that crashed on its own is a failed trial, not a kill."""
        with contextlib.suppress(ProcessLookupError):  # already reaped
            os.kill(self.pid, signal.SIGKILL)
        code = self.process.wait(timeout=WAIT_SECONDS)
        self._drain()
        if code not in (0, -signal.SIGKILL):
            raise ChildFailed(f"child {self.pid} failed before the kill (exit {code}); "
                              f"stderr:\n{self.stderr()}")
        self.killed = code == -signal.SIGKILL
        return self.killed

    def finish(self, timeout: float = WAIT_SECONDS) -> int:
        """Let the child run to its end; fail with its stderr if it crashed."""
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise ChildFailed(f"child {self.pid} did not finish in {timeout:.0f} s; "
                              f"stderr:\n{self.stderr()}") from None
        self._drain()
        if code != 0:
            raise ChildFailed(f"child {self.pid} exited with {code}; stderr:\n{self.stderr()}")
        return code

    def _drain(self) -> None:
        while self._pump(WAIT_SECONDS):
            pass
        self._reader.join(timeout=WAIT_SECONDS)
        if self.process.stdout is not None:
            self.process.stdout.close()
        # Keep the tail for failure messages, not the file: trials start hundreds of children.
        self._stderr_tail = self.stderr()
        self.stderr_path.unlink(missing_ok=True)

    def stderr(self) -> str:
        if self._stderr_tail is not None:
            return self._stderr_tail
        try:
            return self.stderr_path.read_text()[-4000:]
        except OSError:
            return "(no stderr)"


def kill_at_random(child: Child, rng: random.Random, max_acks: int, *, min_acks: int = 0,
                   jitter_seconds: float = 0.05) -> int:
    """Let the child acknowledge a random number of writes in [min_acks, max_acks], wait a random jitter
    (so the kill falls inside the following transaction), then kill -9. Returns the acks awaited."""
    target = rng.randint(min_acks, max_acks)
    if target:
        child.wait_for("ACK", target)
    else:
        child.wait_for("READY", 1)
    time.sleep(rng.uniform(0, jitter_seconds))  # where the kill lands, not a timing assertion
    child.kill()
    return target


# --- scratch databases ------------------------------------------------------------------------------

class ScratchDatabases:
    """Fresh migrated databases, fast: migrate one template, then copy it (file copy / CREATE ... TEMPLATE).

    ``server`` is a PostgreSQL URL (any database on the server) or None for SQLite files under ``folder``.
    """

    def __init__(self, folder: Path, server: str | None = None) -> None:
        self.folder, self.server = folder, server
        self.dialect = "postgresql" if server else "sqlite"
        self._created: list[str] = []
        self._template: str | None = None

    def _name(self) -> str:
        return f"cnocare_rel_{uuid.uuid4().hex[:12]}"

    def _create(self, template: str | None = None) -> str:
        assert self.server is not None
        name = self._name()
        admin = create_engine(self.server, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                clause = f' TEMPLATE "{template}"' if template else ""
                connection.execute(text(f'CREATE DATABASE "{name}"{clause}'))
        finally:
            admin.dispose()
        self._created.append(name)
        return make_url(self.server).set(database=name).render_as_string(hide_password=False)

    def empty(self) -> str:
        """An empty database (not migrated)."""
        if self.server is None:
            return f"sqlite:///{self.folder / (self._name() + '.sqlite3')}"
        return self._create()

    def fresh(self) -> str:
        """A new database migrated to head."""
        from cnocare.records.db import upgrade

        if self._template is None:
            self._template = self.empty()
            upgrade(self._template)
        return self.clone(self._template)

    def clone(self, url: str) -> str:
        """A copy of the database at ``url``; nobody may be connected to it (engines disposed)."""
        if self.server is None:
            target = self.folder / (self._name() + ".sqlite3")
            # The last connection closed checkpointed the WAL, so the main file holds everything.
            shutil.copyfile(Path(make_url(url).database or ""), target)
            return f"sqlite:///{target}"
        return self._create(template=make_url(url).database)

    def drop_all(self) -> None:
        if self.server is None or not self._created:
            return
        admin = create_engine(self.server, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                for name in reversed(self._created):
                    connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()
        self._created.clear()
        self._template = None  # dropped with the rest; the next fresh() migrates a new one
