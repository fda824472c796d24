"""Whole days with the reminder engine: a scripted person at a simulated desktop, and the rules
of postureping.engine checked after every event.

`Day` runs the engine the way the daemon's adapters do (tick at `next_wake`, look at the
desktop first when `wants_look` asks), on a simulated clock: no threads, no sleeping, so a day
takes milliseconds. The person is a script of `Episode`s (a break, a meeting in a fullscreen
window, do-not-disturb, a suspend, a clock jump) and of answers to the reminders they see.

Two clocks: `mono` is the time that really passes (it never jumps; a suspend passes it too),
`now` is the wall clock the engine is told, which a clock jump moves. The person's idle time
and every "within N seconds" rule are measured on `mono`.

`Rules` is the oracle: it sees every action with the state before and after, and raises
AssertionError naming the rule and the moment a rule is broken.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from postureping.controller import Answer, Status
from postureping.engine.actions import Action, Log, Record, SavePause, Show, Withdraw
from postureping.engine.clockwork import GROUP_WINDOW
from postureping.engine.config import EngineConfig
from postureping.engine.engine import Engine
from postureping.engine.inputs import (
    Answered,
    AnsweredShown,
    ClockChanged,
    Input,
    Look,
    Paused,
    Reloaded,
    Resumed,
    ScreenLock,
    Slept,
    Start,
    Tick,
    Triggered,
)
from postureping.history.events import Kind
from postureping.presence import MIN_CHECK
from postureping.routines import Every
from postureping.schedule import may_fire
from postureping.timescale import Timescale

S = timedelta(seconds=1)
M = timedelta(minutes=1)
H = timedelta(hours=1)
MAX_WAKES_PER_HOUR = 400  # a spinning engine shows here


@dataclass(frozen=True)
class Episode:
    """Something the person or the computer does, `at` after the day's start (mono time)."""

    at: timedelta
    # "away", "lock" (away with the screen locked), "meeting", "dnd", "suspend", "jump" (the
    # clock set), "pause" (until resumed), "pause-until", "trigger", "reload" (the routine's
    # interval set to `length`), and the person's own "done", "skip" and "snooze" (for
    # `length`) of the routine, unprompted.
    kind: str
    length: timedelta = timedelta(0)  # how long (a jump: how far, back when negative)
    routine: str = ""  # for "trigger"


@dataclass(frozen=True)
class Reaction:
    """How the person answers a reminder they see: after `delay`, with `answer` (None:
    not at all), through a button (`button`) or the CLI."""

    delay: timedelta
    answer: Answer | None
    button: bool = True
    snooze: timedelta = 10 * M


@dataclass
class Person:
    arrive: timedelta  # after the day's start
    leave: timedelta
    episodes: list[Episode] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)  # used in turn, then cycled
    _reaction: itertools.count[int] = field(default_factory=itertools.count)

    def next_reaction(self) -> Reaction | None:
        if not self.reactions:
            return None
        return self.reactions[next(self._reaction) % len(self.reactions)]


@dataclass(order=True)
class _Due:
    mono: timedelta
    order: int
    what: str = field(compare=False)
    data: object = field(compare=False, default=None)


class Day:
    """The engine over one simulated day. `start` is the wall time at mono 0."""

    def __init__(
        self,
        config: EngineConfig,
        person: Person,
        start: datetime,
        *,
        timescale: Timescale | None = None,
    ) -> None:
        self.config = config
        self.person = person
        self.start = start
        self.engine = Engine(config, timescale) if timescale else Engine(config)
        self.timescale = timescale
        # "Within a minute" is schedule time: a second in demo mode.
        self.speed = timescale.speed if timescale else 1.0
        self.window = GROUP_WINDOW / self.speed
        self.mono = timedelta(0)
        self.shift = timedelta(0)  # the sum of the clock jumps so far
        self.last_input = -12 * H  # mono: nobody since last night
        self.present = False
        self.holds: dict[str, str] = {}  # kind -> reason
        self.asleep = False
        self.locked = False
        self.paused_until: datetime | None = None  # wall time; the far future: until resumed
        self.forgot_at = timedelta(0)  # a suspend or a jump makes the engine forget presence
        self.log: list[tuple[timedelta, datetime, Action]] = []
        self.rules = Rules(self)
        self.wakes = 0
        self._queue: list[_Due] = []
        self._order = itertools.count()

    # -- the clocks -------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        return self.start + self.mono + self.shift

    def at_mono(self, mono: timedelta) -> datetime:
        return self.start + mono + self.shift

    def idle(self) -> timedelta:
        if self.present:
            return timedelta(0)
        return self.mono - self.last_input

    @property
    def paused(self) -> bool:
        return self.paused_until is not None and self.now < self.paused_until

    def hold(self) -> str | None:
        return next(iter(self.holds.values()), None)

    # -- running ----------------------------------------------------------------------------------

    def run(self, until: timedelta = 24 * H, *, begin: timedelta = timedelta(0)) -> Day:
        """Start the engine `begin` after the day's start and run it until `until`."""
        self.mono = begin
        try:
            return self._run(until)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.trace()}") from None

    def trace(self, last: int = 40) -> str:
        """The latest actions, one a line, for a failure's message."""
        lines = []
        for _, wall, action in self.log[-last:]:
            match action:
                case Show(reminder):
                    what = f"show {reminder.key} {reminder.routine_ids} {reminder.title[:30]!r}"
                case Record(event):
                    what = f"record {event.routine} {event.kind} ({event.source})"
                case Log(text):
                    what = f"log {text}"
                case _:
                    what = str(action)
            lines.append(f"  {wall.astimezone(self.start.tzinfo):%H:%M:%S} {what}")
        return "\n".join(lines)

    def _run(self, until: timedelta) -> Day:
        self.feed(Start(self.now))
        self._plan(self.person.arrive, "arrive")
        self._plan(self.person.leave, "leave")
        for episode in self.person.episodes:
            self._plan(episode.at, "episode", episode)
        while True:
            wake = self.engine.next_wake(self.now)
            wake_mono = None if wake is None else self.mono + max(wake - self.now, timedelta(0))
            planned = self._queue[0].mono if self._queue else None
            candidates = [t for t in (wake_mono, planned) if t is not None and t <= until]
            if not candidates:
                break
            step = min(candidates)
            assert step >= self.mono, f"time went back at {self.now}"
            self.mono = step
            if planned is not None and planned <= step:
                due = heapq.heappop(self._queue)
                self._do(due)
            else:
                self.wake()
            self.rules.after_step()
        self.mono = until
        return self

    def wake(self) -> None:
        """What the daemon does when its timer fires: look if asked, then tick."""
        self.wakes += 1
        hour = max(self.mono / H, 1.0)
        assert self.wakes <= MAX_WAKES_PER_HOUR * hour, f"the engine spins at {self.now}"
        now = self.now
        if self.engine.wants_look(now):
            holds = self.engine.wants_holds(now)
            self.feed(Look(now, self.idle(), self.hold() if holds else None, holds))
        self.feed(Tick(now))
        wake = self.engine.next_wake(now)
        assert wake is None or wake > now, f"rule 4: next wake {wake} is not after {now}"

    def feed(self, event: Input) -> list[Action]:
        # The state before, for the rules that need it (a tick that may release what was
        # held, a look or a wake-up that may count a break).
        needed = isinstance(event, Tick | Look | Slept | ScreenLock)
        before = self.engine.status(self.now) if needed else None
        dues = self.engine.dues()
        actions = self.engine.handle(event)
        for action in actions:
            self.log.append((self.mono, self.now, action))
            if isinstance(action, SavePause) and not action.state.paused:
                # The pause is over: a clock set back later does not bring it back.
                self.paused_until = None
        self.rules.check(event, actions, before, dues)
        self.rules.check_snoozes(actions)
        for action in actions:
            if isinstance(action, Show) and not action.reminder.quiet:
                self._react(action)
        return actions

    def _plan(self, after: timedelta, what: str, data: object = None) -> None:
        heapq.heappush(self._queue, _Due(after, next(self._order), what, data))

    def _react(self, show: Show) -> None:
        reminder = show.reminder
        if not self.present or self.hold() is not None or reminder.title.startswith("Reminder:"):
            return
        reaction = self.person.next_reaction()
        if reaction is None or reaction.answer is None:
            return
        self._plan(self.mono + reaction.delay, "answer", (reminder.key, reaction))

    def _do(self, due: _Due) -> None:
        match due.what:
            case "arrive":
                self.present = True
                self.last_input = self.mono
            case "leave":
                self.present = False
                self.last_input = self.mono
            case "back":
                self.present = True
                self.last_input = self.mono
            case "unlock":
                self.locked = False
                self.present = True
                self.last_input = self.mono
                self.feed(ScreenLock(self.now, locked=False))
            case "end-hold":
                assert isinstance(due.data, str)
                self.holds.pop(due.data, None)
            case "episode":
                assert isinstance(due.data, Episode)
                self._episode(due.data)
            case "resume-machine":
                assert isinstance(due.data, timedelta)
                self._resume_machine(due.data)
            case "answer":
                assert isinstance(due.data, tuple)
                key, reaction = due.data
                assert isinstance(key, str) and isinstance(reaction, Reaction)
                self._answer(key, reaction)
            case "unpause":
                self.paused_until = None
                self.feed(Resumed(self.now))

    def _episode(self, episode: Episode) -> None:
        end = episode.at + episode.length
        match episode.kind:
            case "away" if self.present and not self.asleep:
                self.present = False
                self.last_input = self.mono
                self._plan(end, "back")
            case "lock" if self.present and not self.asleep and not self.locked:
                self.present = False
                self.locked = True
                self.last_input = self.mono
                self.feed(ScreenLock(self.now, locked=True))
                self._plan(end, "unlock")
            case "meeting":
                self.holds["meeting"] = "fullscreen window: zoom"
                self._plan(end, "end-hold", "meeting")
            case "dnd":
                self.holds["dnd"] = "do not disturb is on (GNOME)"
                self._plan(end, "end-hold", "dnd")
            case "suspend" if not self.asleep:
                self.asleep = True
                self._plan(end, "resume-machine", self.mono)
            case "jump" if not self.asleep:
                self.shift += episode.length
                self.forgot_at = self.mono
                self.rules.jumped()
                self.feed(ClockChanged(self.now, episode.length))
            case "pause" if not self.paused and not self.asleep:
                self.paused_until = datetime.max.replace(tzinfo=UTC)
                self.feed(Paused(self.now, None))
                self._plan(end, "unpause")
            case "trigger" if not self.asleep:
                self.rules.forced = self.mono
                self.feed(Triggered(self.now, episode.routine))
            case "pause-until" if not self.paused and not self.asleep:
                # Until a time of the wall clock: the engine resumes by itself then.
                self.paused_until = self.now + episode.length
                self.feed(Paused(self.now, self.paused_until))
            case "reload" if not self.asleep:
                routines = tuple(
                    replace(r, cadence=Every(episode.length))
                    if r.id == episode.routine and isinstance(r.cadence, Every)
                    else r
                    for r in self.config.routines
                )
                self.config = replace(self.config, routines=routines)
                self.feed(Reloaded(self.now, self.config))
            case "done" | "skip" | "snooze" if not self.asleep:
                answer = {"done": Answer.DONE, "skip": Answer.SKIP}.get(episode.kind, Answer.SNOOZE)
                snooze = episode.length if answer is Answer.SNOOZE else None
                self.feed(Answered(self.now, answer, (episode.routine,), "cli", snooze))

    def _resume_machine(self, since: timedelta) -> None:
        self.asleep = False
        self.present = True  # someone opened the lid
        self.last_input = self.mono
        self.forgot_at = self.mono
        length = self.mono - since
        self.feed(Slept(self.now, self.at_mono(since), length))
        self.wake()

    def _answer(self, key: str, reaction: Reaction) -> None:
        if self.asleep or reaction.answer is None:
            return
        snooze = reaction.snooze if reaction.answer is Answer.SNOOZE else None
        if reaction.button:
            self.feed(AnsweredShown(self.now, key, reaction.answer))
            return
        open_ids = [p.routine_id for p in self.engine.status(self.now).open]
        if not open_ids:
            return
        self.feed(Answered(self.now, reaction.answer, (open_ids[0],), "cli", snooze))

    # -- what happened ------------------------------------------------------------------------

    def shows(self) -> list[tuple[timedelta, datetime, Show]]:
        """(mono, wall time, action) of each Show."""
        return [(m, w, a) for m, w, a in self.log if isinstance(a, Show)]

    def records(self, kind: Kind | None = None) -> list[tuple[datetime, str, str, str]]:
        """(wall time, routine, kind, source) of each recorded event."""
        return [
            (a.event.ts, a.event.routine, str(a.event.kind), a.event.source)
            for _, _, a in self.log
            if isinstance(a, Record) and (kind is None or a.event.kind is kind)
        ]

    def reminders(self) -> list[tuple[datetime, tuple[str, ...]]]:
        """(wall time, routines) of each new reminder notification."""
        seen: set[str] = set()
        fresh = []
        for _, wall, show in self.shows():
            reminder = show.reminder
            if reminder.quiet or reminder.key in seen:
                continue
            seen.add(reminder.key)
            fresh.append((wall, reminder.routine_ids))
        return fresh


class Rules:
    """The engine's rules, checked after every event the day feeds it."""

    def __init__(self, day: Day) -> None:
        self.day = day
        self.keys: dict[str, tuple[timedelta, tuple[str, ...]]] = {}  # key -> last drawn
        self.withdrawn: set[str] = set()
        self.prompted: dict[str, timedelta] = {}  # routine -> mono of its open prompt
        self.shown: dict[str, tuple[timedelta, str]] = {}  # routine -> (mono, key) last shown
        self.last_fresh: timedelta | None = None
        self.forced: timedelta | None = None  # mono of the latest "remind me now"
        self.jump_at: timedelta | None = None

    def jumped(self) -> None:
        self.jump_at = self.day.mono

    def check(
        self,
        event: Input,
        actions: list[Action],
        before: Status | None,
        dues: dict[str, datetime | None],
    ) -> None:
        day = self.day
        mono, now = day.mono, day.now
        config = day.config
        forced = isinstance(event, Triggered)
        records = [a.event for a in actions if isinstance(a, Record)]
        prompted_now = {e.routine for e in records if e.kind is Kind.PROMPTED}
        drawn = [a.reminder.key for a in actions if isinstance(a, Show)]
        assert len(drawn) == len(set(drawn)), f"rule 1: a notification drawn twice at {now}"
        for action in actions:
            if isinstance(action, Withdraw):
                self.withdrawn.add(action.key)
                self.keys.pop(action.key, None)
                continue
            if not isinstance(action, Show) or action.reminder.quiet:
                continue
            reminder = action.reminder
            again = reminder.key in self.keys and reminder.title.startswith(
                ("Reminder:", "[demo] Reminder:")
            )
            fresh = reminder.key not in self.keys and reminder.key not in self.withdrawn
            update = not fresh and not again
            if reminder.redraw:
                # A redraw only brings a notification on screen up to date.
                last = self.keys.get(reminder.key)
                assert last is not None and mono - last[0] < config.notification_timeout, (
                    f"rule 1: {reminder.key} redrawn off screen at {now}"
                )
            assert update == reminder.redraw, f"rule 1: {reminder.key} redraw mixed up at {now}"
            if not update and not forced:
                # Rule 1 and 3: never while held, away or paused.
                assert day.hold() is None, f"rule 1: shown during {day.hold()} at {now}"
                assert not day.locked, f"rule 8: shown on a locked screen at {now}"
                if config.idle_monitor is not None:
                    # (after a suspend or a clock jump the engine learns the idle time afresh)
                    seen = min(day.idle(), mono - day.forgot_at)
                    assert seen < config.away_after, f"rule 1: shown to nobody at {now}"
                assert not day.paused, f"rule 3: shown while paused at {now}"
            if fresh and not forced:
                # Rule 2: no burst of notifications.
                if self.last_fresh is not None and self.forced != self.last_fresh:
                    assert mono - self.last_fresh >= day.window, (
                        f"rule 2: two reminders {mono - self.last_fresh} apart at {now}"
                    )
                self.last_fresh = mono
            if fresh and forced:
                self.last_fresh = mono
            if not update:
                for routine in reminder.routine_ids:
                    # Rules 1 and 3: a routine is not shown by two notifications in a minute
                    # (one notification's "remind again" may come sooner).
                    earlier = self.shown.get(routine)
                    if earlier is not None and earlier[1] != reminder.key and not forced:
                        assert self.forced == earlier[0] or mono - earlier[0] >= day.window, (
                            f"rule 1/3: {routine} shown twice within {mono - earlier[0]} at {now}"
                        )
                    self.shown[routine] = (mono, reminder.key)
            self.keys[reminder.key] = (mono, reminder.routine_ids)
        # At most one visible notification per routine.
        visible: dict[str, str] = {}
        for key, (drawn_at, on_screen) in self.keys.items():
            if mono - drawn_at >= config.notification_timeout:
                continue
            for routine in on_screen:
                assert routine not in visible, f"rule 1: {routine} on screen twice at {now}"
                visible[routine] = key
        self._check_records(records, prompted_now, before, dues)
        if before is not None:
            self._check_release(event, actions, before)

    def _check_records(
        self,
        records: list,  # type: ignore[type-arg]
        prompted_now: set[str],
        before: Status | None,
        dues: dict[str, datetime | None],
    ) -> None:
        day = self.day
        mono, now, config = day.mono, day.now, day.config
        open_before = {p.routine_id for p in before.open} if before is not None else set()
        breaks = ("idle", "sleep", "lock")
        credited = [e for e in records if e.kind is Kind.DONE and e.source in breaks]
        for event in records:
            if event.kind is Kind.MISSED and event.routine not in prompted_now:
                # Rule 6: a deadline reaches only its own prompt, answer_within after it.
                shown = self.prompted.get(event.routine)
                assert shown is not None, f"rule 6: {event.routine} missed, never shown"
                assert mono - shown >= config.answer_within / day.speed - S, (
                    f"rule 6: {event.routine} missed {mono - shown} after it was shown, at {now}"
                )
            if event.kind is Kind.PROMPTED:
                self.prompted[event.routine] = mono
            elif event.kind is not Kind.MISSED:
                self.prompted.pop(event.routine, None)
        for event in credited:
            # Rule 5: a break counts only for what is due, awaited, or half over.
            routine = next(r for r in config.routines if r.id == event.routine)
            due = dues.get(routine.id)
            half = (
                isinstance(routine.cadence, Every)
                and due is not None
                and due - now <= routine.cadence.interval / 2
            )
            assert routine.id in open_before or (due is not None and due <= now) or half, (
                f"rule 5: a break counted for {routine.id} (due {due}) at {now}"
            )

    def _check_release(self, event: Input, actions: list[Action], before: Status) -> None:
        """Rule 1: what was held is shown at the tick that sees the hold end."""
        day = self.day
        if not isinstance(event, Tick) or not before.held or before.paused:
            return
        if before.activity is None or before.activity.holding is not None:
            return  # still held
        if any(u.due > day.now for u in before.upcoming if u.routine_id in before.held):
            return  # the quiet time after a return goes on
        shown = {rid for a in actions if isinstance(a, Show) for rid in a.reminder.routine_ids}
        done = {a.event.routine for a in actions if isinstance(a, Record)}
        dropped = " ".join(a.text for a in actions if isinstance(a, Log))
        enabled = {r.id for r in day.config.enabled}
        for routine in before.held:
            assert (
                routine in shown
                or routine in done
                or routine not in enabled
                or f"{routine!r}" in dropped  # too late now, or outside its active hours
            ), f"rule 1: held {routine} not shown when the hold ended at {day.now}"

    def check_snoozes(self, actions: list[Action]) -> None:
        """Rule 10: a snooze never lands outside the routine's active hours."""
        day = self.day
        config = day.config
        snoozed = {
            a.event.routine
            for a in actions
            if isinstance(a, Record) and a.event.kind is Kind.SNOOZED
        }
        if not snoozed:
            return
        dues = day.engine.dues()
        for routine in config.routines:
            due = dues.get(routine.id)
            if routine.id not in snoozed or due is None:
                continue
            instant = day.timescale.to_schedule(due) if day.timescale else due
            assert may_fire(routine, config.hours, config.zone, instant), (
                f"rule 10: {routine.id} snoozed until {due}, outside its active hours, at {day.now}"
            )

    def after_step(self) -> None:
        """Rule 4: an absence is seen within MIN_CHECK of crossing `away_after`."""
        day = self.day
        config = day.config
        if day.locked:
            status = day.engine.status(day.now)
            assert status.activity is not None and status.activity.away, (
                f"rule 8: the screen is locked and the user not away at {day.now}"
            )
        if config.idle_monitor is None or day.asleep or day.present:
            return
        idle = day.idle()
        since_forgot = day.mono - day.forgot_at
        limit = config.away_after + MIN_CHECK + S
        if idle >= limit and since_forgot >= limit:
            status = day.engine.status(day.now)
            assert status.activity is not None and status.activity.away, (
                f"rule 4: away for {idle} and not seen at {day.now}"
            )


Check = Callable[[Day], None]
