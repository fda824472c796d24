"""When each routine is next due, in the engine's terms: real times in, real times out.

The pure schedule (postureping.schedule) works in schedule time; in demo mode one minute of
it lasts a real second (postureping.timescale). Everything the engine keeps is real time, so
the conversion happens here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from postureping.engine.config import EngineConfig
from postureping.routines import At, Every, Routine
from postureping.schedule import LATE_LIMIT, may_fire, next_due, windows_from
from postureping.timescale import Timescale

# Routines due this close together (in schedule time) share one notification; a reminder
# shown this much ahead of a routine's time stands for that time.
GROUP_WINDOW = timedelta(seconds=60)


@dataclass
class Track:
    """One enabled routine's timing. Its cadence counts from `anchor`: its last reminder,
    or the moment it started counting afresh (the daemon's start, a resume, a clock change).
    `due` is its next reminder; None: not within the coming week."""

    routine: Routine
    anchor: datetime
    due: datetime | None
    snoozed: bool = False  # `due` is a snooze's end (always inside active hours)


class Clockwork:
    def __init__(self, config: EngineConfig, timescale: Timescale) -> None:
        self.config = config
        self.timescale = timescale

    def later(self, moment: datetime, length: timedelta) -> datetime:
        """The real time `length` of schedule time after `moment` (shorter in demo mode)."""
        scale = self.timescale
        return scale.to_real(scale.to_schedule(moment) + length)

    def length(self, start: datetime, end: datetime) -> timedelta:
        """How much schedule time lies between two real times."""
        return self.timescale.to_schedule(end) - self.timescale.to_schedule(start)

    def track(self, routine: Routine, now: datetime) -> Track:
        """A routine counting afresh from `now`."""
        track = Track(routine, now, None)
        track.due = self.next_due(track, now)
        return track

    def next_due(self, track: Track, now: datetime) -> datetime | None:
        scale, config = self.timescale, self.config
        due = next_due(
            track.routine,
            config.hours,
            config.zone,
            scale.to_schedule(track.anchor),
            scale.to_schedule(now),
        )
        return scale.to_real(due) if due is not None else None

    def restart(self, track: Track, now: datetime) -> None:
        """Count afresh from `now`."""
        track.anchor = now
        track.due = self.next_due(track, now)
        track.snoozed = False

    def served(self, track: Track, now: datetime) -> None:
        """The routine was reminded (or counted as done) at `now`: an interval counts from
        now; a time of day moves on past every time it stood for, the ones within the group
        window included (a snoozed 11:45 reminder shown at 15:29 stands for 15:30 too)."""
        if isinstance(track.routine.cadence, Every):
            self.restart(track, now)
            return
        while track.due is not None and track.due <= self.soon(now):
            track.anchor = max(now, track.due)
            track.due = self.next_due(track, now)
        track.snoozed = False

    def soon(self, now: datetime) -> datetime:
        """The end of the window from `now` in which routines due share one notification."""
        return self.later(now, GROUP_WINDOW)

    def snooze_end(self, routine: Routine, now: datetime, length: timedelta) -> datetime | None:
        """When a snooze of `length` from `now` ends: then, if that is inside the routine's
        active hours, else the start of its next active period (a snooze never lands outside
        them). None: no active period within a week."""
        config, scale = self.config, self.timescale
        end = scale.to_schedule(now) + length
        window = next(windows_from(end, routine, config.hours, config.zone), None)
        if window is None:
            return None
        return scale.to_real(max(end, window[0]))

    def may_fire(self, track: Track, now: datetime) -> bool:
        """Whether the routine may be reminded at `now`: inside its active hours (a snooze's
        end always is, see snooze_end)."""
        config = self.config
        instant = self.timescale.to_schedule(now)
        return may_fire(track.routine, config.hours, config.zone, instant)

    def too_late(self, track: Track, now: datetime) -> bool:
        """A time-of-day reminder this late (the computer slept through it) is dropped."""
        due = track.due
        if due is None or not isinstance(track.routine.cadence, At):
            return False
        return self.length(due, now) > LATE_LIMIT

    def half_elapsed(self, track: Track, now: datetime) -> bool:
        """Whether at least half of an interval routine's interval has passed at `now`, inside
        its active hours (a time-of-day routine: never)."""
        cadence = track.routine.cadence
        if not isinstance(cadence, Every) or track.due is None:
            return False
        if not self.may_fire(track, now):
            return False
        return self.length(now, track.due) <= cadence.interval / 2
