"""The daemon's check-in, in process: a real store in tmp_path, a recording notifier and a
fake clock (see test_daemon.py). A pain level from the tray or a notification is recorded,
answers the open check-in reminder, and brings guidance (shown until dismissed) or a notice."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from postureping.checkin import DEFAULT_LEVELS, CheckIn, Levels
from postureping.daemon.daemon import Daemon
from postureping.daemon.sources import Sources
from postureping.engine.config import EngineConfig
from postureping.history.events import Event, Kind
from postureping.history.store import EventStore
from postureping.notify.service import NotificationService
from postureping.routines import Category
from tests.routine_factory import at
from tests.test_daemon import BERLIN, OFFICE, Clock, Clocks, Desk, Shown, Timer

CHECKIN = replace(
    at("10:00", rid="checkin"),
    title="How is your back today?",
    category=Category.CHECKIN,
)
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)


class Rig:
    def __init__(self, tmp_path: Path, levels: Levels = DEFAULT_LEVELS) -> None:
        self.clock = Clock(MONDAY)
        self.shown = Shown()
        self.log = logging.getLogger("test-daemon-checkin")
        self.service = NotificationService(self.shown, None, 5.0, self.log)
        self.store = EventStore(tmp_path / "events.jsonl")
        desk = Desk()
        self.daemon = Daemon(
            EngineConfig((CHECKIN,), OFFICE, BERLIN, idle_monitor="test"),
            store=self.store,
            notifications=self.service,
            sources=Sources(desk, [desk], self.log),
            log=self.log,
            clock=self.clock,
            timer=Timer(),
            readings=Clocks(MONDAY),
            checkin=levels,
        )

    def at(self, when: datetime) -> None:
        self.clock.now = when
        self.daemon.wake()

    def events(self) -> list[tuple[Kind, str]]:
        return [(e.kind, e.source) for e in self.store.read().events]


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    made = Rig(tmp_path)
    made.daemon.start()
    yield made
    made.daemon.stop()
    assert made.service.close(timeout=5)


def test_the_checkin_reminder_asks_for_a_pain_level(rig: Rig) -> None:
    rig.at(MONDAY.replace(hour=10))
    [reminder] = rig.shown.wait(rig.service)
    assert reminder.pain_scale and reminder.title == "How is your back today?"


def test_a_pain_level_from_the_tray_answers_the_open_checkin(rig: Rig) -> None:
    rig.at(MONDAY.replace(hour=10))
    rig.clock.now += timedelta(minutes=1)
    assert rig.daemon.check_in(2, "tray") == "Recorded: check-in, pain 2/10."
    assert rig.events() == [
        (Kind.PROMPTED, "daemon"),
        (Kind.CHECKIN, "tray"),
        (Kind.DONE, "tray"),
    ]
    assert rig.daemon.status().awaiting is None
    assert len(rig.shown.wait(rig.service)) == 1  # the reminder only: no guidance, no notice


def test_without_an_open_reminder_a_checkin_is_recorded_alone(rig: Rig) -> None:
    rig.daemon.check_in(1, "tray")
    assert rig.events() == [(Kind.CHECKIN, "tray")]


def test_above_the_level_a_notice_says_how_to_answer_the_questions(rig: Rig) -> None:
    rig.daemon.check_in(5, "tray")
    [notice] = rig.shown.wait(rig.service)
    assert notice.quiet and not notice.sticky
    assert "postureping checkin 5" in notice.body


def test_lasting_pain_brings_guidance_that_stays(rig: Rig) -> None:
    rig.store.append_many([
        Event.new("checkin", Kind.CHECKIN, "cli", MONDAY - timedelta(weeks=w), detail=CheckIn(6))
        for w in (4, 3, 2, 1)
    ])  # fmt: skip
    rig.daemon.check_in(7, "tray")
    [guidance] = rig.shown.wait(rig.service)
    assert guidance.sticky and guidance.quiet  # no answer buttons, stays until dismissed
    assert guidance.title == "Back pain: please see your doctor"
    assert "goes on for more than a few weeks" in guidance.body
    assert "not medical advice" in guidance.body
    shown = rig.store.read().events[-1]
    assert shown.kind is Kind.GUIDANCE and shown.source == "tray"


def test_the_users_levels_are_used(tmp_path: Path) -> None:
    rig = Rig(tmp_path, Levels(ask_above=8, lasting_above=7))
    rig.daemon.start()
    try:
        rig.store.append_many([
            Event.new("checkin", Kind.CHECKIN, "cli", MONDAY - timedelta(weeks=w),
                      detail=CheckIn(6))
            for w in (4, 3, 2, 1)
        ])  # fmt: skip
        rig.daemon.check_in(7, "tray")  # 7 is neither above 8 (ask) nor above 7 (lasting)
        assert rig.shown.wait(rig.service) == []
    finally:
        rig.daemon.stop()
        assert rig.service.close(timeout=5)
