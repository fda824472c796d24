"""A screen lock at the real schedule, with the real daemon: locked with the real
mate-screensaver (Xvfb, private session bus) or by a stand-in logind (a private bus that plays
the system bus), a lock of at least `away_after` counts as a break, a shorter one does not.

Idle time is not watched here (`activity.idle = false`), so only the lock can make the user
away. The walk is due every 10 s: it comes due while the screen is locked, and waits.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from tests.cli_helpers import isolated_env
from tests.daemon_process import running_daemon
from tests.desktop import DesktopSession
from tests.lock_services import fake_logind, mate_screensaver
from tests.test_activity_e2e import desktop_env, events, real_time, status

# slow: the daemon at the real schedule through real locks, about 30 s
pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="D-Bus desktops"),
    pytest.mark.slow,
]

WAIT = 20.0


def settings() -> dict[str, str]:
    return real_time(
        "walk",
        notifications__backend="console",
        activity__idle="false",
        activity__away_after="5s",
        routines__walk__every="10s",
        routines__walk__break_after="5s",
    )


@pytest.mark.desktop
def test_a_lock_with_the_real_screen_saver_counts_as_a_break(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    env = desktop_env(desktop, tmp_path, settings())
    env["DBUS_SYSTEM_BUS_ADDRESS"] = f"unix:path={tmp_path}/no-system-bus"
    with mate_screensaver(desktop) as saver, running_daemon(["--no-tray"], env, tmp_path) as daemon:
        daemon.wait_for_output("screen locks from: screen saver (org.mate.ScreenSaver)", WAIT)
        daemon.wait_for_output("postureping is running", WAIT)
        time.sleep(6)  # the walk's interval is more than half over
        saver.lock()
        daemon.wait_for_output("the screen is locked: you are away", WAIT)
        activity = status(tmp_path, env)["activity"]
        assert isinstance(activity, dict) and activity["away"]
        time.sleep(6)  # the walk comes due meanwhile (at 10 s), and waits
        assert "reminder: Stand up and walk around" not in daemon.output
        saver.unlock()
        daemon.wait_for_output("(lock) counts for: walk", WAIT)
        assert events(tmp_path, "walk") == [("done", "lock")]
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.output


def test_a_short_logind_lock_counts_for_nothing(tmp_path: Path) -> None:
    with fake_logind(tmp_path / "system") as logind:
        env = isolated_env(tmp_path, settings())
        env.pop("DISPLAY", None)
        env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={tmp_path}/no-session-bus"
        env["DBUS_SYSTEM_BUS_ADDRESS"] = logind.address
        env["XDG_SESSION_ID"] = "31"
        with running_daemon(["--no-tray"], env, tmp_path) as daemon:
            daemon.wait_for_output("screen locks from: logind", WAIT)
            logind.send("hint true")
            daemon.wait_for_output("the screen is locked: you are away", WAIT)
            time.sleep(2)  # under away_after (5 s)
            logind.send("hint false")
            daemon.wait_for_output("the screen is unlocked after", WAIT)
            assert events(tmp_path, "walk") == []
            assert daemon.stop() == 0
    assert "counts for" not in daemon.output
    assert "Traceback" not in daemon.output
