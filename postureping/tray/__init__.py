"""The tray icon: a menu with the daemon's live state and its commands.

- `menu.py` builds a backend-neutral menu from a `Status` (pure); `core.py` keeps the view
  fresh and turns menu picks into calls on the `Controller`.
- Three backends show it, and `choose.py` picks one (without a display, a tray host or the
  libraries, the daemon runs without a tray):
  - `sni.py` serves a StatusNotifierItem and its dbusmenu on the session bus, no toolkit
    (`dbusmenu.py` converts the menu, purely; `sni_spec.py` holds the interface's names;
    `sni_host.py` asks whether a host is there);
  - `gtk_tray.py`, GTK's StatusIcon through PyGObject, for XEMBED trays (`xembed.py` asks
    whether one runs);
  - `pystray_tray.py`, pystray, for macOS, Windows, and an XEMBED tray without PyGObject
    (an icon without a menu).
- `icon.py` draws the icon images (Pillow, at build time, `python -m postureping.tray.icon`)
  into `pixmaps.bin` and `postureping.png`; `pixmaps.py` reads them at run time.
"""
