"""Done / Snooze / Skip on freedesktop notifications: the pure parts, then real dunst.

dunst draws no buttons: it offers a notification's actions in its context menu, which runs the
`dmenu` command of its dunstrc with one line per action on stdin, like
"#Done (Stand up) [3,done]", and invokes the line the command prints back. PICK_DONE is that
command here. The notifier runs in a child process started with the session's environment, as
the daemon would, and records each answer in a real event store with source "notification".
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from jeepney import DBusAddress, HeaderFields, new_signal  # type: ignore[import-untyped]

from postureping.controller import Answer, PainPicked
from postureping.desktop.session_bus import READER_NAME
from postureping.history.store import EventStore
from postureping.notify.actions import (
    BUS_DRIVER,
    NOTIFICATIONS,
    ActionListener,
    ShownNotifications,
    action_list,
    answer_for,
    pain_action_list,
)
from postureping.notify.app_icon import app_icon, image_data
from postureping.notify.base import NotifyError
from postureping.notify.console import ConsoleNotifier
from postureping.notify.freedesktop import FreedesktopNotifier, notify_message
from postureping.notify.plyer_backend import PlyerNotifier
from postureping.notify.registry import choose
from postureping.reminder import Reminder
from tests.cli_helpers import isolated_env, kinds_and_sources, run_cli
from tests.daemon_process import running_daemon
from tests.desktop import (
    DEFAULT_DUNSTRC,
    DesktopSession,
    pid_alive,
    start_session,
    stop_pid,
    wait_until,
)

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="freedesktop notifications")

ROOT = Path(__file__).resolve().parent.parent
WAIT = 30.0  # seconds: an upper bound for what normally takes milliseconds (10 s was
# not enough for the daemon's bubble on a loaded machine, the suite in parallel under coverage)
QUICK = 2.0  # seconds: a missing bus must be reported at once, not after a timeout
SERVER_NAME = ":1.1"
PATH = "/org/freedesktop/Notifications"

# Sends one reminder for each JSON [routine, title, body] line on stdin; stops at EOF. Each
# answer becomes an event in the store at argv[1], as the daemon records it.
LISTEN = """\
import json, logging, sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from postureping.controller import Answer
from postureping.history.events import Event, Kind
from postureping.notify.freedesktop import FreedesktopNotifier
from postureping.reminder import Reminder
from postureping.history.store import EventStore

logging.basicConfig(stream=sys.stderr, level=logging.DEBUG, format="%(levelname)s %(message)s")
store = EventStore(Path(sys.argv[1]))
KINDS = {Answer.DONE: Kind.DONE, Answer.SKIP: Kind.SKIPPED, Answer.SNOOZE: Kind.SNOOZED}

def on_action(routine_id, answer):
    snooze = timedelta(minutes=10) if answer is Answer.SNOOZE else None
    now = datetime.now(timezone.utc)
    store.append(Event.new(routine_id, KINDS[answer], "notification", now, snooze))

notifier = FreedesktopNotifier(on_action)
for line in sys.stdin:
    routine, title, body = json.loads(line)
    notifier.send(Reminder(routine, title, body, timedelta(minutes=5)))
notifier.close()
"""

# dunst's `dmenu`: keep what was offered, pick the first Done.
PICK_DONE = """\
#!/bin/sh
tee -a "$(dirname "$0")/offered.txt" | grep -m1 '^#Done '
"""


# ---------------------------------------------------------------------------------------------
# Pure parts: no bus


@dataclass
class Peer:
    """What the listener sends and reports, instead of a bus."""

    sent: list[Any] = field(default_factory=list)
    answers: list[tuple[str, Answer | PainPicked]] = field(default_factory=list)

    def on_action(self, routine_id: str, answer: Answer | PainPicked) -> None:
        self.answers.append((routine_id, answer))

    def sent_calls(self) -> list[tuple[str, tuple[Any, ...]]]:
        return [(m.header.fields[HeaderFields.member], m.body) for m in self.sent]


def signal_from(sender: str | None, member: str, signature: str, *args: Any) -> Any:
    """A signal as the listener receives it, with the sender header the bus would set."""
    interface = BUS_DRIVER if member == "NameOwnerChanged" else NOTIFICATIONS
    message = new_signal(DBusAddress(PATH, interface=interface), member, signature, args)
    if sender is not None:
        message.header.fields[HeaderFields.sender] = sender
    return message


def invoked(sender: str | None, notification_id: int, key: str) -> Any:
    return signal_from(sender, "ActionInvoked", "us", notification_id, key)


@pytest.fixture
def peer() -> Peer:
    return Peer()


@pytest.fixture
def listener(peer: Peer) -> ActionListener:
    shown = ShownNotifications()
    shown.add(7, "walk")
    result = ActionListener(shown, peer.on_action, peer.sent.append)
    result.follow(SERVER_NAME)
    peer.sent.clear()
    return result


def test_the_action_table() -> None:
    assert action_list() == ["done", "Done", "snooze", "Snooze 10 min", "skip", "Skip"]
    keys = ("done", "snooze", "skip")
    assert [answer_for(key) for key in keys] == [Answer.DONE, Answer.SNOOZE, Answer.SKIP]
    assert answer_for("default") is None


def test_shown_notifications_bookkeeping() -> None:
    shown = ShownNotifications(limit=3)
    assert shown.id_for("walk") == 0  # Notify's "a new notification"
    shown.add(4, "walk")
    shown.add(5, "stretch")
    assert (shown.id_for("walk"), shown.id_for("stretch")) == (4, 5)
    assert shown.pop(4) == "walk"
    assert shown.pop(4) is None
    for nid in (6, 7, 8):
        shown.add(nid, f"r{nid}")
    assert len(shown) == 3
    assert shown.pop(5) is None  # the oldest was dropped at the limit
    shown.clear()
    assert len(shown) == 0


def test_an_action_from_the_server_answers_once_and_closes_the_bubble(
    listener: ActionListener, peer: Peer
) -> None:
    listener.handle(invoked(SERVER_NAME, 7, "done"))
    listener.handle(invoked(SERVER_NAME, 7, "skip"))  # the same bubble again: already answered
    assert peer.answers == [("walk", Answer.DONE)]
    assert peer.sent_calls() == [("CloseNotification", (7,))]


def test_an_action_from_another_peer_is_ignored(
    listener: ActionListener, peer: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="postureping.notify.actions")
    listener.handle(invoked(":1.66", 7, "done"))
    listener.handle(invoked(None, 7, "done"))
    assert (peer.answers, peer.sent) == ([], [])
    assert "ignored ActionInvoked from :1.66: the notification server is :1.1" in caplog.text
    listener.handle(invoked(SERVER_NAME, 7, "snooze"))  # the id is still awaiting its answer
    assert peer.answers == [("walk", Answer.SNOOZE)]


def test_nothing_counts_before_the_server_is_known(peer: Peer) -> None:
    shown = ShownNotifications()
    shown.add(7, "walk")
    ActionListener(shown, peer.on_action, peer.sent.append).handle(invoked(SERVER_NAME, 7, "done"))
    assert peer.answers == []


def test_unknown_actions_and_ids_are_ignored(listener: ActionListener, peer: Peer) -> None:
    listener.handle(invoked(SERVER_NAME, 7, "default"))  # a server's click on the bubble
    listener.handle(invoked(SERVER_NAME, 8, "done"))  # another application's notification
    listener.handle(signal_from(SERVER_NAME, "ActionInvoked", "s", "done"))  # malformed
    assert (peer.answers, peer.sent) == ([], [])


def test_a_click_on_the_body_is_the_answer_on_click_returns(peer: Peer) -> None:
    """A click (the "default" action) is what `on_click` makes of it: Done on a server that
    offers actions only in a menu; no answer where it shows them again. Either way it
    happens once and the bubble is closed."""
    clicks: list[str] = []

    def on_click(key: str) -> Answer | None:
        clicks.append(key)
        return Answer.DONE if key == "walk" else None

    shown = ShownNotifications()
    shown.add(7, "walk")
    shown.add(8, "stretch")
    listener = ActionListener(shown, peer.on_action, peer.sent.append, on_click)
    listener.follow(SERVER_NAME)
    peer.sent.clear()
    for nid in (7, 7, 8):
        listener.handle(invoked(SERVER_NAME, nid, "default"))
    assert clicks == ["walk", "stretch"]
    assert peer.answers == [("walk", Answer.DONE)]
    assert peer.sent_calls() == [("CloseNotification", (7,)), ("CloseNotification", (8,))]


def test_a_closed_notification_is_forgotten(listener: ActionListener, peer: Peer) -> None:
    listener.handle(signal_from(SERVER_NAME, "NotificationClosed", "uu", 7, 1))
    listener.handle(invoked(SERVER_NAME, 7, "done"))
    assert peer.answers == []


def test_a_failing_answer_is_logged_and_the_listener_goes_on(
    peer: Peer, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(key: str, answer: Answer | PainPicked) -> None:
        raise RuntimeError("store is read-only")

    shown = ShownNotifications()
    shown.add(7, "walk")
    listener = ActionListener(shown, broken, peer.sent.append)
    listener.follow(SERVER_NAME)
    peer.sent.clear()
    listener.handle(invoked(SERVER_NAME, 7, "done"))
    assert "could not record done for notification walk" in caplog.text
    assert peer.sent_calls() == [("CloseNotification", (7,))]


def test_the_listener_follows_a_restarted_server(listener: ActionListener, peer: Peer) -> None:
    listener.handle(signal_from(":1.66", "NameOwnerChanged", "sss", NOTIFICATIONS, "", ":1.66"))
    assert listener.server == SERVER_NAME  # only the bus itself reports a new owner
    listener.handle(
        signal_from(BUS_DRIVER, "NameOwnerChanged", "sss", NOTIFICATIONS, SERVER_NAME, "")
    )
    assert listener.server is None
    listener.handle(signal_from(BUS_DRIVER, "NameOwnerChanged", "sss", NOTIFICATIONS, "", ":1.9"))
    assert listener.server == ":1.9"
    rules = [(member, body[0]) for member, body in peer.sent_calls()]
    assert [member for member, _ in rules] == ["RemoveMatch"] * 2 + ["AddMatch"] * 2
    assert all("sender=':1.1'" in rule for _, rule in rules[:2])
    assert all("sender=':1.9'" in rule for _, rule in rules[2:])
    listener.handle(invoked(SERVER_NAME, 7, "done"))  # the old server's bubbles are gone
    listener.handle(invoked(":1.9", 7, "done"))  # and its ids forgotten
    assert peer.answers == []


def test_the_notify_call() -> None:
    reminder = Reminder("walk", "Stand <up>", "Walk & <b>breathe</b>", timedelta(seconds=20))
    message = notify_message(reminder, ["actions", "body-markup"], 5, with_actions=True)
    app, replaces, icon, summary, body, actions, hints, timeout = message.body
    assert (app, replaces, summary) == ("postureping", 5, "Stand <up>")
    assert icon == app_icon()
    assert body == "Walk &amp; &lt;b&gt;breathe&lt;/b&gt;"
    assert actions == action_list()
    assert hints == {"urgency": ("y", 1), "image-data": image_data()}
    assert timeout == 20_000
    clicked = notify_message(reminder, ["actions"], 5, with_actions=True, click_label="Done")
    assert clicked.body[5] == ["default", "Done", *action_list()]
    plain = notify_message(reminder, ["body"], 0, with_actions=True).body
    assert (plain[4], plain[5]) == ("Walk & <b>breathe</b>", [])  # no markup, no actions
    assert notify_message(reminder, ["actions"], 0, with_actions=False).body[5] == []


def test_the_checkin_and_guidance_notify_calls() -> None:
    checkin = Reminder("checkin", "How is your back today?", "0-10", timedelta(seconds=20),
                       routine_ids=("checkin",), pain_scale=True)  # fmt: skip
    actions = notify_message(checkin, ["actions"], 0, with_actions=True).body[5]
    assert actions == ["pain-1", "0\u20132", "pain-4", "3\u20135", "pain-7", "6\u20138",
                       "pain-9", "9\u201310", "skip", "Skip"]  # fmt: skip
    assert [answer_for(key) for key in actions[::2]] == [
        PainPicked(1), PainPicked(4), PainPicked(7), PainPicked(9), Answer.SKIP,
    ]  # fmt: skip
    assert answer_for("pain-5") is None  # only the buttons' own levels
    guidance = Reminder.guidance("guidance", "Back pain: please see your doctor", "...")
    *_, actions, hints, timeout = notify_message(guidance, ["actions"], 0, with_actions=False).body
    assert (actions, hints["urgency"], timeout) == ([], ("y", 2), 0)  # critical, no expiry
    assert "image-data" in hints  # the app's icon, as on every notification


def test_the_checkin_has_no_default_action_that_would_answer_it_without_a_level() -> None:
    checkin = Reminder("checkin", "How is your back today?", "0-10", timedelta(seconds=20),
                       routine_ids=("checkin",), pain_scale=True)  # fmt: skip
    message = notify_message(checkin, ["actions"], 0, with_actions=True, click_label="Done")
    assert message.body[5] == pain_action_list()
    walk = Reminder("walk", "Walk", "Stand up.", timedelta(seconds=20), routine_ids=("walk",))
    other = notify_message(walk, ["actions"], 0, with_actions=True, click_label="Done")
    assert other.body[5][:2] == ["default", "Done"]  # every other reminder keeps it


@pytest.fixture
def no_bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path / 'no-bus'}")


@pytest.mark.usefixtures("no_bus")
def test_no_session_bus_is_reported_at_once() -> None:
    start = time.monotonic()
    with pytest.raises(NotifyError, match=r"^no D-Bus session bus \(.*No such file"):
        FreedesktopNotifier().send(Reminder("walk", "Walk", "Stand up.", timedelta(seconds=5)))
    assert FreedesktopNotifier.supports_actions(QUICK) is False
    assert time.monotonic() - start < QUICK


def test_no_bus_address_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    with pytest.raises(NotifyError, match=r"DBUS_SESSION_BUS_ADDRESS is not set"):
        FreedesktopNotifier().send(Reminder("walk", "Walk", "Stand up.", timedelta(seconds=5)))


def test_a_closed_notifier_refuses_to_send() -> None:
    notifier = FreedesktopNotifier()
    notifier.close()
    with pytest.raises(NotifyError, match="closed"):
        notifier.send(Reminder("walk", "Walk", "Stand up.", timedelta(seconds=5)))


@pytest.mark.usefixtures("no_bus")
def test_choose(peer: Peer) -> None:
    out = io.StringIO()
    primary, fallback = choose("freedesktop", out, on_action=peer.on_action)
    assert isinstance(primary, FreedesktopNotifier)
    assert isinstance(fallback, ConsoleNotifier)
    # No session bus at all: plyer.
    primary, fallback = choose("auto", out, on_action=peer.on_action)
    assert isinstance(primary, PlyerNotifier)
    assert isinstance(fallback, ConsoleNotifier)


# ---------------------------------------------------------------------------------------------
# Against dunst


@pytest.fixture
def menu_desktop(desktop_programs: None, tmp_path: Path) -> Iterator[DesktopSession]:
    """A session whose dunst runs PICK_DONE as its context menu."""
    script = tmp_path / "menu" / "pick-done"
    script.parent.mkdir()
    script.write_text(PICK_DONE)
    script.chmod(0o755)
    dunstrc = DEFAULT_DUNSTRC.replace("[global]\n", f'[global]\n    dmenu = "{script}"\n', 1)
    with start_session(tmp_path / "desktop", dunstrc=dunstrc) as session:
        yield session


class Child:
    """The LISTEN process: `send` a reminder, read its debug log, `stop` it."""

    def __init__(self, desktop: DesktopSession, directory: Path) -> None:
        self.store = EventStore(directory / "events.jsonl")
        self.log = directory / "child.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", LISTEN, os.fspath(self.store.path)],
                cwd=ROOT,  # postureping is imported from this checkout
                env=desktop.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=log,
                text=True,
            )

    def send(self, routine: str, title: str, body: str = "Stand up.") -> int:
        """Send a reminder; return its notification id once it is shown."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps([routine, title, body]) + "\n")
        self.proc.stdin.flush()
        pattern = rf"^DEBUG notification (\d+) shows {routine}$"
        return int(self.wait_for_log(pattern, len(self.log_matches(pattern)) + 1)[-1])

    def log_matches(self, pattern: str) -> list[str]:
        return re.findall(pattern, self.log.read_text(), flags=re.MULTILINE)

    def wait_for_log(self, pattern: str, count: int = 1) -> list[str]:
        def found() -> list[str] | None:
            assert self.proc.poll() is None, self.log.read_text()
            matches = self.log_matches(pattern)
            return matches if len(matches) >= count else None

        return wait_until(found, timeout=WAIT, what=f"{pattern!r} in the child's log")

    def answers(self) -> list[tuple[str, str, str]]:
        if not self.store.path.exists():
            return []
        return [(e.routine, str(e.kind), e.source) for e in self.store.read().events]

    def wait_for_answers(self, count: int) -> list[tuple[str, str, str]]:
        what = f"{count} answer(s) in the store"

        def enough() -> list[tuple[str, str, str]] | None:
            answers = self.answers()
            return answers if len(answers) >= count else None

        return wait_until(enough, timeout=WAIT, what=what)

    def stop(self) -> str:
        """Close its stdin, expect a clean exit, and return its log."""
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        assert self.proc.wait(WAIT) == 0, self.log.read_text()
        return self.log.read_text()


@pytest.fixture
def child(menu_desktop: DesktopSession, tmp_path: Path) -> Iterator[Child]:
    started = Child(menu_desktop, tmp_path)
    try:
        yield started
    finally:
        if started.proc.poll() is None:
            started.proc.kill()
            started.proc.wait(WAIT)


def problems(log: str) -> list[str]:
    return [line for line in log.splitlines() if not line.startswith(("DEBUG", "INFO"))]


@pytest.mark.desktop
def test_done_from_dunsts_menu_is_recorded(menu_desktop: DesktopSession, child: Child) -> None:
    nid = child.send("walk", "Stand up")
    menu_desktop.run("dunstctl", "context")
    assert child.wait_for_answers(1) == [("walk", "done", "notification")]
    offered = (menu_desktop.directory.parent / "menu" / "offered.txt").read_text().splitlines()
    # dunst lists the default action (a click on the body: Done here) too, in its own order.
    assert sorted(offered) == [
        f"#Done (Stand up) [{nid},default]",
        f"#Done (Stand up) [{nid},done]",
        f"#Skip (Stand up) [{nid},skip]",
        f"#Snooze 10 min (Stand up) [{nid},snooze]",
    ]
    # The answered reminder goes away.
    wait_until(
        lambda: menu_desktop.displayed_count() == 0, timeout=WAIT, what="the bubble to close"
    )
    assert problems(child.stop()) == []
    assert child.answers() == [("walk", "done", "notification")]


@pytest.mark.desktop
def test_a_forged_action_is_ignored(menu_desktop: DesktopSession, child: Child) -> None:
    nid = child.send("walk", "Stand up")
    (own_name,) = child.wait_for_log(r"^DEBUG connected to the session bus as (:\S+)$")
    forge = ["gdbus", "emit", "--session", "--object-path", PATH,
             "--signal", f"{NOTIFICATIONS}.ActionInvoked", f"uint32 {nid}", "'skip'"]  # fmt: skip
    menu_desktop.run(*forge)  # to everyone: no match rule lets it through
    menu_desktop.run(*forge, "--dest", own_name)  # to the notifier itself: past every rule
    child.wait_for_log(r"^DEBUG ignored ActionInvoked from :\S+: the notification server is :")
    assert child.answers() == []
    # The real server is still heard: `dunstctl action 0` invokes the default action (a click
    # on the body), which counts as Done on dunst.
    menu_desktop.run("dunstctl", "action", "0")
    assert child.wait_for_answers(1) == [("walk", "done", "notification")]
    assert problems(child.stop()) == []


@pytest.mark.desktop
def test_a_restarted_server_is_followed(menu_desktop: DesktopSession, child: Child) -> None:
    child.send("walk", "Stand up")
    os.kill(menu_desktop.pids["dunst"], signal.SIGTERM)
    child.wait_for_log(r"^DEBUG the notification server is now gone$")
    config = menu_desktop.directory / "dunstrc"
    with (menu_desktop.directory / "dunst-again.log").open("wb") as log:
        dunst = subprocess.Popen(["dunst", "-config", os.fspath(config)], env=menu_desktop.env,
                                 stdin=subprocess.DEVNULL, stdout=log, stderr=log)  # fmt: skip
    try:
        child.wait_for_log(r"^DEBUG the notification server is now (:\S+)$")
        child.send("stretch", "Stretch")
        menu_desktop.run("dunstctl", "context")
        assert child.wait_for_answers(1) == [("stretch", "done", "notification")]
        assert problems(child.stop()) == []
    finally:
        if pid_alive(dunst.pid):
            stop_pid(dunst.pid)
        dunst.wait(WAIT)


@pytest.mark.desktop
def test_done_on_the_daemons_notification(menu_desktop: DesktopSession, tmp_path: Path) -> None:
    """The whole way: `postureping run` shows a reminder on dunst, the user picks Done in its
    menu, and the daemon records it (source "notification") and no longer awaits an answer."""
    root = tmp_path / "user"
    env = isolated_env(root)  # notifications.backend "auto": dunst offers actions
    for name in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "NO_AT_BRIDGE"):
        env[name] = menu_desktop.env[name]
    with running_daemon(["--no-tray"], env, root) as daemon:
        daemon.wait_for_output("postureping is running", timeout=WAIT)
        # The first run's welcome notice goes first; closed before it is up, it would be
        # a second bubble beside the reminder.
        wait_until(lambda: menu_desktop.displayed_count() == 1, timeout=WAIT, what="welcome")
        menu_desktop.close_all()
        assert run_cli(root, "trigger", "walk").returncode == 0
        wait_until(lambda: menu_desktop.displayed_count() == 1, timeout=WAIT, what="the bubble")
        menu_desktop.run("dunstctl", "context")

        def answered() -> list[tuple[str, str]] | None:
            pairs = kinds_and_sources(root, "walk")
            return pairs if len(pairs) >= 2 else None

        assert wait_until(answered, timeout=WAIT, what="the answer") == [
            ("prompted", "daemon"),
            ("done", "notification"),
        ]
        status = json.loads(run_cli(root, "status", "--json").stdout)
        assert status["awaiting"] is None
        assert status["today"]["done"] == 1
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.output


@pytest.mark.desktop
def test_dunst_supports_actions(desktop: DesktopSession, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in desktop.env.items():
        monkeypatch.setenv(name, value)
    assert FreedesktopNotifier.supports_actions(QUICK) is True
    primary, fallback = choose("auto", io.StringIO(), on_action=Peer().on_action)
    assert isinstance(primary, FreedesktopNotifier)
    assert isinstance(fallback, ConsoleNotifier)
    # Without a callback nobody wants answers, but the server is still reached over D-Bus.
    assert isinstance(choose("auto", io.StringIO())[0], FreedesktopNotifier)


@pytest.mark.desktop
def test_a_bus_without_a_server(desktop: DesktopSession, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in desktop.env.items():
        monkeypatch.setenv(name, value)
    stop_pid(desktop.pids["dunst"])
    assert FreedesktopNotifier.supports_actions(QUICK) is False
    notifier = FreedesktopNotifier(Peer().on_action)
    with pytest.raises(NotifyError, match=r"^no notification server on the session bus$"):
        notifier.send(Reminder("walk", "Walk", "Stand up.", timedelta(seconds=5)))
    notifier.close()


@pytest.mark.desktop
def test_losing_the_bus_is_reported_and_survived(
    desktop: DesktopSession, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    for name, value in desktop.env.items():
        monkeypatch.setenv(name, value)
    notifier = FreedesktopNotifier(Peer().on_action)
    notifier.send(Reminder("walk", "Walk", "Stand up.", timedelta(seconds=5)))
    for program in ("dunst", "dbus-daemon"):
        stop_pid(desktop.pids[program])

    def reader_gone() -> bool:
        return READER_NAME not in {thread.name for thread in threading.enumerate()}

    wait_until(reader_gone, timeout=WAIT, what="the reader thread to stop")
    assert "lost the connection to the session bus" in caplog.text
    with pytest.raises(NotifyError, match=r"^no D-Bus session bus \("):
        notifier.send(Reminder("walk", "Walk", "Stand up.", timedelta(seconds=5)))
    notifier.close()
