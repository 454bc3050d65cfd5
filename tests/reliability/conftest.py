"""Crash-trial fixtures: scratch databases per test on SQLite and PostgreSQL, and the figures for the docs.

``db_url`` (tests/conftest.py) decides the dialect and owns the skip-on-laptop / fail-in-CI rule; a
trial needs many fresh databases, so ``scratch`` makes them beside it (same folder, same server).
"""

from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reliability.harness import ScratchDatabases
from reliability.scenarios import FIGURES


class ReplayableRandom(random.Random):
    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self.replay = f"replay with CNOCARE_CRASH_SEED={seed}"


@pytest.fixture
def scratch(db_url: str, tmp_path: Path) -> Iterator[ScratchDatabases]:
    server = None if db_url.startswith("sqlite") else db_url
    databases = ScratchDatabases(tmp_path, server)
    yield databases
    databases.drop_all()


@pytest.fixture
def rng() -> ReplayableRandom:
    """Random kill points; a failure message carries the seed, and CNOCARE_CRASH_SEED replays it."""
    return ReplayableRandom(int(os.environ.get("CNOCARE_CRASH_SEED", random.randrange(1 << 30))))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not FIGURES:
        return
    terminalreporter.section("crash trials (figures for docs/security.md)")
    for (scenario, dialect), f in sorted(FIGURES.items()):
        terminalreporter.write_line(f"{scenario:<20} {dialect:<10} trials {f['trials']:>3}  "
                                    f"killed {f['killed']:>3}  "
                                    f"acknowledged writes checked {f['acked']:>5}  lost {f['lost']}  "
                                    f"failed {f['failed']}")
