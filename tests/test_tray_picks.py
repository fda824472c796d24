"""What a tray menu pick does, without a display: each Action becomes a Controller call, and
a refused or failing call is logged, never raised into the toolkit."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from postureping.controller import Answer, Status
from postureping.errors import UserError
from postureping.tray.menu import (
    AnswerPrompt,
    CheckInPain,
    OpenSettings,
    PauseFor,
    PauseUntilResumed,
    PauseUntilTomorrow,
    Quit,
    RemindNow,
    Resume,
)
from postureping.tray.pystray_tray import Tray
from tests.tray_driver import FakeController


class Records(logging.Handler):
    """A logger's records, kept for the test."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []
        self.log = logging.getLogger("tray-test")

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    @property
    def lines(self) -> list[tuple[str, str]]:
        return [(r.levelname, r.getMessage().splitlines()[0]) for r in self.records]


@pytest.fixture
def records(request: pytest.FixtureRequest) -> Iterator[Records]:
    handler = Records()
    handler.log = logging.getLogger(f"tray-test.{request.node.name}")
    handler.log.addHandler(handler)
    handler.log.propagate = False
    handler.log.setLevel(logging.INFO)
    yield handler
    handler.log.removeHandler(handler)


def tray_for(controller: FakeController, tmp_path: Path, records: Records) -> Tray:
    tomorrow = datetime(2030, 1, 2, 9, 0, tzinfo=UTC)
    return Tray(controller, tmp_path / "config.toml", records.log, tomorrow=lambda _now: tomorrow)


def calls(tmp_path: Path) -> list[str]:
    return (tmp_path / "calls.txt").read_text().splitlines()


def test_picks_call_the_controller(tmp_path: Path, records: Records) -> None:
    tray = tray_for(FakeController(tmp_path / "calls.txt"), tmp_path, records)
    for action in (
        AnswerPrompt(Answer.DONE, ("walk",)),
        AnswerPrompt(Answer.SNOOZE, ("walk",), timedelta(minutes=10)),
        AnswerPrompt(Answer.SKIP, ("walk",)),
        PauseUntilTomorrow(),
        PauseUntilResumed(),
        Resume(),
        RemindNow("stretch"),
        CheckInPain(7),
        Quit(),
    ):
        tray.perform(action)
    assert calls(tmp_path) == [
        "answer done walk tray None",
        "answer snooze walk tray 0:10:00",
        "answer skip walk tray None",
        "pause 2030-01-02T09:00:00+00:00",
        "pause indefinitely",
        "resume",
        "trigger stretch",
        "checkin 7 tray",
        "quit",
    ]
    assert records.lines == []


def test_a_timed_pause_counts_from_the_daemons_now(tmp_path: Path, records: Records) -> None:
    tray = tray_for(FakeController(tmp_path / "calls.txt"), tmp_path, records)
    before = datetime.now(UTC)
    tray.perform(PauseFor(timedelta(hours=2)))
    until = datetime.fromisoformat(calls(tmp_path)[0].removeprefix("pause "))
    assert before + timedelta(hours=2) <= until <= datetime.now(UTC) + timedelta(hours=2)


class Refusing(FakeController):
    def trigger(self, routine_id: str) -> None:
        raise UserError(f"unknown routine {routine_id!r}")

    def resume(self) -> Status:
        raise RuntimeError("a bug")


def test_a_refused_pick_is_logged_not_raised(tmp_path: Path, records: Records) -> None:
    tray = tray_for(Refusing(tmp_path / "calls.txt"), tmp_path, records)
    tray.perform(RemindNow("nope"))
    tray.perform(Resume())
    assert records.lines == [
        ("WARNING", "unknown routine 'nope'"),
        ("ERROR", "the tray menu's Resume() failed"),
    ]


def test_opening_a_missing_settings_file_says_how_to_create_it(
    tmp_path: Path, records: Records
) -> None:
    tray = tray_for(FakeController(tmp_path / "calls.txt"), tmp_path, records)
    tray.perform(OpenSettings(tmp_path / "config.toml"))
    assert records.lines == [
        ("WARNING", f"no settings file at {tmp_path / 'config.toml'}; "
                    "create one with `postureping config init`"),
    ]  # fmt: skip


def test_an_opener_that_fails_is_shown_with_its_reason(
    tmp_path: Path, records: Records, monkeypatch: pytest.MonkeyPatch
) -> None:
    """xdg-open with no editor for the file type exits non-zero, with its reason on stderr:
    the user is told that, in a notice and in the log, rather than nothing happening."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    opener = bin_dir / "xdg-open"
    opener.write_text(
        "#!/bin/sh\necho 'xdg-open: no method available for opening' \"$1\" >&2\nexit 3\n"
    )
    opener.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    settings = tmp_path / "config.toml"
    settings.write_text("")
    told: list[tuple[str, str]] = []
    said = threading.Event()

    def tell(title: str, body: str) -> None:
        told.append((title, body))
        said.set()

    tray = Tray(FakeController(tmp_path / "calls.txt"), settings, records.log, tell=tell)
    tray.perform(OpenSettings(settings))
    assert said.wait(10), "no notice that the settings file could not be opened"
    reason = f"xdg-open: no method available for opening {settings}"
    assert told == [("Could not open the settings file", f"{settings}: {reason}")]
    assert records.lines == [("WARNING", f"could not open {settings} with xdg-open: {reason}")]


def test_start_without_a_display_returns_false(tmp_path: Path, records: Records) -> None:
    fake = FakeController(tmp_path / "calls.txt")
    tray = Tray(fake, tmp_path / "config.toml", records.log, environ={})
    assert tray.start() is False
    assert records.lines == [("INFO", "no display; running without a tray icon")]
    tray.stop()  # harmless after a failed start
