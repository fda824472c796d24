"""The guided routine's window, in tkinter (it ships with Python on Windows and macOS; Debian
and Ubuntu have it as python3-tk). X11, and Wayland through XWayland.

Keys: Space pauses and goes on, Enter is Done, Esc closes (nothing recorded), N is Next, S is
Skip.
The buttons take no keyboard focus, so Space never presses one of them by accident.
"""

from __future__ import annotations

import time
import tkinter as tk
from collections.abc import Callable

from postureping.guide import theme
from postureping.guide.session import OTHER_SIDE, Cue, GuideSession, Outcome, View
from postureping.guide.sound import Player

FRAME_MS = 100  # how often the countdown is looked at
FINISH_MS = 1500  # "Well done" stays this long before the window closes
WIDTH, HEIGHT = 720, 460
FONT = "Helvetica"  # Tk's own name for the platform's sans-serif font
CLASS_NAME = "Postureping"  # WM_CLASS: window rules can find the guide by it


class WindowUnavailable(Exception):
    """No window can open here (no display, no Tk)."""


class GuideWindow:
    def __init__(
        self,
        session: GuideSession,
        palette: theme.Palette,
        *,
        sound: Player | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Raises WindowUnavailable when Tk cannot open a window (no display)."""
        self._session = session
        self._clock = clock
        self._sound = sound
        self._colours = palette
        self._closed = False
        try:
            self._root = tk.Tk(className=CLASS_NAME)
        except tk.TclError as error:
            raise WindowUnavailable(str(error)) from error
        self._build()

    def _build(self) -> None:
        root, colours = self._root, self._colours
        root.title(f"{self._session.title} \N{EM DASH} postureping")
        x = max(0, (root.winfo_screenwidth() - WIDTH) // 2)
        y = max(0, (root.winfo_screenheight() - HEIGHT) // 3)
        root.geometry(f"{WIDTH}x{HEIGHT}+{x}+{y}")
        root.minsize(480, 360)
        root.configure(background=colours.background, padx=24, pady=16)
        root.protocol("WM_DELETE_WINDOW", self.close)

        def label(size: int, colour: str, weight: str = "normal") -> tk.Label:
            return tk.Label(
                root, font=(FONT, size, weight), fg=colour, bg=colours.background,
                justify="center", wraplength=WIDTH - 64,
            )  # fmt: skip

        self._title = label(theme.TITLE_SIZE, colours.muted)
        self._count = label(theme.SMALL_SIZE, colours.muted)
        self._text = label(theme.STEP_SIZE, colours.ink, "bold")
        self._timer = label(theme.COUNTDOWN_SIZE, colours.accent, "bold")
        self._cue = label(theme.TITLE_SIZE, colours.cue, "bold")
        self._bar = tk.Canvas(
            root, height=14, background=colours.trough, highlightthickness=0, borderwidth=0
        )
        buttons = tk.Frame(root, background=colours.background)
        self._buttons: dict[str, tk.Button] = {}
        for name, command in (
            ("Next", self.next),
            ("Pause", self.toggle_pause),
            ("Skip", self.skip),
            ("Done", self.done),
        ):
            button = tk.Button(
                buttons, text=name, command=command, takefocus=0, width=8,
                font=(FONT, theme.SMALL_SIZE), bg=colours.button, fg=colours.button_ink,
                activebackground=colours.trough, activeforeground=colours.ink,
                highlightthickness=0, relief="flat", padx=8, pady=6,
            )  # fmt: skip
            button.pack(side="left", padx=6)
            self._buttons[name] = button
        self._title.pack(fill="x")
        self._count.pack(fill="x")
        self._text.pack(fill="both", expand=True, pady=(8, 0))
        self._timer.pack(fill="x")
        self._cue.pack(fill="x")
        self._bar.pack(fill="x", pady=(8, 12))
        buttons.pack()
        for key, action in (
            ("<space>", self.toggle_pause),
            ("<Return>", self.done),
            ("<KP_Enter>", self.done),
            ("<Escape>", self.close),
            ("<n>", self.next),
            ("<s>", self.skip),
        ):
            root.bind_all(key, _key(action))

    # -- the loop -------------------------------------------------------------------------

    def run(self) -> Outcome | None:
        """Show the window until the routine ends or it is closed; the outcome (None: closed
        early, nothing to record)."""
        self._root.lift()
        self._root.focus_force()
        self._frame()
        self._root.mainloop()
        return self._session.outcome

    def _frame(self) -> None:
        if self._session.finished:
            return  # a button ended it, and arranged the closing
        cues = self._session.tick(self._clock())
        self._play(cues)
        self._show(self._session.view(self._clock()))
        if self._session.finished:
            self._root.after(FINISH_MS, self.close)
        else:
            self._root.after(FRAME_MS, self._frame)

    def _play(self, cues: list[Cue]) -> None:
        if self._sound is not None:
            for cue in cues[-1:]:  # one sound, however many steps a stall went past
                self._sound(cue)

    def _show(self, view: View) -> None:
        self._title.configure(text=view.title)
        self._count.configure(text=f"Step {view.number} of {view.count}")
        self._text.configure(text=view.text)
        if view.finished:
            self._timer.configure(text="\N{CHECK MARK}" if view.outcome is Outcome.DONE else "")
        elif view.seconds_left is None:
            self._timer.configure(text="\N{EM DASH}")
        else:
            self._timer.configure(text=f"{view.seconds_left}")
        if view.reading and not view.paused:
            self._timer.configure(fg=self._colours.muted)
        else:
            self._timer.configure(fg=self._colours.accent)
        strong = view.paused or view.cue == OTHER_SIDE  # to be seen: in the warm colour
        self._cue.configure(text=view.cue, fg=self._colours.cue if strong else self._colours.muted)
        self._buttons["Pause"].configure(text="Go on" if view.paused else "Pause")
        width = max(1, self._bar.winfo_width())
        self._bar.delete("all")
        self._bar.create_rectangle(
            0, 0, round(width * view.progress), 14, fill=self._colours.accent, width=0
        )

    # -- the buttons and keys ---------------------------------------------------------------

    def _after_request(self, cues: list[Cue] | None = None) -> None:
        self._play(cues or [])
        if self._session.finished:
            self._show(self._session.view(self._clock()))
            linger = FINISH_MS if self._session.outcome is Outcome.DONE else 0
            self._root.after(linger, self.close)
        else:
            self._show(self._session.view(self._clock()))

    def next(self) -> None:
        if not self._session.finished:
            self._after_request(self._session.next(self._clock()))

    def toggle_pause(self) -> None:
        if not self._session.finished:
            self._session.toggle_pause(self._clock())
            self._after_request()

    def done(self) -> None:
        if not self._session.finished:
            self._session.finish(Outcome.DONE)
            self._after_request([Cue.FINISHED])

    def skip(self) -> None:
        if not self._session.finished:
            self._session.finish(Outcome.SKIP)
            self._after_request()

    def close(self) -> None:
        """Esc or the window's close button: ends with whatever outcome there is (none while
        the routine runs)."""
        if not self._closed:
            self._closed = True
            self._root.destroy()

    def bell(self) -> None:
        self._root.bell()

    def set_sound(self, sound: Player | None) -> None:
        """What plays the cues (None: silence)."""
        self._sound = sound


def _key(action: Callable[[], None]) -> Callable[[tk.Event[tk.Misc]], str]:
    """A key binding that runs `action` and stops there (no class binding runs after it)."""

    def handler(_event: tk.Event[tk.Misc]) -> str:
        action()
        return "break"

    return handler
