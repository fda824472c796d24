"""The guide's window on Wayland: a real headless sway (1.7, tests/sway_session.py) with
Xwayland, where tkinter's window is an X11 client. `postureping guide stretch --view window`
runs as the session's user on Xwayland's display; the test checks that sway shows it as an
Xwayland view, walks through every step with the keys (xdotool's XTEST on the Xwayland
display), and reads the routine recorded done from the history.

The steps are long (a minute each, 3 minutes in all) so that only the key presses can end
the routine within the test's wait: it takes a few seconds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from typing import Any

import pytest
from PIL import Image

from postureping.guide.theme import LIGHT
from tests.desktop import wait_until
from tests.guide_helpers import ARTIFACTS, WAIT, pixels_of, require_tkinter
from tests.sway_session import SwaySession, require_sway, start_sway

# slow: a sway session with Xwayland and a real walk through a routine, about 5 s
pytestmark = [pytest.mark.desktop, pytest.mark.slow]

STEP_SECONDS = 60  # each step; the routine would take 3 minutes without the keys
# The built-in stretch with three long steps of its own (one done on each side).
SETTINGS = f"""\
[notifications]
backend = "console"

[[routines.stretch.steps]]
text = "Sit tall and reach both arms up."
seconds = {STEP_SECONDS}

[[routines.stretch.steps]]
text = "Tilt your head towards one shoulder, then the other."
seconds = {STEP_SECONDS}
per_side = true

[[routines.stretch.steps]]
text = "Stand up and breathe out."
seconds = {STEP_SECONDS}
"""
TITLE_END = "\N{EM DASH} postureping"  # the window's title: "<routine's title> — postureping"


def require_xdotool() -> None:
    if shutil.which("xdotool") is None:
        reason = "the guide's Xwayland test needs xdotool (apt package xdotool) to press keys"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI is expected to install it (.ci/run)", pytrace=False)
        pytest.skip(reason)


def require_users_tkinter(sway: SwaySession) -> None:
    """The session's user may run another interpreter than the test's (Debian's, when the
    test's is under a folder closed to others): it needs tkinter too (python3-tk)."""
    python = sway.postureping_program[:-2]  # without "-m postureping"
    check = subprocess.run([*python, "-c", "import tkinter"], env=sway.postureping_env(),
                           cwd=sway.home, capture_output=True, text=True, check=False)  # fmt: skip
    if check.returncode != 0:
        reason = f"the user's Python has no tkinter (Debian: apt install python3-tk): {python[-1]}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI is expected to have it (.ci/run)", pytrace=False)
        pytest.skip(reason)


def views(node: dict[str, Any]) -> list[dict[str, Any]]:
    """Every view (window) in a `swaymsg -t get_tree` tree."""
    found = [node] if node.get("type") in ("con", "floating_con") and node.get("shell") else []
    for child in node.get("nodes", []) + node.get("floating_nodes", []):
        found += views(child)
    return found


def guide_view(sway: SwaySession) -> dict[str, Any] | None:
    for view in views(sway.swaymsg_json("-t", "get_tree")):
        if (view.get("name") or "").endswith(TITLE_END):
            return view
    return None


def xdotool(sway: SwaySession, *args: str) -> str:
    """xdotool as the session's user, on Xwayland's display."""
    assert sway.x_display
    return sway.run("xdotool", *args, env={"DISPLAY": sway.x_display})


def x_window(sway: SwaySession) -> str | None:
    """The guide's X11 window on Xwayland's display, once X clients see it mapped (sway may
    list the view a moment before)."""
    assert sway.x_display
    found = sway.user.run(
        ["xdotool", "search", "--onlyvisible", "--name", "postureping$"],
        sway.env | {"DISPLAY": sway.x_display}, sway.home, timeout=WAIT,
    )  # fmt: skip
    ids = found.stdout.split()
    return ids[-1] if ids else None


def screenshot(sway: SwaySession, name: str) -> Image.Image:
    """The whole output with grim (wlroots' screencopy), kept in the artifacts."""
    path = sway.root / name
    sway.run("grim", os.fspath(path))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, ARTIFACTS / name)
    with Image.open(path) as image:
        return image.convert("RGB")


def drawn(image: Image.Image) -> bool:
    return pixels_of(image, LIGHT.background) > 100_000 and pixels_of(image, LIGHT.ink) > 500


def test_the_window_on_sway_through_xwayland_walks_the_routine_with_keys() -> None:
    require_tkinter()
    require_sway(xwayland=True)
    require_xdotool()
    with start_sway(xwayland=True) as sway:
        assert sway.x_display
        require_users_tkinter(sway)
        sway.settings_file(SETTINGS)
        env = sway.postureping_env({"DISPLAY": sway.x_display})
        command = [*sway.postureping_program, "guide", "stretch", "--view", "window",
                   "--theme", "light", "--read", "0.5"]  # fmt: skip
        process = subprocess.Popen(
            command, env=env, cwd=sway.home, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            view = wait_until(lambda: guide_view(sway), timeout=WAIT, what="the guide's view")
            # An X11 client, shown by sway through Xwayland, and given the focus.
            assert view["shell"] == "xwayland", view
            assert view["name"] == f"Time for a gentle stretch {TITLE_END}", view
            assert wait_until(lambda: (guide_view(sway) or {}).get("focused"), timeout=WAIT,
                              what="the guide's view focused")  # fmt: skip
            window = wait_until(lambda: x_window(sway), timeout=WAIT, what="the X11 window")
            if shutil.which("grim"):  # the window drawn: light, with the step's text
                wait_until(lambda: drawn(screenshot(sway, "guide-sway-xwayland.png")),
                           timeout=WAIT, what="the window drawn")  # fmt: skip
            started = time.monotonic()
            for _step in range(3):  # Next, on each step; after the last one, it is done
                xdotool(sway, "windowfocus", "--sync", window, "key", "n")
                time.sleep(0.3)
            out, err = process.communicate(timeout=WAIT)
            took = time.monotonic() - started
        finally:
            process.kill()
            process.wait()
        assert process.returncode == 0, err
        assert out.startswith("Recorded: stretch done"), out
        assert took < STEP_SECONDS, f"the routine ended after {took:.0f} s: the keys did nothing"
        wait_until(lambda: guide_view(sway) is None, timeout=WAIT, what="the view to close")
        history = sway.postureping("history", "--json")
        assert history.returncode == 0, history.stderr
        events = [(e["routine"], e["kind"], e["source"]) for e in json.loads(history.stdout)]
        assert events == [("stretch", "done", "guide")]
