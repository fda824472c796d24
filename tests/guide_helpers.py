"""Driving the guide's real window on a test desktop: find it, press keys, look at it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from postureping.guide.theme import DARK, LIGHT
from tests.cli_helpers import isolated_env, run_cli
from tests.desktop import DesktopSession, wait_until

WAIT = 20.0
ROOT = Path(__file__).resolve().parent.parent
# Screenshots a CI run keeps (artifacts/ is gitignored); POSTUREPING_TEST_ARTIFACTS moves them.
ARTIFACTS = Path(os.environ.get("POSTUREPING_TEST_ARTIFACTS") or ROOT / "artifacts")

# A short routine: 0.5 s to read each step (--read), then 2 s, 4 s (one side, then the
# other after 2 s) and 2 s.
QUICK = """\
[[custom_routines]]
id = "quick"
title = "Quick stretch"
message = "A quick stretch for the tests."
every = "8h"
guide = "{guide}"

[[custom_routines.steps]]
text = "Sit tall and reach both arms up."
seconds = 2

[[custom_routines.steps]]
text = "Tilt your head towards one shoulder, then the other."
seconds = 4
per_side = true

[[custom_routines.steps]]
text = "Stand up and breathe out."
seconds = 2
"""


def require_tkinter() -> None:
    """Skip without tkinter (Debian's Python needs python3-tk); in CI, fail instead."""
    try:
        import tkinter  # noqa: F401, PLC0415
    except ImportError as error:
        reason = f"the guide's window needs tkinter ({error}; Debian: apt install python3-tk)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI is expected to have it (.ci/run)", pytrace=False)
        pytest.skip(reason)


def guide_env(desktop: DesktopSession, root: Path, guide: str = "ask") -> dict[str, str]:
    """A home of its own under `root`, on this desktop, with the quick routine."""
    config = root / "config.toml"
    config.write_text(QUICK.format(guide=guide))
    env = isolated_env(root, {"POSTUREPING_CONFIG": str(config)})
    for name in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "NO_AT_BRIDGE"):
        env[name] = desktop.env[name]
    return env


def start_guide(env: dict[str, str], root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "postureping", "guide", *args],
        cwd=root, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def guide_window(desktop: DesktopSession, timeout: float = WAIT) -> str:
    """The id of the guide's window, once it is mapped."""

    def found() -> str | None:
        result = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", "postureping$"],
            env=desktop.env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        ids = result.stdout.split()
        return ids[-1] if ids else None

    return wait_until(found, timeout=timeout, what="the guide's window")


def window_gone(desktop: DesktopSession) -> bool:
    result = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", "postureping$"],
        env=desktop.env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return not result.stdout.split()


def press(desktop: DesktopSession, window: str, *keys: str) -> None:
    desktop.run("xdotool", "windowfocus", "--sync", window, "key", *keys)


def shot(desktop: DesktopSession, name: str) -> Image.Image:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = desktop.screenshot(ARTIFACTS / name)
    with Image.open(path) as image:
        return image.convert("RGB")


def pixels_of(image: Image.Image, colour: str) -> int:
    """How many pixels have exactly this colour ("#rrggbb")."""
    wanted = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return sum(count for count, rgb in image.getcolors(1 << 20) or [] if rgb == wanted)


def cue_shown(desktop: DesktopSession, name: str, *, dark: bool = False) -> bool:
    """Whether the warm cue ("Other side", "Paused") is on screen."""
    return pixels_of(shot(desktop, name), (DARK if dark else LIGHT).cue) > 50


def history(root: Path, env: dict[str, str]) -> list[dict[str, str]]:
    result = run_cli(root, "history", "--json", env=env)
    assert result.returncode == 0, result.stderr
    events: list[dict[str, str]] = json.loads(result.stdout)
    return events
