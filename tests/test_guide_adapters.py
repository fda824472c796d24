"""The guide's adapters without a desktop: the Start button's action, the tray's Start items,
the command the daemon runs, the daemon's "auto", and the desktop's colour scheme (a stand-in
XDG portal on a real private bus)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from jeepney import HeaderFields  # type: ignore[import-untyped]
from jeepney.bus_messages import message_bus  # type: ignore[import-untyped]
from jeepney.wrappers import new_error, new_method_return  # type: ignore[import-untyped]

from postureping.controller import Prompt
from postureping.desktop.session_bus import SessionBus
from postureping.guide import theme
from postureping.guide.launch import guide_command
from postureping.notify.actions import ActionListener, ShownNotifications, action_list
from postureping.notify.freedesktop import notify_message
from postureping.paths import resolve_paths
from postureping.reminder import Reminder
from postureping.routines import Step
from postureping.tray.menu import Item, StartGuide, build_view
from tests.desktop import start_bus, strip_session_vars
from tests.routine_factory import at, every
from tests.test_notify_actions import SERVER_NAME, Peer, invoked
from tests.test_tray_menu import NOW, SETTINGS, status

STRETCH = replace(at("11:45"), steps=(Step("Reach up", 20), Step("Tilt", 20, per_side=True)))
WALK = every(60)


# -- the notification's Start button --------------------------------------------------------


def test_a_reminder_with_steps_names_its_guided_routine() -> None:
    reminder = Reminder.for_routines("k", [STRETCH], timedelta(seconds=20))
    assert reminder.guide == "stretch" and not reminder.auto_guide
    assert Reminder.for_routines("k", [WALK], timedelta(seconds=20)).guide is None
    off = replace(STRETCH, guide="off")
    assert Reminder.for_routines("k", [off], timedelta(seconds=20)).guide is None
    auto = replace(STRETCH, guide="auto")
    assert Reminder.for_routines("k", [auto], timedelta(seconds=20)).auto_guide
    # Shown again, redrawn, or in a group: the button, not the window.
    for again, redraw, routines in ((True, False, [auto]), (False, True, [auto]),
                                    (False, False, [auto, WALK])):  # fmt: skip
        shown = Reminder.for_routines("k", routines, timedelta(1), again=again, redraw=redraw)
        assert shown.guide == "stretch" and not shown.auto_guide


def test_the_start_button_comes_first_and_only_when_asked_for() -> None:
    assert action_list(guide="stretch")[:2] == ["guide:stretch", "Start"]
    assert action_list()[:2] == ["done", "Done"]
    reminder = Reminder.for_routines("k", [STRETCH], timedelta(seconds=20))
    with_guide = notify_message(reminder, ["actions"], 0, with_actions=True, with_guide=True)
    assert with_guide.body[5][:2] == ["guide:stretch", "Start"]
    without = notify_message(reminder, ["actions"], 0, with_actions=True, with_guide=False)
    assert "guide:stretch" not in without.body[5]


def test_start_opens_the_guide_and_closes_the_notification() -> None:
    peer = Peer()
    opened: list[str] = []
    shown = ShownNotifications()
    shown.add(7, "stretch-key")
    listener = ActionListener(shown, peer.on_action, peer.sent.append, on_guide=opened.append)
    listener.follow(SERVER_NAME)
    peer.sent.clear()
    listener.handle(invoked(SERVER_NAME, 7, "guide:stretch"))
    assert opened == ["stretch"] and peer.answers == []  # no answer: the guide gives it
    assert peer.sent_calls() == [("CloseNotification", (7,))]
    listener.handle(invoked(SERVER_NAME, 7, "guide:stretch"))  # once only
    listener.handle(invoked(":1.99", 8, "guide:stretch"))  # from anyone else: ignored
    assert opened == ["stretch"]


# -- the tray -------------------------------------------------------------------------------


def test_the_tray_offers_start_for_a_waiting_routine_with_steps() -> None:
    prompt = Prompt("stretch", "Time for a gentle stretch", NOW - timedelta(minutes=1))
    shown = build_view(replace(status(awaiting=prompt), guided=("stretch",)), NOW, SETTINGS).menu
    labels = [e.label for e in shown if isinstance(e, Item)]
    assert labels[labels.index("Today: 5 of 8 done") + 1] == "Start: Time for a gentle stretch"
    start = next(e for e in shown if isinstance(e, Item) and e.label.startswith("Start: "))
    assert start.action == StartGuide("stretch")
    guided = next(e for e in shown if isinstance(e, Item) and e.label == "Start a guided routine")
    assert [(e.label, e.action) for e in guided.submenu if isinstance(e, Item)] == [
        ("Time for a gentle stretch", StartGuide("stretch"))
    ]


def test_no_start_items_without_guided_routines() -> None:
    prompt = Prompt("walk", "Stand up and walk around", NOW - timedelta(minutes=1))
    menu = build_view(status(awaiting=prompt), NOW, SETTINGS).menu
    assert not [e for e in menu if isinstance(e, Item) and e.label.startswith("Start")]


# -- the command the daemon runs ------------------------------------------------------------


def test_the_guide_runs_in_this_python_with_the_daemons_settings_file(tmp_path: Path) -> None:
    named = resolve_paths(tmp_path / "mine.toml", {"HOME": str(tmp_path)})
    assert guide_command("stretch", named) == [
        sys.executable, "-m", "postureping", "--config", str(tmp_path / "mine.toml"),
        "guide", "stretch",
    ]  # fmt: skip
    default = resolve_paths(None, {"HOME": str(tmp_path)})
    assert guide_command("stretch", default) == [
        sys.executable, "-m", "postureping", "guide", "stretch"
    ]  # fmt: skip


def test_the_daemon_never_loads_a_toolkit_for_the_guide() -> None:
    import subprocess  # noqa: PLC0415

    probe = (
        "import sys, postureping.daemon.app, postureping.guide.launch;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tkinter', '_tkinter', 'rich')"
        " or m.startswith('postureping.guide.window')))"
    )
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True)  # fmt: skip
    assert result.stdout.strip() == "[]"


# -- the desktop's colours ------------------------------------------------------------------


def test_the_portals_answer_is_unwrapped() -> None:
    assert theme._unwrap(("v", ("u", 1))) == 1
    assert theme._unwrap(("u", 2)) == 2
    assert theme._unwrap(("s", "dark")) is None
    assert theme._unwrap(None) is None


def test_a_theme_named_wins_and_nothing_said_is_light(tmp_path: Path) -> None:
    environ = {"PATH": str(tmp_path)}  # no bus, no gsettings
    assert theme.palette("dark", environ) is theme.DARK
    assert theme.palette("light", environ) is theme.LIGHT
    assert theme.palette("auto", environ) is theme.LIGHT


class StandInPortal:
    """org.freedesktop.portal.Desktop's Settings.Read, answering a color-scheme."""

    def __init__(self, address: str, scheme: int | None) -> None:
        self.scheme = scheme
        self.bus = SessionBus.connect(10.0, bus=address)
        self.bus.start(lambda _message: None, self._on_call)
        self.bus.call(message_bus.RequestName("org.freedesktop.portal.Desktop"))

    def _on_call(self, call: Any) -> Any:
        member = call.header.fields.get(HeaderFields.member)
        if member != "Read" or tuple(call.body) != ("org.freedesktop.appearance", "color-scheme"):
            return new_error(call, "org.freedesktop.portal.Error.NotFound", "s", ("no",))
        if self.scheme is None:
            return new_error(call, "org.freedesktop.portal.Error.NotFound", "s", ("unset",))
        return new_method_return(call, "v", (("v", ("u", self.scheme)),))


@pytest.fixture
def bus_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not shutil.which("dbus-daemon"):
        if os.environ.get("CI") == "true":
            pytest.fail("dbus-daemon is missing; CI is expected to install it (.ci/run)")
        pytest.skip("needs dbus-daemon")
    with ExitStack() as stack:
        _pid, address = start_bus(tmp_path_factory.mktemp("bus"), strip_session_vars(os.environ),
                                  stack)  # fmt: skip
        yield address


@pytest.mark.parametrize(("scheme", "dark"), [(1, True), (2, False), (0, False), (None, False)])
def test_the_desktop_portal_says_dark_or_light(
    bus_address: str, tmp_path: Path, scheme: int | None, dark: bool
) -> None:
    portal = StandInPortal(bus_address, scheme)
    try:
        environ = {"DBUS_SESSION_BUS_ADDRESS": bus_address, "PATH": str(tmp_path)}
        assert theme.desktop_prefers_dark(environ) is dark
    finally:
        portal.bus.close()


def test_gnomes_setting_is_read_without_a_portal(tmp_path: Path) -> None:
    gsettings = tmp_path / "gsettings"
    gsettings.write_text("#!/bin/sh\necho \"'prefer-dark'\"\n")
    gsettings.chmod(0o755)
    assert theme.desktop_prefers_dark({"PATH": str(tmp_path)})
    gsettings.write_text("#!/bin/sh\necho \"'default'\"\n")
    assert not theme.desktop_prefers_dark({"PATH": str(tmp_path)})


# -- doctor ---------------------------------------------------------------------------------


def test_doctor_says_whether_the_guide_can_open_a_window(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from postureping.commands import doctor  # noqa: PLC0415
    from postureping.context import Context  # noqa: PLC0415

    ctx = Context(resolve_paths(None, {"HOME": str(tmp_path)}), {})
    check = doctor.guide(ctx)
    assert check.level == "ok" and check.detail.startswith("a window (Tk ")
    monkeypatch.setitem(sys.modules, "tkinter", None)  # a Python without Tk
    missing = doctor.guide(ctx)
    assert missing.level == "warn"
    assert "python3-tk" in missing.detail and "terminal" in missing.detail
