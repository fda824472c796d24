"""Idle-time monitors: how long ago the user last touched the keyboard or the mouse.

`base.py` holds the contract (`IdleMonitor`, `IdleUnavailable`) and its threading rules;
`registry.py` lists the monitors by name and picks the first that works here; `units.py` tells
which unit a screen saver server counts its idle time in. Each desktop has its own module:
`gnome.py` (Mutter's IdleMonitor over D-Bus), `wayland.py` (ext-idle-notify-v1 or
org_kde_kwin_idle, over postureping.desktop.wayland), `screensaver.py`
(org.freedesktop.ScreenSaver, as KDE serves it), `x11.py` (the MIT-SCREEN-SAVER extension),
`macos.py` (CoreGraphics) and `windows.py` (GetLastInputInfo). The registry imports each one
only when it tries it, so jeepney and python-xlib are needed on Linux only.

To add a monitor: a class with `name`, `idle_time()` and `close()` in its own module, whose
constructor takes the environment and fails fast; a factory for it in registry.MONITORS; and
its name in `monitor_names` for the platforms where it can work.
"""
