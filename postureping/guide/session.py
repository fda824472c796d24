"""The guided routine's flow, as a pure state machine: no toolkit, no clock, no files.

Time is a number of seconds on any monotonic clock, passed in by the view (`now`). Each step
is shown for READ_SECONDS to be read, then counts down its own `seconds`; a step that is done
on each side says "other side" halfway. A step without `seconds` (a checklist item) waits for
Next. The last step's end finishes the routine (outcome DONE). Done and Skip end it at any
time with that outcome; closing the view ends it with none (nothing is recorded).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from postureping.routines import Step

READ_SECONDS = 3.0  # to read a step before its countdown starts
OTHER_SIDE = "Other side"


class Outcome(StrEnum):
    DONE = "done"
    SKIP = "skip"


class Cue(StrEnum):
    """A moment the view may mark with a sound."""

    STEP = "step"  # a new step is shown
    GO = "go"  # the reading time is over: the countdown starts
    SIDE = "side"  # halfway through a step done on each side
    FINISHED = "finished"


@dataclass(frozen=True)
class View:
    """What the window or the terminal shows now."""

    title: str
    text: str  # the current step
    number: int  # 1-based
    count: int
    reading: bool  # in the time to read, before the countdown
    seconds_left: int | None  # of the reading time or the countdown; None: an untimed step
    progress: float  # of the whole routine, 0 to 1
    cue: str  # "Other side", "Get ready", "Paused", "Well done" or ""
    paused: bool
    finished: bool
    outcome: Outcome | None


def _ceil(seconds: float) -> int:
    return max(0, -int(-seconds // 1))


class GuideSession:
    """One walk through `steps`. Not thread-safe: the view's one thread calls it."""

    def __init__(
        self, title: str, steps: tuple[Step, ...], now: float, read_seconds: float = READ_SECONDS
    ) -> None:
        if not steps:
            raise ValueError("a guided routine needs at least one step")
        self.title = title
        self.steps = steps
        self.read_seconds = read_seconds
        self.index = 0
        self.outcome: Outcome | None = None
        self.finished = False
        self._banked = 0.0  # seconds spent in this step before the last resume
        self._since: float | None = now  # running since; None while paused
        self._sided = False  # "other side" was cued in this step
        self._counting = False  # the countdown of this step has started (its reading is over)

    # -- time -----------------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self._since is None and not self.finished

    def _elapsed(self, now: float) -> float:
        return self._banked + (now - self._since if self._since is not None else 0.0)

    def _step_length(self) -> float | None:
        seconds = self.steps[self.index].seconds
        return None if seconds is None else self.read_seconds + seconds

    def tick(self, now: float) -> list[Cue]:
        """Move on as time passed (several steps at once after a long stall); what happened."""
        cues: list[Cue] = []
        while not self.finished and self._since is not None:
            step = self.steps[self.index]
            length = self._step_length()
            if step.seconds is None or length is None:
                break  # a checklist item waits for Next
            elapsed = self._elapsed(now)
            if not self._counting and elapsed >= self.read_seconds:
                self._counting = True
                cues.append(Cue.GO)
            halfway = self.read_seconds + step.seconds / 2
            if step.per_side and not self._sided and elapsed >= halfway:
                self._sided = True
                cues.append(Cue.SIDE)
            if elapsed < length:
                break
            # The step is over: the next one starts where this one ended.
            cues += self._advance(now, elapsed - length)
        return cues

    def _advance(self, now: float, carry: float = 0.0) -> list[Cue]:
        if self.index + 1 >= len(self.steps):
            self.finish(Outcome.DONE)
            return [Cue.FINISHED]
        self.index += 1
        self._banked = carry
        self._since = now if self._since is not None else None
        self._sided = False
        self._counting = False
        return [Cue.STEP]

    # -- the user's requests --------------------------------------------------------------

    def toggle_pause(self, now: float) -> None:
        if self.finished:
            return
        if self._since is None:
            self._since = now
        else:
            self._banked = self._elapsed(now)
            self._since = None

    def next(self, now: float) -> list[Cue]:
        """On to the next step now (after the last: finished, outcome DONE)."""
        if self.finished:
            return []
        return self._advance(now)  # paused, it stays paused

    def finish(self, outcome: Outcome) -> None:
        """End with `outcome` (Done or Skip picked, or the last step over)."""
        if self.finished:
            return
        self.finished = True
        self.outcome = outcome
        self._since = None

    # -- what to show -----------------------------------------------------------------------

    def view(self, now: float) -> View:
        step = self.steps[self.index]
        count = len(self.steps)
        elapsed = self._elapsed(now)
        fraction = 0.0
        left: int | None = None
        reading = False
        cue = ""
        if step.seconds is not None:
            reading = elapsed < self.read_seconds
            if reading:
                left = _ceil(self.read_seconds - elapsed)
                cue = "Get ready"
            else:
                running = elapsed - self.read_seconds
                left = _ceil(step.seconds - running)
                fraction = min(1.0, running / step.seconds)
                if step.per_side and running >= step.seconds / 2:
                    cue = OTHER_SIDE
        if self.finished:
            fraction, left, reading = 1.0, None, False
            cue = "Well done" if self.outcome is Outcome.DONE else "Skipped"
            done_steps = count
        else:
            done_steps = self.index
            if self.paused:
                cue = "Paused"
        progress = 1.0 if self.finished else (done_steps + fraction) / count
        return View(
            title=self.title,
            text=step.text,
            number=self.index + 1,
            count=count,
            reading=reading,
            seconds_left=left,
            progress=progress,
            cue=cue,
            paused=self.paused,
            finished=self.finished,
            outcome=self.outcome,
        )

    def next_change(self, now: float) -> float | None:
        """When the view next changes by itself (the next whole second of the countdown);
        None while nothing runs."""
        if self.finished or self._since is None or self._step_length() is None:
            return None
        elapsed = self._elapsed(now)
        return now + (1.0 - (elapsed % 1.0) or 1.0)
