"""The app's icon on notifications and a click on their body (the "default" action).

The pure parts (the RGBA conversion, the shipped PNG, what a click means), then real servers:
dunst under Xvfb (a click counts as Done: the daemon records it, source "notification"),
notify-osd (no actions: `backend = "auto"` still talks D-Bus itself, without buttons), and, for
the servers that draw buttons (GNOME Shell, KDE Plasma, xfce4-notifyd, swaync; none of them can
be clicked here), a small server on a private bus that clicks like they do: the reminder comes
back with its buttons and nothing is recorded.
"""

from __future__ import annotations

import glob
import io
import itertools
import json
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from jeepney import (  # type: ignore[import-untyped]
    HeaderFields,
    new_error,
    new_method_return,
    new_signal,
)
from PIL import Image

from postureping.controller import Answer, PainPicked
from postureping.notify.actions import SERVER, action_list
from postureping.notify.app_icon import app_icon, argb_to_rgba, image_data
from postureping.notify.clicks import LABEL_DONE, LABEL_SHOW, BodyClicks
from postureping.notify.freedesktop import FreedesktopNotifier
from postureping.notify.plyer_backend import PlyerNotifier
from postureping.notify.registry import choose
from postureping.reminder import Reminder
from postureping.tray.menu import IconState
from postureping.tray.pixmaps import argb_pixmaps
from tests.cli_helpers import isolated_env, kinds_and_sources, run_cli
from tests.daemon_process import running_daemon
from tests.desktop import (
    DEFAULT_DUNSTRC,
    DesktopSession,
    _spawn,
    _start_xvfb,
    start_bus,
    start_session,
    strip_session_vars,
    wait_until,
)
from tests.notify_standin import StandInServer

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="freedesktop notifications")

WAIT = 10.0
NOTIFICATIONS = "org.freedesktop.Notifications"
# What dbus-monitor prints of the image-data hint: width, height, rowstride, has_alpha, bits
# per sample, channels, then the pixels.
IMAGE_DATA = re.compile(
    r'string "image-data"\s+variant\s+struct \{\s+int32 64\s+int32 64\s+int32 256\s+'
    r"boolean true\s+int32 8\s+int32 4\s+array of bytes"
)


# ---------------------------------------------------------------------------------------------
# Pure parts


def test_argb_becomes_rgba() -> None:
    assert argb_to_rgba(bytes([255, 1, 2, 3, 128, 4, 5, 6])) == bytes([1, 2, 3, 255, 4, 5, 6, 128])
    with pytest.raises(ValueError, match="not whole ARGB32 pixels"):
        argb_to_rgba(b"\x00\x01\x02")


def test_the_image_data_hint_is_the_tray_icon_in_rgba() -> None:
    signature, (width, height, rowstride, alpha, bits, channels, pixels) = image_data()
    assert signature == "(iiibiiay)"
    assert (width, height, rowstride, alpha, bits, channels) == (64, 64, 256, True, 8, 4)
    _, _, argb = argb_pixmaps(IconState.ACTIVE)[-1]
    assert len(pixels) == len(argb) == 64 * 64 * 4
    centre = (32 * 64 + 32) * 4  # the figure: white and opaque
    assert pixels[centre : centre + 4] == bytes([*argb[centre + 1 : centre + 4], argb[centre]])
    assert pixels[3] == 0  # the corner is transparent


def test_app_icon_is_the_shipped_png_of_the_same_picture() -> None:
    uri = app_icon()
    assert uri.startswith("file:///") and uri.endswith("/postureping/tray/postureping.png")
    with Image.open(uri.removeprefix("file://")) as png:
        assert (png.mode, png.size) == ("RGBA", (64, 64))
        assert png.tobytes() == image_data()[1][6]  # `python -m postureping.tray.icon` redraws


def test_what_a_click_means_on_each_server() -> None:
    shown_again: list[tuple[str, Reminder]] = []
    done = threading.Event()

    def reshow(key: str, reminder: Reminder) -> None:
        shown_again.append((key, reminder))
        done.set()

    clicks = BodyClicks(reshow, limit=2)
    walk = Reminder("walk", "Walk", "Stand up.", timedelta(minutes=5), redraw=True)
    clicks.remember(walk)
    for name in ("dunst", "mako"):
        clicks.server_is(name)
        assert (clicks.label, clicks.clicked("walk")) == (LABEL_DONE, Answer.DONE)
    assert shown_again == []
    clicks.server_is("Xfce Notify Daemon")  # it would draw the default action as a button
    assert clicks.label is None
    for name in ("gnome-shell", "Plasma", "SwayNotificationCenter", ""):
        clicks.server_is(name)
        assert clicks.label == LABEL_SHOW
    assert clicks.clicked("walk") is None
    assert done.wait(WAIT)
    [(key, again)] = shown_again
    assert (key, again.title, again.redraw) == ("walk", "Walk", False)  # shown anew
    assert clicks.is_latest("walk", again)
    clicks.forget("walk")  # withdrawn (answered elsewhere): a click brings nothing back
    assert clicks.clicked("walk") is None
    assert not clicks.is_latest("walk", again)
    for key in ("a", "b", "c"):  # bounded
        clicks.remember(Reminder(key, key, "", timedelta(minutes=5)))
    assert clicks.clicked("a") is None
    assert len(shown_again) == 1


# ---------------------------------------------------------------------------------------------
# A server that draws buttons, on a private bus


class ButtonServer(StandInServer):
    """Owns org.freedesktop.Notifications as a server with buttons: answers as `name` in
    GetServerInformation, records each Notify and CloseNotification, and `click`s the body
    as GNOME Shell and KDE Plasma do: ActionInvoked(id, "default"), then
    NotificationClosed(id, 2), both to the connection that called Notify."""

    def __init__(self, address: str, name: str) -> None:
        self.name = name
        self.notified: list[tuple[Any, ...]] = []
        self.closed: list[int] = []
        self._senders: dict[int, str] = {}
        self._ids = itertools.count(1)
        super().__init__(address)

    def answer(self, call: Any) -> None:
        member = call.header.fields.get(HeaderFields.member)
        if member == "GetCapabilities":
            self.send(new_method_return(call, "as", (["actions", "body"],)))
        elif member == "GetServerInformation":
            self.send(new_method_return(call, "ssss", (self.name, "test", "1", "1.2")))
        elif member == "Notify":
            nid = next(self._ids)
            self._senders[nid] = call.header.fields[HeaderFields.sender]
            self.notified.append((nid, *call.body))
            self.send(new_method_return(call, "u", (nid,)))
        elif member == "CloseNotification":
            self.closed.append(call.body[0])
            self.send(new_method_return(call))
        else:
            self.send(new_error(call, "org.freedesktop.DBus.Error.UnknownMethod"))

    def emit(self, nid: int, member: str, signature: str, *args: Any) -> None:
        signal = new_signal(SERVER, member, signature, args)
        signal.header.fields[HeaderFields.destination] = self._senders[nid]
        self.send(signal)

    def click(self, nid: int, key: str = "default") -> None:
        self.emit(nid, "ActionInvoked", "us", nid, key)
        self.emit(nid, "NotificationClosed", "uu", nid, 2)


@pytest.fixture
def private_bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if not _have("dbus-daemon"):
        _missing("dbus-daemon (apt package dbus-daemon)")
    with ExitStack() as stack:
        _pid, address = start_bus(tmp_path, strip_session_vars(os.environ), stack)
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        yield address


def test_a_click_on_a_server_with_buttons_shows_the_choices_again(private_bus: str) -> None:
    server = ButtonServer(private_bus, "gnome-shell")
    answers: list[tuple[str, Answer | PainPicked]] = []
    notifier = FreedesktopNotifier(lambda key, answer: answers.append((key, answer)))
    try:
        notifier.send(Reminder("walk", "Walk", "Stand up.", timedelta(minutes=5)))
        [(first, _app, replaces, icon, title, _body, actions, hints, _t)] = server.notified
        assert (replaces, title, icon) == (0, "Walk", app_icon())
        assert actions == ["default", LABEL_SHOW, *action_list()]
        assert hints["image-data"] == image_data()
        server.click(first)
        wait_until(lambda: len(server.notified) == 2, timeout=WAIT, what="the reminder again")
        (second, _app, replaces, _icon, title, _body, actions, _hints, _t) = server.notified[1]
        assert (replaces, title, actions[:2]) == (0, "Walk", ["default", LABEL_SHOW])
        assert server.closed == [first]
        assert answers == []  # a click is not an answer here
        server.click(second, "snooze")  # the choice, on the reminder shown again
        wait_until(lambda: answers, timeout=WAIT, what="the answer")
        assert answers == [("walk", Answer.SNOOZE)]
        # A reminder withdrawn meanwhile (answered from the CLI) is not brought back.
        notifier.send(Reminder("stretch", "Stretch", "Reach up.", timedelta(minutes=5)))
        third = server.notified[-1][0]
        notifier.withdraw("stretch")
        server.click(third)
        wait_until(lambda: third in server.closed, timeout=WAIT, what="the withdrawal")
        notifier.send(Reminder("neck", "Neck", "Turn slowly.", timedelta(minutes=5)))
        assert [entry[4] for entry in server.notified] == ["Walk", "Walk", "Stretch", "Neck"]
    finally:
        notifier.close()
        server.close()


# ---------------------------------------------------------------------------------------------
# notify-osd: a real server without actions


def _have(program: str) -> bool:
    return any(os.access(os.path.join(d, program), os.X_OK) for d in os.get_exec_path())


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing; CI is expected to install it (.ci/run)")
    pytest.skip(f"needs {what}")


def _monitor(env: dict[str, str], directory: Path, stack: ExitStack) -> Path:
    """dbus-monitor recording the Notify calls and the servers' signals (the private bus
    allows eavesdropping)."""
    out = directory / "monitor.txt"
    rules = [f"type='method_call',interface='{NOTIFICATIONS}',member='Notify'",
             f"type='signal',interface='{NOTIFICATIONS}'"]  # fmt: skip
    with out.open("wb") as log:
        proc = subprocess.Popen(["dbus-monitor", "--session", *rules], env=env, stdout=log,
                                stderr=subprocess.STDOUT)  # fmt: skip
    stack.callback(proc.wait, WAIT)
    stack.callback(proc.terminate)
    wait_until(lambda: "NameAcquired" in out.read_text(), timeout=WAIT, what="dbus-monitor")
    return out


@contextmanager
def server_on_xvfb(
    directory: Path, pattern: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[dict[str, str], Path]]:
    """Xvfb, a private session bus, dbus-monitor and the notification server whose program
    matches the glob `pattern` (under /usr/lib: neither server is on PATH); this process's
    environment points at them. Yields the session's environment and the monitor's file."""
    programs = sorted(glob.glob(pattern))
    needed = ("Xvfb", "xdpyinfo", "xdotool", "xwininfo", "dbus-daemon", "dbus-monitor")
    if not programs or not all(_have(p) for p in needed):
        _missing(f"{pattern}, Xvfb (xvfb), xdpyinfo and xwininfo (x11-utils), xdotool, dbus")
    base = strip_session_vars(os.environ)
    with ExitStack() as stack:
        _xvfb, display = _start_xvfb(directory, base, stack)
        _bus, address = start_bus(directory, base, stack)
        here = os.fspath(directory)
        env = base | {"DISPLAY": display, "DBUS_SESSION_BUS_ADDRESS": address, "NO_AT_BRIDGE": "1",
                      "XDG_RUNTIME_DIR": here, "HOME": here}  # fmt: skip
        monitor = _monitor(env, directory, stack)
        _spawn([programs[0]], env, directory, stack)
        for name in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR"):
            monkeypatch.setenv(name, env[name])
        what = f"{Path(programs[0]).name} on the bus"
        wait_until(lambda: FreedesktopNotifier.server_present(2.0), timeout=WAIT, what=what)
        yield env, monitor


def test_auto_talks_to_a_server_without_actions_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """notify-osd lists no `actions`: `backend = "auto"` no longer hands it to plyer's
    notify-send but sends the reminder itself, without buttons, with the icon."""
    with server_on_xvfb(tmp_path, "/usr/lib/*/notify-osd", monkeypatch) as (_env, monitor):
        assert FreedesktopNotifier.supports_actions(2.0) is False
        answers: list[tuple[str, Answer | PainPicked]] = []
        primary, _ = choose("auto", io.StringIO(), on_action=lambda k, a: answers.append((k, a)))
        assert isinstance(primary, FreedesktopNotifier)
        try:
            primary.send(Reminder("walk", "Walk & stretch", "Stand up.", timedelta(seconds=5)))
        finally:
            primary.close()
        wait_until(lambda: "Walk & stretch" in monitor.read_text(), timeout=WAIT, what="Notify")
        call = monitor.read_text()
        assert IMAGE_DATA.search(call), call
        assert f'string "{app_icon()}"' in call
        assert 'string "done"' not in call  # no buttons: the server offers no actions
    # With no server on the bus at all: plyer, as before.
    (empty := tmp_path / "empty").mkdir()
    with ExitStack() as stack:
        _bus, address = start_bus(empty, strip_session_vars(os.environ), stack)
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        assert isinstance(choose("auto", io.StringIO())[0], PlyerNotifier)


def _popup(env: dict[str, str], name: str) -> tuple[int, int, int, int]:
    """The x, y, width and height of the server's largest top-level window (its popup)."""
    tree = subprocess.run(["xwininfo", "-root", "-tree"], env=env, capture_output=True,
                          text=True, check=True).stdout  # fmt: skip
    found = [tuple(int(n) for n in m.groups()) for m in re.finditer(
        rf'"{re.escape(name)}": \(.*\)\s+(\d+)x(\d+)\+(\d+)\+(\d+)', tree)]  # fmt: skip
    width, height, x, y = max(found, key=lambda f: f[0] * f[1], default=(0, 0, 0, 0))
    return x, y, width, height


def test_xfce4_notifyd_gets_buttons_and_no_default_action(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """xfce4-notifyd 0.7 would draw a default action as one more button, and a click on the
    body only dismisses the notification: it gets Done / Snooze / Skip and nothing else, and
    a click on the body records nothing and brings nothing back."""
    pattern = "/usr/lib/*/xfce4/notifyd/xfce4-notifyd"
    with server_on_xvfb(tmp_path, pattern, monkeypatch) as (env, monitor):
        answers: list[tuple[str, Answer | PainPicked]] = []
        notifier = FreedesktopNotifier(lambda key, answer: answers.append((key, answer)))
        try:
            notifier.send(Reminder("walk", "Walk now", "Stand up.", timedelta(minutes=5)))
            wait_until(lambda: "Walk now" in monitor.read_text(), timeout=WAIT, what="Notify")
            call = monitor.read_text()
            assert re.search(r'string "done"\s+string "Done"\s+string "snooze"', call), call
            assert 'string "default"' not in call
            assert IMAGE_DATA.search(call), call

            def popup() -> tuple[int, int, int, int] | None:
                found = _popup(env, "xfce4-notifyd")
                return found if found[2] > 100 else None

            closed = r"member=NotificationClosed\s+uint32 1\s+uint32 2"  # dismissed by the user

            def clicked_closed() -> re.Match[str] | None:
                # Clicked where the popup is now, again each second until it is closed: on a
                # busy machine it may still be sliding into place at the first click.
                x, y, _width, _height = wait_until(popup, timeout=WAIT, what="the popup")
                subprocess.run(["xdotool", "mousemove", str(x + 20), str(y + 20), "click", "1"],
                               env=env, check=True)  # fmt: skip
                deadline = time.monotonic() + 1.0
                while time.monotonic() < deadline:
                    if found := re.search(closed, monitor.read_text()):
                        return found
                    time.sleep(0.1)
                return None

            wait_until(clicked_closed, timeout=3 * WAIT, what="close")
            notifier.send(Reminder("stretch", "Stretch now", "Reach up.", timedelta(minutes=5)))
            wait_until(lambda: "Stretch now" in monitor.read_text(), timeout=WAIT, what="Notify")
        finally:
            notifier.close()
        assert monitor.read_text().count("member=Notify") == 2  # the walk did not come back
        assert answers == []


# ---------------------------------------------------------------------------------------------
# dunst: a click counts as Done

CLICK_DUNSTRC = DEFAULT_DUNSTRC.replace(
    "[global]\n", "[global]\n    mouse_left_click = do_action, close_current\n", 1
)


@pytest.fixture
def click_desktop(desktop_programs: None, tmp_path: Path) -> Iterator[DesktopSession]:
    if not _have("xdotool"):
        _missing("xdotool")
    with start_session(tmp_path / "desktop", dunstrc=CLICK_DUNSTRC) as session:
        yield session


@pytest.mark.desktop
def test_a_click_on_the_daemons_reminder_on_dunst_is_done(
    click_desktop: DesktopSession, tmp_path: Path
) -> None:
    """`postureping run` shows a reminder on dunst with the icon; a left click on the bubble
    (dunst's do_action: the default action) is recorded as done, source "notification"."""
    root = tmp_path / "user"
    env = isolated_env(root)
    for name in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "NO_AT_BRIDGE"):
        env[name] = click_desktop.env[name]
    with ExitStack() as stack, running_daemon(["--no-tray"], env, root) as daemon:
        monitor = _monitor(click_desktop.env, tmp_path, stack)
        daemon.wait_for_output("postureping is running", timeout=WAIT)
        # The first run's welcome notice (no buttons, no default action) goes first.
        wait_until(lambda: click_desktop.displayed_count() == 1, timeout=WAIT, what="welcome")
        click_desktop.close_all()
        assert run_cli(root, "trigger", "walk").returncode == 0
        wait_until(lambda: click_desktop.displayed_count() == 1, timeout=WAIT, what="the bubble")
        # dunst: origin top-right, offset 20x20, 400 wide, on a 1024 px wide screen.
        click_desktop.run("xdotool", "mousemove", "800", "40", "click", "1")

        def answered() -> list[tuple[str, str]] | None:
            pairs = kinds_and_sources(root, "walk")
            return pairs if len(pairs) >= 2 else None

        assert wait_until(answered, timeout=WAIT, what="the answer") == [
            ("prompted", "daemon"),
            ("done", "notification"),
        ]
        assert json.loads(run_cli(root, "status", "--json").stdout)["awaiting"] is None
        calls = monitor.read_text()
        assert f'string "{app_icon()}"' in calls
        # The image-data hint's struct: width, height, rowstride, has_alpha, bits, channels,
        # on the welcome notice and on the reminder.
        assert len(IMAGE_DATA.findall(calls)) == 2, calls
        assert re.search(r'string "default"\s+string "Done"\s+string "done"', calls), calls
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.output
