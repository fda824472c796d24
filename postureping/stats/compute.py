"""How well the habits are kept: counts, adherence, today's progress, streaks, the days and
the hours of the day.

Pure: events, routines, the active hours, the clock and the zone in; values out. Days are
local calendar days in `zone`, so a week of stats means the same thing across a DST change.
The active hours say which days are rest days, skipped by the streaks (postureping.stats.streaks).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from postureping.history.events import IGNORED_SOURCES, Kind
from postureping.hours import ActiveHours
from postureping.routines import Routine
from postureping.stats.streaks import Streak, streak
from postureping.stats.tally import Stamping, Tally

JSON_VERSION = 1
MOST_SKIPPED = 3  # how many hours `most_skipped_hours` lists at most
ONE_DAY = timedelta(days=1)

K = TypeVar("K", bound=Hashable)


def percent(part: int, whole: int, decimals: int = 0) -> float | None:
    """`part / whole` as a percentage, at most 100, rounded half up to `decimals` places in
    exact integer arithmetic (1 of 8 is 13 %, where a float rounds 12.5 to 12); None when
    `whole` is 0."""
    if whole <= 0:
        return None
    scale: int = 10**decimals
    units, rest = divmod(100 * scale * min(part, whole), whole)
    if 2 * rest >= whole:
        units += 1
    return units / scale


@dataclass(frozen=True)
class Counts:
    prompted: int = 0
    done: int = 0
    skipped: int = 0
    snoozed: int = 0
    missed: int = 0

    @classmethod
    def at(cls, counter: Mapping[tuple[K, Kind], int], key: K) -> Counts:
        """The counts of `key` in a counter keyed by (key, kind)."""
        return cls(
            prompted=counter.get((key, Kind.PROMPTED), 0),
            done=counter.get((key, Kind.DONE), 0),
            skipped=counter.get((key, Kind.SKIPPED), 0),
            snoozed=counter.get((key, Kind.SNOOZED), 0),
            missed=counter.get((key, Kind.MISSED), 0),
        )

    @property
    def adherence(self) -> float | None:
        """done / prompted as a percentage, at most 100 (a routine done without a prompt
        counts too); None when nothing was prompted."""
        if self.prompted == 0:
            return None
        return min(100.0, 100.0 * self.done / self.prompted)

    @property
    def not_done(self) -> int:
        """Reminders turned down or left unanswered: skipped and missed."""
        return self.skipped + self.missed

    def to_json(self) -> dict[str, Any]:
        return {
            "prompted": self.prompted,
            "done": self.done,
            "skipped": self.skipped,
            "snoozed": self.snoozed,
            "missed": self.missed,
            "adherence": percent(self.done, self.prompted, 1),
        }


@dataclass(frozen=True)
class RoutineStats:
    id: str
    title: str | None  # None for a routine no longer in the settings
    counts: Counts
    streak: Streak  # days with at least one done, the routine's rest days skipped

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            **self.counts.to_json(),
            "streak": self.streak.to_json(),
        }


@dataclass(frozen=True)
class Today:
    date: date
    done: int
    prompted: int

    def to_json(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "done": self.done, "prompted": self.prompted}


@dataclass(frozen=True)
class Day:
    """One local day, all routines together."""

    date: date
    counts: Counts
    goal_met: bool  # at least the daily goal of done events
    rest_day: bool = False  # no active hours: the overall streak skips it

    def to_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            **self.counts.to_json(),
            "goal_met": self.goal_met,
            "rest_day": self.rest_day,
        }


@dataclass(frozen=True)
class Stats:
    generated_at: datetime
    days: int  # the window: this many local days, ending today
    since: datetime  # local midnight at the start of the window
    routines: tuple[RoutineStats, ...]
    overall: Counts
    today: Today
    streak: Streak
    hours: tuple[Counts, ...] = ()  # 24: each local hour of the day, in the window
    most_skipped_hours: tuple[int, ...] = ()  # the most skipped or missed first
    rest: frozenset[int] = frozenset()  # weekdays without active hours, Monday = 0
    # Every day up to today, not just the window: the terminal's views reach further back.
    tally: Tally | None = field(default=None, repr=False, compare=False)

    @property
    def first_day(self) -> date:
        return self.since.date()

    def day(self, day: date) -> Day:
        """The counts of any local day up to today (nothing for a later one)."""
        counts = Counts() if self.tally is None else Counts.at(self.tally.per_day, day)
        goal_met = counts.done >= self.streak.daily_goal
        return Day(day, counts, goal_met, rest_day=day.weekday() in self.rest)

    @property
    def daily(self) -> tuple[Day, ...]:
        """Each day of the window, oldest first."""
        return tuple(self.day(self.first_day + n * ONE_DAY) for n in range(self.days))

    def to_json(self) -> dict[str, Any]:
        """The `stats --json` document (see the README): plain dicts, lists and scalars."""
        return {
            "version": JSON_VERSION,
            "generated_at": self.generated_at.isoformat(),
            "days": self.days,
            "since": self.since.isoformat(),
            "routines": [r.to_json() for r in self.routines],
            "overall": self.overall.to_json(),
            "today": self.today.to_json(),
            "streak": self.streak.to_json(),
            "daily": [d.to_json() for d in self.daily],
            "hours": [{"hour": h, **c.to_json()} for h, c in enumerate(self.hours)],
            "most_skipped_hours": list(self.most_skipped_hours),
        }


def window(now: datetime, zone: ZoneInfo, days: int) -> Stamping:
    """How to count a history for the stats of the `days` local days ending today."""
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    today = now.astimezone(zone).date()
    first = today - (days - 1) * ONE_DAY
    return Stamping.of(zone, today=today, first=first, ignored_sources=IGNORED_SOURCES)


def summarize(
    tally: Tally,
    routines: Sequence[Routine],
    now: datetime,
    zone: ZoneInfo,
    *,
    daily_goal: int,
    hours: ActiveHours,
) -> Stats:
    """The stats of the window `tally` counted (see `window`), the whole history's counts.

    A weekday without active `hours` is a rest day, and for one routine's streak also a
    weekday the routine is not set to fire on (a routine no longer in the settings has only
    the active hours to go by).

    Routines are listed in settings order (enabled ones, and disabled ones with events in
    the window), then routines no longer in the settings that have events in the window.
    Events dated after today (another machine's clock, say) are left out.
    """
    if daily_goal < 1:
        raise ValueError(f"daily_goal must be at least 1, not {daily_goal}")
    today, first = tally.today, tally.first
    days = (today - first).days + 1
    in_window = {routine for routine, _ in tally.window}
    done_days: dict[str, dict[date, int]] = {}
    for (routine, day), n in tally.done_per_routine_day.items():
        done_days.setdefault(routine, {})[day] = n
    titles = {r.id: r.title for r in routines if r.enabled or r.id in in_window}
    ids = [*titles, *sorted(in_window - {r.id for r in routines})]
    rest = hours.rest_weekdays()
    routine_rest = {r.id: hours.rest_weekdays(r.days) for r in routines}
    rows = tuple(
        RoutineStats(
            rid,
            titles.get(rid),
            Counts.at(tally.window, rid),
            streak(done_days.get(rid, {}), today, 1, routine_rest.get(rid, rest)),
        )
        for rid in ids
    )

    overall = Counter[tuple[None, Kind]]()
    for (_, kind), n in tally.window.items():
        overall[None, kind] += n
    per_hour = tuple(Counts.at(tally.window_hours, hour) for hour in range(24))
    done_per_day = {day: n for (day, kind), n in tally.per_day.items() if kind == Kind.DONE}
    return Stats(
        generated_at=now,
        days=days,
        since=datetime.combine(first, time(0), tzinfo=zone),
        routines=rows,
        overall=Counts.at(overall, None),
        today=Today(
            today,
            done=tally.per_day[today, Kind.DONE],
            prompted=tally.per_day[today, Kind.PROMPTED],
        ),
        streak=streak(done_per_day, today, daily_goal, rest),
        hours=per_hour,
        most_skipped_hours=most_skipped(per_hour),
        rest=rest,
        tally=tally,
    )


def most_skipped(hours: Sequence[Counts], limit: int = MOST_SKIPPED) -> tuple[int, ...]:
    """The hours with the most skipped or missed reminders, most first (the earlier hour of
    equals first); hours with none are left out."""
    ranked = sorted(
        (hour for hour, counts in enumerate(hours) if counts.not_done),
        key=lambda hour: (-hours[hour].not_done, hour),
    )
    return tuple(ranked[:limit])
