"""A blocking session-bus connection for the D-Bus idle monitors, kept open between calls.

Why blocking I/O (`jeepney.io.blocking`) and no reader thread: only the activity thread uses
it, one call at a time, and it subscribes to no signals, so nothing arrives between calls but
the bus's own NameAcquired, which the next call skips. A reply that came too late is skipped
the same way, so a timeout does not spoil the connection.

Time limits: connecting (authentication and Hello together, see
postureping.desktop.dbus_blocking) and every call take at most `timeout` seconds each. A call
that times out leaves the connection as it is; one that finds the connection broken makes one
new connection and tries again, so a call ends within twice `timeout`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from jeepney import HeaderFields  # type: ignore[import-untyped]
from jeepney.wrappers import DBusErrorResponse, unwrap_msg  # type: ignore[import-untyped]

from postureping.desktop.dbus_blocking import open_blocking
from postureping.idle.base import IdleUnavailable

CALL_TIMEOUT = 1.0  # seconds; a local service answers in milliseconds

# What connecting and exchanging messages raise besides TimeoutError and error replies: OSError
# (no socket, a dropped connection), ValueError (authentication refused, an unparsable address
# or message) and RuntimeError (an address with no unix transport).
_CONNECTION_ERRORS = (OSError, ValueError, RuntimeError)


class SessionBusCaller:
    """Method calls on the session bus at `environ["DBUS_SESSION_BUS_ADDRESS"]`.

    The constructor does no I/O; the first `call` connects.
    """

    def __init__(self, environ: Mapping[str, str], timeout: float = CALL_TIMEOUT) -> None:
        address = environ.get("DBUS_SESSION_BUS_ADDRESS")
        if not address:
            raise IdleUnavailable("DBUS_SESSION_BUS_ADDRESS is not set")
        self._address = address
        self._timeout = timeout
        self._conn: Any = None
        self._closed = False

    def call(self, message: Any) -> tuple[Any, ...]:
        """Send a method call and return the reply's arguments.

        Raises DBusErrorResponse for an error reply, IdleUnavailable for anything else.
        """
        if self._closed:
            raise IdleUnavailable("the idle monitor is closed")
        if self._conn is not None:
            try:
                return self._exchange(self._conn, message)
            except _CONNECTION_ERRORS:
                self._disconnect()  # the bus restarted, or dropped us: one new connection
        try:
            self._conn = open_blocking(self._address, self._timeout)
            return self._exchange(self._conn, message)
        except _CONNECTION_ERRORS as error:
            self._disconnect()
            raise IdleUnavailable(f"cannot use the session bus ({_describe(error)})") from error

    def close(self) -> None:
        self._closed = True
        self._disconnect()

    def _exchange(self, conn: Any, message: Any) -> tuple[Any, ...]:
        try:
            reply = conn.send_and_get_reply(message, timeout=self._timeout)
        except TimeoutError as error:  # an OSError, but the connection is still good
            service = message.header.fields.get(HeaderFields.destination, "the session bus")
            raise IdleUnavailable(f"{service} did not answer within {self._timeout:g} s") from error
        return tuple(unwrap_msg(reply))

    def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(OSError):
                conn.close()


def error_reason(error: DBusErrorResponse, service: str) -> str:
    """One line for an error reply from `service`."""
    if error.name in ("org.freedesktop.DBus.Error.ServiceUnknown",
                      "org.freedesktop.DBus.Error.NameHasNoOwner"):  # fmt: skip
        return f"{service} is not on the session bus"
    text = error.data[0] if error.data and isinstance(error.data[0], str) else ""
    return f"{service} answered {error.name}" + (f": {text}" if text else "")


def reply_idle_time(reply: tuple[object, ...], method: str) -> timedelta:
    """The idle time in an idle-time reply: one unsigned integer, in milliseconds.

    Raises IdleUnavailable for anything else, and for a number past what a timedelta holds.
    """
    match reply:
        case (int(value),) if not isinstance(value, bool) and value >= 0:
            try:
                return timedelta(milliseconds=value)
            except OverflowError:
                pass
    raise IdleUnavailable(f"unexpected reply to {method}: {reply!r}"[:200])


def _describe(error: BaseException) -> str:
    return str(error) or type(error).__name__
