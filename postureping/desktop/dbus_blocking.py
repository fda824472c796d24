"""A blocking jeepney connection whose Hello has a time limit too, for callers that use a bus
from one thread, one call at a time (the idle monitors and the do-not-disturb probes).

jeepney's blocking connection sends Hello with no time limit, and a bus whose policy drops our
replies never answers it: connecting would hang the activity watcher. Here authentication and
Hello share one limit; every later call passes its own.
"""

from __future__ import annotations

import time
from typing import Any

from jeepney.bus import get_bus  # type: ignore[import-untyped]
from jeepney.io.blocking import DBusConnection, prep_socket  # type: ignore[import-untyped]


def open_blocking(address: str, timeout: float) -> TimedConnection:
    """Connect to the bus at `address` within `timeout` seconds. Raises OSError (including
    TimeoutError), ValueError or RuntimeError, as jeepney's own connect does."""
    return TimedConnection.open(address, timeout)


class TimedConnection(DBusConnection):  # type: ignore[misc]
    """jeepney's blocking connection, with a time limit on its Hello call."""

    def __init__(self, sock: Any, hello_timeout: float) -> None:
        self._hello_timeout = hello_timeout  # before the base class says Hello
        super().__init__(sock)

    @classmethod
    def open(cls, address: str, timeout: float) -> TimedConnection:
        deadline = time.monotonic() + timeout
        sock = prep_socket(get_bus(address), timeout=timeout)
        try:
            return cls(sock, max(0.0, deadline - time.monotonic()))
        except TimeoutError as error:
            sock.close()
            raise TimeoutError(f"the bus did not answer Hello within {timeout:g} s") from error
        except BaseException:
            sock.close()
            raise

    def send_and_get_reply(self, message: Any, *, timeout: float | None = None) -> Any:
        # Only the base class's Hello comes without a timeout: every call here has one.
        limit = self._hello_timeout if timeout is None else timeout
        return super().send_and_get_reply(message, timeout=limit)
