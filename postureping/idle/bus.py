"""The session bus for the D-Bus idle monitors: a blocking connection kept open between calls
(postureping.desktop.dbus_blocking.BlockingBus), whose failures say the monitor is unavailable.

Only the activity thread uses it, one call at a time, and it subscribes to no signals. Each
call ends within twice `timeout`: one that finds the connection broken makes one new
connection and tries again.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from postureping.desktop.dbus_blocking import BlockingBus, BusUnavailable
from postureping.desktop.dbus_connect import error_reason
from postureping.idle.base import IdleUnavailable

__all__ = ["CALL_TIMEOUT", "SessionBusCaller", "error_reason", "reply_idle_time"]

CALL_TIMEOUT = 1.0  # seconds; a local service answers in milliseconds


class SessionBusCaller:
    """Method calls on the session bus at `environ["DBUS_SESSION_BUS_ADDRESS"]`.

    The constructor does no I/O; the first `call` connects.
    """

    def __init__(self, environ: Mapping[str, str], timeout: float = CALL_TIMEOUT) -> None:
        address = environ.get("DBUS_SESSION_BUS_ADDRESS")
        if not address:
            raise IdleUnavailable("DBUS_SESSION_BUS_ADDRESS is not set")
        self._bus = BlockingBus(address, timeout)
        self._closed = False

    def call(self, message: Any) -> tuple[Any, ...]:
        """Send a method call and return the reply's arguments.

        Raises DBusErrorResponse for an error reply, IdleUnavailable for anything else.
        """
        if self._closed:
            raise IdleUnavailable("the idle monitor is closed")
        try:
            return self._bus.call(message)
        except BusUnavailable as error:
            raise IdleUnavailable(str(error)) from error

    def close(self) -> None:
        self._closed = True
        self._bus.close()


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
