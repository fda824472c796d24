"""GNOME's idle time: Mutter's IdleMonitor on the session bus (X11 and Wayland sessions alike).

Mutter owns the bus name `org.gnome.Mutter.IdleMonitor` and counts every input it sees, native
Wayland clients included, which is why this monitor comes first on Linux.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from jeepney import DBusAddress, new_method_call  # type: ignore[import-untyped]
from jeepney.wrappers import DBusErrorResponse  # type: ignore[import-untyped]

from postureping.idle.base import IdleUnavailable
from postureping.idle.bus import CALL_TIMEOUT, SessionBusCaller, error_reason, reply_idle_time

BUS_NAME = "org.gnome.Mutter.IdleMonitor"
OBJECT_PATH = "/org/gnome/Mutter/IdleMonitor/Core"
INTERFACE = "org.gnome.Mutter.IdleMonitor"

_IDLE_MONITOR = DBusAddress(OBJECT_PATH, bus_name=BUS_NAME, interface=INTERFACE)


class GnomeIdleMonitor:
    """`GetIdletime` (milliseconds, `t`) of Mutter's core idle monitor."""

    name = "gnome"

    def __init__(self, environ: Mapping[str, str], timeout: float = CALL_TIMEOUT) -> None:
        self._bus = SessionBusCaller(environ, timeout)

    def idle_time(self) -> timedelta:
        try:
            reply = self._bus.call(new_method_call(_IDLE_MONITOR, "GetIdletime"))
        except DBusErrorResponse as error:
            raise IdleUnavailable(error_reason(error, BUS_NAME)) from error
        return reply_idle_time(reply, "GetIdletime")

    def close(self) -> None:
        self._bus.close()
