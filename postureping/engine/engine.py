"""The reminder engine: every decision about reminders, as one pure state machine.

Events come in (`handle(event)`, see inputs.py): time passed, what the desktop says (idle
time, do-not-disturb), a suspend or a clock change, answers, pause and resume, "remind me
now", new settings. Actions come out (actions.py): show or withdraw a notification, record an
event, save the pause, log a line. The engine never reads a clock, touches a file or a
desktop, or starts a thread: the daemon's adapters (postureping.daemon) feed it on one
thread at a time and carry out what it returns; `next_wake()` says when to tick it next and
`wants_look(now)` when to ask the desktop first.

The rules it keeps (each is checked over simulated days in tests/test_engine_days.py):

1. At most one visible reminder per routine. A routine that comes due while reminders are
   held (away, do not disturb, a fullscreen window) stays due and is shown exactly once, at
   the first tick after the hold is seen to end (however long it lasted; but one whose active
   hours ended meanwhile waits for its next time); never while held, never twice.
2. Routines due within GROUP_WINDOW (clockwork.py) of each other are shown as one
   notification listing them; its buttons answer for all of them.
3. "Remind again" (`renotify`) never comes while held or paused, nor in the quiet time after
   a return, nor for a routine whose own next reminder is due within GROUP_WINDOW (a fresh
   reminder comes instead).
4. An absence of `away_after` is seen within MIN_CHECK of crossing the threshold, with no
   reminder needed to take a sample; the next idle sample is always ahead of the last one.
5. A natural break (an absence, or a suspend) of at least a routine's `break_after` counts as
   done only for a routine whose reminder is due or awaits an answer, or, for an interval
   routine inside its active hours, whose interval is at least half over. Once per break the
   user is told which routines it counted for (a quiet notification and `status`).
6. A remind-again or a deadline belongs to one notification: a routine reminded anew leaves
   its old notification (recorded missed), so an old timer never reaches a new prompt.
7. `status()` is the one source of the next reminder (snoozes and quiet times included) for
   `status --json` and the tray.
8. A locked screen (`ScreenLock`) means the user is away from the moment it locks, whatever
   the idle time says: reminders are held and `status` says away. An unlock after at least
   `away_after` is a return from an absence that began at the lock, or at the last input
   before it when idle samples taken during the lock saw that same streak; rule 5 decides
   what it counts for (source "lock"). A suspend while locked is part of that absence, and
   the idle streak that ran through the lock is not counted again.
9. A routine left to the desktop (`EngineConfig.left_to_desktop`) is not shown while the
   desktop's own movement breaks are on, as the look before its reminder says: its interval
   counts afresh instead, and the log says why.
10. A snooze never lands outside the routine's active hours: one that would end outside them
    ends at the start of the next active period instead, and the answer says so. This holds
    for a reminder on screen and for `snooze ROUTINE` with none waiting.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from postureping.controller import Activity, Answer, BreakCounted, Prompt, Status, Upcoming
from postureping.durations import format_duration, humanize
from postureping.engine.actions import Action, Log, Record, Said, SavePause, Show, Withdraw
from postureping.engine.bubbles import Bubble, Bubbles
from postureping.engine.clockwork import Clockwork, Track
from postureping.engine.config import EngineConfig
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
from postureping.errors import UserError
from postureping.history.events import Event, Kind
from postureping.messages import MessageTurns
from postureping.pause import PauseState
from postureping.presence import MIN_CHECK, Absence, Presence, break_thresholds
from postureping.reminder import Reminder
from postureping.routines import Every, Routine
from postureping.timescale import Timescale

FRESH = timedelta(seconds=1)  # a look this recent tells how things are now
DEFAULT_SNOOZE = timedelta(minutes=10)
AWAY = "you are away from the computer"
ANSWER_KINDS = {Answer.DONE: Kind.DONE, Answer.SKIP: Kind.SKIPPED, Answer.SNOOZE: Kind.SNOOZED}
_REAL_TIME = Timescale(datetime(2000, 1, 1).astimezone())


@dataclass(frozen=True)
class _Today:
    day: date
    done: int = 0
    prompted: int = 0


class Engine:
    """Not thread-safe: one caller at a time (the daemon holds a lock around each call)."""

    def __init__(self, config: EngineConfig, timescale: Timescale = _REAL_TIME) -> None:
        self.config = config
        self._timescale = timescale
        self._clock = Clockwork(config, timescale)
        self._tracks: dict[str, Track] = {}  # enabled routines
        self._bubbles = Bubbles()
        self._pause = PauseState()
        self._presence = Presence(config.away_after, break_thresholds(config.routines))
        self._hold: str | None = None  # why reminders wait, at the last look
        self._looked_at: datetime | None = None
        self._probed_at: datetime | None = None  # the last look that asked the hold probes
        self._idle_failed = False  # the last look could not tell the idle time
        self._locked_at: datetime | None = None  # the screen is locked since
        self._desktop_breaks = False  # the desktop's own movement breaks, at the last look
        self._quiet_until: datetime | None = None  # nothing shown before (after a return)
        self._held: dict[str, str] = {}  # routine id -> why its due reminder waits
        self._today: _Today | None = None
        self._last_break: BreakCounted | None = None
        self._out: list[Action] = []
        self._turns = MessageTurns()  # which message each routine showed last

    # -- the one entry point ------------------------------------------------------------------

    def handle(self, event: Input) -> list[Action]:
        """Take in one event; the actions to carry out, in order. Raises UserError, having
        changed nothing, for a request that cannot be done (an unknown routine...)."""
        self._out = []
        match event:
            case Tick(now):
                self._tick(now)
            case Look():
                self._look(event)
            case Start():
                self._start(event)
            case Slept() | ScreenLock() | ClockChanged():
                self._machine(event)
            case Answered() | AnsweredShown():
                self._answered(event)
            case Paused(now, until):
                self._paused(now, until)
            case Resumed(now):
                if self._pause.paused:
                    self._resume(now, "resumed")
                else:
                    self._out.append(Said("not paused"))
            case Triggered(now, routine_id):
                self._show([self._routine(routine_id)], now)
            case Reloaded(now, config):
                self._reload(now, config)
        out, self._out = self._out, []
        return out

    def next_wake(self, now: datetime) -> datetime | None:
        """When to tick next (None: nothing to wait for). After a tick at `now` (and the look
        `wants_look` asked for), it is later than `now`."""
        times: list[datetime] = [b.check_at for b in self._bubbles.by_key.values()]
        if self.config.idle_monitor is not None:
            times.append(self._presence.next_check(now))
        if self._pause.active(now):
            if self._pause.until is not None:
                times.append(self._pause.until)
        else:
            for track in self._tracks.values():
                if track.due is not None:
                    times.append(self._blocked_until(track.due, now))
        return min(times, default=None)

    def wants_look(self, now: datetime) -> bool:
        """Whether to ask the desktop (the idle time; the holds too if `wants_holds`) before
        the tick at `now`."""
        idle_due = self.config.idle_monitor is not None and self._presence.next_check(now) <= now
        if idle_due and not _recent(self._looked_at, now, FRESH):
            return True
        return self.wants_holds(now) and not _recent(self._probed_at, now, FRESH)

    def wants_holds(self, now: datetime) -> bool:
        """Whether a look should ask the hold probes too: only when a reminder is due (or to
        be shown again), since only then does it matter whether something holds it; an idle
        sample alone costs less (an away user's computer is asked every MIN_CHECK)."""
        if self._pause.active(now):
            return False
        quiet = self._quiet_until is not None and now < self._quiet_until
        if not quiet and any(t.due is not None and t.due <= now for t in self._tracks.values()):
            return True
        return any(b.again_left and b.check_at <= now for b in self._bubbles.by_key.values())

    def status(self, now: datetime) -> Status:
        today = self._roll_day(now)
        paused = self._pause.active(now)
        upcoming: tuple[Upcoming, ...] = ()
        if not paused:
            upcoming = tuple(
                sorted(
                    (
                        Upcoming(t.routine.id, t.routine.title, self._effective(t.due))
                        for t in self._tracks.values()
                        if t.due is not None
                    ),
                    key=lambda u: u.due,
                )
            )
        prompts = self.open_prompts()
        latest = self._bubbles.latest()
        awaiting = next((p for p in prompts if latest and p.routine_id in latest.routines), None)
        monitor = None if self._idle_failed else self.config.idle_monitor
        away = self._locked_at is not None or (
            self.config.idle_monitor is not None and self._presence.away
        )
        return Status(
            now=now,
            paused=paused,
            paused_until=self._pause.until if paused else None,
            upcoming=upcoming,
            awaiting=awaiting,
            done_today=today.done,
            prompted_today=today.prompted,
            demo=self.config.demo,
            routines=tuple((r.id, r.title) for r in self.config.enabled),
            guided=tuple(r.id for r in self.config.routines if r.guided),
            activity=Activity(monitor, away, self._holding(now)),
            held=tuple(self._held),
            open=prompts,
            last_break=self._last_break,
        )

    def dues(self) -> dict[str, datetime | None]:
        """Each enabled routine's next due time as the schedule has it (before any quiet
        time or hold), by id."""
        return {rid: track.due for rid, track in self._tracks.items()}

    def open_prompts(self) -> tuple[Prompt, ...]:
        """Every reminder that awaits an answer, oldest first (a notification's in its order)."""
        bubbles = sorted(self._bubbles.by_key.values(), key=lambda b: b.seq)
        return tuple(
            Prompt(rid, self._routine(rid).title, b.shown_at) for b in bubbles for rid in b.routines
        )

    # -- time passing -------------------------------------------------------------------------

    def _start(self, event: Start) -> None:
        now = event.now
        self._today = _Today(self._local_day(now), event.done_today, event.prompted_today)
        for routine_id, prompted_at in event.last_prompts:
            routine = next((r for r in self.config.routines if r.id == routine_id), None)
            if routine is not None:
                self._turns.seed(routine, prompted_at)
        self._restart_all(now)
        pause = event.pause or PauseState()
        if pause.active(now):
            self._pause = pause
        elif pause.paused:  # it ended while the daemon was not running
            self._out.append(SavePause(PauseState()))

    def _tick(self, now: datetime) -> None:
        pause = self._pause
        if pause.paused and pause.until is not None and pause.until <= now:
            self._resume(now, "the pause has ended")
        # New reminders first: a routine reminded anew leaves its old notification before
        # that one is shown again or given up.
        self._fire(now)
        self._check_bubbles(now)

    def _fire(self, now: datetime) -> None:
        """Show what is due, unless something holds it."""
        if self._pause.active(now):
            return
        ready = self._ready(now)
        if not ready or (self._quiet_until is not None and now < self._quiet_until):
            return
        if self._desktop_breaks and self.config.left_to_desktop:
            ready = self._leave_to_desktop(ready, now)
            if not ready:
                return
        if (reason := self._hold_reason()) is not None:
            for track in ready:
                if track.routine.id not in self._held:
                    self._log(f"held the {track.routine.id!r} reminder: {reason}")
                self._held[track.routine.id] = reason
            return
        chosen = {t.routine.id for t in ready}
        left = self.config.left_to_desktop if self._desktop_breaks else frozenset()
        for track in self._tracks.values():
            due = track.due
            if (
                due is not None
                and now < due <= self._clock.soon(now)
                and self._clock.may_fire(track, now)
                and track.routine.id not in left
            ):
                chosen.add(track.routine.id)
        self._show([r for r in self.config.enabled if r.id in chosen], now)

    def _ready(self, now: datetime) -> list[Track]:
        """The routines due now that may be shown now (one too late, or outside its active
        hours, counts afresh instead)."""
        ready: list[Track] = []
        for track in self._tracks.values():
            if track.due is None or track.due > now:
                continue
            routine = track.routine
            if routine.id not in self._held and self._clock.too_late(track, now):
                self._log(
                    f"skipped the {self._local(track.due):%H:%M} reminder for {routine.id!r}: "
                    "it is too late now (the computer was asleep or postureping was not running)"
                )
                self._clock.restart(track, now)
            elif not self._clock.may_fire(track, now):
                # Woken outside its active hours (a suspend, a freeze).
                self._log(f"the {routine.id!r} reminder waits: outside its active hours")
                self._clock.restart(track, now)
            else:
                ready.append(track)
        return ready

    def _leave_to_desktop(self, ready: list[Track], now: datetime) -> list[Track]:
        """Rule 9: the routines left to the desktop's own movement breaks count afresh."""
        kept = []
        for track in ready:
            if track.routine.id in self.config.left_to_desktop:
                self._log(
                    f"no {track.routine.id!r} reminder: GNOME's movement breaks are on "
                    '(activity.gnome_movement_breaks = "skip-walk")'
                )
                self._held.pop(track.routine.id, None)
                self._clock.restart(track, now)
            else:
                kept.append(track)
        return kept

    def _check_bubbles(self, now: datetime) -> None:
        for bubble in self._bubbles.due(now):
            again = False
            while bubble.again_left and bubble.check_at <= now:
                bubble.again_left -= 1
                bubble.check_at = self._next_check(bubble.check_at)
                again = True
            if bubble.check_at <= now:
                self._expire(bubble, now)
            elif again:
                self._again(bubble, now)

    # -- notifications ------------------------------------------------------------------------

    def _show(self, routines: list[Routine], now: datetime) -> None:
        """A new notification for `routines`, each a new prompt."""
        bubble = Bubble(
            self._bubbles.next_seq(),
            [r.id for r in routines],
            shown_at=now,
            last_shown=now,
            again_left=self.config.renotify,
            check_at=self._next_check(now),
        )
        # A new prompt replaces one still open: that one is missed, and leaves its notification.
        replaced = [r.id for r in routines if self._bubbles.holding(r.id) is not None]
        records = [Event.new(rid, Kind.MISSED, self._source, now) for rid in replaced]
        self._leave(replaced, now)
        for routine in routines:
            self._turns.advance(routine, now)
            records.append(Event.new(routine.id, Kind.PROMPTED, self._source, now))
            self._held.pop(routine.id, None)
            if (track := self._tracks.get(routine.id)) is not None:
                self._clock.served(track, now)
            self._log(f"reminder: {routine.title}")
        self._bubbles.add(bubble)
        # Shown before recorded: a slow history file must not delay the reminder.
        self._out.append(Show(self._reminder(bubble, routines)))
        for event in records:
            self._record(event)

    def _again(self, bubble: Bubble, now: datetime) -> None:
        """Show an unanswered notification again, unless that would disturb or come just
        before the routine's own next reminder."""
        quiet = self._quiet_until is not None and now < self._quiet_until
        if quiet or self._pause.active(now) or self._hold_reason() is not None:
            return
        if bubble.last_shown == now:  # redrawn a moment ago: on screen as it is
            return
        routines = [
            self._routine(rid)
            for rid in bubble.routines
            if (track := self._tracks.get(rid)) is None
            or track.due is None
            or track.due > self._clock.soon(now)
        ]
        if not routines:
            return
        bubble.last_shown = now
        self._log("reminder again: " + "; ".join(r.title for r in routines))
        self._out.append(Show(self._reminder(bubble, routines, again=True)))

    def _expire(self, bubble: Bubble, now: datetime) -> None:
        for routine_id in list(bubble.routines):
            self._bubbles.remove(routine_id)
            self._record(Event.new(routine_id, Kind.MISSED, self._source, now))
            self._log(f"no answer to the {routine_id!r} reminder: recorded as missed")
        self._out.append(Withdraw(bubble.key))

    def _leave(self, routine_ids: Iterable[str], now: datetime) -> None:
        """These routines' prompts are closed: each notification they leave goes, or, while it
        is still on screen, is redrawn once with the routines that still await an answer."""
        touched: dict[str, Bubble] = {}
        for routine_id in routine_ids:
            if (bubble := self._bubbles.remove(routine_id)) is not None:
                touched[bubble.key] = bubble
        for bubble in touched.values():
            if not bubble.routines:
                self._out.append(Withdraw(bubble.key))
            elif now < bubble.last_shown + self.config.notification_timeout:
                bubble.last_shown = now
                routines = [self._routine(rid) for rid in bubble.routines]
                self._out.append(Show(self._reminder(bubble, routines, redraw=True)))

    def _reminder(
        self, bubble: Bubble, routines: list[Routine], *, again: bool = False, redraw: bool = False
    ) -> Reminder:
        config = self.config
        return Reminder.for_routines(
            bubble.key,
            routines,
            config.notification_timeout,
            demo=config.demo,
            again=again,
            redraw=redraw,
            messages={r.id: self._turns.current(r) for r in routines},
        )

    def _next_check(self, after: datetime) -> datetime:
        """Answer time is split evenly between the reminders again and the deadline."""
        return self._clock.later(after, self.config.answer_within / (self.config.renotify + 1))

    # -- the desktop ----------------------------------------------------------------------------

    def _look(self, event: Look) -> None:
        now = event.now
        self._looked_at = now
        if event.holds_asked:
            self._hold, self._probed_at = event.hold, now
            self._desktop_breaks = event.desktop_breaks
        if self.config.idle_monitor is not None:
            self._idle_failed = event.idle is None
            if event.idle is None:  # unknown: as if present, so reminders are not held
                self._presence.forget(now)
            elif (absence := self._presence.observe(now, event.idle)) is not None:
                if self._locked_at is None:
                    self._returned(absence, "idle", now)
                else:  # input on the lock screen is not the user's return (rule 8)
                    self._locked_at = min(self._locked_at, absence.start)
        if self._held and (reason := self._hold_reason()) is not None:
            self._held = dict.fromkeys(self._held, reason)

    def _holding(self, now: datetime) -> str | None:
        """Why reminders wait, for `status`: a hold the probes told of a while ago, with
        nothing waiting since, may be over (they are asked only while something is due)."""
        reason = self._hold_reason()
        if reason is None or reason == AWAY or self._held:
            return reason
        return reason if _recent(self._probed_at, now, 2 * MIN_CHECK) else None

    def _hold_reason(self) -> str | None:
        if self._locked_at is not None:
            return AWAY
        if self.config.idle_monitor is not None and self._presence.away:
            return AWAY
        return self._hold

    def _screen_lock(self, now: datetime, *, locked: bool) -> None:
        """Rule 8 (see the module's docstring)."""
        if locked:
            if self._locked_at is None:
                self._locked_at = now
                self._log("the screen is locked: you are away")
            return
        if (since := self._locked_at) is None:
            return
        self._locked_at = None
        start = since
        streak, sampled = self._presence.streak_start, self._presence.last_sample
        if streak is not None and sampled is not None and sampled > since:
            start = min(start, streak)  # no input from the streak's start through the lock
        self._presence.forget(now)  # the streak that ran through the lock is this absence
        self._log(f"the screen is unlocked after {humanize(now - since)}")
        if now - start >= self.config.away_after:
            self._returned(Absence(start, now), "lock", now)

    def _returned(self, absence: Absence, source: str, now: datetime) -> None:
        """Back after `absence` (source "idle"), or awake after a suspend ("sleep")."""
        length = self._clock.length(absence.start, absence.end)
        paused = self._pause.active(now)
        credited = [
            r for r in self.config.enabled if self._break_counts(r, length, now, paused=paused)
        ]
        self._leave([r.id for r in credited], now)
        for routine in credited:
            self._record(Event.new(routine.id, Kind.DONE, source, now))
            self._held.pop(routine.id, None)
            if not paused and (track := self._tracks.get(routine.id)) is not None:
                self._clock.served(track, now)
        if not paused:
            for track in self._tracks.values():
                routine = track.routine
                if routine in credited or not routine.count_active or track.snoozed:
                    continue
                if isinstance(routine.cadence, Every):  # only time at the computer counts
                    track.anchor = min(track.anchor + absence.length, now)
                    track.due = self._clock.next_due(track, now)
        if credited:
            ids = tuple(r.id for r in credited)
            self._log(f"a break of {humanize(length)} ({source}) counts for: {', '.join(ids)}")
            self._last_break = BreakCounted(now, ids, source)
            away = "asleep" if source == "sleep" else "away"
            self._out.append(
                Show(
                    Reminder.notice(
                        f"b{self._bubbles.next_seq()}",
                        "Break counted for: " + ", ".join(ids),
                        f"{humanize(length)} {away}, counted as done: "
                        + "; ".join(r.title for r in credited),
                        demo=self.config.demo,
                    )
                )
            )
        self._quiet_until = self._clock.later(now, self.config.after_return)

    def _break_counts(
        self, routine: Routine, length: timedelta, now: datetime, *, paused: bool
    ) -> bool:
        """Rule 5 (see the module's docstring)."""
        if routine.break_after is None or length < routine.break_after:
            return False
        if self._bubbles.holding(routine.id) is not None:
            return True
        track = self._tracks.get(routine.id)
        if paused or track is None or track.due is None:
            return False
        return track.due <= now or self._clock.half_elapsed(track, now)

    def _machine(self, event: Slept | ScreenLock | ClockChanged) -> None:
        """What happened to the computer: a suspend, a lock or an unlock, a clock change."""
        match event:
            case Slept():
                self._slept(event)
            case ScreenLock(now, locked):
                self._screen_lock(now, locked=locked)
            case ClockChanged():
                self._clock_changed(event)

    def _slept(self, event: Slept) -> None:
        self._log(f"the computer slept for {humanize(event.length)}")
        self._presence.forget(event.now)
        if self._locked_at is not None:
            return  # part of the absence the lock began; the unlock counts it (rule 8)
        self._returned(Absence(event.start, event.start + event.length), "sleep", event.now)

    def _clock_changed(self, event: ClockChanged) -> None:
        now = event.now
        self._log("the clock changed: every routine counts afresh from now")
        self._presence.forget(now)
        self._looked_at = self._probed_at = None  # times on the old clock
        # An answer's time limit is a length of time, not a time of day: it moves along.
        for bubble in self._bubbles.by_key.values():
            bubble.check_at += event.shift
            bubble.last_shown += event.shift
        if self._locked_at is not None:  # its length, too
            self._locked_at += event.shift
        self._restart_all(now)
        self._quiet_until = self._clock.later(now, self.config.after_return)

    # -- requests -------------------------------------------------------------------------------

    def _answered(self, event: Answered | AnsweredShown) -> None:
        if isinstance(event, Answered):
            ids = self._answer_ids(event.routines)
            self._answer(event.now, event.answer, ids, event.source, event.snooze)
        elif (bubble := self._bubbles.by_key.get(event.key)) is None:
            self._out.append(Said("that reminder was answered already"))
        else:
            self._answer(event.now, event.answer, tuple(bubble.routines), event.source, None)

    def _answer_ids(self, routines: tuple[str, ...] | None) -> tuple[str, ...]:
        if routines is None:
            latest = self._bubbles.latest()
            if latest is None:
                raise UserError("no reminder awaits an answer; name the routine")
            return tuple(latest.routines)
        for routine_id in routines:
            self._routine(routine_id)  # raises for an unknown one
        return routines

    def _answer(
        self,
        now: datetime,
        answer: Answer,
        ids: tuple[str, ...],
        source: str,
        snooze: timedelta | None,
    ) -> None:
        kind = ANSWER_KINDS[answer]
        length = (snooze or DEFAULT_SNOOZE) if answer is Answer.SNOOZE else None
        messages = []
        prompted = {rid for rid in ids if self._bubbles.holding(rid) is not None}
        self._leave(ids, now)
        for routine_id in ids:
            routine = self._routine(routine_id)
            self._record(Event.new(routine_id, kind, source, now, length))
            self._held.pop(routine_id, None)
            track = self._tracks.get(routine_id)
            message = f"{routine.title}: {kind}"
            if length is not None:
                message = self._snooze(routine, track, now, length)
            elif (
                kind is Kind.DONE
                and routine_id not in prompted
                and track is not None
                and isinstance(routine.cadence, Every)
            ):
                # Done on one's own: the interval counts from now, as after a reminder.
                self._clock.restart(track, now)
            elif track is not None and track.snoozed:
                # Done or skipped after all: the snooze is off, the schedule goes on.
                track.snoozed = False
                track.due = self._clock.next_due(track, now)
            messages.append(message)
        text = "; ".join(messages)
        self._log(f"{text} ({source})")
        self._out.append(Said(text))

    def _snooze(
        self, routine: Routine, track: Track | None, now: datetime, length: timedelta
    ) -> str:
        """Put the routine off by `length`, or to the start of its next active period when
        that would end outside its active hours (rule 10); what to tell the user."""
        asked = self._clock.later(now, length)
        until = self._clock.snooze_end(routine, now, length)
        if track is not None:
            track.due, track.snoozed = until, until is not None
        if until is None:
            return (
                f"{routine.title}: snoozed; its days have no active hours within a week, "
                "so it waits for them"
            )
        if until == asked:
            return (
                f"{routine.title}: snoozed for {format_duration(length)}, "
                f"until {self._local(until):%H:%M}"
            )
        local = self._local(until)
        when = f"{local:%H:%M}" if local.date() == self._local(now).date() else f"{local:%a %H:%M}"
        return (
            f"{routine.title}: snoozed until {when}, the start of the next active hours "
            f"({self._local(asked):%H:%M} is outside them)"
        )

    def _paused(self, now: datetime, until: datetime | None) -> None:
        if until is not None and until <= now:
            raise UserError("a pause must end in the future")
        self._pause = PauseState(paused=True, until=until)
        self._held.clear()
        self._out.append(SavePause(self._pause))
        self._log(
            f"paused until {self._local(until):%a %H:%M}" if until else "paused until resumed"
        )

    def _resume(self, now: datetime, why: str | None) -> None:
        """Every routine counts afresh from now: no burst of what the pause held back."""
        self._pause = PauseState()
        self._out.append(SavePause(self._pause))
        self._restart_all(now)
        if why:
            self._log(why)

    def _reload(self, now: datetime, config: EngineConfig) -> None:
        old, old_tracks = self.config, self._tracks
        self.config = config
        self._clock = Clockwork(config, self._timescale)
        self._presence.retune(config.away_after, break_thresholds(config.routines))
        if config.idle_monitor != old.idle_monitor:  # another monitor: it starts afresh
            self._presence.reset()
            self._idle_failed = False
            self._looked_at = None
        self._tracks = {}
        for routine in config.enabled:
            before = old_tracks.get(routine.id)
            if before is None:
                self._tracks[routine.id] = self._clock.track(routine, now)
            elif before.routine == routine and config.hours == old.hours:
                self._tracks[routine.id] = before  # a snooze stays
            else:
                track = Track(routine, before.anchor, None)
                track.due = self._clock.next_due(track, now)
                self._tracks[routine.id] = track
        known = {r.id for r in config.routines}
        self._leave([rid for rid in self._bubbles.of_routine if rid not in known], now)
        self._held = {rid: why for rid, why in self._held.items() if rid in self._tracks}
        enabled = len(config.enabled)
        self._log(f"settings reloaded: {enabled} routines enabled")
        self._out.append(Said(f"Settings reloaded: {enabled} routines enabled."))

    # -- helpers ----------------------------------------------------------------------------------

    def _restart_all(self, now: datetime) -> None:
        self._tracks = {r.id: self._clock.track(r, now) for r in self.config.enabled}
        self._held.clear()

    def _blocked_until(self, due: datetime, now: datetime) -> datetime:
        """When a reminder due at `due` may be looked at next: its time, the end of the quiet
        time after a return, or, while something holds it, the next look."""
        quiet = self._quiet_until
        if quiet is not None and due < quiet and now < quiet:
            return quiet
        if due > now:
            return due
        if self._hold_reason() is not None:
            return (self._looked_at or now) + MIN_CHECK
        return now

    def _effective(self, due: datetime) -> datetime:
        quiet = self._quiet_until
        return quiet if quiet is not None and due < quiet else due

    @property
    def _source(self) -> str:
        return "demo" if self.config.demo else "daemon"

    def _record(self, event: Event) -> None:
        today = self._roll_day(event.ts)
        if event.kind is Kind.DONE:
            self._today = _Today(today.day, today.done + 1, today.prompted)
        elif event.kind is Kind.PROMPTED:
            self._today = _Today(today.day, today.done, today.prompted + 1)
        self._out.append(Record(event))

    def _roll_day(self, now: datetime) -> _Today:
        day = self._local_day(now)
        if self._today is None or self._today.day != day:
            self._today = _Today(day)
        return self._today

    def _local_day(self, now: datetime) -> date:
        return now.astimezone(self.config.zone).date()

    def _local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.config.zone)

    def _routine(self, routine_id: str) -> Routine:
        for routine in self.config.routines:
            if routine.id == routine_id:
                return routine
        valid = ", ".join(r.id for r in self.config.routines)
        raise UserError(f"unknown routine {routine_id!r}; valid routines: {valid}")

    def _log(self, text: str) -> None:
        self._out.append(Log(text))


def _recent(moment: datetime | None, now: datetime, within: timedelta) -> bool:
    return moment is not None and timedelta(0) <= now - moment < within
