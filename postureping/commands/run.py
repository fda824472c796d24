"""`postureping run [--demo]`: the reminder daemon, in the foreground until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import logging
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from postureping.context import Context
from postureping.control.dispatch import dispatch
from postureping.control.instance import InstanceLock
from postureping.control.transport import make_server
from postureping.controller import Answer
from postureping.daemon.daemon import Daemon, DaemonConfig
from postureping.daemon.sleep_signal import SleepSignals
from postureping.daemon.stop_signal import StopSignal
from postureping.daemon.watcher import (
    ActivityWatcher,
    build_watcher,
    choose_sources,
    sources_differ,
)
from postureping.daemon_settings import DaemonSettings
from postureping.durations import humanize
from postureping.errors import EXIT_OK, UserError
from postureping.health import SHORT_NOTICE, render_notice
from postureping.notify.registry import choose
from postureping.notify.service import NotificationService
from postureping.pause import until_tomorrow
from postureping.presence import break_thresholds
from postureping.reminder import Reminder
from postureping.settings_child import load_settings
from postureping.store import EventStore

if TYPE_CHECKING:
    from postureping.tray.core import TrayIcon

NOTIFY_TIME_LIMIT = 10.0  # seconds a notification backend may take before we give up on it


def add_arguments(name: str, parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--demo",
        action="store_true",
        help="shorten every minute of the schedule to one second and ignore active hours, "
        "to see reminders within seconds",
    )
    parser.add_argument(
        "--no-tray",
        action="store_true",
        help="run without a tray icon (there is none anyway without a display or a tray)",
    )


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        level = "" if record.levelno < logging.WARNING else f"{record.levelname.lower()}: "
        return f"{stamp} {level}{record.getMessage()}"


def _logger(stream: TextIO) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_Formatter())
    log = logging.getLogger("postureping")
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO)
    log.propagate = False
    # apscheduler reports every job run and each misfire; our own log says what matters.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    return log


def run(args: argparse.Namespace, ctx: Context) -> int:
    stop = StopSignal()
    # First of all, so a SIGTERM during start-up still ends the daemon cleanly (exit 0).
    stop.install()
    try:
        return _run(args, ctx, stop)
    finally:
        stop.close()


def _run(args: argparse.Namespace, ctx: Context, stop: StopSignal) -> int:
    # Validated in a child process (see postureping.settings_child): an invalid settings
    # file stops us here, before anything starts.
    try:
        settings = load_settings(ctx.paths, ctx.environ, stop=stop)
    except UserError:
        if stop.is_set():  # SIGTERM or Ctrl-C while the settings were checked: a clean stop
            return EXIT_OK
        raise
    lock = InstanceLock(ctx.paths.instance_lock)
    try:
        lock.acquire()  # one daemon per user: a second one stops here with exit status 1
    except OSError as error:
        raise UserError(
            f"cannot use the runtime folder {ctx.paths.runtime_dir}: {error}"
        ) from error
    try:
        return _serve(args, ctx, settings, stop)
    finally:
        lock.release()


def _serve(
    args: argparse.Namespace, ctx: Context, settings: DaemonSettings, stop: threading.Event
) -> int:
    log = _logger(sys.stdout)
    daemon: Daemon | None = None

    def on_action(routine_id: str, answer: Answer) -> None:
        """A Done / Snooze / Skip button on a notification (the notifier's bus thread)."""
        if daemon is not None:
            daemon.answer(answer, routine_id, source="notification")

    primary, fallback = choose(settings.backend, on_action=on_action)
    notifications = NotificationService(primary, fallback, NOTIFY_TIME_LIMIT, log)

    reload_settings = _Reload(ctx, settings, log, demo=args.demo)

    daemon = Daemon(
        DaemonConfig.from_settings(settings, ctx.zone, demo=args.demo),
        EventStore(settings.store_file),
        notifications,
        log,
        ctx.now,
        pause_file=ctx.paths.daemon_state,
        reload=reload_settings,
        on_quit=stop.set,
    )
    server = make_server(
        ctx.paths,
        lambda request: dispatch(daemon, request, daemon.hours, ctx.zone),
        log,
    )
    watcher = build_watcher(settings, ctx.environ, ctx.now, log)
    daemon.gate = reload_settings.watcher = watcher
    tray = None if args.no_tray else _tray(daemon, ctx, log)
    daemon.start()
    watcher.start(daemon)
    sleep = SleepSignals(watcher.wake)
    if not sleep.start():
        log.info("resumes are noticed within a minute (%s)", sleep.problem)
    try:
        try:
            server.start()
        except OSError as error:
            raise UserError(f"cannot start the control channel {server.path}: {error}") from error
        _welcome_once(ctx, notifications, log)
        _announce(daemon, ctx, settings.config_file, log)
        if tray is None:
            log.info("running without a tray icon (--no-tray)")
        elif tray.start():
            tray.run_until(stop)  # on macOS the tray's loop needs this (the main) thread
        stop.wait()
    finally:
        log.info("stopping")
        if tray is not None:
            tray.stop()
        server.stop()
        sleep.close()
        watcher.stop()
        daemon.stop()
        notifications.close(timeout=2.0)
        if (close := getattr(primary, "close", None)) is not None:
            close(2.0)  # the freedesktop notifier's bus connection
    return EXIT_OK


class _Reload:
    """`postureping reload`: the settings validated again (in the child process), for the
    daemon's new config, the watcher's thresholds and, if they changed, its sources."""

    def __init__(
        self, ctx: Context, settings: DaemonSettings, log: logging.Logger, *, demo: bool
    ) -> None:
        self._ctx = ctx
        self._current = settings
        self._log = log
        self._demo = demo
        self.watcher: ActivityWatcher | None = None  # set once built
        self._lock = threading.Lock()  # one reload at a time

    def __call__(self) -> DaemonConfig:
        ctx = self._ctx
        with self._lock:
            fresh = load_settings(ctx.paths, ctx.environ)  # raises ConfigError: the old stay
            config = DaemonConfig.from_settings(fresh, ctx.zone, demo=self._demo)
            if (watcher := self.watcher) is not None:
                watcher.retune(fresh.away_after, break_thresholds(fresh.routines))
                if sources_differ(self._current, fresh):
                    watcher.replace_sources(*choose_sources(fresh, ctx.environ, self._log))
            self._current = fresh
            return config


def _tray(daemon: Daemon, ctx: Context, log: logging.Logger) -> TrayIcon:
    # Imported only when wanted: with --no-tray the daemon does without the tray's modules.
    from postureping.tray.choose import make_tray  # noqa: PLC0415

    return make_tray(
        daemon,
        ctx.paths.config_file,
        log,
        zone=ctx.zone,
        tomorrow=lambda now: until_tomorrow(now, daemon.hours, ctx.zone),
        environ=ctx.environ,
    )


def _welcome_once(ctx: Context, notifications: NotificationService, log: logging.Logger) -> None:
    """The "when to see a doctor" notice, on the very first run only."""
    marker = ctx.paths.welcome_marker
    if marker.exists():
        return
    print(render_notice(), end="\n\n", flush=True)
    notifications.deliver(
        Reminder("about", "Welcome to postureping", SHORT_NOTICE, timedelta(seconds=30))
    )
    try:
        marker.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        marker.touch(mode=0o600)
    except OSError as error:
        log.warning(
            "could not note that the notice was shown (%s); it shows again next time", error
        )


def _announce(daemon: Daemon, ctx: Context, config_file: Path | None, log: logging.Logger) -> None:
    upcoming = daemon.next_reminders()
    source = f"settings from {config_file}" if config_file else "default settings"
    log.info("postureping is running with %d routines (%s); Ctrl-C stops it", len(upcoming), source)
    if daemon.config.demo:
        log.info("demo mode: one minute of the schedule lasts one second; active hours are ignored")
    if not upcoming:
        log.info("no routine is due within the coming week (see `postureping routines`)")
        return
    routine, due = upcoming[0]
    log.info("next: %s in %s", routine.title, humanize(due - ctx.now()))
