"""The idle time from `org.freedesktop.ScreenSaver.GetSessionIdleTime`, as KDE Plasma serves it.

Units: KDE answers in milliseconds, xfce4-screensaver and its family in seconds (the interface
does not say). Which one a running server uses is told by the names its connection owns and,
overriding that, by how fast its answers grow (postureping.idle.units); until then milliseconds
is assumed. GNOME's own service answers with a "not supported" error, so on GNOME the registry
moves on to the next monitor.

KDE exports the interface at `/org/freedesktop/ScreenSaver` and at the older `/ScreenSaver`;
some services have only one of them, so both are tried, the one that answered last first.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import timedelta

from jeepney import DBusAddress, message_bus, new_method_call  # type: ignore[import-untyped]
from jeepney.wrappers import DBusErrorResponse  # type: ignore[import-untyped]

from postureping.idle.base import IdleUnavailable
from postureping.idle.bus import CALL_TIMEOUT, SessionBusCaller, error_reason, reply_idle_time
from postureping.idle.units import KNOWN_NAMES, Unit, UnitMeter, unit_by_names

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
    """`GetSessionIdleTime` (`u`, in the unit the server turns out to use) of the
    freedesktop screen saver service."""

    name = "screensaver"

    def __init__(
        self,
        environ: Mapping[str, str],
        timeout: float = CALL_TIMEOUT,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._bus = SessionBusCaller(environ, timeout)
        self._paths: tuple[str, ...] = OBJECT_PATHS  # the one that answered last comes first
        self._clock = clock
        self._owner: str | None = None  # the server's unique name, when last asked
        self._named: Unit | None = None  # the unit its other names tell
        self._meter = UnitMeter()

    @property
    def unit(self) -> Unit | None:
        """The unit the server was found to use; None while not known (milliseconds assumed)."""
        return self._named or self._meter.unit  # a known family wins over a coincidence

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
            raw = reply_idle_time(reply, "GetSessionIdleTime") // timedelta(milliseconds=1)
            return self._convert(raw)
        raise IdleUnavailable(error_reason(not_here[0], BUS_NAME)) from not_here[0]

    def close(self) -> None:
        self._bus.close()

    def _convert(self, raw: int) -> timedelta:
        self._identify()
        self._meter.observe(self._clock(), raw)
        unit = self.unit or Unit.MILLISECONDS
        try:
            return timedelta(milliseconds=raw * unit.value)
        except OverflowError as error:
            raise IdleUnavailable(f"GetSessionIdleTime answered {raw} {unit.label}") from error

    def _identify(self) -> None:
        """Which known names the server's connection owns, asked again when another
        connection owns the service (a restart, another screen saver); a new server is
        measured afresh."""
        try:
            (owner,) = self._bus.call(message_bus.GetNameOwner(BUS_NAME))
        except DBusErrorResponse:
            return
        if owner == self._owner:
            return
        self._owner, self._meter = str(owner), UnitMeter()
        owned = []
        for name in KNOWN_NAMES:
            try:
                (other,) = self._bus.call(message_bus.GetNameOwner(name))
            except DBusErrorResponse:
                continue
            if other == owner:
                owned.append(name)
        self._named = unit_by_names(owned)
