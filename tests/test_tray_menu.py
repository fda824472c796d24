"""The tray's menu, tooltip and icon state, built from a Status: pure, no display needed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from postureping.controller import Activity, Answer, Prompt, Status, Upcoming
from postureping.tray.icon import SIZE, draw_icon
from postureping.tray.menu import (
    SEPARATOR,
    SNOOZE,
    AnswerPrompt,
    CheckInPain,
    Entry,
    IconState,
    Item,
    OpenSettings,
    PauseFor,
    PauseUntilResumed,
    PauseUntilTomorrow,
    Quit,
    RemindNow,
    Resume,
    TrayView,
    build_view,
    countdown,
    countdown_changes_at,
    moment,
    refresh_at,
    shorten,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 16, 14, 0, tzinfo=BERLIN)  # a Monday
SETTINGS = Path("config.toml")
ROUTINES = (("walk", "Stand up and walk around"), ("stretch", "Time for a gentle stretch"))


def status(
    *,
    upcoming: tuple[Upcoming, ...] = (Upcoming("stretch", "Time for a gentle stretch", NOW),),
    paused: bool = False,
    until: datetime | None = None,
    awaiting: Prompt | None = None,
    done: int = 5,
    prompted: int = 8,
    demo: bool = False,
    routines: tuple[tuple[str, str], ...] = ROUTINES,
) -> Status:
    return Status(
        now=NOW,
        paused=paused,
        paused_until=until,
        upcoming=upcoming,
        awaiting=awaiting,
        done_today=done,
        prompted_today=prompted,
        demo=demo,
        routines=routines,
    )


def due_in(delta: timedelta, title: str = "Time for a gentle stretch") -> tuple[Upcoming, ...]:
    return (Upcoming("stretch", title, NOW + delta),)


def view(s: Status, *, settings_exists: bool = True) -> TrayView:
    return build_view(s, NOW, SETTINGS, BERLIN, settings_exists=settings_exists)


def labels(entries: tuple[Entry, ...]) -> list[str]:
    return [e.label if isinstance(e, Item) else "---" for e in entries]


def item(entries: tuple[Entry, ...], label: str) -> Item:
    found = [e for e in entries if isinstance(e, Item) and e.label == label]
    assert len(found) == 1, f"{label!r} in {labels(entries)}"
    return found[0]


# -- the whole menu ---------------------------------------------------------------------------


def test_the_menu_of_a_running_daemon() -> None:
    menu = view(status(upcoming=due_in(timedelta(minutes=12)))).menu
    assert labels(menu) == [
        "Time for a gentle stretch in 12 min",
        "Today: 5 of 8 done",
        "---",
        "Pause",
        "Resume",
        "Remind me now",
        "---",
        "Open settings file",
        "Quit",
    ]
    enabled = [e.label for e in menu if isinstance(e, Item) and e.enabled]
    assert enabled == ["Pause", "Remind me now", "Open settings file", "Quit"]
    assert item(menu, "Open settings file").action == OpenSettings(SETTINGS)
    assert item(menu, "Quit").action == Quit()
    assert menu[2] == SEPARATOR


def test_the_pause_submenu() -> None:
    pause = item(view(status()).menu, "Pause")
    assert pause.action is None
    assert [(e.label, e.action) for e in pause.submenu if isinstance(e, Item)] == [
        ("30 min", PauseFor(timedelta(minutes=30))),
        ("1 h", PauseFor(timedelta(hours=1))),
        ("2 h", PauseFor(timedelta(hours=2))),
        ("Until tomorrow", PauseUntilTomorrow()),
        ("Until I resume", PauseUntilResumed()),
    ]


def test_remind_me_now_lists_every_enabled_routine() -> None:
    remind = item(view(status()).menu, "Remind me now")
    assert [(e.label, e.action) for e in remind.submenu if isinstance(e, Item)] == [
        ("Time for a gentle stretch", RemindNow("stretch")),  # the one upcoming
        ("Stand up and walk around", RemindNow("walk")),
    ]


def test_remind_me_now_lists_the_routines_in_the_order_they_come_due() -> None:
    """The titles in the order the user will meet them, not in the order of their ids;
    routines with nothing upcoming (a time-of-day routine done for the day) come last, by
    title."""
    routines = (
        ("a-walk", "Stand up and walk around"),
        ("b-stool", "Rest your feet on a low stool"),
        ("c-stretch", "Time for a gentle stretch"),
        ("d-desk", "Check the height of your desk"),
    )
    upcoming = (
        Upcoming("c-stretch", "Time for a gentle stretch", NOW + timedelta(minutes=5)),
        Upcoming("a-walk", "Stand up and walk around", NOW + timedelta(minutes=20)),
    )
    remind = item(view(status(routines=routines, upcoming=upcoming)).menu, "Remind me now")
    assert [e.action for e in remind.submenu if isinstance(e, Item)] == [
        RemindNow("c-stretch"),
        RemindNow("a-walk"),
        RemindNow("d-desk"),
        RemindNow("b-stool"),
    ]


def test_remind_me_now_is_greyed_out_without_routines() -> None:
    remind = item(view(status(routines=())).menu, "Remind me now")
    assert not remind.enabled
    assert remind.submenu == ()


def test_a_prompt_awaiting_an_answer_gets_done_snooze_and_skip() -> None:
    prompt = Prompt("walk", "Stand up and walk around", NOW - timedelta(minutes=2))
    shown = view(status(awaiting=prompt))
    assert labels(shown.menu)[2:7] == [
        "---",
        "Done: Stand up and walk around",
        "Snooze 10 min",
        "Skip",
        "---",
    ]
    assert [e.action for e in shown.menu[3:6] if isinstance(e, Item)] == [
        AnswerPrompt(Answer.DONE, ("walk",)),
        AnswerPrompt(Answer.SNOOZE, ("walk",), SNOOZE),
        AnswerPrompt(Answer.SKIP, ("walk",)),
    ]
    assert timedelta(minutes=10) == SNOOZE
    assert shown.icon is IconState.AWAITING


def test_no_answer_items_without_a_prompt() -> None:
    shown = view(status())
    assert not [label for label in labels(shown.menu) if label.startswith(("Done", "Skip"))]
    assert shown.icon is IconState.ACTIVE


def test_a_missing_settings_file_cannot_be_opened() -> None:
    menu = view(status(), settings_exists=False).menu
    assert not item(menu, "No settings file yet (postureping config init)").enabled


# -- paused -------------------------------------------------------------------------------------


def test_paused_until_a_time_today() -> None:
    shown = view(status(paused=True, until=NOW + timedelta(minutes=30), upcoming=()))
    assert labels(shown.menu)[0] == "Paused until 14:30"
    assert item(shown.menu, "Resume").action == Resume()
    assert item(shown.menu, "Pause").enabled  # to pause longer, or shorter
    assert shown.icon is IconState.PAUSED
    assert shown.title == "postureping: Paused until 14:30"


def test_paused_indefinitely() -> None:
    shown = view(status(paused=True, until=None, upcoming=()))
    assert labels(shown.menu)[0] == "Paused"
    assert shown.icon is IconState.PAUSED


def test_a_paused_icon_wins_over_a_prompt() -> None:
    prompt = Prompt("walk", "Stand up and walk around", NOW)
    assert view(status(paused=True, awaiting=prompt)).icon is IconState.PAUSED


def test_resume_is_greyed_out_while_running() -> None:
    assert not item(view(status()).menu, "Resume").enabled


@pytest.mark.parametrize(
    ("until", "text"),
    [
        (datetime(2026, 3, 16, 14, 30, tzinfo=BERLIN), "14:30"),
        (datetime(2026, 3, 16, 23, 59, tzinfo=BERLIN), "23:59"),
        (datetime(2026, 3, 17, 9, 0, tzinfo=BERLIN), "tomorrow 09:00"),
        (datetime(2026, 3, 19, 9, 0, tzinfo=BERLIN), "Thu 09:00"),
        (datetime(2026, 3, 22, 9, 0, tzinfo=BERLIN), "Sun 09:00"),
        (datetime(2026, 3, 23, 9, 0, tzinfo=BERLIN), "23 Mar 09:00"),
        (datetime(2026, 4, 3, 9, 5, tzinfo=BERLIN), "3 Apr 09:05"),
        # The same instant in UTC is shown in the user's zone.
        (datetime(2026, 3, 16, 13, 30, tzinfo=UTC), "14:30"),
    ],
)
def test_when_a_pause_ends_in_words(until: datetime, text: str) -> None:
    assert moment(until, NOW, BERLIN) == text


# -- the countdown ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "text"),
    [
        (timedelta(minutes=12), "in 12 min"),
        (timedelta(minutes=11, seconds=1), "in 12 min"),
        (timedelta(seconds=1), "in 1 min"),
        (timedelta(microseconds=1), "in 1 min"),
        (timedelta(0), "due now"),
        (timedelta(minutes=-3), "due now"),
        (timedelta(minutes=59), "in 59 min"),
        (timedelta(minutes=60), "in 1 h"),
        (timedelta(minutes=65), "in 1 h 5 min"),
        (timedelta(hours=47, minutes=59), "in 47 h 59 min"),
        (timedelta(hours=48), "in 2 days"),
        (timedelta(days=6, hours=5), "in 6 days"),
    ],
)
def test_countdown(left: timedelta, text: str) -> None:
    assert countdown(NOW + left, NOW) == text


def test_the_headline_names_the_next_routine() -> None:
    upcoming = (
        *due_in(timedelta(minutes=12)),
        Upcoming("walk", "Stand up and walk around", NOW + timedelta(hours=1)),
    )
    assert labels(view(status(upcoming=upcoming)).menu)[0] == "Time for a gentle stretch in 12 min"


def test_nothing_scheduled() -> None:
    shown = view(status(upcoming=()))
    assert labels(shown.menu)[0] == "No reminder scheduled"


def test_long_titles_are_shortened_to_one_line() -> None:
    title = "Back and belly exercises (the ones your doctor gave you)"
    headline = labels(view(status(upcoming=due_in(timedelta(hours=2), title))).menu)[0]
    assert headline == "Back and belly exercises (the ones your\N{HORIZONTAL ELLIPSIS} in 2 h"
    assert shorten("Two\nlines  here") == "Two lines here"
    assert len(shorten("x" * 100)) == 40


@given(st.integers(min_value=-(10**9), max_value=10 * 24 * 3600 * 10**6))
def test_the_countdown_changes_exactly_when_announced(micros: int) -> None:
    due = NOW + timedelta(microseconds=micros)
    change = countdown_changes_at(due, NOW)
    assert change > NOW
    assert change - NOW <= max(timedelta(minutes=1), (due - NOW) / 2)
    if micros > 0:
        # The text holds until the announced moment and changes right then.
        assert countdown(due, change - timedelta(microseconds=1)) == countdown(due, NOW)
        assert countdown(due, change) != countdown(due, NOW)


def test_a_countdown_refreshes_once_a_minute() -> None:
    s = status(upcoming=due_in(timedelta(minutes=12, seconds=20)))
    assert refresh_at(s, NOW, BERLIN) == NOW + timedelta(seconds=20)
    s = status(upcoming=due_in(timedelta(minutes=12)))
    assert refresh_at(s, NOW, BERLIN) == NOW + timedelta(minutes=1)


def test_an_overdue_countdown_looks_again_a_minute_later() -> None:
    s = status(upcoming=due_in(timedelta(minutes=-1)))
    assert refresh_at(s, NOW, BERLIN) == NOW + timedelta(minutes=1)


def test_a_pause_refreshes_when_it_ends() -> None:
    end = NOW + timedelta(hours=2)
    assert refresh_at(status(paused=True, until=end, upcoming=()), NOW, BERLIN) == end
    # The daemon has not said it resumed yet: look again shortly, not in a busy loop.
    late = status(paused=True, until=NOW - timedelta(seconds=1), upcoming=())
    assert refresh_at(late, NOW, BERLIN) == NOW + timedelta(minutes=1)


def test_otherwise_it_refreshes_at_local_midnight_for_a_new_today() -> None:
    midnight = datetime(2026, 3, 17, 0, 0, tzinfo=BERLIN)
    assert refresh_at(status(paused=True, upcoming=()), NOW, BERLIN) == midnight
    assert refresh_at(status(upcoming=()), NOW, BERLIN) == midnight
    assert view(status(upcoming=due_in(timedelta(days=3, hours=12)))).refresh_at == midnight


def test_midnight_after_a_clock_change_is_the_local_one() -> None:
    # Berlin moves its clocks forward at 02:00 on 29 March 2026: that day has 23 hours.
    night = datetime(2026, 3, 29, 1, 0, tzinfo=BERLIN)
    change = refresh_at(status(paused=True, upcoming=()), night, BERLIN)
    assert change == datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # 00:00 CEST
    assert change.astimezone(UTC) - night.astimezone(UTC) == timedelta(hours=22)


# -- today, tooltip ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("done", "prompted", "text"),
    [
        (5, 8, "Today: 5 of 8 done"),
        (0, 3, "Today: 0 of 3 done"),
        (3, 3, "Today: 3 of 3 done"),
        (0, 0, "Today: no reminders yet"),
        (2, 0, "Today: 2 done"),  # answered with `postureping done`, without a reminder
        (4, 3, "Today: 4 done"),
    ],
)
def test_today(done: int, prompted: int, text: str) -> None:
    assert labels(view(status(done=done, prompted=prompted)).menu)[1] == text


def test_the_tooltip_repeats_the_headline() -> None:
    s = status(upcoming=due_in(timedelta(minutes=5)))
    assert view(s).title == "postureping: Time for a gentle stretch in 5 min"
    demo = status(upcoming=due_in(timedelta(minutes=5)), demo=True)
    assert view(demo).title == "postureping: Time for a gentle stretch in 5 min (demo)"


def test_the_view_is_a_value() -> None:
    # The adapter redraws only when the view changed: equal statuses give equal views.
    assert view(status()) == view(status())
    assert view(status()) != view(status(done=6))


# -- the icon ---------------------------------------------------------------------------------


def test_every_state_has_its_own_icon() -> None:
    images = {state: draw_icon(state) for state in IconState}
    for image in images.values():
        assert (image.mode, image.size) == ("RGBA", (SIZE, SIZE))
        assert image.getpixel((0, 0)) == (0, 0, 0, 0)  # transparent corners
    data = {state: image.tobytes() for state, image in images.items()}
    assert len(set(data.values())) == len(IconState)


def test_the_paused_icon_is_grey() -> None:
    def colourful(state: IconState) -> int:
        data = draw_icon(state).tobytes()  # RGBA
        pixels = zip(data[0::4], data[1::4], data[2::4], data[3::4], strict=True)
        return sum(1 for r, g, b, a in pixels if a and max(r, g, b) - min(r, g, b) > 40)

    assert colourful(IconState.PAUSED) == 0
    assert colourful(IconState.ACTIVE) > 1000


def test_icons_scale_and_are_fresh_copies() -> None:
    small = draw_icon(IconState.ACTIVE, 22)
    assert small.size == (22, 22)
    first = draw_icon(IconState.ACTIVE)
    first.putpixel((0, 0), (1, 2, 3, 4))
    assert draw_icon(IconState.ACTIVE).getpixel((0, 0)) == (0, 0, 0, 0)


def test_a_hold_shows_under_the_headline() -> None:
    now = datetime(2026, 3, 14, 14, 0, tzinfo=UTC)
    status = Status(
        now=now, paused=False, paused_until=None, upcoming=(), awaiting=None,
        done_today=0, prompted_today=0,
        activity=Activity("x11", False, "fullscreen window: libreoffice-impress"), held=("walk",),
    )  # fmt: skip
    labels = [
        e.label for e in build_view(status, now, Path("c.toml"), UTC).menu if isinstance(e, Item)
    ]
    assert labels[:3] == [
        "No reminder scheduled",
        "Waiting: fullscreen window: libreoffice-impress",
        "Today: no reminders yet",
    ]


CHECKIN = ("checkin", "How is your back today?")


def _pain_items(entries: tuple[Entry, ...]) -> list[tuple[str, object]]:
    [menu] = [e for e in entries if isinstance(e, Item) and e.label == "How is your back today?"]
    return [(item.label, item.action) for item in menu.submenu if isinstance(item, Item)]


def test_the_checkin_is_in_the_menu_only_when_it_is_on() -> None:
    off = build_view(status(), NOW, SETTINGS).menu
    assert "How is your back today?" not in labels(off)
    on = build_view(status(routines=(*ROUTINES, CHECKIN)), NOW, SETTINGS).menu
    assert _pain_items(on) == [
        ("Pain 0\u20132", CheckInPain(1)),
        ("Pain 3\u20135", CheckInPain(4)),
        ("Pain 6\u20138", CheckInPain(7)),
        ("Pain 9\u201310", CheckInPain(9)),
    ]


def test_an_open_checkin_asks_for_pain_not_done() -> None:
    prompt = Prompt("checkin", "How is your back today?", NOW)
    menu = build_view(status(awaiting=prompt, routines=(*ROUTINES, CHECKIN)), NOW, SETTINGS).menu
    names = labels(menu)
    assert not any(name.startswith(("Done", "Snooze")) for name in names)
    assert names.count("How is your back today?") == 1
    assert [e.action for e in menu if isinstance(e, Item) and e.label == "Skip"] == [
        AnswerPrompt(Answer.SKIP, ("checkin",))
    ]
    assert len(_pain_items(menu)) == 4
