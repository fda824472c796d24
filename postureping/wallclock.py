"""Did the computer sleep, or did the clock jump? Told from three clocks (pure).

Between two readings, the wall clock, the boot-time clock (which runs on during a suspend) and
the monotonic clock (which on Linux stops during a suspend) all advance alike, unless:
- the machine was suspended: boot time ran ahead of monotonic time by the suspend's length;
- the wall clock was set (by hand, NTP, a time zone change of the system clock): the wall clock
  moved differently from boot time, forward or back.
Where the platform has no boot-time clock (macOS, Windows), `boottime` is None; a wall-clock
gap forward is then reported as a sleep, which is what it most often is, and one back as a
clock change.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

TOLERANCE = timedelta(seconds=30)  # smaller differences are scheduling noise


@dataclass(frozen=True)
class Reading:
    wall: datetime
    monotonic: float
    boottime: float | None  # None: no such clock here

    @classmethod
    def now(cls, wall: datetime) -> Reading:
        if sys.platform == "win32" or not hasattr(time, "CLOCK_BOOTTIME"):
            return cls(wall, time.monotonic(), None)
        return cls(wall, time.monotonic(), time.clock_gettime(time.CLOCK_BOOTTIME))


@dataclass(frozen=True)
class Gap:
    slept: timedelta  # how long the machine was suspended
    shift: timedelta  # how far the wall clock was set, forward (> 0) or back (< 0)
    start: datetime  # the wall-clock time of the earlier reading


def gap(before: Reading, after: Reading) -> Gap | None:
    """What happened between two readings; None when nothing did."""
    wall = after.wall - before.wall
    mono = timedelta(seconds=after.monotonic - before.monotonic)
    if before.boottime is None or after.boottime is None:
        # No boot-time clock: a wall-clock gap forward is taken for a sleep.
        slept, shift = wall - mono, timedelta(0)
        if slept < timedelta(0):
            slept, shift = timedelta(0), wall - mono
    else:
        boot = timedelta(seconds=after.boottime - before.boottime)
        slept, shift = boot - mono, wall - boot
    if slept < TOLERANCE:
        slept = timedelta(0)
    if abs(shift) < TOLERANCE:
        shift = timedelta(0)
    if not slept and not shift:
        return None
    return Gap(slept, shift, before.wall)
