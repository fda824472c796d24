"""Is anybody at the computer? Absences and natural breaks from idle-time samples (pure).

An idle monitor says how long ago the last input was. `Presence` is fed those samples and
keeps the current idle streak (it began at `now - idle`); a streak that began later than the
one seen before means the user came back in between, and the earlier streak, if it lasted at
least `away_after`, is reported as an `Absence` (its length is what was observed of it: a lower
bound, exact to the moment of the last sample).

When to look next (`next_check`): a streak is only of interest when it crosses a threshold
(`away_after`, or a routine's `break_after`), so while the user is active the next sample is
taken at the moment the current streak would cross the next threshold, and while the user is
away every `MIN_CHECK`, to notice the return. Either way never sooner than MIN_CHECK after the
previous sample. So a streak that lasts MIN_CHECK past a threshold is always seen past it, at
the cost of one sample per `away_after` or so, not one per second.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from postureping.routines import Routine

MIN_CHECK = timedelta(seconds=30)  # no idle check more often than this
# Idle times jitter by some milliseconds between monitors and calls: the same streak.
SAME_STREAK = timedelta(seconds=2)


@dataclass(frozen=True)
class Absence:
    start: datetime  # the last input before it
    end: datetime  # the last moment it was seen to last

    @property
    def length(self) -> timedelta:
        return self.end - self.start


class Presence:
    """Idle samples in, absences out. Not thread-safe: one caller (the reminder engine)."""

    def __init__(self, away_after: timedelta, thresholds: Iterable[timedelta] = ()) -> None:
        self.retune(away_after, thresholds)
        self._start: datetime | None = None  # the current streak's beginning
        self._seen: timedelta = timedelta(0)  # how long it had lasted at the last sample
        self._sampled: datetime | None = None

    def retune(self, away_after: timedelta, thresholds: Iterable[timedelta] = ()) -> None:
        self.away_after = away_after
        self._thresholds = sorted({away_after, *(t for t in thresholds if t > timedelta(0))})

    @property
    def away(self) -> bool:
        """Whether the user was away at the last sample."""
        return self._seen >= self.away_after

    @property
    def last_sample(self) -> datetime | None:
        return self._sampled

    @property
    def streak_start(self) -> datetime | None:
        """The last input before the idle streak of the last sample (None before any)."""
        return self._start

    def observe(self, now: datetime, idle: timedelta) -> Absence | None:
        """Take a sample; the absence that ended since the previous one, if any."""
        start = now - max(idle, timedelta(0))
        ended = None
        if self._start is not None and start > self._start + SAME_STREAK:
            if self._seen >= self.away_after:
                ended = Absence(self._start, self._start + self._seen)
            self._start = start
        elif self._start is None:
            self._start = start
        self._seen = now - self._start
        self._sampled = now
        return ended

    def forget(self, now: datetime) -> None:
        """Start afresh at `now` (after a suspend, which is accounted for separately)."""
        self._start, self._seen, self._sampled = now, timedelta(0), now

    def reset(self) -> None:
        """Know nothing, as before the first sample: the next one is worth taking at once
        (another idle monitor takes over)."""
        self._start, self._seen, self._sampled = None, timedelta(0), None

    def next_check(self, now: datetime) -> datetime:
        """When the next sample is worth taking (see the module's docstring): `now` before
        the first one, else a moment after the last sample, which may have passed already.

        It depends on what the last sample saw, not on `now`: the streak it saw crosses its
        next threshold at a fixed time, and a caller that wakes at that time must find the
        sample due then (an earlier version measured the streak up to `now`, found the
        threshold crossed already, and put the sample off again, for ever)."""
        if self._start is None or self._sampled is None:
            return now
        earliest = self._sampled + MIN_CHECK
        if self.away:
            return earliest
        upcoming = [t for t in self._thresholds if t > self._seen]
        due = self._start + upcoming[0] if upcoming else earliest
        return max(earliest, due)


def credited(routines: Iterable[Routine], absence: timedelta) -> list[Routine]:
    """The enabled routines an absence of this length counts for (their `break_after`)."""
    return [
        r for r in routines if r.enabled and r.break_after is not None and absence >= r.break_after
    ]


def break_thresholds(routines: Iterable[Routine]) -> list[timedelta]:
    return [r.break_after for r in routines if r.enabled and r.break_after is not None]
