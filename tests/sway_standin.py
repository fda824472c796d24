"""A stand-in for sway's IPC socket: a real Unix socket that speaks the i3-ipc protocol.

It answers GET_TREE with the tree a test sets, SUBSCRIBE with success, and sends the events a
test emits to every subscribed connection, as sway does. It can hang (read requests, answer
nothing) and stop (close every connection), and can send a message that is not i3-ipc. A
thread per connection, all in the test's process; `close` ends them.

`tree()` builds a tree of the shape sway 1.7 sends (the keys the probe reads, and the quirks:
every workspace says `fullscreen_mode` 1, the scratchpad is the output `__i3`).
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HEADER = struct.Struct("=6sII")
SUBSCRIBE, GET_TREE = 2, 4
EVENT_TYPES = {"workspace": 1 << 31, "window": (1 << 31) | 3, "shutdown": (1 << 31) | 6}

_ids = iter(range(100, 1_000_000))


def view(app_id: str | None = None, *, fullscreen: int = 0, wm_class: tuple[str, str] | None = None,
         floating: bool = False) -> dict[str, Any]:  # fmt: skip
    """A window: native Wayland with `app_id`, else XWayland with `wm_class`."""
    node: dict[str, Any] = {
        "id": next(_ids), "type": "floating_con" if floating else "con", "name": app_id,
        "fullscreen_mode": fullscreen, "app_id": app_id, "nodes": [], "floating_nodes": [],
    }  # fmt: skip
    if wm_class is not None:
        node["window_properties"] = {"instance": wm_class[0], "class": wm_class[1]}
    return node


def split(*children: dict[str, Any], fullscreen: int = 0) -> dict[str, Any]:
    """A container of windows, itself no window."""
    return {
        "id": next(_ids), "type": "con", "name": None, "fullscreen_mode": fullscreen,
        "nodes": list(children), "floating_nodes": [],
    }  # fmt: skip


def workspace(
    name: str, *nodes: dict[str, Any], floating: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    return {
        "id": next(_ids), "type": "workspace", "name": name, "fullscreen_mode": 1,
        "nodes": list(nodes), "floating_nodes": list(floating),
    }  # fmt: skip


def output(name: str, current: str, *workspaces: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": next(_ids), "type": "output", "name": name, "fullscreen_mode": 0,
        "current_workspace": current, "nodes": list(workspaces), "floating_nodes": [],
    }  # fmt: skip


def tree(*outputs: dict[str, Any], scratchpad: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    scratch = workspace("__i3_scratch", floating=scratchpad)
    i3 = {
        "id": 2, "type": "output", "name": "__i3", "fullscreen_mode": 0,
        "nodes": [scratch], "floating_nodes": [],
    }  # fmt: skip
    return {"id": 1, "type": "root", "name": "root", "fullscreen_mode": 0,
            "nodes": [i3, *outputs], "floating_nodes": []}  # fmt: skip


class SwayStandIn:
    def __init__(self, path: Path, initial: dict[str, Any]) -> None:
        self.path = path
        self.tree = initial
        self.requests: list[int] = []  # the type of each request, in order
        self.subscriptions = 0  # SUBSCRIBE requests answered, ever
        self.hanging = threading.Event()
        self._lock = threading.Lock()
        self._subscribers: list[socket.socket] = []
        self._conns: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._listener: socket.socket | None = None
        self.start()

    def start(self) -> None:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(str(self.path))
        listener.listen()
        self._listener = listener
        self._spawn(self._accept, listener)

    def emit(self, kind: str, change: str, **payload: Any) -> None:
        """Send an event to every subscriber (sway sends the tree change first, then this)."""
        data = json.dumps({"change": change, **payload}).encode()
        message = HEADER.pack(b"i3-ipc", len(data), EVENT_TYPES[kind]) + data
        with self._lock:
            subscribers = list(self._subscribers)
        for conn in subscribers:
            with contextlib.suppress(OSError):
                conn.sendall(message)

    def send_garbage(self) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for conn in subscribers:
            with contextlib.suppress(OSError):
                conn.sendall(b"not-ipc" * 4)

    def stop(self) -> None:
        """Close the socket and every connection, as sway does when it exits."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)  # wakes the accept (close alone does not)
            listener.close()
        self.path.unlink(missing_ok=True)
        with self._lock:
            conns, self._conns, self._subscribers = self._conns, [], []
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        for thread in self._threads:
            thread.join(5)
        self._threads = [t for t in self._threads if t.is_alive()]

    close = stop

    @property
    def subscribers(self) -> int:
        with self._lock:
            return len(self._subscribers)

    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with self._lock:
                self._conns.append(conn)
            self._spawn(self._serve, conn)

    def _serve(self, conn: socket.socket) -> None:
        try:
            while True:
                header = _read(conn, HEADER.size)
                magic, length, kind = HEADER.unpack(header)
                assert magic == b"i3-ipc"
                payload = _read(conn, length)
                self.requests.append(kind)
                if self.hanging.is_set():
                    continue
                if kind == GET_TREE:
                    self._reply(conn, kind, self.tree)
                elif kind == SUBSCRIBE:
                    assert json.loads(payload) == ["window", "workspace"]
                    with self._lock:
                        self._subscribers.append(conn)
                        self.subscriptions += 1
                    self._reply(conn, kind, {"success": True})
                else:
                    self._reply(conn, kind, {"success": False})
        except (OSError, EOFError):
            with self._lock:
                if conn in self._subscribers:
                    self._subscribers.remove(conn)

    def _reply(self, conn: socket.socket, kind: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        conn.sendall(HEADER.pack(b"i3-ipc", len(data), kind) + data)


def _read(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data
