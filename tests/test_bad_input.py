"""Hostile or broken input ends in one clear line and exit status 2, never a traceback:
absurdly nested or oversized settings, environment values, time zones and home folders,
files that never end; and a broken settings cache is ignored. Through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.cli_helpers import data_dir, run_cli

DEEP = 5000  # nesting levels; Python's recursion limit is 1000


def assert_clear(result: subprocess.CompletedProcess[str], *expected: str, code: int = 2) -> None:
    out = result.stdout + result.stderr
    assert result.returncode == code, out
    assert "Traceback" not in out and "unexpected error" not in out, out
    for text in expected:
        assert text in result.stderr, result.stderr


@pytest.mark.parametrize(
    "text",
    [
        "a = " + "[" * 100_000 + "]" * 100_000 + "\n",
        "[notifications]\nbackend = " + "{ a = " * DEEP + "1" + " }" * DEEP + "\n",
        "[routines.walk]\nsteps = " + "[" * 60 + "]" * 60 + "\n",
    ],
    ids=["array-100000", "inline-table-5000", "array-60"],
)
def test_absurdly_nested_settings_are_refused(tmp_path: Path, text: str) -> None:
    config = tmp_path / "settings.toml"
    config.write_text(text, encoding="utf-8")
    result = run_cli(tmp_path, "--config", str(config), "config", "check")
    assert_clear(result, str(config), "nested too deeply")


def test_a_number_too_long_to_read_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text("[stats]\ndaily_goal = " + "9" * 5000 + "\n", encoding="utf-8")
    assert_clear(run_cli(tmp_path, "--config", str(config), "config", "check"), str(config))


@pytest.mark.parametrize(
    "name",
    [
        "POSTUREPING_CUSTOM_ROUTINES",
        "POSTUREPING_ROUTINES",
        "POSTUREPING_NOTIFICATIONS",
        "POSTUREPING_ROUTINES__WALK__STEPS",
    ],
)
@pytest.mark.parametrize("brackets", ["[]", "{}"])
def test_absurdly_nested_environment_values_are_refused(
    tmp_path: Path, name: str, brackets: str
) -> None:
    opening, closing = brackets[0], brackets[1]
    inner = '"a":' if opening == "{" else ""
    value = (opening + inner) * DEEP + "1" + closing * DEEP
    result = run_cli(tmp_path, "config", "check", env={name: value})
    assert_clear(result, f"environment variable {name}", "nested too deeply")


def test_a_settings_file_that_never_ends_is_refused(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "--config", "/dev/zero", "config", "check", timeout=30)
    assert_clear(result, "/dev/zero", "larger than 1 MiB")


def test_an_oversized_settings_file_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text("# padding\n" * 110_000, encoding="utf-8")
    assert_clear(run_cli(tmp_path, "--config", str(config), "routines"), "larger than 1 MiB")


def test_an_import_that_never_ends_is_refused(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "import", "/dev/zero", timeout=60)
    assert_clear(result, "/dev/zero")
    assert not (data_dir(tmp_path) / "events.jsonl").exists()


def test_an_overlong_line_in_an_import_is_skipped_as_damaged(tmp_path: Path) -> None:
    run_cli(tmp_path, "done", "walk")
    run_cli(tmp_path, "skip", "stretch")
    history = data_dir(tmp_path) / "events.jsonl"
    good = history.read_bytes().splitlines(keepends=True)
    source = tmp_path / "other.jsonl"
    source.write_bytes(good[0] + b"x" * (1 << 20) + b"\n" + good[1])
    history.unlink()
    result = run_cli(tmp_path, "import", str(source))
    assert_clear(result, f"{source}:2: damaged line skipped", code=0)
    assert "2 new, 0 already present, 1 damaged" in result.stdout


# Each POSIX TZ string and an IANA zone with the same rules (for the years near now).
POSIX_ZONES = {
    "UTC0": ZoneInfo("UTC"),
    "CET-1CEST,M3.5.0,M10.5.0/3": ZoneInfo("Europe/Berlin"),
    "<+0530>-5:30": ZoneInfo("Asia/Kolkata"),
}


@pytest.mark.parametrize("tz", POSIX_ZONES)
def test_a_posix_tz_string_is_a_time_zone(tmp_path: Path, tz: str) -> None:
    run_cli(tmp_path, "done", "walk")
    events = json.loads(run_cli(tmp_path, "history", "--json").stdout)
    stamp = datetime.fromisoformat(events[0]["ts"])
    result = run_cli(tmp_path, "history", env={"TZ": tz})
    assert_clear(result, code=0)
    assert stamp.astimezone(POSIX_ZONES[tz]).strftime("%Y-%m-%d %H:%M") in result.stdout
    assert_clear(run_cli(tmp_path, "routines", env={"TZ": tz}), code=0)


@pytest.mark.parametrize("tz", ["Nowhere/Foo", "/etc/passwd", "../../etc/passwd", "CET-1CEST", "/"])
def test_an_unknown_time_zone_is_refused_clearly(tmp_path: Path, tz: str) -> None:
    for command in (["routines"], ["history"], ["done", "walk"]):
        result = run_cli(tmp_path, *command, env={"TZ": tz})
        assert_clear(result, "TZ", repr(tz), "Europe/Berlin")


def test_a_home_folder_of_nobody_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "settings.toml"
    config.write_text('[store]\npath = "~nosuchuser/x.jsonl"\n', encoding="utf-8")
    result = run_cli(tmp_path, "--config", str(config), "config", "check")
    assert_clear(result, "store.path", "nosuchuser")
    result = run_cli(tmp_path, "done", "walk", env={"POSTUREPING_STORE__PATH": "~nosuchuser/x"})
    assert_clear(result, "POSTUREPING_STORE__PATH")
    result = run_cli(tmp_path, "--config", "~nosuchuser/x.toml", "config", "check")
    assert_clear(result, "~nosuchuser")
    for args in (["export", "--output", "~nosuchuser/x.json"], ["import", "~nosuchuser/x"]):
        assert_clear(run_cli(tmp_path, *args), "~nosuchuser")


# --- the settings cache: a shortcut, so any problem with it is ignored ------------------------


def cache(root: Path) -> Path:
    return root / "state" / "postureping" / "settings-cache.json"


@pytest.mark.parametrize("content", ["deep", "huge", "fifo", "folder", "not-a-path"])
def test_a_broken_settings_cache_is_ignored(tmp_path: Path, content: str) -> None:
    assert run_cli(tmp_path, "done", "walk").returncode == 0
    path = cache(tmp_path)
    remembered = json.loads(path.read_text(encoding="utf-8"))
    path.unlink()
    if content == "deep":
        path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    elif content == "huge":
        remembered["routine_ids"] += ["x" * 1000] * 20_000
        path.write_text(json.dumps(remembered), encoding="utf-8")
    elif content == "fifo":
        os.mkfifo(path)
    elif content == "folder":
        path.mkdir()
    else:
        remembered["store_file"] = "relative\x00path"
        path.write_text(json.dumps(remembered), encoding="utf-8")
    result = run_cli(tmp_path, "done", "walk", timeout=30)
    assert_clear(result, code=0)
    lines = (data_dir(tmp_path) / "events.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2


def test_a_state_folder_that_is_a_file_does_not_stop_a_command(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "postureping").write_text("", encoding="utf-8")
    assert_clear(run_cli(tmp_path, "done", "walk"), code=0)
    assert_clear(run_cli(tmp_path, "done", "walk"), code=0)
