"""Idle time on a real sway (1.7, Debian 12's, which offers org_kde_kwin_idle), with the real
daemon at its real schedule (not `--demo`) and input typed by `wtype` through sway's virtual
keyboard protocol. The session is tests/sway_session.py's: headless sway as a user the test
creates, and postureping run as that user.

Thresholds are short real times (`away_after` and the walk's `break_after` 15 s, a walk every
90 s) and the idle time is sampled at most every 30 s as in real use, which sets the pace:
away is seen at the second sample (30 s in), the return at the third (60 s), and the test
takes about 70 s.
"""

from __future__ import annotations

import json
import os
import shutil
import time

import pytest

from tests.daemon_process import running_daemon
from tests.desktop import wait_until
from tests.sway_session import SwaySession, require_sway, start_sway
from tests.test_activity_e2e import MIN_CHECK, SLACK, real_time, someone_at_the_keyboard

# slow: sway idle at the real schedule, about 65 s
pytestmark = [pytest.mark.desktop, pytest.mark.slow]

AWAY_AFTER = 15.0  # seconds


def require_wtype() -> None:
    if shutil.which("wtype") is None:
        reason = "the sway idle test needs wtype (apt package wtype) to type"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI is expected to install it (.ci/run)", pytrace=False)
        pytest.skip(reason)


def status(sway: SwaySession, extra: dict[str, str]) -> dict[str, object]:
    result = sway.postureping("status", "--json", extra=extra)
    assert result.returncode == 0, result.stderr
    document: dict[str, object] = json.loads(result.stdout)
    return document


def activity(sway: SwaySession, extra: dict[str, str]) -> dict[str, object]:
    value = status(sway, extra)["activity"]
    assert isinstance(value, dict)
    return value


def walks(sway: SwaySession) -> list[tuple[str, str]]:
    result = sway.postureping("history", "--json")
    return [(e["kind"], e["source"]) for e in json.loads(result.stdout) if e["routine"] == "walk"]


def test_an_absence_is_seen_and_counted_on_sway() -> None:
    require_sway()
    require_wtype()
    settings = real_time(
        "walk",
        notifications__backend="console",
        activity__away_after=f"{AWAY_AFTER:g}s",
        routines__walk__every="90s",
        routines__walk__break_after=f"{AWAY_AFTER:g}s",
    )
    with start_sway() as sway:
        env = sway.postureping_env(settings)
        with running_daemon(["--no-tray"], env, sway.home,
                            program=sway.postureping_program) as daemon:  # fmt: skip
            daemon.wait_for_output("postureping is running", timeout=20)
            # Nobody types from here on: the idle time counts from the monitor's connection.
            left = time.monotonic()
            assert activity(sway, settings)["idle_monitor"] == "wayland"
            assert "idle time from: wayland (org_kde_kwin_idle)" in daemon.output
            wait_until(lambda: activity(sway, settings)["away"],
                       timeout=AWAY_AFTER + MIN_CHECK + SLACK, what="away")  # fmt: skip
            seen = time.monotonic() - left
            assert seen <= AWAY_AFTER + MIN_CHECK + SLACK, f"away seen after {seen:.0f} s"
            assert walks(sway) == []  # no reminder came, none was needed to notice
            assert "reminder:" not in daemon.output

            # Back: keys on sway's virtual keyboard, as someone at work types.
            with someone_at_the_keyboard(lambda: sway.run("wtype", "-k", "Shift_L")):
                back = time.monotonic()
                daemon.wait_for_output("(idle) counts for: walk", timeout=MIN_CHECK + SLACK)
                counted = time.monotonic() - back
            assert counted <= MIN_CHECK + SLACK, f"the break counted after {counted:.0f} s"
            assert walks(sway) == [("done", "idle")]
            last_break = status(sway, settings)["last_break"]
            assert isinstance(last_break, dict) and last_break["routines"] == ["walk"]
            assert not activity(sway, settings)["away"]
            assert daemon.stop() == 0
        doctor = sway.postureping("doctor", "--json", extra=settings)
        (idle,) = [c for c in json.loads(doctor.stdout) if c["name"] == "idle time"]
        assert (idle["level"], idle["detail"].split(" (not:")[0]) == (
            "ok", "wayland (org_kde_kwin_idle)",
        )  # fmt: skip
    assert "Break counted for: walk" in daemon.output
    assert "Traceback" not in daemon.output
