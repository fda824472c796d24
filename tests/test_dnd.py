"""Hold probes: the pure parts, then each probe against the real thing it reads.

dunst runs in the harness's session. The `Inhibited` property comes from a small fake
notification server (FAKE_SERVER, a child process) on a bus of its own, since dunst has none.
No window manager runs under Xvfb, so most fullscreen tests set the EWMH properties a window
manager would set, from a client connection of their own; one runs Openbox, when installed.
Tests that start their own bus use the harness's (`desktop_programs` skips them, or fails them
in CI, when a program is missing). GNOME's key is read in a child
process (Gio caches its schema source and backend per process) from a compiled copy of the
schema: with GLib's memory backend, and with dconf as on a real GNOME desktop.
"""

from __future__ import annotations

import json
import logging
import os
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest

from postureping.dnd.base import FailureStreak, HoldProbe, ProbeUnavailable
from postureping.dnd.gnome import GnomeProbe, is_gnome_session
from postureping.dnd.registry import PROBES, choose_hold_probes, hold_reason
from postureping.dnd.server_flag import ServerFlagProbe
from postureping.dnd.windows_focus import reason_for_state
from tests.desktop import (
    NOTIFICATIONS,
    DesktopSession,
    start_bus,  # a private bus with nothing on it
    stop_pid,
    strip_session_vars,
    wait_until,
)
from tests.x11_windows import Wm

ROOT = Path(__file__).resolve().parent.parent
WAIT = 10.0  # seconds: an upper bound for what normally takes milliseconds
QUICK = 1.0  # seconds: what is missing must be reported at once, not after a timeout
PROBE_LIMIT = 2.0  # seconds: the contract's bound for one hold_reason call

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="a Linux desktop part")


# ---------------------------------------------------------------------------------------------
# Pure parts


def test_windows_states_that_hold() -> None:
    holding = {state for state in range(8) if reason_for_state(state) is not None}
    assert holding == {2, 3, 4, 6}  # busy, Direct3D fullscreen, presentation, quiet time
    assert reason_for_state(4) == "presentation mode is on"
    assert reason_for_state(5) is None  # QUNS_ACCEPTS_NOTIFICATIONS
    assert reason_for_state(1) is None  # locked: not a reason to hold, the user is away


@linux_only
def test_never_hold_matches_either_part_of_wm_class() -> None:
    from postureping.dnd.fullscreen import describe, folded, is_exempt

    never = folded({"Alacritty", "code"})
    assert is_exempt(("Alacritty", "Alacritty"), never)
    assert is_exempt(("code", "Code"), never)  # the instance
    assert is_exempt(("x", "CODE"), never)  # the class, in any case
    assert not is_exempt(("Navigator", "firefox"), never)
    assert not is_exempt(("", ""), folded({""}))  # an empty part matches nothing
    assert not is_exempt(None, never)
    assert describe(("Navigator", "firefox"), 0x400001) == "firefox"
    assert describe(("mpv", ""), 0x400001) == "mpv"
    assert describe(None, 0x400001) == "window 0x400001"


@dataclass
class Probe:
    """A HoldProbe with a fixed answer that counts how often it was asked."""

    name: str
    reason: str | None
    asked: int = 0

    def hold_reason(self) -> str | None:
        self.asked += 1
        return self.reason

    def close(self) -> None:
        pass


def test_hold_reason_is_the_first_probes() -> None:
    quiet, busy, later = Probe("a", None), Probe("b", "busy"), Probe("c", "later")
    assert hold_reason([quiet, busy, later]) == "busy"
    assert (quiet.asked, busy.asked, later.asked) == (1, 1, 0)  # no need to ask further
    assert hold_reason([quiet]) is None
    assert hold_reason([]) is None


def test_the_registry_lists_every_probe_in_order() -> None:
    names = [
        "gnome", "notifications-inhibited", "dunst", "mako", "swaync", "fullscreen",
        "sway-fullscreen", "wlr-fullscreen", "windows-focus",
    ]  # fmt: skip
    assert list(PROBES) == names


def test_no_display_and_no_bus(tmp_path: Path) -> None:
    for environ in (
        {},
        {"DISPLAY": ":9999", "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path / 'no-bus'}"},
    ):
        start = time.monotonic()
        probes, unavailable = choose_hold_probes(environ, frozenset())
        assert time.monotonic() - start < QUICK
        working = ["windows-focus"] if sys.platform == "win32" else []
        assert [probe.name for probe in probes] == working
        for probe in probes:
            probe.close()
        reasons = dict(unavailable)
        assert list(reasons) == [name for name in PROBES if name not in working]
        assert reasons["gnome"] == "not a GNOME session (XDG_CURRENT_DESKTOP is not set)"
        if sys.platform == "linux":
            assert "no D-Bus session bus" in reasons["dunst"]
            assert "X display" in reasons["fullscreen"]
            assert reasons["windows-focus"] == "not Windows"


def test_gnome_sessions() -> None:
    assert is_gnome_session({"XDG_CURRENT_DESKTOP": "GNOME"})
    assert is_gnome_session({"XDG_CURRENT_DESKTOP": "ubuntu:GNOME"})
    assert is_gnome_session({"XDG_CURRENT_DESKTOP": "GNOME-Flashback:GNOME"})
    assert not is_gnome_session({"XDG_CURRENT_DESKTOP": "KDE"})
    assert not is_gnome_session({"XDG_CURRENT_DESKTOP": "XFCE", "DESKTOP_SESSION": "gnome"})
    assert is_gnome_session({"XDG_SESSION_DESKTOP": "gnome-xorg"})  # an old display manager
    assert not is_gnome_session({})
    with pytest.raises(ProbeUnavailable, match=r"^not a GNOME session \(.* is KDE\)$"):
        GnomeProbe.open({"XDG_CURRENT_DESKTOP": "KDE"})


def test_gnome_needs_pygobject_or_gsettings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "gi", None)  # what `import gi` meets without PyGObject
    with pytest.raises(ProbeUnavailable, match=r"^needs PyGObject .* or GLib's gsettings"):
        GnomeProbe.open({"XDG_CURRENT_DESKTOP": "GNOME", "PATH": "/nonexistent"})


def test_a_failure_streak_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    log = logging.getLogger("postureping.dnd.test")
    caplog.set_level(logging.INFO, logger=log.name)
    streak = FailureStreak(log, "test", (OSError,))
    answers: list[str | OSError | KeyError | None] = [
        "busy",
        OSError("gone"),
        OSError("still gone"),
        None,
        KeyError("bug"),
        KeyError("bug"),
    ]

    def read() -> str | None:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert [streak.run(read) for _ in range(6)] == ["busy", None, None, None, None, None]
    assert [(r.levelname, r.getMessage(), bool(r.exc_info)) for r in caplog.records] == [
        ("WARNING", "the test hold probe failed (gone); it holds no reminders until it works "
         "again", False),
        ("INFO", "the test hold probe works again", False),
        ("WARNING", "the test hold probe failed ('bug'); it holds no reminders until it works "
         "again", True),  # unexpected: with its traceback
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# dunst


def open_probes(desktop: DesktopSession) -> tuple[dict[str, HoldProbe], dict[str, str]]:
    probes, unavailable = choose_hold_probes(desktop.env, frozenset())
    return {probe.name: probe for probe in probes}, dict(unavailable)


@pytest.fixture
def probes(desktop_module: DesktopSession) -> Iterator[dict[str, HoldProbe]]:
    opened, _ = open_probes(desktop_module)
    yield opened
    for probe in opened.values():
        probe.close()


@linux_only
def test_the_probes_that_work_with_dunst(desktop_module: DesktopSession) -> None:
    start = time.monotonic()
    opened, unavailable = open_probes(desktop_module)
    assert time.monotonic() - start < QUICK
    assert list(opened) == ["dunst", "fullscreen"]
    assert unavailable == {
        "gnome": "not a GNOME session (XDG_CURRENT_DESKTOP is not set)",
        "notifications-inhibited": "the notification server has no "
        "org.freedesktop.Notifications Inhibited property (No such property “Inhibited”)",
        "mako": "the notification server has no fr.emersion.Mako.ListModes "
        "(Object does not exist at path “/fr/emersion/Mako”)",
        "swaync": "the notification server has no org.erikreider.swaync.cc.GetDnd "
        "(Object does not exist at path “/org/erikreider/swaync/cc”)",
        "sway-fullscreen": "not sway (SWAYSOCK is not set)",
        "wlr-fullscreen": "not a Wayland session (WAYLAND_DISPLAY is not set)",
        "windows-focus": "not Windows",
    }
    for probe in opened.values():
        probe.close()


@linux_only
def test_dunst_paused_holds(desktop_module: DesktopSession, probes: dict[str, HoldProbe]) -> None:
    dunst = probes["dunst"]
    assert dunst.hold_reason() is None
    try:
        desktop_module.run("dunstctl", "set-paused", "true")
        assert dunst.hold_reason() == "do not disturb is on (dunst is paused)"
        assert hold_reason(list(probes.values())) == "do not disturb is on (dunst is paused)"
    finally:
        desktop_module.run("dunstctl", "set-paused", "false")
    assert dunst.hold_reason() is None


@linux_only
def test_dunst_tells_when_it_pauses_and_resumes(
    desktop_module: DesktopSession, probes: dict[str, HoldProbe]
) -> None:
    """dunst sends PropertiesChanged for `paused`: the probe wakes the daemon at once."""
    dunst = probes["dunst"]
    assert isinstance(dunst, ServerFlagProbe)
    told = threading.Semaphore(0)
    dunst.watch(told.release)
    watch = dunst._watch
    assert watch is not None
    wait_until(lambda: watch.watching, timeout=WAIT, what="the probe to follow dunst")
    try:
        desktop_module.run("dunstctl", "set-paused", "true")
        assert told.acquire(timeout=WAIT)
        assert dunst.hold_reason() == "do not disturb is on (dunst is paused)"
    finally:
        desktop_module.run("dunstctl", "set-paused", "false")
    assert told.acquire(timeout=WAIT)
    assert dunst.hold_reason() is None


@linux_only
def test_losing_dunst_is_logged_once(
    desktop: DesktopSession, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="postureping.dnd")
    opened, _ = open_probes(desktop)
    dunst = opened["dunst"]
    stop_pid(desktop.pids["dunst"])
    assert [dunst.hold_reason() for _ in range(3)] == [None] * 3
    assert [r.getMessage() for r in caplog.records if r.name == "postureping.dnd.dunst"] == [
        "the dunst hold probe failed (no notification server is running); it holds no "
        "reminders until it works again"
    ]
    for probe in opened.values():
        probe.close()


# ---------------------------------------------------------------------------------------------
# The notification server's Inhibited property, from a fake server on a bus of its own

# Owns org.freedesktop.Notifications; answers Properties.Get for Inhibited with whether the
# file at argv[1] says "true", and anything else with sd-bus's error for a missing property.
FAKE_SERVER = """\
import sys
from pathlib import Path
from jeepney import HeaderFields, MessageType, new_error, new_method_return
from jeepney.bus_messages import message_bus
from jeepney.io.blocking import open_dbus_connection

state = Path(sys.argv[1])
conn = open_dbus_connection("SESSION")
conn.send_and_get_reply(message_bus.RequestName("org.freedesktop.Notifications"), timeout=5)
while True:
    msg = conn.receive()
    if msg.header.message_type is not MessageType.method_call:
        continue
    fields = msg.header.fields
    call = (fields.get(HeaderFields.interface), fields.get(HeaderFields.member), msg.body)
    if call == ("org.freedesktop.DBus.Properties", "Get",
                ("org.freedesktop.Notifications", "Inhibited")):
        inhibited = state.read_text().strip() == "true"
        conn.send(new_method_return(msg, "v", (("b", inhibited),)))
    else:
        error = "org.freedesktop.DBus.Error.UnknownProperty"
        conn.send(new_error(msg, error, "s", ("no such property",)))
"""


class FakeServer:
    """FAKE_SERVER on a private bus (no X, no dunst): `inhibit`, `start`, `stop`."""

    def __init__(self, directory: Path, stack: ExitStack) -> None:
        self.directory = directory
        self.state = directory / "inhibited"
        self.state.write_text("false")
        env = strip_session_vars(os.environ)
        _, address = start_bus(directory, env, stack)  # stopped by `stack`
        self.env = env | {"DBUS_SESSION_BUS_ADDRESS": address}
        self.proc: subprocess.Popen[bytes] | None = None
        stack.callback(self.stop)

    def inhibit(self, inhibited: bool) -> None:
        self.state.write_text("true" if inhibited else "false")

    def start(self) -> None:
        with (self.directory / "server.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", FAKE_SERVER, os.fspath(self.state)],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        has_owner = [
            "dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
            "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", f"string:{NOTIFICATIONS}",
        ]  # fmt: skip

        def owns_name() -> bool:
            assert self.proc is not None and self.proc.poll() is None, "the fake server died"
            reply = subprocess.run(
                has_owner, check=False, env=self.env, capture_output=True, text=True
            )
            return "boolean true" in reply.stdout

        wait_until(owns_name, timeout=WAIT, what="the fake server to own its name")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            os.kill(proc.pid, signal.SIGCONT)  # should a test have stopped it
            stop_pid(proc.pid)
            proc.wait(WAIT)


@pytest.fixture
def server(desktop_programs: None, tmp_path: Path) -> Iterator[FakeServer]:
    with ExitStack() as stack:
        fake = FakeServer(tmp_path, stack)
        fake.start()
        yield fake


@linux_only
def test_inhibited_is_followed(server: FakeServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="postureping.dnd")
    probes, unavailable = choose_hold_probes(server.env, frozenset())
    try:
        assert [probe.name for probe in probes] == ["notifications-inhibited"]
        assert dict(unavailable)["dunst"] == (
            "the notification server has no org.dunstproject.cmd0 paused property "
            "(no such property)"
        )
        assert "DISPLAY is not set" in dict(unavailable)["fullscreen"]
        (inhibited,) = probes
        assert inhibited.hold_reason() is None
        server.inhibit(True)
        assert inhibited.hold_reason() == "do not disturb is on (notifications are inhibited)"
        assert hold_reason(probes) == "do not disturb is on (notifications are inhibited)"
        server.inhibit(False)
        assert inhibited.hold_reason() is None
        assert caplog.records == []
    finally:
        for probe in probes:
            probe.close()


@linux_only
def test_a_hung_or_lost_server_is_survived(
    server: FakeServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="postureping.dnd")
    probes, _ = choose_hold_probes(server.env, frozenset())
    (inhibited,) = probes
    server.inhibit(True)
    assert server.proc is not None
    os.kill(server.proc.pid, signal.SIGSTOP)  # hung: the bus queues our call, no answer comes
    start = time.monotonic()
    assert inhibited.hold_reason() is None
    assert time.monotonic() - start < PROBE_LIMIT
    os.kill(server.proc.pid, signal.SIGCONT)  # it answers the old call late, then the new one
    assert inhibited.hold_reason() == "do not disturb is on (notifications are inhibited)"
    server.stop()
    assert [inhibited.hold_reason() for _ in range(3)] == [None] * 3
    server.start()
    assert inhibited.hold_reason() == "do not disturb is on (notifications are inhibited)"
    inhibited.close()
    assert [r.getMessage() for r in caplog.records] == [
        "the notifications-inhibited hold probe failed (the notification server did not "
        "answer in 1 s); it holds no reminders until it works again",
        "the notifications-inhibited hold probe works again",
        "the notifications-inhibited hold probe failed (no notification server is running); "
        "it holds no reminders until it works again",
        "the notifications-inhibited hold probe works again",
    ]


@linux_only
def test_a_server_that_starts_later(
    desktop_programs: None, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The daemon may start before the desktop's notification server: the D-Bus probes are
    kept, and the one whose property the server has follows it once it is there."""
    with ExitStack() as stack:
        caplog.set_level(logging.INFO, logger="postureping.dnd")
        server = FakeServer(tmp_path, stack)
        probes, _ = choose_hold_probes(server.env, frozenset())
        for probe in probes:
            stack.callback(probe.close)
        kept = ["notifications-inhibited", "dunst", "mako", "swaync"]
        assert [probe.name for probe in probes] == kept
        assert [r.getMessage() for r in caplog.records] == [
            f"the {name} hold probe failed (no notification server is running); it holds no "
            "reminders until it works again"
            for name in kept
        ]
        assert hold_reason(probes) is None
        server.inhibit(True)
        server.start()
        assert hold_reason(probes) == "do not disturb is on (notifications are inhibited)"
        server.inhibit(False)
        assert hold_reason(probes) is None  # the others asked too: it is not dunst, mako...
        assert [r.getMessage() for r in caplog.records[len(kept) :]] == [
            "the notifications-inhibited hold probe works again"
        ]  # and nothing new from the others: the same failure streak


# ---------------------------------------------------------------------------------------------
# A fullscreen active window on X11


@pytest.fixture
def wm(desktop_module: DesktopSession) -> Iterator[Wm]:
    pytest.importorskip("Xlib")
    manager = Wm(desktop_module.display)
    yield manager
    manager.activate(0)
    manager.display.close()


@linux_only
def test_a_fullscreen_active_window_holds(
    desktop_module: DesktopSession, wm: Wm, caplog: pytest.LogCaptureFixture
) -> None:
    from postureping.dnd.fullscreen import FullscreenProbe

    probe = FullscreenProbe.open(desktop_module.env, frozenset())
    exempting = FullscreenProbe.open(desktop_module.env, frozenset({"NAVIGATOR"}))
    try:
        assert probe.hold_reason() is None  # no active window yet
        browser = wm.window("Navigator", "firefox", "ABOVE", "FULLSCREEN")
        editor = wm.window("gedit", "Gedit", "MAXIMIZED_VERT", "MAXIMIZED_HORZ")
        wm.activate(browser.id)
        assert probe.hold_reason() == "fullscreen window: firefox"
        assert exempting.hold_reason() is None  # its instance is in never_hold
        wm.activate(editor.id)
        assert probe.hold_reason() is None  # maximized is not fullscreen
        wm.activate(browser.id)
        wm.set_state(browser, "ABOVE")  # left fullscreen
        assert probe.hold_reason() is None
        wm.set_state(browser, "FULLSCREEN")
        assert probe.hold_reason() == "fullscreen window: firefox"
        browser.destroy()  # the window manager has not caught up: the active window is gone
        wm.display.sync()
        assert probe.hold_reason() is None
        assert caplog.records == []  # a closed window is no failure
    finally:
        probe.close()
        exempting.close()


@linux_only
def test_losing_the_x_server_is_logged_once(
    desktop: DesktopSession, caplog: pytest.LogCaptureFixture
) -> None:
    from postureping.dnd.fullscreen import FullscreenProbe

    probe = FullscreenProbe.open(desktop.env, frozenset())
    for program in ("dunst", "Xvfb"):
        stop_pid(desktop.pids[program])
    start = time.monotonic()
    assert [probe.hold_reason() for _ in range(3)] == [None] * 3  # reconnecting each time
    assert time.monotonic() - start < PROBE_LIMIT
    probe.close()
    warnings = [r for r in caplog.records if r.name == "postureping.dnd.fullscreen"]
    assert len(warnings) == 1, warnings
    assert warnings[0].getMessage().startswith("the fullscreen hold probe failed (")
    with pytest.raises(ProbeUnavailable, match=rf"^cannot use X display {desktop.display} \("):
        FullscreenProbe.open(desktop.env, frozenset())


def request_fullscreen(wm: Wm, window: Any, on: bool) -> None:
    """Ask the window manager to change fullscreen, as an application does (EWMH)."""
    from Xlib import X
    from Xlib.protocol.event import ClientMessage

    action = 1 if on else 0  # _NET_WM_STATE_ADD or _NET_WM_STATE_REMOVE
    data = [action, wm.atom("_NET_WM_STATE_FULLSCREEN"), 0, 1, 0]  # 1: from an application
    message = ClientMessage(window=window, client_type=wm.atom("_NET_WM_STATE"), data=(32, data))
    mask = X.SubstructureRedirectMask | X.SubstructureNotifyMask
    fullscreen = wm.atom("_NET_WM_STATE_FULLSCREEN")

    def published() -> bool | None:
        # Asked again each time: a window manager may drop a request that comes while it is
        # still placing the window. Adding or removing a state twice changes nothing.
        wm.root.send_event(message, event_mask=mask)
        wm.display.sync()
        state = window.get_full_property(wm.atom("_NET_WM_STATE"), X.AnyPropertyType)
        return ((state is not None and fullscreen in state.value) == on) or None

    wait_until(published, timeout=WAIT, what=f"the window manager to publish fullscreen={on}")


@linux_only
def test_a_real_window_manager(desktop: DesktopSession, tmp_path: Path) -> None:
    """Openbox, an EWMH window manager, publishes what the probe reads when an application
    goes fullscreen and when the focus moves."""
    pytest.importorskip("Xlib")
    if not shutil.which("openbox"):
        pytest.skip("openbox is not installed (apt package openbox)")
    from postureping.dnd.fullscreen import FullscreenProbe

    home = tmp_path / "home"  # openbox keeps a log in ~/.cache
    env = desktop.env | {"HOME": os.fspath(home), "XDG_CACHE_HOME": os.fspath(home / ".cache")}
    with ExitStack() as stack:
        with (tmp_path / "openbox.log").open("wb") as log:
            openbox = subprocess.Popen(
                ["openbox", "--sm-disable"],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )
        stack.callback(openbox.wait, WAIT)
        stack.callback(stop_pid, openbox.pid)
        wm = Wm(desktop.display)
        stack.callback(wm.display.close)
        check = wm.atom("_NET_SUPPORTING_WM_CHECK")
        wait_until(lambda: wm.root.get_full_property(check, 0), timeout=WAIT, what="openbox")
        probe = FullscreenProbe.open(desktop.env, frozenset())
        stack.callback(probe.close)

        def activate(window: Any) -> None:
            desktop.run("xdotool", "windowactivate", "--sync", str(window.id))

        def answer(expected: str | None) -> None:
            what = f"the probe to answer {expected!r}"
            wait_until(lambda: probe.hold_reason() == expected or None, timeout=WAIT, what=what)

        film, notes = wm.window("player", "mpv"), wm.window("notes", "Gedit")
        for window in (film, notes):
            window.map()
        wm.display.sync()
        activate(film)
        answer(None)
        request_fullscreen(wm, film, on=True)
        answer("fullscreen window: mpv")
        activate(notes)
        answer(None)
        activate(film)
        answer("fullscreen window: mpv")
        request_fullscreen(wm, film, on=False)
        answer(None)


# ---------------------------------------------------------------------------------------------
# GNOME's show-banners, read from a compiled copy of the schema

# The key as gsettings-desktop-schemas defines it (id, path, name, type, default).
SCHEMA = """\
<schemalist>
  <schema id="org.gnome.desktop.notifications" path="/org/gnome/desktop/notifications/">
    <key name="show-banners" type="b">
      <default>true</default>
      <summary>Show notification banners</summary>
    </key>
  </schema>
</schemalist>
"""

# Opens the probe as the daemon would on GNOME, then, for each line on stdin: "set true" or
# "set false" writes the key through Gio (as GNOME's switch does), anything else asks the
# probe. Prints one JSON answer a line.
GNOME_CHILD = """\
import json, sys
from postureping.dnd.base import ProbeUnavailable
from postureping.dnd.gnome import GnomeProbe

try:
    probe = GnomeProbe.open({"XDG_CURRENT_DESKTOP": "ubuntu:GNOME"})
except ProbeUnavailable as error:
    print(json.dumps({"unavailable": str(error)}), flush=True)
    sys.exit()
from gi.repository import Gio

print(json.dumps({"backend": type(Gio.SettingsBackend.get_default()).__name__}), flush=True)
for line in sys.stdin:
    if line.startswith("set "):
        settings = Gio.Settings.new("org.gnome.desktop.notifications")
        settings.set_boolean("show-banners", line.split()[1] == "true")
        Gio.Settings.sync()
        print(json.dumps({"set": line.split()[1]}), flush=True)
    else:
        print(json.dumps({"reason": probe.hold_reason()}), flush=True)
"""


def require(found: object, what: str) -> None:
    """Skip without `found`; in CI, fail instead, since CI installs it (.ci/run)."""
    if found:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what}; CI is expected to install it (.ci/run)", pytrace=False)
    pytest.skip(what)


@dataclass
class GnomeChild:
    """GNOME_CHILD, talked to line by line."""

    proc: subprocess.Popen[str]

    def ask(self, line: str = "probe") -> Any:
        assert self.proc.stdin is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.answer()

    def answer(self) -> Any:
        """The next JSON line. The child writes one line per request, so nothing waits in
        the pipe's Python buffer that `select` would miss."""
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], WAIT)
        assert ready, f"the GNOME child gave no answer in {WAIT:g} s"
        line = self.proc.stdout.readline()
        assert line, f"the GNOME child exited with {self.proc.wait(WAIT)}"
        return json.loads(line)


@pytest.fixture
def gnome_env(tmp_path: Path) -> dict[str, str]:
    """A hermetic GSettings world: only the copied schema, nothing from the machine."""
    require(shutil.which("glib-compile-schemas"), "glib-compile-schemas is missing (apt "
            "package libglib2.0-bin)")  # fmt: skip
    require(find_spec("gi"), "PyGObject is not installed (the test extra brings it)")
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "org.gnome.desktop.notifications.gschema.xml").write_text(SCHEMA)
    subprocess.run(["glib-compile-schemas", os.fspath(schemas)], check=True, timeout=WAIT)
    (empty := tmp_path / "empty").mkdir()
    (runtime := tmp_path / "runtime").mkdir(mode=0o700)
    return strip_session_vars(os.environ) | {
        "GSETTINGS_SCHEMA_DIR": os.fspath(schemas),
        "XDG_DATA_DIRS": os.fspath(empty),  # not the machine's own schemas
        "XDG_DATA_HOME": os.fspath(empty),
        "XDG_CONFIG_HOME": os.fspath(tmp_path / "config"),
        "XDG_RUNTIME_DIR": os.fspath(runtime),
        "HOME": os.fspath(tmp_path),
        "GSETTINGS_BACKEND": "memory",
    }


@pytest.fixture
def gnome_child(gnome_env: dict[str, str]) -> Iterator[Callable[[dict[str, str]], GnomeChild]]:
    children: list[subprocess.Popen[str]] = []

    def start(env: dict[str, str]) -> GnomeChild:
        proc = subprocess.Popen(
            [sys.executable, "-c", GNOME_CHILD],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        children.append(proc)
        return GnomeChild(proc)

    yield start
    for proc in children:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(WAIT)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(WAIT)
        if proc.stdout is not None:
            proc.stdout.close()


@linux_only
def test_gnome_do_not_disturb_holds(
    gnome_env: dict[str, str], gnome_child: Callable[[dict[str, str]], GnomeChild]
) -> None:
    child = gnome_child(gnome_env)
    assert child.answer() == {"backend": "GMemorySettingsBackend"}
    assert child.ask() == {"reason": None}
    assert child.ask("set false") == {"set": "false"}
    assert child.ask() == {"reason": "do not disturb is on (GNOME)"}
    assert child.ask("set true") == {"set": "true"}
    assert child.ask() == {"reason": None}


@linux_only
def test_gnome_without_the_schema(
    gnome_env: dict[str, str], gnome_child: Callable[[dict[str, str]], GnomeChild]
) -> None:
    env = {name: value for name, value in gnome_env.items() if name != "GSETTINGS_SCHEMA_DIR"}
    child = gnome_child(env)
    assert child.answer() == {
        "unavailable": "the GSettings schema org.gnome.desktop.notifications (with show-banners) "
        "is not installed"
    }


@linux_only
def test_gnome_do_not_disturb_without_pygobject(
    gnome_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A default install has no PyGObject (it comes with the `tray` extra): GNOME's switch is
    then read with GLib's `gsettings` program, which every GNOME has. The switch is flipped by
    another process, as GNOME's shell does (the keyfile backend stands in for dconf here)."""
    require(shutil.which("gsettings"), "gsettings is missing (apt package libglib2.0-bin)")
    monkeypatch.setitem(sys.modules, "gi", None)  # what `import gi` meets without PyGObject
    env = gnome_env | {"GSETTINGS_BACKEND": "keyfile", "XDG_CURRENT_DESKTOP": "GNOME"}
    probe = GnomeProbe.open(env)
    gsettings = ["gsettings", "set", "org.gnome.desktop.notifications", "show-banners"]
    try:
        assert probe.hold_reason() is None
        for value, reason in (("false", "do not disturb is on (GNOME)"), ("true", None)):
            subprocess.run([*gsettings, value], env=env, check=True, timeout=WAIT)
            assert probe.hold_reason() == reason
    finally:
        probe.close()
    without = {name: value for name, value in env.items() if name != "GSETTINGS_SCHEMA_DIR"}
    with pytest.raises(ProbeUnavailable, match=r"^the GSettings schema .* is not installed"):
        GnomeProbe.open(without)


def dconf_service() -> Path | None:
    """dconf's writer, when dconf and its GSettings module are installed."""
    service = Path("/usr/libexec/dconf-service")
    modules = list(Path("/usr/lib").glob("*/gio/modules/libdconfsettings.so"))
    return service if service.exists() and modules else None


@linux_only
def test_gnome_with_dconf(
    desktop_programs: None,
    gnome_env: dict[str, str],
    gnome_child: Callable[[dict[str, str]], GnomeChild],
    tmp_path: Path,
) -> None:
    """As on a GNOME desktop: another process (here `gsettings`, in GNOME the shell) writes
    through dconf's service, and the daemon's probe sees each change without a main loop."""
    service = dconf_service()
    require(service, "dconf is missing (apt packages dconf-service, dconf-gsettings-backend)")
    assert service is not None
    with ExitStack() as stack:
        (bus_dir := tmp_path / "bus").mkdir()
        _, address = start_bus(bus_dir, gnome_env, stack)
        env = gnome_env | {"GSETTINGS_BACKEND": "dconf", "DBUS_SESSION_BUS_ADDRESS": address}
        with (tmp_path / "dconf.log").open("wb") as log:
            dconf = subprocess.Popen([service], env=env, stdin=subprocess.DEVNULL, stdout=log,
                                     stderr=log)  # fmt: skip
        stack.callback(dconf.wait, WAIT)
        stack.callback(stop_pid, dconf.pid)
        gsettings = ["gsettings", "set", "org.gnome.desktop.notifications", "show-banners"]
        child = gnome_child(env)
        assert child.answer() == {"backend": "DConfSettingsBackend"}
        assert child.ask() == {"reason": None}
        for value, reason in (("false", "do not disturb is on (GNOME)"), ("true", None)):
            subprocess.run([*gsettings, value], env=env, check=True, timeout=WAIT)
            assert child.ask() == {"reason": reason}
