"""Text for people never carries terminal escapes: an imported routine id or source, a
configured title or a settings key with ESC or OSC sequences is shown with its control
characters made visible in `history`, `stats`, `routines`, `status`, `config`, error messages
and the daemon's log. JSON output keeps the text exactly (json.dumps escapes it)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

from postureping.history.events import Event, Kind
from postureping.history.store import EventStore
from tests.cli_helpers import EVERY_DAY, data_dir, isolated_env, run_cli, write_settings
from tests.daemon_process import running_daemon

OSC = "\x1b]0;pwned\x07"  # sets the terminal's title
CLEAR = "\x1b[2J"  # clears the screen
C1 = "\x9b31m"  # CSI as one 8-bit character
# What a terminal acts on: C0 controls other than newline and tab, DEL, C1 controls.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def assert_no_controls(text: str) -> None:
    assert not CONTROL.search(text), repr(text)


def write_hostile_history(root: Path) -> None:
    now = datetime.now().astimezone()
    EventStore(data_dir(root) / "events.jsonl").append_many([
        Event.new(f"walk{OSC}", Kind.DONE, f"cli{CLEAR}", now - timedelta(minutes=5)),
        Event.new(f"x{C1}", Kind.SKIPPED, "cli\r", now - timedelta(minutes=4)),
        Event.new("walk", Kind.DONE, "cli", now - timedelta(minutes=3)),
    ])  # fmt: skip


def test_history_and_stats_show_imported_escapes_visibly(tmp_path: Path) -> None:
    write_hostile_history(tmp_path)
    for args in (
        ["history"],
        ["stats"],
        ["stats", "--view", "week"],
        ["export", "--format", "csv"],
    ):
        result = run_cli(tmp_path, *args)
        assert result.returncode == 0, (args, result.stderr)
        if args[0] != "export":  # CSV is data, for programs: kept exact below
            assert_no_controls(result.stdout)
            assert_no_controls(result.stderr)
    shown = run_cli(tmp_path, "history").stdout
    assert "walk?]0;pwned?" in shown and "cli?[2J" in shown and "x?31m" in shown
    # JSON keeps every character, escaped as JSON escapes it.
    events = json.loads(run_cli(tmp_path, "history", "--json").stdout)
    assert {e["routine"] for e in events} == {f"walk{OSC}", f"x{C1}", "walk"}
    assert f"walk{OSC}" in run_cli(tmp_path, "export", "--format", "csv").stdout


TITLE = f"Walk{OSC}{CLEAR}\r"


def hostile_settings(root: Path) -> None:
    write_settings(root, EVERY_DAY + f"\n[routines.walk]\ntitle = {json.dumps(TITLE)}\n")


def test_routines_and_config_show_a_configured_title_visibly(tmp_path: Path) -> None:
    hostile_settings(tmp_path)
    for args in (["routines"], ["config", "show"]):
        result = run_cli(tmp_path, *args)
        assert result.returncode == 0, (args, result.stderr)
        assert_no_controls(result.stdout)
    assert "Walk?]0;pwned??[2J?" in run_cli(tmp_path, "routines").stdout
    # `config show` writes TOML values, whose escapes show the characters as they are.
    assert r'title = "Walk\u001b]0;pwned\u0007\u001b[2J\r"' in result.stdout
    routines = json.loads(run_cli(tmp_path, "routines", "--json").stdout)["routines"]
    assert {r["id"]: r["title"] for r in routines}["walk"] == TITLE


def test_error_messages_show_escapes_visibly(tmp_path: Path) -> None:
    write_settings(tmp_path, f"[notifications]\n{json.dumps(OSC)} = 1\n")
    result = run_cli(tmp_path, "config", "check")
    assert result.returncode == 2
    assert_no_controls(result.stderr)
    assert "?]0;pwned?" in result.stderr
    result = run_cli(tmp_path, "done", f"walk{CLEAR}")
    assert result.returncode != 0
    assert_no_controls(result.stderr)


def test_status_and_the_daemon_log_show_a_title_visibly(tmp_path: Path) -> None:
    hostile_settings(tmp_path)
    env = isolated_env(tmp_path, {"POSTUREPING_NOTIFICATIONS__BACKEND": "console"})
    with running_daemon(["--no-tray"], env, tmp_path) as daemon:
        daemon.wait_for_output("postureping is running", timeout=20)
        assert run_cli(tmp_path, "trigger", "walk").returncode == 0
        daemon.wait_for_output("Walk?]0;pwned", timeout=20)
        status = run_cli(tmp_path, "status")
        assert status.returncode == 0, status.stderr
        assert_no_controls(status.stdout)
        assert "Walk?]0;pwned??[2J?" in status.stdout
        answer = run_cli(tmp_path, "done")
        assert answer.returncode == 0, answer.stderr
        assert_no_controls(answer.stdout)
        json_status = json.loads(run_cli(tmp_path, "status", "--json").stdout)
        assert TITLE in [entry["title"] for entry in json_status["next"]]
        daemon.stop()
    assert_no_controls(daemon.output)
    assert "Walk?]0;pwned??[2J?" in daemon.output
