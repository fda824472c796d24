"""The control channel as Windows runs it (pipe.py), and the choice of channel (transport.py).

On Windows the daemon listens on a named pipe through multiprocessing.connection. Apart from
the family argument the code is the same for every family, so these tests run it for real
over AF_UNIX in a temporary folder: the framing, the accept loop, the timeouts and stop.
What only Windows has (the pipe's name space, its security descriptor) is not run here.
"""

from __future__ import annotations

import getpass
import logging
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Client, Connection
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from postureping.control import transport
from postureping.control.dispatch import dispatch
from postureping.control.pipe import PipeServer, send
from postureping.control.protocol import MAX_MESSAGE, Reply, Request
from postureping.errors import UserError
from postureping.hours import ActiveHours
from postureping.paths import Paths, pipe_name
from tests.tray_driver import FakeController

UNIX = "AF_UNIX"
Handle = Callable[[Request], Reply]


@pytest.fixture
def address(tmp_path: Path) -> str:
    return str(tmp_path / "control")


@pytest.fixture
def controller(tmp_path: Path) -> FakeController:
    return FakeController(tmp_path / "calls.txt")


def via_dispatch(controller: FakeController) -> Handle:
    return lambda request: dispatch(controller, request, ActiveHours.always(), ZoneInfo("UTC"))


@contextmanager
def serving(address: str, handle: Handle, request_timeout: float = 5.0) -> Iterator[PipeServer]:
    server = PipeServer(address, handle, _log(), family=UNIX, request_timeout=request_timeout)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _log() -> logging.Logger:
    return logging.getLogger("test-control-pipe")


def ask(address: str, request: Request, timeout: float = 5.0) -> Reply:
    return send(address, request, timeout, family=UNIX)


def test_a_request_gets_the_reply_of_dispatch(
    address: str, controller: FakeController, tmp_path: Path
) -> None:
    with serving(address, via_dispatch(controller)):
        status = ask(address, Request("status"))
        assert status.ok and status.result is not None and status.result["running"] is True
        paused = ask(address, Request("pause", {"for": "30m"}))
        assert paused.ok and paused.message.startswith("Paused until")
        refused = ask(address, Request("pause", {"for": "forever and ever"}))
        assert not refused.ok and refused.exit == 2
    calls = (tmp_path / "calls.txt").read_text(encoding="utf-8").splitlines()
    assert len(calls) == 1 and calls[0].startswith("pause ")


def test_a_request_that_is_not_ours_is_refused(address: str, controller: FakeController) -> None:
    with serving(address, via_dispatch(controller)):
        unknown = ask(address, Request("format-disk"))
        assert not unknown.ok and unknown.exit == 2 and "format-disk" in unknown.message
        with Client(address, UNIX) as connection:
            connection.send_bytes(b"not json\n")
            reply = Reply.decode(connection.recv_bytes())
        assert not reply.ok and reply.exit == 2 and "not JSON" in reply.message


def test_no_daemon_when_nothing_listens(address: str) -> None:
    with pytest.raises(transport.NoDaemon):
        ask(address, Request("status"))
    stale = socket.socket(socket.AF_UNIX)  # a socket file that nobody listens on
    stale.bind(address)
    stale.close()
    with pytest.raises(transport.NoDaemon):
        ask(address, Request("status"))


def test_stop_returns_promptly_and_closes_the_channel(
    address: str, controller: FakeController
) -> None:
    server = PipeServer(address, via_dispatch(controller), _log(), family=UNIX)
    server.start()
    assert ask(address, Request("status")).ok
    thread = blocked_in_accept()
    started = time.monotonic()
    server.stop()  # closing the listener alone would leave the thread blocked
    assert time.monotonic() - started < 1.0
    assert not thread.is_alive()
    assert not Path(address).exists()
    with pytest.raises(transport.NoDaemon):
        ask(address, Request("status"))
    server.stop()  # a second stop is harmless


def blocked_in_accept() -> threading.Thread:
    """The server's thread, once it waits in accept() (looked up in its stack, not slept for)."""
    (thread,) = [t for t in threading.enumerate() if t.name == "postureping-control"]
    deadline = time.monotonic() + 5.0
    while time.monotonic() < deadline:
        frame = sys._current_frames().get(thread.ident or 0)
        if frame is not None and frame.f_code.co_name == "accept":
            return thread
        time.sleep(0.001)
    raise AssertionError("the server's thread never waited in accept()")


def test_a_client_that_sends_nothing_is_dropped(address: str, controller: FakeController) -> None:
    with serving(address, via_dispatch(controller), request_timeout=0.2):
        with Client(address, UNIX) as silent:
            started = time.monotonic()
            # Each client has a thread of its own: this one does not wait for the silent one.
            assert ask(address, Request("status")).ok
            assert silent.poll(5.0)  # the server hung up...
            with pytest.raises(EOFError):  # ...without a word
                silent.recv_bytes()
        assert time.monotonic() - started < 2.0


def test_an_oversized_request_is_refused_unread(address: str, controller: FakeController) -> None:
    with serving(address, via_dispatch(controller)):
        raw = socket.socket(socket.AF_UNIX)
        raw.connect(address)
        # multiprocessing's framing: a 4-byte big-endian length, then the message.
        raw.sendall(struct.pack("!i", MAX_MESSAGE + 1) + b'{"v": 1, ')
        with Connection(raw.detach()) as connection:
            reply = Reply.decode(connection.recv_bytes())
        assert not reply.ok and reply.exit == 2 and "too large" in reply.message
        assert ask(address, Request("status")).ok  # and the channel carries on


def test_the_client_gives_up_on_a_daemon_that_does_not_answer(address: str) -> None:
    release = threading.Event()

    def stuck(request: Request) -> Reply:
        release.wait(5.0)
        return Reply(True, "late")

    with serving(address, stuck):
        with pytest.raises(UserError, match=r"did not answer within 0\.2 s"):
            ask(address, Request("status"), timeout=0.2)
        release.set()


def test_a_failing_handler_does_not_end_the_channel(address: str) -> None:
    calls: list[str] = []

    def flaky(request: Request) -> Reply:
        calls.append(request.command)
        if len(calls) == 1:
            raise RuntimeError("a bug")
        return Reply(True, "fine")

    with serving(address, flaky):
        failed = ask(address, Request("status"))
        assert not failed.ok and "could not carry out the command" in failed.message
        assert ask(address, Request("status")).message == "fine"


def test_a_second_server_cannot_take_the_address(address: str) -> None:
    # On Windows the first pipe instance is created with FILE_FLAG_FIRST_PIPE_INSTANCE; here
    # the socket's bind fails the same way: the second start raises OSError.
    with serving(address, lambda request: Reply(True, "first")):
        second = PipeServer(address, lambda request: Reply(True, "second"), _log(), family=UNIX)
        with pytest.raises(OSError):
            second.start()
        assert ask(address, Request("status")).message == "first"


def test_the_pipe_name() -> None:
    name = pipe_name(Path(r"C:\Users\Jane Doe\AppData\Local\Temp\postureping"), "Jane Doe")
    assert name.startswith("\\\\.\\pipe\\postureping-Jane_Doe-")
    assert "\\" not in name.removeprefix("\\\\.\\pipe\\") and len(name) < 256
    assert name == pipe_name(Path(r"C:\Users\Jane Doe\AppData\Local\Temp\postureping"), "Jane Doe")
    assert name == pipe_name(Path(r"c:\users\jane doe\appdata\local\temp\postureping"), "Jane Doe")
    assert name != pipe_name(Path(r"C:\Users\Jane Doe\elsewhere"), "Jane Doe")
    assert pipe_name(Path("/x"), "").startswith("\\\\.\\pipe\\postureping-user-")


def paths_in(root: Path) -> Paths:
    return Paths(root / "config.toml", "--config", root / "data", root / "state", root / "run")


def test_posix_keeps_the_unix_socket(tmp_path: Path, controller: FakeController) -> None:
    paths = paths_in(tmp_path)
    assert paths.control_address == str(paths.control_socket)
    server = transport.make_server(paths, via_dispatch(controller), _log())
    server.start()
    try:
        assert paths.control_socket.stat().st_mode & 0o777 == 0o600  # server.py's socket
        assert transport.send(paths, Request("status")).ok
    finally:
        server.stop()
    assert not paths.control_socket.exists()
    with pytest.raises(transport.NoDaemon):
        transport.send(paths, Request("status"))


def test_on_windows_the_control_address_is_the_pipe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # transport.py picks pipe.py by the same test of sys.platform, when it is imported.
    paths = paths_in(tmp_path)
    monkeypatch.setattr(sys, "platform", "win32")
    address = paths.control_address
    monkeypatch.undo()
    assert address == pipe_name(paths.runtime_dir, getpass.getuser())


def test_a_retried_request_is_carried_out_once(
    address: str, controller: FakeController, tmp_path: Path
) -> None:
    with serving(address, via_dispatch(controller)):
        request = Request("pause", {"for": "30m"}, id="5d41402abc4b2a76b9719d911017c592")
        first, second = ask(address, request), ask(address, request)
        assert first.ok and second == first
        assert ask(address, Request("pause", {"for": "30m"})).ok  # a new id: a new pause
    calls = (tmp_path / "calls.txt").read_text(encoding="utf-8").splitlines()
    assert len(calls) == 2
