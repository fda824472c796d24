"""The wake timer after a suspend and after the wall clock is set back (apscheduler keeps its
run times on the wall clock). Each failed before its fix."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from datetime import UTC, datetime, timedelta

import apscheduler.schedulers.base as aps_base
import apscheduler.triggers.interval as aps_interval
import pytest

from postureping.daemon.timer import PERIODIC, WakeTimer
from tests.desktop import wait_until

LOG = logging.getLogger("test-review-timer")


class _Shifted(dt.datetime):
    """`datetime` whose now() is the wall clock plus `offset` (the clock set by hand)."""

    offset = timedelta(0)

    @classmethod
    def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:  # type: ignore[override]
        return dt.datetime.now(tz) + cls.offset


def test_the_periodic_wake_keeps_coming_after_the_clock_is_set_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The daemon's docstring: the timer wakes it every minute, so that a clock change is
    seen within a minute. apscheduler schedules on the wall clock: set back an hour, the
    periodic job's next run is an hour and a period away, and nothing wakes the daemon."""
    monkeypatch.setattr(aps_base, "datetime", _Shifted)
    monkeypatch.setattr(aps_interval, "datetime", _Shifted)
    rings: list[float] = []
    timer = WakeTimer(lambda: rings.append(time.monotonic()), LOG, timedelta(seconds=0.5))
    timer.start()
    try:
        wait_until(lambda: len(rings) >= 2 or None, timeout=5, what="two periodic wake-ups")
        _Shifted.offset = -timedelta(hours=1)  # NTP or the user sets the clock back
        seen = len(rings)
        # Within five periods (without the fix, the next one was an hour and a period away).
        wait_until(lambda: len(rings) > seen or None, timeout=2.5, what="a wake-up since")
    finally:
        _Shifted.offset = timedelta(0)
        timer.stop()


def test_wake_now_after_a_suspend_rings_at_once() -> None:
    """After a suspend the periodic job's time (wall clock) has passed while apscheduler's
    wait (monotonic, stopped during the suspend) still runs: wake_now() (logind's resume
    signal) sees the periodic job 'due first' and adds nothing, so nothing wakes the
    scheduler until its monotonic wait ends (up to a period later)."""
    rung = threading.Event()
    timer = WakeTimer(rung.set, LOG, timedelta(hours=1))
    timer.start()
    try:
        # The state after a suspend: the wall clock is past the periodic run time, and the
        # scheduler's thread is still in its (monotonic) wait. Set it without waking it.
        time.sleep(0.5)  # the scheduler's thread is in its hour-long wait
        store = timer._scheduler._lookup_jobstore("default")
        job = store.lookup_job(PERIODIC)
        job.next_run_time = datetime.now(UTC) - timedelta(seconds=1)
        store.update_job(job)
        timer.wake_now()
        assert rung.wait(3), "wake_now() did not wake the daemon"
    finally:
        timer.stop()
