"""The Unix socket channel in this process (server.py, client.py, folder.py, instance.py): a
full backlog, a request that comes after its client gave up, a lost connection, and the
runtime folder checks. The real daemon under load is in test_control_load.py, other users in
test_control_users.py."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from postureping.control import client
from postureping.control.dispatch import dispatch
from postureping.control.folder import private_folder
from postureping.control.instance import InstanceLock
from postureping.control.protocol import Reply, Request
from postureping.control.server import ControlServer
from postureping.errors import UserError
from postureping.hours import ActiveHours
from tests.tray_driver import FakeController

NOBODY = 65534


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "run"
    path.mkdir(mode=0o700)
    return path


def reply_to_each(listener: socket.socket, stop: threading.Event) -> None:
    """Accept connections and answer each complete request with "hello"."""
    listener.settimeout(0.05)
    while not stop.is_set():
        try:
            connection, _ = listener.accept()
        except TimeoutError:
            continue
        with connection:
            connection.settimeout(0.1)  # the connections that filled the backlog send nothing
            with contextlib.suppress(OSError):
                data = connection.recv(65536)
                if data.endswith(b"\n"):
                    connection.sendall(Reply(True, "hello").encode())


@contextlib.contextmanager
def full_backlog(path: Path) -> Iterator[socket.socket]:
    """A listening socket whose backlog is full: connect() fails at once with EAGAIN on
    Linux. The connections that fill it are closed when the block ends."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(0)
    fillers: list[socket.socket] = []
    try:
        while True:
            filler = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            filler.setblocking(False)
            try:
                filler.connect(str(path))
            except BlockingIOError:
                filler.close()
                break
            fillers.append(filler)
        assert fillers, "the backlog took no connection"
        yield listener
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def test_the_client_waits_while_the_backlog_is_full(folder: Path) -> None:
    path = folder / "control.sock"
    stop = threading.Event()
    with full_backlog(path) as listener:
        server = threading.Timer(0.5, reply_to_each, (listener, stop))
        server.start()
        try:
            started = time.monotonic()
            assert client.send(path, Request("status"), timeout=5.0).message == "hello"
            assert 0.4 < time.monotonic() - started < 4.0
        finally:
            stop.set()
            server.join(timeout=5)


def test_the_client_gives_up_on_a_backlog_that_stays_full(folder: Path) -> None:
    with full_backlog(folder / "control.sock"):
        started = time.monotonic()
        with pytest.raises(UserError, match=r"too busy .* within 0\.5 s"):
            client.send(folder / "control.sock", Request("status"), timeout=0.5)
        assert time.monotonic() - started < 3.0


def test_a_request_that_comes_after_its_client_gave_up_is_not_carried_out(
    folder: Path, tmp_path: Path
) -> None:
    controller = FakeController(tmp_path / "calls.txt")
    server = ControlServer(
        folder / "control.sock",
        lambda request: dispatch(controller, request, ActiveHours.always(), ZoneInfo("UTC")),
        logging.getLogger("test-control-socket"),
        max_connections=1,
        request_timeout=1.5,
    )
    server.start()
    try:
        # A client that sends nothing takes the one place for 1.5 s; the answer waits in
        # the backlog longer than its client waits for a reply.
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as silent:
            silent.connect(str(server.path))
            time.sleep(0.2)  # accepted (nothing to wait on: the server does not say)
            with pytest.raises(UserError, match=r"did not answer within 0\.2 s"):
                client.send(server.path, Request("answer", {"answer": "done"}), timeout=0.2)
        # The daemon gets to it after the client has given up: it must not record it.
        assert client.send(server.path, Request("status"), timeout=5.0).ok
    finally:
        server.stop()  # waits for every connection in progress
    calls = tmp_path / "calls.txt"
    assert not calls.exists() or "answer" not in calls.read_text(encoding="utf-8")


def test_a_runtime_folder_that_is_a_symbolic_link_is_refused(folder: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(folder)
    with pytest.raises(UserError, match="symbolic link"):
        client.send(link / "control.sock", Request("status"))


def test_a_runtime_folder_others_can_enter_is_refused(folder: Path) -> None:
    folder.chmod(0o755)
    with pytest.raises(UserError, match=r"open to other users .*chmod 700"):
        client.send(folder / "control.sock", Request("status"))


def test_no_runtime_folder_means_no_daemon(tmp_path: Path) -> None:
    with pytest.raises(client.NoDaemon):
        client.send(tmp_path / "nothing" / "control.sock", Request("status"))


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user takes root")
def test_a_runtime_folder_of_another_user_is_refused(folder: Path) -> None:
    os.chown(folder, NOBODY, NOBODY)
    with pytest.raises(UserError, match="belongs to another user"):
        client.send(folder / "control.sock", Request("status"))


def test_the_daemon_refuses_a_symbolic_link_for_its_runtime_folder(
    folder: Path, tmp_path: Path
) -> None:
    link = tmp_path / "link"
    link.symlink_to(folder)
    folder.chmod(0o755)
    with pytest.raises(UserError, match="symbolic link"):
        private_folder(link)
    assert folder.stat().st_mode & 0o777 == 0o755  # not followed: left as it was


def test_the_daemon_refuses_a_runtime_folder_others_can_write_to(folder: Path) -> None:
    folder.chmod(0o777)
    with pytest.raises(UserError, match="other users can write"):
        private_folder(folder)
    folder.chmod(0o755)  # readable, but nobody else could have put anything there
    assert private_folder(folder) == folder
    assert folder.stat().st_mode & 0o777 == 0o700


def test_the_instance_lock_does_not_follow_a_symbolic_link(folder: Path, tmp_path: Path) -> None:
    target = tmp_path / "precious.txt"
    target.write_text("keep me\n", encoding="utf-8")
    (folder / "daemon.lock").symlink_to(target)
    lock = InstanceLock(folder / "daemon.lock")
    with pytest.raises(UserError, match="symbolic link"):
        lock.acquire()
    assert target.read_text(encoding="utf-8") == "keep me\n"


def serve_lines(listener: socket.socket, answers: list[bytes | None], seen: list[bytes]) -> None:
    """Accept one connection per entry of `answers`, read its request into `seen`, and send
    the answer (None: hang up without one)."""
    for answer in answers:
        connection, _ = listener.accept()
        with connection:
            seen.append(connection.recv(65536))
            if answer is not None:
                connection.sendall(answer)


def test_a_lost_connection_is_tried_again_with_the_same_id(folder: Path) -> None:
    path = folder / "control.sock"
    seen: list[bytes] = []
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(str(path))
        listener.listen(8)
        server = threading.Thread(
            target=serve_lines, args=(listener, [None, Reply(True, "once").encode()], seen)
        )
        server.start()
        assert client.send(path, Request("answer", {"answer": "done"})).message == "once"
        server.join(timeout=5)
    first, second = (Request.decode(line) for line in seen)
    assert first.id is not None and first == second


def test_a_daemon_gone_after_it_took_the_request_is_not_no_daemon(folder: Path) -> None:
    """`done` records by itself when no daemon runs: after a daemon took the request and
    vanished, that would record the answer twice."""
    path = folder / "control.sock"
    seen: list[bytes] = []
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    listener.listen(8)

    def take_and_vanish() -> None:
        connection, _ = listener.accept()
        seen.append(connection.recv(65536))
        listener.close()  # before the client hears of it; the socket file stays
        connection.close()

    server = threading.Thread(target=take_and_vanish)
    server.start()
    try:
        with pytest.raises(UserError, match="may have been carried out") as raised:
            client.send(path, Request("answer", {"answer": "done"}))
    finally:
        server.join(timeout=5)
    assert not isinstance(raised.value, client.NoDaemon) and len(seen) == 1
