"""Probes that read a boolean property (a flag) of the notification server on the session bus.

The dunst and notifications-inhibited probes differ only in the property they read: each
module configures a ServerFlagProbe. The flag is read with Properties.Get.

Why blocking jeepney, not postureping.desktop.session_bus: probes are asked from one thread,
one call at a time, so a plain blocking connection with a timeout on each call is enough and
costs no reader thread. Why a connection of its own: the notifier's connection belongs to the
notification worker; sharing it would couple a slow reminder to a slow probe. The connection
is kept between calls (a probe is asked every 30 s while something holds) and replaced after
it breaks.

A probe is unavailable when there is no session bus, or when the server answers that it has
no such property. With no server running yet (the daemon may start before the desktop's
server) or one that does not answer, the probe is kept: it answers None, logs that once, and
follows the flag as soon as a server answers. D-Bus activation is left on: with no server
running, the bus may start the activatable one, as the daemon's first reminder would anyway.

Once `watch` is called, the flag's PropertiesChanged signals (dnd.flag_watch) wake the daemon
as soon as the flag changes, where the server sends them (Plasma does for `Inhibited`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from jeepney import DBusAddress  # type: ignore[import-untyped]
from jeepney.wrappers import (  # type: ignore[import-untyped]
    DBusErrorResponse,
    Properties,
    unwrap_msg,
)

from postureping.desktop.dbus_blocking import BlockingBus
from postureping.desktop.dbus_connect import CONNECTION_ERRORS
from postureping.dnd.base import FailureStreak, ProbeUnavailable
from postureping.dnd.flag_watch import FlagWatch

NOTIFICATIONS = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
CALL_TIMEOUT = 1.0  # seconds, for connecting and for each call

# What servers answer for a property, or an interface, they do not have: GDBus (dunst, GNOME)
# and Qt (KDE) say InvalidArgs, sd-bus says UnknownProperty or UnknownInterface.
_NO_SUCH_PROPERTY = {
    f"org.freedesktop.DBus.Error.{name}"
    for name in ("InvalidArgs", "UnknownProperty", "UnknownInterface", "UnknownMethod")
}
_NO_SERVER = {
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
}


class ReadError(Exception):
    """The property could not be read; the message says why."""


class PropertyMissing(ReadError):
    """The server answered that it has no such property: it never will."""


class NoBus(ReadError):
    """No session bus to connect to."""


class ServerProperty:
    """Reads `interface`.`name` (type b) of the notification server on the bus at `address`."""

    def __init__(self, address: str, interface: str, name: str) -> None:
        self.address, self.interface, self.name = address, interface, name
        self._address = address
        self._what = f"{interface} {name}"
        self._message = Properties(DBusAddress(PATH, NOTIFICATIONS, interface)).get(name)
        self._bus = BlockingBus(address, CALL_TIMEOUT)

    @classmethod
    def on_session_bus(
        cls, environ: Mapping[str, str], interface: str, name: str
    ) -> ServerProperty:
        """Raises NoBus when `environ` names no session bus."""
        if not (address := environ.get("DBUS_SESSION_BUS_ADDRESS")):
            raise NoBus("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)")
        return cls(address, interface, name)

    def read(self) -> bool:
        """The property's value. Raises ReadError (PropertyMissing, NoBus...)."""
        self._connection()  # NoBus: raised before the call
        try:
            reply = self._bus.exchange(self._message)
            (value,) = unwrap_msg(reply)
        except DBusErrorResponse as error:
            raise _explained(error, self._what) from error
        except TimeoutError as error:
            # The late reply, if it comes, is skipped by the next call: the connection stays.
            raise ReadError(
                f"the notification server did not answer in {CALL_TIMEOUT:g} s"
            ) from error
        except (OSError, ValueError) as error:  # the bus went away, or sent something unreadable
            self.close()
            raise ReadError(f"lost the D-Bus session bus ({error})") from error
        signature, data = value
        if signature != "b":
            raise ReadError(f"the notification server's {self._what} is {signature!r}, not 'b'")
        return bool(data)

    def close(self) -> None:
        self._bus.disconnect()

    def _connection(self) -> Any:
        try:
            return self._bus.connection()
        except CONNECTION_ERRORS as error:  # TimeoutError is an OSError
            raise NoBus(f"no D-Bus session bus at {self._address} ({error})") from error


class ServerFlagProbe:
    """Holds reminders, for `reason`, while the server's flag is true."""

    def __init__(self, name: str, reason: str, flag: ServerProperty, log: logging.Logger) -> None:
        self.name = name
        self._reason = reason
        self._flag = flag
        self._streak = FailureStreak(log, name, (ReadError,))
        self._watch: FlagWatch | None = None

    @classmethod
    def open(
        cls,
        environ: Mapping[str, str],
        name: str,
        flag: tuple[str, str],
        reason: str,
        log: logging.Logger,
    ) -> ServerFlagProbe:
        """A probe of `flag` (interface, property), read once. Raises ProbeUnavailable with no
        session bus, or when the server has no such property (see the module docstring)."""
        try:
            prop = ServerProperty.on_session_bus(environ, *flag)
        except NoBus as error:
            raise ProbeUnavailable(str(error)) from error
        probe = cls(name, reason, prop, log)
        first_read(prop.read, prop.close, probe._streak)
        return probe

    def hold_reason(self) -> str | None:
        return self._streak.run(self._read)

    def watch(self, changed: Callable[[], None]) -> None:
        """Call `changed()` (on the watch's thread) when the server says the flag changed.
        Once; later calls are ignored."""
        if self._watch is not None:
            return
        flag = self._flag
        self._watch = FlagWatch(
            flag.address, service=NOTIFICATIONS, path=PATH, interface=flag.interface,
            name=flag.name, probe=self.name,
        )  # fmt: skip
        self._watch.start(changed)

    def close(self) -> None:
        if self._watch is not None:
            self._watch.close()
        self._flag.close()

    def _read(self) -> str | None:
        return self._reason if self._flag.read() else None


def first_read(
    read: Callable[[], object], close: Callable[[], None], streak: FailureStreak
) -> None:
    """A server probe's first read, when it is made: no bus, or a server that lacks what is
    read, makes the probe unavailable (`close` is called); no server yet, or a slow one,
    keeps it, with the failure logged once (see the module's docstring)."""
    try:
        read()
    except (NoBus, PropertyMissing) as error:
        close()
        raise ProbeUnavailable(str(error)) from error
    except ReadError as error:
        streak.failed(error)


def _explained(error: DBusErrorResponse, what: str) -> ReadError:
    text = error.data[0] if error.data and isinstance(error.data[0], str) else error.name
    if error.name in _NO_SUCH_PROPERTY:
        return PropertyMissing(f"the notification server has no {what} property ({text})")
    if error.name in _NO_SERVER:
        return ReadError("no notification server is running")
    return ReadError(f"the notification server answered {error.name}: {text}")
