"""The first run's welcome notice, on real dunst: news to read, not a reminder to answer.

dunst offers a notification's actions in its context menu (see tests/test_notify_actions.py);
the menu command here records what it was offered and picks Done if there is one, as a user
who clicked the first button would.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_helpers import isolated_env
from tests.daemon_process import running_daemon
from tests.desktop import DEFAULT_DUNSTRC, DesktopSession, start_session, wait_until

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="freedesktop notifications")

WAIT = 10.0
MENU_WAIT = 3.0  # seconds: dunst runs its menu command in milliseconds
WELCOME = "Welcome to postureping"
PICK_DONE = """\
#!/bin/sh
tee -a "$(dirname "$0")/offered.txt" | grep -m1 '^#Done '
"""


@pytest.fixture
def menu_desktop(desktop_programs: None, tmp_path: Path) -> Iterator[DesktopSession]:
    script = tmp_path / "menu" / "pick-done"
    script.parent.mkdir()
    script.write_text(PICK_DONE)
    script.chmod(0o755)
    dunstrc = DEFAULT_DUNSTRC.replace("[global]\n", f'[global]\n    dmenu = "{script}"\n', 1)
    with start_session(tmp_path / "desktop", dunstrc=dunstrc) as session:
        yield session


class NotifyMonitor:
    """dbus-monitor recording every Notify call on the session bus, with its arguments."""

    def __init__(self, desktop: DesktopSession) -> None:
        self._log = desktop.directory / "notify-calls.log"
        rule = "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"
        self._args = ["dbus-monitor", "--session", rule]
        self._env = desktop.env
        self._proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> NotifyMonitor:
        with self._log.open("wb") as log:
            self._proc = subprocess.Popen(self._args, env=self._env, stdout=log,
                                          stderr=subprocess.STDOUT)  # fmt: skip
        wait_until(lambda: self._log.stat().st_size > 0, timeout=WAIT, what="dbus-monitor")
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._proc is not None
        self._proc.terminate()
        self._proc.wait(WAIT)

    def calls(self) -> list[str]:
        """Each Notify call as dbus-monitor printed it."""
        return self._log.read_text().split("method call ")[1:]


@pytest.mark.desktop
def test_the_welcome_notice_has_no_answer_buttons(
    menu_desktop: DesktopSession, tmp_path: Path
) -> None:
    root = tmp_path / "user"
    env = isolated_env(root)  # notifications.backend "auto": dunst offers actions
    for name in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "NO_AT_BRIDGE"):
        env[name] = menu_desktop.env[name]
    with NotifyMonitor(menu_desktop) as monitor, running_daemon(["--no-tray"], env, root) as daemon:
        daemon.wait_for_output("postureping is running", timeout=WAIT)
        wait_until(lambda: menu_desktop.displayed_count() == 1, timeout=WAIT, what="the notice")
        menu_desktop.run("dunstctl", "context")  # the user opens the menu and picks Done
        # dunst runs the menu command only for a notification with actions; give it time.
        offered_file = tmp_path / "menu" / "offered.txt"
        with contextlib.suppress(TimeoutError):
            wait_until(offered_file.exists, timeout=MENU_WAIT, what="the menu")
        offered = offered_file.read_text() if offered_file.exists() else ""
        time.sleep(0.5)  # a Done picked there would be answered by now
        assert daemon.stop() == 0
    (notify,) = [call for call in monitor.calls() if WELCOME in call]
    for key in ("done", "snooze", "skip"):  # Notify's actions: no answer among them
        assert f'string "{key}"' not in notify, notify
    assert [line for line in offered.splitlines() if "Done" in line or "Snooze" in line] == []
    assert "could not record" not in daemon.output
    assert "Traceback" not in daemon.output
    (notice,) = [e for e in menu_desktop.history() if e["summary"] == WELCOME]
    assert "routines --about" in notice["body"]
    assert "[routines.checkin] enabled = true" in notice["body"]  # the pain check-in
    assert "a weekly check-in can ask how it is" in daemon.output  # the notice on the terminal
