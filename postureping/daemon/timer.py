"""The engine's alarm clock, on apscheduler 3: one job, "wake", at the engine's next wake-up.

apscheduler sleeps until the job is due (no polling) and runs it on its worker thread; the
daemon re-arms it after every event. Its wait runs on the monotonic clock, which stops during
a system suspend, so after a resume it could oversleep: `wake_now()` (logind's resume signal)
and the daemon's one-minute cap on every wait keep that short.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Protocol

from apscheduler.executors.pool import BasePoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

JOB = "wake"


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


class WakeTimer:
    """Calls `on_wake()` at the time last given to `arm`, on its one worker thread, one call
    at a time. Thread-safe."""

    def __init__(self, on_wake: Callable[[], None], log: logging.Logger) -> None:
        self._on_wake = on_wake
        self._log = log
        self._workers = ThreadPoolExecutor(max_workers=1, thread_name_prefix="postureping-wake")
        self._scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": _PoolExecutor(self._workers)},
            # Two instances: a wake that comes due while the last one is still running (it
            # was frozen mid-write by a suspend) waits for it instead of being dropped;
            # coalescing makes the wakes missed meanwhile one.
            job_defaults={"coalesce": True, "max_instances": 2, "misfire_grace_time": None},
        )
        self.armed: datetime | None = None
        self._stopping = False

    def start(self) -> None:
        self._scheduler.start()

    def stop(self) -> None:
        """Stop, after the wake that is running, if one is, has finished."""
        self._stopping = True
        if self._scheduler.running:
            # First the job, under apscheduler's lock: a shutdown while its loop is taking a
            # due job made the loop fail to remove it ("No job by the id of wake").
            self._scheduler.remove_all_jobs()
            # Not shutdown(wait=True): apscheduler waits for the running job while it holds
            # the lock the job needs to re-arm the timer, and the daemon hung on SIGTERM.
            # The pool is waited for outside it.
            self._scheduler.shutdown(wait=False)
        # A wake queued meanwhile is dropped: the daemon is going away.
        self._workers.shutdown(wait=True, cancel_futures=True)

    def arm(self, when: datetime) -> None:
        """Wake at `when` (now, if it has passed), instead of the time armed before."""
        if when == self.armed or self._stopping or not self._scheduler.running:
            return
        self.armed = when
        self._scheduler.add_job(self._fire, "date", run_date=when, id=JOB, replace_existing=True)

    def _fire(self) -> None:
        self.armed = None  # the job is gone: the next `arm` adds one, whatever its time
        self._on_wake()

    def wake_now(self) -> None:
        """Wake at once (the machine just resumed, say)."""
        self.armed = None
        self.arm(datetime.now(UTC))
