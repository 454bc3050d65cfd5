"""Several worker processes for ``cnocare serve``, each accepting connections on its own listening socket.

uvicorn's own ``--workers`` shares one listening socket: whichever worker wakes first takes every
connection waiting (asyncio accepts up to the backlog in one go), so a burst of people connecting at
once lands mostly on one worker and stays there, since browsers keep their connection. Measured with 50
users signing in together and 2 workers: 43 connections on one worker, 7 on the other, for the whole run.
Here each worker has its own socket in one ``SO_REUSEPORT`` group (Linux), and the kernel spreads new
connections over the group. The parent holds every socket, so connections waiting on the socket of a
worker that died are served by its replacement, not lost. Where the kernel does not spread connections
(not Linux), every worker shares one socket, as with uvicorn.

Each worker's event loop stamps a shared clock every second; one whose stamp is older than
``worker_stuck_seconds`` (a loop blocked, a process stopped) is killed and replaced like one that died.
"""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any, TypeAlias

import uvicorn
from uvicorn.config import STARTUP_FAILURE

from cnocare.security.settings import get_settings

APP = "cnocare.web.app:create_app"  # an import string and a factory: each process builds its own app
BACKLOG = 2048  # uvicorn's default: connections the kernel keeps waiting per socket
STOP_GRACE_S = 30.0  # a worker finishing its requests on shutdown before it is killed
BEAT_S = 1.0  # how often a worker's event loop stamps its clock

# A shared double without a lock (a worker killed while holding one would leave the parent waiting for it):
# the time.monotonic() of the worker's last stamp (one monotonic clock per machine).
Beat: TypeAlias = ctypes.c_double


@dataclass(frozen=True)
class Listen:
    host: str
    port: int


def uvicorn_options(where: Listen) -> dict[str, Any]:
    """The same server options for one process or many. proxy_headers=False: uvicorn would believe
    X-Forwarded-For from loopback; the app decides instead (CNOCARE_TRUSTED_PROXIES, web.sessions)."""
    return {"host": where.host, "port": where.port, "factory": True, "log_level": "warning",
            "proxy_headers": False}


def spreads_connections() -> bool:
    """Whether the kernel spreads connections over a SO_REUSEPORT group (Linux does; macOS and the BSDs
    give each new connection to one socket of the group, which would leave the other workers idle)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def listening_sockets(where: Listen, count: int) -> list[socket.socket]:
    """``count`` sockets listening on one address: a SO_REUSEPORT group, or one shared socket.

    A port already in use is refused as uvicorn refuses it (OSError), even by another SO_REUSEPORT group of
    this account, which would otherwise share it silently: a plain bind is tried first."""
    family = socket.AF_INET6 if ":" in where.host else socket.AF_INET
    probe = _bound(family, where, reuse_port=False)
    if not spreads_connections():
        probe.listen(BACKLOG)
        return [probe] * count
    # The port the probe was given (port 0: one the kernel chose), so that every socket has the same.
    where = Listen(where.host, int(probe.getsockname()[1]))
    probe.close()
    return [_bound(family, where, reuse_port=True, listen=True) for _ in range(count)]


def _bound(family: socket.AddressFamily, where: Listen, *, reuse_port: bool, listen: bool = False) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart does not wait for TIME_WAIT
        if reuse_port:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((where.host, where.port))
        if listen:
            sock.listen(BACKLOG)
        sock.set_inheritable(True)
    except OSError:
        sock.close()
        raise
    return sock


def run_worker(sock: socket.socket, where: Listen, beat: Beat) -> None:
    """One worker process: the app on its socket, until SIGTERM (uvicorn finishes its requests first)."""
    server = uvicorn.Server(uvicorn.Config(APP, **uvicorn_options(where)))
    asyncio.run(_serve_beating(server, sock, beat))


async def _serve_beating(server: uvicorn.Server, sock: socket.socket, beat: Beat) -> None:
    async def stamp() -> None:
        while True:
            beat.value = time.monotonic()
            await asyncio.sleep(BEAT_S)

    stamping = asyncio.get_running_loop().create_task(stamp())
    try:
        await server.serve(sockets=[sock])
    finally:
        stamping.cancel()


class Supervisor:
    """Starts the workers, starts a new one in the place of one that died, stops them all on SIGINT/SIGTERM.

    A worker that fails while starting (the app cannot be built, the database is unreachable) would fail
    the same way again, so the whole server stops with an error instead of restarting it in a loop."""

    def __init__(self, sockets: list[socket.socket], where: Listen, *, stuck_after_s: float = 60.0,
                 target: Callable[[socket.socket, Listen, Beat], None] = run_worker) -> None:
        self.sockets, self.where, self.target, self.stuck_after_s = sockets, where, target, stuck_after_s
        self.context = multiprocessing.get_context("spawn")
        self.beats: list[Beat] = [self.context.RawValue(ctypes.c_double, 0.0) for _ in sockets]
        self.processes: list[BaseProcess] = []
        self.stopping = False
        self.failed = False

    def start(self, index: int) -> BaseProcess:
        self.beats[index].value = time.monotonic()  # its start-up counts from now
        process = self.context.Process(target=self.target, args=(self.sockets[index], self.where, self.beats[index]),
                                       name=f"cnocare-worker-{index + 1}")
        process.start()
        return process

    def _stop(self, _signum: int, _frame: FrameType | None) -> None:
        self.stopping = True

    def run(self, *, poll_s: float = 0.5) -> int:
        """Serve until told to stop; the exit status: 0, or 1 when a worker could not start."""
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            self.processes = [self.start(i) for i in range(len(self.sockets))]
            while not self.stopping:
                time.sleep(poll_s)
                self.replace_the_dead()
        finally:
            self.stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 1 if self.failed else 0

    def replace_the_dead(self) -> None:
        """Start a new worker in the place of one that exited or whose event loop stopped stamping."""
        for index, process in enumerate(self.processes):
            if self.stopping:
                return
            if process.is_alive():
                silent = time.monotonic() - self.beats[index].value
                if silent <= self.stuck_after_s:
                    continue
                print(f"cnocare: worker {index + 1} has not answered for {silent:.0f} s; replacing it",
                      file=sys.stderr)
                process.kill()
                process.join()
            elif process.exitcode == STARTUP_FAILURE:
                print(f"cnocare: worker {index + 1} could not start; stopping", file=sys.stderr)
                self.failed = self.stopping = True
                return
            else:
                print(f"cnocare: worker {index + 1} stopped (exit status {process.exitcode}); starting another",
                      file=sys.stderr)
            self.processes[index] = self.start(index)

    def stop_all(self) -> None:
        for process in self.processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn answers the requests it has, then exits
        deadline = time.monotonic() + STOP_GRACE_S
        for process in self.processes:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        for sock in set(self.sockets):
            sock.close()


def serve(where: Listen, workers: int) -> int:
    """Serve the app with ``workers`` processes (one: in this process, as uvicorn does)."""
    if workers == 1:
        uvicorn.run(APP, **uvicorn_options(where))
        return 0
    return Supervisor(listening_sockets(where, workers), where,
                      stuck_after_s=get_settings().worker_stuck_seconds).run()
