"""Which tray icon the daemon shows: a StatusNotifierItem over D-Bus when a watcher is on the
session bus (no toolkit in our process); else, on Linux and the BSDs, GTK's StatusIcon for an
XEMBED tray (postureping.tray.gtk_tray); else pystray's (macOS, Windows, and XEMBED trays
without GTK, where it shows an icon without a menu). When the watcher does not take the
StatusNotifierItem, the XEMBED tray is tried next.

A PYSTRAY_BACKEND set by the user means pystray, as before. Neither this module nor
`describe_tray_host` loads a toolkit: the watcher is asked with jeepney.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Literal

from postureping.controller import Controller
from postureping.tray.core import Tell, TrayCore, TrayIcon, TrayUnavailable
from postureping.tray.sni_host import watcher_present


def prefers_sni(environ: Mapping[str, str]) -> bool:
    if sys.platform in ("darwin", "win32") or environ.get("PYSTRAY_BACKEND"):
        return False
    return watcher_present(environ)


def make_tray(
    controller: Controller,
    settings_path: Path,
    log: logging.Logger,
    *,
    zone: tzinfo | None = None,
    tomorrow: Callable[[datetime], datetime] | None = None,
    environ: Mapping[str, str] = os.environ,
    tell: Tell | None = None,
) -> TrayIcon:
    """The tray for this desktop; nothing is shown until its `start()`. `tell` shows the
    user a notice (title, body) when a pick cannot be carried out."""

    def build(tray: type[TrayCore]) -> TrayCore:
        return tray(
            controller, settings_path, log, zone=zone, tomorrow=tomorrow, environ=environ,
            tell=tell,
        )  # fmt: skip

    def toolkit_tray() -> TrayCore:
        if _prefers_gtk(environ):
            from postureping.tray.gtk_tray import GtkTray

            return build(GtkTray)
        from postureping.tray.pystray_tray import Tray

        return build(Tray)

    if prefers_sni(environ):
        from postureping.tray.sni import SniTray

        return SniOrXembed(build(SniTray), toolkit_tray)
    return toolkit_tray()


class SniOrXembed:
    """The StatusNotifierItem tray; if the watcher does not take the icon (a broken panel, or
    a watcher with no host behind it), the XEMBED tray instead."""

    def __init__(self, sni: TrayCore, fallback: Callable[[], TrayCore]) -> None:
        sni.if_unavailable = "trying an XEMBED tray"
        self._tray = sni
        self._fallback = fallback

    def start(self) -> bool:
        if self._tray.start():
            return True
        self._tray.stop()
        self._tray = self._fallback()
        return self._tray.start()

    def run_until(self, stop: threading.Event) -> None:
        self._tray.run_until(stop)

    def stop(self) -> None:
        self._tray.stop()


def _prefers_gtk(environ: Mapping[str, str]) -> bool:
    if sys.platform in ("darwin", "win32") or environ.get("PYSTRAY_BACKEND"):
        return False
    from postureping.tray.gtk_tray import gtk_available

    return gtk_available()


def describe_tray_host(environ: Mapping[str, str]) -> tuple[Literal["ok", "warn"], str]:
    """Whether an icon could dock here, and how (for `postureping doctor`); loads no toolkit."""
    if sys.platform in ("darwin", "win32"):
        return "ok", "the system's tray"
    watcher = watcher_present(environ)
    if watcher and not environ.get("PYSTRAY_BACKEND"):
        return "ok", "a StatusNotifierItem host: icon and menu over D-Bus, without GTK"
    from postureping.tray.pystray_tray import XORG_HINT
    from postureping.tray.xembed import xembed_tray_present

    if not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
        return "warn", "no display: the daemon runs without an icon"
    try:
        import gi

        gi.require_version("Gtk", "3.0")
        menu = "with a menu"
    except (ImportError, ValueError):
        menu = f"without a menu ({XORG_HINT})"
    if watcher:  # PYSTRAY_BACKEND is set: AppIndicator through pystray
        return "ok", f"a StatusNotifierItem host (AppIndicator through pystray), {menu}"
    display = environ.get("DISPLAY", "")
    try:
        if display and xembed_tray_present(display):
            return "ok", f"an XEMBED system tray on {display}, {menu}"
    except TrayUnavailable as reason:
        return "warn", str(reason)
    return "warn", "no system tray found: the daemon runs without an icon"
