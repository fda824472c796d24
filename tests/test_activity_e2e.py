"""Activity awareness with the real daemon on a real X server: idle time through MIT-SCREEN-SAVER
(moved with xdotool), a fullscreen window, and a SIGSTOP/SIGCONT freeze counted in dunst's
history.

The daemon runs in demo mode (a minute of the schedule lasts a second) with short idle
thresholds, so the tests take tens of seconds, not hours. The idle monitor is never sampled more
often than every 30 s, which sets the pace of the first test.
"""

from __future__ import annotations

import json
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.cli_helpers import isolated_env, run_cli
from tests.daemon_process import running_daemon
from tests.desktop import DesktopSession, wait_until
from tests.x11_windows import Wm

SESSION_VARS = ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "NO_AT_BRIDGE")


def desktop_env(desktop: DesktopSession, root: Path, extra: dict[str, str]) -> dict[str, str]:
    env = isolated_env(root, extra)
    for name in SESSION_VARS:
        env[name] = desktop.env[name]
    return env


@contextmanager
def someone_at_the_keyboard(desktop: DesktopSession) -> Iterator[None]:
    """Move the pointer every half second, as a user at work would, until the block ends."""
    stop = threading.Event()

    def wiggle() -> None:
        step = 0
        while not stop.wait(0.5):
            step += 1
            subprocess.run(
                ["xdotool", "mousemove", str(100 + step % 50), "100"],
                env=desktop.env, check=False, capture_output=True,
            )  # fmt: skip

    thread = threading.Thread(target=wiggle, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)


def events(root: Path, routine: str) -> list[tuple[str, str]]:
    history = json.loads(run_cli(root, "history", "--json").stdout)
    return [(e["kind"], e["source"]) for e in history if e["routine"] == routine]


def test_away_holds_reminders_and_counts_as_a_break(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    env = desktop_env(
        desktop,
        tmp_path,
        {
            "POSTUREPING_NOTIFICATIONS__BACKEND": "console",
            "POSTUREPING_ACTIVITY__AWAY_AFTER": "5s",
            "POSTUREPING_ACTIVITY__AFTER_RETURN": "3m",  # 3 s in the demo
            "POSTUREPING_ROUTINES__WALK__EVERY": "2m",
            "POSTUREPING_ROUTINES__WALK__BREAK_AFTER": "8s",
            "POSTUREPING_ROUTINES__SWITCH_POSITION__ENABLED": "false",
        },
    )
    with running_daemon(["--demo", "--no-tray"], env, tmp_path) as daemon:
        daemon.wait_for_output("idle time from: x11", timeout=20)
        # Nobody touches the pointer: after 5 s the user is away, and the walk reminder waits.
        held = "held the 'walk' reminder: you are away"
        daemon.wait_for_output(held, timeout=5 + 30 + 15)  # away_after, then the next sample
        status = json.loads(run_cli(tmp_path, "status", "--json").stdout)
        assert status["activity"]["idle_monitor"] == "x11"
        assert "walk" in status["activity"]["held"]
        time.sleep(5)  # more than two walk intervals of the demo: still held, still quiet
        since_held = daemon.output.split(held, 1)[1]
        assert "reminder: Stand up and walk around" not in since_held
        with someone_at_the_keyboard(desktop):
            # Back: the absence (well over 8 s) is a walk, recorded as done by "idle" ...
            daemon.wait_for_output("(idle) counts for: ", timeout=45)
            assert "walk" in daemon.output.split("(idle) counts for: ", 1)[1].splitlines()[0]
            assert events(tmp_path, "walk").count(("done", "idle")) == 1
            # ... and reminders come again once the user has settled in.
            daemon.wait_for_output("reminder: Stand up and walk around", timeout=30)
        assert daemon.stop() == 0
    assert events(tmp_path, "walk").count(("done", "idle")) == 1
    assert "Traceback" not in daemon.output


def test_a_freeze_gives_at_most_one_notification_per_routine(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    env = desktop_env(
        desktop,
        tmp_path,
        {
            "POSTUREPING_NOTIFICATIONS__BACKEND": "freedesktop",
            "POSTUREPING_ACTIVITY__IDLE": "false",  # nobody moves the pointer here
            "POSTUREPING_ROUTINES__WALK__EVERY": "3m",
            "POSTUREPING_ROUTINES__SWITCH_POSITION__EVERY": "4m",
        },
    )

    def shown(title: str) -> int:
        return sum(e["summary"] == f"[demo] {title}" for e in desktop.history())

    with running_daemon(["--demo", "--no-tray"], env, tmp_path) as daemon:
        daemon.wait_for_output("reminder: Stand up and walk around", timeout=20)
        wait_until(lambda: shown("Stand up and walk around") == 1, timeout=10, what="the first")
        daemon.proc.send_signal(signal.SIGSTOP)
        time.sleep(13)  # four walk intervals, three switch-position intervals of the demo
        walks, switches = shown("Stand up and walk around"), shown("Switch your sitting position")
        daemon.proc.send_signal(signal.SIGCONT)
        time.sleep(2)  # less than either interval: only catch-up reminders land here
        assert shown("Stand up and walk around") - walks <= 1
        assert shown("Switch your sitting position") - switches <= 1
        assert daemon.stop() == 0


def test_a_fullscreen_window_holds_a_reminder_until_it_leaves(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    env = desktop_env(
        desktop,
        tmp_path,
        {
            "POSTUREPING_NOTIFICATIONS__BACKEND": "console",
            "POSTUREPING_ACTIVITY__IDLE": "false",  # only the fullscreen window matters here
            "POSTUREPING_ACTIVITY__NEVER_HOLD": "obs",
            "POSTUREPING_ROUTINES__WALK__EVERY": "15m",
            "POSTUREPING_ROUTINES__SWITCH_POSITION__ENABLED": "false",
        },
    )
    wm = Wm(desktop.display)
    slides = wm.window("soffice", "libreoffice-impress", "FULLSCREEN")
    wm.activate(slides.id)
    walk = "reminder: Stand up and walk around"
    try:
        with running_daemon(["--demo", "--no-tray"], env, tmp_path) as daemon:
            daemon.wait_for_output("reminders wait for: dunst, fullscreen", timeout=20)
            held = "held the 'walk' reminder: fullscreen window: libreoffice-impress"
            daemon.wait_for_output(held, timeout=30)
            status = json.loads(run_cli(tmp_path, "status", "--json").stdout)
            assert status["activity"]["holding"] == "fullscreen window: libreoffice-impress"
            time.sleep(35)  # two more walk intervals of the demo, held as one
            assert walk not in daemon.output
            wm.set_state(slides)  # the presentation ends
            daemon.wait_for_output(walk, timeout=40)
            time.sleep(8)  # about half a walk interval: the held reminder came once
            assert daemon.output.count(walk) == 1
            assert daemon.output.count(held) == 1
            assert daemon.stop() == 0
    finally:
        wm.activate(0)
        wm.display.close()


def test_reload_turns_idle_detection_and_do_not_disturb_on_and_off(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    env = desktop_env(desktop, tmp_path, {"POSTUREPING_NOTIFICATIONS__BACKEND": "console"})
    config = tmp_path / "config" / "postureping" / "config.toml"
    config.parent.mkdir(parents=True)
    off = "[activity]\nidle = false\nrespect_do_not_disturb = false\n"
    config.write_text(off, encoding="utf-8")

    def monitor() -> object:
        status = json.loads(run_cli(tmp_path, "status", "--json", env=env).stdout)
        return status["activity"]["idle_monitor"]

    with running_daemon(["--no-tray"], env, tmp_path) as daemon:
        daemon.wait_for_output("postureping is running", timeout=20)
        assert "idle time: not watched (activity.idle = false)" in daemon.output
        assert monitor() is None

        config.write_text("[activity]\nidle = true\n", encoding="utf-8")
        reload = run_cli(tmp_path, "reload", env=env)
        assert reload.returncode == 0, reload.stderr
        daemon.wait_for_output("idle time from: x11", timeout=10)
        daemon.wait_for_output("reminders wait for: dunst, fullscreen", timeout=10)
        assert monitor() == "x11"

        config.write_text(off, encoding="utf-8")
        assert run_cli(tmp_path, "reload", env=env).returncode == 0
        wait_until(lambda: monitor() is None, timeout=10, what="no idle monitor")
        assert daemon.output.count("idle time: not watched") == 2
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.output
