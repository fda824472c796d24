"""A blocking jeepney connection, for callers that use a bus from one thread, one call at a
time (the idle monitors, the do-not-disturb probes, GNOME's break settings, the tray's look
for a watcher): no reader thread, nothing to wake up for between calls.

Time limits: connecting (authentication and Hello together, postureping.desktop.dbus_connect)
and every call take at most their `timeout` each. Nothing arrives between calls but the bus's
own NameAcquired, which the next call skips; a reply that came too late is skipped the same
way, so a call that times out leaves the connection usable.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any

from jeepney import HeaderFields  # type: ignore[import-untyped]
from jeepney.io.blocking import DBusConnection  # type: ignore[import-untyped]
from jeepney.wrappers import unwrap_msg  # type: ignore[import-untyped]

from postureping.desktop.dbus_connect import CONNECTION_ERRORS, connect, describe


class BusUnavailable(Exception):
    """The bus cannot be used: none named, none there, or it does not answer."""


def open_blocking(address: str, timeout: float) -> TimedConnection:
    """Connect to the bus at `address` within `timeout` seconds. Raises OSError (including
    TimeoutError), ValueError or RuntimeError, as jeepney's own connect does."""
    return connect(address, timeout, TimedConnection)


class TimedConnection(DBusConnection):  # type: ignore[misc]
    """jeepney's blocking connection, with a time limit on its Hello call."""

    def __init__(self, sock: socket.socket, hello_timeout: float) -> None:
        self._hello_timeout = hello_timeout  # before the base class says Hello
        super().__init__(sock)

    def send_and_get_reply(self, message: Any, *, timeout: float | None = None) -> Any:
        # Only the base class's Hello comes without a timeout: every call here has one.
        limit = self._hello_timeout if timeout is None else timeout
        return super().send_and_get_reply(message, timeout=limit)


class BlockingBus:
    """The bus at `address`, connected at the first use and kept open between calls.

    The constructor does no I/O. `connection` and `exchange` raise what jeepney raises (see
    dbus_connect.CONNECTION_ERRORS, and DBusErrorResponse for an error reply), for callers
    that word each failure themselves; `call` tries once more on a fresh connection when the
    old one broke, and raises BusUnavailable for everything but an error reply.
    """

    def __init__(self, address: str, timeout: float) -> None:
        self.address = address
        self.timeout = timeout
        self._conn: TimedConnection | None = None
        self._closed = False

    def connection(self) -> TimedConnection:
        """The connection, opened if need be."""
        if self._closed:
            raise BusUnavailable("the connection is closed")
        if self._conn is None:
            self._conn = open_blocking(self.address, self.timeout)
        return self._conn

    def exchange(self, message: Any, timeout: float | None = None) -> Any:
        """Send a method call and return its reply message. A connection that breaks on the
        way (not a timeout: then the connection is still good) is closed."""
        conn = self.connection()
        try:
            return conn.send_and_get_reply(
                message, timeout=self.timeout if timeout is None else timeout
            )
        except TimeoutError:
            raise
        except CONNECTION_ERRORS:
            self.disconnect()
            raise

    def call(self, message: Any) -> tuple[Any, ...]:
        """Send a method call and return the reply's arguments. Raises DBusErrorResponse for
        an error reply, BusUnavailable for anything else. Ends within twice `timeout`."""
        if self._conn is not None:
            try:
                return self._unwrapped(message)
            except CONNECTION_ERRORS:
                pass  # the bus restarted, or dropped us: one new connection
        try:
            return self._unwrapped(message)
        except CONNECTION_ERRORS as error:
            self.disconnect()
            raise BusUnavailable(f"cannot use the session bus ({describe(error)})") from error

    def disconnect(self) -> None:
        """Close the connection; the next use opens a new one."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()

    def close(self) -> None:
        self._closed = True
        self.disconnect()

    def _unwrapped(self, message: Any) -> tuple[Any, ...]:
        self.connection()  # connecting says for itself what timed out (Hello)
        try:
            reply = self.exchange(message)
        except TimeoutError as error:  # an OSError, but the connection is still good
            service = message.header.fields.get(HeaderFields.destination, "the session bus")
            raise BusUnavailable(f"{service} did not answer within {self.timeout:g} s") from error
        return tuple(unwrap_msg(reply))
