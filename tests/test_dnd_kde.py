"""KDE Plasma: a fullscreen window holds reminders through the notification server's
`Inhibited` property, and its PropertiesChanged signal ends the hold at once.

Plasma cannot run here; tests/plasma_standin.py stands in for its notification server on a
real private dbus-daemon, with the property, the signal and the errors as Plasma's source
has them. The daemon test runs `postureping run` at the real schedule against it.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from jeepney import new_signal  # type: ignore[import-untyped]
from jeepney.io.blocking import open_dbus_connection  # type: ignore[import-untyped]
from jeepney.wrappers import DBusAddress  # type: ignore[import-untyped]

from postureping.daemon.sources import Sources
from postureping.dnd.registry import choose_hold_probes
from postureping.dnd.server_flag import ServerFlagProbe
from tests.cli_helpers import isolated_env
from tests.daemon_process import running_daemon
from tests.desktop import start_bus, stop_pid, strip_session_vars, wait_until
from tests.test_activity_e2e import WALK, activity, real_time

ROOT = Path(__file__).resolve().parent.parent
STANDIN = ROOT / "tests" / "plasma_standin.py"
WAIT = 10.0
PATH = "/org/freedesktop/Notifications"
REASON = "do not disturb is on (notifications are inhibited)"

# slow: the daemon against a Plasma stand-in in real time, about 22 s
pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="a Linux desktop part"),
    pytest.mark.slow,
]


class Plasma:
    """The stand-in on a bus of its own; `fullscreen(True)` is a fullscreen window focused."""

    def __init__(self, directory: Path, stack: ExitStack) -> None:
        env = strip_session_vars(os.environ)
        _, self.address = start_bus(directory, env, stack)
        self.env = env | {"DBUS_SESSION_BUS_ADDRESS": self.address}
        self._log = (directory / "plasma.log").open("w")
        stack.callback(self._log.close)
        self.proc = subprocess.Popen(
            [sys.executable, os.fspath(STANDIN)], cwd=ROOT, env=self.env, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
        )  # fmt: skip
        stack.callback(self.stop)
        assert self._line() == "ready"

    def fullscreen(self, on: bool) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"fullscreen {'on' if on else 'off'}\n")
        self.proc.stdin.flush()
        assert self._line() == "ok"

    def stop(self) -> None:
        if self.proc.poll() is None:
            stop_pid(self.proc.pid)
        self.proc.wait(WAIT)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                stream.close()

    def _line(self) -> str:
        assert self.proc.stdout is not None
        return self.proc.stdout.readline().strip()


@pytest.fixture
def plasma(desktop_programs: None, tmp_path: Path) -> Iterator[Plasma]:
    with ExitStack() as stack:
        yield Plasma(tmp_path, stack)


def forge_change(address: str) -> None:
    """Another peer on the bus sends Plasma's signal as if it were the server."""
    conn = open_dbus_connection(address)
    try:
        where = DBusAddress(PATH, interface="org.freedesktop.DBus.Properties")
        changes: tuple[str, dict[str, tuple[str, bool]], list[str]]
        changes = ("org.freedesktop.Notifications", {"Inhibited": ("b", False)}, [])
        signal = new_signal(where, "PropertiesChanged", "sa{sv}as", changes)
        conn.send(signal)
    finally:
        conn.close()


def test_plasma_tells_when_a_fullscreen_window_comes_and_goes(
    plasma: Plasma, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="postureping.dnd")
    probes, unavailable = choose_hold_probes(plasma.env, frozenset())
    changes: list[float] = []
    told = threading.Event()
    try:
        assert [p.name for p in probes] == ["notifications-inhibited"]
        assert dict(unavailable)["dunst"].startswith(
            "the notification server has no org.dunstproject.cmd0 paused property"
        )
        (probe,) = probes
        assert isinstance(probe, ServerFlagProbe)
        assert probe.hold_reason() is None

        def changed() -> None:
            changes.append(time.monotonic())
            told.set()

        probe.watch(changed)
        watch = probe._watch
        assert watch is not None
        wait_until(lambda: watch.watching, timeout=WAIT, what="the probe to follow changes")
        plasma.fullscreen(True)
        assert told.wait(WAIT)
        assert probe.hold_reason() == REASON
        told.clear()
        forge_change(plasma.address)  # the bus passes on only what the owner sends
        plasma.fullscreen(False)
        assert told.wait(WAIT)
        time.sleep(0.2)
        assert len(changes) == 2
        assert probe.hold_reason() is None
    finally:
        for probe in probes:
            probe.close()
    assert [t for t in threading.enumerate() if "notifications-inhibited" in t.name] == []
    assert caplog.records == []


def test_sources_poke_the_daemon_and_a_server_restart_counts(plasma: Plasma) -> None:
    pokes: list[int] = []
    probes, _ = choose_hold_probes(plasma.env, frozenset())
    sources = Sources(None, probes, logging.getLogger("test"))
    sources.on_change(lambda: pokes.append(1))
    try:
        (probe,) = probes
        assert isinstance(probe, ServerFlagProbe) and probe._watch is not None
        watch = probe._watch
        wait_until(lambda: watch.watching, timeout=WAIT, what="the probe to follow changes")
        plasma.fullscreen(True)
        wait_until(lambda: len(pokes) == 1, timeout=WAIT, what="a poke")
        assert sources.look() == (None, REASON)
        plasma.stop()  # the server goes: the hold it made is gone too
        wait_until(lambda: len(pokes) == 2, timeout=WAIT, what="a poke for the lost server")
        assert sources.look() == (None, None)
    finally:
        sources.close()


def test_a_reminder_waits_for_the_fullscreen_window_on_plasma(
    plasma: Plasma, tmp_path: Path
) -> None:
    """The real daemon at its real schedule: a walk every 8 s comes due while Plasma says a
    fullscreen window inhibits notifications; it is held, and shown once, at once, when the
    window leaves fullscreen (the signal, not the next 30 s look)."""
    settings = real_time(
        "walk",
        notifications__backend="console",
        activity__idle="false",
        routines__walk__every="8s",
    )
    env = isolated_env(tmp_path, settings) | {"DBUS_SESSION_BUS_ADDRESS": plasma.address}
    walk = f"reminder: {WALK}"
    plasma.fullscreen(True)
    with running_daemon(["--no-tray"], env, tmp_path) as daemon:
        daemon.wait_for_output("reminders wait for: notifications-inhibited", timeout=20)
        held = f"held the 'walk' reminder: {REASON}"
        daemon.wait_for_output(held, timeout=8 + 5)
        assert activity(tmp_path, env)["holding"] == REASON
        time.sleep(9)  # another walk interval: still held, still one
        assert walk not in daemon.output
        plasma.fullscreen(False)
        ended = time.monotonic()
        daemon.wait_for_output(walk, timeout=30)
        assert time.monotonic() - ended < 5  # told, not found at a later look
        time.sleep(4)  # half an interval: the held reminder came once
        assert daemon.output.count(walk) == 1
        assert daemon.output.count(held) == 1
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.output
