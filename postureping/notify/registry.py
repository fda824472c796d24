"""Which notifier shows reminders, by the name used in the settings file.

To add a backend: write a class with `name` and `send` (postureping.notify.base.Notifier) in
its own module under postureping/notify/, add it to BACKENDS and CHOICES (and to the Literal of
`notifications.backend` in postureping.settings), and decide where `choose` puts it.

Planned: a native "freedesktop" backend (jeepney, no plyer) that sends Done / Snooze / Skip
action buttons and reports which one was pressed. It will be registered here as
`"freedesktop": FreedesktopNotifier`, and "auto" will prefer it over plyer when the server's
GetCapabilities lists `actions` (dunst, GNOME, KDE do), keeping plyer for other platforms and
servers, and the console as the fallback in every case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from postureping.notify.base import Notifier
from postureping.notify.console import ConsoleNotifier
from postureping.notify.plyer_backend import PlyerNotifier

BACKENDS: dict[str, Callable[[], Notifier]] = {
    "plyer": PlyerNotifier,
    "console": ConsoleNotifier,
}

CHOICES = ("auto", "plyer", "console")


def choose(backend: str, stream: TextIO | None = None) -> tuple[Notifier, Notifier | None]:
    """The primary notifier for the `notifications.backend` setting and its fallback.

    Every desktop choice falls back to the terminal (`stream`, default sys.stdout): the
    daemon keeps running, and no reminder is lost, when no notification server is there.
    """
    console = ConsoleNotifier(stream)
    if backend == "console":
        return console, None
    if backend in ("auto", "plyer"):
        # "auto" is plyer until the freedesktop backend exists (see the module docstring).
        return BACKENDS["plyer"](), console
    raise ValueError(f"unknown notification backend {backend!r}; choose one of {CHOICES}")
