"""Crash trials at scale (not a test): the scenarios of tests/reliability, many times, with a JSON summary.

Each trial starts writer processes, kills one with SIGKILL at a random moment (or runs several at once),
then checks the database with ``cnocare.records.integrity.check`` and compares every acknowledged write
with what is stored. The figures go into docs/security.md ("Crash trials").

    .venv/bin/python bench/crash_trials.py --trials 25 [--pg-url postgresql+psycopg://postgres@127.0.0.1/postgres]
    # PostgreSQL also when CNOCARE_TEST_PG_URL is set; --seed replays a run
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from reliability.harness import ScratchDatabases
from reliability.scenarios import (
    FIGURES,
    Trial,
    backup_kill_trial,
    burst_trial,
    edit_trial,
    record,
    seed_trial,
    writers_trial,
)

Scenario = Callable[[ScratchDatabases, random.Random, Path], Trial]
SCENARIOS: dict[str, Scenario] = {
    "seed_demo": lambda dbs, rng, _folder: seed_trial(dbs, rng),
    "write_burst": lambda dbs, rng, _folder: burst_trial(dbs, rng),
    "concurrent_edit": lambda dbs, rng, _folder: edit_trial(dbs, rng),
    "concurrent_writers": lambda dbs, rng, _folder: writers_trial(dbs, rng),
    "backup_killed": backup_kill_trial,
}


def run(dialect: str, server: str | None, trials: int, names: list[str], rng: random.Random,
        failures: list[dict[str, Any]]) -> None:
    with tempfile.TemporaryDirectory(prefix="cnocare-crash-") as tmp:
        databases = ScratchDatabases(Path(tmp), server)
        try:
            for name in names:
                for number in range(trials):
                    folder = Path(tmp) / f"{name}-{number}"
                    folder.mkdir()
                    trial = record(SCENARIOS[name](databases, rng, folder))
                    if not trial.ok:
                        failures.append(json.loads(trial.explain()))
                    print(f"{dialect:<10} {name:<20} {number + 1:>4}/{trials} "
                          f"{'ok' if trial.ok else 'FAILED'} acked={trial.acked}", file=sys.stderr)
                databases.drop_all()  # keep the server tidy between scenarios
        finally:
            databases.drop_all()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=25, help="trials per scenario and dialect")
    parser.add_argument("--pg-url", default=os.environ.get("CNOCARE_TEST_PG_URL", ""),
                        help="PostgreSQL server (any database); default CNOCARE_TEST_PG_URL")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated subset")
    parser.add_argument("--seed", type=int, default=None, help="replay a run")
    options = parser.parse_args()
    from cnocare.records.db import normalise_url

    seed = options.seed if options.seed is not None else random.randrange(1 << 30)
    names = [n for n in options.scenarios.split(",") if n]
    unknown = sorted(set(names) - set(SCENARIOS))
    if unknown:
        parser.error(f"--scenarios {','.join(unknown)}: accepted: {', '.join(SCENARIOS)}")
    servers: dict[str, str | None] = {"sqlite": None}
    if options.pg_url:
        servers["postgresql"] = normalise_url(options.pg_url)
    rng, failures, started = random.Random(seed), [], time.monotonic()
    for dialect, server in servers.items():
        run(dialect, server, options.trials, names, rng, failures)
    summary = {
        "seed": seed,
        "trials_per_scenario": options.trials,
        "seconds": round(time.monotonic() - started, 1),
        "scenarios": [{"scenario": s, "dialect": d, **f} for (s, d), f in sorted(FIGURES.items())],
        "acknowledged_writes_checked": sum(f["acked"] for f in FIGURES.values()),
        "lost_writes": sum(f["lost"] for f in FIGURES.values()),
        "failed_trials": len(failures),
        "failures": failures[:10],
    }
    print(json.dumps(summary, indent=2))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
