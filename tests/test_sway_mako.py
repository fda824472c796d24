"""postureping on sway with mako, sway's usual notification server: the real daemon at its real
schedule (short intervals from a test settings file, not `--demo`), run as the session's user.

mako 1.7 answers GetCapabilities twice (a reply, then an UnknownMethod error with the same
reply serial); postureping must take the first and ignore the second, or its bus connection
dies and reminders go to the terminal (issue 13, item 1).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.daemon_process import DaemonProcess, running_daemon
from tests.desktop import wait_until
from tests.sway_session import SwaySession, require_sway, start_sway
from tests.test_activity_e2e import WALK, real_time

# slow: five real reminders through mako, about 11 s
pytestmark = [pytest.mark.desktop, pytest.mark.slow]

SLACK = 10.0  # seconds a loaded CI machine may add to a step


@pytest.fixture
def sway() -> Iterator[SwaySession]:
    require_sway(mako=True)
    with start_sway(mako=True) as session:
        yield session


def ours(sway: SwaySession) -> list[dict[str, Any]]:
    return [n for n in sway.mako_list() if n["app-name"] == "postureping"]


def history(sway: SwaySession, extra: dict[str, str]) -> list[tuple[str, str, str]]:
    result = sway.postureping("history", "--json", extra=extra)
    assert result.returncode == 0, result.stderr
    return [(e["routine"], e["kind"], e["source"]) for e in json.loads(result.stdout)]


def wait_for_reminder(sway: SwaySession, daemon: DaemonProcess, seen: set[int]) -> dict[str, Any]:
    """The next reminder mako shows (a notification id not in `seen`)."""

    def new() -> dict[str, Any] | None:
        fresh = [n for n in ours(sway) if n["id"] not in seen and WALK in n["summary"]]
        return fresh[0] if fresh else None

    try:
        return wait_until(new, timeout=2 + SLACK, what="the next reminder on mako")
    except TimeoutError as error:
        raise AssertionError(f"{error}; the daemon said:\n{daemon.output}") from error


def test_every_reminder_reaches_mako_and_its_done_is_recorded(sway: SwaySession) -> None:
    extra = real_time(
        "walk",
        notifications__backend="freedesktop",
        activity__idle="false",
        routines__walk__every="2s",
    )
    seen: set[int] = set()
    with running_daemon(
        ["--no-tray"], sway.postureping_env(extra), sway.home, program=sway.postureping_program
    ) as daemon:
        daemon.wait_for_output("running without a tray icon", timeout=20)
        for _ in range(5):
            shown = wait_for_reminder(sway, daemon, seen)
            seen.add(shown["id"])
            assert "done" in shown["actions"], shown
            sway.makoctl("invoke", "-n", str(shown["id"]), "done")
        wait_until(
            lambda: history(sway, extra).count(("walk", "done", "notification")) == 5,
            timeout=SLACK,
            what="five answers from mako in the history",
        )
        assert daemon.stop() == 0
    assert len(seen) == 5
    assert "[postureping " not in daemon.output  # nothing on the terminal
    assert "desktop notifications are not working" not in daemon.output
    assert "lost the connection" not in daemon.output
    assert "Traceback" not in daemon.output


def test_a_click_on_a_reminder_in_mako_is_done(sway: SwaySession) -> None:
    """mako lists actions only in its menu (`makoctl menu`) and binds its left button to the
    default action (`invoke-default-action`), which is what `makoctl invoke` without an action
    does: the click counts as Done. The reminder carries the app's icon."""
    extra = real_time(
        "walk",
        notifications__backend="auto",
        activity__idle="false",
        routines__walk__every="2s",
    )
    with running_daemon(
        ["--no-tray"], sway.postureping_env(extra), sway.home, program=sway.postureping_program
    ) as daemon:
        daemon.wait_for_output("running without a tray icon", timeout=20)
        shown = wait_for_reminder(sway, daemon, set())
        assert shown["actions"]["default"] == "Done", shown
        assert shown["app-icon"].startswith("file:///"), shown
        assert shown["app-icon"].endswith("/postureping/tray/postureping.png"), shown
        sway.makoctl("invoke", "-n", str(shown["id"]))  # the left button's binding
        wait_until(
            lambda: ("walk", "done", "notification") in history(sway, extra),
            timeout=SLACK,
            what="the click's answer in the history",
        )
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.output
