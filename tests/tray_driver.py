"""Run the tray icon against a FakeController until SIGTERM or SIGINT.

    python -m tests.tray_driver CALLS_FILE SETTINGS_FILE

The tray desktop tests start this in a subprocess with the session's environment (pystray and
GTK read DISPLAY and the bus address from the process); the tray is chosen as the daemon
chooses it (postureping.tray.choose). It prints "started" or "not started",
then "stopped" when a signal ends it (exit status 0, as the daemon); every Controller call is
appended to CALLS_FILE as one line ("pause 2026-03-14T14:30:00+00:00"), and the tray's log goes
to stderr.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

from postureping.controller import Answer, Prompt, Status, Upcoming
from postureping.tray.choose import make_tray

ROUTINES = (
    ("walk", "Stand up and walk around"),
    ("stretch", "Time for a gentle stretch"),
    ("switch-position", "Switch your sitting position"),
)


class FakeController:
    """The Controller protocol with canned state: records each call, then behaves like the
    daemon would (a pause shows as paused, an answer clears the prompt) and tells listeners."""

    def __init__(self, calls: Path, on_quit: Callable[[], None] = lambda: None) -> None:
        self._calls = calls
        self._on_quit = on_quit
        self._lock = threading.Lock()
        self._listeners: list[Callable[[Status], None]] = []
        self._paused = False
        self._until: datetime | None = None
        self._awaiting: Prompt | None = Prompt("walk", ROUTINES[0][1], datetime.now(UTC))

    def _record(self, line: str) -> None:
        with self._lock, self._calls.open("a", encoding="utf-8") as file:
            file.write(line + "\n")

    def _changed(self) -> None:
        status = self.status()
        for listener in list(self._listeners):
            listener(status)

    def status(self) -> Status:
        now = datetime.now(UTC)
        # Due 12.5 minutes ahead at every call: the label stays "in 13 min" for the test.
        upcoming = (Upcoming("stretch", ROUTINES[1][1], now + timedelta(minutes=12.5)),)
        return Status(
            now=now,
            paused=self._paused,
            paused_until=self._until,
            upcoming=() if self._paused else upcoming,
            awaiting=self._awaiting,
            done_today=5,
            prompted_today=8,
            routines=ROUTINES,
        )

    def pause(self, until: datetime | None) -> Status:
        self._record(f"pause {until.isoformat() if until else 'indefinitely'}")
        self._paused, self._until = True, until
        self._changed()
        return self.status()

    def resume(self) -> Status:
        self._record("resume")
        self._paused, self._until = False, None
        self._changed()
        return self.status()

    def answer(
        self,
        answer: Answer,
        routines: tuple[str, ...] | None,
        source: str,
        snooze: timedelta | None = None,
    ) -> str:
        named = " ".join(routines) if routines else None
        self._record(f"answer {answer} {named} {source} {snooze}")
        self._awaiting = None
        self._changed()
        return "ok"

    def trigger(self, routine_id: str) -> None:
        self._record(f"trigger {routine_id}")

    def guide(self, routine_id: str) -> None:
        self._record(f"guide {routine_id}")

    def check_in(self, pain: int, source: str) -> str:
        self._record(f"checkin {pain} {source}")
        return f"Recorded: check-in, pain {pain}/10."

    def reload(self) -> str:
        self._record("reload")
        return "reloaded"

    def quit(self) -> None:
        self._record("quit")
        self._on_quit()

    def subscribe(self, listener: Callable[[Status], None]) -> None:
        self._listeners.append(listener)


def main(argv: list[str]) -> int:
    calls, settings = Path(argv[1]), Path(argv[2])
    logging.basicConfig(stream=sys.stderr, format="%(levelname)s %(message)s")
    log = logging.getLogger("postureping.tray-driver")
    log.setLevel(logging.INFO)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    tray = make_tray(FakeController(calls, stop.set), settings, log, zone=UTC)
    started = tray.start()
    print("started" if started else "not started", flush=True)
    try:
        if started:
            tray.run_until(stop)
    finally:
        tray.stop()
    print("stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
