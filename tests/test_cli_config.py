"""`postureping config ...`, `routines`, `--version` and `--help`, through the real CLI."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from postureping import __version__
from postureping.cli import COMMANDS
from tests.cli_helpers import run_cli

BAD_FILES = {
    "bad TOML": b'[notifications\nbackend = "auto"\n',
    "unknown key": b'[notifications]\ncolour = "red"\n',
    "wrong type": b"[stats]\ndaily_goal = true\n",
    "bad duration": b'[routines.walk]\nevery = "30 minutes please"\n',
    "negative duration": b'[routines.walk]\nevery = "-5m"\n',
    "zero duration": b'[notifications]\ntimeout = "0s"\n',
    "unknown routine": b"[routines.strech]\nenabled = false\n",
    "time 25:00": b'[routines.stretch]\nat = ["25:00"]\n',
    "empty range": b'[active_hours]\nmon = ["09:00-09:00"]\n',
    "reversed range": b'[active_hours]\nmon = ["18:00-09:00"]\n',
    "duplicate ids": (b'[[custom_routines]]\nid = "a"\ntitle = "A"\nmessage = "A"\nevery = "1h"\n')
    * 2,
    "not UTF-8": b'[notifications]\nbackend = "\xff"\n',
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_every_bad_file_exits_2_with_a_clear_message(tmp_path: Path, case: str) -> None:
    config = tmp_path / "settings.toml"
    config.write_bytes(BAD_FILES[case])
    for command in (["config", "check"], ["run"], ["routines"]):
        result = run_cli(tmp_path, "--config", str(config), *command)
        assert result.returncode == 2, (case, command, result.stderr)
        assert str(config) in result.stderr
        assert "Traceback" not in result.stderr + result.stdout
    assert config.read_bytes() == BAD_FILES[case]


def test_missing_named_file(tmp_path: Path) -> None:
    result = run_cli(
        tmp_path, "config", "check", env={"POSTUREPING_CONFIG": str(tmp_path / "nope.toml")}
    )
    assert result.returncode == 2
    assert "nope.toml: file not found (named by POSTUREPING_CONFIG)" in result.stderr


def test_init_writes_a_starter_and_never_overwrites(tmp_path: Path) -> None:
    first = run_cli(tmp_path, "config", "init")
    assert first.returncode == 0, first.stderr
    path = tmp_path / "config" / "postureping" / "config.toml"
    assert path.exists()
    path.write_text("# mine\n", encoding="utf-8")
    again = run_cli(tmp_path, "config", "init")
    assert again.returncode == 1 and "already exists" in again.stderr
    assert path.read_text(encoding="utf-8") == "# mine\n"
    forced = run_cli(tmp_path, "config", "init", "--force")
    assert forced.returncode == 0
    assert path.with_name("config.toml.bak").read_text(encoding="utf-8") == "# mine\n"
    assert run_cli(tmp_path, "config", "check").returncode == 0
    path.write_text("# mine, again\n", encoding="utf-8")
    assert run_cli(tmp_path, "config", "init", "--force").returncode == 0
    assert path.with_name("config.toml.bak").read_text(encoding="utf-8") == "# mine\n"
    assert path.with_name("config.toml.bak.2").read_text(encoding="utf-8") == "# mine, again\n"


def test_init_refuses_a_folder_and_reports_write_errors(tmp_path: Path) -> None:
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    result = run_cli(tmp_path, "--config", str(folder), "config", "init", "--force")
    assert result.returncode == 1 and "not a regular file" in result.stderr
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    result = run_cli(tmp_path, "--config", str(blocker / "x.toml"), "config", "init")
    assert result.returncode == 1 and "cannot write" in result.stderr
    assert "Traceback" not in result.stderr


def test_config_option_after_the_command(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[routines.walk]\nevery = "50m"\n', encoding="utf-8")
    result = run_cli(tmp_path, "routines", "--config", str(config), "--json")
    assert result.returncode == 0, result.stderr
    walk = next(r for r in json.loads(result.stdout)["routines"] if r["id"] == "walk")
    assert walk["every"] == "50m"


def test_routines_shows_local_times(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "routines", "--json", env={"TZ": "Europe/Berlin"})
    desk = next(r for r in json.loads(result.stdout)["routines"] if r["id"] == "desk-height")
    due = datetime.fromisoformat(desk["next_due"])
    assert (due.hour, due.minute) == (9, 15)  # the routine's own wall-clock time
    assert due.utcoffset() in (timedelta(hours=1), timedelta(hours=2))
    table = run_cli(tmp_path, "routines", env={"TZ": "Europe/Berlin"}).stdout
    assert re.search(r"^desk-height .* next \w{3} 09:15$", table, re.MULTILINE)


def test_show_tells_where_each_value_comes_from(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        '[notifications]\ntimeout = "45s"\n[routines.walk]\nevery = "50m"\n', encoding="utf-8"
    )
    result = run_cli(
        tmp_path, "--config", str(config), "config", "show",
        env={"POSTUREPING_NOTIFICATIONS__BACKEND": "console"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()

    def line(start: str) -> str:
        return next(x for x in lines if x.startswith(start))

    assert line('backend = "console"').endswith("# env POSTUREPING_NOTIFICATIONS__BACKEND")
    assert line('timeout = "45s"').endswith("# file")
    assert line("mon = ").endswith("# default")
    assert line('every = "50m"').endswith("# file")


def test_path_lists_the_files_in_use(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "config", "path")
    assert result.returncode == 0
    assert str(tmp_path / "config" / "postureping" / "config.toml") in result.stdout
    assert str(tmp_path / "data" / "postureping" / "events.jsonl") in result.stdout


def test_check_warns_about_reminders_that_never_fire(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[routines.stretch]\nat = ["21:00"]\n', encoding="utf-8")
    result = run_cli(tmp_path, "--config", str(config), "config", "check")
    assert result.returncode == 0
    assert "warning: routine 'stretch' at 21:00 never fires" in result.stderr


def test_routines_json(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "routines", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["version"] == 1
    routines = {r["id"]: r for r in data["routines"]}
    assert len(routines) >= 8
    walk = routines["walk"]
    assert set(walk) == {
        "id",
        "title",
        "message",
        "messages",
        "guide",
        "category",
        "duration",
        "every",
        "at",
        "days",
        "enabled",
        "builtin",
        "steps",
        "next_due",
    }
    assert routines["stretch"]["steps"] and all(s["seconds"] for s in routines["stretch"]["steps"])
    assert not routines["strengthen"]["enabled"] and routines["strengthen"]["next_due"] is None


def test_routines_table_and_about(tmp_path: Path) -> None:
    table = run_cli(tmp_path, "routines")
    assert (
        table.returncode == 0 and "switch-position" in table.stdout and "every 25m" in table.stdout
    )
    about = run_cli(tmp_path, "routines", "--about")
    assert about.returncode == 0
    for warning in ("72 hours", "below the knee", "bowel or bladder", "fever", "numb"):
        assert warning in about.stdout


def test_routines_and_about_mention_the_checkin(tmp_path: Path) -> None:
    table = run_cli(tmp_path, "routines").stdout
    [row] = [line for line in table.splitlines() if line.startswith("checkin ")]
    assert row.split()[:2] == ["checkin", "off"]  # off until the user turns it on
    assert "at 11:00 on wed" in row
    about = " ".join(run_cli(tmp_path, "routines", "--about").stdout.split())
    assert "a weekly check-in can ask how it is" in about
    assert "[routines.checkin] enabled = true" in about and "postureping checkin 0-10" in about
    on = run_cli(tmp_path, "routines", env={"POSTUREPING_ROUTINES__CHECKIN__ENABLED": "true"})
    [row] = [line for line in on.stdout.splitlines() if line.startswith("checkin ")]
    assert row.split()[:2] == ["checkin", "on"]


def test_about_names_its_sources(tmp_path: Path) -> None:
    """Fault: `routines --about` spoke of "general articles" without naming them."""
    about = run_cli(tmp_path, "routines", "--about").stdout
    assert "Sources:" in about
    for title in ("Lower Back And Buttock Pain From Running", "Lower Back Leg Pain When Running"):
        assert f'"{title}"' in about


def test_version_and_help(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "--version").stdout.strip() == f"postureping {__version__}"
    for command in COMMANDS:
        result = run_cli(tmp_path, command, "--help")
        assert result.returncode == 0 and "usage: postureping" in result.stdout, command
    for action in ("init", "show", "check", "path"):
        assert run_cli(tmp_path, "config", action, "--help").returncode == 0
