"""The tray icon through pystray: shows `menu.build_view()` and turns picks into Controller calls.

Backends. On Linux and the BSDs, with PyGObject and Gtk 3: `appindicator` when a
StatusNotifierItem host is on the session bus (KDE, GNOME's AppIndicator extension, most
Wayland panels) and an AppIndicator typelib loads, else `gtk` for XEMBED trays (xfce4-panel,
MATE, LXDE, trayer...), both with a real menu; without PyGObject, `xorg`, which docks in an
XEMBED tray but has no menu (the log says how to get one). `gtk` rather than AppIndicator's
own XEMBED fallback, which is the same GtkStatusIcon with GTK warnings after each pick. A
PYSTRAY_BACKEND set by the user wins. On macOS and Windows, pystray's native backend. pystray
is imported lazily, once PYSTRAY_BACKEND is set: its import opens the display and raises Xlib,
gi or ValueError errors without one.

No tray, never a crash. `start()` returns False and logs one line when there is no display, no
tray host (no `_NET_SYSTEM_TRAY_S<screen>` selection owner, nor a StatusNotifierWatcher for
AppIndicator), or pystray cannot load; the daemon then runs without an icon.

Threading (Linux, Windows). One thread of ours, "tray", owns the toolkit: it picks the
backend, imports pystray (which initialises GTK there), creates the icon and runs its loop (a
GLib main loop, the X event loop, or the Windows message loop) until `stop()`. The main thread
stays free, in `run_until(stop)` (a plain `stop.wait()`), so Python runs the SIGINT and SIGTERM
handlers as before and the daemon exits 0; had the main thread been in the GLib loop, those
handlers would wait for it, and pystray would reset SIGINT to the default (its attempt to do so
fails harmlessly off the main thread). Other threads only assign `icon.icon`, `icon.menu` and
`icon.title`, which pystray hands to the toolkit's thread (GLib idle callbacks, X client
messages, Shell_NotifyIcon). Menu picks run on the toolkit's thread and call the Controller,
which is thread-safe and quick; errors are logged, never raised into the toolkit.

Refreshing. A second thread, "tray-refresh", redraws when the controller reports a change
(`subscribe`) and at `TrayView.refresh_at`, the moment a label changes by itself (once a
minute while a countdown shows, at most); it sleeps in between, and never longer than
MAX_SLEEP, since a monotonic wait oversleeps across a system suspend. The menu and icon are
replaced only when they differ, so an open menu is not rebuilt under the pointer for nothing.

macOS (not tested): AppKit needs the main thread, so `start()` creates the icon on the calling
thread and `run_until(stop)` runs pystray's loop there until `stop` is set. SIGTERM reaches
it through PyObjC's MachSignals; SIGINT goes to pystray's own handler, which ends the app.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any, Literal

from postureping.controller import Controller, Status
from postureping.errors import UserError
from postureping.tray.menu import (
    Action,
    AnswerPrompt,
    Entry,
    Item,
    OpenSettings,
    PauseFor,
    PauseUntilResumed,
    PauseUntilTomorrow,
    Quit,
    RemindNow,
    Resume,
    TrayView,
    build_view,
)

NAME = "postureping"
SOURCE = "tray"  # the `source` of answers given in the tray menu
START_TIMEOUT = 10.0  # seconds the toolkit may take to come up
STOP_TIMEOUT = 5.0
MAX_SLEEP = timedelta(minutes=10)
NO_TRAY = "running without a tray icon"
APPINDICATOR_NAMESPACES = ("AyatanaAppIndicator3", "AppIndicator3")
SNI_WATCHER = "org.kde.StatusNotifierWatcher"
XORG_HINT = "its menu needs PyGObject (see the README, 'The tray icon')"


class TrayUnavailable(Exception):
    """Why there is no tray icon, in words for the log; `level` WARNING when something is
    broken rather than merely absent."""

    def __init__(self, reason: str, level: int = logging.INFO) -> None:
        super().__init__(reason)
        self.level = level


class Tray:
    """The tray icon of a running daemon. `start()` once, `run_until(stop)` on the main
    thread, `stop()` once at the end (also after a failed start)."""

    def __init__(
        self,
        controller: Controller,
        settings_path: Path,
        log: logging.Logger,
        *,
        zone: tzinfo | None = None,
        tomorrow: Callable[[datetime], datetime] | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        self._controller = controller
        self._settings_path = settings_path
        self._log = log
        self._zone = zone
        self._tomorrow = tomorrow or self._next_midnight
        self._environ = environ
        self.backend = "native"  # pystray's backend, once chosen
        self._pystray: Any = None
        self._icon: Any = None
        self._shown: TrayView | None = None
        self._outcome: TrayUnavailable | None = None
        self._ready = threading.Event()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._toolkit: threading.Thread | None = None
        self._refresher: threading.Thread | None = None

    # -- life cycle -----------------------------------------------------------------------

    def start(self) -> bool:
        """Show the icon. False, with one line in the log, when there can be no tray."""
        try:
            if sys.platform == "darwin":
                self._create_icon()  # on this (the main) thread; run_until() runs the loop
            else:
                self._start_toolkit_thread()
        except TrayUnavailable as reason:
            self._log.log(reason.level, "%s; %s", reason, NO_TRAY)
            return False
        if self.backend == "xorg":
            self._log.info("tray icon shown, without a menu: %s", XORG_HINT)
        else:
            self._log.info("tray icon shown (%s)", self.backend)
        self._controller.subscribe(self._on_status)
        self._refresher = threading.Thread(target=self._refresh_loop, name="tray-refresh")
        self._refresher.daemon = True
        self._refresher.start()
        return True

    def run_until(self, stop: threading.Event) -> None:
        """Block until `stop` is set: call this on the main thread instead of `stop.wait()`."""
        if sys.platform == "darwin" and self._icon is not None:
            self._run_on_main_thread(stop)
        else:
            stop.wait()

    def stop(self) -> None:
        """Remove the icon and end the threads; safe to call more than once."""
        self._stopping.set()
        self._wake.set()
        if self._refresher is not None:
            self._refresher.join(STOP_TIMEOUT)
        if self._icon is not None:
            try:
                self._icon.stop()
            except Exception:  # a backend's teardown must not spoil the daemon's exit
                self._log.exception("the tray icon failed to stop")
        if self._toolkit is not None:
            self._toolkit.join(STOP_TIMEOUT)

    # -- the toolkit's thread ---------------------------------------------------------------

    def _start_toolkit_thread(self) -> None:
        self._toolkit = threading.Thread(target=self._toolkit_main, name="tray")
        self._toolkit.daemon = True  # never keeps the process alive on its own
        self._toolkit.start()
        if not self._ready.wait(START_TIMEOUT):
            self._stopping.set()  # _on_ready() removes the icon if it ever comes up
            reason = f"the tray icon did not come up within {START_TIMEOUT:g} s"
            raise TrayUnavailable(reason, logging.WARNING)
        if self._outcome is not None:
            raise self._outcome

    def _toolkit_main(self) -> None:
        try:
            self._create_icon()
        except TrayUnavailable as reason:
            self._outcome = reason
            self._ready.set()
            return
        try:
            self._icon.run(setup=self._on_ready)
        except Exception as error:
            self._outcome = TrayUnavailable(f"the tray icon failed ({error})", logging.WARNING)
            self._ready.set()

    def _on_ready(self, icon: Any) -> None:
        """pystray calls this on its setup thread once the loop runs."""
        icon.visible = True
        if self._shown is not None and icon.title != self._shown.title:
            self._set_title(self._shown.title)
        self._ready.set()
        if self._stopping.is_set():
            icon.stop()

    def _create_icon(self) -> None:
        pystray = self._import_pystray()
        view = self._view(self._controller.status())
        # pystray's GTK icon ignores a title given here: _on_ready() sets it once the loop runs.
        title = "" if self.backend == "gtk" else view.title
        from postureping.tray.icon import draw_icon  # noqa: PLC0415  # Pillow: only with a tray

        self._icon = pystray.Icon(NAME, draw_icon(view.icon), title, self._pystray_menu(view.menu))
        self._shown = view

    def _import_pystray(self) -> Any:
        if sys.platform not in ("darwin", "win32"):
            if not (self._environ.get("DISPLAY") or self._environ.get("WAYLAND_DISPLAY")):
                raise TrayUnavailable("no display")
            backend = self._environ.get("PYSTRAY_BACKEND") or choose_backend(self._environ)
            check_desktop(backend, self._environ)
            os.environ["PYSTRAY_BACKEND"] = backend  # pystray reads it at import
            self.backend = backend
        try:
            import pystray  # noqa: PLC0415
        except Exception as error:  # Xlib, gi and ValueError errors, not just ImportError
            reason = f"pystray cannot show an icon ({type(error).__name__}: {error})"
            raise TrayUnavailable(reason, logging.WARNING) from None
        self._pystray = pystray
        return pystray

    def _run_on_main_thread(self, stop: threading.Event) -> None:
        icon = self._icon

        def setup(icon: Any) -> None:
            icon.visible = True
            stop.wait()
            icon.stop()

        with contextlib.suppress(ImportError):
            from PyObjCTools import MachSignals  # type: ignore[import-not-found]  # noqa: PLC0415

            MachSignals.signal(signal.SIGTERM, lambda _signum: stop.set())
        icon.run(setup=setup)

    # -- what the icon shows ------------------------------------------------------------------

    def _view(self, status: Status) -> TrayView:
        return build_view(
            status,
            status.now,
            self._settings_path,
            self._zone,
            settings_exists=self._settings_path.is_file(),
        )

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

    def _show(self, view: TrayView) -> None:
        shown, icon = self._shown, self._icon
        if shown is None or shown.icon is not view.icon:
            from postureping.tray.icon import draw_icon  # noqa: PLC0415

            icon.icon = draw_icon(view.icon)
        if shown is None or shown.menu != view.menu:
            icon.menu = self._pystray_menu(view.menu)
        if shown is None or shown.title != view.title:
            self._set_title(view.title)
        self._shown = view

    def _set_title(self, title: str) -> None:
        """The icon's title, and on GTK its tooltip too, which pystray leaves unset there."""
        icon = self._icon
        icon.title = title
        status_icon = getattr(icon, "_status_icon", None)  # pystray's Gtk.StatusIcon
        if self.backend == "gtk" and status_icon is not None:
            from gi.repository import GLib  # noqa: PLC0415  # loaded with the gtk backend

            def set_tooltip() -> bool:
                status_icon.set_tooltip_text(title)
                return False  # once

            GLib.idle_add(set_tooltip)

    def _pystray_menu(self, entries: tuple[Entry, ...]) -> Any:
        pystray = self._pystray
        items = []
        for entry in entries:
            if not isinstance(entry, Item):
                items.append(pystray.Menu.SEPARATOR)
            elif entry.submenu:
                items.append(pystray.MenuItem(entry.label, self._pystray_menu(entry.submenu)))
            else:
                callback = None if entry.action is None else self._callback(entry.action)
                items.append(pystray.MenuItem(entry.label, callback, enabled=entry.enabled))
        return pystray.Menu(*items)

    def _callback(self, action: Action) -> Callable[[Any, Any], None]:
        def picked(_icon: Any, _item: Any) -> None:
            self.perform(action)

        return picked

    # -- what a pick does -----------------------------------------------------------------------

    def perform(self, action: Action) -> None:
        """Carry out a menu pick; problems are logged, never raised (this runs in the toolkit)."""
        controller = self._controller
        try:
            match action:
                case AnswerPrompt(answer, routine_id, snooze):
                    controller.answer(answer, routine_id, SOURCE, snooze)
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
                case OpenSettings(path):
                    open_file(path, self._log)
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


# -- the desktop ----------------------------------------------------------------------------------


def choose_backend(environ: Mapping[str, str]) -> str:
    """The best pystray backend here: appindicator, gtk, else xorg (see the module's
    docstring). Loading Gtk initialises it, so call this on the thread that will run the icon."""
    try:
        import gi  # noqa: PLC0415

        gi.require_version("Gtk", "3.0")
        from gi.repository import GLib  # noqa: PLC0415

        GLib.set_prgname(NAME)  # before Gtk takes it from argv: the menu's window class
        from gi.repository import Gtk  # noqa: F401, PLC0415
    except Exception:  # no PyGObject, no Gtk 3 typelib, or another Gtk already loaded
        return "xorg"
    if _has_status_notifier_host(environ):
        for namespace in APPINDICATOR_NAMESPACES:
            with contextlib.suppress(ValueError):
                gi.require_version(namespace, "0.1")
                return "appindicator"
    return "gtk"


def check_desktop(backend: str, environ: Mapping[str, str]) -> None:
    """Raise TrayUnavailable when `backend` has nothing to show the icon on."""
    display = environ.get("DISPLAY", "")
    if backend == "appindicator" and _has_status_notifier_host(environ):
        return
    if not display or not xembed_tray_present(display):  # Wayland alone has no XEMBED tray
        raise TrayUnavailable("no system tray found")


def xembed_tray_present(display_name: str) -> bool:
    """Whether an XEMBED tray owns `_NET_SYSTEM_TRAY_S<screen>` (True when it cannot be
    told: then pystray finds out itself)."""
    try:
        from Xlib import X, display, error  # noqa: PLC0415
    except ImportError:
        return True
    try:
        connection = display.Display(display_name)
    except (error.DisplayError, error.ConnectionClosedError, OSError) as problem:
        raise TrayUnavailable(f"cannot open the display {display_name} ({problem})") from None
    try:
        screen = connection.get_default_screen()
        selection = connection.intern_atom(f"_NET_SYSTEM_TRAY_S{screen}")
        owner = connection.get_selection_owner(selection)
        return bool(owner != X.NONE and getattr(owner, "id", owner))
    finally:
        connection.close()


def _has_status_notifier_host(environ: Mapping[str, str]) -> bool:
    """Whether a StatusNotifierWatcher is on the session bus (AppIndicator uses it)."""
    runtime = environ.get("XDG_RUNTIME_DIR")
    if not environ.get("DBUS_SESSION_BUS_ADDRESS") and not (
        runtime and Path(runtime, "bus").exists()
    ):
        return False  # and GLib would try to autolaunch a bus of its own
    try:
        from gi.repository import Gio, GLib  # noqa: PLC0415

        bus = Gio.bus_get_sync(Gio.BusType.SESSION, None)
        reply = bus.call_sync(
            "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
            "NameHasOwner", GLib.Variant("(s)", (SNI_WATCHER,)), GLib.VariantType("(b)"),
            Gio.DBusCallFlags.NONE, 2000, None,
        )  # fmt: skip
        return bool(reply.unpack()[0])
    except Exception:  # no bus, no answer: no such host
        return False


def describe_tray_host(environ: Mapping[str, str]) -> tuple[Literal["ok", "warn"], str]:
    """Whether an icon could dock here, and how (for `postureping doctor`); loads no toolkit."""
    if sys.platform in ("darwin", "win32"):
        return "ok", "the system's tray"
    if not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
        return "warn", "no display: the daemon runs without an icon"
    try:
        import gi  # noqa: PLC0415

        gi.require_version("Gtk", "3.0")
        menu = "with a menu"
    except (ImportError, ValueError):
        menu = f"without a menu ({XORG_HINT})"
    if _has_status_notifier_host(environ):
        return "ok", f"a StatusNotifierItem host (AppIndicator), {menu}"
    display = environ.get("DISPLAY", "")
    try:
        if display and xembed_tray_present(display):
            return "ok", f"an XEMBED system tray on {display}, {menu}"
    except TrayUnavailable as reason:
        return "warn", str(reason)
    return "warn", "no system tray found: the daemon runs without an icon"


def open_file(path: Path, log: logging.Logger) -> None:
    """Open `path` in the user's editor for its type, without waiting for it."""
    if not path.is_file():
        log.warning("no settings file at %s; create one with `postureping config init`", path)
        return
    if sys.platform == "win32":
        os.startfile(path)  # noqa: S606
        return
    opener = "open" if sys.platform == "darwin" else "xdg-open"
    try:
        process = subprocess.Popen(
            [opener, os.fspath(path)],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
    except OSError as error:
        log.warning("could not open %s with %s: %s", path, opener, error)
        return
    threading.Thread(target=process.wait, name="tray-opener", daemon=True).start()  # reap it
