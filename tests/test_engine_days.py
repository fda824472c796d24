"""The reminder engine over whole simulated days (tests/engine_days.py), with the default
routines and settings: a scripted working day, the days the clocks change in Europe/Berlin,
and hundreds of random days, with the engine's rules checked after every event."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from postureping.controller import Answer
from postureping.daemon.settings import DaemonSettings
from postureping.engine.config import EngineConfig
from postureping.hours import ActiveHours, TimeRange
from postureping.paths import resolve_paths
from postureping.routines import Every
from postureping.settings.load import load
from postureping.timescale import Timescale
from tests.engine_days import Day, Episode, H, M, Person, Reaction, S

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime(2026, 3, 2, tzinfo=BERLIN)
EVERY_DAY = ActiveHours(((TimeRange(9 * 60, 18 * 60),),) * 7)


def default_settings(root: Path) -> DaemonSettings:
    """The settings of a new user: no settings file, no environment."""
    environ = {"XDG_CONFIG_HOME": str(root / "config"), "XDG_DATA_HOME": str(root / "data")}
    return DaemonSettings.from_loaded(load(resolve_paths(None, environ), environ))


DEFAULTS = default_settings(Path("/nonexistent"))


def config(**changes: object) -> EngineConfig:
    base = DEFAULTS.engine_config(BERLIN, idle_monitor="x11")
    return replace(base, **changes)  # type: ignore[arg-type]


def at(day: datetime, hhmm: str) -> timedelta:
    """`hhmm` local time on `day`, as time after the day's midnight."""
    local = datetime.combine(day.date(), time.fromisoformat(hhmm), BERLIN)
    return local - day


def local(moment: datetime) -> str:
    return f"{moment.astimezone(BERLIN):%H:%M}"


@pytest.mark.parametrize(
    "date",
    [
        MONDAY,
        datetime(2026, 3, 29, tzinfo=BERLIN),  # the clocks go forward at 02:00
        datetime(2026, 10, 25, tzinfo=BERLIN),  # and back at 03:00
    ],
    ids=["monday", "spring-forward", "fall-back"],
)
def test_a_working_day(date: datetime) -> None:
    """Work 08:55-17:40: a coffee break, a meeting in a fullscreen window, a suspend over
    lunch, do-not-disturb, the clock set by NTP; answers: done, a snooze, a skip, none."""
    person = Person(
        arrive=at(date, "08:55"),
        leave=at(date, "17:40"),
        episodes=[
            Episode(at(date, "10:30"), "away", 7 * M),  # coffee
            Episode(at(date, "11:00"), "meeting", H),  # fullscreen
            Episode(at(date, "12:30"), "suspend", 45 * M),  # lunch, lid closed
            Episode(at(date, "14:00"), "dnd", 30 * M),
            Episode(at(date, "16:00"), "jump", 2 * M),  # NTP sets the clock
        ],
        reactions=[
            Reaction(30 * S, Answer.DONE),
            Reaction(M, Answer.SNOOZE, button=False),
            Reaction(20 * S, Answer.SKIP),
            Reaction(M, None),  # ignored: missed
        ],
    )
    hours = DEFAULTS.hours if date == MONDAY else EVERY_DAY  # Sundays have no hours by default
    day = Day(config(hours=hours), person, date).run(until=at(date, "23:00"))
    reminders = [(local(when), ids) for when, ids in day.reminders()]
    credited = [
        (local(ts), rid, source)
        for ts, rid, kind, source in day.records()
        if kind == "done" and source != "notification"
    ]
    # The coffee break counts for the walk (half its hour was over), not for the stretch.
    assert ("10:37", "walk", "idle") in credited
    assert not any(rid == "stretch" and t < "11:00" for t, rid, _ in credited)
    # The meeting held the walk and the stretch; they came once, together, when it ended.
    at_noon = [ids for when, ids in reminders if "11:00" <= when <= "12:00"]
    assert len(at_noon) == 1 and {"walk", "stretch"} <= set(at_noon[0]), reminders
    # Do not disturb held the 14:10 lower-back reminder until 14:30.
    lumbar = [when for when, ids in reminders if "lumbar-support" in ids]
    assert "09:40" in lumbar and "14:30" in lumbar, reminders
    assert not [when for when, _ in reminders if "14:00" <= when < "14:30"], reminders
    # The lunch suspend: one catch-up at most, after the quiet time.
    after_lunch = [ids for when, ids in reminders if "13:15" <= when < "13:17"]
    assert after_lunch == [], reminders
    assert day.engine.status(day.now).activity is not None


@pytest.mark.parametrize(
    "day",
    [datetime(2026, 3, 29, tzinfo=BERLIN), datetime(2026, 10, 25, tzinfo=BERLIN)],
    ids=["spring-forward", "fall-back"],
)
def test_the_days_the_clocks_change(day: datetime) -> None:
    person = Person(
        arrive=at(day, "08:50"), leave=at(day, "18:30"), reactions=[Reaction(S, Answer.DONE)]
    )
    simulated = Day(config(hours=EVERY_DAY), person, day).run(until=at(day, "20:00"))
    times = [local(when) for when, ids in simulated.reminders() if "stretch" in ids]
    assert times == ["11:45", "15:30"]
    walks = [local(when) for when, ids in simulated.reminders() if "walk" in ids]
    assert len(walks) == len(set(walks)) and 7 <= len(walks) <= 9, walks


def test_demo_time_keeps_the_rules() -> None:
    person = Person(
        arrive=timedelta(0),
        leave=20 * M,
        reactions=[Reaction(5 * S, Answer.DONE), Reaction(S, None)],
    )
    start = MONDAY + 10 * H
    demo = config(demo=True, hours=ActiveHours.always())
    day = Day(demo, person, start, timescale=Timescale.demo(start)).run(until=30 * M)
    walks = [when for when, ids in day.reminders() if "walk" in ids]
    assert len(walks) >= 10  # an hour of the schedule lasts a minute


# -- random days -------------------------------------------------------------------------------

KINDS = (
    *("away", "away", "away", "lock", "lock", "meeting", "dnd", "suspend", "jump", "pause"),
    "pause-until",
    *("trigger", "reload", "done", "skip", "snooze"),
)
ROUTINES = [r.id for r in DEFAULTS.routines]


@st.composite
def episodes(draw: st.DrawFn) -> Episode:
    kind = draw(st.sampled_from(KINDS))
    start = draw(st.integers(7 * 60, 19 * 60)) * M + draw(st.integers(0, 59)) * S
    if kind == "jump":
        length = draw(st.sampled_from([-3 * H, -H, -10 * M, 2 * M, 45 * M, 3 * H]))
    elif kind in ("away", "lock"):
        length = draw(st.integers(20, 40 * 60)) * S
    elif kind == "reload":
        length = draw(st.sampled_from([10, 20, 25, 45, 60, 90])) * M
    elif kind == "snooze":
        length = draw(st.sampled_from([5, 10, 30, 120])) * M
    else:
        length = draw(st.integers(1, 120)) * M
    return Episode(start, kind, length, draw(st.sampled_from(ROUTINES)))


reactions = st.builds(
    Reaction,
    delay=st.integers(1, 900).map(lambda s: s * S),
    answer=st.sampled_from([Answer.DONE, Answer.SKIP, Answer.SNOOZE, None]),
    button=st.booleans(),
    snooze=st.sampled_from([5 * M, 10 * M, 30 * M, 2 * H]),
)


@st.composite
def days(draw: st.DrawFn) -> tuple[EngineConfig, Person, datetime]:
    date = draw(
        st.sampled_from(
            [datetime(2026, 3, d, tzinfo=BERLIN) for d in (2, 6, 7, 29, 30)]
            + [datetime(2026, 10, d, tzinfo=BERLIN) for d in (24, 25, 26)]
        )
    )
    routines = tuple(
        replace(r, enabled=draw(st.booleans()) if r.id not in ("walk", "stretch") else True)
        for r in DEFAULTS.routines
    )
    walk_every = draw(st.sampled_from([20, 30, 45, 60, 90])) * M
    routines = tuple(
        replace(r, cadence=Every(walk_every), count_active=draw(st.booleans()))
        if r.id == "walk"
        else r
        for r in routines
    )
    engine_config = config(
        routines=routines,
        hours=draw(st.sampled_from([DEFAULTS.hours, EVERY_DAY])),
        away_after=draw(st.sampled_from([40 * S, 2 * M, 5 * M])),
        after_return=draw(st.sampled_from([timedelta(0), M, 2 * M])),
        answer_within=draw(st.sampled_from([30 * S, 2 * M, 10 * M, 30 * M, 90 * M])),
        renotify=draw(st.integers(0, 3)),
        idle_monitor=draw(st.sampled_from(["x11", "x11", None])),
    )
    arrive = draw(st.integers(7 * 60, 10 * 60)) * M
    person = Person(
        arrive=arrive,
        leave=arrive + draw(st.integers(4 * 60, 10 * 60)) * M,
        episodes=draw(st.lists(episodes(), max_size=12)),
        reactions=draw(st.lists(reactions, max_size=6)),
    )
    return engine_config, person, date


# SIMULATED_DAYS=5000 for a longer search (about 6 minutes on two cores).
DAYS_TO_TRY = int(os.environ.get("SIMULATED_DAYS", "250"))


@pytest.mark.slow
@settings(max_examples=DAYS_TO_TRY, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(days())
def test_random_days_keep_every_rule(case: tuple[EngineConfig, Person, datetime]) -> None:
    engine_config, person, date = case
    Day(engine_config, person, date).run(begin=6 * H, until=21 * H)
