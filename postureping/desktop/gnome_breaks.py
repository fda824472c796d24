"""GNOME's own break reminders (GNOME 48 and later): are its movement breaks on?

GNOME Shell reminds of breaks itself when the GSettings key
`org.gnome.desktop.break-reminders selected-breaks` lists "movement" (Settings, Wellbeing);
the child schema `org.gnome.desktop.break-reminders.movement` holds their interval and length.
GNOME Shell also serves the state of its break manager on the session bus: property `State` of
interface org.gnome.Shell.ScreenTime at /org/gnome/Shell/ScreenTime, owned by org.gnome.Shell
(0 disabled, 1 active, 2 idle, 3 in a break, 4 a break due; see js/misc/breakManager.js in
gnome-shell). There is no org.gnome.Shell.Wellbeing interface.

Movement breaks count as on when the key lists "movement", in a GNOME session (as
dnd/gnome.py tells it) or where GNOME Shell's ScreenTime answers, unless ScreenTime says its
break manager is disabled. Elsewhere a value left from an old GNOME session, with nothing to
show the breaks, would make us skip walks for nothing.

Why the `gsettings` program and not Gio in-process: PyGObject is optional, and this is read
rarely (at start-up, by `doctor`, and when a walk reminder is due, once per walk interval), so a
child process each time costs nothing that matters and reads the current value without a GLib
main loop. Each read is bounded by `timeout`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from postureping.desktop.gsettings import find_gsettings, gsettings_get
from postureping.dnd.gnome import is_gnome_session

SCHEMA = "org.gnome.desktop.break-reminders"
KEY = "selected-breaks"
MOVEMENT = "movement"
MOVEMENT_SCHEMA = f"{SCHEMA}.movement"
SHELL = "org.gnome.Shell"
SCREEN_TIME_PATH = "/org/gnome/Shell/ScreenTime"
SCREEN_TIME = "org.gnome.Shell.ScreenTime"
DISABLED = 0  # ScreenTime's State when GNOME's break reminders are off
TIMEOUT = 2.0

_STRING = re.compile(r"'((?:[^'\\]|\\.)*)'")
_UINT = re.compile(r"^(?:uint32 )?(\d+)$")


@dataclass(frozen=True)
class GnomeBreaks:
    """What GNOME says of its movement breaks; `reason` says why they count as off, or is
    empty when they are on."""

    movement: bool
    reason: str = ""
    every: timedelta | None = None
    length: timedelta | None = None

    def describe(self) -> str:
        if not self.movement:
            return self.reason
        if self.every is None or self.length is None:
            return "GNOME's movement breaks are on"
        return (
            f"GNOME's movement breaks are on (every {_minutes(self.every)}, "
            f"{_minutes(self.length)} each)"
        )


SKIP_WALK = 'activity.gnome_movement_breaks = "skip-walk"'


def advice(breaks: GnomeBreaks, setting: str) -> str:
    """What postureping does about GNOME's movement breaks that are on, for `doctor` and the
    first run; `setting` is activity.gnome_movement_breaks."""
    if setting == "skip-walk":
        return f"{breaks.describe()}: postureping leaves the walk to them ({SKIP_WALK})"
    return (
        f"{breaks.describe()}: postureping reminds you of the walk as well; to leave it to "
        f"GNOME, set {SKIP_WALK}"
    )


def parse_strings(text: str) -> list[str]:
    """The strings of a GVariant `as` as gsettings prints it (`['a', 'b']`, `@as []`)."""
    return [match.group(1).replace("\\'", "'") for match in _STRING.finditer(text)]


def parse_seconds(text: str) -> timedelta | None:
    """A `u` as gsettings prints it (`1800` or `uint32 1800`), as seconds; None if not one."""
    match = _UINT.match(text.strip())
    return timedelta(seconds=int(match.group(1))) if match else None


def read_gnome_breaks(environ: Mapping[str, str], timeout: float = TIMEOUT) -> GnomeBreaks:
    """GNOME's movement breaks now (see the module's docstring). Never raises."""
    program = find_gsettings(environ)
    if program is None:
        return GnomeBreaks(False, "no gsettings program (GLib's tools) to ask")
    selected = _gsettings(program, environ, timeout, SCHEMA, KEY)
    if selected is None:
        return GnomeBreaks(False, f"not on this desktop (no GSettings schema {SCHEMA})")
    if MOVEMENT not in parse_strings(selected):
        return GnomeBreaks(False, "GNOME's movement breaks are off")
    state = screen_time_state(environ, timeout)
    if state is None and not is_gnome_session(environ):
        return GnomeBreaks(False, "not a GNOME session, and no GNOME Shell break reminders")
    if state == DISABLED:
        return GnomeBreaks(False, "GNOME Shell's break reminders are off")
    every, length = (
        parse_seconds(_gsettings(program, environ, timeout, MOVEMENT_SCHEMA, key) or "")
        for key in ("interval-seconds", "duration-seconds")
    )
    return GnomeBreaks(True, every=every, length=length)


def screen_time_state(environ: Mapping[str, str], timeout: float = TIMEOUT) -> int | None:
    """GNOME Shell's break manager state (ScreenTime's `State`), or None where nothing
    answers."""
    try:
        from jeepney import DBusAddress, Properties  # type: ignore[import-untyped]
        from jeepney.wrappers import DBusErrorResponse  # type: ignore[import-untyped]

        from postureping.desktop.dbus_blocking import BlockingBus, BusUnavailable
    except ImportError:
        return None
    if not (bus_address := environ.get("DBUS_SESSION_BUS_ADDRESS")):
        return None
    bus = BlockingBus(bus_address, timeout)
    try:
        address = DBusAddress(SCREEN_TIME_PATH, bus_name=SHELL, interface=SCREEN_TIME)
        reply = bus.call(Properties(address).get("State"))
    except (DBusErrorResponse, BusUnavailable):
        return None
    finally:
        bus.close()
    match reply:
        case (("u", int(state)),):
            return state
    return None


def _gsettings(
    program: str, environ: Mapping[str, str], timeout: float, schema: str, key: str
) -> str | None:
    """`gsettings get SCHEMA KEY`, or None when it fails (no such schema or key)."""
    try:
        return gsettings_get(program, environ, schema, key, timeout)
    except OSError:
        return None


def _minutes(length: timedelta) -> str:
    minutes, seconds = divmod(int(length.total_seconds()), 60)
    return f"{minutes} min" if not seconds else f"{minutes} min {seconds} s"
