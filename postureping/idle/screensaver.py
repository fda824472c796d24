"""The idle time from `org.freedesktop.ScreenSaver.GetSessionIdleTime`, as KDE Plasma serves it.

Units: KDE answers in milliseconds, and that is what this assumes. Some other implementations
(xfce4-screensaver, the old gnome-screensaver) answer in seconds; GNOME's own service answers
with a "not supported" error, so on GNOME the registry moves on to the next monitor.

KDE exports the interface at `/org/freedesktop/ScreenSaver` and at the older `/ScreenSaver`;
some services have only one of them, so both are tried, the one that answered last first.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from jeepney import DBusAddress, new_method_call  # type: ignore[import-untyped]
from jeepney.wrappers import DBusErrorResponse  # type: ignore[import-untyped]

from postureping.idle.base import IdleUnavailable
from postureping.idle.bus import CALL_TIMEOUT, SessionBusCaller, error_reason, reply_idle_time

BUS_NAME = "org.freedesktop.ScreenSaver"
INTERFACE = "org.freedesktop.ScreenSaver"
OBJECT_PATHS = ("/org/freedesktop/ScreenSaver", "/ScreenSaver")

# Errors that say "not at this path": worth trying the other one.
_NOT_HERE = frozenset(
    {
        "org.freedesktop.DBus.Error.UnknownObject",
        "org.freedesktop.DBus.Error.UnknownInterface",
        "org.freedesktop.DBus.Error.UnknownMethod",
    }
)


class ScreenSaverIdleMonitor:
    """`GetSessionIdleTime` (milliseconds, `u`) of the freedesktop screen saver service."""

    name = "screensaver"

    def __init__(self, environ: Mapping[str, str], timeout: float = CALL_TIMEOUT) -> None:
        self._bus = SessionBusCaller(environ, timeout)
        self._paths: tuple[str, ...] = OBJECT_PATHS  # the one that answered last comes first

    def idle_time(self) -> timedelta:
        not_here: list[DBusErrorResponse] = []
        for path in self._paths:
            address = DBusAddress(path, bus_name=BUS_NAME, interface=INTERFACE)
            try:
                reply = self._bus.call(new_method_call(address, "GetSessionIdleTime"))
            except DBusErrorResponse as error:
                if error.name not in _NOT_HERE:
                    raise IdleUnavailable(error_reason(error, BUS_NAME)) from error
                not_here.append(error)
                continue
            self._paths = (path, *(other for other in OBJECT_PATHS if other != path))
            return reply_idle_time(reply, "GetSessionIdleTime")
        raise IdleUnavailable(error_reason(not_here[0], BUS_NAME)) from not_here[0]

    def close(self) -> None:
        self._bus.close()
