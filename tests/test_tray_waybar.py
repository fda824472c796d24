"""The daemon's tray in waybar, sway's usual bar: the real daemon, run as the session's user on
headless sway (tests/sway_session.py), registers its StatusNotifierItem with waybar's own
StatusNotifierWatcher; waybar, the host, reads the item and its menu; the menu answers.

A right click on the icon in waybar, through a virtual pointer (tests/wayland_pointer.py; the
headless sway has no input devices), opens the menu: waybar tells the item (AboutToShow). The
pick is then made on the bus, as waybar's dbusmenu makes it (a GTK menu on a layer-shell bar
gets no keyboard in sway 1.7, and where each item lands depends on the theme); the test checks
on the bus (dbus-monitor) that waybar read the item and fetched the menu, and fetched it again
after it changed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from jeepney import DBusAddress, new_method_call  # type: ignore[import-untyped]
from jeepney.bus_messages import message_bus  # type: ignore[import-untyped]

from postureping.desktop.session_bus import SessionBus
from postureping.tray import sni_spec
from tests.daemon_process import running_daemon
from tests.desktop import wait_until
from tests.sni_host import child, labels
from tests.sway_session import OUTPUT_SIZE, SwaySession, require_sway, start_sway
from tests.test_activity_e2e import real_time
from tests.wayland_pointer import BTN_RIGHT, VirtualPointer

pytestmark = pytest.mark.desktop

WAIT = 20.0


@pytest.fixture
def sway() -> Iterator[SwaySession]:
    require_sway(waybar=True)
    with start_sway(waybar=True) as session:
        yield session


def calls_from(sway: SwaySession, sender: str, path: str, member: str) -> int:
    """How many calls of `member` on `path` the monitor saw from `sender`."""
    pattern = rf"sender={re.escape(sender)} -> .* path={re.escape(path)}; .* member={member}$"
    log = (sway.root / "monitor.log").read_text(errors="replace")
    return sum(1 for line in log.splitlines() if re.search(pattern, line))


def opened(sway: SwaySession, waybar: str) -> int:
    """How often waybar said it shows the menu (AboutToShow, or AboutToShowGroup)."""
    return sum(calls_from(sway, waybar, sni_spec.MENU_PATH, member)
               for member in ("AboutToShow", "AboutToShowGroup"))  # fmt: skip


def test_the_item_registers_with_waybar_and_its_menu_answers(sway: SwaySession) -> None:
    sway.start("monitor", "dbus-monitor", "--session", "type='method_call'")
    extra = real_time("walk", notifications__backend="console", activity__idle="false",
                      routines__walk__every="1h")  # fmt: skip
    env = sway.postureping_env(extra)
    bus = SessionBus.connect(WAIT, bus=sway.bus_address)  # as root: the bus lets root in
    try:
        bus.start(lambda message: None)

        def call(service: str, path: str, interface: str, member: str,
                 signature: str | None = None, *args: Any) -> tuple[Any, ...]:  # fmt: skip
            address = DBusAddress(path, service, interface)
            return bus.call(new_method_call(address, member, signature, args))

        (waybar,) = bus.call(message_bus.GetNameOwner(sni_spec.WATCHER))
        program = sway.postureping_program
        with running_daemon([], env, sway.home, program=program) as daemon:
            daemon.wait_for_output("tray icon shown (sni)", timeout=WAIT)

            def registered() -> list[str]:
                name = "RegisteredStatusNotifierItems"
                (value,) = call(sni_spec.WATCHER, sni_spec.WATCHER_PATH, sni_spec.PROPERTIES,
                                "Get", "ss", sni_spec.WATCHER, name)  # fmt: skip
                return list(value[1])

            (entry,) = wait_until(registered, timeout=WAIT, what="the item in waybar's watcher")
            item = entry.split("/")[0]
            assert entry == f"{item}{sni_spec.ITEM_PATH}"

            # waybar, the host, read the item and fetched its menu, as a panel does.
            wait_until(lambda: calls_from(sway, waybar, sni_spec.ITEM_PATH, "GetAll"),
                       timeout=WAIT, what="waybar to read the item")  # fmt: skip
            wait_until(lambda: calls_from(sway, waybar, sni_spec.MENU_PATH, "GetLayout"),
                       timeout=WAIT, what="waybar to fetch the menu")  # fmt: skip
            fetched = calls_from(sway, waybar, sni_spec.MENU_PATH, "GetLayout")

            # A right click on the icon, the rightmost thing in the bar: waybar opens the menu
            # (its dbusmenu tells the item with AboutToShow), and a click elsewhere closes it.
            pointer = VirtualPointer(sway.runtime_dir / sway.wayland_display, OUTPUT_SIZE)
            try:
                pointer.click(OUTPUT_SIZE[0] - 10, 13, BTN_RIGHT)
                wait_until(lambda: opened(sway, waybar), timeout=WAIT, what="waybar's menu")
                pointer.click(OUTPUT_SIZE[0] // 2, OUTPUT_SIZE[1] // 2)
            finally:
                pointer.close()

            (found,) = call(item, sni_spec.ITEM_PATH, sni_spec.PROPERTIES, "GetAll", "s",
                            sni_spec.ITEM)  # fmt: skip
            assert found["Id"] == ("s", "postureping")
            assert found["Menu"] == ("o", sni_spec.MENU_PATH)

            _revision, layout = call(item, sni_spec.MENU_PATH, sni_spec.MENU, "GetLayout",
                                     "iias", 0, -1, [])  # fmt: skip
            assert {"Pause", "Resume", "Remind me now", "Quit"} <= set(labels(layout))
            until_resumed = child(child(layout, "Pause"), "Until I resume")[0]
            call(item, sni_spec.MENU_PATH, sni_spec.MENU, "Event", "isvu",
                 until_resumed, "clicked", ("i", 0), 0)  # fmt: skip

            def paused() -> bool:
                status = sway.postureping("status", "--json", extra=extra)
                return status.returncode == 0 and json.loads(status.stdout)["paused"]

            wait_until(paused, timeout=WAIT, what="the pause from the menu")
            # The menu changed (Resume can be picked now): waybar fetches it again.
            wait_until(lambda: calls_from(sway, waybar, sni_spec.MENU_PATH, "GetLayout") > fetched,
                       timeout=WAIT, what="waybar to fetch the changed menu")  # fmt: skip
            _revision, layout = call(item, sni_spec.MENU_PATH, sni_spec.MENU, "GetLayout",
                                     "iias", 0, -1, [])  # fmt: skip
            assert child(layout, "Resume")[1]["enabled"] == ("b", True)
            assert daemon.stop() == 0
    finally:
        bus.close()
    assert "Traceback" not in daemon.output
    assert not [line for line in daemon.output.splitlines()
                if "warning:" in line and ("tray" in line or "session bus" in line)]  # fmt: skip
