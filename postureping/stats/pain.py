"""Does it help? Back pain from the check-ins, week by week, beside how many reminders ended
done that week: for `postureping stats` (a line) and the report (a chart, in
postureping.stats.charts).

Pure: check-ins and days in, weeks out. Side by side is all it is: the caveat says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from typing import Any

from postureping.red_flags import Dated
from postureping.stats.compute import Day, percent

CAVEAT = (
    "Pain and habits side by side are no proof that one changes the other: back pain "
    "comes and goes for many reasons."
)


@dataclass(frozen=True)
class PainWeek:
    start: date  # its Monday (the window's first day for a week cut short)
    pain: float | None  # the mean pain of its check-ins; None without one
    checkins: int
    done: int  # reminders done, all routines together
    prompted: int

    @property
    def adherence(self) -> float | None:
        return percent(self.done, self.prompted)

    def to_json(self) -> dict[str, Any]:
        return {
            "week": self.start.isoformat(),
            "pain": self.pain,
            "checkins": self.checkins,
            "done": self.done,
            "prompted": self.prompted,
            "adherence": self.adherence,
        }


def pain_weeks(
    checkins: Sequence[Dated], days: Sequence[Day], zone: tzinfo
) -> tuple[PainWeek, ...]:
    """The weeks (Monday to Sunday, local) of `days` (oldest first), each with the mean
    pain of its check-ins and its reminders done and shown."""
    if not days:
        return ()
    first = days[0].date
    pains: dict[date, list[int]] = {}
    for at, checkin in checkins:
        local = at.astimezone(zone).date()
        if first <= local <= days[-1].date:
            pains.setdefault(_week_of(local, first), []).append(checkin.pain)
    weeks: dict[date, list[Day]] = {}
    for one in days:
        weeks.setdefault(_week_of(one.date, first), []).append(one)
    return tuple(
        PainWeek(
            start,
            round(sum(found) / len(found), 1) if (found := pains.get(start)) else None,
            len(pains.get(start, ())),
            sum(d.counts.done for d in week),
            sum(d.counts.prompted for d in week),
        )
        for start, week in weeks.items()
    )


def _week_of(day: date, first: date) -> date:
    return max(day - timedelta(days=day.weekday()), first)


def has_pain(weeks: Sequence[PainWeek]) -> bool:
    return any(week.pain is not None for week in weeks)


def pain_line(weeks: Sequence[PainWeek]) -> list[str]:
    """`stats` lines: pain and reminders done, week by week, and the caveat; none when no
    week has a check-in."""
    if not has_pain(weeks):
        return []
    cells = []
    for week in weeks:
        pain = "-" if week.pain is None else f"{week.pain:g}"
        done = "-" if week.adherence is None else f"{week.adherence:.0f}%"
        cells.append(f"{week.start:%m-%d} pain {pain}, done {done}")
    return [
        "Back pain (0-10, check-ins' mean) and reminders done, by week: " + "; ".join(cells),
        CAVEAT,
    ]
