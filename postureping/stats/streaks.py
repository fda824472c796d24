"""Streaks: the days in a row that met a goal, up to today, and the longest such run.

Pure: the done count of each local day, today and the rest weekdays in; values out. A rest
day is one on which no reminder can come (no active hours; for one routine's streak, also a
weekday it is not set to fire on): it neither breaks nor extends a streak, whatever was done
on it, so five working days, a weekend and five more make a streak of ten. The caller
(postureping.stats.compute) says which weekdays rest, from the settings of now: a streak is judged
by today's active hours, also for days when other ones applied.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Run:
    """Days that each met the goal, in a row but for rest days between them: `days` counts
    the days that met it, `first` and `last` are the first and last of them (None for
    none)."""

    days: int = 0
    first: date | None = None
    last: date | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "first": None if self.first is None else self.first.isoformat(),
            "last": None if self.last is None else self.last.isoformat(),
        }


@dataclass(frozen=True)
class Streak:
    """The run of days, up to today, with at least `daily_goal` done events each, rest days
    skipped. Today joins the streak once it meets the goal; until then (and all day when
    today is a rest day) the streak ending on the last day before that counts stands.
    `rest_days` are the rest days it skips, between its first and last day. `best` is the
    longest such run in the whole history (the latest of equal ones)."""

    days: int
    daily_goal: int
    includes_today: bool
    best: Run = Run()
    rest_days: tuple[date, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "daily_goal": self.daily_goal,
            "includes_today": self.includes_today,
            "best": self.best.to_json(),
            "rest_days": [day.isoformat() for day in self.rest_days],
        }


def streak(
    done_per_day: Mapping[date, int],
    today: date,
    daily_goal: int,
    rest: frozenset[int] = frozenset(),
) -> Streak:
    """The streak up to `today` and the best run, from the done events of each day; `rest`
    holds the weekdays (Monday = 0) that are rest days."""
    runs = _runs(done_per_day, today, daily_goal, rest)
    includes_today = today.weekday() not in rest and done_per_day.get(today, 0) >= daily_goal
    last = today if includes_today else _counted_before(today, rest)
    current = runs[-1] if runs and last is not None and runs[-1].last == last else Run()
    best = Run()
    for run in runs:
        if run.days >= best.days:
            best = run
    skipped: tuple[date, ...] = ()
    if current.first is not None and current.last is not None:
        span = (current.last - current.first).days
        days = (current.first + n * ONE_DAY for n in range(1, span))
        skipped = tuple(day for day in days if day.weekday() in rest)
    return Streak(current.days, daily_goal, includes_today, best, skipped)


def _runs(
    done_per_day: Mapping[date, int], today: date, daily_goal: int, rest: frozenset[int]
) -> list[Run]:
    """Every run up to `today`, oldest first."""
    runs: list[Run] = []
    met = (d for d, n in done_per_day.items() if n >= daily_goal and d <= today)
    for day in sorted(d for d in met if d.weekday() not in rest):
        run = runs[-1] if runs else Run()
        if run.last is not None and _only_rest_between(run.last, day, rest):
            runs[-1] = Run(run.days + 1, run.first, day)
        else:
            runs.append(Run(1, day, day))
    return runs


def _only_rest_between(earlier: date, later: date, rest: frozenset[int]) -> bool:
    """Whether every day strictly between the two is a rest day. A week holds every weekday,
    so no more than seven of them need a look."""
    between = (later - earlier).days - 1
    return all((earlier + n * ONE_DAY).weekday() in rest for n in range(1, min(between, 7) + 1))


def _counted_before(day: date, rest: frozenset[int]) -> date | None:
    """The last day before `day` that is not a rest day; None if every weekday rests."""
    for n in range(1, 8):
        if (earlier := day - n * ONE_DAY).weekday() not in rest:
            return earlier
    return None
