"""wlr-fullscreen's rules (pure). tests/test_sway_fullscreen.py runs the probe against real
sway's zwlr_foreign_toplevel_manager_v1 with a real foot window."""

from __future__ import annotations

import struct

from postureping.dnd.registry import choose_hold_probes
from postureping.dnd.wlr_toplevel import ACTIVATED, FULLSCREEN, Toplevel, reason_for, states_of

MAXIMIZED = 0


def test_the_state_array() -> None:
    assert states_of(struct.pack("=3I", ACTIVATED, FULLSCREEN, 9)) == {ACTIVATED, FULLSCREEN, 9}
    assert states_of(b"") == frozenset()
    assert states_of(struct.pack("=I", FULLSCREEN) + b"\0\0") == {FULLSCREEN}  # a torn word


def test_only_the_focused_fullscreen_window_holds() -> None:
    video = Toplevel("mpv", frozenset({FULLSCREEN, ACTIVATED}))
    slides = Toplevel("org.kde.okular", frozenset({FULLSCREEN, ACTIVATED}))
    behind = Toplevel("foot", frozenset({FULLSCREEN}))  # fullscreen, not focused
    focused = Toplevel("foot", frozenset({ACTIVATED, MAXIMIZED}))
    assert reason_for([behind, focused], frozenset()) is None
    assert reason_for([focused, slides], frozenset()) == (
        "fullscreen window: org.kde.okular (Wayland)"
    )
    assert reason_for([video], frozenset({"mpv"})) is None
    nameless = Toplevel("", frozenset({FULLSCREEN, ACTIVATED}))
    assert reason_for([nameless], frozenset()) == (
        "fullscreen window: a window with no app_id (Wayland)"
    )


def test_a_done_applies_what_came_before_it() -> None:
    window = Toplevel("foot", frozenset({ACTIVATED}))
    window.next_states = frozenset({ACTIVATED, FULLSCREEN})
    assert reason_for([window], frozenset()) is None  # not before `done`
    window.apply()
    assert reason_for([window], frozenset()) == "fullscreen window: foot (Wayland)"


def test_where_it_stays_out() -> None:
    _, unavailable = choose_hold_probes(
        {"WAYLAND_DISPLAY": "wayland-1", "SWAYSOCK": "x"}, frozenset()
    )
    assert dict(unavailable)["wlr-fullscreen"] == "sway: sway-fullscreen covers it"
    _, unavailable = choose_hold_probes({}, frozenset())
    assert dict(unavailable)["wlr-fullscreen"] == (
        "not a Wayland session (WAYLAND_DISPLAY is not set)"
    )
