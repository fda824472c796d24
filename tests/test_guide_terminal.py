"""The guide's terminal view (rich's live display), where no window can open: run in a real
terminal (tmux), driven with send-keys and read with capture-pane."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_helpers import isolated_env
from tests.desktop import wait_until
from tests.guide_helpers import ARTIFACTS, QUICK, WAIT, history

SESSION = "guide"


class Tmux:
    """A tmux server of its own (its socket under the test's folder), one window."""

    def __init__(self, directory: Path, env: dict[str, str]) -> None:
        self.socket = directory / "tmux.sock"
        self.env = env

    def __call__(self, *args: str) -> str:
        result = subprocess.run(
            ["tmux", "-S", str(self.socket), *args],
            env=self.env, capture_output=True, text=True, timeout=WAIT, check=True,
        )  # fmt: skip
        return result.stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", SESSION)

    def wait_for(self, text: str) -> str:
        def shown() -> str | None:
            screen = self.screen()
            return screen if text in screen else None

        return wait_until(shown, timeout=WAIT, what=f"{text!r} on the terminal")


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("tmux is missing; CI is expected to install it (.ci/run)", pytrace=False)
        pytest.skip("needs tmux (apt package tmux)")
    config = tmp_path / "config.toml"
    config.write_text(QUICK.format(guide="ask"))
    env = isolated_env(tmp_path, {"POSTUREPING_CONFIG": str(config), "TERM": "xterm-256color"})
    env.pop("DISPLAY", None)  # no window: the terminal view
    terminal = Tmux(tmp_path, env)
    try:
        yield terminal
    finally:
        subprocess.run(["tmux", "-S", str(terminal.socket), "kill-server"],
                       env=env, capture_output=True, check=False)  # fmt: skip


def start(tmux: Tmux, root: Path, *args: str) -> None:
    """`postureping guide ARGS` in the terminal; its exit status is written after it."""
    command = shlex.join([sys.executable, "-m", "postureping", "guide", *args])
    script = f'cd {shlex.quote(str(root))}; {command}; echo "exit=$?"; sleep 600'
    tmux("new-session", "-d", "-s", SESSION, "-x", "100", "-y", "30", script)


def keep(tmux: Tmux, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_text(tmux.screen())


def test_the_terminal_view_walks_through_the_routine(tmux: Tmux, tmp_path: Path) -> None:
    start(tmux, tmp_path, "quick", "--read", "0.5")
    screen = tmux.wait_for("Step 1 of 3")
    assert "Quick stretch" in screen and "Sit tall and reach both arms up." in screen
    tmux.wait_for("Other side")
    keep(tmux, "guide-terminal-other-side.txt")
    screen = tmux.wait_for("exit=0")
    assert "Recorded: quick done" in screen
    events = history(tmp_path, tmux.env)
    assert [(e["routine"], e["kind"], e["source"]) for e in events] == [("quick", "done", "guide")]


def test_space_pauses_and_enter_is_done_on_the_terminal(tmux: Tmux, tmp_path: Path) -> None:
    start(tmux, tmp_path, "quick", "--read", "0.5")
    tmux.wait_for("Step 1 of 3")
    tmux("send-keys", "-t", SESSION, "Space")
    tmux.wait_for("Paused")
    keep(tmux, "guide-terminal-paused.txt")
    time.sleep(9)  # longer than the whole routine
    assert "Step 1 of 3" in tmux.screen() and "exit=" not in tmux.screen()
    tmux("send-keys", "-t", SESSION, "Enter")
    assert "Recorded: quick done" in tmux.wait_for("exit=0")
    assert [e["source"] for e in history(tmp_path, tmux.env)] == ["guide"]


@pytest.mark.parametrize("key", ["Escape", "q"])
def test_esc_or_q_closes_it_and_nothing_is_recorded(tmux: Tmux, tmp_path: Path, key: str) -> None:
    start(tmux, tmp_path, "quick")
    tmux.wait_for("Step 1 of 3")
    tmux("send-keys", "-t", SESSION, key)
    assert "nothing recorded" in tmux.wait_for("exit=0")
    assert history(tmp_path, tmux.env) == []


def test_an_arrow_key_does_not_close_it(tmux: Tmux, tmp_path: Path) -> None:
    start(tmux, tmp_path, "quick")
    tmux.wait_for("Step 1 of 3")
    tmux("send-keys", "-t", SESSION, "Up", "n")  # an escape sequence, then Next
    tmux.wait_for("Step 2 of 3")
    tmux("send-keys", "-t", SESSION, "s")  # Skip
    assert "exit=0" in tmux.wait_for("exit=0")
    assert [e["kind"] for e in history(tmp_path, tmux.env)] == ["skipped"]
