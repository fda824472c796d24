"""The daemon's wiring, in process: a real store in tmp_path, a recording notifier, a fake clock."""

from __future__ import annotations

import errno
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from postureping.controller import Answer
from postureping.daemon.daemon import Daemon, DaemonConfig
from postureping.daemon.scheduler import RoutineTrigger
from postureping.events import Kind
from postureping.hours import ActiveHours, TimeRange
from postureping.notify.service import NotificationService
from postureping.pending_writes import PendingWrites
from postureping.reminder import Reminder
from postureping.store import EventStore
from postureping.timescale import Timescale
from tests.faulty_calls import FaultyCalls
from tests.routine_factory import at, every
from tests.test_notify import Recorder

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = ActiveHours(((TimeRange(9 * 60, 18 * 60),),) * 5 + ((), ()))


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Shown(Recorder):
    """The reminders shown, once the service has finished showing them."""

    def wait(self, service: NotificationService) -> list[Reminder]:
        assert service.flush(5)
        return self.shown


SERVICES: list[NotificationService] = []


@pytest.fixture(autouse=True)
def _close_services() -> Iterator[None]:
    """Every notification worker a test starts is stopped after it."""
    yield
    while SERVICES:
        assert SERVICES.pop().close(timeout=5)


def make_daemon(
    tmp_path: Path, clock: Clock, *, demo: bool = False
) -> tuple[Daemon, NotificationService, Shown, EventStore]:
    recorder = Shown()
    log = logging.getLogger("test-daemon")
    service = NotificationService(recorder, None, 5.0, log)
    SERVICES.append(service)
    store = EventStore(tmp_path / "events.jsonl")
    config = DaemonConfig(
        (every(30), at("12:00")), OFFICE, BERLIN, timedelta(seconds=20), demo=demo
    )
    return Daemon(config, store, service, log, clock), service, recorder, store


def test_a_due_routine_is_recorded_then_shown(tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 3, 2, 10, 0, tzinfo=BERLIN))  # Monday
    daemon, service, shown, store = make_daemon(tmp_path, clock)
    daemon.remind("walk")
    [reminder] = shown.wait(service)
    [event] = store.read().events
    assert (event.routine, event.kind, event.source) == ("walk", Kind.PROMPTED, "daemon")
    assert (reminder.title, reminder.timeout) == ("Walk", timedelta(seconds=20))


def test_outside_active_hours_nothing_fires(tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 3, 7, 10, 0, tzinfo=BERLIN))  # Saturday
    daemon, service, shown, store = make_daemon(tmp_path, clock)
    daemon.remind("walk")
    assert shown.wait(service) == []
    assert store.read().events == []


def test_demo_ignores_active_hours_and_says_so(tmp_path: Path) -> None:
    clock = Clock(datetime(2026, 3, 7, 23, 0, tzinfo=BERLIN))  # Saturday night
    daemon, service, shown, store = make_daemon(tmp_path, clock, demo=True)
    daemon.remind("walk")
    [reminder] = shown.wait(service)
    [event] = store.read().events
    assert event.source == "demo"
    assert reminder.title.startswith("[demo]") and "demo" in reminder.body


def test_trigger_in_demo_runs_sixty_times_faster() -> None:
    start = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    trigger = RoutineTrigger(every(30), ActiveHours.always(), BERLIN, Timescale.demo(start))
    first = trigger.get_next_fire_time(None, start)
    assert first == start + timedelta(seconds=30)
    assert trigger.get_next_fire_time(first, first) == start + timedelta(seconds=60)


def test_trigger_in_real_time_follows_the_schedule() -> None:
    start = datetime(2026, 3, 2, 17, 50, tzinfo=BERLIN)
    trigger = RoutineTrigger(every(30), OFFICE, BERLIN, Timescale(start))
    assert trigger.get_next_fire_time(None, start) == datetime(2026, 3, 3, 9, 30, tzinfo=BERLIN)


def test_next_reminders_lists_enabled_routines_soonest_first(tmp_path: Path) -> None:
    clock = Clock(datetime.now(BERLIN))
    daemon, _, _, _ = make_daemon(tmp_path, clock, demo=True)
    daemon.start()
    try:
        upcoming = daemon.next_reminders()
    finally:
        daemon.stop()
    assert [r.id for r, _ in upcoming] == ["walk", "stretch"]
    assert upcoming[0][1] < upcoming[1][1]


def test_a_full_disk_keeps_events_in_memory_and_writes_them_later(tmp_path: Path) -> None:
    calls = FaultyCalls()
    clock = Clock(datetime(2026, 3, 2, 10, 0, tzinfo=BERLIN))  # Monday
    daemon, service, shown, _ = make_daemon(tmp_path, clock)
    store = EventStore(tmp_path / "events.jsonl", calls)
    daemon._store = store  # the same file, through calls that can fail
    daemon._writes = PendingWrites(store)
    daemon.start()
    try:
        calls.fail_at, calls.persistent, calls.error = len(calls.calls), True, errno.ENOSPC
        daemon.remind("walk")  # shown all the same; its event waits in memory
        daemon.answer(Answer.DONE, "walk", "cli")
        assert [r.title for r in shown.wait(service)] == ["Walk"]
        assert daemon._writes.pending == 2
        assert daemon.status().done_today == 1
        calls.fail_at = None  # space again
        daemon._retry_writes()
        assert daemon._writes.pending == 0
        kinds = [(e.kind, e.source) for e in EventStore(store.path).read().events]
        assert kinds == [(Kind.PROMPTED, "daemon"), (Kind.DONE, "cli")]
    finally:
        daemon.stop()
