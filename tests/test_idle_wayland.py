"""The Wayland idle monitor against a stand-in compositor (tests/wayland_compositor.py), a real
Wayland server on a real Unix socket that offers ext_idle_notifier_v1 at version 1 or 2 and
org_kde_kwin_idle; tests/test_idle_sway.py runs it against a real sway.

The monitor's clock is a fake the test moves, and the compositor's time is the test's too, so
idleness is exact and nothing waits for time to pass. The last tests run the real daemon and
`doctor` on the stand-in, which goes wrong and goes away under them.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from postureping.idle.base import IdleUnavailable
from postureping.idle.registry import choose_idle_monitor, describe
from postureping.idle.wayland import NOTICE, WaylandIdleMonitor
from tests.cli_helpers import isolated_env, run_cli
from tests.daemon_process import running_daemon
from tests.desktop import wait_until
from tests.test_activity_e2e import real_time
from tests.wayland_compositor import IMPLEMENTATION, StandInCompositor, stand_in_compositor

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Wayland runs on Linux")

WAIT = 10.0  # seconds: an upper bound for what takes milliseconds
V2 = {"ext_idle_notifier_v1": 2}
V1 = {"ext_idle_notifier_v1": 1}
KDE = {"org_kde_kwin_idle": 1}
DISPLAY = "wayland-7"


class Clock:
    """The monitor's monotonic clock, moved by the test."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def runtime() -> Iterator[Path]:
    """A short XDG_RUNTIME_DIR: a socket's path must fit in 108 bytes."""
    folder = Path(tempfile.mkdtemp(prefix="pp-wl-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def session(runtime: Path) -> dict[str, str]:
    return {"WAYLAND_DISPLAY": DISPLAY, "XDG_RUNTIME_DIR": os.fspath(runtime),
            "XDG_SESSION_TYPE": "wayland"}  # fmt: skip


def compositor(runtime: Path, offer: dict[str, int]) -> StandInCompositor:
    return StandInCompositor(runtime / DISPLAY, offer)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def monitors() -> Iterator[list[WaylandIdleMonitor]]:
    """Monitors a test made, closed after it."""
    made: list[WaylandIdleMonitor] = []
    try:
        yield made
    finally:
        for monitor in made:
            monitor.close()


def monitor_for(
    environ: dict[str, str], made: list[WaylandIdleMonitor], clock: Clock | None = None,
    timeout: float = 2.0,
) -> WaylandIdleMonitor:  # fmt: skip
    monitor = WaylandIdleMonitor(environ, timeout=timeout, clock=clock or Clock())
    made.append(monitor)
    return monitor


def idle_becomes(monitor: WaylandIdleMonitor, expected: timedelta) -> None:
    """The reader thread takes events as they come: wait for the one the test caused."""
    wait_until(lambda: monitor.idle_time() == expected, timeout=WAIT, what=f"idle {expected}")


@pytest.mark.parametrize(
    ("offer", "asked", "detail"),
    [
        (V2, "get_input_idle_notification", "ext-idle-notify v2, input only"),
        (V1, "get_idle_notification", "ext-idle-notify v1"),
        (KDE, "get_idle_timeout", "org_kde_kwin_idle"),
        ({**KDE, "ext_idle_notifier_v1": 3}, "get_input_idle_notification",
         "ext-idle-notify v2, input only"),  # a later version, bound at the one we know
    ],
)  # fmt: skip
def test_idleness_comes_from_the_notifications_edges(
    runtime: Path, clock: Clock, monitors: list[WaylandIdleMonitor],
    offer: dict[str, int], asked: str, detail: str,
) -> None:  # fmt: skip
    server = compositor(runtime, offer)
    try:
        monitor = monitor_for(session(runtime), monitors, clock)
        assert monitor.idle_time() == timedelta(0)  # connected: nothing idle yet
        assert describe(monitor) == f"wayland ({detail})"
        assert server.requests() == [(asked, NOTICE // timedelta(milliseconds=1))]
        (client,) = server.live_clients()
        notifier = "org_kde_kwin_idle" if asked == "get_idle_timeout" else "ext_idle_notifier_v1"
        assert [interface for interface, _ in client.bound] == ["wl_seat", notifier]
        server.elapse(3)
        assert monitor.idle_time() == timedelta(0)  # less than NOTICE: nothing said yet
        server.elapse(3)  # idled: the last input was NOTICE before this moment
        idle_becomes(monitor, NOTICE)
        clock.now += 40
        assert monitor.idle_time() == NOTICE + timedelta(seconds=40)
        server.touch()  # resumed
        idle_becomes(monitor, timedelta(0))
        clock.now += 4  # input within NOTICE counts as none
        assert monitor.idle_time() == timedelta(0)
        server.elapse(5)  # a new streak, which began at the last input
        idle_becomes(monitor, NOTICE)
        assert server.errors == []
    finally:
        server.stop()


@pytest.mark.parametrize(("offer", "seen"), [(V2, True), (V1, False), (KDE, False)])
def test_only_version_2_sees_an_absence_while_a_video_plays(
    runtime: Path, monitors: list[WaylandIdleMonitor], offer: dict[str, int], seen: bool
) -> None:
    """A video player's idle inhibitor holds the plain notifications, not the input one."""
    with stand_in_compositor(runtime / DISPLAY, offer) as server:
        monitor = monitor_for(session(runtime), monitors)
        monitor.idle_time()
        server.inhibit(True)
        server.elapse(60)
        assert [n.idle for n in server.notifications] == [seen]
        if seen:
            idle_becomes(monitor, NOTICE)
        else:
            assert monitor.idle_time() == timedelta(0)


def test_ids_are_used_again_only_after_the_compositor_let_them_go(
    runtime: Path, monitors: list[WaylandIdleMonitor]
) -> None:
    # The stand-in refuses a new id that is neither the next nor a released one.
    with stand_in_compositor(runtime / DISPLAY, V2) as server:
        monitor_for(session(runtime), monitors).idle_time()
        (client,) = server.live_clients()
        # registry 2, callback 3 (released), 3 again for the seat, notifier 4, notification
        # 5, the second round trip's callback 6.
        assert client.new_ids == [2, 3, 3, 4, 5, 6]
        assert server.errors == []


@pytest.mark.parametrize(
    ("offer", "reason"),
    [
        ({}, "the compositor offers neither ext_idle_notifier_v1 nor org_kde_kwin_idle"),
        ({**V2, "wl_seat": 0}, "the compositor offers no seat (wl_seat)"),
    ],
)
def test_a_compositor_without_the_protocols_is_a_reason(
    runtime: Path, monitors: list[WaylandIdleMonitor], offer: dict[str, int], reason: str
) -> None:
    with stand_in_compositor(runtime / DISPLAY, offer):
        with pytest.raises(IdleUnavailable, match=f"^{re.escape(reason)}$"):
            monitor_for(session(runtime), monitors).idle_time()
        monitor, failed = choose_idle_monitor(session(runtime))
        assert monitor is None
        assert ("wayland", reason) in failed


def test_a_refused_request_is_the_compositors_own_words(
    runtime: Path, monitors: list[WaylandIdleMonitor]
) -> None:
    with stand_in_compositor(runtime / DISPLAY, V2) as server:
        server.refuse = (IMPLEMENTATION, "no idle notifications for you")
        monitor = monitor_for(session(runtime), monitors)
        with pytest.raises(IdleUnavailable) as raised:
            monitor.idle_time()
        assert str(raised.value) == (
            "the compositor refused a request to ext_idle_notifier_v1 (4), "
            "error 3: no idle notifications for you"
        )
        server.refuse = None  # it changed its mind: the next call connects afresh
        assert monitor.idle_time() == timedelta(0)


def test_a_protocol_error_later_is_reported_once_then_it_reconnects(
    runtime: Path, monitors: list[WaylandIdleMonitor]
) -> None:
    with stand_in_compositor(runtime / DISPLAY, KDE) as server:
        monitor = monitor_for(session(runtime), monitors)
        monitor.idle_time()
        server.protocol_error(IMPLEMENTATION, "timer broke")
        error = (
            "the compositor refused a request to org_kde_kwin_idle_timeout (5), "
            "error 3: timer broke"
        )

        def reports() -> bool:
            try:
                monitor.idle_time()
            except IdleUnavailable as raised:
                assert str(raised) == error
                return True
            return False

        wait_until(reports, timeout=WAIT, what="the protocol error")
        assert monitor.idle_time() == timedelta(0)  # connected afresh
        assert len(server.live_clients()) == 1


@pytest.mark.parametrize(
    ("garbage", "reason"),
    [
        (b"\x07\0\0\0\x04\0\0\0", "a message of 0 bytes, for object 7"),
        (b"\x01\0\0\0\x00\0\x0e\0", "a message of 14 bytes, for object 1"),
        # wl_display.error whose string runs past the message's end
        (b"\x01\0\0\0\x00\0\x18\0\x05\0\0\0\x03\0\0\0\xff\0\0\0\0\0\0\0",
         "the message 0 to object 1 has an argument of 255 bytes in 16"),
        # delete_id with a word too many; idled with an argument
        (b"\x01\0\0\0\x01\0\x10\0\x03\0\0\0\x03\0\0\0", "has 4 bytes too many"),
        (b"\x05\0\0\0\x00\0\x0c\0\x01\0\0\0", "has 4 bytes too many"),
    ],
)  # fmt: skip
def test_nonsense_from_the_compositor_is_a_reason_not_a_crash(
    runtime: Path, monitors: list[WaylandIdleMonitor], garbage: bytes, reason: str
) -> None:
    with stand_in_compositor(runtime / DISPLAY, V2) as server:
        monitor = monitor_for(session(runtime), monitors)
        monitor.idle_time()
        server.send_raw(garbage)

        def failed() -> str | None:
            try:
                monitor.idle_time()
            except IdleUnavailable as raised:
                return str(raised)
            return None

        said = wait_until(failed, timeout=WAIT, what="the monitor to give up")
        assert said.startswith("the compositor sent a message that makes no sense: ")
        assert reason in said


def test_a_compositor_that_goes_away_and_comes_back(
    runtime: Path, monitors: list[WaylandIdleMonitor]
) -> None:
    server = compositor(runtime, V2)
    monitor = monitor_for(session(runtime), monitors)
    try:
        monitor.idle_time()
        server.stop()

        def said() -> str | None:
            try:
                monitor.idle_time()
            except IdleUnavailable as raised:
                return str(raised)
            return None

        assert wait_until(said, timeout=WAIT, what="the hang-up") == (
            "the compositor closed the connection"
        )
        with pytest.raises(IdleUnavailable, match=r"^cannot connect to .*wayland-7 \(No such"):
            monitor.idle_time()
        server = compositor(runtime, V2)
        assert monitor.idle_time() == timedelta(0)
    finally:
        server.stop()


def test_a_compositor_that_never_answers_costs_one_timeout(
    runtime: Path, monitors: list[WaylandIdleMonitor]
) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as hung:
        hung.bind(os.fspath(runtime / DISPLAY))
        hung.listen(1)  # accepts (the kernel does) and never reads
        monitor = monitor_for(session(runtime), monitors, timeout=0.3)
        with pytest.raises(IdleUnavailable, match=r"^the compositor did not answer within 0.3 s$"):
            monitor.idle_time()


def test_close_ends_the_reader_and_the_connection(
    runtime: Path, monitors: list[WaylandIdleMonitor]
) -> None:
    with stand_in_compositor(runtime / DISPLAY, V2) as server:
        monitor = monitor_for(session(runtime), monitors)
        monitor.idle_time()
        assert "wayland-idle" in [t.name for t in threading.enumerate()]
        monitor.close()
        monitor.close()
        assert "wayland-idle" not in [t.name for t in threading.enumerate()]
        wait_until(lambda: not server.live_clients(), timeout=WAIT, what="the hang-up")
        with pytest.raises(IdleUnavailable, match=r"^the idle monitor is closed$"):
            monitor.idle_time()


@pytest.mark.parametrize(
    ("environ", "reason"),
    [
        ({}, "WAYLAND_DISPLAY is not set"),
        ({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "x11"},
         "X11 session (XDG_SESSION_TYPE=x11)"),
        ({"WAYLAND_DISPLAY": "wayland-0"},
         "XDG_RUNTIME_DIR is not set, so WAYLAND_DISPLAY leads nowhere"),
    ],
)  # fmt: skip
def test_the_environment_says_where_or_whether(environ: dict[str, str], reason: str) -> None:
    monitor, failed = choose_idle_monitor(environ)
    assert monitor is None
    assert ("wayland", reason) in failed


def test_an_absolute_wayland_display_and_a_handed_over_socket(
    runtime: Path, monitors: list[WaylandIdleMonitor]
) -> None:
    with stand_in_compositor(runtime / DISPLAY, KDE) as server:
        absolute = {"WAYLAND_DISPLAY": os.fspath(runtime / DISPLAY)}
        assert monitor_for(absolute, monitors).idle_time() == timedelta(0)

        ours, theirs = socket.socketpair()
        server.adopt(theirs)
        handed = {"WAYLAND_SOCKET": str(ours.detach())}
        assert monitor_for(handed, monitors).idle_time() == timedelta(0)
        assert len(server.live_clients()) == 2
        # Taken once, as libwayland does: the same number again is no connection.
        with pytest.raises(IdleUnavailable, match=r"^WAYLAND_SOCKET was taken already"):
            monitor_for(handed, monitors).idle_time()


def test_auto_picks_it_on_a_wayland_session_and_doctor_says_so(
    runtime: Path, tmp_path: Path
) -> None:
    with stand_in_compositor(runtime / DISPLAY, V2):
        # No session bus here, so GNOME's monitor is not asked.
        environ = session(runtime)
        monitor, failed = choose_idle_monitor(environ)
        assert monitor is not None and monitor.name == "wayland"
        monitor.close()
        assert failed == [("gnome", "DBUS_SESSION_BUS_ADDRESS is not set")]
        doctor = run_cli(tmp_path, "doctor", "--json", env=doctor_env(runtime))
        (check,) = [c for c in json.loads(doctor.stdout) if c["name"] == "idle time"]
        assert check["level"] == "ok"
        assert check["detail"].startswith("wayland (ext-idle-notify v2, input only) (not: gnome")


def doctor_env(runtime: Path) -> dict[str, str]:
    """`doctor` on the stand-in's session; `run_cli` moves XDG_RUNTIME_DIR, so the display is
    given as a path."""
    return {"WAYLAND_DISPLAY": os.fspath(runtime / DISPLAY), "XDG_SESSION_TYPE": "wayland",
            "DBUS_SESSION_BUS_ADDRESS": "", "DISPLAY": ""}  # fmt: skip


def test_the_daemon_lives_through_a_protocol_error_and_a_compositor_that_goes_away(
    runtime: Path, tmp_path: Path
) -> None:
    """The real daemon on the stand-in: each failure is one line in its log, `status` still
    answers, `doctor` says what is wrong, and the idle time comes back with the compositor."""
    # A walk due every second: the daemon looks at the desktop each time one is due.
    settings = real_time("walk", notifications__backend="console", routines__walk__every="1s")
    env = isolated_env(tmp_path, {**doctor_env(runtime), **settings})
    server = compositor(runtime, V2)
    try:
        with running_daemon(["--no-tray"], env, tmp_path) as daemon:
            daemon.wait_for_output("idle time from: wayland (ext-idle-notify v2, input only)", WAIT)
            server.protocol_error(IMPLEMENTATION, "idle timer broke")
            daemon.wait_for_output(
                "idle time unavailable (wayland): the compositor refused a request to "
                "ext_idle_notification_v1 (5), error 3: idle timer broke", WAIT,
            )  # fmt: skip
            daemon.wait_for_output("idle time available again (wayland)", WAIT)

            server.stop()
            gone = "idle time unavailable (wayland): the compositor closed the connection"
            daemon.wait_for_output(gone, WAIT)
            doctor = run_cli(tmp_path, "doctor", "--json", env=env)
            (check,) = [c for c in json.loads(doctor.stdout) if c["name"] == "idle time"]
            assert check["level"] == "warn"
            assert (
                f"wayland: cannot connect to {runtime / DISPLAY} (No such file" in check["detail"]
            )
            assert run_cli(tmp_path, "status", "--json", env=env).returncode == 0

            server = compositor(runtime, V2)
            wait_until(lambda: daemon.output.count("idle time available again (wayland)") == 2,
                       timeout=WAIT, what="the idle time back")  # fmt: skip
            assert daemon.output.count(gone) == 1  # said once, not at every look
            assert daemon.proc.poll() is None
            assert daemon.stop() == 0
    finally:
        server.stop()
    assert "Traceback" not in daemon.output
