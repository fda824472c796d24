"""The unit of GetSessionIdleTime: the pure rules (postureping.idle.units), then a screen saver
that answers in seconds, as xfce4-screensaver does, on a real private session bus with the idle
time of a real X server (Xvfb, moved by xdotool).

xfce4-screensaver itself is not in Debian 12, and mate-screensaver and gnome-screensaver, which
are, offer no GetSessionIdleTime: so the server here is a small stand-in. Like
xfce4-screensaver it owns org.freedesktop.ScreenSaver and its own name (org.xfce.ScreenSaver,
unless told not to, to play an unknown server) and answers with the X server's idle time, in
whole seconds.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from postureping.idle.screensaver import ScreenSaverIdleMonitor
from postureping.idle.units import Unit, UnitMeter, unit_by_growth, unit_by_names
from tests.desktop import DesktopSession, pid_alive, stop_pid, wait_until
from tests.test_idle_desktop import need

ROOT = Path(__file__).resolve().parent.parent
WAIT = 10.0

# argv: the names to own. Answers GetSessionIdleTime with the X idle time in seconds.
SECONDS_SCREENSAVER = """\
import os, sys
from jeepney import HeaderFields, MessageType, message_bus
from jeepney.io.blocking import open_dbus_connection
from jeepney.wrappers import new_error, new_method_return
from Xlib.display import Display

display = Display(os.environ["DISPLAY"])
conn = open_dbus_connection(bus="SESSION")
for name in sys.argv[1:]:
    (result,) = conn.send_and_get_reply(message_bus.RequestName(name, 4)).body
    if result != 1:
        sys.exit(f"could not own {name}: {result}")
print("ready", flush=True)
while True:
    try:
        call = conn.receive()
    except (OSError, ValueError):
        sys.exit(0)
    if call.header.message_type is not MessageType.method_call:
        continue
    if call.header.fields.get(HeaderFields.member) != "GetSessionIdleTime":
        conn.send(new_error(call, "org.freedesktop.DBus.Error.UnknownMethod", "s", ("no",)))
        continue
    idle_ms = display.screen().root.screensaver_query_info().idle
    conn.send(new_method_return(call, "u", (idle_ms // 1000,)))
"""


# -- the rules ---------------------------------------------------------------------------------


def test_known_names_tell_the_family() -> None:
    assert unit_by_names(["org.xfce.ScreenSaver"]) is Unit.SECONDS
    assert unit_by_names(["org.mate.ScreenSaver"]) is Unit.SECONDS
    assert unit_by_names(["org.kde.screensaver"]) is Unit.MILLISECONDS
    assert unit_by_names(["org.example.Other"]) is None


@pytest.mark.parametrize(
    ("first", "second", "unit"),
    [
        ((0.0, 3), (30.0, 33), Unit.SECONDS),
        ((0.0, 1), (2.2, 3), Unit.SECONDS),  # whole seconds: 2.2 s may grow by 2 or 3
        ((0.0, 1), (2.2, 4), Unit.SECONDS),
        ((0.0, 3_000), (30.0, 33_004), Unit.MILLISECONDS),
        ((0.0, 3), (1.0, 4), None),  # too close together to tell
        ((0.0, 30), (30.0, 2), None),  # input in between
        ((0.0, 5_000), (30.0, 9_000), None),  # input in between: grew, but not with time
        ((0.0, 3), (30.0, 3), None),
    ],
)
def test_growth_tells_the_unit(
    first: tuple[float, int], second: tuple[float, int], unit: Unit | None
) -> None:
    assert unit_by_growth(first, second) is unit


def test_the_meter_keeps_what_it_found() -> None:
    meter = UnitMeter()
    assert meter.observe(0.0, 5) is None
    assert meter.observe(30.0, 35) is None  # one pair could be a coincidence (below)
    assert meter.observe(60.0, 65) is Unit.SECONDS  # two in a row are not
    assert meter.observe(61.0, 0) is Unit.SECONDS  # input: still seconds
    assert meter.observe(90.0, 59_000) is Unit.SECONDS


def test_a_millisecond_server_is_not_taken_for_seconds_by_a_coincidence() -> None:
    """KDE, in milliseconds, with someone at the keyboard: 400 ms of idle at one sample and
    700 ms five minutes later grow by 300 in 300 s, just as seconds would. Taken for seconds
    for good, every later answer was a thousand times too long (1.5 s read as 25 min): away,
    reminders held, breaks counted that never were."""
    meter = UnitMeter()
    assert meter.observe(0.0, 400) is None
    assert meter.observe(300.0, 700) is None
    assert meter.observe(540.0, 1500) is None  # the next sample does not agree
    assert meter.observe(570.0, 31_600) is Unit.MILLISECONDS  # 30 s away: 1000 a second
    assert meter.observe(600.0, 300) is Unit.MILLISECONDS


def test_milliseconds_show_in_one_pair() -> None:
    """A server in seconds cannot grow by a thousand a second, so one pair is proof."""
    meter = UnitMeter()
    assert meter.observe(0.0, 1_000) is None
    assert meter.observe(30.0, 31_000) is Unit.MILLISECONDS


# -- a server in seconds ------------------------------------------------------------------------


class Server:
    def __init__(self, desktop: DesktopSession, names: list[str], log: Path) -> None:
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", SECONDS_SCREENSAVER, *names], cwd=ROOT, env=desktop.env,
                stdin=subprocess.DEVNULL, stdout=out, stderr=out,
            )  # fmt: skip

        def ready() -> bool:
            assert self.proc.poll() is None, log.read_text()
            return "ready" in log.read_text()

        wait_until(ready, timeout=WAIT, what="the screen saver to own its names")

    def stop(self) -> None:
        if pid_alive(self.proc.pid):
            stop_pid(self.proc.pid)
        self.proc.wait(WAIT)


@pytest.fixture
def seconds_server(
    desktop: DesktopSession, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[DesktopSession]:
    need("xdotool", "xdotool")
    names: list[str] = request.param
    server = Server(desktop, names, tmp_path / "screensaver.log")
    try:
        yield desktop
    finally:
        server.stop()


def touch(desktop: DesktopSession) -> None:
    desktop.run("xdotool", "mousemove", "300", "300", "mousemove_relative", "1", "1")


@pytest.mark.desktop
@pytest.mark.parametrize(
    "seconds_server", [["org.freedesktop.ScreenSaver", "org.xfce.ScreenSaver"]], indirect=True
)
def test_an_xfce_screensaver_is_read_in_seconds(seconds_server: DesktopSession) -> None:
    monitor = ScreenSaverIdleMonitor(seconds_server.env)
    try:
        touch(seconds_server)
        time.sleep(2.2)
        idle = monitor.idle_time().total_seconds()
        assert 1.5 <= idle <= 4, idle  # not 2 ms
        assert monitor.unit is Unit.SECONDS
        touch(seconds_server)
        assert monitor.idle_time().total_seconds() <= 1
    finally:
        monitor.close()


@pytest.mark.desktop
@pytest.mark.parametrize("seconds_server", [["org.freedesktop.ScreenSaver"]], indirect=True)
def test_an_unknown_server_in_seconds_is_found_out_by_its_growth(
    seconds_server: DesktopSession,
) -> None:
    monitor = ScreenSaverIdleMonitor(seconds_server.env)
    try:
        touch(seconds_server)
        time.sleep(1.1)
        first = monitor.idle_time()
        assert monitor.unit is None and first.total_seconds() < 0.01  # 1 taken for 1 ms
        time.sleep(2.2)
        monitor.idle_time()  # one pair: not proof yet
        assert monitor.unit is None
        time.sleep(2.2)
        idle = monitor.idle_time().total_seconds()
        assert monitor.unit is Unit.SECONDS
        assert 4.5 <= idle <= 8, idle
    finally:
        monitor.close()
