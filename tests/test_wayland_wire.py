"""The Wayland wire encoding (postureping/desktop/wayland_wire.py) and the connection's handling
of whatever bytes a compositor sends: known messages byte for byte, round trips, and fuzzing
that finds nothing but the modules' own errors."""

from __future__ import annotations

import socket
import struct
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postureping.desktop.wayland import WaylandConnection, WaylandError
from postureping.desktop.wayland_wire import (
    MAX_MESSAGE,
    Arguments,
    Message,
    WireError,
    encode,
    split,
    string,
    uint,
    untyped_new_id,
)

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="Unix sockets as on Linux")
NATIVE = "<" if sys.byteorder == "little" else ">"


def test_a_request_byte_for_byte() -> None:
    # wl_registry@2.bind(name 36, "wl_seat" version 1, new id 3), as libwayland sends it.
    data = encode(2, 0, uint(36), untyped_new_id("wl_seat", 1, 3))
    words = struct.unpack(f"{NATIVE}8I", data)
    assert words[:2] == (2, (32 << 16) | 0)  # the object; the size (32 bytes) and opcode 0
    assert words[2:4] == (36, 8)  # the name; the string's length counts its NUL
    assert data[16:24] == b"wl_seat\0"
    assert words[6:] == (1, 3)


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("", b"\x01\0\0\0\0\0\0\0"),
        ("abc", b"\x04\0\0\0abc\0"),
        ("abcd", b"\x05\0\0\0abcd\0\0\0\0"),
    ],
)
def test_strings_count_their_nul_and_pad_to_four_bytes(text: str, encoded: bytes) -> None:
    if sys.byteorder != "little":
        pytest.skip("the examples are little-endian")
    assert string(text) == encoded


def test_what_cannot_be_sent_is_refused() -> None:
    for value in (-1, 2**32):
        with pytest.raises(ValueError, match="32-bit"):
            uint(value)
    with pytest.raises(ValueError, match="no such message"):
        encode(1, 0x10000)
    with pytest.raises(ValueError, match="no such message"):
        encode(1, 0, b"\0" * (MAX_MESSAGE - 7))
    assert len(encode(1, 0, b"\0" * (MAX_MESSAGE - 8))) == MAX_MESSAGE


def test_split_keeps_an_unfinished_message_for_later() -> None:
    first = encode(1, 1, uint(7))
    second = encode(9, 0, string("seat0"))
    data = first + second
    for cut in range(len(data) + 1):
        messages, rest = split(data[:cut])
        more, end = split(rest + data[cut:])
        assert messages + more == [Message(1, 1, uint(7)), Message(9, 0, string("seat0"))]
        assert end == b""


@pytest.mark.parametrize("size", [0, 4, 7, 10, 13])
def test_a_size_that_cannot_be_is_an_error(size: int) -> None:
    with pytest.raises(WireError, match=f"a message of {size} bytes, for object 3"):
        split(struct.pack("=II", 3, size << 16) + b"\0" * 16)


def test_arguments_are_read_in_order_and_checked_to_the_end() -> None:
    body = uint(5) + struct.pack("=i", -2) + string("wl_output") + uint(0) + uint(3) + b"abc\0"
    arguments = Arguments(Message(4, 0, body))
    assert arguments.object() == 5
    assert arguments.signed() == -2
    assert arguments.string() == "wl_output"
    assert arguments.string() is None  # length 0: a null string
    assert arguments.array() == b"abc"
    arguments.end()
    with pytest.raises(WireError, match="ends before its last argument"):
        arguments.uint()
    leftover = Arguments(Message(4, 0, uint(1) + uint(2)))
    leftover.uint()
    with pytest.raises(WireError, match="has 4 bytes too many"):
        leftover.end()


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (uint(4) + b"abcd", "without its closing NUL"),
        (uint(9) + b"abcd", "an argument of 9 bytes in 8"),
        (uint(3) + b"ab\0", "an argument of 3 bytes in 7"),  # padding missing
        (uint(2**32 - 1), "an argument of 4294967295 bytes in 4"),
        (b"\x01\0", "ends before its last argument"),
    ],
)
def test_a_string_that_lies_about_itself_is_an_error(body: bytes, error: str) -> None:
    with pytest.raises(WireError, match=error):
        Arguments(Message(2, 0, body)).string()


@given(st.text(max_size=40), st.integers(0, 2**32 - 1), st.binary(max_size=64))
def test_what_is_encoded_reads_back(text: str, number: int, blob: bytes) -> None:
    array = uint(len(blob)) + blob + b"\0" * (-len(blob) % 4)
    data = encode(3, 1, string(text), uint(number), array)
    (message,), rest = split(data)
    assert rest == b""
    arguments = Arguments(message)
    assert arguments.string() == text
    assert arguments.uint() == number
    assert arguments.array() == blob
    arguments.end()


KINDS = st.lists(st.sampled_from(["uint", "signed", "object", "string", "array", "end"]))


@given(st.binary(max_size=600), KINDS)
def test_the_decoder_raises_nothing_but_its_own_error(data: bytes, kinds: list[str]) -> None:
    try:
        messages, _ = split(data)
    except WireError:
        return
    for message in messages:
        arguments = Arguments(message)
        for kind in kinds:
            try:
                getattr(arguments, kind)()
            except WireError:
                break


# Messages a compositor sends to the display (1), the registry (2) and a callback (3),
# with their arguments made of plausible and implausible words.
WORDS = st.one_of(st.integers(0, 16), st.integers(0, 2**32 - 1)).map(uint)
EVENTS = st.builds(
    lambda object_id, opcode, parts: encode(object_id, opcode, *parts),
    st.integers(0, 4),
    st.integers(0, 3),
    st.lists(st.one_of(WORDS, st.text(max_size=12).map(string), st.binary(max_size=9)),
             max_size=5),
)  # fmt: skip


@linux_only
@settings(deadline=None)
@given(st.lists(st.one_of(EVENTS, st.binary(max_size=24)), max_size=8))
def test_the_connection_turns_any_bytes_into_its_own_error_at_worst(chunks: list[bytes]) -> None:
    ours, theirs = socket.socketpair()
    connection = WaylandConnection(ours)
    try:
        theirs.sendall(b"".join(chunks))
        theirs.shutdown(socket.SHUT_WR)
        try:
            for _ in range(100):
                connection.dispatch(1.0)
        except WaylandError:
            pass
        else:
            pytest.fail("the connection never saw the end of the stream")
    finally:
        connection.close()
        theirs.close()
