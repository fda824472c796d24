"""The guide's look: the app's colours (the tray icon's teal, the report's green and ink), a
light and a dark palette, large fonts, and which palette the desktop asks for.

The desktop's wish is read where it says one: the XDG desktop portal's
org.freedesktop.appearance color-scheme (GNOME, KDE and others, over D-Bus), else GNOME's
org.gnome.desktop.interface color-scheme through `gsettings`; with neither, light.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from postureping.desktop.gsettings import find_gsettings, gsettings_get

THEMES = ("auto", "light", "dark")
PORTAL_TIMEOUT = 1.0  # seconds: the window must not wait long for a colour
GSETTINGS_TIMEOUT = 1.0


@dataclass(frozen=True)
class Palette:
    name: str
    background: str
    ink: str  # the step's text
    muted: str  # the title, "step 2 of 5"
    accent: str  # the countdown, the progress bar: the tray icon's teal
    trough: str  # the progress bar's empty part
    cue: str  # "Other side", "Paused"
    button: str
    button_ink: str


LIGHT = Palette(
    name="light",
    background="#ffffff",
    ink="#1b1f23",
    muted="#57606a",
    accent="#208c80",
    trough="#d0d7de",
    cue="#ef6c00",
    button="#f6f8fa",
    button_ink="#1b1f23",
)
DARK = Palette(
    name="dark",
    background="#1b1f23",
    ink="#f6f8fa",
    muted="#a0a8b0",
    accent="#3fb8a8",
    trough="#3a4048",
    cue="#ffa040",
    button="#2d333b",
    button_ink="#f6f8fa",
)

# Points: read from a metre away (a 12 pt text is meant for half that).
TITLE_SIZE = 16
STEP_SIZE = 26
COUNTDOWN_SIZE = 64
SMALL_SIZE = 14


def palette(theme: str, environ: Mapping[str, str]) -> Palette:
    """The palette for `theme` ("light", "dark", or "auto": the desktop's wish)."""
    if theme == "dark":
        return DARK
    if theme == "light":
        return LIGHT
    return DARK if desktop_prefers_dark(environ) else LIGHT


def desktop_prefers_dark(environ: Mapping[str, str]) -> bool:
    """Whether the desktop asks for dark colours; False where it says nothing or cannot be
    asked (no bus, no portal, no gsettings: a light window is never wrong)."""
    wish = _portal_color_scheme(environ)
    if wish is not None:
        return wish == 1
    return _gnome_color_scheme(environ) == "prefer-dark"


def _portal_color_scheme(environ: Mapping[str, str]) -> int | None:
    """The portal's color-scheme: 0 no preference, 1 dark, 2 light; None: not told."""
    if sys.platform != "linux" or not environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return None
    try:
        from jeepney import (  # type: ignore[import-untyped]  # noqa: PLC0415
            DBusAddress,
            new_method_call,
        )

        from postureping.desktop.dbus_blocking import open_blocking  # noqa: PLC0415
    except ImportError:
        return None
    portal = DBusAddress(
        "/org/freedesktop/portal/desktop",
        bus_name="org.freedesktop.portal.Desktop",
        interface="org.freedesktop.portal.Settings",
    )
    call = new_method_call(portal, "Read", "ss", ("org.freedesktop.appearance", "color-scheme"))
    try:
        with open_blocking(environ["DBUS_SESSION_BUS_ADDRESS"], PORTAL_TIMEOUT) as bus:
            reply = bus.send_and_get_reply(call, timeout=PORTAL_TIMEOUT)
    except (OSError, ValueError, RuntimeError):
        return None
    if reply.header.message_type.name != "method_return":
        return None
    return _unwrap(reply.body[0] if reply.body else None)


def _unwrap(value: Any) -> int | None:
    """Read's answer is a variant, in older portals a variant in a variant: ("u", 1)."""
    for _ in range(3):
        match value:
            case (str(), inner):
                value = inner
            case int() if not isinstance(value, bool):
                return value
            case _:
                return None
    return None


def _gnome_color_scheme(environ: Mapping[str, str]) -> str | None:
    program = find_gsettings(environ)
    if program is None:
        return None
    try:
        value = gsettings_get(
            program, environ, "org.gnome.desktop.interface", "color-scheme", GSETTINGS_TIMEOUT
        )
    except OSError:
        return None
    return value.strip("'")
