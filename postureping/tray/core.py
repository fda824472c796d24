"""What every tray icon does, whatever shows it: keep the view fresh and carry out menu picks.

A backend subclasses `TrayCore`, implements the TrayIcon methods and `_show(view)`, and calls
`_start_refresher()` once its icon is up and `_stop_refresher()` when it goes.

Refreshing. The thread "tray-refresh" redraws when the controller reports a change
(`subscribe`) and at `TrayView.refresh_at`, the moment a label changes by itself (once a
minute while a countdown shows, at most); it sleeps in between, and never longer than
MAX_SLEEP, since a monotonic wait oversleeps across a system suspend. `_show` runs on that
thread only, and should change only what differs from what it showed last.

Picks. `perform(action)` may run on any thread (the toolkit's, or the bus reader's): it calls
the Controller, which is thread-safe and quick, logs problems and never raises.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Protocol

from postureping.controller import Controller, Status
from postureping.errors import UserError
from postureping.tray.menu import (
    Action,
    AnswerPrompt,
    CheckInPain,
    OpenSettings,
    PauseFor,
    PauseUntilResumed,
    PauseUntilTomorrow,
    Quit,
    RemindNow,
    Resume,
    StartGuide,
    TrayView,
    build_view,
)

NAME = "postureping"
SOURCE = "tray"  # the `source` of answers given in the tray menu
STOP_TIMEOUT = 5.0
START_TIMEOUT = 10.0  # seconds a toolkit may take to come up
MAX_SLEEP = timedelta(minutes=10)
NO_TRAY = "running without a tray icon"
OPEN_FAILED = "Could not open the settings file"
OPENER_OUTPUT_LIMIT = 4096  # bytes of an opener's error output kept for the message

# A notice for the user (title, body): a menu pick that could not be carried out would
# otherwise fail where nobody looks, in the daemon's log.
Tell = Callable[[str, str], None]


class TrayUnavailable(Exception):
    """Why there is no tray icon, in words for the log; `level` WARNING when something is
    broken rather than merely absent."""

    def __init__(self, reason: str, level: int = logging.INFO) -> None:
        super().__init__(reason)
        self.level = level


class TrayIcon(Protocol):
    """A tray icon of a running daemon. `start()` once, `run_until(stop)` on the main
    thread, `stop()` once at the end (also after a failed start)."""

    def start(self) -> bool:
        """Show the icon. False, with one line in the log, when there can be no tray."""

    def run_until(self, stop: threading.Event) -> None:
        """Block until `stop` is set: call this on the main thread instead of `stop.wait()`."""

    def stop(self) -> None:
        """Remove the icon and end the threads; safe to call more than once."""


class TrayCore(ABC):
    """The refresh thread and the menu's actions, for a backend to build on."""

    backend = ""  # its name in the log: "tray icon shown (gtk)"

    def __init__(
        self,
        controller: Controller,
        settings_path: Path,
        log: logging.Logger,
        *,
        zone: tzinfo | None = None,
        tomorrow: Callable[[datetime], datetime] | None = None,
        environ: Mapping[str, str] = os.environ,
        tell: Tell | None = None,
    ) -> None:
        self._environ = environ
        self._tell = tell
        self._controller = controller
        self._settings_path = settings_path
        self._log = log
        self._zone = zone
        self._tomorrow = tomorrow or self._next_midnight
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._refresher: threading.Thread | None = None
        # A toolkit's thread, for the backends that have one (_start_toolkit).
        self._toolkit: threading.Thread | None = None
        self._ready = threading.Event()
        self._outcome: TrayUnavailable | None = None
        # What the log says follows a failed start (postureping.tray.choose tells when
        # another tray will be tried).
        self.if_unavailable = NO_TRAY
        self._init_backend()

    def _init_backend(self) -> None:  # noqa: B027 (a hook: most backends need nothing)
        """Set up the backend's own fields (called at the end of `__init__`)."""

    @abstractmethod
    def start(self) -> bool:
        """Show the icon. False, with one line in the log, when there can be no tray."""

    def run_until(self, stop: threading.Event) -> None:
        """Block until `stop` is set: call this on the main thread instead of `stop.wait()`."""
        stop.wait()

    @abstractmethod
    def stop(self) -> None:
        """Remove the icon and end the threads; safe to call more than once."""

    @abstractmethod
    def _show(self, view: TrayView) -> None:
        """Bring the icon up to date with `view` (on the refresh thread)."""

    def _log_unavailable(self, reason: TrayUnavailable) -> None:
        self._log.log(reason.level, "%s; %s", reason, self.if_unavailable)

    def _shown_now(self) -> None:
        """The icon is up: say so, and keep it fresh from now on."""
        self._log.info("tray icon shown (%s)", self.backend)
        self._start_refresher()

    def _start_toolkit(self, main: Callable[[], None]) -> None:
        """Run `main` on a thread of its own, "tray", and wait until it sets `_ready`: with
        `_outcome` left None once the icon is up, or set to why it cannot be. Raises that
        TrayUnavailable, or one when the toolkit takes over START_TIMEOUT (then `_stopping` is
        set, for `main` to end its loop should it come up after all)."""
        self._toolkit = threading.Thread(target=main, name="tray")
        self._toolkit.daemon = True  # never keeps the process alive on its own
        self._toolkit.start()
        if not self._ready.wait(START_TIMEOUT):
            self._stopping.set()
            reason = f"the tray icon did not come up within {START_TIMEOUT:g} s"
            raise TrayUnavailable(reason, logging.WARNING)
        if self._outcome is not None:
            raise self._outcome

    # -- refreshing -----------------------------------------------------------------------------

    def _view(self, status: Status) -> TrayView:
        return build_view(
            status,
            status.now,
            self._settings_path,
            self._zone,
            settings_exists=self._settings_path.is_file(),
        )

    def _start_refresher(self) -> None:
        self._controller.subscribe(self._on_status)
        self._refresher = threading.Thread(target=self._refresh_loop, name="tray-refresh")
        self._refresher.daemon = True
        self._refresher.start()

    def _stop_refresher(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._refresher is not None and self._refresher is not threading.current_thread():
            self._refresher.join(STOP_TIMEOUT)

    def _on_status(self, _status: Status) -> None:
        """The controller's listener: any thread, so only wake the refresher."""
        self._wake.set()

    def _refresh_loop(self) -> None:
        sleep: float | None = 0.0
        while not self._stopping.is_set():
            self._wake.wait(sleep)
            self._wake.clear()
            if self._stopping.is_set():
                return
            try:
                status = self._controller.status()
                view = self._view(status)
                self._show(view)
            except Exception:  # keep the icon alive; the next change tries again
                self._log.exception("could not update the tray icon")
                sleep = MAX_SLEEP.total_seconds()
                continue
            wait = MAX_SLEEP if view.refresh_at is None else view.refresh_at - status.now
            sleep = max(0.0, min(wait, MAX_SLEEP).total_seconds())

    # -- what a pick does -----------------------------------------------------------------------

    def perform(self, action: Action) -> None:
        """Carry out a menu pick; problems are logged, never raised (this runs in the toolkit
        or on the bus's reader thread)."""
        controller = self._controller
        try:
            match action:
                case AnswerPrompt(answer, routine_ids, snooze):
                    controller.answer(answer, routine_ids, SOURCE, snooze)
                case CheckInPain(pain):
                    controller.check_in(pain, SOURCE)
                case PauseFor(length):
                    controller.pause(controller.status().now + length)
                case PauseUntilTomorrow():
                    controller.pause(self._tomorrow(controller.status().now))
                case PauseUntilResumed():
                    controller.pause(None)
                case Resume():
                    controller.resume()
                case RemindNow(routine_id):
                    controller.trigger(routine_id)
                case StartGuide(routine_id):
                    controller.guide(routine_id)
                case OpenSettings(path):
                    open_file(path, self._log, self._tell)
                case Quit():
                    controller.quit()
        except UserError as error:
            self._log.warning("%s", error.message)
        except Exception:
            self._log.exception("the tray menu's %s failed", action)
        self._wake.set()

    def _next_midnight(self, now: datetime) -> datetime:
        local = now.astimezone(self._zone)
        return datetime.combine(local.date() + timedelta(days=1), time(), local.tzinfo)


def open_file(path: Path, log: logging.Logger, tell: Tell | None = None) -> None:
    """Open `path` in the user's editor for its type, without waiting for it. If the opener
    cannot start or fails (xdg-open with no application for the type), the reason goes to
    the log and, through `tell`, to the user."""
    if not path.is_file():
        log.warning("no settings file at %s; create one with `postureping config init`", path)
        return
    if sys.platform == "win32":
        try:
            os.startfile(path)  # noqa: S606
        except OSError as error:
            _open_failed(path, "the program for .toml files", str(error), log, tell)
        return
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    try:
        process = subprocess.Popen(
            [opener, os.fspath(path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            start_new_session=True,
        )  # fmt: skip
    except OSError as error:
        _open_failed(path, opener, error.strerror or str(error), log, tell)
        return

    def reap() -> None:
        assert process.stderr is not None
        with process.stderr:
            said = process.stderr.read(OPENER_OUTPUT_LIMIT)
            while process.stderr.read(OPENER_OUTPUT_LIMIT):  # the rest, unread, so it ends
                pass
        if process.wait() != 0:
            lines = [line.strip() for line in said.decode(errors="replace").splitlines()]
            reason = next((line for line in reversed(lines) if line), "")
            _open_failed(path, opener, reason or f"it exited with status {process.returncode}",
                         log, tell)  # fmt: skip

    threading.Thread(target=reap, name="tray-opener", daemon=True).start()


def _open_failed(
    path: Path, opener: str, reason: str, log: logging.Logger, tell: Tell | None
) -> None:
    log.warning("could not open %s with %s: %s", path, opener, reason)
    if tell is not None:
        tell(OPEN_FAILED, f"{path}: {reason}")
