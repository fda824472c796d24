"""Windows with EWMH state on a bare X server (no window manager), for the hold-probe tests."""

from __future__ import annotations

from typing import Any


class Wm:
    """What an EWMH window manager would publish, set from a client connection of its own."""

    def __init__(self, display_name: str) -> None:
        from Xlib.display import Display

        self.display = Display(display_name)
        self.root = self.display.screen().root

    def atom(self, name: str) -> int:
        return int(self.display.intern_atom(name))

    def window(self, instance: str, wm_class: str, *states: str) -> Any:
        from Xlib import X

        window = self.root.create_window(0, 0, 200, 100, 0, X.CopyFromParent)
        window.set_wm_class(instance, wm_class)
        self.set_state(window, *states)
        return window

    def set_state(self, window: Any, *states: str) -> None:
        from Xlib import Xatom

        atoms = [self.atom(f"_NET_WM_STATE_{state}") for state in states]
        window.change_property(self.atom("_NET_WM_STATE"), Xatom.ATOM, 32, atoms)
        self.display.sync()

    def activate(self, window_id: int) -> None:
        from Xlib import Xatom

        self.root.change_property(self.atom("_NET_ACTIVE_WINDOW"), Xatom.WINDOW, 32, [window_id])
        self.display.sync()
