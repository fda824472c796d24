"""logind's PrepareForSleep, on a private bus standing in for the system bus.

A child process owns org.freedesktop.login1 there and emits PrepareForSleep(true) and (false)
when told; a forger on the same bus emits the same signal with `gdbus emit`.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from postureping.daemon.lock_signal import LockSignals
from postureping.daemon.sleep_signal import SleepSignals
from tests.desktop import start_bus, stop_pid, wait_until

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="logind")

WAIT = 10.0
FAKE_LOGIND = """\
import sys, threading
from gi.repository import Gio, GLib
loop = GLib.MainLoop()
bus = Gio.bus_get_sync(Gio.BusType.SYSTEM, None)
def owned(*_):
    print("owned", flush=True)
Gio.bus_own_name_on_connection(bus, "org.freedesktop.login1", Gio.BusNameOwnerFlags.NONE,
                               owned, lambda *_: loop.quit())
def commands():
    for line in sys.stdin:
        going = line.strip() == "sleep"
        GLib.idle_add(lambda going=going: bus.emit_signal(
            None, "/org/freedesktop/login1", "org.freedesktop.login1.Manager",
            "PrepareForSleep", GLib.Variant("(b)", (going,))) and False)
    GLib.idle_add(loop.quit)
threading.Thread(target=commands, daemon=True).start()
loop.run()
"""


class Wakes:
    def __init__(self) -> None:
        self.count = 0
        self.event = threading.Event()

    def __call__(self) -> None:
        self.count += 1
        self.event.set()


@pytest.fixture
def system_bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    if shutil.which("dbus-daemon") is None:
        pytest.skip("dbus-daemon is not installed")
    with ExitStack() as stack:
        _, address = start_bus(tmp_path, {}, stack)
        monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", address)
        yield {"DBUS_SYSTEM_BUS_ADDRESS": address, "PATH": "/usr/bin:/bin"}


@pytest.fixture
def logind(system_bus: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    pytest.importorskip("gi")
    proc = subprocess.Popen(
        [sys.executable, "-c", FAKE_LOGIND],
        env=system_bus, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "owned\n"
        yield proc
    finally:
        stop_pid(proc.pid)
        proc.wait(WAIT)


def tell(proc: subprocess.Popen[str], command: str) -> None:
    assert proc.stdin is not None
    proc.stdin.write(command + "\n")
    proc.stdin.flush()


def test_a_resume_wakes_and_a_forgery_does_not(
    logind: subprocess.Popen[str], system_bus: dict[str, str]
) -> None:
    wakes = Wakes()
    signals = SleepSignals(wakes)
    assert signals.start(), signals.problem
    try:
        tell(logind, "sleep")  # going to sleep: nothing to do yet
        tell(logind, "wake")
        assert wakes.event.wait(WAIT)
        forge = ["gdbus", "emit", "--address", system_bus["DBUS_SYSTEM_BUS_ADDRESS"],
                 "--object-path", "/org/freedesktop/login1",
                 "--signal", "org.freedesktop.login1.Manager.PrepareForSleep", "false"]  # fmt: skip
        subprocess.run(forge, env=system_bus, check=True, timeout=WAIT)
        tell(logind, "wake")  # a real one after the forged one
        wait_until(lambda: wakes.count >= 2 or None, timeout=WAIT, what="the second wake")
        time.sleep(0.5)  # had the forgery counted, a third wake would be here by now
        assert wakes.count == 2
    finally:
        signals.close()


def test_without_logind_it_says_why(system_bus: dict[str, str]) -> None:
    signals = SleepSignals(Wakes())
    assert not signals.start()
    assert signals.problem.startswith("no logind on the system bus (")


def test_without_a_system_bus_it_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={tmp_path}/none")
    signals = SleepSignals(Wakes())
    assert not signals.start()
    assert signals.problem.startswith("no system bus (")


def test_on_windows_neither_signal_is_tried(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows has no D-Bus, and its Python no AF_UNIX, which jeepney's sockets need: asking
    anyway raised AttributeError, a traceback at every start of the daemon there."""
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.delattr(socket, "AF_UNIX")  # as on Windows
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent")
    sleep = SleepSignals(lambda: None)
    assert sleep.start() is False
    assert sleep.problem == "no logind on Windows"
    locks = LockSignals(lambda _locked: None, {})
    assert locks.start() is False
    assert locks.problems == ["no D-Bus on Windows"]
