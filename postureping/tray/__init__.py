"""The tray icon: a menu with the daemon's live state and its commands.

`menu.py` builds a backend-neutral menu from a `Status` (pure); `icon.py` draws the icon images
(pure, Pillow); `pystray_tray.py` shows both with pystray and turns menu picks into calls on the
`Controller`. Only `pystray_tray.py` touches the desktop, and it imports pystray lazily, so the
daemon runs without a tray when there is no display, no tray host or no pystray.
"""
