"""Probes that call a method of the notification server on the session bus and decide from its
answer (mako's modes, swaync's do-not-disturb).

The call goes to org.freedesktop.Notifications, so it reaches whichever server holds that
name, on the object path and interface of the server the probe is for: another server
answers that it has no such method or object, and the probe is unavailable. As with the
property probes (postureping.dnd.server_flag, whose errors and blocking connection this
shares): no session bus, unavailable; no server running yet, or one that does not answer,
the probe is kept, answers None, logs that once, and follows the server once one answers.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from jeepney import DBusAddress, HeaderFields, new_method_call  # type: ignore[import-untyped]
from jeepney.wrappers import DBusErrorResponse, unwrap_msg  # type: ignore[import-untyped]

from postureping.desktop.dbus_blocking import BlockingBus
from postureping.desktop.dbus_connect import CONNECTION_ERRORS
from postureping.dnd.base import FailureStreak, ProbeUnavailable
from postureping.dnd.server_flag import (
    CALL_TIMEOUT,
    NOTIFICATIONS,
    NoBus,
    PropertyMissing,
    ReadError,
    first_read,
)

# What a server answers for a method, interface or object it does not have: GDBus (dunst,
# swaync) says UnknownMethod or UnknownObject, sd-bus (mako) UnknownObject or UnknownMethod;
# any other "unknown" counts the same.
_NOT_THIS_SERVER = {
    f"org.freedesktop.DBus.Error.{name}"
    for name in (
        "UnknownMethod", "UnknownObject", "UnknownInterface", "UnknownProperty", "InvalidArgs"
    )
}  # fmt: skip
_NO_SERVER = {
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
}

Decide = Callable[[tuple[Any, ...]], str | None]  # the reply's arguments -> a hold reason


class ServerCall:
    """Calls `interface`.`method` at `path` of the notification server on the bus at
    `address`, with no arguments, and returns the reply's arguments."""

    def __init__(
        self, address: str, path: str, interface: str, method: str, signature: str
    ) -> None:
        self._address = address
        self.what = f"{interface}.{method}"
        self._message = new_method_call(DBusAddress(path, NOTIFICATIONS, interface), method)
        self._signature = signature
        self._bus = BlockingBus(address, CALL_TIMEOUT)

    @classmethod
    def on_session_bus(
        cls, environ: Mapping[str, str], path: str, interface: str, method: str, signature: str
    ) -> ServerCall:
        """Raises NoBus when `environ` names no session bus."""
        if not (address := environ.get("DBUS_SESSION_BUS_ADDRESS")):
            raise NoBus("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)")
        return cls(address, path, interface, method, signature)

    def read(self) -> tuple[Any, ...]:
        """The reply's arguments. Raises ReadError (PropertyMissing: not this server; NoBus)."""
        self.connection()  # NoBus: raised before the call
        try:
            reply = self._bus.exchange(self._message)
            body = tuple(unwrap_msg(reply))
        except DBusErrorResponse as error:
            raise self._explained(error) from error
        except TimeoutError as error:
            # The late reply, if it comes, is skipped by the next call: the connection stays.
            raise ReadError(
                f"the notification server did not answer in {CALL_TIMEOUT:g} s"
            ) from error
        except (OSError, ValueError) as error:  # the bus went away, or sent something unreadable
            self.close()
            raise ReadError(f"lost the D-Bus session bus ({error})") from error
        signature = reply.header.fields.get(HeaderFields.signature, "")
        if signature != self._signature:
            raise ReadError(
                f"the notification server's {self.what} answered {signature!r}, "
                f"not {self._signature!r}"
            )
        return body

    def connection(self) -> Any:
        """The blocking connection (opened if needed); raises NoBus."""
        try:
            return self._bus.connection()
        except CONNECTION_ERRORS as error:  # TimeoutError is an OSError
            raise NoBus(f"no D-Bus session bus at {self._address} ({error})") from error

    def close(self) -> None:
        self._bus.disconnect()

    def _explained(self, error: DBusErrorResponse) -> ReadError:
        text = error.data[0] if error.data and isinstance(error.data[0], str) else error.name
        if error.name in _NOT_THIS_SERVER:
            return PropertyMissing(f"the notification server has no {self.what} ({text})")
        if error.name in _NO_SERVER:
            return ReadError("no notification server is running")
        return ReadError(f"the notification server answered {error.name}: {text}")


class ServerCallProbe:
    """Holds reminders while `decide(reply)` gives a reason."""

    def __init__(self, name: str, call: ServerCall, decide: Decide, log: logging.Logger) -> None:
        self.name = name
        self._call = call
        self._decide = decide
        self._streak = FailureStreak(log, name, (ReadError,))

    @classmethod
    def open(
        cls, environ: Mapping[str, str], name: str, call: tuple[str, str, str, str],
        decide: Decide, log: logging.Logger,
    ) -> ServerCallProbe:  # fmt: skip
        """A probe of `call` (path, interface, method, reply signature), made once. Raises
        ProbeUnavailable with no session bus, or when the server is another one."""
        try:
            server_call = ServerCall.on_session_bus(environ, *call)
        except NoBus as error:
            raise ProbeUnavailable(str(error)) from error
        probe = cls(name, server_call, decide, log)
        first_read(server_call.read, server_call.close, probe._streak)
        return probe

    @property
    def call(self) -> ServerCall:
        return self._call

    def hold_reason(self) -> str | None:
        return self._streak.run(lambda: self._decide(self._call.read()))

    def close(self) -> None:
        self._call.close()
