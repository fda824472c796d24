"""One threaded connection to a D-Bus bus (the session bus, or the system bus for logind and
the screen lock), for calls and signals alike, with its reader thread.

Why one connection for both: dunst (like KDE) sends ActionInvoked and NotificationClosed only
to the connection that called Notify, so the connection that sends must also be the one
that listens.

Why jeepney's threading flavour of blocking I/O rather than `jeepney.io.blocking`: it adds a
send lock, so calls may come from any thread, and a stop pipe, so `close()` wakes the reader
at once. The reader therefore waits in `receive()` with no timeout and no polling (an idle
daemon never wakes up for it), and still stops within milliseconds. Connecting (address,
authentication and Hello) is postureping.desktop.dbus_connect, shared with the blocking
connection (postureping.desktop.dbus_blocking): all of it within `timeout`, and every call
made here has `timeout` too.

Threading: the reader thread (READER_NAME) is the only one that reads. It hands each reply to
the thread waiting in `call`, every signal to `on_signal` and every method call to `on_call`,
in order. Replies arrive on that thread too, so neither handler may wait for a call on this
connection. `on_call` returns the reply to send (a method return or an error); without one,
or when it raises, the caller gets an error reply rather than waiting for its timeout.

Replies: each call's serial is awaited once. The first reply to it answers the call; a reply
to a serial nobody awaits (a second reply, as mako 1.7 sends to GetCapabilities: a return,
then an UnknownMethod error with the same reply serial; or a reply that came after its call
gave up) is dropped, logged at debug level.

A reader that stops for any reason but `close()` (the bus went away, an unreadable message)
logs one warning, keeps the reason in `lost`, fails the calls still waiting with BusClosed and
then calls `on_lost(reason)` (on the reader thread, which ends right after), so its owner can
tell and replace the connection.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from jeepney import (  # type: ignore[import-untyped]
    HeaderFields,
    MessageFlag,
    MessageType,
    message_bus,
)
from jeepney.io.threading import (  # type: ignore[import-untyped]
    DBusConnection,
    DBusRouter,
    Proxy,
    ReceiveStopped,
)
from jeepney.wrappers import new_error, unwrap_msg  # type: ignore[import-untyped]

from postureping.desktop.dbus_connect import connect

READER_NAME = "postureping-notify-bus"
UNKNOWN_METHOD = "org.freedesktop.DBus.Error.UnknownMethod"
FAILED = "org.freedesktop.DBus.Error.Failed"

OnCall = Callable[[Any], Any]  # a method call in, its reply (method return or error) out
OnLost = Callable[[str], None]  # why the reader stopped
_REPLIES = (MessageType.method_return, MessageType.error)

_log = logging.getLogger(__name__)


class BusClosed(ConnectionError):
    """The connection was closed, or lost, before the reply came."""


class SessionBus:
    """A connected session bus. `start` the reader before the first `call`."""

    def __init__(self, connection: Any, timeout: float) -> None:
        self._conn = connection
        self.timeout = timeout
        self.unique_name = str(connection.unique_name)
        self._lock = threading.Lock()
        self._replies: dict[int, Future[Any]] = {}  # by serial; guarded by _lock
        self._reading = True  # guarded by _lock
        self._closed = False  # guarded by _lock
        self._lost: str | None = None  # why the reader stopped, when not closed
        self._reader: threading.Thread | None = None

    @classmethod
    def connect(cls, timeout: float, bus: str = "SESSION") -> SessionBus:
        """Raises KeyError (no DBUS_SESSION_BUS_ADDRESS), OSError (no bus there, or no answer
        within `timeout`), ValueError (refused) or RuntimeError (an unusable address).
        `bus="SYSTEM"` connects to the system bus instead (DBUS_SYSTEM_BUS_ADDRESS, else
        the standard socket)."""
        return connect(bus, timeout, lambda sock, left: cls(_hello(sock, left), timeout))

    def start(
        self,
        on_signal: Callable[[Any], None],
        on_call: OnCall | None = None,
        name: str = READER_NAME,
        on_lost: OnLost | None = None,
    ) -> None:
        reader = threading.Thread(
            target=self._read, args=(on_signal, on_call, on_lost), name=name, daemon=True
        )
        self._reader = reader
        reader.start()

    @property
    def alive(self) -> bool:
        """Whether calls can still succeed: not closed, and the reader still running."""
        with self._lock:
            return self._reading and not self._closed

    @property
    def lost(self) -> str | None:
        """Why the reader stopped ("ConnectionResetError: ..."), if it did and `close()` was
        not the reason; else None."""
        with self._lock:
            return self._lost

    def send(self, message: Any) -> None:
        """Send without waiting: a reply, if one comes, is dropped."""
        self._conn.send(message)

    def call(self, message: Any, timeout: float | None = None) -> tuple[Any, ...]:
        """Send a method call and return the reply's arguments.

        Raises jeepney's DBusErrorResponse for an error reply, TimeoutError when no reply
        came within `timeout` (default: the connection's), BusClosed or OSError.
        """
        future: Future[Any] = Future()
        serial = next(self._conn.outgoing_serial)
        with self._lock:
            if not self._reading or self._closed:
                raise BusClosed("the connection to the session bus is closed")
            self._replies[serial] = future
        try:
            self._conn.send(message, serial=serial)
            reply = future.result(self.timeout if timeout is None else timeout)
        finally:
            with self._lock:
                self._replies.pop(serial, None)
        return tuple(unwrap_msg(reply))

    def close(self, timeout: float | None = None) -> None:
        """Stop the reader (waiting up to `timeout` for it) and close the connection."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        with contextlib.suppress(OSError):
            self._conn.interrupt()
        reader = self._reader
        if reader is not None and reader is not threading.current_thread():
            reader.join(self.timeout if timeout is None else timeout)
        with contextlib.suppress(OSError):
            self._conn.close()
        if reader is None or not reader.is_alive():
            # jeepney 0.8 and 0.9 leave their stop pipe open; close it once nothing uses it.
            for name in ("_stop_r", "_stop_w"):
                fd = getattr(self._conn, name, None)
                if isinstance(fd, int):
                    with contextlib.suppress(OSError):
                        os.close(fd)

    def _read(
        self, on_signal: Callable[[Any], None], on_call: OnCall | None, on_lost: OnLost | None
    ) -> None:
        lost = None
        try:
            while True:
                message = self._conn.receive()
                kind = message.header.message_type
                if kind in _REPLIES:
                    self._reply(message)
                elif kind is MessageType.signal:
                    try:
                        on_signal(message)
                    except Exception:  # one bad signal must not stop the reader
                        _log.exception("could not handle a signal from the session bus")
                elif kind is MessageType.method_call:
                    self._answer(message, on_call)
        except ReceiveStopped:
            pass
        except Exception as error:  # the bus went away, or sent something unreadable
            if not self._closed:
                lost = f"{type(error).__name__}: {error}"
                _log.warning("lost the connection to the session bus (%s)", lost)
        finally:
            with self._lock:
                self._reading = False
                self._lost = lost
                waiting, self._replies = list(self._replies.values()), {}
            for future in waiting:
                if not future.done():
                    future.set_exception(BusClosed("the connection to the session bus closed"))
        if lost is not None and on_lost is not None:
            _tell_lost(on_lost, lost)

    def _reply(self, message: Any) -> None:
        """Answer the call that awaits this reply; drop a reply that nobody awaits."""
        serial = message.header.fields.get(HeaderFields.reply_serial)
        with self._lock:  # popped here: a second reply to the same serial finds nothing
            future = self._replies.pop(serial, None) if serial is not None else None
        if future is None or future.done():
            fields = message.header.fields
            _log.debug("ignored a reply from %s to call %s, which nothing awaits (%s)",
                       fields.get(HeaderFields.sender), serial,
                       fields.get(HeaderFields.error_name, "a method return"))  # fmt: skip
            return
        future.set_result(message)

    def _answer(self, call: Any, on_call: OnCall | None) -> None:
        if on_call is None:
            member = call.header.fields.get(HeaderFields.member, "")
            reply = new_error(call, UNKNOWN_METHOD, "s", (f"no method {member} here",))
        else:
            try:
                reply = on_call(call)
            except Exception as error:  # one bad call must not stop the reader
                _log.exception("could not answer a method call from the session bus")
                reply = new_error(call, FAILED, "s", (f"{type(error).__name__}: {error}",))
        if not call.header.flags & MessageFlag.no_reply_expected:
            self._conn.send(reply)


def _hello(sock: socket.socket, timeout: float) -> Any:
    """The threaded connection on `sock`, once the bus has answered its Hello."""
    conn = DBusConnection(sock)
    with DBusRouter(conn) as router:
        (conn.unique_name,) = Proxy(message_bus, router, timeout=timeout).Hello()
    return conn


def _tell_lost(on_lost: OnLost, reason: str) -> None:
    try:
        on_lost(reason)
    except Exception:  # the reader ends here anyway; say why its owner was not told
        _log.exception("could not report the lost connection")
