"""The guided routine: a small window (or a terminal view) that walks through a routine's steps
with a countdown, and records `done` (source "guide") at the end.

It runs in a process of its own, `postureping guide ROUTINE`, which the daemon starts from a
notification's Start button, the tray, or a routine set to `guide = "auto"` (launch.py); the
daemon never imports a toolkit.

    session.py    the pure flow: steps, reading time, countdown, pause, "other side", outcome
    theme.py      the colours and fonts, and whether the desktop asks for a dark theme
    sound.py      the short sound at each step change (the desktop's sound server, or the bell)
    window.py     the tkinter window (X11, XWayland, macOS, Windows)
    terminal.py   the same flow on a terminal (rich's live display), where no window can open
    record.py     the answer: through the daemon's control channel, or into the history
    launch.py     how the daemon and the tray start the guide process
"""
