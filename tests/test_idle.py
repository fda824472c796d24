"""Idle monitors without a desktop: the registry, the failures it reports, the pure arithmetic.

Nothing here needs a display or a bus; tests/test_idle_desktop.py runs the monitors against
Xvfb and fake services on a private session bus.
"""

from __future__ import annotations

import math
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postureping.idle.base import IdleUnavailable
from postureping.idle.bus import reply_idle_time
from postureping.idle.macos import idle_from_seconds
from postureping.idle.registry import MONITORS, choose_idle_monitor, monitor_names
from postureping.idle.windows import TICK_MODULUS, ticks_between

QUICK = 2.0  # seconds: with nothing to ask, the answer must come at once, not after a timeout

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="the Linux monitors")


def test_the_registry_lists_each_platforms_monitors_best_first() -> None:
    assert list(MONITORS) == ["gnome", "wayland", "screensaver", "x11", "macos", "windows"]
    for platform in ("linux", "freebsd14", "openbsd7"):
        assert monitor_names(platform) == ["gnome", "wayland", "screensaver", "x11"]
    assert monitor_names("darwin") == ["macos"]
    assert monitor_names("win32") == ["windows"]


@linux_only
def test_nothing_to_ask_is_reported_at_once() -> None:
    start = time.monotonic()
    monitor, failed = choose_idle_monitor({})
    assert monitor is None
    assert failed == [
        ("gnome", "DBUS_SESSION_BUS_ADDRESS is not set"),
        ("wayland", "WAYLAND_DISPLAY is not set"),
        ("screensaver", "DBUS_SESSION_BUS_ADDRESS is not set"),
        ("x11", "DISPLAY is not set"),
    ]
    assert time.monotonic() - start < QUICK


@linux_only
@pytest.mark.parametrize(
    ("bus", "display"),
    [
        ("unix:path={tmp}/no-bus", ":9999"),  # nobody there
        ("tcp:host=localhost,port=1", ":99999"),  # no unix transport; a port past 65535
        ("not an address", "not a display"),
        ("unix:abstract=postureping-no-such-bus", "unix:9999"),
    ],
)
def test_absent_or_odd_places_are_reasons_not_errors(
    tmp_path: Path, bus: str, display: str
) -> None:
    environ = {"DBUS_SESSION_BUS_ADDRESS": bus.format(tmp=tmp_path), "DISPLAY": display}
    start = time.monotonic()
    monitor, failed = choose_idle_monitor(environ)
    assert monitor is None
    assert [name for name, _ in failed] == ["gnome", "wayland", "screensaver", "x11"]
    for name, reason in failed:
        assert reason, name
        assert "\n" not in reason, name  # one line, for the log and for doctor
    assert failed[0][1].startswith("cannot use the session bus (")
    assert failed[1][1] == "WAYLAND_DISPLAY is not set"
    assert failed[3][1].startswith(f"X display {display}: ")
    assert time.monotonic() - start < QUICK


@linux_only
def test_a_wayland_session_is_refused_by_the_x11_monitor() -> None:
    # Refused before connecting: this DISPLAY would be XWayland's.
    wayland = {"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}
    with pytest.raises(IdleUnavailable, match=r"^Wayland session: X11 idle time only counts X11"):
        MONITORS["x11"](wayland)
    _, failed = choose_idle_monitor(wayland)
    assert failed[-1] == ("x11", "Wayland session: X11 idle time only counts X11 windows")


@pytest.mark.parametrize("name", ["macos", "windows"])
def test_a_monitor_for_another_platform_refuses_to_start(name: str) -> None:
    if monitor_names() == [name]:
        pytest.skip(f"this is {sys.platform}")
    with pytest.raises(IdleUnavailable, match=r"^(CoreGraphics|GetLastInputInfo) .* only on"):
        MONITORS[name]({})


@linux_only
@pytest.mark.parametrize("name", ["gnome", "wayland", "screensaver", "x11"])
def test_a_closed_monitor_refuses_and_closes_again(name: str) -> None:
    environ = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent", "DISPLAY": ":9999",
               "WAYLAND_DISPLAY": "/nonexistent/wayland-0"}  # fmt: skip
    monitor = MONITORS[name](environ)
    monitor.close()
    monitor.close()
    with pytest.raises(IdleUnavailable, match=r"^the idle monitor is closed$"):
        monitor.idle_time()


@linux_only
def test_each_monitor_goes_by_its_registry_name() -> None:
    environ = {"DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent", "DISPLAY": ":9999",
               "WAYLAND_DISPLAY": "/nonexistent/wayland-0"}  # fmt: skip
    for name in monitor_names():
        monitor = MONITORS[name](environ)  # no I/O yet
        assert monitor.name == name
        monitor.close()


# ---------------------------------------------------------------------------------------------
# Pure parts of the OS-specific monitors


def test_ticks_between_counts_across_the_wraparound() -> None:
    assert ticks_between(1_000, 61_000) == 60_000
    assert ticks_between(5_000, 5_000) == 0
    # The last input 2 s before the 49.7-day wrap, the clock read 3 s after it.
    assert ticks_between(TICK_MODULUS - 2_000, 3_000) == 5_000


@given(st.integers(0, TICK_MODULUS - 1), st.integers(0, TICK_MODULUS - 1))
def test_ticks_between_undoes_adding_ticks(last_input: int, idle: int) -> None:
    assert ticks_between(last_input, (last_input + idle) % TICK_MODULUS) == idle


def test_coregraphics_seconds_become_a_duration() -> None:
    assert idle_from_seconds(1.5) == timedelta(seconds=1.5)
    assert idle_from_seconds(0.0) == timedelta(0)
    for nonsense in (-1.0, math.nan, math.inf, 1e300):
        with pytest.raises(IdleUnavailable, match="seconds since the last input"):
            idle_from_seconds(nonsense)


@linux_only
def test_an_idle_reply_must_be_one_unsigned_integer() -> None:
    assert reply_idle_time((1234,), "GetIdletime") == timedelta(milliseconds=1234)
    for reply in [(), (-1,), ("12",), (True,), (1, 2), (1.5,), (2**64 - 1,)]:
        with pytest.raises(IdleUnavailable, match=r"^unexpected reply to GetIdletime: "):
            reply_idle_time(reply, "GetIdletime")
