"""Do-not-disturb of the notification servers people use on sway: mako's modes and swaync's
do-not-disturb (postureping/dnd/mako.py, swaync.py), against the real servers on headless
sway (tests/sway_session.py), and with the real daemon at its real schedule.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from postureping.dnd.base import HoldProbe
from postureping.dnd.mako import config_argument, default_config, hiding_modes
from postureping.dnd.registry import choose_hold_probes, hold_reason
from tests.daemon_process import running_daemon
from tests.desktop import wait_until
from tests.sway_session import (
    DEFAULT_MAKO_CONFIG,
    NOTIFICATIONS,
    SwaySession,
    require_sway,
    start_sway,
)
from tests.test_activity_e2e import WALK, real_time

pytestmark = pytest.mark.slow  # real mako and swaync on sway, about 40 s

MAKO_WITH_DND = DEFAULT_MAKO_CONFIG + "\n[mode=do-not-disturb]\ninvisible=1\n\n[mode=quiet]\n"
MAKO_REASON = "do not disturb is on (mako's mode do-not-disturb hides notifications)"
SWAYNC_REASON = "do not disturb is on (swaync)"
MIN_CHECK = 30.0  # seconds between looks at the desktop while a reminder is held
SLACK = 10.0  # seconds a loaded CI machine may add to a step


def test_which_mako_modes_hide_notifications() -> None:
    config = """\
# a comment
font=monospace 10
[mode=do-not-disturb]
invisible=1
[mode=away]
invisible = true
[mode=quiet]
default-timeout=1000
[mode=work app-name=Slack]
invisible=1
[mode=undone]
invisible=1
[mode=undone]
invisible=0
[urgency=high]
invisible=1
[mode="broken]
invisible=1
"""
    assert hiding_modes(config) == {"do-not-disturb", "away"}
    assert hiding_modes("") == frozenset()


def test_where_mako_reads_its_config(tmp_path: Path) -> None:
    assert config_argument(b"mako\0-c\0/x/mako.conf\0") == Path("/x/mako.conf")
    assert config_argument(b"mako\0--config=/y\0") == Path("/y")
    assert config_argument(b"mako\0--config\0/z\0--font=x\0") == Path("/z")
    assert config_argument(b"mako\0") is None
    home = tmp_path / "home"
    env = {"HOME": str(home), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert default_config(env) is None
    (xdg := tmp_path / "xdg" / "mako").mkdir(parents=True)
    (xdg / "config").write_text("")
    assert default_config(env) == xdg / "config"
    (dot := home / ".mako").mkdir(parents=True)
    (dot / "config").write_text("")
    assert default_config(env) == dot / "config"  # mako looks there first


def probes_of(sway: SwaySession) -> tuple[dict[str, HoldProbe], dict[str, str]]:
    probes, unavailable = choose_hold_probes(sway.env, frozenset())
    return {p.name: p for p in probes}, dict(unavailable)


@pytest.mark.desktop
def test_a_mako_mode_that_hides_notifications_holds() -> None:
    require_sway(mako=True)
    with start_sway(mako=True, mako_config=MAKO_WITH_DND) as sway:
        probes, unavailable = probes_of(sway)
        try:
            assert list(probes) == ["mako", "sway-fullscreen"], unavailable
            assert (
                "the notification server has no org.erikreider.swaync.cc.GetDnd"
                in (unavailable["swaync"])
            )
            mako = probes["mako"]
            assert mako.hold_reason() is None
            sway.makoctl("mode", "-a", "quiet")  # a mode that hides nothing
            assert mako.hold_reason() is None
            sway.makoctl("mode", "-a", "do-not-disturb")
            assert mako.hold_reason() == MAKO_REASON
            assert hold_reason(list(probes.values())) == MAKO_REASON
            sway.makoctl("mode", "-r", "do-not-disturb")
            assert mako.hold_reason() is None
        finally:
            for probe in probes.values():
                probe.close()
        doctor = json.loads(sway.postureping("doctor", "--json").stdout)
    (dnd,) = [c for c in doctor if c["name"] == "do not disturb"]
    assert (dnd["level"], dnd["detail"]) == ("ok", "watches mako, sway-fullscreen"), dnd


@pytest.mark.desktop
def test_a_mako_that_starts_later_is_followed(caplog: pytest.LogCaptureFixture) -> None:
    """The daemon may start before mako (both from sway's config): the probe is kept, and
    finds mako's config from its command line once mako runs."""
    require_sway(mako=True)
    caplog.set_level(logging.INFO, logger="postureping.dnd")
    with start_sway() as sway:
        probes, _ = probes_of(sway)
        try:
            assert list(probes) == [
                "notifications-inhibited", "dunst", "mako", "swaync", "sway-fullscreen",
            ]  # fmt: skip
            assert hold_reason(list(probes.values())) is None
            config = sway.write_file(sway.root / "later.conf", MAKO_WITH_DND, 0o644)
            sway.start("mako", "mako", "--config", str(config))
            wait_until(lambda: sway.has_bus_name(NOTIFICATIONS), timeout=10, what="mako")
            sway.makoctl("mode", "-a", "do-not-disturb")
            assert hold_reason(list(probes.values())) == MAKO_REASON
        finally:
            for probe in probes.values():
                probe.close()
    assert "the mako hold probe works again" in caplog.text


@pytest.mark.desktop
def test_swaync_do_not_disturb_holds() -> None:
    require_sway(swaync=True)
    with start_sway(swaync=True) as sway:
        probes, unavailable = probes_of(sway)
        try:
            assert list(probes) == ["swaync", "sway-fullscreen"], unavailable
            assert (
                "the notification server has no fr.emersion.Mako.ListModes" in (unavailable["mako"])
            )
            swaync = probes["swaync"]
            assert swaync.hold_reason() is None
            assert sway.run("swaync-client", "-dn").strip() == "true"
            assert swaync.hold_reason() == SWAYNC_REASON
            assert sway.run("swaync-client", "-df").strip() == "false"
            assert swaync.hold_reason() is None
        finally:
            for probe in probes.values():
                probe.close()


def notify_calls(sway: SwaySession) -> list[str]:
    """The summaries of postureping's Notify calls the bus carried (the test's monitor)."""
    # All of the log: each Notify call carries the icon's pixels (image-data), thousands of
    # characters in dbus-monitor's text.
    calls = sway.log("monitor", tail=None).split("method call")
    return [
        lines[4].strip().removeprefix('string "').removesuffix('"')
        for call in calls
        if "member=Notify" in call and len(lines := call.splitlines()) > 4
        and lines[1].strip() == 'string "postureping"'
    ]  # fmt: skip


def held_then_shown_once(sway: SwaySession, on: Callable[[], object],
                         off: Callable[[], object], reason: str) -> None:  # fmt: skip
    """Do not disturb on before the daemon starts: the walk (every 6 s) is held, not sent;
    off: it is sent at the next look (within MIN_CHECK), once."""
    rule = "type='method_call',interface='org.freedesktop.Notifications',member='Notify'"
    sway.start("monitor", "dbus-monitor", "--session", rule)
    extra = real_time("walk", notifications__backend="freedesktop", activity__idle="false",
                      routines__walk__every="6s")  # fmt: skip
    on()
    env = sway.postureping_env(extra)
    with running_daemon(["--no-tray"], env, sway.home, program=sway.postureping_program) as daemon:
        daemon.wait_for_output(f"held the 'walk' reminder: {reason}", timeout=6 + SLACK)
        assert WALK not in notify_calls(sway)
        off()
        ended = time.monotonic()
        daemon.wait_for_output(f"reminder: {WALK}", timeout=MIN_CHECK + SLACK)
        assert time.monotonic() - ended <= MIN_CHECK + SLACK
        # The Notify call follows the log line on the notifier's thread: on a loaded machine
        # it may take a few seconds to reach the bus.
        wait_until(lambda: WALK in notify_calls(sway), timeout=SLACK, what="the Notify call")
        time.sleep(3)  # room for a second one, before the next walk (6 s)
        assert notify_calls(sway).count(WALK) == 1, daemon.output
        assert daemon.stop() == 0
    assert daemon.output.count(f"reminder: {WALK}") == 1
    assert "[postureping " not in daemon.output  # nothing went to the terminal
    assert "Traceback" not in daemon.output


def mako_run() -> None:
    with start_sway(mako=True, mako_config=MAKO_WITH_DND) as sway:
        held_then_shown_once(
            sway,
            lambda: sway.makoctl("mode", "-a", "do-not-disturb"),
            lambda: sway.makoctl("mode", "-r", "do-not-disturb"),
            MAKO_REASON,
        )
        shown = [n["summary"] for n in sway.mako_list() if n["app-name"] == "postureping"]
        assert shown.count(WALK) == 1, shown


def swaync_run() -> None:
    with start_sway(swaync=True) as sway:
        held_then_shown_once(
            sway,
            lambda: sway.run("swaync-client", "-dn"),
            lambda: sway.run("swaync-client", "-df"),
            SWAYNC_REASON,
        )


@pytest.mark.desktop
def test_do_not_disturb_holds_the_reminder_that_comes_once_after() -> None:
    """mako and swaync, each on a sway of its own, at once: the wait for the next look
    (MIN_CHECK) is the test's length, and two of them need not take twice as long."""
    require_sway(mako=True, swaync=True)
    with ThreadPoolExecutor(2) as pool:
        runs = [pool.submit(mako_run), pool.submit(swaync_run)]
        for run in runs:
            run.result()
