"""The engine's alarm clock, on apscheduler 3: a wake-up every `period` (the daemon's check of
the clocks, a minute), and one more at the engine's next wake-up when that comes sooner.

apscheduler sleeps until a job is due (no polling) and runs it on its worker thread. The
periodic job is set once; the one-off job is added only when the engine needs to wake before
the next periodic one, so an idle daemon wakes once a period and re-arms nothing (each re-arm
wakes apscheduler's own thread as well). A one-off job that is no longer needed stays: it
only makes a wake-up that finds nothing to do.

apscheduler keeps its run times on the wall clock and waits on the monotonic one. Two things
follow, both handled by `_Scheduler`: its wait stops during a system suspend, so after a
resume it could oversleep (`wake_now()`, logind's resume signal, and a wait never longer than
the period keep that short); and a wall clock set back an hour would put the periodic job an
hour and a period away (so the wall clock is compared with the boot-time clock at every turn
of its loop, and the jobs move back with it).
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Protocol

from apscheduler.executors.pool import BasePoolExecutor
from apscheduler.schedulers import base as apscheduler_base
from apscheduler.schedulers.background import BackgroundScheduler

PERIODIC = "clocks"
ONE_OFF = "wake"
SHIFT_TOLERANCE = 1.0  # seconds of difference between the clocks that are only noise


class Timer(Protocol):
    """What the daemon needs of its alarm clock."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def arm(self, when: datetime) -> None: ...

    def wake_now(self) -> None: ...


class _PoolExecutor(BasePoolExecutor):  # type: ignore[misc]
    """apscheduler's thread pool executor, on a pool of ours (see WakeTimer.stop)."""

    def __init__(self, pool: ThreadPoolExecutor) -> None:
        super().__init__(pool)


def _steady() -> float:
    """A clock that runs on through a suspend and is never set: boot time where there is one."""
    if sys.platform == "linux":
        return time.clock_gettime(time.CLOCK_BOOTTIME)
    return time.monotonic()


def _wall() -> float:
    """The wall clock as apscheduler reads it."""
    return float(apscheduler_base.datetime.now(UTC).timestamp())


class _Scheduler(BackgroundScheduler):  # type: ignore[misc]
    """apscheduler's background scheduler, for a process that runs for days: it never waits
    longer than `longest` seconds, and when the wall clock was set it moves its jobs along, so
    that each keeps its distance in real time."""

    def __init__(self, longest: float, **options: object) -> None:
        super().__init__(**options)
        self._longest = longest
        self._readings = (_wall(), _steady())

    def _process_jobs(self) -> float:
        wall, steady = _wall(), _steady()
        shift = (wall - self._readings[0]) - (steady - self._readings[1])
        self._readings = (wall, steady)
        # Set back only: a clock set forward makes the jobs overdue, so they run at once,
        # which is as it should be; and where the steady clock stops during a suspend (no
        # boot-time clock), a suspend looks like a clock set forward.
        if shift <= -SHIFT_TOLERANCE:
            for job in self.get_jobs():
                if job.next_run_time is not None:
                    job.modify(next_run_time=job.next_run_time + timedelta(seconds=shift))
        wait: float | None = super()._process_jobs()
        return self._longest if wait is None else min(wait, self._longest)


class WakeTimer:
    """Calls `on_wake()` every `period` and at the time last given to `arm`, on its one
    worker thread, one call at a time. Thread-safe."""

    def __init__(self, on_wake: Callable[[], None], log: logging.Logger, period: timedelta) -> None:
        self._on_wake = on_wake
        self._log = log
        self._period = period
        self._workers = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postureping-wake")
        self._scheduler = _Scheduler(
            period.total_seconds(),
            timezone=UTC,
            executors={"default": _PoolExecutor(self._workers)},
            # Two instances: a wake that comes due while the last one is still running (it
            # was frozen mid-write by a suspend) waits for it instead of being dropped;
            # coalescing makes the wakes missed meanwhile one.
            job_defaults={"coalesce": True, "max_instances": 2, "misfire_grace_time": None},
        )
        self.armed: datetime | None = None  # the one-off job's time, while it waits
        self._stopping = False

    def start(self) -> None:
        self._scheduler.start()
        self._scheduler.add_job(
            self._on_wake, "interval", seconds=self._period.total_seconds(), id=PERIODIC
        )

    def stop(self) -> None:
        """Stop, after the wake that is running, if one is, has finished."""
        self._stopping = True
        if self._scheduler.running:
            # First the jobs, under apscheduler's lock: a shutdown while its loop is taking a
            # due job made the loop fail to remove it ("No job by the id of wake").
            self._scheduler.remove_all_jobs()
            # Not shutdown(wait=True): apscheduler waits for the running job while it holds
            # the lock the job needs to re-arm the timer, and the daemon hung on SIGTERM.
            # The pool is waited for outside it.
            self._scheduler.shutdown(wait=False)
        # A wake queued meanwhile is dropped: the daemon is going away.
        self._workers.shutdown(wait=True, cancel_futures=True)

    def arm(self, when: datetime) -> None:
        """Wake at `when` too (now, if it has passed), unless the periodic wake-up comes first
        or a one-off one is already set for then."""
        if when == self.armed or self._stopping or not self._scheduler.running:
            return
        periodic = self._scheduler.get_job(PERIODIC)
        if periodic is not None and periodic.next_run_time <= when:
            return
        self.armed = when
        self._scheduler.add_job(
            self._fire, "date", run_date=when, id=ONE_OFF, replace_existing=True
        )

    def _fire(self) -> None:
        self.armed = None  # the job is gone: the next `arm` adds one, whatever its time
        self._on_wake()

    def wake_now(self) -> None:
        """Wake at once (the machine just resumed, say), whatever is armed: after a resume the
        periodic job is overdue, but apscheduler's thread may still be in a wait that the
        suspend stopped; adding a job wakes it."""
        if self._stopping or not self._scheduler.running:
            return
        self.armed = now = datetime.now(UTC)
        self._scheduler.add_job(self._fire, "date", run_date=now, id=ONE_OFF, replace_existing=True)
