"""`postureping run` put together: the daemon with its notifiers, desktop sources, timer, tray,
control channel and signals, from start to stop; and what `reload` changes.

commands/run.py validates the settings and takes the one-daemon-per-user lock, then calls
`serve`, which returns when SIGTERM, SIGINT or `postureping quit` sets `stop`.
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from postureping.atomic_file import private_folder, replace_bytes
from postureping.context import Context
from postureping.control.dispatch import dispatch
from postureping.control.transport import make_server
from postureping.daemon.controller import Answer, PainPicked
from postureping.daemon.daemon import Daemon
from postureping.daemon.lock_signal import LockSignals
from postureping.daemon.pause import until_tomorrow
from postureping.daemon.settings import DaemonSettings
from postureping.daemon.sleep_signal import SleepSignals
from postureping.daemon.sources import Sources, choose_sources, sources_differ
from postureping.desktop.gnome_breaks import advice, read_gnome_breaks
from postureping.durations import humanize
from postureping.engine.config import EngineConfig
from postureping.errors import ConfigError, UserError
from postureping.health import CHECKIN_SHORT, SHORT_NOTICE, render_notice
from postureping.history.store import EventStore
from postureping.notify.registry import choose
from postureping.notify.service import NotificationService
from postureping.reminder import Reminder
from postureping.schedule import schedule_warnings
from postureping.settings.child import load_settings
from postureping.terminal import visible, warn

if TYPE_CHECKING:
    from postureping.tray.core import TrayIcon

NOT_RELOADED = "not reloaded: the old settings stay in force"
NOTIFY_TIME_LIMIT = 10.0  # seconds a notification backend may take before we give up on it


class _Formatter(logging.Formatter):
    """ "14:05:12 reminder: ...": the message's control characters shown visibly (it may
    carry titles from the settings and text from the control channel)."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        level = "" if record.levelno < logging.WARNING else f"{record.levelname.lower()}: "
        return f"{stamp} {level}{visible(record.getMessage())}"


def daemon_logger(stream: TextIO) -> logging.Logger:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(_Formatter())
    log = logging.getLogger("postureping")
    log.handlers[:] = [handler]
    log.setLevel(logging.INFO)
    log.propagate = False
    # apscheduler reports every job run; our own log says what matters.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    return log


def serve(
    ctx: Context, settings: DaemonSettings, stop: threading.Event, *, demo: bool, tray: bool
) -> None:
    log = daemon_logger(sys.stdout)
    _warn_at_start(settings, log)
    daemon: Daemon | None = None

    def on_action(key: str, answer: Answer | PainPicked) -> None:
        """A Done / Snooze / Skip button on a notification, or a pain level on the check-in's
        (the notifier's bus thread)."""
        if daemon is None:
            return
        if isinstance(answer, PainPicked):
            daemon.check_in_shown(key, answer.pain)
        else:
            daemon.answer_shown(key, answer)

    primary, fallback = choose(settings.backend, on_action=on_action)
    notifications = NotificationService(primary, fallback, NOTIFY_TIME_LIMIT, log)
    sources = Sources(*choose_sources(settings, ctx.environ, log), log)
    sources.desktop_breaks = gnome_breaks_reader(settings, ctx.environ)
    reload = Reload(ctx, settings, sources, log, demo=demo)
    daemon = Daemon(
        reload.config(settings),
        # Demo mode keeps a history of its own: the real statistics never see it.
        store=EventStore(ctx.paths.demo_store_file if demo else settings.store_file),
        notifications=notifications,
        sources=sources,
        log=log,
        clock=ctx.now,
        pause_file=None if demo else ctx.paths.daemon_state,
        reload=reload,
        on_quit=stop.set,
        checkin=settings.checkin,
    )
    sources.on_change(daemon.poke)  # a hold that ends is seen at once where a probe tells
    zone = ctx.zone
    server = make_server(
        ctx.paths, lambda request: dispatch(daemon, request, daemon.config.hours, zone), log
    )
    icon = _tray(daemon, ctx, notifications, log) if tray else None
    daemon.start()
    sleep, locks = _listen(daemon, ctx, log)
    try:
        try:
            server.start()
        except OSError as error:
            raise UserError(f"cannot start the control channel {server.path}: {error}") from error
        _welcome_once(ctx, notifications, log, settings)
        _announce(daemon, ctx, settings.config_file, log)
        if icon is None:
            log.info("running without a tray icon (--no-tray)")
        elif icon.start():
            icon.run_until(stop)  # on macOS the tray's loop needs this (the main) thread
        stop.wait()
    finally:
        log.info("stopping")
        if icon is not None:
            icon.stop()
        server.stop()
        sleep.close()
        locks.close()
        daemon.stop()
        sources.close()
        notifications.close(timeout=2.0)
        if (close := getattr(primary, "close", None)) is not None:
            close(2.0)  # the freedesktop notifier's bus connection


def _listen(daemon: Daemon, ctx: Context, log: logging.Logger) -> tuple[SleepSignals, LockSignals]:
    """logind's resume signal and the screen lock's signals, feeding the daemon."""
    sleep = SleepSignals(daemon.poke)
    if not sleep.start():
        log.info("resumes are noticed within a minute (%s)", sleep.problem)
    locks = LockSignals(daemon.screen_lock, ctx.environ)
    if locks.start():
        log.info("screen locks from: %s", "; ".join(locks.watching))
    else:
        log.info("screen locks: not told (%s)", "; ".join(locks.problems))
    return sleep, locks


class Reload:
    """`postureping reload`: the settings validated again (in the child process), and, if
    they ask for other idle or do-not-disturb sources, those chosen again."""

    def __init__(
        self,
        ctx: Context,
        settings: DaemonSettings,
        sources: Sources,
        log: logging.Logger,
        *,
        demo: bool,
    ) -> None:
        self._ctx = ctx
        self._current = settings
        self._sources = sources
        self._log = log
        self._demo = demo
        self._lock = threading.Lock()  # one reload at a time

    def config(self, settings: DaemonSettings) -> EngineConfig:
        return EngineConfig.from_settings(
            settings, self._ctx.zone, idle_monitor=self._sources.monitor_name, demo=self._demo
        )

    def __call__(self) -> EngineConfig:
        ctx = self._ctx
        with self._lock:
            try:
                fresh = load_settings(ctx.paths, ctx.environ)
            except ConfigError as error:
                refused = ConfigError(list(error.problems), outcome=NOT_RELOADED)
                self._log.warning("settings %s", refused.message.removeprefix("invalid settings, "))
                raise refused from None
            for warning in schedule_warnings(fresh.routines, fresh.hours):
                self._log.warning("%s", warning)
            if sources_differ(self._current, fresh):
                self._sources.replace(*choose_sources(fresh, ctx.environ, self._log))
            self._sources.desktop_breaks = gnome_breaks_reader(fresh, ctx.environ)
            self._current = fresh
            return self.config(fresh)


def gnome_breaks_reader(
    settings: DaemonSettings, environ: Mapping[str, str]
) -> Callable[[], bool] | None:
    """What tells whether GNOME's movement breaks are on, where the settings leave the walk
    to them; None where they do not (then GNOME is never asked)."""
    if settings.gnome_movement_breaks != "skip-walk":
        return None
    return lambda: read_gnome_breaks(environ).movement


def _warn_at_start(settings: DaemonSettings, log: logging.Logger) -> None:
    """Settings that are valid but probably a mistake (a walk every 10 s): on stderr, where
    the terminal shows them even when the log goes elsewhere, and in the log."""
    warnings = schedule_warnings(settings.routines, settings.hours)
    warn(warnings)
    for warning in warnings:
        log.warning("%s", warning)


def _tray(
    daemon: Daemon, ctx: Context, notifications: NotificationService, log: logging.Logger
) -> TrayIcon:
    # Imported only when wanted: with --no-tray the daemon does without the tray's modules.
    from postureping.tray.choose import make_tray  # noqa: PLC0415

    def tell(title: str, body: str) -> None:
        notifications.deliver(Reminder.notice("tray-problem", title, body))

    return make_tray(
        daemon,
        ctx.paths.config_file,
        log,
        zone=ctx.zone,
        tomorrow=lambda now: until_tomorrow(now, daemon.config.hours, ctx.zone),
        environ=ctx.environ,
        tell=tell,
    )


def _welcome_once(
    ctx: Context, notifications: NotificationService, log: logging.Logger, settings: DaemonSettings
) -> None:
    """The "when to see a doctor" notice, on the very first run only; and, when GNOME's own
    movement breaks are on, what postureping does about them."""
    marker = ctx.paths.welcome_marker
    if marker.exists():
        return
    breaks = read_gnome_breaks(ctx.environ)
    note = advice(breaks, settings.gnome_movement_breaks) + "." if breaks.movement else ""
    print(render_notice(), end="\n\n", flush=True)
    if note:
        print(note, end="\n\n", flush=True)
    # News to read, not a reminder to answer: quiet, so it carries no Done/Snooze/Skip.
    body = f"{SHORT_NOTICE}\n{CHECKIN_SHORT}" + (f"\n{note}" if note else "")
    notifications.deliver(
        Reminder("about", "Welcome to postureping", body, timedelta(seconds=30), quiet=True)
    )
    try:
        private_folder(marker.parent)
        replace_bytes(marker, b"")  # never through a link planted there
    except OSError as error:
        log.warning(
            "could not note that the notice was shown (%s); it shows again next time", error
        )


def _announce(daemon: Daemon, ctx: Context, config_file: Path | None, log: logging.Logger) -> None:
    upcoming = daemon.status().upcoming
    source = f"settings from {config_file}" if config_file else "default settings"
    log.info("postureping is running with %d routines (%s); Ctrl-C stops it", len(upcoming), source)
    if daemon.config.demo:
        log.info("demo mode: one minute of the schedule lasts one second; active hours are ignored")
        log.info(
            "demo mode: reminders and answers go to %s, not to your history "
            "(`postureping history --demo` shows them)",
            ctx.paths.demo_store_file,
        )
    if not upcoming:
        log.info("no routine is due within the coming week (see `postureping routines`)")
        return
    first = upcoming[0]
    log.info("next: %s in %s", first.title, humanize(first.due - ctx.now()))
