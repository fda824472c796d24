"""Idle monitors against real parts: Xvfb's MIT-SCREEN-SAVER extension moved by xdotool, and
fake GNOME and freedesktop services on a private session bus, which the tests start, change
and stop.

A fake service (FAKE_SERVICE) owns a bus name and answers one method from a value file that it
reads at every call, so a test sets what the "desktop" says: a number of milliseconds, `hang`
(no answer), `slow MS VALUE` (answer late), or `error NAME TEXT` (an error reply).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from Xlib.display import Display

from postureping.idle.base import IdleUnavailable
from postureping.idle.gnome import GnomeIdleMonitor
from postureping.idle.registry import choose_idle_monitor
from postureping.idle.screensaver import ScreenSaverIdleMonitor
from postureping.idle.x11 import X11IdleMonitor
from tests.desktop import DesktopSession, pid_alive, stop_pid, wait_until

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Linux desktops")

ROOT = Path(__file__).resolve().parent.parent
WAIT = 10.0  # seconds: an upper bound for what normally takes milliseconds
MS = timedelta(milliseconds=1)

GNOME = ("org.gnome.Mutter.IdleMonitor", "org.gnome.Mutter.IdleMonitor", "GetIdletime", "t")
GNOME_PATHS = ("/org/gnome/Mutter/IdleMonitor/Core",)
SCREENSAVER = ("org.freedesktop.ScreenSaver", "org.freedesktop.ScreenSaver",
               "GetSessionIdleTime", "u")  # fmt: skip
NOT_SUPPORTED = "error org.freedesktop.DBus.Error.NotSupported This method is not supported"

# argv: bus name, interface, method, signature, value file, object path...
FAKE_SERVICE = """\
import sys, time
from pathlib import Path
from jeepney import HeaderFields, MessageType, message_bus
from jeepney.io.blocking import open_dbus_connection
from jeepney.wrappers import new_error, new_method_return

name, interface, method, signature, value_file, *paths = sys.argv[1:]
conn = open_dbus_connection(bus="SESSION")
(result,) = conn.send_and_get_reply(message_bus.RequestName(name, 4)).body  # do not queue
if result != 1:
    sys.exit(f"could not own {name}: {result}")
print("ready", flush=True)
while True:
    try:
        call = conn.receive()
    except (OSError, ValueError):
        sys.exit(0)  # the bus went away
    if call.header.message_type is not MessageType.method_call:
        continue
    fields = call.header.fields
    if fields.get(HeaderFields.path) not in paths:
        conn.send(new_error(call, "org.freedesktop.DBus.Error.UnknownObject", "s", ("no",)))
        continue
    if (fields.get(HeaderFields.interface), fields.get(HeaderFields.member)) != (interface, method):
        conn.send(new_error(call, "org.freedesktop.DBus.Error.UnknownMethod", "s", ("no",)))
        continue
    value = Path(value_file).read_text().split(" ", 2)
    if value[0] == "hang":
        continue
    if value[0] == "error":
        conn.send(new_error(call, value[1], "s", (value[2],)))
        continue
    if value[0] == "slow":
        time.sleep(int(value[1]) / 1000)
        value = value[2:]
    conn.send(new_method_return(call, signature, (int(value[0]),)))
"""

# A session bus at a fixed socket path, so that a test can stop it and start another in its
# place. No <servicedir>, as in tests/desktop.py. Without RECEIVE in its policy, the bus lets
# clients in but drops every message to them, the answer to Hello included.
_BUS_CONFIG = """\
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={path}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*"/>
    <allow own="*"/>
    {receive}
  </policy>
</busconfig>
"""
RECEIVE = '<allow receive_sender="*"/>'


def need(program: str, package: str) -> None:
    """Skip without `program`; in CI, fail instead (as tests/conftest.py does)."""
    if shutil.which(program):
        return
    reason = f"needs {program} (apt package {package})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI is expected to install it (.ci/run)", pytrace=False)
    pytest.skip(reason)


class FakeService:
    """A child process that owns a bus name and answers from `value` (see the module's doc)."""

    def __init__(
        self, env: dict[str, str], directory: Path, spec: tuple[str, ...], paths: tuple[str, ...]
    ) -> None:
        self.env, self.spec, self.paths = env, spec, paths
        self.value = directory / f"{spec[0]}.value"
        self.log = directory / f"{spec[0]}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def set(self, value: str | int) -> None:
        self.value.write_text(str(value))

    def start(self) -> FakeService:
        if not self.value.exists():
            self.set(0)
        with self.log.open("wb") as log:
            args = [sys.executable, "-c", FAKE_SERVICE, *self.spec, str(self.value), *self.paths]
            self.proc = subprocess.Popen(args, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log)  # fmt: skip
        proc = self.proc

        def ready() -> bool:
            assert proc.poll() is None, self.log.read_text()
            return "ready" in self.log.read_text()

        wait_until(ready, timeout=WAIT, what=f"the fake {self.spec[0]} to own its name")
        return self

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            if pid_alive(proc.pid):
                stop_pid(proc.pid)
            proc.wait(WAIT)


@pytest.fixture
def fakes() -> Iterator[list[FakeService]]:
    """Collects the fake services a test makes, and stops every one of them after it."""
    made: list[FakeService] = []
    try:
        yield made
    finally:
        for fake in made:
            fake.stop()


@pytest.fixture
def make_fake(
    desktop_module: DesktopSession, tmp_path: Path, fakes: list[FakeService]
) -> Callable[..., FakeService]:
    def make(
        spec: tuple[str, ...], paths: tuple[str, ...], env: dict[str, str] | None = None
    ) -> FakeService:
        fake = FakeService(env or desktop_module.env, tmp_path, spec, paths)
        fakes.append(fake)
        return fake

    return make


def idle_ms(monitor: X11IdleMonitor | GnomeIdleMonitor | ScreenSaverIdleMonitor) -> float:
    return monitor.idle_time() / MS


# ---------------------------------------------------------------------------------------------
# X11: Xvfb and xdotool


def test_xvfb_has_the_screen_saver_extension(desktop_module: DesktopSession) -> None:
    display = Display(desktop_module.display)
    try:
        assert display.has_extension("MIT-SCREEN-SAVER")
        assert display.query_extension("XWAYLAND") is None
    finally:
        display.close()


def test_input_resets_the_x11_idle_time(desktop_module: DesktopSession) -> None:
    need("xdotool", "xdotool")
    monitor = X11IdleMonitor(desktop_module.env)
    try:
        for action in (["mousemove", "100", "100"], ["mousemove", "200", "200"], ["key", "shift"]):
            # Left alone, the idle time grows...
            wait_until(lambda: idle_ms(monitor) >= 600, timeout=WAIT, what="600 ms of idleness")
            earlier = idle_ms(monitor)
            assert idle_ms(monitor) >= earlier
            # ...and any input starts it again from zero.
            desktop_module.run("xdotool", *action)
            wait_until(lambda: idle_ms(monitor) < 300, timeout=2.0, what=f"{action} to count")
    finally:
        monitor.close()


def test_a_lost_x_server_is_reported(desktop: DesktopSession) -> None:
    monitor = X11IdleMonitor(desktop.env)
    try:
        assert monitor.idle_time() >= timedelta(0)
        stop_pid(desktop.pids["Xvfb"])
        for _ in range(2):  # the broken connection, then no X server to reconnect to
            try:
                monitor.idle_time()
            except IdleUnavailable as error:
                assert str(error).startswith(f"X display {desktop.display}: ")
            else:
                # Another X server (another test run's) took the display number at once, and
                # the monitor reconnected to it, as it should.
                assert Path(f"/tmp/.X11-unix/X{desktop.display[1:]}").exists()
    finally:
        monitor.close()


# ---------------------------------------------------------------------------------------------
# The registry's choice, with fake desktop services on the bus


def test_x11_is_chosen_when_no_service_answers(desktop_module: DesktopSession) -> None:
    monitor, failed = choose_idle_monitor(desktop_module.env)
    assert monitor is not None
    try:
        assert monitor.name == "x11"
        assert failed == [
            ("gnome", "org.gnome.Mutter.IdleMonitor is not on the session bus"),
            ("wayland", "WAYLAND_DISPLAY is not set"),
            ("screensaver", "org.freedesktop.ScreenSaver is not on the session bus"),
        ]
    finally:
        monitor.close()


def test_gnome_is_chosen_and_its_value_flows_through(
    desktop_module: DesktopSession, make_fake: Callable[..., FakeService]
) -> None:
    gnome = make_fake(GNOME, GNOME_PATHS)
    gnome.set(12_345)
    gnome.start()
    make_fake(SCREENSAVER, ("/org/freedesktop/ScreenSaver",)).start()  # second choice only
    monitor, failed = choose_idle_monitor(desktop_module.env)
    assert monitor is not None
    try:
        assert (monitor.name, failed) == ("gnome", [])
        assert monitor.idle_time() == timedelta(milliseconds=12_345)
        gnome.set(2**40)  # a `t`: 64 bits, some 35 years
        assert monitor.idle_time() == timedelta(milliseconds=2**40)
    finally:
        monitor.close()


def test_gnome_going_away_and_coming_back(
    desktop_module: DesktopSession, make_fake: Callable[..., FakeService]
) -> None:
    gnome = make_fake(GNOME, GNOME_PATHS)
    gnome.set(500)
    monitor = GnomeIdleMonitor(desktop_module.env)
    try:
        gnome.start()
        assert monitor.idle_time() == 500 * MS
        gnome.stop()
        with pytest.raises(IdleUnavailable, match=r"^org.gnome.Mutter.IdleMonitor is not on"):
            monitor.idle_time()
        gnome.set(700)
        gnome.start()
        assert monitor.idle_time() == 700 * MS
    finally:
        monitor.close()


def test_a_hung_service_costs_one_timeout(
    desktop_module: DesktopSession, make_fake: Callable[..., FakeService]
) -> None:
    gnome = make_fake(GNOME, GNOME_PATHS)
    gnome.set("hang")
    gnome.start()
    start = time.monotonic()
    monitor, failed = choose_idle_monitor(desktop_module.env)
    elapsed = time.monotonic() - start
    assert monitor is not None
    monitor.close()
    assert monitor.name == "x11"
    assert failed[0] == ("gnome", "org.gnome.Mutter.IdleMonitor did not answer within 1 s")
    assert 1.0 <= elapsed < 2.0


def test_a_late_answer_is_not_taken_for_the_next_one(
    desktop_module: DesktopSession, make_fake: Callable[..., FakeService]
) -> None:
    gnome = make_fake(GNOME, GNOME_PATHS)
    gnome.set("slow 700 111")
    gnome.start()
    monitor = GnomeIdleMonitor(desktop_module.env, timeout=0.5)
    try:
        with pytest.raises(IdleUnavailable, match=r"did not answer within 0.5 s$"):
            monitor.idle_time()
        gnome.set(222)  # read by the fake once it has sent 111, too late
        assert monitor.idle_time() == 222 * MS
    finally:
        monitor.close()


@pytest.mark.parametrize("path", ["/org/freedesktop/ScreenSaver", "/ScreenSaver"])
def test_the_screensaver_is_chosen_without_gnome(
    desktop_module: DesktopSession, make_fake: Callable[..., FakeService], path: str
) -> None:
    screensaver = make_fake(SCREENSAVER, (path,))
    screensaver.set(4_321)
    screensaver.start()
    monitor, failed = choose_idle_monitor(desktop_module.env)
    assert monitor is not None
    try:
        assert monitor.name == "screensaver"
        assert failed == [
            ("gnome", "org.gnome.Mutter.IdleMonitor is not on the session bus"),
            ("wayland", "WAYLAND_DISPLAY is not set"),
        ]
        assert monitor.idle_time() == 4_321 * MS
        screensaver.set(2**32 - 1)  # a `u`: 32 bits
        assert monitor.idle_time() == (2**32 - 1) * MS
    finally:
        monitor.close()


def test_gnomes_unsupported_screensaver_falls_through_to_x11(
    desktop_module: DesktopSession, make_fake: Callable[..., FakeService]
) -> None:
    # GNOME serves org.freedesktop.ScreenSaver for inhibition, but not its idle time.
    screensaver = make_fake(SCREENSAVER, ("/org/freedesktop/ScreenSaver", "/ScreenSaver"))
    screensaver.set(NOT_SUPPORTED)
    screensaver.start()
    monitor, failed = choose_idle_monitor(desktop_module.env)
    assert monitor is not None
    monitor.close()
    assert monitor.name == "x11"
    assert failed[2] == (
        "screensaver",
        "org.freedesktop.ScreenSaver answered org.freedesktop.DBus.Error.NotSupported: "
        "This method is not supported",
    )


# ---------------------------------------------------------------------------------------------
# A session bus that restarts


class Bus:
    """A dbus-daemon listening at `socket`, restartable in the same place."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.socket = directory / "bus"
        self.address = "unix:path=" + quote(os.fspath(self.socket), safe="/")
        self.log = directory / "dbus-daemon.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, *, deaf: bool = False) -> None:
        """Start the daemon; a `deaf` one delivers nothing to its clients."""
        config = self.directory / "bus.conf"
        path = quote(os.fspath(self.socket), safe="/")
        config.write_text(_BUS_CONFIG.format(path=path, receive="" if deaf else RECEIVE))
        args = ["dbus-daemon", f"--config-file={config}", "--nofork", "--nopidfile"]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        proc = self.proc

        def listening() -> bool:
            assert proc.poll() is None, self.log.read_text()
            return self.socket.exists()

        wait_until(listening, timeout=WAIT, what="dbus-daemon to listen")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            if pid_alive(proc.pid):
                stop_pid(proc.pid)
            proc.wait(WAIT)


@pytest.fixture
def bus() -> Iterator[Bus]:
    need("dbus-daemon", "dbus-daemon")
    # Not under tmp_path: a socket path must fit in 108 bytes.
    directory = Path(tempfile.mkdtemp(prefix="pp-idle-"))
    made = Bus(directory)
    try:
        yield made
    finally:
        made.stop()
        shutil.rmtree(directory, ignore_errors=True)


def test_a_restarted_bus_is_reconnected_once(
    desktop_module: DesktopSession, make_fake: Callable[..., FakeService], bus: Bus
) -> None:
    env = desktop_module.env | {"DBUS_SESSION_BUS_ADDRESS": bus.address}
    monitor = GnomeIdleMonitor(env)
    try:
        bus.start()
        gnome = make_fake(GNOME, GNOME_PATHS, env)
        gnome.set(100)
        gnome.start()
        assert monitor.idle_time() == 100 * MS
        gnome.stop()
        bus.stop()
        with pytest.raises(IdleUnavailable, match=r"^cannot use the session bus \("):
            monitor.idle_time()
        bus.start()
        gnome.set(200)
        gnome.start()
        assert monitor.idle_time() == 200 * MS
        # And the same once more, this time without a failed call in between: the old
        # connection is broken, and the call makes a new one by itself.
        gnome.stop()
        bus.stop()
        bus.start()
        gnome.set(300)
        gnome.start()
        assert monitor.idle_time() == 300 * MS
    finally:
        monitor.close()


def test_a_bus_that_never_answers_hello_costs_one_timeout(bus: Bus) -> None:
    bus.start(deaf=True)
    monitor = GnomeIdleMonitor({"DBUS_SESSION_BUS_ADDRESS": bus.address}, timeout=0.5)
    try:
        start = time.monotonic()
        with pytest.raises(IdleUnavailable, match=r"did not answer Hello within 0.5 s\)$"):
            monitor.idle_time()
        assert time.monotonic() - start < 1.0
    finally:
        monitor.close()
