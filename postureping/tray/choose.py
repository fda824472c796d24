"""Which tray icon the daemon shows: a StatusNotifierItem over D-Bus when a watcher is on the
session bus (no toolkit in our process), else pystray's (XEMBED trays, macOS, Windows).

A PYSTRAY_BACKEND set by the user means pystray, as before. Neither this module nor
`describe_tray_host` loads a toolkit: the watcher is asked with jeepney.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Literal

from postureping.controller import Controller
from postureping.tray.core import TrayIcon, TrayUnavailable
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
) -> TrayIcon:
    """The tray for this desktop; nothing is shown until its `start()`."""
    if prefers_sni(environ):
        from postureping.tray.sni import SniTray  # noqa: PLC0415

        return SniTray(
            controller, settings_path, log, zone=zone, tomorrow=tomorrow, environ=environ
        )
    from postureping.tray.pystray_tray import Tray  # noqa: PLC0415

    return Tray(controller, settings_path, log, zone=zone, tomorrow=tomorrow, environ=environ)


def describe_tray_host(environ: Mapping[str, str]) -> tuple[Literal["ok", "warn"], str]:
    """Whether an icon could dock here, and how (for `postureping doctor`); loads no toolkit."""
    if sys.platform in ("darwin", "win32"):
        return "ok", "the system's tray"
    watcher = watcher_present(environ)
    if watcher and not environ.get("PYSTRAY_BACKEND"):
        return "ok", "a StatusNotifierItem host: icon and menu over D-Bus, without GTK"
    from postureping.tray.pystray_tray import XORG_HINT, xembed_tray_present  # noqa: PLC0415

    if not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
        return "warn", "no display: the daemon runs without an icon"
    try:
        import gi  # noqa: PLC0415

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
