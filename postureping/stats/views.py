"""The terminal's pictures of the stats, as values: a week of bars, a month-like heatmap.

Pure: what each row and cell shows (counts, bar lengths, heat levels) is decided here, from
`Stats`; `commands/stats.py` only draws it. Days are local days, as in postureping.stats.compute.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from postureping.stats.compute import Day, Stats

WEEK_DAYS = 7
MONTH_WEEKS = 5  # rows of the month view: this week and the four before
HEAT_LEVELS = 4  # levels above 0 ("nothing done")


def scaled(value: int, scale: int, width: int) -> int:
    """`value` out of `scale` as a length out of `width`, rounded half up, in whole cells."""
    if scale <= 0:
        return 0
    return (2 * width * min(value, scale) + scale) // (2 * scale)


@dataclass(frozen=True)
class Bar:
    """One day as a bar: `done` cells, then `undone` cells for the reminders not done."""

    day: Day
    done: int
    undone: int


@dataclass(frozen=True)
class WeekView:
    bars: tuple[Bar, ...]  # the 7 local days ending today, oldest first
    scale: int  # the count of a full-width bar: the most reminders or done of any day
    width: int


def week_view(stats: Stats, width: int = 24) -> WeekView:
    """Each of the last 7 days as a bar as long as its reminders (or its done answers, if
    more), scaled to the busiest day, filled as far as they were done."""
    days = [stats.day(stats.today.date - timedelta(days=n)) for n in reversed(range(WEEK_DAYS))]
    scale = max(max(d.counts.prompted, d.counts.done) for d in days)
    bars = []
    for day in days:
        done = scaled(day.counts.done, scale, width)
        total = scaled(max(day.counts.prompted, day.counts.done), scale, width)
        bars.append(Bar(day, done, total - done))
    return WeekView(tuple(bars), scale, width)


def heat_level(done: int, most: int) -> int:
    """0 for a day with nothing done, else 1 to HEAT_LEVELS by its share of `most` (the
    most done on any day of the view): a quarter or less is 1, all of it is 4."""
    if done <= 0 or most <= 0:
        return 0
    return max(1, min(HEAT_LEVELS, -(-HEAT_LEVELS * done // most)))


@dataclass(frozen=True)
class Cell:
    day: Day
    level: int  # see heat_level

    @property
    def date(self) -> date:
        return self.day.date


@dataclass(frozen=True)
class MonthView:
    """Rows of weeks, Monday first, the last one holding today; None for days after today."""

    weeks: tuple[tuple[Cell | None, ...], ...]
    most_done: int

    @property
    def first(self) -> date:
        first = self.weeks[0][0]
        assert first is not None  # the first row lies wholly in the past
        return first.date


def month_view(stats: Stats, weeks: int = MONTH_WEEKS) -> MonthView:
    """The last `weeks` calendar weeks as a heatmap of the done answers of each day."""
    today = stats.today.date
    monday = today - timedelta(days=today.weekday() + WEEK_DAYS * (weeks - 1))
    dates = [monday + timedelta(days=n) for n in range(WEEK_DAYS * weeks)]
    days = {d: stats.day(d) for d in dates if d <= today}
    most = max(day.counts.done for day in days.values())
    cells = [
        Cell(days[d], heat_level(days[d].counts.done, most)) if d in days else None for d in dates
    ]
    rows = tuple(tuple(cells[n : n + WEEK_DAYS]) for n in range(0, len(cells), WEEK_DAYS))
    return MonthView(rows, most)
