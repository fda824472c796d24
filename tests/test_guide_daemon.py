"""The guide opened by the running daemon on a real desktop: the Start button of a dunst
notification, the tray's Start item (a StatusNotifierItem, its menu clicked as a panel
would), and a routine set to `guide = "auto"`. Each time the real window opens in a process of
its own, Enter is pressed in it, and the daemon records the answer (source "guide")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli
from tests.daemon_process import DaemonProcess, running_daemon
from tests.desktop import DEFAULT_DUNSTRC, DesktopSession, start_session, wait_until
from tests.guide_helpers import (
    WAIT,
    guide_env,
    guide_window,
    history,
    press,
    require_tkinter,
    shot,
    window_gone,
)
from tests.sni_host import StandInHost, child
from tests.test_tray_sni import registered_item

# dunst's `dmenu`: keep what was offered, pick the first Start.
PICK_START = """\
#!/bin/sh
tee -a "$(dirname "$0")/offered.txt" | grep -m1 '^#Start '
"""


@pytest.fixture
def menu_desktop(desktop_programs: None, tmp_path: Path) -> Iterator[DesktopSession]:
    """A session whose dunst runs PICK_START as its context menu."""
    script = tmp_path / "menu" / "pick-start"
    script.parent.mkdir()
    script.write_text(PICK_START)
    script.chmod(0o755)
    dunstrc = DEFAULT_DUNSTRC.replace("[global]\n", f'[global]\n    dmenu = "{script}"\n', 1)
    with start_session(tmp_path / "desktop", dunstrc=dunstrc) as session:
        yield session


@pytest.fixture(autouse=True)
def _tkinter() -> None:
    require_tkinter()


def answered_by_the_guide(root: Path, env: dict[str, str]) -> list[tuple[str, str, str]]:
    return [
        (e["routine"], e["kind"], e["source"]) for e in history(root, env) if e["source"] == "guide"
    ]


def status(root: Path, env: dict[str, str]) -> str:
    result = run_cli(root, "status", "--json", env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout


def finish_in_the_window(
    desktop: DesktopSession, daemon: DaemonProcess, root: Path, env: dict[str, str], name: str
) -> None:
    """The guide's window is open: press Enter, and see the daemon record it."""
    window = guide_window(desktop)
    shot(desktop, name)
    press(desktop, window, "Return")
    wait_until(
        lambda: answered_by_the_guide(root, env) == [("quick", "done", "guide")],
        timeout=WAIT,
        what="done recorded by the guide",
    )
    assert '"awaiting": null' in status(root, env)  # the reminder's answer
    assert "guide opened: quick" in daemon.output


def test_start_on_a_dunst_notification_opens_the_guide(
    menu_desktop: DesktopSession, tmp_path: Path
) -> None:
    env = guide_env(menu_desktop, tmp_path) | {"POSTUREPING_NOTIFICATIONS__BACKEND": "freedesktop"}
    with running_daemon(["--no-tray"], env, tmp_path) as daemon:
        daemon.wait_for_output("postureping is running", timeout=WAIT)
        assert run_cli(tmp_path, "trigger", "quick", env=env).returncode == 0
        daemon.wait_for_output("reminder: Quick stretch", timeout=WAIT)
        wait_until(lambda: menu_desktop.displayed_count() >= 1, timeout=WAIT, what="the reminder")
        menu_desktop.run("dunstctl", "context")
        finish_in_the_window(menu_desktop, daemon, tmp_path, env, "guide-from-dunst.png")
        offered = (tmp_path / "menu" / "offered.txt").read_text().splitlines()
        offered_labels = {line.split(" (")[0] for line in offered if "Quick stretch" in line}
        assert offered_labels == {"#Start", "#Done", "#Snooze 10 min", "#Skip"}
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.output


def test_the_trays_start_item_opens_the_guide(desktop: DesktopSession, tmp_path: Path) -> None:
    env = guide_env(desktop, tmp_path) | {"POSTUREPING_NOTIFICATIONS__BACKEND": "console"}
    env.pop("PYSTRAY_BACKEND", None)
    host = StandInHost(desktop.bus_address)
    try:
        with running_daemon([], env, tmp_path) as daemon:
            daemon.wait_for_output("tray icon shown (sni)", timeout=WAIT)
            item = registered_item(host)
            # A reminder awaits an answer: the menu offers to start it, and so does the
            # submenu of every routine with steps.
            assert run_cli(tmp_path, "trigger", "quick", env=env).returncode == 0
            daemon.wait_for_output("reminder: Quick stretch", timeout=WAIT)

            def start_item() -> object:
                _revision, layout = host.menu_layout(item)
                try:
                    return child(layout, "Start: Quick stretch")
                except KeyError:
                    return None

            wait_until(start_item, timeout=WAIT, what="the Start item")
            _revision, layout = host.menu_layout(item)
            submenu = child(layout, "Start a guided routine")
            titles = [node[1]["label"][1] for _sig, node in submenu[2]]
            assert "Quick stretch" in titles and "Time for a gentle stretch" in titles
            host.click(item, child(submenu, "Quick stretch")[0])
            finish_in_the_window(desktop, daemon, tmp_path, env, "guide-from-tray.png")
            assert daemon.stop() == 0
    finally:
        host.close()
    assert "Traceback" not in daemon.output


def test_a_routine_set_to_auto_opens_the_guide_instead_of_a_notification(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    env = guide_env(desktop, tmp_path, guide="auto")
    env["POSTUREPING_NOTIFICATIONS__BACKEND"] = "freedesktop"
    with running_daemon(["--no-tray"], env, tmp_path) as daemon:
        daemon.wait_for_output("postureping is running", timeout=WAIT)
        assert run_cli(tmp_path, "trigger", "quick", env=env).returncode == 0
        window = guide_window(desktop)
        summaries = [entry["summary"] for entry in desktop.history(close_displayed=False)]
        assert not [s for s in summaries if "Quick stretch" in s]
        assert '"routine": "quick"' in status(tmp_path, env)  # awaiting its answer
        press(desktop, window, "Escape")  # closed early: the reminder still waits
        wait_until(lambda: window_gone(desktop), timeout=WAIT, what="the guide to close")
        assert answered_by_the_guide(tmp_path, env) == []
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.output


def test_auto_shows_the_notification_when_no_window_can_open(
    desktop: DesktopSession, tmp_path: Path
) -> None:
    """No display for the guide (a session over SSH, say): the reminder is not lost, the
    notification comes instead, with its buttons."""
    env = guide_env(desktop, tmp_path, guide="auto")
    env["POSTUREPING_NOTIFICATIONS__BACKEND"] = "freedesktop"
    env.pop("DISPLAY")
    with running_daemon(["--no-tray"], env, tmp_path) as daemon:
        daemon.wait_for_output("postureping is running", timeout=WAIT)
        assert run_cli(tmp_path, "trigger", "quick", env=env).returncode == 0
        daemon.wait_for_output("the guide for 'quick' ended with status 1", timeout=WAIT)

        def summaries() -> list[str] | None:
            shown = [entry["summary"] for entry in desktop.history()]
            return shown if "Quick stretch" in shown else None

        assert (
            wait_until(summaries, timeout=WAIT, what="the notification instead").count(
                "Quick stretch"
            )
            == 1
        )
        assert daemon.stop() == 0
    assert "no window can open here" in daemon.output
    assert "Traceback" not in daemon.output
