"""The engine's alarm clock on apscheduler, with real threads: when it rings, how it stops."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta

from postureping.daemon.timer import WakeTimer
from tests.desktop import wait_until

LOG = logging.getLogger("test-timer")
HOUR = timedelta(hours=1)


def test_it_rings_at_the_time_last_armed() -> None:
    rings: list[float] = []
    timer = WakeTimer(lambda: rings.append(time.monotonic()), LOG, HOUR)
    timer.start()
    try:
        armed = time.monotonic()
        timer.arm(datetime.now(UTC) + timedelta(hours=1))
        timer.arm(datetime.now(UTC) + timedelta(seconds=0.3))  # replaces the hour
        wait_until(lambda: rings, timeout=5, what="the timer")
        assert rings[0] - armed >= 0.25
        time.sleep(0.5)
        assert len(rings) == 1
    finally:
        timer.stop()


def test_stop_waits_for_a_wake_that_arms_the_timer_again() -> None:
    """A wake arms the next one from inside its job. Stopping while such a job runs used to
    deadlock: apscheduler waited for the job while it held the lock the job needed."""
    started, release, finished = threading.Event(), threading.Event(), threading.Event()
    timer: WakeTimer

    def wake() -> None:
        started.set()
        release.wait(10)
        timer.arm(datetime.now(UTC) + timedelta(hours=1))
        finished.set()

    timer = WakeTimer(wake, LOG, HOUR)
    timer.start()
    timer.arm(datetime.now(UTC))
    assert started.wait(10)
    stopper = threading.Thread(target=timer.stop, daemon=True)
    stopper.start()
    release.set()  # the job goes on while stop() is under way
    stopper.join(10)
    assert not stopper.is_alive(), "stop() hung"
    assert finished.is_set()


def test_a_wake_due_while_the_last_one_still_runs_is_not_lost() -> None:
    """The process froze (SIGSTOP, a suspend) while a wake was still writing an event; the
    next wake is due at once. apscheduler drops a run while one is going, unless two may."""
    runs: list[float] = []
    release = threading.Event()
    timer: WakeTimer

    def wake() -> None:
        runs.append(time.monotonic())
        if len(runs) == 1:
            timer.arm(datetime.now(UTC))  # due again while this one still runs
            release.wait(10)

    timer = WakeTimer(wake, LOG, HOUR)
    timer.start()
    try:
        timer.arm(datetime.now(UTC))
        wait_until(lambda: runs, timeout=5, what="the first wake")
        time.sleep(0.3)
        release.set()
        wait_until(lambda: len(runs) == 2 or None, timeout=5, what="the second wake")
    finally:
        timer.stop()


def test_wake_now_rings_at_once() -> None:
    rung = threading.Event()
    timer = WakeTimer(rung.set, LOG, HOUR)
    timer.start()
    try:
        timer.arm(datetime.now(UTC) + timedelta(hours=1))
        timer.wake_now()
        assert rung.wait(5)
    finally:
        timer.stop()


def test_it_rings_every_period_and_arms_nothing_the_period_covers() -> None:
    rings: list[float] = []
    timer = WakeTimer(lambda: rings.append(time.monotonic()), LOG, timedelta(seconds=0.4))
    timer.start()
    try:
        timer.arm(datetime.now(UTC) + timedelta(hours=1))  # the periodic wake-up comes first
        assert timer.armed is None
        wait_until(lambda: len(rings) >= 3 or None, timeout=5, what="three periodic wake-ups")
    finally:
        timer.stop()
