"""Whether an XEMBED system tray runs on an X display: the owner of its selection."""

from __future__ import annotations

from postureping.tray.core import TrayUnavailable


def xembed_tray_present(display_name: str) -> bool:
    """Whether an XEMBED tray owns `_NET_SYSTEM_TRAY_S<screen>` (True when it cannot be
    told, without python-xlib: then the toolkit finds out itself)."""
    try:
        from postureping.desktop.x11 import X11Connection
    except ImportError:
        return True
    try:
        connection = X11Connection(display_name)
    except Exception as problem:  # python-xlib's DisplayError and kin, OSError, OverflowError...
        raise TrayUnavailable(f"cannot open the display {display_name} ({problem})") from None
    try:
        owner = connection.selection_owner(f"_NET_SYSTEM_TRAY_S{connection.screen}")
    except Exception as problem:  # the server dropped us, or answered nonsense
        raise TrayUnavailable(f"cannot ask the display {display_name} ({problem})") from None
    finally:
        connection.close()
    return owner != 0  # X.NONE
