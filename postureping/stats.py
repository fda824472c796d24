"""How well the habits are kept: counts, adherence, today's progress and the daily streak.

Pure: events, routines, the clock and the zone in; values out. Days are local calendar days
in `zone`, so a week of stats means the same thing across a DST change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from postureping.events import Event, Kind
from postureping.routines import Routine

JSON_VERSION = 1
# Demo mode (`postureping run --demo`) prompts every few seconds to show what it does;
# those prompts say nothing about the user's habits.
IGNORED_SOURCES = frozenset({"demo"})


@dataclass(frozen=True)
class Counts:
    prompted: int = 0
    done: int = 0
    skipped: int = 0
    snoozed: int = 0
    missed: int = 0

    @classmethod
    def of(cls, events: Iterable[Event]) -> Counts:
        kinds = Counter(event.kind for event in events)
        return cls(
            prompted=kinds[Kind.PROMPTED],
            done=kinds[Kind.DONE],
            skipped=kinds[Kind.SKIPPED],
            snoozed=kinds[Kind.SNOOZED],
            missed=kinds[Kind.MISSED],
        )

    @property
    def adherence(self) -> float | None:
        """done / prompted as a percentage, at most 100 (a routine done without a prompt
        counts too); None when nothing was prompted."""
        if self.prompted == 0:
            return None
        return min(100.0, 100.0 * self.done / self.prompted)

    def to_json(self) -> dict[str, Any]:
        adherence = self.adherence
        return {
            "prompted": self.prompted,
            "done": self.done,
            "skipped": self.skipped,
            "snoozed": self.snoozed,
            "missed": self.missed,
            "adherence": None if adherence is None else round(adherence, 1),
        }


@dataclass(frozen=True)
class RoutineStats:
    id: str
    title: str | None  # None for a routine no longer in the settings
    counts: Counts

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, **self.counts.to_json()}


@dataclass(frozen=True)
class Today:
    date: date
    done: int
    prompted: int

    def to_json(self) -> dict[str, Any]:
        return {"date": self.date.isoformat(), "done": self.done, "prompted": self.prompted}


@dataclass(frozen=True)
class Streak:
    """Consecutive local days, up to today, with at least `daily_goal` done events. Today
    joins the streak once it meets the goal; until then the streak ending yesterday stands."""

    days: int
    daily_goal: int
    includes_today: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "daily_goal": self.daily_goal,
            "includes_today": self.includes_today,
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
        }


def compute(
    events: Iterable[Event],
    routines: Sequence[Routine],
    now: datetime,
    zone: ZoneInfo,
    *,
    days: int,
    daily_goal: int = 1,
) -> Stats:
    """The stats for the `days` local days ending today.

    Pass the whole history: the streak may reach further back than the window. Routines
    are listed in settings order (enabled ones, and disabled ones with events in the
    window), then routines no longer in the settings that have events in the window.
    Events dated after today (another machine's clock, say) are left out.
    """
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    if daily_goal < 1:
        raise ValueError(f"daily_goal must be at least 1, not {daily_goal}")
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    today = now.astimezone(zone).date()
    first = today - timedelta(days=days - 1)

    dated = [
        (day, event)
        for event in events
        if event.source not in IGNORED_SOURCES
        and (day := event.ts.astimezone(zone).date()) <= today
    ]
    window = [event for day, event in dated if day >= first]
    by_routine: dict[str, list[Event]] = {}
    for event in window:
        by_routine.setdefault(event.routine, []).append(event)

    known = {routine.id for routine in routines}
    rows = [
        RoutineStats(r.id, r.title, Counts.of(by_routine.get(r.id, ())))
        for r in routines
        if r.enabled or r.id in by_routine
    ]
    rows += [
        RoutineStats(rid, None, Counts.of(by_routine[rid]))
        for rid in sorted(by_routine.keys() - known)
    ]

    todays = Counts.of(event for day, event in dated if day == today)
    done_per_day = Counter(day for day, event in dated if event.kind is Kind.DONE)
    return Stats(
        generated_at=now,
        days=days,
        since=datetime.combine(first, time(0), tzinfo=zone),
        routines=tuple(rows),
        overall=Counts.of(window),
        today=Today(today, done=todays.done, prompted=todays.prompted),
        streak=streak(done_per_day, today, daily_goal),
    )


def streak(done_per_day: Counter[date], today: date, daily_goal: int) -> Streak:
    includes_today = done_per_day[today] >= daily_goal
    day = today if includes_today else today - timedelta(days=1)
    length = 0
    while done_per_day[day] >= daily_goal:
        length += 1
        day -= timedelta(days=1)
    return Streak(length, daily_goal, includes_today)
