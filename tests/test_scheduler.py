"""The apscheduler adapter with real threads: how it stops, and runs that overlap."""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from postureping.daemon.scheduler import ReminderScheduler
from postureping.hours import ActiveHours
from postureping.timescale import Timescale
from tests.routine_factory import every


def test_stop_waits_for_a_running_job_that_schedules_another() -> None:
    """A reminder schedules its answer deadline from inside its job. Stopping while such a
    job runs used to deadlock: apscheduler waited for the job while it held the lock that
    the job needed to add its own."""
    now = datetime.now(UTC)
    scheduler = ReminderScheduler(ZoneInfo("UTC"), Timescale(now), logging.getLogger("test"))
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def job() -> None:
        started.set()
        release.wait(10)
        scheduler.once("deadline", datetime.now(UTC) + timedelta(hours=1), print)
        finished.set()

    scheduler.start()
    scheduler.once("reminder", datetime.now(UTC), job)
    assert started.wait(10)
    stopper = threading.Thread(target=scheduler.stop, daemon=True)
    stopper.start()
    release.set()  # the job goes on while stop() is under way
    stopper.join(10)
    assert not stopper.is_alive(), "stop() hung"
    assert finished.is_set()


def test_a_reminder_due_while_its_last_run_is_still_running_is_not_lost() -> None:
    """The process froze (SIGSTOP, a suspend) while a routine's job was still writing its
    event; on waking, the same routine is due again at once. With one instance allowed,
    apscheduler dropped that run ("maximum number of running instances reached") and the
    catch-up reminder never came; now it waits for the first run, and runs once."""
    now = datetime.now(UTC)
    scheduler = ReminderScheduler(ZoneInfo("UTC"), Timescale.demo(now), logging.getLogger("t"))
    runs: list[float] = []
    release = threading.Event()

    def on_due(_routine_id: str) -> None:
        runs.append(time.monotonic())
        if len(runs) == 1:
            release.wait(10)  # the first run outlasts the next due time (3 s later)

    scheduler.start()
    try:
        scheduler.schedule_routines((every(3),), ActiveHours.always(), on_due)
        deadline = time.monotonic() + 10
        while not runs and time.monotonic() < deadline:
            time.sleep(0.02)
        assert runs, "the routine never ran"
        time.sleep(3.5)
        released = time.monotonic()
        release.set()
        while len(runs) < 2 and time.monotonic() < released + 2.0:
            time.sleep(0.02)
        # At once: a dropped run would come back only at the next due time, 2.5 s from here.
        assert len(runs) == 2, "the run due meanwhile was dropped"
    finally:
        scheduler.stop()
