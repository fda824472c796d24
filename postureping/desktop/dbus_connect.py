"""Connecting to a D-Bus bus with jeepney, the part both kinds of connection share: the
address, authentication and the Hello call under one time limit, and the errors that mean
"no bus to use".

The two kinds: postureping.desktop.session_bus (a threaded connection with a reader, for calls
from any thread and for signals) and postureping.desktop.dbus_blocking (a blocking one, for
one caller making one call at a time). jeepney's own connect functions give Hello a fixed
limit (10 s) or none at all, and a bus whose policy drops our replies never answers it:
connecting would hang its caller. Here authentication and Hello share the caller's limit.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any, TypeVar

from jeepney.bus import get_bus  # type: ignore[import-untyped]
from jeepney.io.blocking import prep_socket  # type: ignore[import-untyped]

# What connecting and exchanging messages raise besides error replies: OSError (no socket, a
# dropped connection; TimeoutError is one), ValueError (authentication refused, an unparsable
# address or message) and RuntimeError (an address with no unix transport).
CONNECTION_ERRORS: tuple[type[Exception], ...] = (OSError, ValueError, RuntimeError)

C = TypeVar("C")


def connect(bus: str, timeout: float, make: Callable[[socket.socket, float], C]) -> C:
    """The connection `make(sock, time_left)` builds on an authenticated socket to `bus`
    ("SESSION", "SYSTEM" or an address); `make` says Hello within `time_left` seconds.

    Raises KeyError (no DBUS_SESSION_BUS_ADDRESS), OSError (no bus there; TimeoutError when
    it did not answer within `timeout`), ValueError (refused) or RuntimeError (an unusable
    address), as jeepney's own connect does.
    """
    deadline = time.monotonic() + timeout
    sock = prep_socket(get_bus(bus), timeout=timeout)
    try:
        return make(sock, max(0.0, deadline - time.monotonic()))
    except TimeoutError as error:
        sock.close()
        raise TimeoutError(f"the bus did not answer Hello within {timeout:g} s") from error
    except BaseException:
        sock.close()
        raise


def describe(error: BaseException) -> str:
    """One line for a connection error."""
    return str(error) or type(error).__name__


def error_reason(error: Any, service: str) -> str:
    """One line for an error reply (jeepney's DBusErrorResponse) from `service`."""
    if error.name in ("org.freedesktop.DBus.Error.ServiceUnknown",
                      "org.freedesktop.DBus.Error.NameHasNoOwner"):  # fmt: skip
        return f"{service} is not on the session bus"
    text = error.data[0] if error.data and isinstance(error.data[0], str) else ""
    return f"{service} answered {error.name}" + (f": {text}" if text else "")
