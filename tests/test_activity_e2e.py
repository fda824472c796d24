"""Activity awareness with the real daemon at its real schedule (not `--demo`), on real desktop
parts: idle time through X11's MIT-SCREEN-SAVER (moved with xdotool) and through GNOME's Mutter
(headless, moved through its RemoteDesktop API), dunst's do-not-disturb, a fullscreen window.

The thresholds are short real times from the settings (`away_after = "20s"`, a walk every 90 s),
and the idle monitor is sampled at most every 30 s as in real use, which sets the pace: each
test takes one to two minutes.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.cli_helpers import isolated_env, run_cli
from tests.daemon_process import DaemonProcess, running_daemon
from tests.desktop import DesktopSession, wait_until
from tests.mutter_session import MutterSession, require_mutter, start_mutter
from tests.x11_windows import Wm

pytestmark = pytest.mark.slow  # the daemon at the real schedule on real desktops

SESSION_VARS = ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "NO_AT_BRIDGE")
DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
BUILTIN = (
    "desk-height", "feet-support", "lifting", "lumbar-support", "shoes", "sleep-posture",
    "strengthen", "stretch", "switch-position", "walk",
)  # fmt: skip
MIN_CHECK = 30.0  # seconds between idle samples while away (postureping.presence)
SLACK = 10.0  # seconds a loaded machine (the suite runs on every core, CI too) may add to a step
WALK = "Stand up and walk around"
SWITCH = "Switch your sitting position"


def real_time(*routines: str, **settings: str) -> dict[str, str]:
    """Settings for a test at the real schedule: reminders at any hour of any day, only these
    routines, and `settings` as POSTUREPING_ variables (a__b for a.b)."""
    env = {f"POSTUREPING_ACTIVE_HOURS__{day}": "00:00-24:00" for day in DAYS}
    for routine in BUILTIN:
        if routine not in routines:
            env[f"POSTUREPING_ROUTINES__{routine.upper().replace('-', '_')}__ENABLED"] = "false"
    env.update({f"POSTUREPING_{key.upper()}": value for key, value in settings.items()})
    return env


def desktop_env(desktop: DesktopSession, root: Path, extra: dict[str, str]) -> dict[str, str]:
    env = isolated_env(root, extra)
    for name in SESSION_VARS:
        env[name] = desktop.env[name]
    return env


@contextmanager
def someone_at_the_keyboard(touch: Callable[[], object]) -> Iterator[None]:
    """Make input every half second, as a user at work would, until the block ends."""
    stop = threading.Event()

    def work() -> None:
        while not stop.wait(0.5):
            touch()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(10)


def xdotool_touch(desktop: DesktopSession) -> Callable[[], object]:
    step = iter(range(10**9))
    return lambda: subprocess.run(
        ["xdotool", "mousemove", str(100 + next(step) % 50), "100"],
        env=desktop.env, check=False, capture_output=True,
    )  # fmt: skip


def status(root: Path, env: dict[str, str]) -> dict[str, object]:
    result = run_cli(root, "status", "--json", env=env)
    document: dict[str, object] = json.loads(result.stdout)
    return document


def activity(root: Path, env: dict[str, str]) -> dict[str, object]:
    value = status(root, env)["activity"]
    assert isinstance(value, dict)
    return value


def held(root: Path, env: dict[str, str]) -> set[str]:
    """The routines whose reminders the daemon holds now."""
    routines = activity(root, env)["held"]
    assert isinstance(routines, list)
    return {str(routine) for routine in routines}


def events(root: Path, routine: str) -> list[tuple[str, str]]:
    history = json.loads(run_cli(root, "history", "--json").stdout)
    return [(e["kind"], e["source"]) for e in history if e["routine"] == routine]


def absence_is_seen_and_counted(
    daemon: DaemonProcess, root: Path, env: dict[str, str], touch: Callable[[], object]
) -> None:
    """Nobody touches the computer: `away` within MIN_CHECK of `away_after` (20 s), with no
    reminder due; back after 50 s: the walk (90 s interval, more than half over) counts as
    done within MIN_CHECK, and the user is told once.

    The absence counted is what the samples saw of it (one every MIN_CHECK while away), which
    depends on when the daemon samples: only 20 s of it are sure to be seen (the sample that
    saw `away`), so the walk's break_after is 20 s. (With 30 s the walk was not credited when
    the samples fell at 20-29 s and 50-59 s into the absence: a parallel run found it.)"""
    touch()
    left = time.monotonic()
    wait_until(lambda: activity(root, env)["away"], timeout=20 + MIN_CHECK + SLACK, what="away")
    seen = time.monotonic() - left
    assert seen <= 20 + MIN_CHECK + SLACK, f"away seen after {seen:.0f} s"
    assert events(root, "walk") == []  # no reminder came, none was needed to notice
    time.sleep(max(0.0, left + 50 - time.monotonic()))
    with someone_at_the_keyboard(touch):
        back = time.monotonic()
        daemon.wait_for_output("(idle) counts for: walk", timeout=MIN_CHECK + SLACK)
        counted = time.monotonic() - back
    assert counted <= MIN_CHECK + SLACK, f"the break counted after {counted:.0f} s"
    assert events(root, "walk") == [("done", "idle")]
    last_break = status(root, env)["last_break"]
    assert isinstance(last_break, dict) and last_break["routines"] == ["walk"]
    assert not activity(root, env)["away"]


def test_an_absence_is_seen_and_counted_at_the_real_schedule(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    settings = real_time(
        "walk",
        notifications__backend="freedesktop",
        activity__away_after="20s",
        routines__walk__every="90s",
        routines__walk__break_after="20s",  # away_after: see absence_is_seen_and_counted
    )
    env = desktop_env(desktop, tmp_path, settings)
    with running_daemon(["--no-tray"], env, tmp_path) as daemon:
        daemon.wait_for_output("idle time from: x11", timeout=20)
        assert activity(tmp_path, env)["idle_monitor"] == "x11"
        absence_is_seen_and_counted(daemon, tmp_path, env, xdotool_touch(desktop))
        assert daemon.stop() == 0
    notices = [e for e in desktop.history() if e["summary"] == "Break counted for: walk"]
    assert len(notices) == 1 and WALK in notices[0]["body"]
    assert "Traceback" not in daemon.output


@pytest.fixture
def mutter(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MutterSession]:
    require_mutter()
    with start_mutter(tmp_path_factory.mktemp("mutter")) as session:
        yield session


@pytest.mark.desktop
def test_an_absence_is_seen_and_counted_on_gnome(mutter: MutterSession, tmp_path: Path) -> None:
    settings = real_time(
        "walk",
        notifications__backend="console",
        activity__away_after="20s",
        routines__walk__every="90s",
        routines__walk__break_after="20s",  # away_after: see absence_is_seen_and_counted
    )
    env = isolated_env(tmp_path, settings)
    env.pop("DISPLAY", None)
    env["DBUS_SESSION_BUS_ADDRESS"] = mutter.env["DBUS_SESSION_BUS_ADDRESS"]
    with running_daemon(["--no-tray"], env, tmp_path) as daemon:
        daemon.wait_for_output("idle time from: gnome", timeout=20)
        absence_is_seen_and_counted(daemon, tmp_path, env, mutter.touch)
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.output


def shown(desktop: DesktopSession, title: str) -> list[str]:
    """The postureping notifications dunst showed that name `title`."""
    return [
        e["summary"]
        for e in desktop.history()
        if e["appname"] == "postureping" and (title in e["summary"] or title in e["body"])
    ]


def test_reminders_held_by_do_not_disturb_come_once_when_it_ends(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    settings = real_time(
        "walk",
        "switch-position",
        notifications__backend="freedesktop",
        activity__idle="false",  # only do-not-disturb matters here
        routines__walk__every="30s",
        routines__switch_position__every="40s",
    )
    env = desktop_env(desktop, tmp_path, settings)
    desktop.run("dunstctl", "set-paused", "true")
    with running_daemon(["--no-tray"], env, tmp_path) as daemon:
        daemon.wait_for_output("reminders wait for: dunst", timeout=20)
        wait_until(
            lambda: held(tmp_path, env) == {"walk", "switch-position"},
            timeout=40 + MIN_CHECK + SLACK,
            what="both reminders held",
        )
        assert "held the 'walk' reminder: do not disturb is on (dunst is paused)" in daemon.output
        desktop.run("dunstctl", "set-paused", "false")
        ended = time.monotonic()
        daemon.wait_for_output(f"reminder: {WALK}", timeout=MIN_CHECK + SLACK)
        assert time.monotonic() - ended <= MIN_CHECK + SLACK
        time.sleep(5)  # room for a second notification, well before the next walk (30 s)
        walks, switches = shown(desktop, WALK), shown(desktop, SWITCH)
        assert daemon.stop() == 0
    # One notification for both (they were due together), and nothing while it was paused.
    assert len(walks) == 1 and walks == switches, (walks, switches)
    assert daemon.output.count(f"reminder: {WALK}") == 1
    assert "Traceback" not in daemon.output


def test_a_fullscreen_window_holds_a_reminder_until_it_leaves(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    settings = real_time(
        "walk",
        notifications__backend="console",
        activity__idle="false",  # only the fullscreen window matters here
        activity__never_hold="obs",
        routines__walk__every="20s",
    )
    env = desktop_env(desktop, tmp_path, settings)
    wm = Wm(desktop.display)
    slides = wm.window("soffice", "libreoffice-impress", "FULLSCREEN")
    wm.activate(slides.id)
    walk = f"reminder: {WALK}"
    try:
        with running_daemon(["--no-tray"], env, tmp_path) as daemon:
            daemon.wait_for_output("reminders wait for: dunst, fullscreen", timeout=20)
            held = "held the 'walk' reminder: fullscreen window: libreoffice-impress"
            daemon.wait_for_output(held, timeout=20 + SLACK)
            holding = activity(tmp_path, env)["holding"]
            assert holding == "fullscreen window: libreoffice-impress"
            time.sleep(25)  # another walk interval: still held, still one
            assert walk not in daemon.output
            wm.set_state(slides)  # the presentation ends
            daemon.wait_for_output(walk, timeout=MIN_CHECK + SLACK)
            time.sleep(8)  # less than an interval: the held reminder came once
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
        return activity(tmp_path, env)["idle_monitor"]

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
