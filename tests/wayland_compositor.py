"""A stand-in Wayland compositor for tests: a small server of the Wayland wire protocol on a
real Unix socket, offering a seat and the idle protocols, ext_idle_notifier_v1 (version 1 or
2, which Debian 12's compositors lack) and org_kde_kwin_idle (sway 1.7's).

It checks what a client sends the way libwayland's server does, and answers a mistake with
`wl_display.error` and a hang-up: a request to an object that does not exist
(invalid_object), an opcode the object's interface or bound version lacks (invalid_method), a
new id that is neither the next one nor one the server released (invalid_object), a bind to
a global that is not there or at a version above the announced one. It encodes on its own,
with struct, not with postureping's wire module, so the two check each other.

Time is the test's: nothing goes idle until `elapse(seconds)`, which sends `idled` to each
notification whose timeout has passed since its creation or the last input (not to those
that obey inhibitors while `inhibit(True)` is on, as while a video plays), and `touch()` is
input: `resumed` to the idle ones, and every count starts again. The server runs on one
thread; every method of the test's holds the same lock.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import socket
import struct
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# wl_display error codes
INVALID_OBJECT, INVALID_METHOD, NO_MEMORY, IMPLEMENTATION = 0, 1, 2, 3
SERVER_ID_START = 0xFF000000


@dataclass(frozen=True)
class Request:
    name: str
    signature: str  # u: uint, s: string, o: object, n: new_id, N: untyped new_id (bind)
    since: int = 1
    creates: str = ""  # the interface of the object an `n` creates


REQUESTS: dict[str, list[Request]] = {
    "wl_display": [Request("sync", "n", creates="wl_callback"),
                   Request("get_registry", "n", creates="wl_registry")],
    "wl_registry": [Request("bind", "uN")],
    "wl_callback": [],
    "wl_seat": [Request("get_pointer", "n", creates="wl_pointer"),
                Request("get_keyboard", "n", creates="wl_keyboard"),
                Request("get_touch", "n", creates="wl_touch"), Request("release", "", since=5)],
    "wl_output": [Request("release", "", since=3)],
    "ext_idle_notifier_v1": [
        Request("destroy", ""),
        Request("get_idle_notification", "nuo", creates="ext_idle_notification_v1"),
        Request("get_input_idle_notification", "nuo", since=2,
                creates="ext_idle_notification_v1"),
    ],
    "ext_idle_notification_v1": [Request("destroy", "")],
    "org_kde_kwin_idle": [
        Request("get_idle_timeout", "nou", creates="org_kde_kwin_idle_timeout"),
    ],
    "org_kde_kwin_idle_timeout": [Request("release", ""), Request("simulate_user_activity", "")],
}  # fmt: skip
NOTIFIER_REQUESTS = {"get_idle_notification", "get_input_idle_notification", "get_idle_timeout"}
DESTRUCTORS = {"destroy", "release"}


class Refused(Exception):
    def __init__(self, object_id: int, code: int, message: str) -> None:
        super().__init__(message)
        self.object_id, self.code, self.message = object_id, code, message


def _word(value: int) -> bytes:
    return struct.pack("=I", value)


def _string(text: str) -> bytes:
    data = text.encode() + b"\0"
    return _word(len(data)) + data + b"\0" * (-len(data) % 4)


def _message(object_id: int, opcode: int, body: bytes = b"") -> bytes:
    return struct.pack("=II", object_id, (8 + len(body)) << 16 | opcode) + body


@dataclass
class Notification:
    client: Client
    object_id: int
    request: str  # get_input_idle_notification, get_idle_notification or get_idle_timeout
    timeout_ms: int
    idle_ms: float = 0.0
    idle: bool = False

    @property
    def obeys_inhibitors(self) -> bool:
        return self.request != "get_input_idle_notification"


@dataclass
class Client:
    sock: socket.socket
    objects: dict[int, tuple[str, int]] = field(default_factory=lambda: {1: ("wl_display", 1)})
    next_id: int = 2
    free_ids: set[int] = field(default_factory=set)
    buffer: bytes = b""
    closed: bool = False
    bound: list[tuple[str, int]] = field(default_factory=list)  # (interface, version)
    new_ids: list[int] = field(default_factory=list)  # every id it created, in order


class StandInCompositor:
    def __init__(self, path: Path, offer: dict[str, int]) -> None:
        """Listen at `path`, announcing wl_compositor, wl_seat (version 7), wl_output and
        `offer` ({interface: version}; version 0 leaves one of the first three out)."""
        self.path = path
        announced = [(interface, version) for interface, version in
                     {"wl_compositor": 4, "wl_seat": 7, "wl_output": 4, **offer}.items()
                     if version > 0]  # fmt: skip
        self.globals = dict(enumerate(announced, start=1))
        self.clients: list[Client] = []
        self.notifications: list[Notification] = []
        self.errors: list[str] = []  # every wl_display.error sent
        self.refuse: tuple[int, str] | None = None  # answer notification requests with this
        self.inhibited = False
        self._lock = threading.RLock()
        self._selector = selectors.DefaultSelector()
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(os.fspath(path))
        self._listener.listen(16)
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._selector.register(self._listener, selectors.EVENT_READ, self._accept)
        self._selector.register(self._wake_reader, selectors.EVENT_READ, self._woken)
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, name="stand-in-compositor", daemon=True)
        self._thread.start()

    # --- what a test does -------------------------------------------------------------------

    def elapse(self, seconds: float) -> None:
        """Time passes with no input."""
        with self._lock:
            for note in self._live_notifications():
                note.idle_ms += seconds * 1000
                held = self.inhibited and note.obeys_inhibitors
                if not note.idle and not held and note.idle_ms >= note.timeout_ms:
                    note.idle = True
                    self._send(note.client, _message(note.object_id, 0))  # idled / idle

    def touch(self) -> None:
        """Input from the user."""
        with self._lock:
            for note in self._live_notifications():
                note.idle_ms = 0.0
                if note.idle:
                    note.idle = False
                    self._send(note.client, _message(note.object_id, 1))  # resumed

    def inhibit(self, on: bool) -> None:
        with self._lock:
            self.inhibited = on

    def protocol_error(self, code: int, message: str) -> None:
        """Report a protocol error on each client's idle notification, and hang up on it."""
        with self._lock:
            for note in self._live_notifications():
                self._refuse(note.client, Refused(note.object_id, code, message))

    def send_raw(self, data: bytes) -> None:
        """Send bytes as they are to every client (to break the protocol on purpose)."""
        with self._lock:
            for client in self.live_clients():
                self._send(client, data)

    def adopt(self, sock: socket.socket) -> None:
        """Serve a connection made elsewhere (the other end of a WAYLAND_SOCKET)."""
        with self._lock:
            self._add_client(sock)
        self._wake_writer.send(b"!")

    def live_clients(self) -> list[Client]:
        with self._lock:
            return [c for c in self.clients if not c.closed]

    def requests(self) -> list[tuple[str, int]]:
        """(request, timeout in ms) of each idle notification asked for, in order."""
        with self._lock:
            return [(n.request, n.timeout_ms) for n in self.notifications]

    def stop(self) -> None:
        """The compositor goes away: every connection and the socket with it (idempotent)."""
        with self._lock:
            if self._stopping:
                return
            self._stopping = True
            for client in self.clients:
                self._close(client)
        self._wake_writer.send(b"!")
        self._thread.join(timeout=10)
        with contextlib.suppress(OSError):
            self._selector.unregister(self._listener)
        self._listener.close()
        self._selector.close()
        self._wake_reader.close()
        self._wake_writer.close()
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    # --- the server -------------------------------------------------------------------------

    def _serve(self) -> None:
        while not self._stopping:
            for key, _ in self._selector.select():
                callback: Callable[[object], None] = key.data
                callback(key.fileobj)

    def _woken(self, sock: object) -> None:
        self._wake_reader.recv(64)

    def _accept(self, sock: object) -> None:
        with contextlib.suppress(OSError):
            connection, _ = self._listener.accept()
            with self._lock:
                self._add_client(connection)

    def _add_client(self, sock: socket.socket) -> None:
        client = Client(sock)
        self.clients.append(client)
        self._selector.register(sock, selectors.EVENT_READ, lambda _: self._readable(client))

    def _readable(self, client: Client) -> None:
        try:
            data = client.sock.recv(65536)
        except OSError:
            data = b""
        with self._lock:
            if not data:
                self._close(client)
                return
            client.buffer += data
            while len(client.buffer) >= 8 and not client.closed:
                object_id, word = struct.unpack_from("=II", client.buffer)
                size, opcode = word >> 16, word & 0xFFFF
                if size < 8 or size % 4:
                    self._refuse(client, Refused(1, INVALID_METHOD, f"bad message size {size}"))
                    return
                if len(client.buffer) < size:
                    break
                body, client.buffer = client.buffer[8:size], client.buffer[size:]
                try:
                    self._handle(client, object_id, opcode, body)
                except Refused as refusal:
                    self._refuse(client, refusal)

    def _handle(self, client: Client, object_id: int, opcode: int, body: bytes) -> None:
        if object_id not in client.objects:
            raise Refused(1, INVALID_OBJECT, f"invalid object {object_id}")
        interface, version = client.objects[object_id]
        requests = REQUESTS.get(interface, [])
        if opcode >= len(requests) or requests[opcode].since > version:
            message = f"invalid method {opcode} (version {version}), object {interface}@{object_id}"
            raise Refused(object_id, INVALID_METHOD, message)
        request = requests[opcode]
        args = self._arguments(client, object_id, request, body)
        name = request.name
        if name == "sync":
            # done(serial) and the callback's delete_id in one write, as libwayland flushes
            # them: a client reads both at once.
            self._destroy(client, args[0], before=_message(args[0], 0, _word(1)))
        elif name == "get_registry":
            for number, (global_interface, global_version) in self.globals.items():
                self._send(client, _message(args[0], 0, _word(number) + _string(global_interface)
                                            + _word(global_version)))  # fmt: skip
        elif name == "bind":
            self._bind(client, object_id, *args)
        elif name in NOTIFIER_REQUESTS:
            self._notification(client, object_id, name, args)
        elif name == "simulate_user_activity":
            self.touch()
        elif name in DESTRUCTORS:
            self._destroy(client, object_id)

    def _arguments(
        self, client: Client, object_id: int, request: Request, body: bytes
    ) -> list[Any]:
        args: list[Any] = []
        offset = 0

        def word() -> int:
            nonlocal offset
            if offset + 4 > len(body):
                raise Refused(object_id, INVALID_METHOD, f"{request.name}: message too short")
            (value,) = struct.unpack_from("=I", body, offset)
            offset += 4
            return int(value)

        def text() -> str:
            nonlocal offset
            length = word()
            data = body[offset : offset + length]
            if length == 0 or len(data) < length or data[-1] != 0:
                raise Refused(object_id, INVALID_METHOD, f"{request.name}: bad string")
            offset += length + (-length % 4)
            return data[:-1].decode()

        for kind in request.signature:
            if kind in "uo":
                args.append(word())
            elif kind == "n":
                args.append(self._new_id(client, word(), request.creates, 1))
            elif kind == "N":
                interface, version = text(), word()
                args.extend([interface, version, word()])
        if offset != len(body):
            raise Refused(
                object_id, INVALID_METHOD, f"{request.name}: {len(body) - offset} bytes too many"
            )
        return args

    def _new_id(self, client: Client, new_id: int, interface: str, version: int) -> int:
        if new_id == client.next_id and new_id < SERVER_ID_START:
            client.next_id += 1
        elif new_id in client.free_ids:
            client.free_ids.discard(new_id)
        else:
            raise Refused(1, INVALID_OBJECT, f"invalid new id {new_id}")
        client.objects[new_id] = (interface, version)
        client.new_ids.append(new_id)
        return new_id

    def _bind(self, client: Client, registry: int, name: int, interface: str, version: int,
              new_id: int) -> None:  # fmt: skip
        if name not in self.globals:
            raise Refused(registry, INVALID_OBJECT, f"invalid global {interface} ({name})")
        global_interface, global_version = self.globals[name]
        if interface != global_interface:
            raise Refused(registry, INVALID_OBJECT, f"invalid interface for global {name}")
        if not 1 <= version <= global_version:
            have = f"have {global_version}, wanted {version}"
            raise Refused(registry, INVALID_OBJECT, f"invalid version for {interface}: {have}")
        self._new_id(client, new_id, interface, version)
        client.bound.append((interface, version))
        if interface == "wl_seat":
            self._send(client, _message(new_id, 0, _word(3)))  # capabilities: pointer, keyboard
            if version >= 2:
                self._send(client, _message(new_id, 1, _string("seat0")))

    def _notification(self, client: Client, notifier: int, name: str, args: list[int]) -> None:
        if name == "get_idle_timeout":
            new_id, seat, timeout = args
        else:
            new_id, timeout, seat = args
        if client.objects.get(seat, ("",))[0] != "wl_seat":
            raise Refused(notifier, INVALID_OBJECT, f"{seat} is no wl_seat")
        if self.refuse is not None:
            raise Refused(notifier, *self.refuse)
        self.notifications.append(Notification(client, new_id, name, timeout))

    def _destroy(self, client: Client, object_id: int, before: bytes = b"") -> None:
        client.objects.pop(object_id, None)
        self.notifications = [n for n in self.notifications
                              if not (n.client is client and n.object_id == object_id)]  # fmt: skip
        client.free_ids.add(object_id)
        self._send(client, before + _message(1, 1, _word(object_id)))  # wl_display.delete_id

    def _refuse(self, client: Client, refusal: Refused) -> None:
        self.errors.append(refusal.message)
        self._send(client, _message(1, 0, _word(refusal.object_id) + _word(refusal.code)
                                    + _string(refusal.message)))  # fmt: skip
        self._close(client)

    def _send(self, client: Client, data: bytes) -> None:
        if client.closed:
            return
        try:
            client.sock.sendall(data)
        except OSError:
            self._close(client)

    def _close(self, client: Client) -> None:
        if client.closed:
            return
        client.closed = True
        with contextlib.suppress(KeyError, ValueError):
            self._selector.unregister(client.sock)
        with contextlib.suppress(OSError):
            client.sock.shutdown(socket.SHUT_RDWR)
        client.sock.close()

    def _live_notifications(self) -> list[Notification]:
        return [n for n in self.notifications if not n.client.closed]


@contextlib.contextmanager
def stand_in_compositor(path: Path, offer: dict[str, int]) -> Iterator[StandInCompositor]:
    """A compositor at `path` for the block, gone after it."""
    compositor = StandInCompositor(path, offer)
    try:
        yield compositor
    finally:
        compositor.stop()
