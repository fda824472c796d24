"""A fullscreen active window on X11: a video call, a presentation, a film, a game.

EWMH window managers (GNOME's and KDE's on X11, Xfce, Openbox, i3...) publish the focused
window in the root window's _NET_ACTIVE_WINDOW and a window's fullscreen state in its
_NET_WM_STATE. Both are read with python-xlib in this process, over one display connection
kept open between calls: a few round trips a call, no events selected, so nothing queues up
in between. A connection that breaks (the X server restarted) is opened again on a later call.

Windows whose WM_CLASS instance or class is in `never_hold` (compared case-insensitively)
never hold reminders: someone who keeps a terminal or an editor fullscreen all day still gets
them. Under Wayland this sees only XWayland windows (many games, some video players); a
native Wayland window never holds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping

from Xlib import error

from postureping.desktop.x11 import X11Connection
from postureping.dnd.base import NO_DISPLAY, FailureStreak, ProbeUnavailable

NAME = "fullscreen"

_log = logging.getLogger(__name__)

# What a lost or unusable display raises; each is logged as one line.
_DISPLAY_ERRORS = (error.DisplayError, error.ConnectionClosedError, error.XError, OSError)

WmClass = tuple[str, str]  # (instance, class), as X11's WM_CLASS holds them


def folded(names: Iterable[str]) -> frozenset[str]:
    """`names` ready for `is_exempt`."""
    return frozenset(name.casefold() for name in names)


def is_exempt(wm_class: WmClass | None, never_hold: frozenset[str]) -> bool:
    """Whether a window of `wm_class` never holds reminders; `never_hold` comes from `folded`."""
    return wm_class is not None and any(part.casefold() in never_hold for part in wm_class if part)


def describe(wm_class: WmClass | None, window_id: int) -> str:
    """The window's name for a reason: its class (the application), else its instance."""
    if wm_class is not None and (name := wm_class[1] or wm_class[0]):
        return name
    return f"window {window_id:#x}"


class FullscreenProbe:
    """Holds reminders while the active window is fullscreen, unless its class is exempt."""

    name = NAME

    def __init__(self, display_name: str, never_hold: frozenset[str]) -> None:
        self._display_name = display_name
        self._never_hold = folded(never_hold)
        self._display: X11Connection | None = None
        self._atoms: dict[str, int] = {}
        self._streak = FailureStreak(_log, NAME, _DISPLAY_ERRORS)

    @classmethod
    def open(cls, environ: Mapping[str, str], never_hold: frozenset[str]) -> FullscreenProbe:
        """Raises ProbeUnavailable without an X display, or when it cannot be opened."""
        if not (display_name := environ.get("DISPLAY")):
            raise ProbeUnavailable(NO_DISPLAY)
        probe = cls(display_name, never_hold)
        try:
            probe._read()
        except _DISPLAY_ERRORS as failure:
            probe.close()
            raise ProbeUnavailable(f"cannot use X display {display_name} ({failure})") from failure
        return probe

    def hold_reason(self) -> str | None:
        return self._streak.run(self._read)

    def close(self) -> None:
        display, self._display = self._display, None
        if display is not None:
            display.close()

    def _read(self) -> str | None:
        display = self._connection()
        try:
            return self._reason(display)
        except error.BadWindow:  # the active window closed while we looked at it
            return None
        except (error.ConnectionClosedError, OSError):
            self.close()  # open it again next time
            raise

    def _reason(self, display: X11Connection) -> str | None:
        active = display.cardinals(display.root, self._atoms["_NET_ACTIVE_WINDOW"])
        if not active or not active[0]:
            return None  # no window manager, or no window has the focus
        window = active[0]
        state = display.cardinals(window, self._atoms["_NET_WM_STATE"])
        if state is None or self._atoms["_NET_WM_STATE_FULLSCREEN"] not in state:
            return None
        wm_class = display.wm_class(window)
        if is_exempt(wm_class, self._never_hold):
            return None
        return f"fullscreen window: {describe(wm_class, window)}"

    def _connection(self) -> X11Connection:
        if self._display is None:
            display = X11Connection(self._display_name)
            try:
                names = ("_NET_ACTIVE_WINDOW", "_NET_WM_STATE", "_NET_WM_STATE_FULLSCREEN")
                self._atoms = {name: display.intern_atom(name) for name in names}
            except BaseException:
                display.close()
                raise
            self._display = display
        return self._display
