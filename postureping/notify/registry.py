"""Which notifier shows reminders, by the name used in the settings file.

To add a backend: write a class with `name` and `send` (postureping.notify.base.Notifier) in
its own module under postureping/notify/, add it to BACKENDS and CHOICES (and to the Literal of
`notifications.backend` in postureping.settings.model), and decide where `choose` puts it.

"freedesktop" (postureping.notify.freedesktop, jeepney, no plyer) sends Done / Snooze / Skip
buttons and reports which one was pressed. "auto" prefers it on Linux when the daemon wants
answers (`on_action`) and the server's GetCapabilities lists `actions` (dunst, GNOME, KDE do);
otherwise plyer. The console is the fallback in every case. The freedesktop module is imported
only when chosen: jeepney is a Linux-only dependency.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from postureping.daemon.controller import Answer, PainPicked
from postureping.errors import UserError
from postureping.notify.base import Notifier
from postureping.notify.console import ConsoleNotifier
from postureping.notify.plyer_backend import PlyerNotifier

OnAction = Callable[[str, Answer | PainPicked], None]

# "auto" asks the server for its capabilities at start-up; an absent bus answers at once.
AUTO_PROBE_TIMEOUT = 2.0


def _freedesktop(on_action: OnAction | None = None) -> Notifier:
    try:
        from postureping.notify.freedesktop import FreedesktopNotifier  # noqa: PLC0415
    except ImportError as error:
        raise UserError(
            f"the freedesktop notification backend needs jeepney ({error}); "
            'install it, or set notifications.backend = "auto"'
        ) from error
    return FreedesktopNotifier(on_action)


def _server_has_actions() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        from postureping.notify.freedesktop import FreedesktopNotifier  # noqa: PLC0415
    except ImportError:
        return False
    return FreedesktopNotifier.supports_actions(AUTO_PROBE_TIMEOUT)


BACKENDS: dict[str, Callable[[], Notifier]] = {
    "freedesktop": _freedesktop,
    "plyer": PlyerNotifier,
    "console": ConsoleNotifier,
}

CHOICES = ("auto", "freedesktop", "plyer", "console")


def choose(
    backend: str, stream: TextIO | None = None, *, on_action: OnAction | None = None
) -> tuple[Notifier, Notifier | None]:
    """The primary notifier for the `notifications.backend` setting and its fallback.

    Every desktop choice falls back to the terminal (`stream`, default sys.stdout): the
    daemon keeps running, and no reminder is lost, when no notification server is there.
    `on_action(key, answer)` receives the buttons pressed on freedesktop notifications (`key`
    is the Reminder's; see postureping.notify.freedesktop for the thread it runs on). For
    "auto" this asks the session bus (up to AUTO_PROBE_TIMEOUT seconds) only when `on_action`
    is given.
    """
    console = ConsoleNotifier(stream)
    if backend == "console":
        return console, None
    if backend == "freedesktop" or (
        backend == "auto" and on_action is not None and _server_has_actions()
    ):
        return _freedesktop(on_action), console
    if backend in ("auto", "plyer"):
        return BACKENDS["plyer"](), console
    raise ValueError(f"unknown notification backend {backend!r}; choose one of {CHOICES}")
