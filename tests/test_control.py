"""The control channel, end to end: real daemon processes and the real CLI."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.cli_helpers import isolated_env, run_cli
from tests.daemon_process import DaemonProcess, running_daemon

# Active hours all day, every day: what a snooze says and when it ends must not depend on
# the time the suite runs at (a snooze never ends outside active hours).
CONSOLE = {"POSTUREPING_NOTIFICATIONS__BACKEND": "console"} | {
    f"POSTUREPING_ACTIVE_HOURS__{day}": "00:00-24:00"
    for day in ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
}


def socket_path(root: Path) -> Path:
    return root / "run" / "postureping" / "control.sock"


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[DaemonProcess]:
    env = isolated_env(tmp_path, CONSOLE)
    with running_daemon([], env, tmp_path) as process:
        process.wait_for_output("postureping is running", timeout=20)
        yield process
        process.stop()


def cli(root: Path, *args: str, **env: str) -> tuple[int, str, str]:
    result = run_cli(root, *args, env=CONSOLE | env)
    return result.returncode, result.stdout, result.stderr


def status(root: Path) -> dict[str, object]:
    code, out, err = cli(root, "status", "--json")
    assert code == 0, err
    data: dict[str, object] = json.loads(out)
    return data


def history(root: Path) -> list[dict[str, str]]:
    code, out, err = cli(root, "history", "--json")
    assert code == 0, err
    events: list[dict[str, str]] = json.loads(out)
    return events


def test_status_without_a_daemon(tmp_path: Path) -> None:
    code, out, _ = cli(tmp_path, "status")
    assert code == 3 and "not running" in out
    code, out, _ = cli(tmp_path, "status", "--json")
    assert code == 3 and json.loads(out) == {
        "version": 1,
        "running": False,
        "back": {"last_checkin": None, "guidance": None},
    }


@pytest.mark.parametrize(
    "command",
    [["pause", "30m"], ["resume"], ["trigger", "walk"], ["reload"], ["quit"], ["snooze", "walk"]],
)
def test_commands_that_need_a_daemon(tmp_path: Path, command: list[str]) -> None:
    code, _, err = cli(tmp_path, *command)
    assert code == 1 and "no postureping daemon is running" in err


def test_done_and_skip_record_without_a_daemon(tmp_path: Path) -> None:
    assert cli(tmp_path, "done", "walk")[0] == 0
    assert cli(tmp_path, "skip", "stretch")[0] == 0
    kinds = [(e["routine"], e["kind"], e["source"]) for e in history(tmp_path)]
    assert kinds == [("walk", "done", "cli"), ("stretch", "skipped", "cli")]
    code, _, err = cli(tmp_path, "done")
    assert code == 1 and "name the routine" in err


def test_status_reports_the_schedule(daemon: DaemonProcess, tmp_path: Path) -> None:
    data = status(tmp_path)
    assert data["running"] is True and data["paused"] is False
    upcoming = data["next"]
    assert isinstance(upcoming, list) and {"walk", "switch-position"} <= {
        n["routine"] for n in upcoming
    }
    code, out, _ = cli(tmp_path, "status")
    assert code == 0 and "Next reminders:" in out


def test_pause_and_resume(daemon: DaemonProcess, tmp_path: Path) -> None:
    code, out, _ = cli(tmp_path, "pause", "30m")
    assert code == 0 and out.startswith("Paused until")
    data = status(tmp_path)
    assert data["paused"] is True and data["next"] == []
    until = datetime.fromisoformat(str(data["paused_until"]))
    now = datetime.fromisoformat(str(data["now"]))
    assert timedelta(minutes=29) < until - now <= timedelta(minutes=30)
    assert cli(tmp_path, "resume")[0] == 0
    data = status(tmp_path)
    assert data["paused"] is False and data["next"]
    assert cli(tmp_path, "pause", "indefinitely")[0] == 0
    assert status(tmp_path)["paused_until"] is None
    assert cli(tmp_path, "pause", "until-tomorrow")[0] == 0
    until = datetime.fromisoformat(str(status(tmp_path)["paused_until"]))
    assert until.astimezone(datetime.now().astimezone().tzinfo).date() > datetime.now().date()
    code, _, err = cli(tmp_path, "pause", "a while")
    assert code == 2 and "until-tomorrow" in err


def test_a_pause_survives_a_restart(tmp_path: Path) -> None:
    env = isolated_env(tmp_path, CONSOLE)
    with running_daemon([], env, tmp_path) as first:
        first.wait_for_output("postureping is running", timeout=20)
        assert cli(tmp_path, "pause", "2h")[0] == 0
        assert first.stop() == 0
    with running_daemon([], env, tmp_path) as second:
        second.wait_for_output("postureping is running", timeout=20)
        data = status(tmp_path)
        assert data["paused"] is True and data["paused_until"] is not None
        second.stop()


def test_trigger_and_answers(daemon: DaemonProcess, tmp_path: Path) -> None:
    assert cli(tmp_path, "trigger", "walk")[0] == 0
    awaiting = status(tmp_path)["awaiting"]
    assert isinstance(awaiting, dict) and awaiting["routine"] == "walk"
    code, out, _ = cli(tmp_path, "done")
    assert code == 0 and "done" in out
    assert status(tmp_path)["awaiting"] is None
    assert cli(tmp_path, "trigger", "stretch")[0] == 0
    code, out, _ = cli(tmp_path, "snooze", "20m")
    assert code == 0 and "snoozed for 20m" in out
    assert cli(tmp_path, "skip", "walk")[0] == 0
    events = [(e["routine"], e["kind"], e["source"], e.get("for")) for e in history(tmp_path)]
    assert events == [
        ("walk", "prompted", "daemon", None),
        ("walk", "done", "cli", None),
        ("stretch", "prompted", "daemon", None),
        ("stretch", "snoozed", "cli", "20m"),
        ("walk", "skipped", "cli", None),
    ]
    today = status(tmp_path)["today"]
    assert today == {"done": 1, "prompted": 2}
    code, _, err = cli(tmp_path, "trigger", "nope")
    assert code == 1 and "valid routines" in err


def test_an_unanswered_reminder_is_recorded_as_missed(tmp_path: Path) -> None:
    env = isolated_env(
        tmp_path,
        CONSOLE
        | {
            "POSTUREPING_NOTIFICATIONS__ANSWER_WITHIN": "4s",
            "POSTUREPING_NOTIFICATIONS__RENOTIFY": "1",
        },
    )
    with running_daemon([], env, tmp_path) as process:
        process.wait_for_output("postureping is running", timeout=20)
        assert cli(tmp_path, "trigger", "walk")[0] == 0
        process.wait_for_output("reminder again: Stand up and walk around", timeout=10)
        process.wait_for_output("recorded as missed", timeout=10)
        process.stop()
    kinds = [e["kind"] for e in history(tmp_path)]
    assert kinds == ["prompted", "missed"]


def test_reload(daemon: DaemonProcess, tmp_path: Path) -> None:
    config = tmp_path / "config" / "postureping" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[routines.walk]\nevery = "30 minutes please"\n', encoding="utf-8")
    code, _, err = cli(tmp_path, "reload")
    assert code == 2 and "routines.walk.every" in err and "Traceback" not in err
    assert status(tmp_path)["running"] is True  # the old settings stay in force
    config.write_text("[routines.walk]\nenabled = false\n", encoding="utf-8")
    code, out, _ = cli(tmp_path, "reload")
    assert code == 0 and "reloaded" in out
    upcoming = status(tmp_path)["next"]
    assert isinstance(upcoming, list) and "walk" not in {n["routine"] for n in upcoming}


def test_a_refused_reload_says_the_old_settings_stay(daemon: DaemonProcess, tmp_path: Path) -> None:
    """Fault: a refused reload listed the problems but not what happens next, on the CLI
    and in the daemon's log."""
    config = tmp_path / "config" / "postureping" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[routines.walk]\nevry = "30m"\n', encoding="utf-8")
    code, _, err = cli(tmp_path, "reload")
    assert code == 2 and "did you mean 'every'?" in err
    assert "not reloaded: the old settings stay in force" in err
    daemon.wait_for_output("warning: settings not reloaded: the old settings stay in force", 10)
    daemon.wait_for_output("routines.walk.evry", 10)


def test_the_daemon_warns_about_a_very_short_interval(tmp_path: Path) -> None:
    """At the start (on stderr, and in the log) and after a reload (in the log)."""
    env = isolated_env(tmp_path, CONSOLE | {"POSTUREPING_ROUTINES__WALK__EVERY": "4m"})
    with running_daemon([], env, tmp_path) as process:
        process.wait_for_output("postureping is running", timeout=20)
        assert "warning: routine 'walk' comes every 4m" in process.output
        config = tmp_path / "config" / "postureping" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text('[routines.stretch]\nat = ["12:00"]\n', encoding="utf-8")
        assert cli(tmp_path, "reload")[0] == 0
        process.wait_for_output("reloaded", timeout=10)
        assert process.output.count("warning: routine 'walk' comes every 4m") >= 2
        process.stop()


def test_only_one_daemon(daemon: DaemonProcess, tmp_path: Path) -> None:
    code, _, err = cli(tmp_path, "run")
    assert code == 1 and "already running" in err and str(daemon.proc.pid) in err


@pytest.mark.parametrize("how", ["sigterm", "quit"])
def test_stopping_leaves_no_socket(tmp_path: Path, how: str) -> None:
    env = isolated_env(tmp_path, CONSOLE)
    with running_daemon([], env, tmp_path) as process:
        process.wait_for_output("postureping is running", timeout=20)
        assert socket_path(tmp_path).exists()
        if how == "quit":
            assert cli(tmp_path, "quit")[0] == 0
            assert process.proc.wait(timeout=10) == 0
        else:
            assert process.stop(signal.SIGTERM) == 0
    assert not socket_path(tmp_path).exists()


def test_a_stale_socket_does_not_block_the_next_start(tmp_path: Path) -> None:
    env = isolated_env(tmp_path, CONSOLE)
    with running_daemon([], env, tmp_path) as process:
        process.wait_for_output("postureping is running", timeout=20)
        process.proc.kill()
        process.proc.wait(timeout=10)
    assert socket_path(tmp_path).exists()  # left behind by the killed daemon
    code, _, _ = cli(tmp_path, "status")
    assert code == 3
    with running_daemon([], env, tmp_path) as process:
        process.wait_for_output("postureping is running", timeout=20)
        assert status(tmp_path)["running"] is True
        process.stop()


def test_the_socket_is_private(daemon: DaemonProcess, tmp_path: Path) -> None:
    path = socket_path(tmp_path)
    assert path.stat().st_mode & 0o777 == 0o600
    assert path.parent.stat().st_mode & 0o777 == 0o700


def test_every_control_command_has_help(tmp_path: Path) -> None:
    for command in ("status", "pause", "resume", "trigger", "reload", "quit"):
        assert cli(tmp_path, command, "--help")[0] == 0
