"""A fullscreen native Wayland window on real sway holds a reminder: headless sway 1.7 and a
real foot terminal, as a user the test creates (tests/sway_session.py), and the real daemon,
as that user, at its real schedule with a short interval from the settings (a walk every
8 s). The reminder that came due while foot was fullscreen is shown once, as soon as foot
leaves fullscreen (sway's window event, not the daemon's next 30 s look).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time

import pytest

from postureping.dnd.registry import choose_hold_probes
from postureping.dnd.wlr_toplevel import WlrToplevelProbe
from tests.daemon_process import running_daemon
from tests.desktop import wait_until
from tests.sway_session import SwaySession, require_sway, start_sway
from tests.test_activity_e2e import WALK, real_time

# slow: real sway and foot at the real schedule, about 25 s
pytestmark = [pytest.mark.desktop, pytest.mark.slow]

EVERY = 8.0  # seconds between walks
SLACK = 5.0  # seconds a loaded CI machine may add to a step
TOLD = 5.0  # seconds from leaving fullscreen to the reminder: told, not found by a look (30 s)
HOLDING = "fullscreen window: foot (sway)"


def require_foot() -> None:
    if shutil.which("foot") is None:
        reason = "needs foot (apt package foot), a Wayland terminal to make fullscreen"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI is expected to install it (.ci/run)", pytrace=False)
        pytest.skip(reason)


def foot_windows(sway: SwaySession) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []

    def walk(node: dict[str, object]) -> None:
        if node.get("app_id") == "foot":
            found.append(node)
        for key in ("nodes", "floating_nodes"):
            for child in node.get(key) or []:  # type: ignore[attr-defined]
                walk(child)

    walk(sway.swaymsg_json("-t", "get_tree"))
    return found


def test_a_fullscreen_foot_holds_a_reminder_until_it_leaves_fullscreen() -> None:
    require_sway()
    require_foot()
    settings = real_time(
        "walk",
        notifications__backend="console",  # what is shown, on the daemon's output
        activity__idle="false",  # only the fullscreen window matters here
        activity__never_hold="mpv",
        routines__walk__every=f"{EVERY:g}s",
    )
    walk = f"reminder: {WALK}"
    with start_sway() as sway:
        sway.start("foot", "foot", "--app-id=foot", "cat")  # cat: a shell-less user's terminal
        wait_until(lambda: foot_windows(sway) or None, timeout=20, what="foot's window")
        sway.swaymsg("[app_id=foot] fullscreen enable")
        assert [w["fullscreen_mode"] for w in foot_windows(sway)] == [1]
        env = sway.postureping_env(settings)
        doctor = sway.postureping("doctor", "--json", extra=settings)
        checks = {check["name"]: check for check in json.loads(doctor.stdout)}
        assert "sway-fullscreen" in checks["do not disturb"]["detail"], doctor.stdout
        with running_daemon(
            ["--no-tray"], env, sway.home, program=sway.postureping_program
        ) as daemon:
            daemon.wait_for_output("reminders wait for: ", timeout=30)
            daemon.wait_for_output("sway-fullscreen", timeout=1)
            held = f"held the 'walk' reminder: {HOLDING}"
            daemon.wait_for_output(held, timeout=EVERY + SLACK)
            status = sway.postureping("status", "--json", extra=settings)
            assert json.loads(status.stdout)["activity"]["holding"] == HOLDING, status.stderr
            time.sleep(EVERY + 1)  # another walk interval: still held, still one
            assert walk not in daemon.output
            sway.swaymsg("[app_id=foot] fullscreen toggle")  # the window leaves fullscreen
            ended = time.monotonic()
            daemon.wait_for_output(walk, timeout=30 + SLACK)
            assert time.monotonic() - ended < TOLD, daemon.output
            time.sleep(EVERY / 2)  # less than an interval: the held reminder came once
            assert daemon.output.count(walk) == 1, daemon.output
            assert daemon.output.count(held) == 1, daemon.output
            assert daemon.stop() == 0
    assert "Traceback" not in daemon.output


def test_the_wlroots_probe_follows_a_fullscreen_foot(caplog: pytest.LogCaptureFixture) -> None:
    """wlr-fullscreen, for wlroots compositors without sway's IPC, against sway's own
    zwlr_foreign_toplevel_manager_v1 (SWAYSOCK left out, as on Hyprland or river)."""
    require_sway()
    require_foot()
    with start_sway() as sway:
        others, unavailable = choose_hold_probes(sway.env, frozenset())
        for other in others:
            other.close()
        assert dict(unavailable)["wlr-fullscreen"] == "sway: sway-fullscreen covers it"
        environ = {
            "WAYLAND_DISPLAY": sway.wayland_display,
            "XDG_RUNTIME_DIR": str(sway.runtime_dir),
        }
        probe = WlrToplevelProbe.open(environ, frozenset())
        told = threading.Semaphore(0)
        try:
            probe.watch(told.release)
            assert probe.hold_reason() is None
            sway.start("foot", "foot", "cat")
            wait_until(lambda: foot_windows(sway) or None, timeout=20, what="foot's window")
            sway.swaymsg("[app_id=foot] fullscreen enable")
            assert told.acquire(timeout=TOLD)
            assert probe.hold_reason() == "fullscreen window: foot (Wayland)"
            exempt = WlrToplevelProbe.open(environ, frozenset({"FOOT"}))  # windows known at once
            assert exempt.hold_reason() is None
            exempt.close()
            sway.swaymsg("[app_id=foot] fullscreen disable")
            assert told.acquire(timeout=TOLD)
            assert probe.hold_reason() is None
            sway.swaymsg("[app_id=foot] fullscreen enable")
            assert told.acquire(timeout=TOLD)
            sway.stop("foot")  # the window closes: nothing fullscreen any more
            assert told.acquire(timeout=TOLD)
            assert probe.hold_reason() is None
            sway.stop("sway")  # the compositor goes: said once, then None until it is back
            wait_until(lambda: probe._session is not None and probe._session.failure,
                       timeout=TOLD, what="the probe to see the compositor go")  # fmt: skip
            with caplog.at_level(logging.WARNING, logger="postureping.dnd"):
                assert [probe.hold_reason() for _ in range(3)] == [None] * 3
            (record,) = [r for r in caplog.records if r.name == "postureping.dnd.wlr_toplevel"]
            assert record.getMessage().startswith("the wlr-fullscreen hold probe failed (")
        finally:
            probe.close()
    assert [t for t in threading.enumerate() if t.name == "postureping-wlr-toplevels"] == []
