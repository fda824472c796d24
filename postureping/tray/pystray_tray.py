"""The tray icon through pystray: shows `menu.build_view()` and turns picks into Controller calls.

Where it is used (postureping.tray.choose): on macOS and Windows, with pystray's native
backend; on Linux and the BSDs when PYSTRAY_BACKEND is set, or when PyGObject is missing, so
that neither the StatusNotifierItem tray (tray.sni) nor GTK's (tray.gtk_tray) can be used.
Backends there, unless PYSTRAY_BACKEND names one: with PyGObject and Gtk 3, `appindicator`
when a StatusNotifierItem host is on the session bus and an AppIndicator typelib loads, else
`gtk`, both with a real menu; without PyGObject, `xorg`, which docks in an XEMBED tray but has
no menu (the log says how to get one). pystray is imported lazily, once PYSTRAY_BACKEND is
set: its import opens the display and raises Xlib, gi or ValueError errors without one.

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

Refreshing: `core.TrayCore`'s thread calls `_show`, which replaces the menu and icon only
when they differ, so an open menu is not rebuilt under the pointer for nothing.

macOS (not tested): AppKit needs the main thread, so `start()` creates the icon on the calling
thread and `run_until(stop)` runs pystray's loop there until `stop` is set. SIGTERM reaches
it through PyObjC's MachSignals; SIGINT goes to pystray's own handler, which ends the app.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any

from postureping.tray.core import NAME, STOP_TIMEOUT, TrayCore, TrayUnavailable
from postureping.tray.menu import Action, Entry, Item, TrayView
from postureping.tray.sni_host import watcher_present
from postureping.tray.xembed import xembed_tray_present

APPINDICATOR_NAMESPACES = ("AyatanaAppIndicator3", "AppIndicator3")
XORG_HINT = "its menu needs PyGObject (see the README, 'The tray icon')"


class Tray(TrayCore):
    """The tray icon of a running daemon. `start()` once, `run_until(stop)` on the main
    thread, `stop()` once at the end (also after a failed start)."""

    def _init_backend(self) -> None:
        self.backend = "native"  # pystray's backend, once chosen
        self._pystray: Any = None
        self._icon: Any = None
        self._shown: TrayView | None = None

    # -- life cycle -----------------------------------------------------------------------

    def start(self) -> bool:
        """Show the icon. False, with one line in the log, when there can be no tray."""
        try:
            if sys.platform == "darwin":
                self._create_icon()  # on this (the main) thread; run_until() runs the loop
            else:
                self._start_toolkit(self._toolkit_main)
        except TrayUnavailable as reason:
            self._log_unavailable(reason)
            return False
        if self.backend == "xorg":
            self._log.info("tray icon shown, without a menu: %s", XORG_HINT)
            self._start_refresher()
        else:
            self._shown_now()
        return True

    def run_until(self, stop: threading.Event) -> None:
        """Block until `stop` is set: call this on the main thread instead of `stop.wait()`."""
        if sys.platform == "darwin" and self._icon is not None:
            self._run_on_main_thread(stop)
        else:
            super().run_until(stop)

    def stop(self) -> None:
        """Remove the icon and end the threads; safe to call more than once."""
        self._stop_refresher()
        if self._icon is not None:
            try:
                self._icon.stop()
            except Exception:  # a backend's teardown must not spoil the daemon's exit
                self._log.exception("the tray icon failed to stop")
        if self._toolkit is not None:
            self._toolkit.join(STOP_TIMEOUT)

    # -- the toolkit's thread ---------------------------------------------------------------

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
        from postureping.tray.icon import draw_icon  # Pillow: only with a tray

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
            import pystray
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
            from PyObjCTools import MachSignals  # type: ignore[import-not-found]

            MachSignals.signal(signal.SIGTERM, lambda _signum: stop.set())
        icon.run(setup=setup)

    # -- what the icon shows ------------------------------------------------------------------

    def _show(self, view: TrayView) -> None:
        shown, icon = self._shown, self._icon
        if shown is None or shown.icon is not view.icon:
            from postureping.tray.icon import draw_icon

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
            from gi.repository import GLib  # loaded with the gtk backend

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


# -- the desktop ----------------------------------------------------------------------------------


def choose_backend(environ: Mapping[str, str]) -> str:
    """The best pystray backend here: appindicator, gtk, else xorg (see the module's
    docstring). Loading Gtk initialises it, so call this on the thread that will run the icon."""
    try:
        import gi

        gi.require_version("Gtk", "3.0")
        from gi.repository import GLib

        GLib.set_prgname(NAME)  # before Gtk takes it from argv: the menu's window class
        from gi.repository import Gtk  # noqa: F401
    except Exception:  # no PyGObject, no Gtk 3 typelib, or another Gtk already loaded
        return "xorg"
    if watcher_present(environ):
        for namespace in APPINDICATOR_NAMESPACES:
            with contextlib.suppress(ValueError):
                gi.require_version(namespace, "0.1")
                return "appindicator"
    return "gtk"


def check_desktop(backend: str, environ: Mapping[str, str]) -> None:
    """Raise TrayUnavailable when `backend` has nothing to show the icon on."""
    display = environ.get("DISPLAY", "")
    if backend == "appindicator" and watcher_present(environ):
        return
    if not display or not xembed_tray_present(display):  # Wayland alone has no XEMBED tray
        raise TrayUnavailable("no system tray found")
