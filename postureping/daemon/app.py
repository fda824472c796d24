"""`postureping run` put together: the settings validated, the one-daemon-per-user lock, and
the daemon with its notifiers, desktop sources, timer, tray, control channel and signals,
from start to stop. What `reload` changes is postureping.daemon.reload.

commands/run.py installs the stop signal and calls `run_daemon`, which returns when SIGTERM,
SIGINT or `postureping quit` sets `stop`.
"""

from __future__ import annotations

import logging
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from postureping.atomic_file import private_folder, replace_bytes
from postureping.context import Context
from postureping.control.dispatch import dispatch
from postureping.control.folder import folder_problem
from postureping.control.instance import InstanceLock
from postureping.control.transport import make_server
from postureping.controller import Answer, PainPicked
from postureping.daemon.daemon import Daemon
from postureping.daemon.lock_signal import LockSignals
from postureping.daemon.reload import Reload, gnome_breaks_reader
from postureping.daemon.settings import DaemonSettings
from postureping.daemon.sleep_signal import SleepSignals
from postureping.daemon.sources import Sources, choose_sources
from postureping.desktop.gnome_breaks import advice, read_gnome_breaks
from postureping.durations import humanize
from postureping.errors import EXIT_OK, UserError
from postureping.guide.launch import launch_guide
from postureping.health import CHECKIN_SHORT, SHORT_NOTICE, render_notice
from postureping.history.store import EventStore
from postureping.notify.registry import choose
from postureping.notify.service import NotificationService
from postureping.pause import until_tomorrow
from postureping.reminder import Reminder
from postureping.schedule import schedule_warnings
from postureping.settings.child import load_settings
from postureping.terminal import visible, warn

if TYPE_CHECKING:
    from postureping.tray.core import TrayIcon

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


def run_daemon(ctx: Context, stop: threading.Event, *, demo: bool, tray: bool) -> int:
    """The daemon, from the settings check to its stop; the exit status."""
    # Validated in a child process (see postureping.settings.child): an invalid settings
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
        raise UserError(folder_problem(ctx.paths.runtime_dir, error)) from error
    try:
        serve(ctx, settings, stop, demo=demo, tray=tray)
        return EXIT_OK
    finally:
        lock.release()


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

    def on_guide(routine_id: str) -> None:
        """A Start button on a notification (the notifier's bus thread)."""
        _start_guide(daemon, routine_id, log)

    primary, fallback = choose(
        settings.notifications.backend, on_action=on_action, on_guide=on_guide
    )
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
        guide=lambda routine_id, failed: launch_guide(routine_id, ctx.paths, log, failed),
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


def _start_guide(daemon: Daemon | None, routine_id: str, log: logging.Logger) -> None:
    if daemon is not None:
        try:
            daemon.guide(routine_id)
        except UserError as error:
            log.warning("%s", error.message)


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
    from postureping.tray.choose import make_tray

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
    note = advice(breaks, settings.activity.gnome_movement_breaks) + "." if breaks.movement else ""
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
