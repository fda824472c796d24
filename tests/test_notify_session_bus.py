"""The session bus connection (postureping/desktop/session_bus.py) against peers that misbehave,
on a real private dbus-daemon: a notification server that answers a call twice (as mako 1.7
answers GetCapabilities: a reply, then an UnknownMethod error with the same reply serial), and
a connection that breaks under the reader.
"""

from __future__ import annotations

import itertools
import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from jeepney import (  # type: ignore[import-untyped]
    HeaderFields,
    new_error,
    new_method_call,
    new_method_return,
)

from postureping.controller import Answer, PainPicked
from postureping.desktop.session_bus import READER_NAME, SessionBus
from postureping.notify.actions import SERVER
from postureping.notify.freedesktop import FreedesktopNotifier
from postureping.reminder import Reminder
from tests.cli_helpers import isolated_env, run_cli
from tests.daemon_process import running_daemon
from tests.desktop import _BUS_CONFIG as BUS_CONFIG
from tests.desktop import start_bus, stop_pid, strip_session_vars, wait_until
from tests.notify_standin import StandInServer
from tests.test_activity_e2e import real_time

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="a D-Bus session bus")

WAIT = 5.0
SLACK = 10.0  # seconds a loaded CI machine may add to a step
CAPABILITIES = ["body", "body-markup", "actions"]


class DoubleReplyingServer(StandInServer):
    """A notification server that answers every GetCapabilities twice, as mako 1.7 does: a
    method return, then an UnknownMethod error with the same reply serial."""

    def __init__(self, address: str) -> None:
        self.notified: list[str] = []
        self._ids = itertools.count(1)
        super().__init__(address)

    def answer(self, call: Any) -> None:
        member = call.header.fields.get(HeaderFields.member)
        if member == "GetCapabilities":
            self.send(new_method_return(call, "as", (CAPABILITIES,)))
            error = "org.freedesktop.DBus.Error.UnknownMethod"
            self.send(new_error(call, error, "s", ("no such method",)))
        elif member == "GetNameOwner" or member == "GetServerInformation":
            self.send(new_method_return(call, "ssss", ("double", "test", "1", "1.2")))
        elif member == "Notify":
            self.notified.append(call.body[3])
            self.send(new_method_return(call, "u", (next(self._ids),)))
        elif member == "CloseNotification":
            self.send(new_method_return(call))
        else:
            self.send(new_error(call, "org.freedesktop.DBus.Error.UnknownMethod"))


def require_dbus_daemon() -> None:
    if not shutil.which("dbus-daemon"):
        if os.environ.get("CI") == "true":
            pytest.fail("dbus-daemon is missing; CI is expected to install it (.ci/run)")
        pytest.skip("needs dbus-daemon (apt package dbus-daemon)")


@pytest.fixture
def bus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_dbus_daemon()
    directory = tmp_path_factory.mktemp("bus")
    with ExitStack() as stack:
        _pid, address = start_bus(directory, strip_session_vars(os.environ), stack)
        yield address


@pytest.fixture
def server(bus: str) -> Iterator[DoubleReplyingServer]:
    peer = DoubleReplyingServer(bus)
    yield peer
    peer.close()


def reader_running() -> bool:
    return READER_NAME in {thread.name for thread in threading.enumerate()}


def reminder(n: int) -> Reminder:
    return Reminder("walk", f"Walk {n}", "Stand up.", timedelta(seconds=5))


def test_a_second_reply_to_an_answered_call_is_ignored(
    bus: str, server: DoubleReplyingServer, caplog: pytest.LogCaptureFixture
) -> None:
    connection = SessionBus.connect(WAIT, bus=bus)
    try:
        connection.start(lambda message: None)
        for _ in range(5):
            (capabilities,) = connection.call(new_method_call(SERVER, "GetCapabilities"))
            assert capabilities == CAPABILITIES
        # The stray errors came, and left the reader running: a later call is still answered.
        (name, *_) = connection.call(new_method_call(SERVER, "GetServerInformation"))
        assert name == "double"
        assert connection.alive and connection.lost is None
    finally:
        connection.close()
    assert "lost the connection" not in caplog.text


def test_every_reminder_reaches_a_server_that_answers_twice(
    bus: str,
    server: DoubleReplyingServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus)
    notifier = FreedesktopNotifier(lambda key, answer: None, timeout=WAIT)
    try:
        for n in range(5):
            notifier.send(reminder(n))  # raised NotifyError ("no D-Bus session bus") before
        assert server.notified == [f"Walk {n}" for n in range(5)]
        assert notifier.troubles() == ()
    finally:
        notifier.close()
    assert "lost the connection" not in caplog.text


def test_a_broken_connection_is_reported_and_replaced(
    bus: str,
    server: DoubleReplyingServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The reader dies (here: the socket is shut under it): a warning at once, the trouble kept
    for `postureping doctor`, and the next reminder goes out on a new connection."""
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus)
    answers: list[tuple[str, Answer | PainPicked]] = []
    notifier = FreedesktopNotifier(lambda key, answer: answers.append((key, answer)), WAIT)
    caplog.set_level(logging.INFO)
    try:
        notifier.send(reminder(1))
        broken = notifier._bus
        assert broken is not None
        broken._conn.sock.shutdown(socket.SHUT_RDWR)  # what a peer that drops us would leave
        wait_until(lambda: not broken.alive, timeout=WAIT, what="the reader to stop")
        assert "lost the connection to the session bus" in caplog.text
        (trouble,) = notifier.troubles()
        assert "lost the connection to the session bus" in trouble
        notifier.send(reminder(2))
        assert server.notified == ["Walk 1", "Walk 2"]
        assert notifier._bus is not broken and notifier._bus is not None and notifier._bus.alive
    finally:
        notifier.close()
    wait_until(lambda: not reader_running(), timeout=WAIT, what="the readers to stop")


def start_bus_at(path: Path, directory: Path) -> int:
    """A private session bus listening at exactly `path` (a restarted bus comes back there);
    returns its PID."""
    config = directory / f"bus-{path.name}.conf"
    text = BUS_CONFIG.replace("unix:tmpdir={tmpdir}", "unix:path={path}")
    config.write_text(text.format(path=quote(os.fspath(path), safe="/")))
    printed = directory / "bus.pid"
    with printed.open("wb") as out:
        subprocess.run(
            ["dbus-daemon", f"--config-file={config}", "--fork", "--print-pid=1"],
            stdout=out, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, check=True,
            env=strip_session_vars(os.environ), timeout=WAIT,
        )  # fmt: skip
    return int(wait_until(lambda: printed.read_text().strip(), timeout=WAIT, what="its PID"))


def test_doctor_tells_that_the_daemon_lost_its_bus_and_reminders_go_on(tmp_path: Path) -> None:
    """The session bus restarts under the running daemon: a warning in its log at once, the
    next reminders reach the server on the new bus, and `doctor` says what happened."""
    require_dbus_daemon()
    socket_dir = Path(tempfile.mkdtemp(prefix="pp-bus-"))  # short: a socket path is short
    path = socket_dir / "bus"
    address = f"unix:path={path}"
    env = isolated_env(
        tmp_path,
        real_time(
            "walk",
            notifications__backend="freedesktop",
            activity__idle="false",
            routines__walk__every="2s",
        ),
    )
    env |= {"DBUS_SESSION_BUS_ADDRESS": address}
    pids: list[int] = []
    servers: list[DoubleReplyingServer] = []
    try:
        pids.append(start_bus_at(path, tmp_path))
        servers.append(DoubleReplyingServer(address))
        with running_daemon(["--no-tray"], env, tmp_path) as daemon:
            wait_until(lambda: servers[0].notified, timeout=2 + SLACK, what="a reminder")
            stop_pid(pids.pop())
            servers.pop().close()
            path.unlink(missing_ok=True)
            pids.append(start_bus_at(path, tmp_path))
            servers.append(DoubleReplyingServer(address))
            daemon.wait_for_output("lost the connection to the session bus", timeout=WAIT)
            wait_until(lambda: len(servers[0].notified) >= 2, timeout=4 + SLACK,
                       what="two reminders on the new bus")  # fmt: skip
            doctor = run_cli(tmp_path, "doctor", env=env)
            assert daemon.stop() == 0
    finally:
        for server in servers:
            server.close()
        for pid in pids:
            stop_pid(pid)
        shutil.rmtree(socket_dir, ignore_errors=True)
    line = next(x for x in doctor.stdout.splitlines() if "notifications" in x)
    assert line.startswith("warn"), doctor.stdout
    assert "the running daemon: " in line and "lost the connection to the session bus (" in line
    assert "[postureping " not in daemon.output  # none went to the terminal
    assert "Traceback" not in daemon.output + doctor.stdout + doctor.stderr
