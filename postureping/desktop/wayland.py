"""A Wayland client connection in pure Python: the core of the protocol that postureping's
backends need to find the compositor's globals, bind them and take their events.

Why not a library: pywayland wraps libwayland-client through cffi, so installing it needs a C
compiler and the libwayland headers, and a plain `pip install postureping` must work without
either. Finding globals and taking a few events is a small part of a small, stable protocol
(postureping.desktop.wayland_wire encodes it).

What this speaks: the connection from `WAYLAND_SOCKET` (a connected socket handed over by
whoever started us; libwayland takes it once, and so does this) or `WAYLAND_DISPLAY` (a socket
name in `XDG_RUNTIME_DIR`, or an absolute path); `wl_display.get_registry` and the globals the
registry announces; `wl_registry.bind`; `wl_display.sync` for a round trip; `wl_display.error`,
which ends the connection and is raised as `WaylandError` with the compositor's own words; and
`wl_display.delete_id`: an id is used again only once the compositor has let it go, as
libwayland does. Events to objects without a handler (a seat's capabilities) are dropped.

Requests are queued and sent together by `flush()` (which `roundtrip()` calls), as libwayland
does: a compositor that refuses one of them reads them all before it hangs up, so its reason
arrives instead of a broken pipe.

Threading: events are read by one thread at a time, which also runs the handlers and flushes;
`hang_up()` from another thread wakes a reader blocked in `dispatch`, which then raises
WaylandError.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from postureping.desktop.wayland_wire import (
    Arguments,
    Message,
    WireError,
    encode,
    split,
    uint,
    untyped_new_id,
)

DISPLAY_ID = 1
# wl_display requests and events
SYNC, GET_REGISTRY = 0, 1
ERROR, DELETE_ID = 0, 1
# wl_registry
BIND = 0
GLOBAL, GLOBAL_REMOVE = 0, 1
# wl_callback
DONE = 0

READ_SIZE = 16384  # bytes per read: room for a few full-size messages
FLUSH_READ_TIMEOUT = 0.5  # seconds to read why the compositor hung up, after a failed write

Handler = Callable[[Message], None]

# WAYLAND_SOCKET descriptors already taken by a connection of this process.
_handed_over: set[int] = set()


class WaylandError(Exception):
    """No (more) use of this connection: why, in one line, for the log and `doctor`."""


class CompositorRefused(WaylandError):
    """`wl_display.error`: the compositor refused a request, and hangs up."""


class NoAnswer(WaylandError):
    """The compositor did not answer in time."""


@dataclass(frozen=True)
class Global:
    name: int  # the registry's number for it
    interface: str
    version: int


class WaylandConnection:
    """One connection to the compositor; `connect()` opens it."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = b""
        self._next_id = DISPLAY_ID + 1
        self._free_ids: list[int] = []
        self._handlers: dict[int, Handler] = {DISPLAY_ID: self._on_display}
        self._interfaces: dict[int, str] = {DISPLAY_ID: "wl_display"}
        self._send_lock = threading.Lock()
        self._out = b""  # requests not sent yet: they go together, at the next flush
        self._closed = False
        self.globals: dict[int, Global] = {}
        registry = self.new_object("wl_registry", self._on_registry)
        self.send(DISPLAY_ID, GET_REGISTRY, uint(registry))

    @classmethod
    def connect(cls, environ: Mapping[str, str], timeout: float) -> WaylandConnection:
        """Connect to the compositor of `environ`'s session; the globals are known after the
        first `roundtrip()`."""
        sock = _open_socket(environ, timeout)
        try:
            return cls(sock)
        except BaseException:
            sock.close()
            raise

    def find(self, interface: str) -> Global | None:
        """The first global of this interface the compositor announced."""
        return next((g for g in self.globals.values() if g.interface == interface), None)

    def new_object(self, interface: str, handler: Handler | None = None) -> int:
        """An id for a new object of ours; `handler` takes its events."""
        new_id = self._free_ids.pop() if self._free_ids else self._next_id
        if new_id == self._next_id:
            self._next_id += 1
        self._interfaces[new_id] = interface
        if handler is not None:
            self._handlers[new_id] = handler
        return new_id

    def adopt(self, object_id: int, interface: str, handler: Handler | None = None) -> None:
        """An object the compositor made (the new_id of one of its events, such as a window
        that zwlr_foreign_toplevel_manager_v1 announces); `handler` takes its events. `forget`
        it once it is destroyed: the compositor sends no delete_id for its own ids."""
        self._interfaces[object_id] = interface
        if handler is not None:
            self._handlers[object_id] = handler

    def forget(self, object_id: int) -> None:
        """Drop an adopted object: events to it are dropped from now on."""
        self._interfaces.pop(object_id, None)
        self._handlers.pop(object_id, None)

    def bind(self, found: Global, version: int, handler: Handler | None = None) -> int:
        """Bind a global at `version` (at most the version it was announced with)."""
        new_id = self.new_object(found.interface, handler)
        self.send(self._registry_id, BIND, uint(found.name),
                  untyped_new_id(found.interface, version, new_id))  # fmt: skip
        return new_id

    def send(self, object_id: int, opcode: int, *arguments: bytes) -> None:
        """Queue a request; `flush()` (or `roundtrip()`) sends what is queued."""
        data = encode(object_id, opcode, *arguments)
        with self._send_lock:
            self._out += data

    def flush(self) -> None:
        """Send the queued requests, in one write. When that fails because the compositor
        hung up, what it said before (a refusal) is read and raised: so call this from the
        thread that reads."""
        with self._send_lock:
            data, self._out = self._out, b""
            try:
                self._sock.sendall(data)
                return
            except OSError as error:
                lost = _lost(error)
        try:
            while True:  # until the refusal, the end of the connection, or a timeout
                self.dispatch(FLUSH_READ_TIMEOUT)
        except CompositorRefused:
            raise
        except WaylandError:
            raise lost from None

    def roundtrip(self, timeout: float) -> None:
        """Wait until the compositor has handled every request sent so far (and we its events
        until then); raises WaylandError for a protocol error, or after `timeout` seconds."""
        done: list[bool] = []
        callback = self.new_object("wl_callback", lambda message: done.append(True))
        self.send(DISPLAY_ID, SYNC, uint(callback))
        self.flush()
        deadline = time.monotonic() + timeout
        late = NoAnswer(f"the compositor did not answer within {timeout:g} s")
        while not done:
            left = deadline - time.monotonic()
            if left <= 0:
                raise late
            try:
                self.dispatch(left)
            except NoAnswer:
                raise late from None

    def dispatch(self, timeout: float | None) -> None:
        """Read what the compositor sent (waiting up to `timeout` seconds, None: as long as it
        takes) and run the handlers of its events."""
        if self._closed:
            raise WaylandError("the connection to the compositor is closed")
        try:
            self._sock.settimeout(timeout)
            data = self._sock.recv(READ_SIZE)
        except TimeoutError as error:
            raise NoAnswer(f"the compositor did not answer within {timeout:g} s") from error
        except OSError as error:
            raise _lost(error) from error
        if not data:
            raise WaylandError(
                "the connection to the compositor is closed"
                if self._closed
                else "the compositor closed the connection"
            )
        try:
            messages, self._buffer = split(self._buffer + data)
            for message in messages:
                handler = self._handlers.get(message.object_id)
                if handler is not None:
                    handler(message)
        except WireError as error:
            raise WaylandError(f"the compositor sent a message that makes no sense: {error}") from (
                error
            )

    def dispatch_forever(self, what: str) -> str:
        """Run the event handlers until the connection ends, for a reader thread; returns
        why it ended, in words for the log (a handler's bug included, named by `what`), and
        never raises."""
        try:
            while True:
                self.dispatch(None)
        except WaylandError as error:
            return str(error)
        except Exception as error:  # a bug of ours: one line in the log, never a traceback
            return f"{what} failed ({type(error).__name__}: {error})"[:300]

    def hang_up(self) -> None:
        """End the connection; idempotent. A reader blocked in `dispatch` on another thread
        wakes up and raises WaylandError; `close()` once it has returned."""
        self._closed = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Hang up and release the socket; idempotent. Not while another thread reads."""
        self.hang_up()
        self._sock.close()

    @property
    def _registry_id(self) -> int:
        return DISPLAY_ID + 1  # the first object made, in __init__

    def _on_display(self, message: Message) -> None:
        arguments = Arguments(message)
        if message.opcode == ERROR:
            object_id, code, text = arguments.object(), arguments.uint(), arguments.string()
            arguments.end()
            interface = self._interfaces.get(object_id, "an unknown object")
            raise CompositorRefused(
                f"the compositor refused a request to {interface} ({object_id}), "
                f"error {code}: {text or 'no message'}"[:300]
            )
        if message.opcode == DELETE_ID:
            object_id = arguments.uint()
            arguments.end()
            if object_id > DISPLAY_ID + 1 and object_id in self._interfaces:
                del self._interfaces[object_id]
                self._handlers.pop(object_id, None)
                self._free_ids.append(object_id)

    def _on_registry(self, message: Message) -> None:
        arguments = Arguments(message)
        if message.opcode == GLOBAL:
            name, interface, version = arguments.uint(), arguments.string(), arguments.uint()
            arguments.end()
            if interface:
                self.globals[name] = Global(name, interface, version)
        elif message.opcode == GLOBAL_REMOVE:
            name = arguments.uint()
            arguments.end()
            self.globals.pop(name, None)


def _open_socket(environ: Mapping[str, str], timeout: float) -> socket.socket:
    if sys.platform == "win32":
        raise WaylandError("Wayland runs on Linux and the BSDs only")
    handed = environ.get("WAYLAND_SOCKET", "")
    if handed.isdigit() and int(handed) not in _handed_over:
        descriptor = int(handed)
        _handed_over.add(descriptor)  # one connection, however it ends
        try:
            sock = socket.socket(fileno=descriptor)
        except OSError as error:
            raise WaylandError(f"WAYLAND_SOCKET={handed}: {_describe(error)}") from error
        if sock.family != socket.AF_UNIX:
            sock.close()
            raise WaylandError(f"WAYLAND_SOCKET={handed} is no Unix socket")
        sock.set_inheritable(False)
        return sock
    display = environ.get("WAYLAND_DISPLAY")
    if not display:
        raise WaylandError(
            "WAYLAND_SOCKET was taken already and WAYLAND_DISPLAY is not set"
            if handed
            else "WAYLAND_DISPLAY is not set"
        )
    path = Path(display)
    if not path.is_absolute():
        runtime = environ.get("XDG_RUNTIME_DIR")
        if not runtime:
            raise WaylandError("XDG_RUNTIME_DIR is not set, so WAYLAND_DISPLAY leads nowhere")
        path = Path(runtime) / display
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)  # not inherited (PEP 446)
    try:
        sock.settimeout(timeout)
        sock.connect(os.fspath(path))
    except OSError as error:
        sock.close()
        raise WaylandError(f"cannot connect to {path} ({_describe(error)})") from error
    return sock


def _lost(error: OSError) -> WaylandError:
    return WaylandError(f"lost the connection to the compositor ({_describe(error)})")


def _describe(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error) or type(error).__name__
