"""The guided routine on a terminal, where no window can open (no display, no Tk): the same
flow with rich's live display. Keys: space pauses and goes on, enter is Done, n is Next, s is
Skip, esc or q closes (nothing recorded)."""

from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.text import Text

from postureping.guide.keys import KeyReader
from postureping.guide.session import Cue, GuideSession, Outcome, View
from postureping.guide.sound import Player

FRAME = 0.1  # seconds between looks at the countdown
FINISH = 1.5  # "Well done" stays this long
ACCENT = "#208c80"  # the tray icon's teal (postureping.guide.theme)
CUE = "#ef6c00"
HELP = " \N{MIDDLE DOT} ".join(("space pause", "enter done", "n next", "s skip", "esc/q close"))


def render(view: View) -> RenderableType:
    """The panel for `view`."""
    if view.finished:
        timer = "\N{CHECK MARK}" if view.outcome is Outcome.DONE else ""
    elif view.seconds_left is None:
        timer = "\N{EM DASH}"
    else:
        timer = f"{view.seconds_left} s"
    style = "dim" if view.reading else f"bold {ACCENT}"
    body = Group(
        Text(f"Step {view.number} of {view.count}", style="dim", justify="center"),
        Text(""),
        Text(view.text, style="bold", justify="center"),
        Text(""),
        Text(timer, style=style, justify="center"),
        Text(view.cue, style=f"bold {CUE}", justify="center"),
        ProgressBar(total=1.0, completed=view.progress, complete_style=ACCENT),
        Text(""),
        Text(HELP, style="dim", justify="center"),
    )
    return Panel(body, title=view.title, border_style=ACCENT, padding=(1, 2))


class TerminalGuide:
    def __init__(
        self,
        session: GuideSession,
        console: Console | None = None,
        *,
        sound: Player | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._session = session
        self._console = console or Console()
        self._sound = sound
        self._clock = clock

    def run(self) -> Outcome | None:
        """Until the routine ends or the user closes it; the outcome (None: closed early)."""
        from rich.live import Live  # noqa: PLC0415

        session = self._session
        with (
            KeyReader() as keys,
            Live(
                render(session.view(self._clock())), console=self._console, auto_refresh=False
            ) as live,
        ):
            while not session.finished:
                key = keys.read(FRAME)
                now = self._clock()
                if key in ("esc", "q", "eof"):
                    return None
                cues = self._press(key, now) + session.tick(now)
                if self._sound is not None and cues:
                    self._sound(cues[-1])
                live.update(render(session.view(now)), refresh=True)
            if session.outcome is Outcome.DONE:
                time.sleep(FINISH)
        return session.outcome

    def _press(self, key: str | None, now: float) -> list[Cue]:
        session = self._session
        match key:
            case "space":
                session.toggle_pause(now)
            case "enter":
                session.finish(Outcome.DONE)
                return [Cue.FINISHED]
            case "n":
                return session.next(now)
            case "s":
                session.finish(Outcome.SKIP)
        return []

    def bell(self) -> None:
        self._console.bell()

    def set_sound(self, sound: Player | None) -> None:
        """What plays the cues (None: silence)."""
        self._sound = sound
