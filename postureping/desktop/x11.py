"""One connection to an X server, speaking the few requests the daemon needs.

The idle monitor (postureping.idle.x11) asks the MIT-SCREEN-SAVER extension for the idle time,
the fullscreen probe (postureping.dnd.fullscreen) reads window properties, and the pystray tray
(postureping.tray.pystray_tray) looks for an XEMBED tray's selection. python-xlib's
`Xlib.display.Display` would load a module for every extension the server offers (about
twenty) and fetch the keyboard map at connection: about 1.3 MiB of the daemon's memory for
nothing we use. So this class drives python-xlib's protocol layer directly, with the request
classes it defines. Resource ids stay plain integers.

Not thread-safe by contract (python-xlib serialises requests, but a caller's sequence of
them is not atomic): each user holds a connection of its own. Every method raises what
python-xlib raises (Xlib.error.XError and its kin, OSError...); callers map those.
"""

from __future__ import annotations

import contextlib
from typing import Any

from Xlib import X, Xatom
from Xlib.ext import screensaver
from Xlib.protocol import display as protocol
from Xlib.protocol import request

# Longest property value read, in 32-bit units: window states and class names are far shorter.
PROPERTY_LIMIT = 1024


class _Display(protocol.Display):  # type: ignore[misc]
    def __init__(self, name: str) -> None:
        # No classes for resources: replies give window ids as ints, not Window objects.
        self.resource_classes: dict[str, type] = {}
        super().__init__(name)


class X11Connection:
    def __init__(self, display_name: str) -> None:
        """Raises Xlib.error.DisplayError (and kin) when the display cannot be opened."""
        self._display = _Display(display_name)
        self.root: int = self._display.info.roots[self._display.default_screen].root

    @property
    def screen(self) -> int:
        """The number of the screen the display name chose (":0.1" is screen 1)."""
        return int(self._display.default_screen)

    def selection_owner(self, name: str) -> int:
        """The window that owns the selection `name`, or 0 (X.NONE) when none does."""
        reply = request.GetSelectionOwner(display=self._display, selection=self.intern_atom(name))
        return int(reply.owner)

    def extension_opcode(self, name: str) -> int | None:
        """The major opcode of the extension `name`, or None where the server lacks it."""
        reply = request.QueryExtension(display=self._display, name=name)
        return int(reply.major_opcode) if reply.present else None

    def intern_atom(self, name: str) -> int:
        return int(request.InternAtom(display=self._display, name=name, only_if_exists=False).atom)

    def cardinals(self, window: int, atom: int) -> list[int] | None:
        """A property of 32-bit values (atoms, window ids), or None if absent or not that."""
        found = self._get_property(window, atom)
        if found is None or found[0] != 32:
            return None
        return [int(value) for value in found[1]]

    def wm_class(self, window: int) -> tuple[str, str] | None:
        """WM_CLASS as (instance, class), or None if the window has no valid one."""
        found = self._get_property(window, Xatom.WM_CLASS)
        if found is None or found[0] != 8:
            return None
        value = found[1]
        text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
        parts = text.split("\0")
        return (parts[0], parts[1]) if len(parts) >= 2 else None

    def idle_milliseconds(self, screensaver_opcode: int) -> int:
        """Milliseconds since the last input (MIT-SCREEN-SAVER QueryInfo on the root window)."""
        reply = screensaver.QueryInfo(
            display=self._display, opcode=screensaver_opcode, drawable=self.root
        )
        self._drop_events()
        return int(reply.idle)

    def close(self) -> None:
        """Close the connection; never raises (the server may have dropped it already)."""
        with contextlib.suppress(Exception):
            self._display.close()

    def _get_property(self, window: int, atom: int) -> tuple[int, Any] | None:
        """(format, value) of a property, or None if the window does not have it."""
        reply = request.GetProperty(
            display=self._display,
            delete=False,
            window=window,
            property=atom,
            type=X.AnyPropertyType,
            long_offset=0,
            long_length=PROPERTY_LIMIT,
        )
        self._drop_events()
        if reply.property_type == X.NONE:
            return None
        format_, value = reply.value  # python-xlib's PropertyData: (bits per value, data)
        return int(format_), value

    def _drop_events(self) -> None:
        # We select no events, but the server sends some to every client (MappingNotify when
        # the keyboard layout changes): drop them so they do not pile up in python-xlib's queue.
        while self._display.pending_events():
            self._display.next_event()
