"""Which hold probes work on this desktop, and whether any of them holds reminders now.

A probe per source, each in its own module, imported only when tried (jeepney and python-xlib
are Linux-only dependencies, PyGObject an optional extra):

- "gnome": GNOME's Do Not Disturb (GSettings show-banners), on GNOME sessions only.
- "notifications-inhibited": the notification server's `Inhibited` property (KDE Plasma).
- "dunst": dunst's pause.
- "mako": a mako mode that hides notifications (`makoctl mode -a do-not-disturb`).
- "swaync": SwayNotificationCenter's do-not-disturb.
- "fullscreen": a fullscreen active window on X11, unless its class is in `never_hold`.
- "sway-fullscreen": a fullscreen window on sway (native Wayland or XWayland) that can be
  seen, through sway's IPC (SWAYSOCK), unless its app_id or class is in `never_hold`.
- "wlr-fullscreen": the focused window fullscreen on other wlroots compositors (Hyprland,
  river, labwc, Wayfire), through zwlr_foreign_toplevel_manager_v1, unless its app_id is in
  `never_hold`; not on sway, where sway-fullscreen knows more.
- "windows-focus": Windows' fullscreen, presentation and quiet-time states.

Probes that can also tell when their answer changes (base.WatchingProbe: sway-fullscreen and
wlr-fullscreen, through the compositor's window events; notifications-inhibited and dunst,
through the server's PropertiesChanged where it sends it) are handed the daemon's wake-up by
daemon/sources.py.

Do-not-disturb probes come first, so a reason names the user's own switch when both hold.
macOS Focus modes are not probed: their state is readable only through private APIs or by
reading files that macOS protects (Full Disk Access), neither fit for a background daemon.

To add a probe: a class with `name`, `hold_reason` and `close` (postureping.dnd.base.HoldProbe)
in its own module, whose opening raises ProbeUnavailable where it cannot work, and an entry in
PROBES.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence

from postureping.dnd.base import NO_DISPLAY, HoldProbe, ProbeUnavailable

Opener = Callable[[Mapping[str, str], frozenset[str]], HoldProbe]

_log = logging.getLogger(__name__)


def _gnome(environ: Mapping[str, str], never_hold: frozenset[str]) -> HoldProbe:
    from postureping.dnd.gnome import GnomeProbe

    return GnomeProbe.open(environ)


def _notifications_inhibited(environ: Mapping[str, str], never_hold: frozenset[str]) -> HoldProbe:
    from postureping.dnd import notifications  # needs jeepney

    return notifications.open_probe(environ)


def _dunst(environ: Mapping[str, str], never_hold: frozenset[str]) -> HoldProbe:
    from postureping.dnd import dunst  # needs jeepney

    return dunst.open_probe(environ)


def _mako(environ: Mapping[str, str], never_hold: frozenset[str]) -> HoldProbe:
    from postureping.dnd import mako  # needs jeepney

    return mako.open_probe(environ)


def _swaync(environ: Mapping[str, str], never_hold: frozenset[str]) -> HoldProbe:
    from postureping.dnd import swaync  # needs jeepney

    return swaync.open_probe(environ)


def _fullscreen(environ: Mapping[str, str], never_hold: frozenset[str]) -> HoldProbe:
    if not environ.get("DISPLAY"):  # checked first: python-xlib is big, and useless then
        raise ProbeUnavailable(NO_DISPLAY)
    from postureping.dnd.fullscreen import FullscreenProbe  # needs python-xlib

    return FullscreenProbe.open(environ, never_hold)


def _sway_fullscreen(environ: Mapping[str, str], never_hold: frozenset[str]) -> HoldProbe:
    from postureping.dnd.sway import SwayProbe

    return SwayProbe.open(environ, never_hold)


def _wlr_fullscreen(environ: Mapping[str, str], never_hold: frozenset[str]) -> HoldProbe:
    from postureping.dnd.wlr_toplevel import WlrToplevelProbe

    return WlrToplevelProbe.open(environ, never_hold)


def _windows_focus(environ: Mapping[str, str], never_hold: frozenset[str]) -> HoldProbe:
    from postureping.dnd.windows_focus import WindowsFocusProbe

    return WindowsFocusProbe.open()


# In the order they are asked.
PROBES: dict[str, Opener] = {
    "gnome": _gnome,
    "notifications-inhibited": _notifications_inhibited,
    "dunst": _dunst,
    "mako": _mako,
    "swaync": _swaync,
    "fullscreen": _fullscreen,
    "sway-fullscreen": _sway_fullscreen,
    "wlr-fullscreen": _wlr_fullscreen,
    "windows-focus": _windows_focus,
}


def choose_hold_probes(
    environ: Mapping[str, str], never_hold: frozenset[str]
) -> tuple[list[HoldProbe], list[tuple[str, str]]]:
    """The probes that work on this desktop (each was tried once), and (name, reason) for each
    one that does not (for `postureping doctor`).

    `environ` locates the session (DISPLAY, DBUS_SESSION_BUS_ADDRESS, XDG_CURRENT_DESKTOP).
    `never_hold`: window classes (WM_CLASS instance or class, compared case-insensitively)
    whose fullscreen windows never hold reminders. A D-Bus probe is kept when no notification
    server runs yet, or it does not answer: one may come later (see dnd.server_flag). Never
    raises; takes about a second per D-Bus probe at most, when a server does not answer.
    """
    probes: list[HoldProbe] = []
    unavailable: list[tuple[str, str]] = []
    for name, opener in PROBES.items():
        started = time.monotonic()
        try:
            probe = opener(environ, never_hold)
        except ProbeUnavailable as error:
            unavailable.append((name, str(error)))
        except ImportError as error:
            unavailable.append((name, f"a module it needs is not installed ({error})"))
        except Exception as error:  # a bug, or a desktop we did not foresee: never fatal
            _log.warning("could not try the %s hold probe", name, exc_info=True)
            unavailable.append((name, f"failed: {type(error).__name__}: {error}"))
        else:
            probes.append(probe)
        _log.debug("tried the %s hold probe in %.3f s", name, time.monotonic() - started)
    return probes, unavailable


def hold_reason(probes: Sequence[HoldProbe]) -> str | None:
    """The first probe's reason to hold reminders, or None when none holds. Later probes are
    not asked once one holds."""
    for probe in probes:
        if (reason := probe.hold_reason()) is not None:
            return reason
    return None
