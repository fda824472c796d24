"""A stand-in notification server on a private bus, for tests: it owns
org.freedesktop.Notifications on its own jeepney connection and answers each method call on a
thread of its own; a subclass says how (`answer`)."""

from __future__ import annotations

import socket
import threading
from typing import Any

from jeepney import MessageType  # type: ignore[import-untyped]
from jeepney.bus_messages import message_bus  # type: ignore[import-untyped]
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]

NOTIFICATIONS = "org.freedesktop.Notifications"
WAIT = 5.0


class StandInServer:
    """Owns the notification service's name on the bus at `address` until `close()`."""

    def __init__(self, address: str) -> None:
        self._conn = open_dbus_connection(address)
        reply = self._conn.send_and_get_reply(message_bus.RequestName(NOTIFICATIONS), timeout=WAIT)
        assert reply.body == (1,)  # the primary owner
        self.unique_name = str(self._conn.unique_name)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def answer(self, call: Any) -> None:
        """Answer one method call (on the server's thread)."""
        raise NotImplementedError

    def send(self, message: Any) -> None:
        self._conn.send(message)

    def _serve(self) -> None:
        try:
            while True:
                message = self._conn.receive()
                if message.header.message_type is MessageType.method_call:
                    self.answer(message)
        except (OSError, ValueError):  # closed at the end of the test
            pass

    def close(self) -> None:
        self._conn.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocking receive at once
        self._thread.join(WAIT)
        self._conn.close()
