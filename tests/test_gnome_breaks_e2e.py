"""The real daemon at its real schedule with GNOME's movement breaks on (the real `gsettings`
over a private schema folder, tests/gnome_settings.py) and `gnome_movement_breaks =
"skip-walk"`: the first run says so, no walk reminder comes while GNOME's movement breaks are
on, and the next one comes once they are turned off.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.cli_helpers import isolated_env
from tests.daemon_process import running_daemon
from tests.gnome_settings import gnome_settings_env, movement_breaks
from tests.test_activity_e2e import real_time

pytestmark = pytest.mark.slow  # the daemon at the real schedule, about 11 s

WALK = "reminder: Stand up and walk around"
SKIPPED = "no 'walk' reminder: GNOME's movement breaks are on"


def test_the_walk_is_left_to_gnome_while_its_movement_breaks_are_on(tmp_path: Path) -> None:
    gnome = gnome_settings_env(tmp_path / "gsettings")
    movement_breaks(gnome, on=True)
    settings = real_time(
        "walk",
        notifications__backend="console",
        activity__idle="false",
        activity__gnome_movement_breaks="skip-walk",
        routines__walk__every="5s",
    )
    env = isolated_env(tmp_path, settings)
    env.update(gnome | {"XDG_CURRENT_DESKTOP": "GNOME"})
    env["DBUS_SESSION_BUS_ADDRESS"] = f"unix:path={tmp_path}/no-session-bus"
    env.pop("DISPLAY", None)
    with running_daemon(["--no-tray"], env, tmp_path) as daemon:
        daemon.wait_for_output("postureping is running", timeout=20)
        # The first run says what becomes of the walk.
        assert "GNOME's movement breaks are on (every 30 min, 5 min each): postureping " \
            "leaves the walk to them" in daemon.output  # fmt: skip
        daemon.wait_for_output(SKIPPED, timeout=15)
        daemon.wait_for_output("GNOME's movement breaks are on", timeout=1)
        assert WALK not in daemon.output
        movement_breaks(gnome, on=False)
        daemon.wait_for_output(WALK, timeout=15)
        assert "GNOME's movement breaks are off" in daemon.output
        time.sleep(0.1)
        assert daemon.stop() == 0
    assert daemon.output.count(SKIPPED) >= 1
    assert "Traceback" not in daemon.output
