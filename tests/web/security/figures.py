"""Figures the security suite measures, printed at the end of the run for docs/security.md."""

from __future__ import annotations

from collections import Counter

FIGURES: Counter[str] = Counter()


def add(name: str, count: int = 1) -> None:
    FIGURES[name] += count
