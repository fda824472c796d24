"""The idle monitors by name, and the choice of the one to use on this machine.

Each factory imports its module only when called: jeepney and python-xlib are Linux-only
dependencies, and a monitor for another platform must not cost an import. A missing library
counts as one more reason the monitor is unavailable.

Why this order on Linux and the BSDs: Mutter's monitor sees every input of a GNOME session,
Wayland or X11; other Wayland compositors (sway, Hyprland, river, labwc, KWin) say it over the
Wayland protocol itself, which is their own count, so it comes before the freedesktop
ScreenSaver service, which KDE answers on X11 only and other programs may serve with made-up
numbers; the X11 extension comes last because under Wayland it would miss input to native
windows (it refuses there, and the Wayland monitor refuses an X11 session).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping

from postureping.idle.base import IdleMonitor, IdleUnavailable

Factory = Callable[[Mapping[str, str]], IdleMonitor]


def _gnome(environ: Mapping[str, str]) -> IdleMonitor:
    try:
        from postureping.idle.gnome import GnomeIdleMonitor
    except ImportError as error:
        raise IdleUnavailable(f"needs jeepney ({error})") from error
    return GnomeIdleMonitor(environ)


def _screensaver(environ: Mapping[str, str]) -> IdleMonitor:
    try:
        from postureping.idle.screensaver import ScreenSaverIdleMonitor
    except ImportError as error:
        raise IdleUnavailable(f"needs jeepney ({error})") from error
    return ScreenSaverIdleMonitor(environ)


def _wayland(environ: Mapping[str, str]) -> IdleMonitor:
    if not environ.get("WAYLAND_DISPLAY") and not environ.get("WAYLAND_SOCKET"):
        # Said before the import (as the monitor says it too): elsewhere, no cost at all.
        raise IdleUnavailable("WAYLAND_DISPLAY is not set")
    from postureping.idle.wayland import WaylandIdleMonitor

    return WaylandIdleMonitor(environ)


def _x11(environ: Mapping[str, str]) -> IdleMonitor:
    try:
        from postureping.idle.x11 import X11IdleMonitor
    except ImportError as error:
        raise IdleUnavailable(f"needs python-xlib ({error})") from error
    return X11IdleMonitor(environ)


def _macos(environ: Mapping[str, str]) -> IdleMonitor:
    from postureping.idle.macos import MacIdleMonitor

    return MacIdleMonitor(environ)


def _windows(environ: Mapping[str, str]) -> IdleMonitor:
    from postureping.idle.windows import WindowsIdleMonitor

    return WindowsIdleMonitor(environ)


# name -> factory(environ), in preference order. A factory raises IdleUnavailable when its
# monitor cannot work here at all (another platform, no DISPLAY, no bus address).
MONITORS: dict[str, Factory] = {
    "gnome": _gnome,
    "wayland": _wayland,
    "screensaver": _screensaver,
    "x11": _x11,
    "macos": _macos,
    "windows": _windows,
}


def monitor_names(platform: str = sys.platform) -> list[str]:
    """The monitors that can work on `platform` (a `sys.platform` value), best first."""
    if platform == "darwin":
        return ["macos"]
    if platform == "win32":
        return ["windows"]
    # Linux, the BSDs and other X11 or Wayland systems
    return ["gnome", "wayland", "screensaver", "x11"]


def describe(monitor: IdleMonitor) -> str:
    """The monitor's name, and what it asks where it says (`wayland (org_kde_kwin_idle)`)."""
    detail = getattr(monitor, "detail", "")
    return f"{monitor.name} ({detail})" if isinstance(detail, str) and detail else monitor.name


def choose_idle_monitor(
    environ: Mapping[str, str],
) -> tuple[IdleMonitor | None, list[tuple[str, str]]]:
    """Try each monitor available on this platform in order; return the first whose idle_time()
    works, and the (name, reason) of each one that was tried and failed (for `postureping doctor`).

    The monitors that failed are closed; the caller owns (and closes) the one returned. Each
    try is bounded by the threading contract in postureping.idle.base, so this returns within a
    few seconds even when every service hangs, and at once when there is no bus and no display.
    """
    failed: list[tuple[str, str]] = []
    for name in monitor_names():
        try:
            monitor = MONITORS[name](environ)
        except IdleUnavailable as error:
            failed.append((name, str(error)))
            continue
        try:
            monitor.idle_time()
        except IdleUnavailable as error:
            monitor.close()
            failed.append((name, str(error)))
            continue
        return monitor, failed
    return None, failed
