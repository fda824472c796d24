"""postureping.desktop.x11 against a real X server (Xvfb): the few requests the idle
monitor and the fullscreen probe make, on python-xlib's protocol layer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from Xlib.error import DisplayError

from postureping.desktop.x11 import X11Connection
from postureping.tray.core import TrayUnavailable
from postureping.tray.xembed import xembed_tray_present
from tests.desktop import DesktopSession, wait_until
from tests.x11_windows import Wm


@pytest.fixture
def connection(desktop_module: DesktopSession) -> Iterator[X11Connection]:
    conn = X11Connection(desktop_module.env["DISPLAY"])
    yield conn
    conn.close()


def test_extensions_are_found_by_name(connection: X11Connection) -> None:
    assert isinstance(connection.extension_opcode("MIT-SCREEN-SAVER"), int)
    assert connection.extension_opcode("NO-SUCH-EXTENSION") is None


def test_the_idle_time_is_read(connection: X11Connection) -> None:
    opcode = connection.extension_opcode("MIT-SCREEN-SAVER")
    assert opcode is not None
    assert connection.idle_milliseconds(opcode) >= 0


def test_window_properties(connection: X11Connection, desktop_module: DesktopSession) -> None:
    wm = Wm(desktop_module.env["DISPLAY"])
    try:
        window = wm.window("mpv", "Mpv", "FULLSCREEN", "ABOVE")
        bare = wm.root.create_window(0, 0, 10, 10, 0, 0)  # no WM_CLASS, no state
        wm.display.sync()
        state = connection.cardinals(window.id, connection.intern_atom("_NET_WM_STATE"))
        assert state == [
            connection.intern_atom("_NET_WM_STATE_FULLSCREEN"),
            connection.intern_atom("_NET_WM_STATE_ABOVE"),
        ]
        assert connection.wm_class(window.id) == ("mpv", "Mpv")
        assert connection.wm_class(bare.id) is None
        assert connection.cardinals(bare.id, connection.intern_atom("_NET_WM_STATE")) is None
        name = connection.intern_atom("WM_CLASS")  # a property of 8-bit values, not 32
        assert connection.cardinals(window.id, name) is None
        assert connection.root == wm.root.id
    finally:
        wm.display.close()


def test_an_unknown_display_fails_to_open() -> None:
    with pytest.raises((DisplayError, OSError)):
        X11Connection(":4095")


def test_selection_owners(connection: X11Connection, desktop_module: DesktopSession) -> None:
    name = f"_NET_SYSTEM_TRAY_S{connection.screen}"
    wm = Wm(desktop_module.env["DISPLAY"])
    try:
        assert connection.selection_owner("POSTUREPING_TEST_NOBODY") == 0
        owner = wm.window("tray", "Tray")
        owner.set_selection_owner(wm.atom(name), 0)  # 0: X.CurrentTime
        wm.display.sync()
        assert connection.selection_owner(name) == owner.id
    finally:
        wm.display.close()
    # Its client gone, the selection goes too (once the server has seen the connection close).
    wait_until(lambda: connection.selection_owner(name) == 0, timeout=5, what="no owner")


def test_the_xembed_check_turns_any_display_failure_into_no_tray() -> None:
    # A display number past the last TCP port makes python-xlib raise OverflowError.
    for display in (":4095", "localhost:70000"):
        with pytest.raises(TrayUnavailable, match="cannot open the display"):
            xembed_tray_present(display)
