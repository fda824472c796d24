"""The tray icon: a menu with the daemon's live state and its commands.

`menu.py` builds a backend-neutral menu from a `Status` (pure); `icon.py` draws the icon images
(pure, Pillow); `core.py` keeps the view fresh and turns menu picks into calls on the
`Controller`. Two backends show it: `sni.py` serves a StatusNotifierItem and its dbusmenu on
the session bus (no toolkit; `dbusmenu.py` converts the menu, purely), and `pystray_tray.py`
shows it with pystray (XEMBED trays, macOS, Windows), importing pystray lazily. `choose.py`
picks one; without a display, a tray host or pystray, the daemon runs without a tray.
"""
