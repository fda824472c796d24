"""Routines for tests, built directly (no files)."""

from __future__ import annotations

from datetime import time, timedelta

from postureping.routines import ALL_DAYS, At, Category, Every, Routine


def every(minutes: float, *, days: frozenset[int] = ALL_DAYS, rid: str = "walk") -> Routine:
    return Routine(
        id=rid,
        title="Walk",
        message="Walk around.",
        category=Category.MOVEMENT,
        duration=timedelta(minutes=3),
        cadence=Every(timedelta(minutes=minutes)),
        days=days,
    )


def at(*hhmm: str, days: frozenset[int] = ALL_DAYS, rid: str = "stretch") -> Routine:
    times = tuple(time(int(t[:2]), int(t[3:])) for t in hhmm)
    return Routine(
        id=rid,
        title="Stretch",
        message="Stretch gently.",
        category=Category.MOVEMENT,
        duration=timedelta(minutes=2),
        cadence=At(times),
        days=days,
    )
