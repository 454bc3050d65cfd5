"""Several workers: each on its own socket, connections spread over them, a dead worker replaced.

The serving tests start the real ``cnocare serve --workers 2`` on loopback (a SQLite database of their
own) and look in /proc for which worker holds each connection; Linux only, as the spreading is."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from cnocare.web import workers
from cnocare.web.workers import Listen, Supervisor, listening_sockets

linux_only = pytest.mark.skipif(not workers.spreads_connections(), reason="SO_REUSEPORT spreading is Linux's")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@linux_only
def test_each_worker_gets_its_own_socket_in_one_reuse_port_group() -> None:
    sockets = listening_sockets(Listen("127.0.0.1", 0), 3)  # port 0: the kernel's choice, the same for all
    try:
        assert len({s.fileno() for s in sockets}) == 3
        assert len({s.getsockname() for s in sockets}) == 1 and sockets[0].getsockname()[1] != 0
        assert all(s.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) for s in sockets)
    finally:
        for s in sockets:
            s.close()


@pytest.mark.parametrize("reuse_port", [False, True])
def test_a_port_already_listened_on_is_refused_even_by_another_reuse_port_group(reuse_port: bool) -> None:
    if reuse_port and not workers.spreads_connections():
        pytest.skip("SO_REUSEPORT spreading is Linux's")
    with socket.socket() as other:
        if reuse_port:  # another server of this account that would otherwise share the port silently
            other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        other.bind(("127.0.0.1", 0))
        other.listen()
        with pytest.raises(OSError):
            listening_sockets(Listen("127.0.0.1", other.getsockname()[1]), 2)


def _fake(alive: bool, exitcode: int | None) -> Any:
    return SimpleNamespace(is_alive=lambda: alive, exitcode=exitcode, kill=lambda: None, join=lambda: None)


def _supervised(*processes: Any, stuck_after_s: float = 60) -> tuple[Supervisor, list[int]]:
    """A supervisor of these (fake) processes, each stamped just now; ``started``: the indexes it restarted."""
    supervisor = Supervisor([socket.socket() for _ in processes], Listen("127.0.0.1", 1), stuck_after_s=stuck_after_s)
    for sock in supervisor.sockets:
        sock.close()  # never listened on: only their places in the list matter here
    started: list[int] = []
    supervisor.start = lambda index: started.append(index) or _fake(True, None)  # type: ignore[method-assign]
    supervisor.processes = list(processes)
    for beat in supervisor.beats:
        beat.value = time.monotonic()
    return supervisor, started


def test_a_worker_that_died_is_replaced_on_the_same_socket() -> None:
    supervisor, started = _supervised(_fake(True, None), _fake(False, -9))
    supervisor.replace_the_dead()
    assert started == [1] and supervisor.processes[1].is_alive()
    assert not supervisor.stopping and not supervisor.failed


def test_a_worker_whose_event_loop_stopped_stamping_is_killed_and_replaced() -> None:
    killed: list[int] = []
    stuck = _fake(True, None)
    stuck.kill = lambda: killed.append(1)
    supervisor, started = _supervised(_fake(True, None), stuck, stuck_after_s=30)
    supervisor.beats[0].value = time.monotonic() - 29  # slow, within the limit
    supervisor.beats[1].value = time.monotonic() - 31
    supervisor.replace_the_dead()
    assert killed == [1] and started == [1]


def test_a_worker_that_could_not_start_stops_the_server_instead_of_restarting_in_a_loop() -> None:
    supervisor, started = _supervised(_fake(True, None), _fake(False, workers.STARTUP_FAILURE))
    supervisor.replace_the_dead()
    assert supervisor.stopping and supervisor.failed and started == []


def test_one_worker_runs_in_this_process_with_the_app_factory(monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **kwargs: calls.append((target, kwargs)))
    assert workers.serve(Listen("127.0.0.1", 8123), 1) == 0
    # An import string and a factory, so that each worker process builds its own app.
    assert calls == [("cnocare.web.app:create_app", workers.uvicorn_options(Listen("127.0.0.1", 8123)))]
    assert calls[0][1]["factory"] is True and calls[0][1]["proxy_headers"] is False


# --- the real server --------------------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    """The server's worker processes (multiprocessing's own helpers, if any, left out)."""
    pids = [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    return [p for p in pids if b"spawn_main" in _cmdline(p)]


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _established_on(port: int) -> set[int]:
    """Socket inodes of established connections whose local port is ``port`` (the server's side)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(int(fields[9]))
    return inodes


def _socket_inodes(pid: int) -> set[int]:
    found = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(int(target[8:-1]))
    return found


def _workers_ready(base: str, server: subprocess.Popen[bytes], count: int) -> list[int]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"cnocare serve stopped: {server.stderr.read() if server.stderr else b''}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200 and len(_children(server.pid)) >= count:
                # every worker answering, not only the first: ask until each has its socket served
                return _children(server.pid)
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("cnocare serve did not start its workers")


@pytest.fixture
def two_workers(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, int, subprocess.Popen[bytes]]]:
    if not workers.spreads_connections():
        pytest.skip("SO_REUSEPORT spreading is Linux's")
    port = free_port()
    env = {**os.environ, "CNOCARE_DATABASE_URL": f"sqlite:///{tmp_path / 'served.sqlite3'}",
           "CNOCARE_DATA_DIR": str(tmp_path), "CNOCARE_ENVIRONMENT": "development",
           "CNOCARE_SECRET_KEY": "workers-test-secret-key-not-for-production-0123456789",
           "CNOCARE_JOBS_WORKER_THREAD": "0", **getattr(request, "param", {})}
    command = [str(Path(sys.executable).parent / "cnocare"), "serve", "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _workers_ready(f"http://127.0.0.1:{port}", server, 2)
        time.sleep(1.0)  # both workers' apps started (each builds its own on start)
        yield f"http://127.0.0.1:{port}", port, server
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=40)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def test_connections_made_at_once_are_spread_over_the_workers(two_workers: tuple[str, int,
                                                                                  subprocess.Popen[bytes]]) -> None:
    _base, port, server = two_workers
    # 60 people connecting at once, each keeping the connection (as a browser does)
    connections = [socket.create_connection(("127.0.0.1", port)) for _ in range(60)]
    try:
        deadline = time.monotonic() + 10
        while True:
            established = _established_on(port)
            per_worker = Counter({pid: len(_socket_inodes(pid) & established) for pid in _children(server.pid)})
            if sum(per_worker.values()) == 60 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert len(per_worker) == 2 and sum(per_worker.values()) == 60, per_worker  # all accepted, by workers
        # Spread by the kernel's hash: 60 connections over 2 workers give each at least 15 but for a chance of
        # about one in 20,000; with one shared socket, one worker took 43 of 50 arriving at once.
        assert min(per_worker.values()) >= 15, per_worker
    finally:
        for connection in connections:
            connection.close()


def _replace_one(server: subprocess.Popen[bytes], base: str, sig: signal.Signals) -> tuple[list[int], bytes]:
    """Send ``sig`` to the first worker, wait until another stands in its place, ask every connection once
    more, then stop the server with SIGTERM: the workers left, and what the server said."""
    first = _children(server.pid)
    os.kill(first[0], sig)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = _children(server.pid)
        if len(now) == 2 and first[0] not in now:
            break
        time.sleep(0.2)
    else:
        raise AssertionError(f"the worker sent {sig.name} was not replaced")
    # Every connection answered, whichever socket the kernel gives it: the lost worker's socket is served by
    # its replacement.
    for _ in range(30):
        with httpx.Client(base_url=base, timeout=30) as client:
            assert client.get("/healthz").status_code == 200
    server.send_signal(signal.SIGTERM)
    assert server.wait(timeout=40) == 0
    return now, server.stderr.read() if server.stderr else b""


def test_a_killed_worker_is_replaced_and_the_server_stops_cleanly(two_workers: tuple[str, int,
                                                                                   subprocess.Popen[bytes]]) -> None:
    base, _port, server = two_workers
    now, said = _replace_one(server, base, signal.SIGKILL)
    assert not any(Path(f"/proc/{pid}").exists() for pid in now)
    assert b"stopped (exit status -9); starting another" in said


@pytest.mark.parametrize("two_workers", [{"CNOCARE_WORKER_STUCK_SECONDS": "5"}], indirect=True)
def test_a_stopped_worker_is_killed_and_replaced(two_workers: tuple[str, int, subprocess.Popen[bytes]]) -> None:
    base, _port, server = two_workers
    # SIGSTOP: alive, but its event loop no longer runs, as a stuck worker's
    _now, said = _replace_one(server, base, signal.SIGSTOP)
    assert b"has not answered for" in said
