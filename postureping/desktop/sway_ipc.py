"""sway's IPC: the i3-ipc binary protocol over the Unix socket named by SWAYSOCK.

A message is the magic "i3-ipc", then the payload's length and the message type (two 32-bit
integers in the machine's byte order), then the payload: JSON, or empty. A reply has the type
of its request. After SUBSCRIBE, the connection also receives events: types with the high bit
set, whose payload says what changed.

No dependency: a blocking socket with a timeout on each read and write. One connection is used
by one thread at a time; `SwayIpc.close` may come from another thread to end a wait in
`receive`.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import sys
from collections.abc import Mapping, Sequence
from typing import Any

MAGIC = b"i3-ipc"
HEADER = struct.Struct("=6sII")  # magic, payload length, type; native byte order

RUN_COMMAND = 0
SUBSCRIBE = 2
GET_TREE = 4
GET_VERSION = 7

EVENT = 1 << 31
WORKSPACE_EVENT = EVENT | 0
WINDOW_EVENT = EVENT | 3
SHUTDOWN_EVENT = EVENT | 6

MAX_PAYLOAD = 64 * 1024 * 1024  # a tree of thousands of windows is a few MB; more is garbage


class IpcError(Exception):
    """The socket failed, closed, or carried something that is not i3-ipc."""


class SwayIpc:
    """One connection to sway's IPC socket."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    @classmethod
    def connect(cls, path: str, timeout: float | None) -> SwayIpc:
        """Raises IpcError when nothing listens at `path`. `timeout` bounds each read and write
        (None: a read waits for as long as it takes, as an event watcher does)."""
        if sys.platform == "win32":
            raise IpcError("sway runs on Linux and the BSDs only")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.connect(path)
        except OSError as error:
            sock.close()
            raise IpcError(f"cannot connect to sway's IPC socket {path} ({error})") from error
        return cls(sock)

    def request(self, kind: int, payload: str = "") -> Any:
        """Send a message of type `kind` and return its reply's JSON. Events that come first
        (on a subscribed connection) are skipped."""
        self.send(kind, payload)
        while True:
            reply_kind, data = self.receive()
            if reply_kind == kind:
                return data

    def subscribe(self, events: Sequence[str]) -> None:
        """Ask for `events` ("window", "workspace"...); raises IpcError if sway refuses."""
        reply = self.request(SUBSCRIBE, json.dumps(list(events)))
        if not (isinstance(reply, Mapping) and reply.get("success") is True):
            raise IpcError(f"sway refused to subscribe to {list(events)}: {reply!r}")

    def send(self, kind: int, payload: str = "") -> None:
        data = payload.encode()
        try:
            self._sock.sendall(HEADER.pack(MAGIC, len(data), kind) + data)
        except OSError as error:
            raise IpcError(f"lost sway's IPC socket ({error})") from error

    def receive(self) -> tuple[int, Any]:
        """The next message: (type, its JSON payload)."""
        magic, length, kind = HEADER.unpack(self._read(HEADER.size))
        if magic != MAGIC or length > MAX_PAYLOAD:
            raise IpcError(f"not an i3-ipc message (header {magic!r}, length {length})")
        try:
            return kind, json.loads(self._read(length)) if length else None
        except ValueError as error:  # UnicodeDecodeError is a ValueError too
            raise IpcError(f"sway sent a message that is not JSON ({error})") from error

    def close(self) -> None:
        """Close the connection; a `receive` waiting on another thread returns with IpcError."""
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()

    def _read(self, size: int) -> bytes:
        chunks: list[bytes] = []
        left = size
        while left:
            try:
                chunk = self._sock.recv(min(left, 1 << 16))
            except OSError as error:  # TimeoutError is an OSError
                raise IpcError(f"lost sway's IPC socket ({error})") from error
            if not chunk:
                raise IpcError("sway closed its IPC socket")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
