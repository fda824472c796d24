"""Which notifier shows reminders, by the name used in the settings file.

BACKENDS is the dispatch table: each name the `notifications.backend` setting accepts (the
settings model takes its allowed values from here, CHOICES) and how to make its notifier and
fallback. To add a backend: write a class with `name` and `send`
(postureping.notify.base.Notifier) in its own module under postureping/notify/ and add one
entry to BACKENDS; import its module inside the entry's function when it needs a library
that is not everywhere.

"freedesktop" (postureping.notify.freedesktop, jeepney, no plyer) sends Done / Snooze / Skip
buttons and reports which one was pressed. "auto" chooses it on Linux whenever a notification
server answers on the session bus: with buttons where the server's GetCapabilities lists
`actions` (dunst, mako, GNOME, KDE do), without them where it does not (notify-osd), so one
D-Bus stack shows every reminder. plyer is left for macOS, Windows, and a Linux session with
no notification server on its bus. The console is the fallback in every case. The freedesktop
module is imported only when chosen: jeepney is a Linux-only dependency.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from postureping.controller import Answer, PainPicked
from postureping.errors import UserError
from postureping.notify.base import Notifier
from postureping.notify.console import ConsoleNotifier
from postureping.notify.plyer_backend import PlyerNotifier

OnAction = Callable[[str, Answer | PainPicked], None]
OnGuide = Callable[[str], None]

# "auto" asks the server for its capabilities at start-up; an absent bus answers at once.
AUTO_PROBE_TIMEOUT = 2.0


def _freedesktop(on_action: OnAction | None = None, on_guide: OnGuide | None = None) -> Notifier:
    try:
        from postureping.notify.freedesktop import FreedesktopNotifier
    except ImportError as error:
        raise UserError(
            f"the freedesktop notification backend needs jeepney ({error}); "
            'install it, or set notifications.backend = "auto"'
        ) from error
    return FreedesktopNotifier(on_action, on_guide=on_guide)


def _server_on_bus() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        from postureping.notify.freedesktop import FreedesktopNotifier
    except ImportError:
        return False
    return FreedesktopNotifier.server_present(AUTO_PROBE_TIMEOUT)


# The notifier for a setting and its fallback, from the console notifier (the fallback of
# every desktop choice) and the daemon's handlers of the buttons pressed (an answer, Start),
# if any.
Pick = Callable[
    [ConsoleNotifier, OnAction | None, OnGuide | None], tuple[Notifier, Notifier | None]
]


def _auto(
    console: ConsoleNotifier, on_action: OnAction | None, on_guide: OnGuide | None
) -> tuple[Notifier, Notifier]:
    if _server_on_bus():
        return _freedesktop(on_action, on_guide), console
    return PlyerNotifier(), console


BACKENDS: dict[str, Pick] = {
    "auto": _auto,
    "freedesktop": lambda console, on_action, on_guide: (
        _freedesktop(on_action, on_guide),
        console,
    ),
    "plyer": lambda console, _action, _guide: (PlyerNotifier(), console),
    "console": lambda console, _action, _guide: (console, None),
}
CHOICES = tuple(BACKENDS)


def choose(
    backend: str,
    stream: TextIO | None = None,
    *,
    on_action: OnAction | None = None,
    on_guide: OnGuide | None = None,
) -> tuple[Notifier, Notifier | None]:
    """The primary notifier for the `notifications.backend` setting and its fallback.

    Every desktop choice falls back to the terminal (`stream`, default sys.stdout): the
    daemon keeps running, and no reminder is lost, when no notification server is there.
    `on_action(key, answer)` receives the buttons pressed on freedesktop notifications (`key`
    is the Reminder's; see postureping.notify.freedesktop for the thread it runs on). For
    "auto" on Linux this asks the session bus (up to AUTO_PROBE_TIMEOUT seconds) whether a
    notification server is there. `on_guide(routine_id)`: the Start button of a reminder with
    steps.
    """
    pick = BACKENDS.get(backend)
    if pick is None:
        raise ValueError(f"unknown notification backend {backend!r}; choose one of {CHOICES}")
    return pick(ConsoleNotifier(stream), on_action, on_guide)
