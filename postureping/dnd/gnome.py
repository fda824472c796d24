"""GNOME's do-not-disturb: the GSettings key org.gnome.desktop.notifications show-banners.

The "Do Not Disturb" switch in GNOME's notification list sets show-banners to false. Where
PyGObject is installed (the optional `tray` extra) it is read through Gio.Settings in this
process: with GNOME's dconf backend a read is a lookup in a memory-mapped file that dconf
flags as stale when another process writes it, so every call sees the current value without a
GLib main loop and costs microseconds. A default install has no PyGObject: then it is read by
running GLib's `gsettings get` (a few milliseconds), which every GNOME has; the probe is asked
only when a reminder is due and every 30 s while one waits, so that costs nothing that shows.

When: only when the session says it is GNOME (XDG_CURRENT_DESKTOP lists GNOME, as on GNOME,
Ubuntu's GNOME, Pop!_OS, GNOME Flashback; or, with no XDG_CURRENT_DESKTOP, XDG_SESSION_DESKTOP
or DESKTOP_SESSION starts with "gnome"). The schema is installed on most Linux desktops
(gsettings-desktop-schemas comes with GTK on most distributions), but elsewhere nothing shows or
changes the key: a value left from an old GNOME session would hold reminders with no switch
in sight.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from postureping.desktop.gsettings import NotInstalled, find_gsettings, gsettings_get
from postureping.dnd.base import FailureStreak, ProbeUnavailable

NAME = "gnome"
SCHEMA = "org.gnome.desktop.notifications"
KEY = "show-banners"
REASON = "do not disturb is on (GNOME)"

_log = logging.getLogger(__name__)


def is_gnome_session(environ: Mapping[str, str]) -> bool:
    """Whether the session's environment says this is GNOME (see the module docstring)."""
    current = environ.get("XDG_CURRENT_DESKTOP")
    if current is not None:
        return "gnome" in (part.strip().casefold() for part in current.split(":"))
    sessions = (environ.get(var, "") for var in ("XDG_SESSION_DESKTOP", "DESKTOP_SESSION"))
    return any(session.casefold().startswith("gnome") for session in sessions)


NOT_INSTALLED = f"the GSettings schema {SCHEMA} (with {KEY}) is not installed"
GSETTINGS_TIMEOUT = 2.0  # seconds for `gsettings get`


class GnomeProbe:
    """Holds reminders while GNOME's do-not-disturb is on."""

    name = NAME

    def __init__(self, read: Callable[[], bool]) -> None:
        self._banners = read  # show-banners, through Gio or gsettings
        self._streak = FailureStreak(_log, NAME, (OSError,))

    @classmethod
    def open(cls, environ: Mapping[str, str]) -> GnomeProbe:
        """Raises ProbeUnavailable off GNOME, without both PyGObject and `gsettings`, or
        without the schema."""
        if not is_gnome_session(environ):
            desktop = environ.get("XDG_CURRENT_DESKTOP") or "not set"
            raise ProbeUnavailable(f"not a GNOME session (XDG_CURRENT_DESKTOP is {desktop})")
        try:
            gio = _import_gio()
        except (ImportError, ValueError) as error:
            return cls(_gsettings_reader(environ, error))
        source = gio.SettingsSchemaSource.get_default()
        schema = source.lookup(SCHEMA, True) if source is not None else None
        if schema is None or not schema.has_key(KEY):
            raise ProbeUnavailable(NOT_INSTALLED)
        # Not Gio.Settings.new(SCHEMA): that aborts the whole process when the schema is missing.
        settings = gio.Settings.new_full(schema, None, None)
        settings.get_boolean(KEY)
        return cls(lambda: bool(settings.get_boolean(KEY)))

    def hold_reason(self) -> str | None:
        return self._streak.run(self._read)

    def close(self) -> None:
        """Nothing to release: Gio.Settings shares the process's one dconf connection, and
        `gsettings` runs only for each look."""

    def _read(self) -> str | None:
        return None if self._banners() else REASON


def _import_gio() -> Any:
    import gi  # optional: the `tray` extra

    gi.require_version("Gio", "2.0")
    from gi.repository import Gio

    return Gio


def _gsettings_reader(environ: Mapping[str, str], no_gio: Exception) -> Callable[[], bool]:
    """show-banners read by GLib's `gsettings` program. Raises ProbeUnavailable without the
    program or the schema."""
    program = find_gsettings(environ)
    if program is None:
        raise ProbeUnavailable(
            f"needs PyGObject (postureping's `tray` extra: {no_gio}) or GLib's gsettings "
            "program to read GNOME's switch"
        )

    def read() -> bool:
        try:
            answer = gsettings_get(program, environ, SCHEMA, KEY, GSETTINGS_TIMEOUT)
        except NotInstalled as error:
            raise ProbeUnavailable(NOT_INSTALLED) from error
        if answer not in ("true", "false"):
            raise OSError(f"gsettings get {SCHEMA} {KEY}: {answer or 'no answer'}")
        return answer == "true"

    read()  # the schema is there and the program answers
    return read
