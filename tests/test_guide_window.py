"""The guide's real window under Xvfb, driven with xdotool: a whole routine, the keys, and
what it records (tests/guide_helpers.py has the routine and the helpers)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from postureping.guide.theme import DARK, LIGHT
from tests.cli_helpers import isolated_env, run_cli
from tests.desktop import DesktopSession, wait_until
from tests.guide_helpers import (
    WAIT,
    cue_shown,
    guide_env,
    guide_window,
    history,
    pixels_of,
    press,
    require_tkinter,
    shot,
    start_guide,
    window_gone,
)


@pytest.fixture(autouse=True)
def _tkinter() -> None:
    require_tkinter()


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=WAIT)
    return process.returncode, out, err


def test_the_window_walks_through_the_whole_routine_and_records_it_done(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    env = guide_env(desktop, tmp_path)
    process = start_guide(env, tmp_path, "quick", "--read", "0.5", "--theme", "light")
    try:
        guide_window(desktop)
        first = shot(desktop, "guide-step-1.png")
        assert pixels_of(first, LIGHT.background) > 100_000  # the window, light
        assert pixels_of(first, LIGHT.ink) > 500  # the step's text
        assert not cue_shown(desktop, "guide-no-cue.png")
        # The second step is done on each side: "Other side" comes halfway through it.
        wait_until(
            lambda: cue_shown(desktop, "guide-other-side.png"), timeout=WAIT, what="Other side"
        )
        counting = shot(desktop, "guide-counting.png")
        assert pixels_of(counting, LIGHT.accent) > 500  # the countdown, the progress bar
        code, out, err = finish(process)
    finally:
        process.kill()
    assert code == 0, err
    assert out.startswith("Recorded: quick done"), out
    events = history(tmp_path, env)
    assert [(e["routine"], e["kind"], e["source"]) for e in events] == [("quick", "done", "guide")]
    assert window_gone(desktop)


def test_esc_closes_it_early_and_nothing_is_recorded(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    env = guide_env(desktop, tmp_path)
    process = start_guide(env, tmp_path, "quick")
    try:
        window = guide_window(desktop)
        press(desktop, window, "Escape")
        code, out, err = finish(process)
    finally:
        process.kill()
    assert code == 0, err
    assert "nothing recorded" in out
    assert history(tmp_path, env) == []


def test_space_pauses_and_enter_is_done(desktop: DesktopSession, tmp_path: Path) -> None:
    env = guide_env(desktop, tmp_path)
    process = start_guide(env, tmp_path, "quick", "--read", "0.5")
    try:
        window = guide_window(desktop)
        press(desktop, window, "space")
        wait_until(lambda: cue_shown(desktop, "guide-paused.png"), timeout=WAIT, what="Paused")
        time.sleep(9)  # longer than the whole routine: paused, it does not end
        assert process.poll() is None
        assert history(tmp_path, env) == []
        press(desktop, window, "Return")
        code, out, err = finish(process)
    finally:
        process.kill()
    assert code == 0, err
    assert out.startswith("Recorded: quick done"), out
    assert [(e["kind"], e["source"]) for e in history(tmp_path, env)] == [("done", "guide")]


def test_skip_records_a_skip(desktop: DesktopSession, tmp_path: Path) -> None:
    env = guide_env(desktop, tmp_path)
    process = start_guide(env, tmp_path, "quick")
    try:
        window = guide_window(desktop)
        press(desktop, window, "s")
        code, _out, err = finish(process)
    finally:
        process.kill()
    assert code == 0, err
    assert [(e["kind"], e["source"]) for e in history(tmp_path, env)] == [("skipped", "guide")]


def test_the_dark_theme(desktop: DesktopSession, tmp_path: Path) -> None:
    env = guide_env(desktop, tmp_path)
    process = start_guide(env, tmp_path, "stretch", "--theme", "dark")
    try:
        window = guide_window(desktop)
        image = shot(desktop, "guide-dark.png")
        assert pixels_of(image, DARK.background) > 100_000
        assert pixels_of(image, LIGHT.background) < 1_000
        press(desktop, window, "Escape")
        finish(process)
    finally:
        process.kill()


def test_a_routine_without_steps_is_refused(desktop: DesktopSession, tmp_path: Path) -> None:
    env = guide_env(desktop, tmp_path)
    walk = run_cli(tmp_path, "guide", "walk", env=env)
    assert walk.returncode != 0
    assert "has no steps" in walk.stderr and "stretch" in walk.stderr
    unknown = run_cli(tmp_path, "guide", "nosuch", env=env)
    assert unknown.returncode != 0 and "unknown routine 'nosuch'" in unknown.stderr
    assert "Traceback" not in walk.stderr + unknown.stderr


def test_with_no_display_and_no_terminal_it_says_why(tmp_path: Path) -> None:
    env = isolated_env(tmp_path)
    env.pop("DISPLAY", None)
    result = subprocess.run(
        [sys.executable, "-m", "postureping", "guide", "stretch"], env=env, cwd=tmp_path,
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=WAIT, check=False,
    )  # fmt: skip
    assert result.returncode == 1
    assert "no window can open here" in result.stderr and "not a terminal" in result.stderr
    assert "Traceback" not in result.stderr
    window = run_cli(tmp_path, "guide", "stretch", "--view", "window", env={"DISPLAY": ""})
    assert window.returncode == 1 and "cannot open the guide's window" in window.stderr


def test_with_sound_on_each_step_change_plays_a_sound(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    """`[guide] sound = true`: the desktop's sound player (here a stand-in
    canberra-gtk-play that notes what it was asked to play) at each step change."""
    env = guide_env(desktop, tmp_path)
    config = Path(env["POSTUREPING_CONFIG"])
    config.write_text(config.read_text() + "\n[guide]\nsound = true\n")
    played = tmp_path / "played.txt"
    programs = tmp_path / "bin"
    programs.mkdir()
    player = programs / "canberra-gtk-play"
    player.write_text(f'#!/bin/sh\necho "$*" >> {played}\n')
    player.chmod(0o755)
    env["PATH"] = f"{programs}:{env['PATH']}"
    process = start_guide(env, tmp_path, "quick", "--read", "0.5")
    try:
        guide_window(desktop)
        code, _out, err = finish(process)
    finally:
        process.kill()
    assert code == 0, err

    def sounds() -> list[str] | None:
        lines = played.read_text().splitlines() if played.exists() else []
        return lines if lines and lines[-1] == "--id complete" else None

    played_sounds = wait_until(sounds, timeout=WAIT, what="the sound at the end")
    # Three countdowns start, one "other side", two new steps (a stall may merge two of
    # them into one sound), and the end.
    assert 4 <= played_sounds.count("--id message") <= 6, played_sounds
    assert played_sounds.count("--id complete") == 1
