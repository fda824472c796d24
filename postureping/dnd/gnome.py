"""GNOME's do-not-disturb: the GSettings key org.gnome.desktop.notifications show-banners.

The "Do Not Disturb" switch in GNOME's notification list sets show-banners to false. It is
read through Gio.Settings in this process (PyGObject, the optional `tray` extra), never by
running `gsettings`: with GNOME's dconf backend a read is a lookup in a memory-mapped file that
dconf flags as stale when another process writes it, so every call sees the current value
without a GLib main loop and costs microseconds.

When: only when the session says it is GNOME (XDG_CURRENT_DESKTOP lists GNOME, as on GNOME,
Ubuntu's GNOME, Pop!_OS, GNOME Flashback; or, with no XDG_CURRENT_DESKTOP, XDG_SESSION_DESKTOP
or DESKTOP_SESSION starts with "gnome"). The schema is installed on most Linux desktops
(gsettings-desktop-schemas comes with GTK on most distributions), but elsewhere nothing shows or
changes the key: a value left from an old GNOME session would hold reminders with no switch
in sight.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

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


class GnomeProbe:
    """Holds reminders while GNOME's do-not-disturb is on."""

    name = NAME

    def __init__(self, settings: Any) -> None:
        self._settings = settings  # a Gio.Settings of SCHEMA
        self._streak = FailureStreak(_log, NAME, ())

    @classmethod
    def open(cls, environ: Mapping[str, str]) -> GnomeProbe:
        """Raises ProbeUnavailable off GNOME, without PyGObject, or without the schema."""
        if not is_gnome_session(environ):
            desktop = environ.get("XDG_CURRENT_DESKTOP") or "not set"
            raise ProbeUnavailable(f"not a GNOME session (XDG_CURRENT_DESKTOP is {desktop})")
        gio = _import_gio()
        source = gio.SettingsSchemaSource.get_default()
        schema = source.lookup(SCHEMA, True) if source is not None else None
        if schema is None or not schema.has_key(KEY):
            raise ProbeUnavailable(f"the GSettings schema {SCHEMA} (with {KEY}) is not installed")
        # Not Gio.Settings.new(SCHEMA): that aborts the whole process when the schema is missing.
        settings = gio.Settings.new_full(schema, None, None)
        settings.get_boolean(KEY)
        return cls(settings)

    def hold_reason(self) -> str | None:
        return self._streak.run(self._read)

    def close(self) -> None:
        """Nothing to release: Gio.Settings shares the process's one dconf connection."""

    def _read(self) -> str | None:
        return None if self._settings.get_boolean(KEY) else REASON


def _import_gio() -> Any:
    try:
        import gi  # noqa: PLC0415  # optional: the `tray` extra

        gi.require_version("Gio", "2.0")
        from gi.repository import Gio  # noqa: PLC0415
    except (ImportError, ValueError) as error:
        raise ProbeUnavailable(
            f"needs PyGObject, from postureping's `tray` extra ({error})"
        ) from error
    return Gio
