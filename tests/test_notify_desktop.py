"""plyer and the notification service against a real notification server (dunst).

On Linux the plyer backend runs notify-send (libnotify-bin), as plyer would without
dbus-python, after asking the server over jeepney. Both read the session bus address from the
process environment, so every send runs in a child process started with the session's
environment; the test then reads what dunst received and drew.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

from postureping.notify.plyer_backend import escape_markup
from tests.desktop import (
    DEFAULT_DUNSTRC,
    NOTIFICATIONS,
    DesktopSession,
    HistoryEntry,
    missing_programs,
    start_session,
    strip_session_vars,
    wait_until,
)

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="freedesktop notifications")

ROOT = Path(__file__).resolve().parent.parent
QUICK = 2.0  # seconds: a missing bus or server must be reported at once, not after a timeout

# argv[1]: JSON [title, body, timeout seconds]. Prints JSON {"error": ..., "seconds": ...}.
SEND = """\
import json, sys, time
from datetime import timedelta
from postureping.notify.base import NotifyError
from postureping.notify.plyer_backend import PlyerNotifier
from postureping.reminder import Reminder

title, body, seconds = json.loads(sys.argv[1])
reminder = Reminder("test", title, body, timedelta(seconds=seconds))
notifier = PlyerNotifier()
start = time.monotonic()
try:
    notifier.send(reminder)
    error = None
except NotifyError as exc:
    error = str(exc)
print(json.dumps({"error": error, "seconds": time.monotonic() - start}))
"""

# Three reminders through the service as the daemon wires it: plyer, then the console.
SERVICE = """\
import logging, sys
from datetime import timedelta
from postureping.notify.console import ConsoleNotifier
from postureping.notify.plyer_backend import PlyerNotifier
from postureping.notify.service import NotificationService
from postureping.reminder import Reminder

logging.basicConfig(stream=sys.stderr, format="%(levelname)s %(message)s", level=logging.INFO)
service = NotificationService(PlyerNotifier(), ConsoleNotifier(), 5.0, logging.getLogger("pp"))
for n in range(3):
    service.deliver(Reminder("walk", f"Walk {n}", "Stand up.", timedelta(seconds=30)))
sys.exit(0 if service.close(10.0) else 1)
"""


@pytest.fixture(scope="module")
def notify_send() -> None:
    """The plyer backend's Linux path; skipped where it is missing, but CI must have it."""
    if shutil.which("notify-send") is None:
        reason = "the plyer backend's Linux path needs notify-send (apt package libnotify-bin)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI is expected to install it (.ci/run)", pytrace=False)
        pytest.skip(reason)


def run_python(code: str, env: Mapping[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,  # postureping is imported from this checkout
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def send(env: Mapping[str, str], title: str, body: str, seconds: int = 30) -> dict[str, object]:
    result = run_python(SEND, env, json.dumps([title, body, seconds]))
    assert result.returncode == 0, result.stderr
    outcome: dict[str, object] = json.loads(result.stdout)
    return outcome


def drawn_text(entry: HistoryEntry) -> str:
    """The text a user reads: dunst's drawn message with its Pango markup interpreted."""
    return "".join(ET.fromstring(f"<markup>{entry['message']}</markup>").itertext())


def stop_dunst(desktop: DesktopSession) -> None:
    """Leave the session's bus without a notification server."""
    os.kill(desktop.pids["dunst"], signal.SIGTERM)
    has_owner = ("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
                 "/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner",
                 f"string:{NOTIFICATIONS}")  # fmt: skip
    wait_until(
        lambda: "boolean false" in desktop.run(*has_owner),
        timeout=10,
        what="dunst to leave the bus",
    )


@pytest.fixture
def plain_text_desktop(tmp_path: Path) -> Iterator[DesktopSession]:
    """A session whose dunst renders no markup (`markup = no`), so has no `body-markup`."""
    if missing := missing_programs():
        pytest.skip("desktop test needs " + ", ".join(missing))
    dunstrc = DEFAULT_DUNSTRC.replace("markup = full", "markup = no")
    assert dunstrc != DEFAULT_DUNSTRC
    with start_session(tmp_path / "desktop", dunstrc=dunstrc) as session:
        yield session


TEXTS = [
    pytest.param(
        'Stand <b>up</b> & "go" $(id) \\t',
        "-Walk <i>slowly</i> & 1 < 2 > 0\n'q' \"q\" $(id) `id` \\n",
        id="markup-quotes-shell-dash",
    ),
    pytest.param("-h", "--help", id="option-like"),
    pytest.param("&lt; typed &amp;", "&lt;b&gt; typed, not markup", id="entities"),
    pytest.param("Stretch \N{FLEXED BICEPS} caf\xe9", "tab\there\n\n2. step", id="unicode"),
]


@pytest.mark.desktop
@pytest.mark.usefixtures("notify_send")
@pytest.mark.parametrize(("title", "body"), TEXTS)
def test_plyer_shows_the_text_literally(
    desktop_module: DesktopSession, title: str, body: str
) -> None:
    assert send(desktop_module.env, title, body, seconds=42)["error"] is None
    latest = desktop_module.history()[0]
    assert latest["appname"] == "postureping"
    assert latest["timeout_ms"] == 42_000
    # dunst records what it received: the summary as sent (the specification makes it plain
    # text, and dunst escapes it itself), the body escaped because dunst renders body markup.
    assert latest["summary"] == title
    assert latest["body"] == escape_markup(body)
    # What it drew, markup interpreted, is exactly our text: dunst's format is "<b>%s</b>\n%b".
    assert drawn_text(latest) == f"{title}\n{body}"


@pytest.mark.desktop
@pytest.mark.usefixtures("notify_send")
def test_plyer_does_not_escape_for_a_server_without_body_markup(
    plain_text_desktop: DesktopSession,
) -> None:
    title, body = "Sit <up> & breathe", "1 < 2 & <b>not bold</b>"
    assert send(plain_text_desktop.env, title, body)["error"] is None
    latest = plain_text_desktop.history()[0]
    assert (latest["summary"], latest["body"]) == (title, body)


@pytest.mark.desktop
@pytest.mark.usefixtures("notify_send")
def test_plyer_reports_a_bus_without_a_notification_server(desktop: DesktopSession) -> None:
    stop_dunst(desktop)
    outcome = send(desktop.env, "Walk", "Stand up.")
    assert outcome["error"] == "no notification server on the session bus"
    assert isinstance(outcome["seconds"], float)
    assert outcome["seconds"] < QUICK


@pytest.mark.usefixtures("notify_send")
def test_plyer_reports_a_missing_session_bus(tmp_path: Path) -> None:
    env = strip_session_vars(os.environ) | {
        "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path / 'no-bus'}"
    }
    outcome = send(env, "Walk", "Stand up.")
    assert isinstance(outcome["error"], str)
    assert outcome["error"].startswith("no D-Bus session bus (")
    assert isinstance(outcome["seconds"], float)
    assert outcome["seconds"] < QUICK


@pytest.mark.desktop
@pytest.mark.usefixtures("notify_send")
def test_the_service_shows_reminders_on_the_desktop(desktop: DesktopSession) -> None:
    result = run_python(SERVICE, desktop.env)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    shown = [entry["summary"] for entry in desktop.history()]
    assert shown == ["Walk 2", "Walk 1", "Walk 0"]


@pytest.mark.desktop
@pytest.mark.usefixtures("notify_send")
def test_the_service_prints_reminders_when_no_server_answers(desktop: DesktopSession) -> None:
    stop_dunst(desktop)
    result = run_python(SERVICE, desktop.env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines() == [
        "WARNING desktop notifications are not working "
        "(no notification server on the session bus); "
        "reminders are printed on the terminal instead"
    ]
    titles = [line.split("] ", 1)[1] for line in result.stdout.splitlines() if "] " in line]
    assert titles == ["Walk 0", "Walk 1", "Walk 2"]
