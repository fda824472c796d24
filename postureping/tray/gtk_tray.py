"""The tray icon in an XEMBED system tray (trayer, stalonetray, i3bar, older panels), with GTK 3.

Panels that host StatusNotifierItems get postureping.tray.sni, with no toolkit at all. An
XEMBED tray needs an X window for the icon and another for its menu, so this module uses
GTK's StatusIcon, through PyGObject, directly: not through pystray, whose GTK backend takes
the icon as a Pillow image and writes it to a PNG file for GTK to read (Pillow and pystray
are about 6.5 MiB of the daemon's memory). The icon comes from the pixmaps drawn ahead of
time (postureping.tray.pixmaps) as a GdkPixbuf.

Threading. One thread of ours, "tray", loads GTK, creates the icon and runs GTK's main loop
until `stop()`. The main thread stays in `run_until(stop)` (a plain `stop.wait()`), so the
daemon's signal handlers run as before. The refresh thread (core.TrayCore) hands each new
view to the GTK thread with GLib.idle_add; menu picks run on the GTK thread and call the
Controller, which is thread-safe and quick (TrayCore.perform never raises).

Right click or left click opens the menu. Without a tray (no `_NET_SYSTEM_TRAY_S<screen>`
owner), no display or no GTK 3, `start()` returns False with one line in the log.
"""

from __future__ import annotations

import logging
from typing import Any

from postureping.tray.core import NAME, STOP_TIMEOUT, TrayCore, TrayUnavailable
from postureping.tray.menu import Action, Entry, IconState, Item, TrayView
from postureping.tray.pixmaps import argb_pixmaps
from postureping.tray.xembed import xembed_tray_present


def gtk_available() -> bool:
    """Whether PyGObject can load GTK 3 here (it is not loaded by asking)."""
    try:
        import gi

        gi.require_version("Gtk", "3.0")
    except (ImportError, ValueError):
        return False
    return True


def rgba(argb: bytes) -> bytes:
    """ARGB32 pixels (StatusNotifierItem's byte order) as GdkPixbuf's RGBA."""
    pixels = bytearray(len(argb))
    pixels[0::4], pixels[1::4], pixels[2::4], pixels[3::4] = (
        argb[1::4], argb[2::4], argb[3::4], argb[0::4],
    )  # fmt: skip
    return bytes(pixels)


class GtkTray(TrayCore):
    """The tray icon of a running daemon. `start()` once, `run_until(stop)` on the main
    thread, `stop()` once at the end (also after a failed start)."""

    backend = "gtk"

    _gtk: Any = None  # the gi.repository modules Gtk, GLib, GdkPixbuf, once loaded
    _glib: Any = None
    _pixbuf_module: Any = None
    _icon: Any = None  # the Gtk.StatusIcon
    _menu: Any = None  # the Gtk.Menu it opens
    _shown: TrayView | None = None

    def start(self) -> bool:
        """Show the icon. False, with one line in the log, when there can be no tray."""
        try:
            self._check_desktop()
            self._start_toolkit(self._toolkit_main)
        except TrayUnavailable as reason:
            self._log_unavailable(reason)
            return False
        except Exception:  # a bug of ours must not take the daemon down with the icon
            self._log.exception("the tray icon failed; %s", self.if_unavailable)
            return False
        self._shown_now()
        return True

    def stop(self) -> None:
        """Remove the icon and end the threads; safe to call more than once."""
        self._stop_refresher()
        toolkit = self._toolkit
        if toolkit is not None and toolkit.is_alive() and self._glib is not None:
            self._glib.idle_add(self._quit)
            toolkit.join(STOP_TIMEOUT)

    # -- the GTK thread -------------------------------------------------------------------

    def _check_desktop(self) -> None:
        display = self._environ.get("DISPLAY", "")
        if not display:
            raise TrayUnavailable("no display")
        if not xembed_tray_present(display):
            raise TrayUnavailable("no system tray found")

    def _toolkit_main(self) -> None:
        try:
            self._load_gtk()
            self._create_icon(self._view(self._controller.status()))
        except TrayUnavailable as reason:
            self._outcome = reason
            self._ready.set()
            return
        except Exception as error:  # GTK, the display, or the controller
            self._outcome = TrayUnavailable(f"the tray icon failed ({error})", logging.WARNING)
            self._ready.set()
            return
        self._glib.idle_add(self._on_ready)
        self._gtk.main()

    def _load_gtk(self) -> None:
        try:
            import gi

            gi.require_version("Gtk", "3.0")
            gi.require_version("GdkPixbuf", "2.0")
            from gi.repository import GLib

            # Before Gtk takes it from argv: the window class of the icon and of its menu.
            GLib.set_prgname(NAME)
            from gi.repository import GdkPixbuf, Gtk
        except (ImportError, ValueError) as error:
            raise TrayUnavailable(f"GTK 3 cannot load ({error})", logging.WARNING) from None
        if not Gtk.init_check()[0]:
            raise TrayUnavailable("GTK cannot open the display", logging.WARNING)
        self._gtk, self._glib, self._pixbuf_module = Gtk, GLib, GdkPixbuf

    def _create_icon(self, view: TrayView) -> None:
        # No `set_name`: the icon's window takes its class from the program name, set in
        # `_load_gtk`. GTK embeds that window at once, and `set_name` on an embedded icon
        # hides, unrealizes and shows it again, which printed
        # "Gdk-CRITICAL ... gdk_window_thaw_toplevel_updates" on every start.
        icon = self._gtk.StatusIcon.new()
        icon.connect("popup-menu", self._on_popup)
        icon.connect("activate", self._on_activate)
        self._icon = icon
        self._apply(view)
        icon.set_visible(True)

    def _on_ready(self) -> bool:
        self._ready.set()
        if self._stopping.is_set():
            self._quit()
        return False  # once

    def _quit(self) -> bool:
        if self._icon is not None:
            self._icon.set_visible(False)
        self._gtk.main_quit()
        return False

    def _on_popup(self, icon: Any, _button: int = 0, _time: int = 0) -> None:
        # Button 0 and the current event's time, as GTK's own examples: the menu then stays
        # open when the button is released, and closes on the next click outside it.
        if self._menu is not None:
            gtk = self._gtk
            time = gtk.get_current_event_time()
            self._menu.popup(None, None, gtk.StatusIcon.position_menu, icon, 0, time)

    def _on_activate(self, icon: Any) -> None:
        self._on_popup(icon)

    # -- what the icon shows ------------------------------------------------------------------

    def _show(self, view: TrayView) -> None:
        """On the refresh thread: hand the view to the GTK thread."""
        self._glib.idle_add(self._apply, view)

    def _apply(self, view: TrayView) -> bool:
        """On the GTK thread: change only what differs, so an open menu is not rebuilt under
        the pointer for nothing."""
        shown, icon = self._shown, self._icon
        if shown is None or shown.icon is not view.icon:
            icon.set_from_pixbuf(self._pixbuf(view.icon))
        if self._menu is None:
            self._menu = self._build_menu(view.menu)
        elif shown is None or shown.menu != view.menu:
            self._refill(self._menu, view.menu)
        if shown is None or shown.title != view.title:
            icon.set_title(view.title)
            icon.set_tooltip_text(view.title)
        self._shown = view
        return False  # once

    def _pixbuf(self, state: IconState) -> Any:
        width, height, argb = argb_pixmaps(state)[-1]  # the largest; GTK scales it to the tray
        module, glib = self._pixbuf_module, self._glib
        return module.Pixbuf.new_from_bytes(
            glib.Bytes.new(rgba(argb)), module.Colorspace.RGB, True, 8, width, height, width * 4
        )

    def _build_menu(self, entries: tuple[Entry, ...]) -> Any:
        menu = self._gtk.Menu()
        self._fill(menu, entries)
        return menu

    def _refill(self, menu: Any, entries: tuple[Entry, ...]) -> None:
        """Bring `menu` up to date in place, so that a menu the user has open changes under
        their eyes (the countdown, a reminder that came meanwhile) instead of showing what
        was true when it opened: the labels alone where only they changed, else every item
        anew."""
        children = menu.get_children()
        if not self._same_shape(children, entries):
            for child in children:
                menu.remove(child)
                child.destroy()
            self._fill(menu, entries)
            return
        for widget, entry in zip(children, entries, strict=True):
            if not isinstance(entry, Item):
                continue
            if widget.get_label() != entry.label:
                widget.set_label(entry.label)
            widget.set_sensitive(entry.enabled)
            widget.postureping_action = entry.action
            if entry.submenu:
                self._refill(widget.get_submenu(), entry.submenu)

    def _same_shape(self, children: list[Any], entries: tuple[Entry, ...]) -> bool:
        if len(children) != len(entries):
            return False
        separator = self._gtk.SeparatorMenuItem
        for widget, entry in zip(children, entries, strict=True):
            if isinstance(widget, separator) != (not isinstance(entry, Item)):
                return False
            if isinstance(entry, Item) and bool(entry.submenu) != (
                widget.get_submenu() is not None
            ):
                return False
        return True

    def _fill(self, menu: Any, entries: tuple[Entry, ...]) -> None:
        gtk = self._gtk
        for entry in entries:
            if not isinstance(entry, Item):
                widget = gtk.SeparatorMenuItem()
            else:
                widget = gtk.MenuItem.new_with_label(entry.label)
                widget.postureping_action = entry.action
                if entry.submenu:
                    widget.set_submenu(self._build_menu(entry.submenu))
                else:
                    widget.connect("activate", self._picked)
                widget.set_sensitive(entry.enabled)
            menu.append(widget)
        menu.show_all()

    def _picked(self, widget: Any) -> None:
        action: Action | None = widget.postureping_action
        if action is not None:
            self.perform(action)
