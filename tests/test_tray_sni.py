"""The real daemon's tray as a StatusNotifierItem, on a private session bus, with a stand-in
watcher and host (tests/sni_host.py) playing the panel. No display: SNI needs none, and the
pystray path, which does, is what the daemon falls back to without a watcher.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from jeepney import DBusAddress, DBusErrorResponse, new_method_call  # type: ignore[import-untyped]

from postureping.desktop.session_bus import SessionBus
from postureping.tray import sni_spec
from tests.cli_helpers import isolated_env, run_cli
from tests.daemon_process import DaemonProcess, running_daemon
from tests.desktop import start_bus, strip_session_vars, wait_until
from tests.sni_host import StandInHost, child, labels

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="a D-Bus session bus")

WAIT = 15.0
PAUSES = ["30 min", "1 h", "2 h", "Until tomorrow", "Until I resume"]


@pytest.fixture
def bus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A private session bus's address."""
    if not shutil.which("dbus-daemon"):
        if os.environ.get("CI") == "true":
            pytest.fail("dbus-daemon is missing; CI is expected to install it (.ci/run)")
        pytest.skip("needs dbus-daemon (apt package dbus-daemon)")
    with ExitStack() as stack:
        directory = tmp_path_factory.mktemp("bus")
        _pid, address = start_bus(directory, strip_session_vars(os.environ), stack)
        yield address


@pytest.fixture
def host(bus: str) -> Iterator[StandInHost]:
    stand_in = StandInHost(bus)
    try:
        yield stand_in
    finally:
        stand_in.close()


def daemon_env(bus: str, root: Path, **extra: str) -> dict[str, str]:
    """A home of its own under `root`, this bus, no display, reminders on the terminal."""
    env = isolated_env(root, {"POSTUREPING_NOTIFICATIONS__BACKEND": "console"})
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "DBUS_SYSTEM_BUS_ADDRESS", "PYSTRAY_BACKEND"):
        env.pop(name, None)
    return env | {"DBUS_SESSION_BUS_ADDRESS": bus, **extra}


def status(root: Path) -> dict[str, Any]:
    result = run_cli(root, "status", "--json")
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def registered_item(host: StandInHost, count: int = 1) -> str:
    def enough() -> list[tuple[str, str]] | None:
        registered = host.registered()
        return registered if len(registered) >= count else None

    found = wait_until(enough, timeout=WAIT, what=f"registration {count}")
    sender, service = found[-1]
    assert service == sender  # our unique name: the item is at /StatusNotifierItem there
    return service


def loaded_libraries(daemon: DaemonProcess) -> str:
    return Path(f"/proc/{daemon.proc.pid}/maps").read_text()


def test_the_daemon_shows_its_icon_and_menu_to_the_host(host: StandInHost, bus: str,
                                                        tmp_path: Path) -> None:  # fmt: skip
    with running_daemon([], daemon_env(bus, tmp_path), tmp_path) as daemon:
        daemon.wait_for_output("tray icon shown (sni)", timeout=WAIT)
        item = registered_item(host)

        # What a panel draws: the icon at three sizes, not blank, and the tooltip.
        properties = host.item_properties(item)
        assert properties["Id"] == "postureping"
        assert properties["Category"] == "ApplicationStatus"
        assert properties["Status"] == "Active"
        assert properties["Title"].startswith("postureping: ")
        assert properties["ToolTip"][2] == properties["Title"]
        assert properties["Menu"] == sni_spec.MENU_PATH and properties["ItemIsMenu"] is True
        pixmaps = properties["IconPixmap"]
        assert [(w, h) for w, h, _ in pixmaps] == [(22, 22), (32, 32), (64, 64)]
        for width, height, pixels in pixmaps:
            assert len(pixels) == width * height * 4
            assert any(pixels[0::4]), "every pixel is transparent"
        xml = host.call(item, sni_spec.ITEM_PATH, sni_spec.INTROSPECTABLE, "Introspect")[0]
        assert f'<interface name="{sni_spec.ITEM}">' in xml

        # The menu as menu.build_view makes it (no prompt, no settings file).
        revision, layout = host.menu_layout(item)
        top = labels(layout)
        assert top[1:] == [
            "Today: no reminders yet",
            "-",
            "Pause",
            "Resume",
            "Remind me now",
            "Start a guided routine",
            "-",
            "No settings file yet (postureping config init)",
            "Quit",
        ]
        assert labels(child(layout, "Pause")) == PAUSES
        assert child(layout, "Resume")[1]["enabled"] == ("b", False)

        host.click(item, child(child(layout, "Pause"), "Until I resume")[0])
        paused = wait_until(lambda: (s := status(tmp_path))["paused"] and s, timeout=WAIT,
                            what="status --json to report the pause")  # fmt: skip
        assert paused["paused_until"] is None
        wait_until(lambda: host.received("LayoutUpdated"), timeout=WAIT, what="LayoutUpdated")
        assert host.received("LayoutUpdated")[-1][0] > revision
        wait_until(lambda: host.received("NewIcon"), timeout=WAIT, what="NewIcon")
        wait_until(lambda: host.received("NewToolTip"), timeout=WAIT, what="NewToolTip")
        assert host.item_properties(item)["Title"] == "postureping: Paused"

        # The host asks again after LayoutUpdated: Resume can be picked now.
        _revision, layout = host.menu_layout(item)
        assert child(layout, "Resume")[1]["enabled"] == ("b", True)
        host.click(item, child(layout, "Resume")[0])
        wait_until(lambda: not status(tmp_path)["paused"], timeout=WAIT, what="the resume")

        # A reminder awaiting an answer asks for attention.
        _revision, layout = host.menu_layout(item)
        host.click(item, child(layout, "Remind me now")[2][0][1][0])  # its first routine
        wait_until(lambda: ("NeedsAttention",) in host.received("NewStatus"), timeout=WAIT,
                   what="NewStatus NeedsAttention")  # fmt: skip
        assert host.item_properties(item)["Status"] == "NeedsAttention"

        # A panel that restarts takes the watcher's name again: the item registers again.
        host.drop_name()
        host.take_name()
        assert registered_item(host, count=2) == item

        maps = loaded_libraries(daemon)
        assert "libgtk-3" not in maps and "/gi/_gi" not in maps  # no toolkit on this path
        assert "_pydantic_core" not in maps  # settings are validated in a child process
        assert daemon.stop(signal.SIGTERM) == 0
    assert "Traceback" not in daemon.output
    warnings = [line for line in daemon.output.splitlines() if "warning:" in line]
    assert not [line for line in warnings if "tray" in line or "session bus" in line]


def test_without_a_watcher_the_daemon_falls_back_to_pystray(bus: str, tmp_path: Path) -> None:
    with running_daemon([], daemon_env(bus, tmp_path), tmp_path) as daemon:
        # pystray's path, as before: with no display there is no icon.
        daemon.wait_for_output("no display; running without a tray icon", timeout=WAIT)
        assert status(tmp_path)["running"] is True
        assert daemon.stop() == 0
    assert "(sni)" not in daemon.output


def test_pystray_backend_set_by_the_user_wins(host: StandInHost, bus: str,
                                              tmp_path: Path) -> None:  # fmt: skip
    env = daemon_env(bus, tmp_path, PYSTRAY_BACKEND="gtk")
    with running_daemon([], env, tmp_path) as daemon:
        daemon.wait_for_output("no display; running without a tray icon", timeout=WAIT)
        assert daemon.stop() == 0
    assert host.registered() == []


def test_a_watcher_that_refuses_the_item(bus: str, tmp_path: Path) -> None:
    refusing = StandInHost(bus)
    refusing.refuse = True
    try:
        with running_daemon([], daemon_env(bus, tmp_path), tmp_path) as daemon:
            daemon.wait_for_output("running without a tray icon", timeout=WAIT)
            assert status(tmp_path)["running"] is True
            assert daemon.stop() == 0
    finally:
        refusing.close()
    assert "warning: the StatusNotifierWatcher did not take the icon" in daemon.output
    assert "Traceback" not in daemon.output


def test_doctor_names_the_status_notifier_host(host: StandInHost, bus: str,
                                               tmp_path: Path) -> None:  # fmt: skip
    result = run_cli(tmp_path, "doctor", env=daemon_env(bus, tmp_path))
    assert "StatusNotifierItem host: icon and menu over D-Bus, without GTK" in result.stdout


def test_a_method_call_is_answered_even_without_a_handler(bus: str) -> None:
    """SessionBus answers calls it has no handler for, rather than leave the caller waiting."""
    quiet, caller = SessionBus.connect(WAIT, bus=bus), SessionBus.connect(WAIT, bus=bus)
    try:
        quiet.start(lambda _message: None)
        caller.start(lambda _message: None)
        address = DBusAddress("/anything", quiet.unique_name, "org.example.Nothing")
        started = time.monotonic()
        with pytest.raises(DBusErrorResponse) as raised:
            caller.call(new_method_call(address, "Hello"), timeout=WAIT)
        assert raised.value.name == "org.freedesktop.DBus.Error.UnknownMethod"
        assert time.monotonic() - started < WAIT / 2
    finally:
        quiet.close()
        caller.close()


def test_the_item_refuses_what_it_does_not_have(host: StandInHost, bus: str,
                                                tmp_path: Path) -> None:  # fmt: skip
    with running_daemon([], daemon_env(bus, tmp_path), tmp_path) as daemon:
        daemon.wait_for_output("tray icon shown (sni)", timeout=WAIT)
        item = registered_item(host)
        for path, interface, member in [
            (sni_spec.ITEM_PATH, sni_spec.ITEM, "Quit"),
            ("/elsewhere", sni_spec.ITEM, "Activate"),
            (sni_spec.MENU_PATH, sni_spec.ITEM, "GetLayout"),
        ]:
            with pytest.raises(DBusErrorResponse) as raised:
                host.call(item, path, interface, member)
            assert raised.value.name == sni_spec.UNKNOWN_METHOD
        with pytest.raises(DBusErrorResponse) as raised:
            host.click(item, 999)
        assert raised.value.name == sni_spec.INVALID_ARGS
        assert host.call(item, sni_spec.ITEM_PATH, sni_spec.ITEM, "Activate", "ii", 0, 0) == ()
        (version,) = host.call(item, sni_spec.MENU_PATH, sni_spec.PROPERTIES, "Get", "ss",
                               sni_spec.MENU, "Version")  # fmt: skip
        assert version == ("u", 3)
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.output
