"""Repository-wide pytest policy: in CI (CI=true) a skipped test is a failure, never a silent pass.

Suites that need Chromium or PostgreSQL may skip on a laptop without them; CI installs both, so any
skip there means a dependency is missing and the run must fail loudly.
"""

from __future__ import annotations

import os

import pytest

_skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if os.environ.get("CI", "").lower() == "true" and _skipped:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_line(f"CI policy: {len(_skipped)} test(s) skipped; skips are failures in CI:", red=True)
            for nodeid in _skipped[:50]:
                reporter.write_line(f"  {nodeid}", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
