"""The Wayland wire protocol: messages to bytes and bytes to messages (pure: no sockets).

A message is two 32-bit words in the machine's byte order, the sender's object id and then
the message's size in bytes (header included) in the upper 16 bits with the opcode in the
lower 16, followed by its arguments, each padded to a multiple of 4 bytes: `int` and `uint`
(32 bits), `object` and `new_id` (an object id), `string` (a length that counts the closing
NUL, the bytes, the NUL; length 0 is a null string) and `array` (a length, the bytes). A
`new_id` with no fixed interface (`wl_registry.bind`) goes as the interface's name, the
version and the id. File descriptors travel beside the bytes as ancillary data; postureping
asks for nothing that sends one.

Decoding never trusts the peer: every length is checked against what is there, and whatever
is wrong (a size under 8 bytes or over libwayland's 4096, a string without its NUL, a message
that ends early or has bytes left over) raises `WireError` and nothing else.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

HEADER = struct.Struct("=II")
WORD = struct.Struct("=I")
SIGNED = struct.Struct("=i")
MAX_MESSAGE = 4096  # bytes, header included: libwayland's buffer, which compositors share
UINT_MAX = 2**32 - 1


class WireError(Exception):
    """Bytes from the peer that are not a valid message (one line, for the log)."""


@dataclass(frozen=True)
class Message:
    object_id: int
    opcode: int
    body: bytes  # the arguments, still encoded: read them with `Arguments`


def _pad(data: bytes) -> bytes:
    return data + b"\0" * (-len(data) % 4)


def uint(value: int) -> bytes:
    if not 0 <= value <= UINT_MAX:
        raise ValueError(f"{value} is not a 32-bit unsigned integer")
    return WORD.pack(value)


def string(text: str) -> bytes:
    data = text.encode() + b"\0"
    return WORD.pack(len(data)) + _pad(data)


def untyped_new_id(interface: str, version: int, new_id: int) -> bytes:
    """The `new_id` argument of `wl_registry.bind`, whose interface the request does not fix."""
    return string(interface) + uint(version) + uint(new_id)


def encode(object_id: int, opcode: int, *arguments: bytes) -> bytes:
    """One message; `arguments` are already encoded (`uint`, `string`...)."""
    body = b"".join(arguments)
    size = HEADER.size + len(body)
    if size > MAX_MESSAGE or not 0 <= opcode <= 0xFFFF:
        raise ValueError(f"no such message: opcode {opcode}, {size} bytes")
    return HEADER.pack(object_id, size << 16 | opcode) + body


def split(buffer: bytes) -> tuple[list[Message], bytes]:
    """The whole messages at the start of `buffer`, and the bytes of an unfinished one."""
    messages: list[Message] = []
    offset = 0
    while len(buffer) - offset >= HEADER.size:
        object_id, word = HEADER.unpack_from(buffer, offset)
        size, opcode = word >> 16, word & 0xFFFF
        if size < HEADER.size or size % 4:
            raise WireError(f"a message of {size} bytes, for object {object_id}")
        if len(buffer) - offset < size:
            break
        body = bytes(buffer[offset + HEADER.size : offset + size])
        messages.append(Message(object_id, opcode, body))
        offset += size
    return messages, bytes(buffer[offset:])


class Arguments:
    """Reads a message's arguments in order; `end()` checks that none is left over."""

    def __init__(self, message: Message) -> None:
        self._message = message
        self._body = message.body
        self._offset = 0

    def uint(self) -> int:
        if len(self._body) - self._offset < 4:
            raise self._error("ends before its last argument")
        (value,) = WORD.unpack_from(self._body, self._offset)
        self._offset += 4
        return int(value)

    def signed(self) -> int:
        """An `int` argument."""
        (value,) = SIGNED.unpack(WORD.pack(self.uint()))
        return int(value)

    def object(self) -> int:
        return self.uint()

    def array(self) -> bytes:
        length = self.uint()
        end = self._offset + length
        if end + (-length % 4) > len(self._body):
            raise self._error(f"has an argument of {length} bytes in {len(self._body)}")
        data = self._body[self._offset : end]
        self._offset = end + (-length % 4)
        return data

    def string(self) -> str | None:
        """The text (bad UTF-8 replaced, never an error), or None for a null string."""
        data = self.array()
        if not data:
            return None
        if data[-1] != 0:
            raise self._error("has a string without its closing NUL")
        return data[:-1].decode(errors="replace")

    def end(self) -> None:
        if self._offset != len(self._body):
            raise self._error(f"has {len(self._body) - self._offset} bytes too many")

    def _error(self, what: str) -> WireError:
        message = self._message
        return WireError(f"the message {message.opcode} to object {message.object_id} {what}")
