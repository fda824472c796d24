"""The pain check-in answered on a real notification: `postureping run` under Xvfb with a
private session bus and dunst, the check-in's pain buttons picked from dunst's menu; and the
guidance it calls for, shown until dismissed. The guidance on screen is saved to artifacts/
(git-ignored) for people to look at."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from postureping.checkin import CheckIn
from postureping.history.events import Event, Kind
from postureping.history.store import EventStore
from tests.cli_helpers import isolated_env, run_cli
from tests.daemon_process import running_daemon
from tests.desktop import DEFAULT_DUNSTRC, DesktopSession, start_session, wait_until

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="freedesktop notifications")

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
WAIT = 15.0
# dunst's `dmenu`: keep what was offered, pick the "6-8" band.
PICK_SIX_TO_EIGHT = """\
#!/bin/sh
tee -a "$(dirname "$0")/offered.txt" | grep -m1 '^#6'
"""

# dunst's history does not keep the urgency: this rule shows it in the formatted message.
CRITICAL_RULE = """\
[mark_critical]
    msg_urgency = critical
    format = "CRITICAL %s\\n%b"
"""


@pytest.fixture
def pain_desktop(desktop_programs: None, tmp_path: Path) -> Iterator[DesktopSession]:
    script = tmp_path / "menu" / "pick"
    script.parent.mkdir()
    script.write_text(PICK_SIX_TO_EIGHT)
    script.chmod(0o755)
    dunstrc = DEFAULT_DUNSTRC.replace("[global]\n", f'[global]\n    dmenu = "{script}"\n', 1)
    dunstrc += CRITICAL_RULE
    with start_session(tmp_path / "desktop", dunstrc=dunstrc) as session:
        yield session


def _daemon_env(root: Path, desktop: DesktopSession) -> dict[str, str]:
    # No first-run welcome notice: it would come at a moment of its own among the bubbles.
    marker = root / "state" / "postureping" / "welcome-shown"
    marker.parent.mkdir(parents=True)
    marker.write_bytes(b"")
    env = isolated_env(root, {"POSTUREPING_ROUTINES__CHECKIN__ENABLED": "true"})
    for name in ("DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "NO_AT_BRIDGE"):
        env[name] = desktop.env[name]
    return env


def _raw_history(desktop: DesktopSession) -> list[dict[str, Any]]:
    """dunst's history with every field (newest first)."""
    raw = json.loads(desktop.run("dunstctl", "history"))["data"][0]
    return [{key: value["data"] for key, value in item.items()} for item in raw]


def _checkin_events(root: Path) -> list[dict[str, Any]]:
    history = json.loads(run_cli(root, "history", "--json", "--since", "60d").stdout)
    return [e for e in history if e["routine"] == "checkin"]


@pytest.mark.desktop
def test_a_pain_button_records_the_checkin_and_lasting_pain_brings_guidance(
    pain_desktop: DesktopSession, tmp_path: Path
) -> None:
    root = tmp_path / "user"
    env = _daemon_env(root, pain_desktop)
    # Three earlier weekly check-ins with pain 6: with the one picked now, pain above the
    # default level (3) in check-ins over more than three weeks.
    store = EventStore(root / "data" / "postureping" / "events.jsonl")
    now = datetime.now(UTC)
    store.append_many([
        Event.new("checkin", Kind.CHECKIN, "cli", now - timedelta(weeks=w, hours=1),
                  detail=CheckIn(6))
        for w in (4, 3, 2)
    ])  # fmt: skip
    with running_daemon(["--no-tray"], env, root) as daemon:
        daemon.wait_for_output("postureping is running", timeout=WAIT)
        assert run_cli(root, "trigger", "checkin").returncode == 0
        wait_until(lambda: pain_desktop.displayed_count() == 1, timeout=WAIT, what="the bubble")
        pain_desktop.run("dunstctl", "context")

        def recorded() -> list[dict[str, Any]] | None:
            events = _checkin_events(root)
            return events if len(events) >= 7 else None

        events = wait_until(recorded, timeout=WAIT, what="the check-in")
        now_events = [(e["kind"], e["source"]) for e in events[3:]]
        assert now_events == [
            ("prompted", "daemon"),
            ("checkin", "notification"),
            ("guidance", "notification"),
            ("done", "notification"),
        ]
        picked = events[4]
        assert (picked["v"], picked["pain"], picked["where"]) == (3, 7, [])
        assert "yes" not in picked  # a button cannot ask the yes/no questions
        assert events[5]["flags"] == ["lasting"]

        offered = (pain_desktop.directory.parent / "menu" / "offered.txt").read_text()
        # dunst lists a notification's actions in no particular order
        nid = offered.split(" [", 1)[1].split(",", 1)[0]
        assert sorted(offered.splitlines()) == sorted(
            f"#{label} (How is your back today?) [{nid},{key}]"
            for label, key in [("0\u20132", "pain-1"), ("3\u20135", "pain-4"),
                               ("6\u20138", "pain-7"), ("9\u201310", "pain-9"), ("Skip", "skip")]
        )  # fmt: skip

        # The guidance replaces the answered reminder, and stays: critical, no timeout.
        wait_until(lambda: pain_desktop.displayed_count() == 1, timeout=WAIT, what="guidance")
        ARTIFACTS.mkdir(exist_ok=True)
        pain_desktop.screenshot(ARTIFACTS / "checkin-guidance.png")
        [guidance] = [n for n in _raw_history_after_close(pain_desktop) if n["appname"]]
        assert guidance["summary"] == "Back pain: please see your doctor"
        assert "goes on for more than a few weeks" in guidance["body"]
        assert "not medical advice" in guidance["body"]
        assert guidance["message"].startswith("CRITICAL Back pain")
        assert int(guidance["timeout"]) == 0

        # `status` shows it too, as text and as JSON.
        text = run_cli(root, "status").stdout
        assert "Back pain: please see your doctor" in text
        assert "goes on for more than a few weeks" in text
        status = json.loads(run_cli(root, "status", "--json").stdout)
        assert status["back"]["guidance"]["flags"] == ["lasting"]
        assert status["back"]["last_checkin"]["pain"] == 7
        assert status["awaiting"] is None
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.output


def _raw_history_after_close(desktop: DesktopSession) -> list[dict[str, Any]]:
    """The guidance, found in dunst's history once closed (dunst lists closed ones only)."""
    desktop.close_all()
    return [n for n in _raw_history(desktop) if n["summary"].startswith("Back pain")]


@pytest.mark.desktop
def test_a_low_pain_button_shows_no_guidance(pain_desktop: DesktopSession, tmp_path: Path) -> None:
    """The same button with no earlier check-ins: recorded, no guidance, no notice (7 is
    above the default level 3, so a notice says how to answer the questions)."""
    root = tmp_path / "user"
    env = _daemon_env(root, pain_desktop)
    with running_daemon(["--no-tray"], env, root) as daemon:
        daemon.wait_for_output("postureping is running", timeout=WAIT)
        assert run_cli(root, "trigger", "checkin").returncode == 0
        wait_until(lambda: pain_desktop.displayed_count() == 1, timeout=WAIT, what="the bubble")
        pain_desktop.run("dunstctl", "context")

        def recorded() -> list[dict[str, Any]] | None:
            events = _checkin_events(root)
            return events if len(events) >= 3 else None

        kinds = [e["kind"] for e in wait_until(recorded, timeout=WAIT, what="the check-in")]
        assert kinds == ["prompted", "checkin", "done"]
        wait_until(lambda: pain_desktop.displayed_count() == 1, timeout=WAIT, what="the notice")
        [notice] = _raw_history_after_close_any(pain_desktop)
        assert notice["summary"] == "A few questions about your back"
        assert "postureping checkin 7" in notice["body"]
        status = json.loads(run_cli(root, "status", "--json").stdout)
        assert status["back"]["guidance"] is None
        assert daemon.stop() == 0
    assert "Traceback" not in daemon.output


def _raw_history_after_close_any(desktop: DesktopSession) -> list[dict[str, Any]]:
    desktop.close_all()
    return [n for n in _raw_history(desktop) if n["summary"] == "A few questions about your back"]
