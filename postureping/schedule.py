"""When is a routine due? Pure decisions on aware datetimes, with `now` passed in.

Semantics, for every routine:
- Reminders fire only inside active windows: the active hours of the routine's weekdays.
- An interval routine is due `interval` after its previous reminder. Entering a window (the
  start of the day's active hours, or the daemon's start) restarts the interval, so nobody
  is prompted the minute they sit down.
- A fixed-time routine is due at each of its times of day that falls inside a window. A
  DST change never makes it fire twice or skip a day: each local date gives each time once.
- Catch-up after a freeze or a sleep: an interval routine more than one interval late fires
  once, now, and counts on from there (the adapter coalesces the runs it missed). How late
  a fixed-time reminder may still be shown is the adapter's `late_limit`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from postureping.durations import format_duration
from postureping.hours import ActiveHours, localize
from postureping.routines import At, Every, Routine

SEARCH_DAYS = 8  # a week and a day: far enough to find any weekday's window


def windows_from(
    start: datetime, routine: Routine, hours: ActiveHours, zone: ZoneInfo
) -> Iterator[tuple[datetime, datetime]]:
    """The routine's active windows that end after `start`, in order, for SEARCH_DAYS days.
    Windows that touch (18:00-24:00 then 00:00-09:00) are joined into one."""
    first_day = start.astimezone(zone).date() - timedelta(days=1)
    pending: tuple[datetime, datetime] | None = None
    for offset in range(SEARCH_DAYS + 1):
        for begin, end in hours.windows_on(first_day + timedelta(days=offset), zone, routine.days):
            if pending is not None and pending[1] == begin:
                pending = (pending[0], end)
                continue
            if pending is not None and pending[1] > start:
                yield pending
            pending = (begin, end)
    if pending is not None and pending[1] > start:
        yield pending


def next_due(
    routine: Routine,
    hours: ActiveHours,
    zone: ZoneInfo,
    previous: datetime | None,
    now: datetime,
) -> datetime | None:
    """The next time `routine` is due after its `previous` reminder (None: not yet reminded
    since the daemon started), seen at `now`. None: never within the coming week.
    The result is in UTC; all arithmetic here is, so that a DST change cannot bend it."""
    now = now.astimezone(UTC)
    previous = previous.astimezone(UTC) if previous is not None else None
    if isinstance(routine.cadence, Every):
        return _next_interval(routine, hours, zone, routine.cadence, previous=previous, now=now)
    return _next_time_of_day(routine, hours, zone, routine.cadence, previous=previous, now=now)


def _next_interval(
    routine: Routine,
    hours: ActiveHours,
    zone: ZoneInfo,
    cadence: Every,
    *,
    previous: datetime | None,
    now: datetime,
) -> datetime | None:
    every = cadence.interval
    if previous is None:
        candidate = now + every
    else:
        candidate = previous + every
        if now - candidate >= every:
            # Frozen or asleep through more than a whole interval: one reminder now, and
            # the interval counts from it; but if active hours began since, they restart
            # it as usual, so nobody is prompted the minute they sit down.
            candidate = now
            current = next(windows_from(now, routine, hours, zone), None)
            if current is not None and previous < current[0] <= now:
                candidate = max(now, current[0] + every)
    for begin, end in windows_from(candidate, routine, hours, zone):
        if begin <= candidate:
            return candidate  # inside this window (it ends after `candidate`)
        # Outside active hours: the interval restarts when the next window opens.
        restarted = begin + every
        if restarted < end:
            return restarted
    return None


def _next_time_of_day(
    routine: Routine,
    hours: ActiveHours,
    zone: ZoneInfo,
    cadence: At,
    *,
    previous: datetime | None,
    now: datetime,
) -> datetime | None:
    after = previous if previous is not None else now
    windows = list(windows_from(after, routine, hours, zone))
    first_day = after.astimezone(zone).date() - timedelta(days=1)
    for offset in range(SEARCH_DAYS + 1):
        day = first_day + timedelta(days=offset)
        for moment in cadence.times:
            candidate = localize(day, moment.hour * 60 + moment.minute, zone)
            if candidate > after and any(b <= candidate < e for b, e in windows):
                return candidate
    return None


def upcoming(
    routine: Routine, hours: ActiveHours, zone: ZoneInfo, now: datetime
) -> datetime | None:
    """When a routine is next due if the daemon started `now` (for `postureping routines`)."""
    return next_due(routine, hours, zone, None, now) if routine.enabled else None


LATE_LIMIT = timedelta(hours=1)
"""A fixed-time reminder later than this (the machine slept through it) is dropped, not shown
stale; interval reminders catch up once instead (see next_due)."""


def may_fire(routine: Routine, hours: ActiveHours, zone: ZoneInfo, instant: datetime) -> bool:
    """Whether `instant` lies inside one of the routine's active windows."""
    moment = instant.astimezone(UTC)
    first = next(windows_from(moment, routine, hours, zone), None)
    return first is not None and first[0] <= moment


SHORT_INTERVAL = timedelta(minutes=5)
"""An interval shorter than this is allowed (a test, a demo of one's own) but warned about."""


def schedule_warnings(routines: tuple[Routine, ...], hours: ActiveHours) -> list[str]:
    """Settings that are valid but probably not what the user meant: reminders that can
    never fire because of the active hours, or that come every few seconds."""
    warnings = []
    for routine in routines:
        if not routine.enabled:
            continue
        cadence = routine.cadence
        if isinstance(cadence, Every) and cadence.interval < SHORT_INTERVAL:
            warnings.append(
                f"routine {routine.id!r} comes every {format_duration(cadence.interval)}, "
                "an interval under 5 minutes: is that what you meant? (a duration like 45m)"
            )
        ranges = [r for day in sorted(routine.days) for r in hours.days[day]]
        if not ranges:
            warnings.append(
                f"routine {routine.id!r} never fires: none of its days has active hours"
            )
            continue
        if isinstance(cadence, At):
            for moment in cadence.times:
                minute = moment.hour * 60 + moment.minute
                if not any(r.start <= minute < r.end for r in ranges):
                    warnings.append(
                        f"routine {routine.id!r} at {moment:%H:%M} never fires: "
                        "that time is outside the active hours of its days"
                    )
        elif max(r.end - r.start for r in ranges) * 60 <= cadence.interval.total_seconds():
            warnings.append(
                f"routine {routine.id!r} never fires: its interval is longer than any of "
                "its days' active hours"
            )
    return warnings
