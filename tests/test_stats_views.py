"""The terminal's week and month pictures, as values: a fixed clock and zone, no terminal."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from postureping.history.events import Kind
from postureping.stats.compute import Counts
from postureping.stats.views import heat_level, month_view, scaled, week_view
from tests.test_stats import BERLIN, NOW, day, ev, stats


@pytest.mark.parametrize(
    ("value", "scale", "width", "expected"),
    [(0, 10, 24, 0), (5, 10, 24, 12), (10, 10, 24, 24), (1, 3, 24, 8), (1, 16, 24, 2),
     (1, 17, 24, 1), (3, 0, 24, 0), (12, 10, 24, 24)],
)  # fmt: skip
def test_scaled_rounds_half_up_and_stays_within_the_width(
    value: int, scale: int, width: int, expected: int
) -> None:
    assert scaled(value, scale, width) == expected


@pytest.mark.parametrize(
    ("done", "most", "level"),
    [(0, 8, 0), (1, 8, 1), (2, 8, 1), (3, 8, 2), (4, 8, 2), (5, 8, 3), (7, 8, 4), (8, 8, 4),
     (0, 0, 0), (1, 1, 4)],
)  # fmt: skip
def test_heat_levels_are_quarters_of_the_busiest_day(done: int, most: int, level: int) -> None:
    assert heat_level(done, most) == level


def test_week_view_has_a_bar_for_each_of_the_last_seven_days() -> None:
    events = [
        *(ev(Kind.PROMPTED, day(6)) for _ in range(8)),
        *(ev(Kind.DONE, day(6)) for _ in range(2)),
        *(ev(Kind.PROMPTED, day(0)) for _ in range(4)),
        *(ev(Kind.DONE, day(1)) for _ in range(3)),  # done without prompts
        ev(Kind.DONE, day(7)),  # eight days ago: not in the week
    ]
    view = week_view(stats(events), width=16)
    assert [bar.day.date.day for bar in view.bars] == [24, 25, 26, 27, 28, 29, 30]
    assert view.scale == 8
    first, *_, yesterday, today = view.bars
    assert (first.done, first.undone) == (4, 12)
    assert (yesterday.done, yesterday.undone) == (6, 0)
    assert (today.done, today.undone) == (0, 8)
    assert today.day.counts == Counts(prompted=4)


def test_week_view_of_an_empty_history() -> None:
    view = week_view(stats([]))
    assert view.scale == 0 and all(bar.done == bar.undone == 0 for bar in view.bars)


def test_month_view_is_five_calendar_weeks_ending_with_this_one() -> None:
    events = [*(ev(Kind.DONE, day(0)) for _ in range(4)), ev(Kind.DONE, day(34))]
    view = month_view(stats(events))  # NOW is a Sunday: five whole weeks
    assert len(view.weeks) == 5 and all(len(week) == 7 for week in view.weeks)
    assert view.first == NOW.date() - timedelta(days=34)
    assert view.first.weekday() == 0
    assert view.most_done == 4
    cells = [cell for week in view.weeks for cell in week]
    assert all(cell is not None for cell in cells)
    assert [cell.level for cell in cells if cell is not None and cell.level] == [1, 4]


def test_month_view_leaves_the_days_after_today_empty() -> None:
    wednesday = datetime(2025, 3, 26, 9, 0, tzinfo=BERLIN)
    view = month_view(stats([ev(Kind.DONE, wednesday)], now=wednesday), weeks=2)
    last = view.weeks[-1]
    assert [cell is None for cell in last] == [False, False, False, True, True, True, True]
    assert view.first.isoformat() == "2025-03-17"
    wednesday_cell = last[2]
    assert wednesday_cell is not None and wednesday_cell.day.goal_met
    assert wednesday_cell.level == 4
