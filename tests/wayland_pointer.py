"""A virtual pointer on a wlroots compositor (sway), for tests: moves and clicks as a mouse would.

A headless sway has no input devices, so its seat has no pointer and clients get no clicks.
`zwlr_virtual_pointer_manager_v1` (sway 1.5 and later) lets a client create one. Debian 12
has no tool for it (wtype is a keyboard only), and the protocol's few requests are simple,
so this is a small client of the Wayland wire format: a Unix socket, little-endian 32-bit
words, one message per request (object id, size and opcode, arguments).
"""

from __future__ import annotations

import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path

DISPLAY = 1  # wl_display's object id
TIMEOUT = 5.0
SETTLE = 0.3  # seconds between moving and pressing
BTN_LEFT, BTN_RIGHT = 0x110, 0x111  # linux/input-event-codes.h
MANAGER = "zwlr_virtual_pointer_manager_v1"
# Request opcodes.
_SYNC, _GET_REGISTRY, _BIND, _CREATE_POINTER = 0, 1, 0, 0
_MOTION_ABSOLUTE, _BUTTON, _FRAME, _DESTROY = 1, 2, 4, 8


class WaylandError(RuntimeError):
    """The compositor sent an error, closed the connection, or lacks the protocol."""


class VirtualPointer:
    """A pointer on the compositor at `socket_path`; positions are in `extent` pixels (the
    output's size: the compositor scales them to its layout)."""

    def __init__(self, socket_path: Path, extent: tuple[int, int]) -> None:
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(TIMEOUT)
        self._sock.connect(str(socket_path))
        self._extent = extent
        self._next_id = DISPLAY + 1
        self._buffer = b""
        self._time = 0
        registry = self._new_id()
        self._send(DISPLAY, _GET_REGISTRY, struct.pack("<I", registry))
        found: dict[str, int] = {}
        for obj, opcode, body in self._until_sync():
            if obj == registry and opcode == 0:  # wl_registry.global(name, interface, version)
                (name,) = struct.unpack_from("<I", body)
                found[_string(body, 4)[0]] = name
        if MANAGER not in found:
            self.close()
            raise WaylandError(f"the compositor offers no {MANAGER}")
        manager = self._new_id()
        bind = struct.pack("<I", found[MANAGER]) + _pack_string(MANAGER)
        self._send(registry, _BIND, bind + struct.pack("<II", 1, manager))
        self._pointer = self._new_id()
        self._send(manager, _CREATE_POINTER, struct.pack("<II", 0, self._pointer))  # any seat
        self._roundtrip()

    def move(self, x: int, y: int) -> None:
        width, height = self._extent
        self._request(_MOTION_ABSOLUTE, struct.pack("<IIIII", self._tick(), x, y, width, height))

    def click(self, x: int, y: int, button: int = BTN_LEFT) -> None:
        self.move(x, y)
        # The client handles the pointer's arrival (enter, motion) on its own time: a press
        # that comes before it is lost on it.
        time.sleep(SETTLE)
        for state in (1, 0):  # pressed, released
            self._request(_BUTTON, struct.pack("<III", self._tick(), button, state))

    def close(self) -> None:
        try:
            if hasattr(self, "_pointer"):
                self._send(self._pointer, _DESTROY)
                self._roundtrip()
        except (OSError, WaylandError):
            pass  # the compositor has gone: nothing to take back
        finally:
            self._sock.close()

    def _request(self, opcode: int, args: bytes) -> None:
        self._send(self._pointer, opcode, args)
        self._send(self._pointer, _FRAME, struct.pack("<I", self._tick()))
        self._roundtrip()

    def _tick(self) -> int:
        self._time += 10  # milliseconds; only their order matters
        return self._time

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id - 1

    def _send(self, obj: int, opcode: int, args: bytes = b"") -> None:
        self._sock.sendall(struct.pack("<II", obj, ((8 + len(args)) << 16) | opcode) + args)

    def _roundtrip(self) -> None:
        for _event in self._until_sync():
            pass

    def _until_sync(self) -> Iterator[tuple[int, int, bytes]]:
        """The events until the compositor has handled everything sent so far."""
        callback = self._new_id()
        self._send(DISPLAY, _SYNC, struct.pack("<I", callback))
        while True:
            obj, opcode, body = self._event()
            if obj == callback:
                return
            if obj == DISPLAY and opcode == 0:  # wl_display.error(object, code, message)
                raise WaylandError(f"Wayland error: {_string(body, 8)[0]}")
            yield obj, opcode, body

    def _event(self) -> tuple[int, int, bytes]:
        while True:
            if len(self._buffer) >= 8:
                obj, word = struct.unpack_from("<II", self._buffer)
                size = word >> 16
                if len(self._buffer) >= size:
                    body, self._buffer = self._buffer[8:size], self._buffer[size:]
                    return obj, word & 0xFFFF, body
            data = self._sock.recv(65536)
            if not data:
                raise WaylandError("the compositor closed the connection")
            self._buffer += data


def _pack_string(text: str) -> bytes:
    raw = text.encode() + b"\0"
    return struct.pack("<I", len(raw)) + raw + b"\0" * (-len(raw) % 4)


def _string(body: bytes, offset: int) -> tuple[str, int]:
    """The string at `offset` in a message body, and the offset after it."""
    (length,) = struct.unpack_from("<I", body, offset)
    start = offset + 4
    text = body[start : start + length - 1].decode(errors="replace")
    return text, start + length + (-length % 4)
